"""Command line for technicians and scripts: ``kiosk-app [--data-dir DIR] COMMAND ...``.

With no command (or ``gui``) it opens the kiosk's screens. ``--data-dir`` goes before
the command or after its name (default ``KIOSK_DATA_DIR``, else the per-user folder).
Known failures print a clear message (Bahasa Indonesia first) and exit non-zero.

``sync`` exits 0 only when everything reached the server, 3 when something still waits
(no connection, a server error: it is sent later), 4 when the server refused a record
(a person must fix or delete it: the message names it and says why); 1 for a kiosk not
enrolled or bad input. ``enroll`` exits 0 once enrolled with its region list, 3 when
enrolled but the region list could not be fetched yet.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kiosk_app import __version__
from kiosk_app.domain.errors import ValidationError
from kiosk_app.logs import setup_logging
from kiosk_app.paths import KioskPaths, resolve_paths
from kiosk_app.store.connection import StoreError
from kiosk_app.store.refusals import Refusal
from kiosk_app.store.store import Store
from kiosk_app.sync import failpoints
from kiosk_app.sync.client import SyncError
from kiosk_app.technician import commands as technician_commands

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
Handler = Callable[[argparse.Namespace, KioskPaths], int]


def _open(paths: KioskPaths) -> Store:
    paths.ensure()
    return Store.open(paths.database)


def cmd_regions_import(args: argparse.Namespace, paths: KioskPaths) -> int:
    from kiosk_app.store.regions import import_regions_csv

    store = _open(paths)
    try:
        result = import_regions_csv(store, Path(args.file))
    finally:
        store.close()
    print(f"Wilayah dimuat: {result.rows} baris, {result.villages} desa/kelurahan.")
    return 0


EXIT_WAITING = 3  # something is still waiting to be sent (or fetched): try again later
EXIT_REFUSED = 4  # the server refused a record: a person must fix or delete it


def _refusal_lines(refusals: Sequence[Refusal]) -> list[str]:
    """Each refused record: what it is, the server's reason, and the way out."""
    kinds = {"merchant": "Penjual", "product": "Produk", "photo": ""}
    lines = []
    for r in refusals:
        what = f'{kinds[r.entity]} "{r.label}"'.strip() if kinds[r.entity] else r.label
        if r.entity != "merchant" and r.merchant_name:
            what += f" (penjual {r.merchant_name})"
        lines.append(f"  - {what}: {r.message_id}")
        lines.append(f"    Jalan keluar: {r.advice[0]}")
    return lines


def _scope_lines(store: Store) -> str:
    from kiosk_app.store.refusals import scope_words

    return scope_words(store) or "-"


def cmd_import(args: argparse.Namespace, paths: KioskPaths) -> int:
    from kiosk_app.media.blobs import BlobStore
    from kiosk_app.media.exported import load_photo
    from kiosk_app.store.importer import import_file

    store = _open(paths)
    try:
        blobs = BlobStore(paths.blobs)
        report = import_file(store, Path(args.file), load_photo, blobs)
    finally:
        store.close()
    print(
        f"Baru: {report.created}, diubah: {report.updated}, sama: {report.unchanged}, "
        f"foto: {report.photos}, gagal: {len(report.errors)}"
    )
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_export(args: argparse.Namespace, paths: KioskPaths) -> int:
    from kiosk_app.media.blobs import BlobStore
    from kiosk_app.store.importer import export_csv, export_jsonl

    store = _open(paths)
    try:
        out = Path(args.out)
        blobs = BlobStore(paths.blobs)
        export = export_jsonl if args.format == "jsonl" else export_csv
        report = export(store, out, blobs)
    finally:
        store.close()
    print(f"Diekspor: {report.records} data dan {report.photos} foto ke {out}")
    if report.photos_missing:
        print(
            f"  {report.photos_missing} foto tidak ikut: gambarnya belum ada di kios ini "
            "(foto dari kios lain, hanya gambar kecilnya yang diambil).",
            file=sys.stderr,
        )
    return 0


def _demo_lines(store: Store) -> tuple[list[str], list[str]]:
    """The demo catalog's lines inside the kiosk's scope, and the names of the others."""
    from kiosk_app.store.scope import inside, kiosk_scope

    scope = kiosk_scope(store)
    lines = (RESOURCES / "demo" / "demo_catalog.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    outside = {
        r["id"]: r["business_name"]
        for r in records
        if r["kind"] == "merchant" and not inside(r["village_code"], scope)
    }
    kept = [
        json.dumps(r, ensure_ascii=False)
        for r in records
        if r["id"] not in outside and r.get("merchant_id") not in outside
    ]
    return kept, sorted(outside.values())


def cmd_demo(args: argparse.Namespace, paths: KioskPaths) -> int:
    """Load the sample regions and the demo merchants and products (idempotent); on an
    enrolled kiosk only those inside its region."""
    import tempfile

    from kiosk_app.store.importer import import_file
    from kiosk_app.store.regions import import_regions_csv

    store = _open(paths)
    try:
        import_regions_csv(store, RESOURCES / "demo" / "regions_sample.csv")
        kept, outside = _demo_lines(store)
        with tempfile.TemporaryDirectory() as folder:
            catalog = Path(folder) / "demo_catalog.jsonl"
            catalog.write_text("\n".join(kept) + "\n", encoding="utf-8")
            report = import_file(store, catalog)
        pending = store.pending_count()
        region = _scope_lines(store)
    finally:
        store.close()
    print(
        f"Data demo siap di {paths.data}: {report.created} baru, "
        f"{pending} perubahan menunggu dikirim."
    )
    if outside:
        print(
            f"Tidak dimuat karena di luar wilayah kios ({region}): {', '.join(outside)}.",
            file=sys.stderr,
        )
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    return 0 if report.ok else 1


def cmd_search(args: argparse.Namespace, paths: KioskPaths) -> int:
    from kiosk_app.domain.money import format_rupiah
    from kiosk_app.store.search import search_merchants, search_products

    store = _open(paths)
    try:
        for m in search_merchants(store, args.text, limit=args.limit):
            print(f"[penjual] {m['business_name']} ({m['owner_name']})")
        for p in search_products(store, args.text, limit=args.limit):
            print(f"[produk]  {p['name']}  {format_rupiah(p['price'] or 0)}  stok {p['stock']}")
    finally:
        store.close()
    return 0


def cmd_status(args: argparse.Namespace, paths: KioskPaths) -> int:
    from kiosk_app.store import replica, sync_log
    from kiosk_app.store.queries import count_live
    from kiosk_app.store.refusals import open_refusals
    from kiosk_app.store.settings import Key
    from kiosk_app.sync.device import load_device
    from kiosk_app.technician.doctor import is_newer

    store = _open(paths)
    try:
        device = load_device(store)
        refusals = open_refusals(store)
        region_words = _scope_lines(store)
        last = sync_log.last_sync(store)
        status = {
            "data_dir": str(paths.data),
            "node_id": store.node_id,
            "server": device.server_url if device else None,
            "device_id": device.device_id if device else None,
            "region": device.region if device else None,
            **replica.pending_summary(store),
            "last_sync": last.success,
            "last_attempt": last.attempt,
            "last_error": last.error,
            "app_version": __version__,
            "latest_app_version": store.settings.get(Key.LATEST_APP_VERSION),
            "merchants": count_live(store, "merchant"),
            "products": count_live(store, "product"),
            "refused": [r.to_json() for r in refusals],
        }
    finally:
        store.close()
    if args.json:
        print(json.dumps(status, indent=2, ensure_ascii=False))
    else:
        print(f"Folder data       : {status['data_dir']}")
        print(f"Server            : {status['server'] or 'belum didaftarkan'}")
        print(f"Wilayah           : {region_words}")
        print(f"Penjual / produk      : {status['merchants']} / {status['products']}")
        print(
            f"Menunggu dikirim      : {status['pending_changes']} perubahan, "
            f"{status['pending_photos']} foto"
        )
        if refusals:
            print(
                f"DITOLAK SERVER        : {len(refusals)} data (belum terkirim, perlu diperbaiki)"
            )
            for line in _refusal_lines(refusals):
                print(line)
        print(f"Sinkronisasi terakhir : {status['last_sync'] or 'belum pernah'}")
        if status["last_error"]:
            print(f"Kesalahan terakhir    : {status['last_error']}")
        print(f"Versi aplikasi        : {__version__}")
        if is_newer(status["latest_app_version"]):
            print(
                f"PERHATIAN: versi baru {status['latest_app_version']} tersedia di server. "
                "Pasang paket terbaru dari admin pusat (tidak diperbarui otomatis)."
            )
    return 0


def cmd_enroll(args: argparse.Namespace, paths: KioskPaths) -> int:
    """Enroll, then one sync: the region list of the kiosk's scope comes with it."""
    import platform

    from kiosk_app.media.blobs import BlobStore
    from kiosk_app.store.refusals import open_refusals
    from kiosk_app.store.scope import villages_in_scope
    from kiosk_app.sync.device import InsecureServerURL, check_server_url, enroll, first_sync

    try:
        check_server_url(args.server)
    except InsecureServerURL as exc:
        print(f"{exc.message_id}\n({exc.message_en})", file=sys.stderr)
        return 2
    store = _open(paths)
    try:
        name = args.name or platform.node() or "kios"
        device = enroll(store, args.server, args.code, name, args.ca_bundle)
        result = first_sync(lambda fn, *a: fn(store, *a), device, BlobStore(paths.blobs))
        villages = villages_in_scope(store, device.region)
        region = _scope_lines(store)
        refusals = open_refusals(store) if result.refused else []
    finally:
        store.close()
    print(f"Kios terdaftar di {device.server_url} untuk wilayah {region}.")
    if result.error is not None:
        print(
            f"Daftar wilayah belum bisa diambil. {_sync_problem(result.error)} "
            "Jalankan 'kiosk-app sync' saat kios tersambung ke server; sebelum itu impor dan "
            "pendaftaran penjual belum bisa memilih desa.",
            file=sys.stderr,
        )
        return EXIT_WAITING
    if not villages:
        print(
            f"Server belum punya daftar desa untuk wilayah {region}: minta admin pusat "
            "memuatnya, lalu jalankan 'kiosk-app sync'.",
            file=sys.stderr,
        )
        return EXIT_WAITING
    print(f"Daftar wilayah siap: {villages} desa/kelurahan. Impor dan pendaftaran bisa dimulai.")
    if refusals:
        print(f"PERHATIAN: server menolak {len(refusals)} data yang sudah ada di kios ini:",
              file=sys.stderr)  # fmt: skip
        for line in _refusal_lines(refusals):
            print(line, file=sys.stderr)
    return 0


def _sync_problem(error: str) -> str:
    """A sync error ("OfflineError: ...") in the words the screens and the doctor use."""
    from kiosk_app.sync import client

    kind = error.split(":", 1)[0].strip()
    known = (client.OfflineError, client.ServerError, client.ServerBusyError,
             client.TokenRevokedError,
             client.ProtocolTooOldError, client.RequestRefusedError)  # fmt: skip
    words = {cls.__name__: cls.message_id for cls in known}
    return words.get(kind, error)


def cmd_sync(args: argparse.Namespace, paths: KioskPaths) -> int:
    from kiosk_app.media.blobs import BlobStore
    from kiosk_app.store.refusals import open_refusals
    from kiosk_app.sync.device import load_device
    from kiosk_app.sync.engine import SyncEngine

    store = _open(paths)
    try:
        device = load_device(store)
        if device is None:
            print(
                "Kios belum didaftarkan ke server: jalankan 'kiosk-app enroll' dulu.",
                file=sys.stderr,
            )
            return 1
        client = device.client()
        engine = SyncEngine(lambda fn, *a: fn(store, *a), client, BlobStore(paths.blobs))
        result = engine.sync_once()
        client.close()
        refusals = open_refusals(store) if result.refused else []
    finally:
        store.close()
    print(
        f"Terkirim {result.sent}, diterima {result.received}, berkas foto diunggah "
        f"{result.uploaded}, ditolak {result.rejected}, konflik {result.conflicts}; "
        f"{result.requests} permintaan, {result.bytes_up} B naik, {result.bytes_down} B turun."
    )
    if result.delivered:
        print("Semua data sudah sampai di server.")
        return 0
    if refusals:
        print(
            f"DITOLAK SERVER: {len(refusals)} data tidak diterima dan belum ada di server:",
            file=sys.stderr,
        )
        for line in _refusal_lines(refusals):
            print(line, file=sys.stderr)
    if not result.ok:
        problem = f" {_sync_problem(result.error)}" if result.error else ""
        print(
            f"Belum terkirim: {result.pending_changes} perubahan dan {result.pending_photos} "
            f"foto menunggu dikirim.{problem} Dikirim lagi pada sinkronisasi berikutnya.",
            file=sys.stderr,
        )
    return EXIT_REFUSED if refusals else EXIT_WAITING


def cmd_bundle_export(args: argparse.Namespace, paths: KioskPaths) -> int:
    from kiosk_app.media.blobs import BlobStore
    from kiosk_app.sync.device import load_device
    from kiosk_app.sync.usb_export import BundleError, export_bundle

    store = _open(paths)
    try:
        device = load_device(store)
        if device is None:
            print(
                "Kios belum didaftarkan: bundel harus ditandatangani kios yang terdaftar.",
                file=sys.stderr,
            )
            return 1
        try:
            counts = export_bundle(store, BlobStore(paths.blobs), device.device_id, Path(args.path))
        except BundleError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    finally:
        store.close()
    print(
        f"Bundel ditulis ke {args.path}: {counts['mutations']} perubahan, {counts['blobs']} "
        "berkas foto."
    )
    if counts["left_out"]:
        print(
            "Tidak dimasukkan karena di luar wilayah kios (server akan menolaknya): "
            f"{', '.join(counts['left_out_names'])}.",
            file=sys.stderr,
        )
    return 0


def cmd_gui(args: argparse.Namespace, paths: KioskPaths) -> int:
    """Open the kiosk's screens (the default when no command is given)."""
    if getattr(args, "quit_when_shown", False):
        from kiosk_app.ui.selftest import run_until_shown

        return run_until_shown(paths)
    from kiosk_app.ui.app import run_gui

    return run_gui(paths)


DATA_DIR_HELP = "data folder (default: KIOSK_DATA_DIR or per user)"


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: not given after the command, it keeps what was given before it.
    parser.add_argument("--data-dir", default=argparse.SUPPRESS, help=DATA_DIR_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-app", description="Etalase Desa kiosk")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--data-dir", help=DATA_DIR_HELP)
    parser.add_argument(
        "--self-test", action="store_true", help="check this installation on a fresh data folder"
    )
    sub = parser.add_subparsers(dest="command")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        _data_dir_option(p)
        p.set_defaults(handler=handler)
        return p

    command("gui", cmd_gui, "open the kiosk's screens (default)").add_argument(
        "--quit-when-shown", action="store_true", help="exit once the window is shown (bench)"
    )
    regions = sub.add_parser("regions", help="region list").add_subparsers(dest="regions_cmd")
    p = regions.add_parser("import", help="load the official list (CSV code,name,level)")
    p.add_argument("file")
    _data_dir_option(p)
    p.set_defaults(handler=cmd_regions_import)

    command("import", cmd_import, "import merchants/products (JSON lines or CSV)").add_argument(
        "file"
    )
    p = command("export", cmd_export, "export merchants and products")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    p.add_argument("--out", required=True, help="file (jsonl) or folder (csv)")
    command("demo", cmd_demo, "load the demo regions, merchants and products")
    p = command("search", cmd_search, "search merchants and products")
    p.add_argument("text")
    p.add_argument("--limit", type=int, default=20)
    command("status", cmd_status, "local data and pending changes").add_argument(
        "--json", action="store_true"
    )
    p = command("enroll", cmd_enroll, "enroll this kiosk with the central server")
    p.add_argument("--server", required=True, help="central server URL (https://...)")
    p.add_argument("--code", required=True, help="one-time enrollment code")
    p.add_argument("--name", help="device name (default: this PC's name)")
    p.add_argument("--ca-bundle", help="CA bundle that signed the server's certificate")
    command(
        "sync",
        cmd_sync,
        "one complete sync; exit 0 only when everything reached the server, "
        "3 when something still waits, 4 when the server refused a record",
    )
    bundle = sub.add_parser("bundle", help="USB bundles").add_subparsers(dest="bundle_cmd")
    p = bundle.add_parser("export", help="write pending changes and photos to one signed file")
    p.add_argument("path")
    _data_dir_option(p)
    p.set_defaults(handler=cmd_bundle_export)
    technician_commands.register(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    root = logging.getLogger()
    if not root.handlers:  # warnings on the console; the rotated log file also takes INFO
        console = logging.StreamHandler()
        console.setLevel(logging.WARNING)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)
        root.setLevel(logging.WARNING)
    parser = build_parser()
    args = parser.parse_args(argv)
    failpoints.load(os.environ)  # armed by a crash test's environment only
    if args.self_test:
        from kiosk_app.ui.selftest import run_self_test

        return run_self_test()
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None and args.command is None:
        handler = cmd_gui  # no command: the kiosk's screens
    if handler is None:
        parser.print_help()
        return 2
    paths = resolve_paths(getattr(args, "data_dir", None))
    if handler is not cmd_gui:  # the GUI sets up the same rotated log itself
        setup_logging(paths)
    try:
        return handler(args, paths)
    except SyncError as exc:
        print(f"Gagal: {exc.message_id}\n({exc})", file=sys.stderr)
    except StoreError as exc:
        print(f"Gagal: {exc.message_id}\n({exc.message_en})", file=sys.stderr)
    except ValidationError as exc:
        print(f"Data tidak valid:\n{exc.message('id')}", file=sys.stderr)
    except FileNotFoundError as exc:
        print(f"Berkas tidak ditemukan: {exc.filename}", file=sys.stderr)
    except OSError as exc:
        print(f"Gagal membaca/menulis berkas: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
