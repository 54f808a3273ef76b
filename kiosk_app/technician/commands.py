"""The technician's sub-commands: doctor, backup, restore, support-bundle.

Registered on the ``kiosk-app`` parser by ``register``; each handler returns the exit
code and prints Bahasa Indonesia first.
"""

from __future__ import annotations

import argparse
import errno
import logging
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kiosk_app.domain.i18n import N_, one_line, text
from kiosk_app.paths import KioskPaths
from kiosk_app.store.connection import OperationalError

log = logging.getLogger(__name__)
Handler = Callable[[argparse.Namespace, KioskPaths], int]
Command = Callable[[str, Handler, str], argparse.ArgumentParser]


def _id(msgid: str, **params: object) -> str:
    """A technician's console line in Bahasa Indonesia (the kiosk's language)."""
    return text("id", msgid, **params)


def _unchanged(paths: KioskPaths) -> str:
    return _id(N_("Nothing was changed in {folder}."), folder=paths.data)


def _disk_full(exc: Exception, *folders: Path) -> bool:
    """ENOSPC, or an SQLite I/O error where one of the folders has (almost) no room left."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return True
    for folder in folders:
        while not folder.exists() and folder.parent != folder:
            folder = folder.parent
        try:
            if shutil.disk_usage(folder).free < 1024 * 1024:
                return True
        except OSError:
            continue
    return False


def cmd_doctor(args: argparse.Namespace, paths: KioskPaths) -> int:
    from kiosk_app.technician.doctor import render_json, render_text, run_doctor

    report = run_doctor(paths, language=args.lang)
    print(render_json(report) if args.json else render_text(report, args.lang), end="")
    if not args.json:
        print()
    return report.exit_code


def _backup_target(path: Path, encrypted: bool) -> Path:
    if path.is_dir() or str(path).endswith(("/", "\\")):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        # An encrypted backup is no zip a file manager could open: its name says so.
        suffix = "cadangan" if encrypted else "zip"
        return path / f"etalase-desa-cadangan-{stamp}.{suffix}"
    return path


def cmd_backup(args: argparse.Namespace, paths: KioskPaths) -> int:
    from kiosk_app.store.backup import create_backup, note_backup
    from kiosk_app.technician.backups import (
        PassphraseError,
        check_passphrase,
        create_encrypted_backup,
        read_passphrase,
    )

    if not paths.database.exists():
        print(
            _id(N_("There is no database to back up in {folder}."), folder=paths.data),
            file=sys.stderr,
        )
        return 1
    target = _backup_target(Path(args.path), not args.no_encrypt)
    passphrase = None
    if not args.no_encrypt:
        try:
            passphrase = check_passphrase(read_passphrase(args.passphrase_file, confirm=True))
        except PassphraseError as exc:
            print(f"{exc.message_id}\n({exc.message_en})", file=sys.stderr)
            return 2
    try:
        if passphrase is None:
            info = create_backup(paths.database, paths.blobs, target)
        else:
            info = create_encrypted_backup(paths.database, paths.blobs, target, passphrase)
    except (OSError, OperationalError) as exc:
        target.with_name(target.name + ".partial").unlink(missing_ok=True)
        if _disk_full(exc, target.parent, paths.data):
            log.warning("backup to %s failed, disk full: %s", target, exc)
            print(
                one_line("Disk full: no backup written to {target}.", target=target),
                file=sys.stderr,
            )
            return 1
        raise
    note_backup(paths.database, target, passphrase is not None)
    log.info(
        "backup written to %s (%d photos, %d pending, %s)",
        target,
        info.blobs,
        info.pending_changes,
        "encrypted" if passphrase else "NOT encrypted",
    )
    print(_id(N_("Backup written and verified: {path}"), path=info.path))
    written = N_("  schema {schema}, {photos} photo files, {pending} pending changes, {mb:.1f} MB")
    print(
        _id(
            written,
            schema=info.schema,
            photos=info.blobs,
            pending=info.pending_changes,
            mb=info.bytes / 1024 / 1024,
        )
    )
    if passphrase is None:
        print(
            "  " + one_line("Not encrypted: anyone holding the file can read the merchants' data.")
        )
    else:
        print(
            _id(N_("  Encrypted: keep its passphrase; without it the backup cannot be restored."))
        )
    return 0


def _keep_current(paths: KioskPaths) -> Path | None:
    """Copy the database about to be replaced, byte for byte (it may be the damaged one)."""
    files = [paths.database.with_name(paths.database.name + s) for s in ("", "-wal", "-shm")]
    files = [f for f in files if f.exists()]
    if not files:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = paths.backups / f"sebelum-pemulihan-{stamp}"
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, folder / f.name)
    return folder


def cmd_restore(args: argparse.Namespace, paths: KioskPaths) -> int:
    import tempfile

    from kiosk_app.store.backup import BackupError, restore_backup, verify_backup
    from kiosk_app.technician.backups import (
        PassphraseError,
        is_encrypted,
        open_encrypted_backup,
        read_passphrase,
    )

    source = Path(args.path)
    if not source.is_file():
        print(_id(N_("Backup file not found: {path}"), path=source), file=sys.stderr)
        return 1
    paths.ensure()
    with tempfile.TemporaryDirectory(prefix="kiosk-restore-", dir=paths.data) as work:
        try:
            plain = source
            if is_encrypted(source):
                passphrase = read_passphrase(args.passphrase_file, confirm=False)
                plain = open_encrypted_backup(source, passphrase, Path(work))
            info = verify_backup(plain)
        except PassphraseError as exc:
            print(f"{exc.message_id}\n({exc.message_en})", file=sys.stderr)
            return 2
        except BackupError as exc:
            print(
                f"{exc.message_id}\n({exc.message_en})\n{_unchanged(paths)}",
                file=sys.stderr,
            )
            return 1
        kept = _keep_current(paths)
        try:
            info = restore_backup(plain, paths.database, paths.blobs)
        except BackupError as exc:  # changed between the check and the restore
            print(
                f"{exc.message_id}\n({exc.message_en})\n{_unchanged(paths)}",
                file=sys.stderr,
            )
            return 1
    log.info("restored %s into %s (previous database kept in %s)", source, paths.data, kept)
    restored = N_(
        "Restored from {path}: schema {schema}, {photos} photo files, {pending} changes "
        "waiting to be sent."
    )
    print(
        _id(
            restored,
            path=source,
            schema=info.schema,
            photos=info.blobs,
            pending=info.pending_changes,
        )
    )
    if kept:
        print(_id(N_("The previous database is kept in {path}."), path=kept))
    print(_id(N_("This kiosk gets a new clock id; pending changes are sent at the next sync.")))
    if not info.enrolled:
        print(
            one_line("The backup holds no device token: enroll this kiosk again with a new code.")
        )
    return 0


def cmd_support_bundle(args: argparse.Namespace, paths: KioskPaths) -> int:
    from kiosk_app.technician.doctor import run_doctor
    from kiosk_app.technician.support import write_support_bundle

    report = run_doctor(paths)
    try:
        bundle = write_support_bundle(paths, report, Path(args.path))
    except OSError as exc:
        if _disk_full(exc, Path(args.path)):
            print(one_line("Disk full: no support bundle written."), file=sys.stderr)
            return 1
        raise
    done = N_(
        "Support bundle written: {path} ({files} files, personal data hidden). Send this "
        "file to the support team."
    )
    print(_id(done, path=bundle.path, files=len(bundle.files)))
    return 0


def register(command: Command) -> None:
    """Add the technician's commands through the CLI's ``command`` helper."""
    p = command("doctor", cmd_doctor, "check this kiosk: database, disk, server, token")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    p.add_argument(
        "--lang",
        choices=("id", "en", "both"),
        help="report language (default: the app's language setting)",
    )
    p = command("backup", cmd_backup, "write a verified, encrypted backup (database, photos)")
    p.add_argument("path", help="backup file (.zip) or a folder for a dated file")
    p.add_argument(
        "--passphrase-file",
        help="file whose first line is the passphrase (else KIOSK_BACKUP_PASSPHRASE, else asked)",
    )
    p.add_argument(
        "--no-encrypt", action="store_true", help="write it unencrypted (the doctor warns)"
    )
    p = command("restore", cmd_restore, "restore a backup (close the app first)")
    p.add_argument("path", help="backup file written by 'kiosk-app backup'")
    p.add_argument("--passphrase-file", help="file whose first line is the passphrase")
    p = command("support-bundle", cmd_support_bundle, "logs and doctor report, redacted")
    p.add_argument("path", help="zip file, or a folder for a dated file")
