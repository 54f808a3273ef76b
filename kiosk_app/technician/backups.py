"""Backups encrypted with a passphrase the technician chooses, and the record of them.

A backup holds every merchant's personal data; it goes on a flash drive that can be
lost. So ``kiosk-app backup`` seals the verified zip (``store.backup``) with the
passphrase: scrypt (128 MiB, a fresh salt per file) and AES-256-GCM in 1 MiB chunks,
the sealed-file format of ``kiosk_app.protocol.sealed`` (``cryptography``, no cipher of our own).
Without the passphrase nothing in the file can be read or changed unseen; a wrong one
is told apart from nothing else (both are "cannot open"). An unencrypted backup is
still possible (``--no-encrypt``) and the doctor warns about it.

The plain zip exists only inside the kiosk's data folder while it is sealed or opened,
never beside the sealed file on the flash drive.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from kiosk_app.domain.i18n import both
from kiosk_app.protocol.sealed import (
    SealError,
    is_sealed,
    passphrase_header,
    passphrase_key,
    read_seal_header,
    seal,
    unseal,
)
from kiosk_app.store.backup import BackupError, BackupInfo, create_backup

MIN_PASSPHRASE = 10
PASSPHRASE_ENV = "KIOSK_BACKUP_PASSPHRASE"


class PassphraseError(ValueError):
    """No usable passphrase: the message says what to do (Bahasa Indonesia, English)."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(f"{message_id} ({message_en})")
        self.message_id = message_id
        self.message_en = message_en


def check_passphrase(passphrase: str) -> str:
    if len(passphrase) < MIN_PASSPHRASE:
        raise PassphraseError(
            *both(
                "The backup passphrase must have at least {min_passphrase} characters.",
                min_passphrase=MIN_PASSPHRASE,
            ),
        )
    return passphrase


def read_passphrase(
    file: str | None,
    *,
    confirm: bool,
    prompt: Callable[[str], str] = getpass.getpass,
    interactive: bool | None = None,
) -> str:
    """The passphrase from ``--passphrase-file``, else ``KIOSK_BACKUP_PASSPHRASE``, else
    asked at the terminal (twice when ``confirm``)."""
    if file:
        try:
            lines = Path(file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise PassphraseError(
                *both("Cannot read the passphrase file: {reason}", reason=(file, exc)),
            ) from exc
        return lines[0] if lines else ""
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not (sys.stdin.isatty() if interactive is None else interactive):
        raise PassphraseError(
            *both(
                "A backup passphrase is needed: give --passphrase-file FILE (or "
                "{passphrase_env}), or --no-encrypt for an unencrypted backup.",
                passphrase_env=PASSPHRASE_ENV,
            ),
        )
    first = prompt("Kata sandi cadangan (passphrase): ")
    if confirm and prompt("Ulangi kata sandi (repeat): ") != first:
        raise PassphraseError(*both("The passphrases differ."))
    return first


def _digest(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


class _HashSink:
    """A writable that only hashes what it is given (verifying without a second copy)."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return len(data)


def create_encrypted_backup(
    db_path: Path, blob_root: Path, target: Path, passphrase: str
) -> BackupInfo:
    """A verified backup at ``target``, sealed with ``passphrase`` and read back."""
    check_passphrase(passphrase)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-backup-", dir=db_path.parent) as tmp:
        plain = Path(tmp) / "cadangan.zip"
        info = create_backup(db_path, blob_root, plain)
        header = passphrase_header("backup")
        key = passphrase_key(passphrase, header)
        partial = target.with_name(target.name + ".partial")
        try:
            with plain.open("rb") as source, partial.open("wb") as out:
                seal(source, out, key, header)
            # Read it back: the sealed file opens with the passphrase to the same bytes.
            with partial.open("rb") as sealed:
                opened, preamble = read_seal_header(sealed)
                sink = _HashSink()
                unseal(sealed, sink, passphrase_key(passphrase, opened), opened, preamble)
            with plain.open("rb") as source:
                if sink.digest.hexdigest() != _digest(source):
                    raise OSError("the encrypted backup did not read back the same")
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    return BackupInfo(target, info.schema, info.blobs, target.stat().st_size, info.pending_changes)


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return is_sealed(handle.read(64))


def open_encrypted_backup(source: Path, passphrase: str, work: Path) -> Path:
    """The plain zip of an encrypted backup, written into ``work`` (which the caller
    removes). BackupError when the passphrase is wrong or the file damaged."""
    plain = work / "cadangan.zip"
    try:
        with source.open("rb") as sealed, plain.open("wb") as out:
            header, preamble = read_seal_header(sealed)
            if header.get("kind") != "backup":
                raise SealError("not a backup")
            unseal(sealed, out, passphrase_key(passphrase, header), header, preamble)
    except (SealError, OSError) as exc:
        plain.unlink(missing_ok=True)
        raise BackupError(
            *both(
                "Cannot open the backup {name}: wrong passphrase, or the file is damaged.",
                name=source.name,
            ),
        ) from exc
    return plain
