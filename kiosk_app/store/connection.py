"""Open the kiosk database safely: WAL + synchronous=FULL, migrate with a backup first.

A database written by a newer app is refused, never "upgraded" backwards.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlite_utils import Database

from kiosk_app.store.migrations import SCHEMA_VERSION, kiosk_migrations

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """A known failure of the local store, with a message for the person at the kiosk."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_id = message_id
        self.message_en = message_en


class SchemaTooNewError(StoreError):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"Basis data ini dibuat oleh versi aplikasi yang lebih baru (skema {found}); "
            f"aplikasi ini hanya mengenal sampai skema {known}. Pasang versi terbaru.",
            f"This database was written by a newer app (schema {found}); this app knows "
            f"schemas up to {known}. Install the latest version.",
        )
        self.found = found
        self.known = known


def connect(path: Path) -> Database:
    """A sqlite-utils Database on ``path`` with the pragmas every connection needs."""
    conn = sqlite3.connect(str(path), timeout=30.0)
    db = Database(conn)
    with db.ensure_autocommit_on():
        db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    return db


class HasDatabase(Protocol):
    """A ``Store`` as the store's modules see it (without importing it)."""

    @property
    def db(self) -> Database: ...


# What the store's read helpers take: a ``Store`` from outside ``kiosk_app.store``, or the
# connection itself from inside it.
Source = Database | HasDatabase

# Raised by SQLite when a write cannot go through (disk full, locked, read-only).
OperationalError = sqlite3.OperationalError


def database_of(source: Source) -> Database:
    return source if isinstance(source, Database) else source.db


def schema_version(source: Source) -> int:
    return int(database_of(source).execute("PRAGMA user_version").fetchone()[0])


def backup_file(db: Database, target: Path) -> Path:
    """A consistent copy of an open database through SQLite's online backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    dest = sqlite3.connect(str(target))
    try:
        db.conn.backup(dest)
    finally:
        dest.close()
    return target


def open_database(path: Path, *, backup_dir: Path | None = None) -> Database:
    """Open (creating if needed) and migrate the kiosk database at ``path``.

    Before migrating an existing database, a copy is written to ``backup_dir`` (default:
    a ``backups`` folder beside it) so a failed upgrade can be undone by hand.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    try:
        found = schema_version(db)
        known_names = {m.name for m in kiosk_migrations._migrations}
        applied = kiosk_migrations.applied(db)
        unknown = [m.name for m in applied if m.name not in known_names]
        if found > SCHEMA_VERSION or unknown:
            raise SchemaTooNewError(max(found, len(applied)), SCHEMA_VERSION)
        pending = kiosk_migrations.pending(db)
        if pending and applied:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            folder = backup_dir or path.parent / "backups"
            copy = backup_file(db, folder / f"{path.stem}.schema{found}.{stamp}.db")
            log.info("backed up %s to %s before migrating", path, copy)
        if pending:
            kiosk_migrations.apply(db)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            log.info("migrated %s from schema %d to %d", path, found, SCHEMA_VERSION)
    except BaseException:
        db.close()
        raise
    return db
