"""``kiosk-server``: serve, enroll codes, devices, revoke, gc, regions, export, bundles, admin.

Every command takes ``--data-dir DIR`` (before the command or after its name) and
``--database URL`` after its name.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from kiosk_app.domain.i18n import N_, text
from kiosk_server.config import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    if args.database:
        overrides["database_url"] = args.database
    return Settings(**overrides)  # type: ignore[arg-type]


def _engine(settings: Settings) -> Engine:
    from kiosk_server.db import make_engine, migrate
    from kiosk_server.keys import prepare_data_dir

    prepare_data_dir(settings)
    engine = make_engine(settings.db_url)
    migrate(engine)
    return engine


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kiosk_server.app import create_app
    from kiosk_server.hosts import is_loopback
    from kiosk_server.keys import load_secret
    from kiosk_server.logs import configure_logging

    configure_logging()
    settings = _settings(args)
    if not is_loopback(args.host) and not (settings.public_base_url or settings.trusted_hosts):
        print(
            f"error: serving on {args.host} needs the catalog's public address: set "
            "KIOSK_SERVER_PUBLIC_BASE_URL (e.g. https://katalog.example.id) or "
            "KIOSK_SERVER_TRUSTED_HOSTS; links are never built from a request's Host header. "
            "See docs/security.md.",
            file=sys.stderr,
        )
        return 2
    load_secret(settings)  # made once here, before workers start, if it is not set
    common: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_config": None,
        "access_log": False,
        "timeout_keep_alive": 75,  # satellite round trips: keep connections for reuse
    }
    if args.workers <= 1:
        uvicorn.run(create_app(settings), **common)
        return 0
    _engine(settings).dispose()  # migrate once, before the workers start
    # Workers build their own app from the environment (KIOSK_SERVER_*, DATABASE_URL).
    os.environ["KIOSK_SERVER_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        os.environ["DATABASE_URL"] = settings.database_url
    uvicorn.run("kiosk_server.app:app_from_env", factory=True, workers=args.workers, **common)
    return 0


def cmd_enroll_code(args: argparse.Namespace) -> int:
    from kiosk_server.devices import EnrollError, new_enroll_code

    settings = _settings(args)
    from kiosk_server.keys import keys_for

    ttl = args.ttl_hours if args.ttl_hours is not None else settings.enroll_ttl_hours
    try:
        code = new_enroll_code(_engine(settings), keys_for(settings), args.region, ttl)
    except EnrollError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    heading = text(
        "id",
        N_("Enrollment code for region {region}, valid {hours:g} hours, one use:"),
        region=args.region,
        hours=ttl,
    )
    print(heading)
    print(code)
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from kiosk_server.devices import list_devices

    rows = list_devices(_engine(_settings(args)))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'id':36}  {'name':20} {'region':14} {'last seen':24} {'app':8} status")
    for r in rows:
        status = "revoked" if r["revoked_at"] else "active"
        print(
            f"{r['id']:36}  {r['name'][:20]:20} {r['region']:14} {r['last_seen'] or '-':24} "
            f"{r['app_version'] or '-':8} {status}"
        )
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from kiosk_server.devices import revoke
    from kiosk_server.housekeeping import discard_files

    settings = _settings(args)
    try:
        ended = revoke(_engine(settings), args.device_id)
    except LookupError:
        print(f"error: no active device {args.device_id}", file=sys.stderr)
        return 1
    discard_files(settings, ended)
    print(f"revoked {args.device_id} ({len(ended)} unfinished uploads removed)")
    return 0


def cmd_gc(args: argparse.Namespace) -> int:
    from kiosk_server.housekeeping import collect

    settings = _settings(args)
    done = collect(_engine(settings), settings)
    print(
        f"removed {done.uploads} expired uploads, {done.blobs} unreferenced blobs, "
        f"{done.stray_files} stray files"
    )
    return 0


def cmd_regions_import(args: argparse.Namespace) -> int:
    from kiosk_server.regions import import_regions

    try:
        changed = import_regions(_engine(_settings(args)), Path(args.file))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"regions imported: {changed} new or changed")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kiosk_server.export import export

    count = export(_engine(_settings(args)), args.format, Path(args.out))
    print(f"exported {count} records to {args.out}")
    return 0


def cmd_bundle_import(args: argparse.Namespace) -> int:
    from kiosk_server.keys import keys_for
    from kiosk_server.usb_import import BundleImportError, import_bundle

    settings = _settings(args)
    try:
        report = import_bundle(_engine(settings), settings, keys_for(settings), Path(args.path))
    except BundleImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report))
    return 0


def _read_password() -> str:
    """The new account's password from standard input: typed twice on a terminal (not
    echoed), else the first line of what is piped in."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Kata sandi / Password: ")
        if getpass.getpass("Ulangi / Again: ") != first:
            raise ValueError("Kata sandi tidak sama / The passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_admin_add(args: argparse.Namespace) -> int:
    from kiosk_server.admin.accounts import AccountError, add_account

    try:
        password = _read_password()
        account = add_account(
            _engine(_settings(args)), args.email, password, args.role, args.region
        )
    except (AccountError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    scope = account.region or "semua wilayah / everywhere"
    print(f"akun dibuat / account added: {account.email} ({account.role}, {scope})")
    return 0


def cmd_admin_list(args: argparse.Namespace) -> int:
    from kiosk_server.admin.accounts import list_accounts

    rows = list_accounts(_engine(_settings(args)))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'email':36} {'role':9} {'region':14} {'last login':24} status")
    for r in rows:
        status = "disabled" if r["disabled_at"] else "active"
        print(
            f"{r['email'][:36]:36} {r['role']:9} {r['region'] or '-':14} "
            f"{r['last_login_at'] or '-':24} {status}"
        )
    return 0


def cmd_admin_disable(args: argparse.Namespace) -> int:
    from kiosk_server.admin.accounts import disable_account
    from kiosk_server.admin.sessions import audit

    engine = _engine(_settings(args))
    try:
        disable_account(engine, args.email)
    except LookupError:
        print(f"error: tidak ada akun / no account {args.email}", file=sys.stderr)
        return 1
    audit(engine, None, "account_disabled", target=args.email, email="(kiosk-server admin)")
    print(f"akun dinonaktifkan / account disabled: {args.email} (its sessions ended)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-server", description="Etalase Desa server")
    data_dir_help = "server data folder (SQLite file, blobs)"
    parser.add_argument("--data-dir", help=data_dir_help)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(
        parent: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        fn: object,
        help_text: str,
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
        # SUPPRESS: not given after the command, it keeps what was given before it.
        p.add_argument("--data-dir", default=argparse.SUPPRESS, help=data_dir_help)
        p.add_argument("--database", help="database URL (default: SQLite in the data folder)")
        p.set_defaults(fn=fn)
        return p

    p = command(sub, "serve", cmd_serve, "run the HTTP API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="worker processes (PostgreSQL)")
    p = command(sub, "enroll-code", cmd_enroll_code, "print a one-time enrollment code")
    p.add_argument("--region", required=True, help="region code at any level, e.g. 35.07")
    p.add_argument("--ttl-hours", type=float)
    command(sub, "devices", cmd_devices, "list devices").add_argument("--json", action="store_true")
    command(sub, "revoke", cmd_revoke, "revoke a device").add_argument("device_id")
    command(sub, "gc", cmd_gc, "remove expired uploads and unreferenced photos now")
    regions = sub.add_parser("regions", help="region list").add_subparsers(
        dest="sub", required=True
    )
    command(regions, "import", cmd_regions_import, "import CSV code,name,level").add_argument(
        "file"
    )
    p = command(sub, "export", cmd_export, "export merchants and products")
    p.add_argument("--format", choices=("csv", "jsonl"), default="jsonl")
    p.add_argument("--out", required=True, help="output folder")
    bundle = sub.add_parser("bundle", help="USB bundles").add_subparsers(dest="sub", required=True)
    command(bundle, "import", cmd_bundle_import, "apply a kiosk's signed bundle").add_argument(
        "path"
    )
    admin = sub.add_parser("admin", help="program console accounts").add_subparsers(
        dest="sub", required=True
    )
    p = command(admin, "add", cmd_admin_add, "add an account; the password is read from stdin")
    p.add_argument("email")
    p.add_argument("--role", required=True, choices=("national", "region", "viewer"))
    p.add_argument("--region", help="region code the account is limited to (region, viewer)")
    command(admin, "list", cmd_admin_list, "list accounts").add_argument(
        "--json", action="store_true"
    )
    command(
        admin, "disable", cmd_admin_disable, "disable an account, end its sessions"
    ).add_argument("email")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.fn(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
