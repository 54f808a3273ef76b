"""Which photo blobs the server stores (the ``blob`` table) and who may read them.

The bytes themselves are in the blob storage (``kiosk_server.storage``: a folder or an
S3-compatible bucket), named by their SHA-256; the ``blob`` table lists what is stored.

Knowing a hash is no reason to read its bytes. A device may read a blob it holds (it
uploaded the bytes, or brought them on a signed bundle: ``blob_holder``) or one granted
to a place inside its region (``blob_grant``). A place is granted a blob when a photo
there refers to it and the photo's writer was entitled to the blob: it held it, it was
granted in the writer's region already, or the server did not have it yet (the kiosk
sends a photo's record before its bytes, and then uploads them). So a photo row naming
another region's blob grants nothing, and to everything else the device asks
("missing", a new upload) a blob it may not read looks like one the server lacks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, exists, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from kiosk_server.db import RECORD_TABLES, blob, blob_grant, blob_holder, is_postgres, one_of

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def is_sha256(text: object) -> bool:
    return isinstance(text, str) and SHA256_RE.match(text) is not None


def record(conn: Connection, sha: str, size: int, device_id: str | None, now: str) -> bool:
    """Note a stored blob in the table; False when it was already there."""
    if conn.execute(select(blob.c.sha256).where(blob.c.sha256 == sha)).first() is not None:
        return False
    conn.execute(insert(blob).values(sha256=sha, size=size, uploaded_by=device_id, created_at=now))
    return True


def _in_region(column: Any, region: str) -> Any:
    return or_(column == region, column.like(region + ".%"))


def readable(conn: Connection, shas: Iterable[str], device: dict[str, Any]) -> set[str]:
    """Those of ``shas`` the server stores and ``device`` may read (holder, or granted
    to a place in its region)."""
    wanted = sorted({s for s in shas if is_sha256(s)})
    postgres = is_postgres(conn)
    found: set[str] = set()
    held = exists().where(
        blob_holder.c.sha256 == blob.c.sha256, blob_holder.c.device_id == device["id"]
    )
    granted = exists().where(
        blob_grant.c.sha256 == blob.c.sha256,
        _in_region(blob_grant.c.scope_code, str(device["region"])),
    )
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        query = select(blob.c.sha256).where(
            one_of(blob.c.sha256, part, postgres=postgres), or_(held, granted)
        )
        found.update(str(r[0]) for r in conn.execute(query))
    return found


def stored(conn: Connection, shas: Iterable[str]) -> set[str]:
    """Those of ``shas`` the server stores (whoever may read them)."""
    wanted = sorted({s for s in shas if is_sha256(s)})
    postgres = is_postgres(conn)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        query = select(blob.c.sha256).where(
            one_of(blob.c.sha256, wanted[start : start + 500], postgres=postgres)
        )
        found.update(str(r[0]) for r in conn.execute(query))
    return found


def missing(conn: Connection, shas: Iterable[object], device: dict[str, Any]) -> list[str]:
    """Which of ``shas`` (well-formed ones only) ``device`` should upload, sorted: those
    the server lacks, and those it holds but the device may not read (the device proves
    it has them by uploading them; it learns nothing of other devices' blobs)."""
    wanted = sorted({s for s in shas if isinstance(s, str) and is_sha256(s)})
    if not wanted:
        return []
    have = readable(conn, wanted, device)
    return [s for s in wanted if s not in have]


def size_if_readable(conn: Connection, sha: str, device: dict[str, Any]) -> int | None:
    """The blob's size when ``device`` may read it, else None (as if it did not exist)."""
    if sha not in readable(conn, [sha], device):
        return None
    size = conn.execute(select(blob.c.size).where(blob.c.sha256 == sha)).scalar()
    return None if size is None else int(size)


def entitled(conn: Connection, shas: Iterable[str], device: dict[str, Any]) -> set[str]:
    """Those of ``shas`` a photo written by ``device`` may show: every one it may read,
    and every one the server does not hold yet (its bytes are to follow)."""
    wanted = {s for s in shas if is_sha256(s)}
    if not wanted:
        return set()
    return wanted - (stored(conn, wanted) - readable(conn, wanted, device))


def _insert_ignore(conn: Connection, table: Any, rows: list[dict[str, str]]) -> None:
    if not rows:
        return
    dialect = postgresql if is_postgres(conn) else sqlite
    conn.execute(dialect.insert(table).on_conflict_do_nothing(), rows)


def grant(conn: Connection, pairs: Iterable[tuple[str, str]]) -> None:
    """Allow each (blob, place) pair: devices whose region holds the place may read it."""
    rows = [{"sha256": sha, "scope_code": place} for sha, place in sorted(set(pairs))]
    _insert_ignore(conn, blob_grant, rows)


def hold(conn: Connection, sha: str, device: dict[str, Any]) -> None:
    """``device`` proved it has ``sha``'s bytes: it may read it, and the places in its
    region whose photos refer to it are granted it."""
    _insert_ignore(conn, blob_holder, [{"sha256": sha, "device_id": str(device["id"])}])
    photos = RECORD_TABLES["photo"]
    places = conn.execute(
        select(photos.c.scope_code)
        .where(
            or_(photos.c.sha256 == sha, photos.c.thumb_sha256 == sha),
            _in_region(photos.c.scope_code, str(device["region"])),
        )
        .distinct()
    )
    grant(conn, [(sha, str(r[0])) for r in places])
