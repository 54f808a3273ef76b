"""Keeping the storage from filling: expired uploads, unreferenced blobs, stray objects.

Run by every server process once an interval (``Settings.gc_interval_s``) and by
``kiosk-server gc``. Each step is safe to run in several processes at once: rows are
deleted by conditional statements (an upload with its pieces in one transaction, so a
PATCH storing a piece meanwhile either lands first and keeps the upload alive, or finds
it gone), and blobs are removed after their rows, with no error when already gone.

- An unfinished upload past its ``expires_at`` (``upload_expiry_hours`` after it was
  last touched) is removed with its bytes; finished uploads' rows are dropped after
  the same time (their blob stays).
- A blob no live photo refers to, older than ``blob_grace_hours``, is removed with its
  holders and grants (a kiosk that still has a photo of it uploads it again).
- An object in the blob storage with no ``blob`` row (a crash between the bytes and
  their row, or an upload completed after its device was revoked) is removed once
  older than the grace period, as are files left in the ``uploads`` folder of servers
  before issue 16.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, exists, not_, or_, select

from kiosk_server import upload_state
from kiosk_server.config import Settings
from kiosk_server.db import RECORD_TABLES, blob, blob_grant, blob_holder, upload
from kiosk_server.storage import BlobStorage

log = logging.getLogger(__name__)


@dataclass
class Collected:
    uploads: int = 0
    blobs: int = 0
    stray_files: int = 0


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def expire_uploads(engine: Engine, settings: Settings, now: datetime) -> int:
    """Remove unfinished uploads past their expiry, and old finished uploads' rows."""
    moment = _iso(now)
    cutoff = _iso(now - timedelta(hours=settings.upload_expiry_hours))
    expired = and_(upload.c.completed_at.is_(None), upload.c.expires_at < moment)
    with engine.begin() as conn:
        gone = [
            str(r[0]) for r in conn.execute(upload.delete().where(expired).returning(upload.c.id))
        ]
        upload_state.forget(conn, gone)  # their pieces
        conn.execute(
            upload.delete().where(
                upload.c.completed_at.is_not(None), upload.c.completed_at < cutoff
            )
        )
        upload_state.forget_orphan_pieces(conn)
    return len(gone)


def _live_reference(column: str) -> Any:
    photo = RECORD_TABLES["photo"]
    return exists().where(
        photo.c[column] == blob.c.sha256,
        or_(photo.c.deleted.is_(None), photo.c.deleted == 0),
    )


def collect_blobs(engine: Engine, settings: Settings, storage: BlobStorage, now: datetime) -> int:
    """Remove blobs no live photo refers to, once older than the grace period."""
    cutoff = _iso(now - timedelta(hours=settings.blob_grace_hours))
    with engine.connect() as conn:
        shas = [
            str(r[0])
            for r in conn.execute(
                select(blob.c.sha256).where(_unreferenced(blob.c.created_at < cutoff))
            )
        ]
    return _remove(engine, storage, shas, blob.c.created_at < cutoff)


def remove_unreferenced(engine: Engine, storage: BlobStorage, shas: list[str]) -> int:
    """Remove those of ``shas`` no live photo refers to, at once (an erased merchant's)."""
    return _remove(engine, storage, shas, None)


def _unreferenced(condition: Any) -> Any:
    unreferenced = and_(not_(_live_reference("sha256")), not_(_live_reference("thumb_sha256")))
    return unreferenced if condition is None else and_(condition, unreferenced)


def _remove(engine: Engine, storage: BlobStorage, shas: list[str], condition: Any) -> int:
    removed = 0
    for start in range(0, len(shas), 500):
        part = shas[start : start + 500]
        with engine.begin() as conn:
            # Checked again in the deleting statement: a photo may have come meanwhile.
            gone = [
                str(r[0])
                for r in conn.execute(
                    blob.delete()
                    .where(blob.c.sha256.in_(part), _unreferenced(condition))
                    .returning(blob.c.sha256)
                )
            ]
            if gone:
                conn.execute(blob_holder.delete().where(blob_holder.c.sha256.in_(gone)))
                conn.execute(blob_grant.delete().where(blob_grant.c.sha256.in_(gone)))
        for sha in gone:
            storage.delete(sha)
        removed += len(gone)
    return removed


def _old_files(folder: Path, cutoff: float) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for path in folder.rglob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                yield path
        except OSError:
            continue


def _unknown(engine: Engine, column: Any, names: list[str]) -> set[str]:
    """Which of ``names`` no row has in ``column``, asked 500 at a time."""
    unknown = set(names)
    with engine.connect() as conn:
        for start in range(0, len(names), 500):
            part = names[start : start + 500]
            unknown -= {str(r[0]) for r in conn.execute(select(column).where(column.in_(part)))}
    return unknown


def remove_stray_files(
    engine: Engine, settings: Settings, storage: BlobStorage, now: datetime
) -> int:
    """Stored objects no row accounts for, older than the grace period."""
    cutoff = now.timestamp() - settings.blob_grace_hours * 3600
    old = [name for name, modified in storage.names() if modified < cutoff]
    unknown = _unknown(engine, blob.c.sha256, [n.rsplit("/", 1)[-1] for n in old])
    removed = 0
    for name in old:
        if name.rsplit("/", 1)[-1] in unknown:
            storage.remove_name(name)
            removed += 1
    for path in _old_files(settings.data_dir / "uploads", cutoff):  # before issue 16
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def collect(
    engine: Engine, settings: Settings, storage: BlobStorage, now: datetime | None = None
) -> Collected:
    """One round of everything above."""
    moment = now or datetime.now(UTC)
    done = Collected(
        uploads=expire_uploads(engine, settings, moment),
        blobs=collect_blobs(engine, settings, storage, moment),
    )
    done.stray_files = remove_stray_files(engine, settings, storage, moment)
    if done.uploads or done.blobs or done.stray_files:
        log.info(
            "housekeeping: %d expired uploads, %d unreferenced blobs, %d stray files removed",
            done.uploads,
            done.blobs,
            done.stray_files,
        )
    return done
