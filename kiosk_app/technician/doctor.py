"""``kiosk-app doctor``: what is wrong with this kiosk, told plainly, changing nothing.

Checks the database (read-only ``PRAGMA integrity_check``), free disk in the data
folder, the server (reachable, clock skew from ``/healthz``, token accepted by an
authenticated call that pulls nothing), pending changes, versions, and whether the
server announces a newer app. A damaged database, a full disk or a revoked token are
findings, never crashes; the database is opened read-only and never written.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import requests

from kiosk_app import __version__
from kiosk_app.domain.i18n import N_, both, text
from kiosk_app.domain.records import field_label
from kiosk_app.paths import KioskPaths
from kiosk_app.protocol.messages import PROTOCOL_VERSION
from kiosk_app.store.health import ReadOnlyDatabase, UnreadableDatabase
from kiosk_app.store.migrations import SCHEMA_VERSION
from kiosk_app.store.refusals import Refusal
from kiosk_app.store.settings import Key
from kiosk_app.sync.client import (
    OfflineError,
    ProtocolTooOldError,
    ServerClient,
    SyncError,
    TokenRevokedError,
)

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
LATEST_VERSION_SETTING = Key.LATEST_APP_VERSION
DISK_FAIL_BYTES = 50 * 1024 * 1024  # below this a sync or a photo can no longer be saved
DISK_WARN_BYTES = 500 * 1024 * 1024
SKEW_WARN_S = 60.0
SKEW_FAIL_S = 300.0  # TLS certificates and clock stamps go wrong beyond minutes
DOCTOR_TIMEOUT = (10.0, 30.0)


class DiskUsage(NamedTuple):
    total: int
    used: int
    free: int


DiskUsageFn = Callable[[Path], DiskUsage]


@dataclass
class Finding:
    key: str
    status: str
    title_id: str
    title_en: str
    message_id: str
    message_en: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class DoctorReport:
    data_dir: str
    generated_at: str
    language: str
    findings: list[Finding] = field(default_factory=list)
    versions: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, int] | None = None

    def add(
        self,
        key: str,
        status: str,
        title: tuple[str, str],
        message: tuple[str, str],
        **details: Any,
    ) -> Finding:
        finding = Finding(key, status, title[0], title[1], message[0], message[1], details)
        self.findings.append(finding)
        return finding

    def status_of(self, key: str) -> str | None:
        return next((f.status for f in self.findings if f.key == key), None)

    @property
    def exit_code(self) -> int:
        """0 all good, 1 warnings only, 2 at least one problem."""
        statuses = {f.status for f in self.findings}
        return 2 if FAIL in statuses else 1 if WARN in statuses else 0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "exit_code": self.exit_code}


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", version)[:4])


def is_newer(candidate: str | None, current: str = __version__) -> bool:
    return bool(candidate) and version_tuple(str(candidate)) > version_tuple(current)


def qt_version() -> str:
    """PySide6's version from its package metadata (this module must not import Qt)."""
    for dist in ("PySide6-Essentials", "PySide6"):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "?"


def _disk_usage(path: Path) -> DiskUsage:
    total, used, free = shutil.disk_usage(path)
    return DiskUsage(total, used, free)


def _existing(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB".replace(",", ".")


def _check_database(report: DoctorReport, path: Path) -> ReadOnlyDatabase | None:
    title = both("Database")
    if not path.exists():
        report.add(
            "database",
            WARN,
            title,
            both("There is no database yet: this kiosk has never been used."),
            path=str(path),
        )
        return None
    db: ReadOnlyDatabase | None = None
    try:
        db = ReadOnlyDatabase(path)
        rows = db.integrity_errors()
        schema = db.schema_version()
    except UnreadableDatabase as exc:
        if db is not None:
            db.close()
        report.add(
            "database",
            FAIL,
            title,
            both(
                "The database is DAMAGED and cannot be read. Delete nothing: copy the data "
                "folder, then restore from a backup (kiosk-app restore)."
            ),
            path=str(path),
            error=str(exc),
        )
        return None
    if rows:
        report.add(
            "database",
            FAIL,
            title,
            both(
                "The database is DAMAGED: the check found {errors} errors. Delete nothing: copy "
                "the data folder, then restore from a backup.",
                errors=len(rows),
            ),
            path=str(path),
            errors=rows,
        )
        return db
    if schema > SCHEMA_VERSION:
        report.add(
            "database",
            FAIL,
            title,
            both(
                "The database is from a newer app (schema {schema} > {schema_version}). Install "
                "the latest app.",
                schema=schema,
                schema_version=SCHEMA_VERSION,
            ),
            path=str(path),
            schema=schema,
        )
    elif schema < SCHEMA_VERSION:
        report.add(
            "database",
            OK,
            title,
            both(
                "The database is sound, schema {schema}; it is upgraded to {schema_version} "
                "(after a backup) when the app opens it.",
                schema=schema,
                schema_version=SCHEMA_VERSION,
            ),
            path=str(path),
            schema=schema,
        )
    else:
        report.add(
            "database",
            OK,
            title,
            both("The database is sound (integrity_check ok), schema {schema}.", schema=schema),
            path=str(path),
            schema=schema,
        )
    return db


def _check_disk(report: DoctorReport, folder: Path, disk_usage: DiskUsageFn) -> None:
    title = both("Free disk")
    where = _existing(folder)
    try:
        usage = disk_usage(where)
    except OSError as exc:
        report.add(
            "disk",
            WARN,
            title,
            both("Free disk space cannot be checked."),
            folder=str(where),
            error=str(exc),
        )
        return
    free = _mb(usage.free)
    details = {"folder": str(where), "free_bytes": usage.free, "total_bytes": usage.total}
    if usage.free < DISK_FAIL_BYTES:
        report.add(
            "disk",
            FAIL,
            title,
            both(
                "The disk is FULL: {free} free in {where}. New changes and photos cannot be "
                "saved. Free some space; do not delete the data folder.",
                free=free,
                where=where,
            ),
            **details,
        )
    elif usage.free < DISK_WARN_BYTES:
        report.add(
            "disk",
            WARN,
            title,
            both("Disk nearly full: {free} free.", free=free),
            **details,
        )
    else:
        report.add("disk", OK, title, both("{free} free.", free=free), **details)


def _pending(report: DoctorReport, db: ReadOnlyDatabase) -> None:
    title = both("Pending")
    try:
        report.pending = db.pending()
    except UnreadableDatabase as exc:
        report.add(
            "pending",
            FAIL,
            title,
            both("Pending changes cannot be counted (damaged database)."),
            error=str(exc),
        )
        return
    p = report.pending
    changes, blobs = p.get("pending_changes", 0), p.get("pending_blobs", 0)
    message = both(
        "{changes} changes and {blobs} photos waiting for the server", changes=changes, blobs=blobs
    )
    rejected, conflicts = p.get("rejected", 0), p.get("open_conflicts", 0)
    if rejected or conflicts:
        report.add(
            "pending",
            WARN,
            title,
            both(
                "{message}; {rejected} refused by the server and {conflicts} conflicts for the "
                "operator to review.",
                message=message,
                rejected=rejected,
                conflicts=conflicts,
            ),
            **p,
        )
    else:
        report.add("pending", OK, title, (message[0] + ".", message[1] + "."), **p)


def _what(refusal: Refusal, lang: str) -> str:
    """The refused record and, when known, its fields by their labels."""
    labels = []
    for name in refusal.fields:
        try:
            label = field_label(refusal.entity, name)
        except KeyError:  # a field this app version does not know: its key is all we have
            labels.append(name)
            continue
        labels.append(label.id if lang == "id" else label.en)
    return f"{refusal.label} ({', '.join(labels)})" if labels else refusal.label


def _refused(report: DoctorReport, db: ReadOnlyDatabase) -> None:
    """Records the server refused: named, with its reason and the way out (only when
    there are some; the pending check counts them too)."""
    try:
        found = db.open_refusals()
    except UnreadableDatabase:
        return  # the pending check has said the database cannot be read
    if not found:
        return
    shown = found[:10]
    more = both(" and {n} more", n=len(found) - len(shown)) if len(found) > len(shown) else ("", "")
    report.add(
        "refused",
        WARN,
        both("Refused by the server"),
        both(
            "{count} records refused by the server, not in the catalog: {records}{more}. "
            "The operator fixes them on the Sync page (edit, then Save: they are sent "
            "again) or deletes them from the kiosk.",
            count=len(found),
            records=(
                "; ".join(f"{_what(r, 'id')}: {r.message_id}" for r in shown),
                "; ".join(f"{_what(r, 'en')}: {r.message_en}" for r in shown),
            ),
            more=more,
        ),
        records=[r.to_json() for r in found],
    )


def _check_server(
    report: DoctorReport,
    settings: dict[str, str],
    make_client: Callable[[str, str, bool | str], ServerClient],
    wall: Callable[[], float],
) -> str | None:
    """Reachability, clock skew and the token; returns what the server says is latest."""
    url, token = settings.get(Key.SERVER_URL), settings.get(Key.TOKEN)
    server_title = both("Server")
    if not url or not token:
        report.add(
            "server",
            WARN,
            server_title,
            both("This kiosk is not enrolled with a server (kiosk-app enroll)."),
        )
        return None
    client = make_client(url, token, settings.get(Key.CA_BUNDLE) or True)
    latest: str | None = None
    try:
        before = wall()
        try:
            health = client.health()
        except OfflineError as exc:
            report.add(
                "server",
                FAIL,
                server_title,
                both(
                    "Server {url} cannot be reached. Check the internet/VSAT link. Data is safe "
                    "on the kiosk.",
                    url=url,
                ),
                url=url,
                error=str(exc),
            )
            return None
        except (SyncError, requests.RequestException, ValueError) as exc:
            report.add(
                "server",
                FAIL,
                server_title,
                both("Server {url} answered with an error: {exc}", url=url, exc=exc),
                url=url,
                error=str(exc),
            )
            return None
        after = wall()
        rtt_ms = (after - before) * 1000
        report.versions["server"] = health.get("version")
        report.versions["server_protocol"] = health.get("protocol")
        latest = health.get("latest_app_version")
        report.add(
            "server",
            OK,
            server_title,
            both("Server {url} reachable (round trip {rtt_ms:.0f} ms).", url=url, rtt_ms=rtt_ms),
            url=url,
            round_trip_ms=round(rtt_ms),
        )
        _clock(report, health, before, after)
        latest = _check_token(report, client, settings) or latest
    finally:
        client.close()
    return latest


def _clock(report: DoctorReport, health: dict[str, Any], before: float, after: float) -> None:
    title = both("Clock")
    if not isinstance(health.get("time_ms"), int):
        report.add("clock", SKIP, title, both("No server clock."))
        return
    # The server read its clock somewhere within the round trip: compare with the middle.
    skew = (before + after) / 2 - health["time_ms"] / 1000
    uncertainty = (after - before) / 2
    direction = both("ahead of") if skew > 0 else both("behind")
    skew_text = both(
        "The kiosk clock is {seconds:.0f} s {direction} the server",
        seconds=abs(skew),
        direction=direction,
    )
    details = {"skew_s": round(skew, 1), "uncertainty_s": round(uncertainty, 2)}
    if abs(skew) > SKEW_FAIL_S:
        report.add(
            "clock",
            FAIL,
            title,
            both(
                "{text}. Set the PC's date and time (right time zone), then sync.",
                text=skew_text,
            ),
            **details,
        )
    elif abs(skew) > SKEW_WARN_S:
        report.add(
            "clock",
            WARN,
            title,
            both("{text}; better set it.", text=skew_text),
            **details,
        )
    else:
        report.add("clock", OK, title, both("{text} (fine).", text=skew_text), **details)


def _check_token(
    report: DoctorReport, client: ServerClient, settings: dict[str, str]
) -> str | None:
    title = both("Device token")
    # An authenticated sync that sends nothing and asks for no changes: it proves the
    # token and the protocol without moving the cursor or changing anything here.
    probe = {
        "protocol": PROTOCOL_VERSION,
        "cursor": int(settings.get(Key.CURSOR) or 0),
        "limit": 0,
        "mutations": [],
        "blobs": [],
    }
    device = settings.get(Key.DEVICE_ID)
    try:
        answer = client.sync(probe)
    except TokenRevokedError as exc:
        report.add(
            "token",
            FAIL,
            title,
            both(
                "The server REFUSED this kiosk's token: the device was revoked or is unknown. Ask "
                "the central admin for a new enrollment code, then run kiosk-app enroll. Pending "
                "data stays safe and is sent afterwards."
            ),
            device_id=device,
            server_message=str(exc),
        )
        return None
    except ProtocolTooOldError as exc:
        report.add(
            "token",
            FAIL,
            title,
            both(
                "This kiosk app's version is too old for the server. "
                "Ask a technician to update the app."
            ),
            server_message=str(exc),
        )
        return None
    except (SyncError, requests.RequestException, ValueError) as exc:
        report.add(
            "token",
            WARN,
            title,
            both("Token could not be checked: {exc}", exc=exc),
            error=str(exc),
        )
        return None
    report.add(
        "token",
        OK,
        title,
        both("The server accepts the token."),
        device_id=device,
    )
    latest = answer.get("latest_app_version")
    return str(latest) if latest else None


def _check_update(report: DoctorReport, latest: str | None) -> None:
    title = both("App version")
    report.versions["latest_app"] = latest
    if is_newer(latest):
        report.add(
            "update",
            WARN,
            title,
            both(
                "Version {latest} is available (installed {installed}). Install the new package "
                "from the central admin; the app does not update itself. Take a backup first "
                "(kiosk-app backup).",
                latest=latest,
                installed=__version__,
            ),
            installed=__version__,
            latest=latest,
        )
    else:
        report.add(
            "update",
            OK,
            title,
            both("Version {installed} is the latest known.", installed=__version__),
            installed=__version__,
            latest=latest,
        )


def _check_backup(report: DoctorReport, settings: dict[str, str]) -> None:
    """The last backup ``kiosk-app backup`` wrote: a warning when it is not encrypted."""
    encrypted = settings.get("backup.last_encrypted")
    if encrypted is None:
        return
    when, where = settings.get("backup.last_at", "?"), settings.get("backup.last_path", "?")
    title = both("Backup")
    if encrypted == "1":
        report.add(
            "backup",
            OK,
            title,
            both("The last backup ({when}) is encrypted.", when=when),
            last_at=when,
        )
        return
    report.add(
        "backup",
        WARN,
        title,
        both(
            "The last backup ({when}, {where}) is NOT encrypted: anyone holding the file can read "
            "the merchants' data. Make a new one with a passphrase and delete the old one.",
            when=when,
            where=where,
        ),
        last_at=when,
        path=where,
    )


def _check_transport(report: DoctorReport, settings: dict[str, str]) -> None:
    """An enrollment over plain http to another machine: the token travels readable."""
    from kiosk_app.sync.device import InsecureServerURL, check_server_url

    url = settings.get(Key.SERVER_URL)
    if not url:
        return
    try:
        check_server_url(url)
    except InsecureServerURL:
        report.add(
            "transport",
            WARN,
            both("Connection"),
            both(
                "The server address {url} is not https://: the kiosk's token is readable on the "
                "network. Enroll the kiosk again with an https:// address.",
                url=url,
            ),
        )


def run_doctor(
    paths: KioskPaths,
    *,
    language: str | None = None,
    disk_usage: DiskUsageFn = _disk_usage,
    make_client: Callable[[str, str, bool | str], ServerClient] | None = None,
    wall: Callable[[], float] = time.time,
) -> DoctorReport:
    """Every check, in order; never raises for a known failure and never writes the DB.

    ``wall`` is this PC's clock in seconds (compared with the server's); tests set it."""
    report = DoctorReport(
        str(paths.data), datetime.now(UTC).isoformat(timespec="seconds"), language or "id"
    )
    report.versions.update(
        app=__version__,
        schema_app=SCHEMA_VERSION,
        protocol=PROTOCOL_VERSION,
        python=platform.python_version(),
        qt=qt_version(),
        os=platform.platform(),
        frozen=bool(getattr(sys, "frozen", False)),
    )
    db = _check_database(report, paths.database)
    settings: dict[str, str] = {}
    if db is not None:
        with db:
            settings = db.settings()
            try:
                schema = db.schema_version()
            except UnreadableDatabase:
                schema = SCHEMA_VERSION + 1  # unknown: read nothing more from it
            else:
                report.versions["schema_db"] = schema
            if schema <= SCHEMA_VERSION:
                _pending(report, db)
            if schema == SCHEMA_VERSION:
                _refused(report, db)
    if language is None:
        report.language = settings.get("ui.language") or "id"
    _check_disk(report, paths.data, disk_usage)
    _check_backup(report, settings)
    _check_transport(report, settings)
    maker = make_client or (
        lambda url, token, verify: ServerClient(url, token, verify=verify, timeout=DOCTOR_TIMEOUT)
    )
    latest = _check_server(report, settings, maker, wall) if db is not None or settings else None
    if db is None and report.status_of("database") == FAIL:
        report.add(
            "server",
            SKIP,
            both("Server"),
            both("Server not checked: its address and token are in the damaged database."),
        )
    _check_update(report, latest or settings.get(LATEST_VERSION_SETTING))
    return report


LABELS = {
    OK: N_("OK"),
    WARN: N_("WARNING"),
    FAIL: N_("PROBLEM"),
    SKIP: N_("SKIPPED"),
}


def render_text(report: DoctorReport, language: str | None = None) -> str:
    """The report for a person: Bahasa Indonesia, and English too when asked."""
    lang = language or report.language
    english = lang in ("en", "both")
    when, folder = report.generated_at, report.data_dir
    lines = [
        text("id", N_("Etalase Desa kiosk check report ({when})"), when=when),
        text("id", N_("Data folder: {folder}"), folder=folder),
    ]
    if english:
        heading = N_("(Etalase Desa kiosk check report; data folder {folder})")
        lines.append(text("en", heading, folder=folder))
    lines.append("")
    for f in report.findings:
        label = both(LABELS[f.status])
        lines.append(f"[{label[0]}] {f.title_id}: {f.message_id}")
        if english:
            lines.append(f"    ({label[1]}) {f.title_en}: {f.message_en}")
    v = report.versions
    lines += [
        "",
        text(
            "id",
            N_(
                "Versions: app {app}, schema {schema_db}/{schema_app}, protocol {protocol} "
                "(server {server_protocol}, server version {server}), Python {python}, "
                "Qt {qt}, {os}"
            ),
            app=v.get("app"),
            schema_db=v.get("schema_db", "-"),
            schema_app=v.get("schema_app"),
            protocol=v.get("protocol"),
            server_protocol=v.get("server_protocol", "-"),
            server=v.get("server", "-"),
            python=v.get("python"),
            qt=v.get("qt"),
            os=v.get("os"),
        ),
    ]
    code = report.exit_code
    verdict = {
        0: both("Verdict: all good."),
        1: both("Verdict: warnings; the kiosk can still be used."),
        2: both("Verdict: there are PROBLEMS to fix (see above)."),
    }[code]
    lines.append(verdict[0])
    if english:
        lines.append(verdict[1])
    return "\n".join(lines) + "\n"


def render_json(report: DoctorReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False)
