"""An unfinished upload's state and bytes in the database, so any process continues it.

Design (issue 16, docs/server.md "Stateless uploads"): the ``upload`` row holds the tus
offset (``received``), the length, the expected SHA-256, the owner device and the
expiry; the bytes received so far are ``upload_chunk`` rows, one per stored piece.
A piece and the offset it moves commit in one transaction, and the offset moves only
by ``UPDATE … WHERE received = <the offset this request started from>``: an optimistic
check that is a row lock on PostgreSQL and runs under SQLite's write lock (BEGIN
IMMEDIATE). Two requests writing at one offset cannot both succeed, and nothing is held
while a slow satellite link trickles bytes in (a lock held for a whole PATCH would pin a
database connection, on SQLite every writer, for minutes).

Why rows and not the blob storage: S3 multipart parts must be at least 5 MiB (but the
last), while tus pieces are whatever arrived before a cut (a photo is ~300 KB); rows
commit with their offset atomically on both databases, and they are short-lived (a
finished upload's pieces go in the transaction that records its blob). A body sent whole
in one request (the usual thumbnail or photo) writes no piece at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, exists, insert, not_, select, update

from kiosk_server.db import upload, upload_chunk

# Bytes a request gathers before storing them as a piece (its last piece, or what
# arrived before a cut, is stored when the request ends).
PIECE_BYTES = 128 * 1024


class UploadGone(Exception):
    """The upload's row is gone (terminated, expired, its device revoked)."""


class OffsetMoved(Exception):
    """Another request moved the offset first; ``offset`` is the one now held."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def expiry(hours: float, now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)) + timedelta(hours=hours)
    return moment.isoformat(timespec="milliseconds")


def append(engine: Engine, upload_id: str, start: int, data: bytes, expires_at: str) -> int:
    """Store ``data`` at ``start`` if the upload still holds exactly ``start`` bytes;
    returns the new offset (UploadGone, OffsetMoved otherwise)."""
    with engine.begin() as conn:
        moved = conn.execute(
            update(upload)
            .where(
                upload.c.id == upload_id,
                upload.c.received == start,
                upload.c.completed_at.is_(None),
            )
            .values(received=start + len(data), expires_at=expires_at)
        ).rowcount
        if not moved:
            raise _why_not(conn, upload_id)
        conn.execute(insert(upload_chunk).values(upload_id=upload_id, start=start, data=data))
    return start + len(data)


def _why_not(conn: Connection, upload_id: str) -> Exception:
    row = conn.execute(
        select(upload.c.received, upload.c.length, upload.c.completed_at).where(
            upload.c.id == upload_id
        )
    ).first()
    if row is None:
        return UploadGone(upload_id)
    return OffsetMoved(int(row.length) if row.completed_at else int(row.received))


def held_bytes(conn: Connection, upload_id: str) -> bytes:
    """The pieces stored so far, in order."""
    pieces = conn.execute(
        select(upload_chunk.c.data)
        .where(upload_chunk.c.upload_id == upload_id)
        .order_by(upload_chunk.c.start)
    )
    return b"".join(bytes(r[0]) for r in pieces)


def claim_completion(conn: Connection, upload_id: str, start: int, length: int, now: str) -> None:
    """Mark the upload complete, if it still holds ``start`` bytes (the tail arrived in
    the finishing request), and drop its pieces; UploadGone or OffsetMoved otherwise."""
    claimed = conn.execute(
        update(upload)
        .where(
            upload.c.id == upload_id,
            upload.c.received == start,
            upload.c.completed_at.is_(None),
        )
        .values(completed_at=now, received=length)
    ).rowcount
    if not claimed:
        raise _why_not(conn, upload_id)
    conn.execute(upload_chunk.delete().where(upload_chunk.c.upload_id == upload_id))


def forget(conn: Connection, upload_ids: Iterable[str]) -> None:
    """Delete these uploads' rows and pieces (in the caller's transaction)."""
    ids = list(upload_ids)
    for first in range(0, len(ids), 500):
        part = ids[first : first + 500]
        conn.execute(upload_chunk.delete().where(upload_chunk.c.upload_id.in_(part)))
        conn.execute(upload.delete().where(upload.c.id.in_(part)))


def forget_orphan_pieces(conn: Connection) -> Any:
    """Pieces whose upload row is gone (none should be: they go together)."""
    return conn.execute(
        upload_chunk.delete().where(not_(exists().where(upload.c.id == upload_chunk.c.upload_id)))
    ).rowcount
