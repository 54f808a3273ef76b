"""Backups a technician can trust: an online, consistent copy with the photos, verified.

A backup file is a zip: ``kiosk.db`` made with SQLite's online backup API (the app may
keep running), the photo blobs, and ``manifest.json`` listing the SHA-256 of every
member. It is read back and checked right after writing. Encryption with a passphrase
is added around this zip by the technician's command (``technician/backups.py``).

What a backup never holds: the device token and the bundle signing key
(``settings.SECRETS``) are deleted from the copy, with SQLite's ``secure_delete`` and a
``VACUUM`` so no free page keeps them. A restore on the same kiosk (the database it
replaces belongs to the same device) keeps the kiosk's current token and keys; on
another PC the kiosk comes back unenrolled and asks for a new enrollment code.

A backup file may come from anywhere, so restore trusts nothing in it: every entry must
be listed in the manifest, have a normalised name (``kiosk.db`` or
``blobs/ab/ab…`` with 64 hex digits), appear once and not be a link; everything is
extracted into a folder beside the database and checked against its hash first, and
only then moved into place. A damaged or crafted file is refused and nothing changes.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import sqlite3
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk_app.store.connection import StoreError, backup_file, connect
from kiosk_app.store.migrations import SCHEMA_VERSION
from kiosk_app.store.settings import SECRETS, Key
from kiosk_app.store.store import utcnow

FORMAT = 2  # 2: secrets left out; format 1 files (with the token) still restore
FORMATS = (1, 2)
DB_NAME = "kiosk.db"
MANIFEST = "manifest.json"
DEVICE_SETTING = Key.DEVICE_ID.value
SECRET_SETTINGS = tuple(key.value for key in SECRETS)  # never in a backup
_BLOB_NAME = re.compile(r"^blobs/([0-9a-f]{2})/([0-9a-f]{64})$")
_BLOCK = 1 << 20


class BackupError(StoreError):
    """A backup file that is missing, damaged or not ours."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    schema: int
    blobs: int
    bytes: int
    pending_changes: int
    enrolled: bool = False  # restore: the kiosk kept its enrollment (same device)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _blob_files(blob_root: Path) -> Iterable[Path]:
    if blob_root.exists():
        yield from sorted(p for p in blob_root.glob("*/*") if p.is_file() and len(p.name) == 64)


def _strip_secrets(snapshot: Path) -> str | None:
    """Delete the secret settings from a copy, leaving no trace in free pages; returns
    the device id it belonged to (kept: it is no secret)."""
    conn = sqlite3.connect(snapshot)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        marks = ",".join("?" * len(SECRET_SETTINGS))
        conn.execute(f"DELETE FROM setting WHERE key IN ({marks})", SECRET_SETTINGS)
        conn.commit()
        conn.execute("VACUUM")
        row = conn.execute("SELECT value FROM setting WHERE key = ?", [DEVICE_SETTING]).fetchone()
    finally:
        conn.close()
    return str(row[0]) if row and row[0] else None


def create_backup(db_path: Path, blob_root: Path, target: Path) -> BackupInfo:
    """Write a verified backup of the database at ``db_path`` and its photos."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-backup-", dir=db_path.parent) as tmp:
        snapshot = Path(tmp) / DB_NAME
        db = connect(db_path)
        try:
            backup_file(db, snapshot)
        finally:
            db.close()
        device_id = _strip_secrets(snapshot)
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
                        "pending_changes": pending, "device_id": device_id,
                        "members": members}  # fmt: skip
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
        info = verify_backup(partial)
        partial.replace(target)
    return BackupInfo(target, info.schema, info.blobs, target.stat().st_size, pending)


def _damaged(path: Path) -> BackupError:
    return BackupError(
        "Berkas cadangan rusak atau bukan cadangan Etalase Desa; tidak dipulihkan.",
        f"The backup file {path.name} is damaged or not an Etalase Desa backup.",
    )


def _crafted(path: Path, detail: str) -> BackupError:
    return BackupError(
        "Berkas cadangan ini berisi nama yang tidak sah (di luar daftarnya, jalur ke luar "
        "folder, atau tautan); tidak dipulihkan.",
        f"The backup file {path.name} holds an entry that is not allowed ({detail}).",
    )


def _members(path: Path, archive: zipfile.ZipFile) -> tuple[dict[str, Any], dict[str, str]]:
    """The manifest and its members, once every entry of the zip is known to be one of
    them, under a normalised name, once, and no link."""
    manifest = json.loads(archive.read(MANIFEST))
    if not isinstance(manifest, dict) or manifest.get("format") not in FORMATS:
        raise _damaged(path)
    members = manifest.get("members")
    if not isinstance(members, dict) or DB_NAME not in members:
        raise _damaged(path)
    for name, expected in members.items():
        if not isinstance(expected, str) or not re.fullmatch(r"[0-9a-f]{64}", expected):
            raise _damaged(path)
        if name == DB_NAME:
            continue
        match = _BLOB_NAME.match(name)
        if match is None or match.group(1) != match.group(2)[:2] or match.group(2) != expected:
            raise _crafted(path, repr(name))
    seen: set[str] = set()
    for info in archive.infolist():
        name = info.filename
        if name in seen:
            raise _crafted(path, f"{name!r} twice")
        seen.add(name)
        if name != MANIFEST and name not in members:
            raise _crafted(path, f"{name!r} is not in the manifest")
        kind = stat.S_IFMT(info.external_attr >> 16)
        if info.is_dir() or kind not in (0, stat.S_IFREG):
            raise _crafted(path, f"{name!r} is a link or a folder")
    missing = set(members) - seen
    if missing:
        raise _damaged(path)
    return manifest, members


def _copy_checked(archive: zipfile.ZipFile, name: str, expected: str, dest: Path | None) -> None:
    """Stream a member to ``dest`` (or nowhere), raising ValueError if its hash is off."""
    digest = hashlib.sha256()
    with archive.open(name) as source:
        out = dest.open("wb") if dest is not None else None
        try:
            for block in iter(lambda: source.read(_BLOCK), b""):
                digest.update(block)
                if out is not None:
                    out.write(block)
        finally:
            if out is not None:
                out.close()
    if digest.hexdigest() != expected:
        raise ValueError(f"{name}: hash mismatch")


def _check_database(path: Path, db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()
    if not ok:
        raise _damaged(path)
    if schema > SCHEMA_VERSION:
        raise BackupError(
            "Cadangan ini dibuat oleh versi aplikasi yang lebih baru. Perbarui aplikasi dulu.",
            f"This backup is from a newer app (schema {schema} > {SCHEMA_VERSION}).",
        )
    return schema


_READ_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, zlib.error,
                sqlite3.DatabaseError, UnicodeDecodeError)  # fmt: skip


def _extract(path: Path, staging: Path | None) -> BackupInfo:
    """Check ``path`` whole; with ``staging``, leave the checked database and blobs there
    (``staging/kiosk.db``, ``staging/blobs/…``)."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest, members = _members(path, archive)
            with tempfile.TemporaryDirectory(prefix="kiosk-verify-") as tmp:
                db = (staging or Path(tmp)) / DB_NAME
                _copy_checked(archive, DB_NAME, members[DB_NAME], db)
                schema = _check_database(path, db)
            for name, expected in members.items():
                if name == DB_NAME:
                    continue
                dest = None
                if staging is not None:
                    dest = staging / name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                _copy_checked(archive, name, expected, dest)
            pending = int(manifest["pending_changes"])
    except BackupError:
        raise
    except _READ_ERRORS as exc:
        raise _damaged(path) from exc
    blobs = sum(1 for name in members if name.startswith("blobs/"))
    return BackupInfo(path, schema, blobs, path.stat().st_size, pending)


def verify_backup(path: Path) -> BackupInfo:
    """Check every entry (names, links, hashes) and the database's integrity; raise
    BackupError if anything is off."""
    return _extract(path, None)


def _identity(db_path: Path) -> dict[str, str]:
    """The current database's enrollment (device id and secrets), if it can be read."""
    if not db_path.exists():
        return {}
    try:
        conn = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return {}
    try:
        keys = (DEVICE_SETTING, *SECRET_SETTINGS)
        rows = conn.execute(
            f"SELECT key, value FROM setting WHERE key IN ({','.join('?' * len(keys))})", keys
        ).fetchall()
    except sqlite3.Error:
        return {}
    finally:
        conn.close()
    return {str(k): str(v) for k, v in rows if v}


def _settle_identity(restored: Path, current: dict[str, str]) -> bool:
    """The same device: keep its current token and keys. Another: leave it unenrolled.
    Also a new clock node id (see ``restore_backup``). True when it stays enrolled."""
    conn = sqlite3.connect(restored)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        row = conn.execute("SELECT value FROM setting WHERE key = ?", [DEVICE_SETTING]).fetchone()
        same = bool(row and row[0] and current.get(DEVICE_SETTING) == row[0])
        keep = same and bool(current.get(Key.TOKEN))
        for key in SECRET_SETTINGS:
            if keep and key in current:
                conn.execute(
                    "INSERT INTO setting (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [key, current[key]],
                )
            else:
                conn.execute("DELETE FROM setting WHERE key = ?", [key])
        conn.execute(
            "UPDATE setting SET value = ? WHERE key = ?", [secrets.token_hex(6), Key.NODE_ID.value]
        )
        conn.commit()
    finally:
        conn.close()
    return keep


def restore_backup(source: Path, db_path: Path, blob_root: Path) -> BackupInfo:
    """Replace the kiosk's database and add the backup's photos. The app must be closed.

    Everything is extracted and checked beside the database first; only then are the
    photos moved into the blob folder and the database replaced. The restored kiosk gets
    a new clock node id: writes it made after the backup was taken may already be on the
    server under the old id, and the server must not mistake them for something this
    kiosk still holds.
    """
    current = _identity(db_path)
    with tempfile.TemporaryDirectory(prefix="kiosk-restore-", dir=db_path.parent) as tmp:
        staging = Path(tmp)
        info = _extract(source, staging)
        restored = staging / DB_NAME
        enrolled = _settle_identity(restored, current)
        staged_blobs = staging / "blobs"
        for blob in _blob_files(staged_blobs):
            dest = blob_root / blob.parent.name / blob.name
            if not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(blob, dest)
        for suffix in ("-wal", "-shm"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        restored.replace(db_path)
    return BackupInfo(
        info.path, info.schema, info.blobs, info.bytes, info.pending_changes, enrolled
    )


def note_backup(db_path: Path, target: Path, encrypted: bool) -> None:
    """Note a backup in the kiosk's settings, for the doctor (the app may be running:
    one small write through SQLite's own locking)."""
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        conn.executemany(
            "INSERT INTO setting (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(Key.BACKUP_LAST_AT.value, utcnow()),
             (Key.BACKUP_LAST_ENCRYPTED.value, "1" if encrypted else "0"),
             (Key.BACKUP_LAST_PATH.value, str(target))],
        )  # fmt: skip
        conn.commit()
    finally:
        conn.close()
