"""Photo pipeline: decode, orient, resize, strip metadata, encode, hash. No Qt here."""
