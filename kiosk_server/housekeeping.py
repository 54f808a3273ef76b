"""Keeping the disk from filling: expired uploads, unreferenced blobs, stray files.

Run by every server process once an interval (``Settings.gc_interval_s``) and by
``kiosk-server gc``. Each step is safe to run in several processes at once: rows are
deleted by conditional statements, files with ``missing_ok``, and an upload whose PATCH
is running (its lock is held) is left for the next round.

- An unfinished upload older than ``upload_expiry_hours`` is removed with its bytes;
  finished uploads' rows are dropped after the same time (their blob stays).
- A blob no live photo refers to, older than ``blob_grace_hours``, is removed with its
  holders and grants (a kiosk that still has a photo of it uploads it again).
- A file in the blob folder with no ``blob`` row (a crash between the file and its row,
  or an upload completed after its device was revoked), or an upload's file with no
  upload row, is removed once older than the grace period.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, exists, not_, or_, select

from kiosk_server import blobstore
from kiosk_server.config import Settings
from kiosk_server.db import RECORD_TABLES, blob, blob_grant, blob_holder, upload

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: a single server process is assumed
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)


class Busy(Exception):
    """Another request holds this upload's lock."""


def partial_path(settings: Settings, upload_id: str) -> Path:
    return settings.upload_dir / f"{upload_id}.part"


@contextlib.contextmanager
def upload_lock(path: Path) -> Iterator[None]:
    """The upload's lock (one PATCH at a time, across processes); Busy if it is held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise Busy from exc
        yield


def discard_files(settings: Settings, upload_ids: list[str]) -> None:
    """Remove the bytes of uploads whose rows are gone (revoked, expired)."""
    for upload_id in upload_ids:
        part = partial_path(settings, upload_id)
        part.unlink(missing_ok=True)
        part.with_suffix(".lock").unlink(missing_ok=True)


@dataclass
class Collected:
    uploads: int = 0
    blobs: int = 0
    stray_files: int = 0


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def expire_uploads(engine: Engine, settings: Settings, now: datetime) -> int:
    """Remove unfinished uploads older than the expiry, and old finished uploads' rows."""
    cutoff = _iso(now - timedelta(hours=settings.upload_expiry_hours))
    with engine.connect() as conn:
        stale = [
            str(r[0])
            for r in conn.execute(
                select(upload.c.id).where(
                    upload.c.created_at < cutoff, upload.c.completed_at.is_(None)
                )
            )
        ]
    removed = 0
    for upload_id in stale:
        part = partial_path(settings, upload_id)
        try:
            with upload_lock(part):
                with engine.begin() as conn:
                    conn.execute(
                        upload.delete().where(
                            upload.c.id == upload_id, upload.c.completed_at.is_(None)
                        )
                    )
                part.unlink(missing_ok=True)
            part.with_suffix(".lock").unlink(missing_ok=True)
            removed += 1
        except Busy:
            continue  # a PATCH is running: next round
    with engine.begin() as conn:
        conn.execute(
            upload.delete().where(
                upload.c.completed_at.is_not(None), upload.c.completed_at < cutoff
            )
        )
    return removed


def _live_reference(column: str) -> Any:
    photo = RECORD_TABLES["photo"]
    return exists().where(
        photo.c[column] == blob.c.sha256,
        or_(photo.c.deleted.is_(None), photo.c.deleted == 0),
    )


def collect_blobs(engine: Engine, settings: Settings, now: datetime) -> int:
    """Remove blobs no live photo refers to, once older than the grace period."""
    cutoff = _iso(now - timedelta(hours=settings.blob_grace_hours))
    with engine.connect() as conn:
        shas = [
            str(r[0])
            for r in conn.execute(
                select(blob.c.sha256).where(_unreferenced(blob.c.created_at < cutoff))
            )
        ]
    return _remove(engine, settings, shas, blob.c.created_at < cutoff)


def remove_unreferenced(engine: Engine, settings: Settings, shas: list[str]) -> int:
    """Remove those of ``shas`` no live photo refers to, at once (an erased merchant's)."""
    return _remove(engine, settings, shas, None)


def _unreferenced(condition: Any) -> Any:
    unreferenced = and_(not_(_live_reference("sha256")), not_(_live_reference("thumb_sha256")))
    return unreferenced if condition is None else and_(condition, unreferenced)


def _remove(engine: Engine, settings: Settings, shas: list[str], condition: Any) -> int:
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
            blobstore.blob_path(settings.blob_dir, sha).unlink(missing_ok=True)
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


def remove_stray_files(engine: Engine, settings: Settings, now: datetime) -> int:
    """Files no row accounts for, older than the grace period."""
    cutoff = now.timestamp() - settings.blob_grace_hours * 3600
    blob_files = list(_old_files(settings.blob_dir, cutoff))
    unknown = _unknown(engine, blob.c.sha256, [p.name for p in blob_files])
    upload_files = list(_old_files(settings.upload_dir, cutoff))
    unknown |= _unknown(engine, upload.c.id, [p.name.split(".", 1)[0] for p in upload_files])
    removed = 0
    for path in blob_files:
        if path.name in unknown:
            path.unlink(missing_ok=True)
            removed += 1
    for path in upload_files:
        if path.name.split(".", 1)[0] in unknown:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def collect(engine: Engine, settings: Settings, now: datetime | None = None) -> Collected:
    """One round of everything above."""
    moment = now or datetime.now(UTC)
    done = Collected(
        uploads=expire_uploads(engine, settings, moment),
        blobs=collect_blobs(engine, settings, moment),
    )
    done.stray_files = remove_stray_files(engine, settings, moment)
    if done.uploads or done.blobs or done.stray_files:
        log.info(
            "housekeeping: %d expired uploads, %d unreferenced blobs, %d stray files removed",
            done.uploads,
            done.blobs,
            done.stray_files,
        )
    return done
