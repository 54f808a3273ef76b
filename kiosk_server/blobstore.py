"""Content-addressed photo bytes on disk (``blobs/ab/abcdef…``) and who may read them.

A blob is written under a temporary name, fsynced, then renamed into place, so a crash
never leaves a half-written file under a hash. The ``blob`` table lists what is stored.
A device may read a blob it uploaded, or one that a photo in its region references.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, exists, insert, or_, select

from kiosk_server.db import RECORD_TABLES, blob

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def is_sha256(text: object) -> bool:
    return isinstance(text, str) and SHA256_RE.match(text) is not None


def blob_path(root: Path, sha: str) -> Path:
    return root / sha[:2] / sha


def put_file(root: Path, sha: str, source: Path) -> Path:
    """Move a verified file into the store under its hash (atomic rename)."""
    target = blob_path(root, sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    return target


def put_bytes(root: Path, sha: str, data: bytes) -> Path:
    """Store verified bytes under their hash, crash-safely."""
    target = blob_path(root, sha)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{sha}.{os.getpid()}.tmp")
    with tmp.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, target)
    return target


def record(conn: Connection, sha: str, size: int, device_id: str | None, now: str) -> bool:
    """Note a stored blob in the table; False when it was already there."""
    if conn.execute(select(blob.c.sha256).where(blob.c.sha256 == sha)).first() is not None:
        return False
    conn.execute(insert(blob).values(sha256=sha, size=size, uploaded_by=device_id, created_at=now))
    return True


def missing(conn: Connection, shas: Iterable[object]) -> list[str]:
    """Which of ``shas`` (well-formed ones only) the server does not hold, sorted."""
    wanted = sorted({s for s in shas if isinstance(s, str) and is_sha256(s)})
    have: set[str] = set()
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        found = conn.execute(select(blob.c.sha256).where(blob.c.sha256.in_(part)))
        have.update(r[0] for r in found)
    return [s for s in wanted if s not in have]


def size_if_readable(conn: Connection, sha: str, device: dict[str, Any]) -> int | None:
    """The blob's size when ``device`` may read it, else None (as if it did not exist)."""
    row = conn.execute(select(blob.c.size, blob.c.uploaded_by).where(blob.c.sha256 == sha)).first()
    if row is None:
        return None
    if row.uploaded_by == device["id"]:
        return int(row.size)
    photos = RECORD_TABLES["photo"]
    region = str(device["region"])
    referenced = conn.execute(
        select(
            exists().where(
                or_(photos.c.sha256 == sha, photos.c.thumb_sha256 == sha),
                or_(photos.c.scope_code == region, photos.c.scope_code.like(region + ".%")),
            )
        )
    ).scalar()
    return int(row.size) if referenced else None
