"""Validators for the feeds and the sitemap, taken from the catalog's change sequence
before a byte is read: ``ETag``, ``Last-Modified``, and 304 when nothing changed.

The ETag names the sequence's high-water mark (and the count of stored and granted
blobs, which publish a photo whose bytes came after its record), the document and its
parameters (and the public address its links are written with), so any write to the
catalog changes it and a fetcher that has seen this version gets 304 without the server
reading one product.
``If-None-Match`` wins over ``If-Modified-Since`` when both are sent (RFC 9110 §13.2.2).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request

from kiosk_server.catalog.feed_rows import CatalogVersion

FEED_CACHE = "public, no-cache"


def etag(version: CatalogVersion, document: str, params: str, base: str) -> str:
    digest = hashlib.sha256(f"{document}\n{params}\n{base}".encode()).hexdigest()[:16]
    return f'W/"{version.seq}.{version.blobs}-{digest}"'


def headers(version: CatalogVersion, tag: str) -> dict[str, str]:
    out = {"ETag": tag, "Cache-Control": FEED_CACHE, "X-Content-Type-Options": "nosniff"}
    if version.modified is not None:
        out["Last-Modified"] = format_datetime(version.modified, usegmt=True)
    return out


def _tag_matches(header: str, tag: str) -> bool:
    bare = tag.removeprefix("W/")
    return any(c.strip() == "*" or c.strip().removeprefix("W/") == bare for c in header.split(","))


def _since(header: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else None


def not_modified(request: Request, version: CatalogVersion, tag: str) -> bool:
    """True when the client's copy is this version (answer 304)."""
    match = request.headers.get("if-none-match")
    if match:
        return _tag_matches(match, tag)
    since = request.headers.get("if-modified-since")
    if since and version.modified is not None:
        moment = _since(since)
        # HTTP dates have whole seconds: compare at that precision.
        return moment is not None and version.modified.replace(microsecond=0) <= moment
    return False
