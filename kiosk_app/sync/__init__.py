"""Sync engine, wire protocol, HTTP client, uploads and USB bundles. No Qt here."""
