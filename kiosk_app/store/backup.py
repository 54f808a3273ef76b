"""Backups a technician can trust: an online, consistent copy with the photos, verified.

A backup file is a zip: ``kiosk.db`` made with SQLite's online backup API (the app may
keep running), the photo blobs, and ``manifest.json`` listing the SHA-256 of every
member. It is read back and checked right after writing. Restore checks it the same
way (hashes and ``PRAGMA integrity_check``) before touching anything, and refuses a
damaged file.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kiosk_app.store.connection import StoreError, backup_file, connect
from kiosk_app.store.migrations import SCHEMA_VERSION
from kiosk_app.store.store import utcnow

FORMAT = 1
DB_NAME = "kiosk.db"


class BackupError(StoreError):
    """A backup file that is missing, damaged or not ours."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    schema: int
    blobs: int
    bytes: int
    pending_changes: int


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _blob_files(blob_root: Path) -> Iterable[Path]:
    if blob_root.exists():
        yield from sorted(p for p in blob_root.glob("*/*") if p.is_file() and len(p.name) == 64)


def create_backup(db_path: Path, blob_root: Path, target: Path) -> BackupInfo:
    """Write a verified backup of the database at ``db_path`` and its photos."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-backup-") as tmp:
        snapshot = Path(tmp) / DB_NAME
        db = connect(db_path)
        try:
            backup_file(db, snapshot)
        finally:
            db.close()
        conn = sqlite3.connect(snapshot)
        try:
            schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
            pending = int(conn.execute("SELECT count(*) FROM outbox").fetchone()[0])
        finally:
            conn.close()
        members = {DB_NAME: _sha256_file(snapshot)}
        partial = target.with_name(target.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(snapshot, DB_NAME)
            for blob in _blob_files(blob_root):
                name = f"blobs/{blob.parent.name}/{blob.name}"
                archive.write(blob, name, compress_type=zipfile.ZIP_STORED)
                members[name] = blob.name  # a blob's name is its hash
            manifest = {"format": FORMAT, "schema": schema, "created_at": utcnow(),
                        "pending_changes": pending, "members": members}  # fmt: skip
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        info = verify_backup(partial)
        partial.replace(target)
    return BackupInfo(target, info.schema, info.blobs, target.stat().st_size, pending)


def verify_backup(path: Path) -> BackupInfo:
    """Check every member's hash and the database's integrity; raise BackupError if not."""
    damaged = BackupError(
        "Berkas cadangan rusak atau bukan cadangan Etalase Desa; tidak dipulihkan.",
        f"The backup file {path.name} is damaged or not an Etalase Desa backup.",
    )
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            members: dict[str, str] = manifest["members"]
            if manifest.get("format") != FORMAT or DB_NAME not in members:
                raise damaged
            for name, expected in members.items():
                digest = hashlib.sha256()
                with archive.open(name) as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                if digest.hexdigest() != expected:
                    raise damaged
            with tempfile.TemporaryDirectory(prefix="kiosk-verify-") as tmp:
                archive.extract(DB_NAME, tmp)
                conn = sqlite3.connect(Path(tmp) / DB_NAME)
                try:
                    ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                    schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
                finally:
                    conn.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, zlib.error,
            sqlite3.DatabaseError) as exc:  # fmt: skip
        raise damaged from exc
    if not ok:
        raise damaged
    if schema > SCHEMA_VERSION:
        raise BackupError(
            "Cadangan ini dibuat oleh versi aplikasi yang lebih baru. Perbarui aplikasi dulu.",
            f"This backup is from a newer app (schema {schema} > {SCHEMA_VERSION}).",
        )
    blobs = sum(1 for name in members if name.startswith("blobs/"))
    return BackupInfo(path, schema, blobs, path.stat().st_size, int(manifest["pending_changes"]))


def restore_backup(source: Path, db_path: Path, blob_root: Path) -> BackupInfo:
    """Replace the kiosk's database and add the backup's photos. The app must be closed.

    The restored kiosk gets a new clock node id: writes it made after the backup was
    taken may already be on the server under the old id, and the server must not
    mistake them for something this kiosk still holds.
    """
    info = verify_backup(source)
    with tempfile.TemporaryDirectory(prefix="kiosk-restore-", dir=db_path.parent) as tmp:
        with zipfile.ZipFile(source) as archive:
            archive.extract(DB_NAME, tmp)
            for name in archive.namelist():
                if name.startswith("blobs/"):
                    dest = blob_root / Path(name).relative_to("blobs")
                    if not dest.exists():
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        with archive.open(name) as src, dest.open("wb") as out:
                            shutil.copyfileobj(src, out)
        restored = Path(tmp) / DB_NAME
        conn = sqlite3.connect(restored)
        try:
            conn.execute(
                "UPDATE setting SET value = ? WHERE key = 'node_id'", [secrets.token_hex(6)]
            )
            conn.commit()
        finally:
            conn.close()
        for suffix in ("-wal", "-shm"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        restored.replace(db_path)
    return info
