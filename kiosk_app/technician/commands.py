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

from kiosk_app.paths import KioskPaths
from kiosk_app.store.connection import OperationalError

log = logging.getLogger(__name__)
Handler = Callable[[argparse.Namespace, KioskPaths], int]
Command = Callable[[str, Handler, str], argparse.ArgumentParser]


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
        print(f"Tidak ada basis data untuk dicadangkan di {paths.data}.", file=sys.stderr)
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
                f"Disk PENUH; cadangan tidak ditulis ke {target}. Kosongkan ruang lalu coba "
                "lagi. (Disk full: no backup written.)",
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
    print(f"Cadangan ditulis dan diperiksa: {info.path}")
    print(
        f"  skema {info.schema}, {info.blobs} berkas foto, {info.pending_changes} perubahan "
        f"menunggu, {info.bytes / 1024 / 1024:.1f} MB"
    )
    if passphrase is None:
        print(
            "  PERINGATAN: cadangan ini TIDAK dienkripsi; siapa pun yang memegang berkasnya "
            "bisa membaca data penjual. (Not encrypted.)"
        )
    else:
        print("  Terenkripsi: simpan kata sandinya; tanpa itu cadangan tidak bisa dipulihkan.")
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
        print(f"Berkas cadangan tidak ditemukan: {source}", file=sys.stderr)
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
                f"{exc.message_id}\n({exc.message_en})\nTidak ada yang diubah di {paths.data}.",
                file=sys.stderr,
            )
            return 1
        kept = _keep_current(paths)
        try:
            info = restore_backup(plain, paths.database, paths.blobs)
        except BackupError as exc:  # changed between the check and the restore
            print(
                f"{exc.message_id}\n({exc.message_en})\nTidak ada yang diubah di {paths.data}.",
                file=sys.stderr,
            )
            return 1
    log.info("restored %s into %s (previous database kept in %s)", source, paths.data, kept)
    print(
        f"Dipulihkan dari {source}: skema {info.schema}, {info.blobs} berkas foto, "
        f"{info.pending_changes} perubahan menunggu dikirim."
    )
    if kept:
        print(f"Basis data sebelumnya disimpan di {kept}.")
    print("Kios ini mendapat id jam baru; perubahan yang menunggu akan terkirim saat sinkron.")
    if not info.enrolled:
        print(
            "Cadangan tidak membawa token kios: daftarkan kios ini lagi dengan kode "
            "pendaftaran baru dari admin pusat (kiosk-app enroll, atau Pengaturan). "
            "(The backup holds no device token: enroll this kiosk again with a new code.)"
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
            print("Disk tujuan PENUH; paket dukungan tidak ditulis. (Disk full.)", file=sys.stderr)
            return 1
        raise
    print(
        f"Paket dukungan ditulis: {bundle.path} ({len(bundle.files)} berkas, data pribadi "
        "disamarkan). Kirim berkas ini ke tim dukungan."
    )
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
