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
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import requests
from sqlite_utils import Database

from kiosk_app import __version__
from kiosk_app.paths import KioskPaths
from kiosk_app.protocol.messages import PROTOCOL_VERSION
from kiosk_app.store import outbox, refusals, replica
from kiosk_app.store.migrations import SCHEMA_VERSION
from kiosk_app.store.store import Store
from kiosk_app.sync.client import (
    OfflineError,
    ProtocolTooOldError,
    ServerClient,
    SyncError,
    TokenRevokedError,
)

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
LATEST_VERSION_SETTING = "server.latest_app_version"
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


def open_read_only(path: Path) -> sqlite3.Connection:
    """Open the kiosk database without ever writing to it or beside it.

    With no ``-wal`` file (the app is closed and shut down cleanly) the file is opened
    ``immutable``, so SQLite creates no ``-wal``/``-shm`` either; otherwise read-only,
    so the log's committed changes are seen.
    """
    wal = path.with_name(path.name + "-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True, timeout=5.0)
    conn.execute("PRAGMA query_only=ON")
    return conn


def _check_database(report: DoctorReport, path: Path) -> sqlite3.Connection | None:
    title = ("Basis data", "Database")
    if not path.exists():
        report.add(
            "database",
            WARN,
            title,
            (
                "Basis data belum ada: kios ini belum pernah dipakai.",
                "There is no database yet: this kiosk has never been used.",
            ),
            path=str(path),
        )
        return None
    try:
        conn = open_read_only(path)
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
        schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        report.add(
            "database",
            FAIL,
            title,
            (
                "Basis data RUSAK dan tidak dapat dibaca. Jangan hapus apa pun: salin "
                "folder data, lalu pulihkan dari cadangan (kiosk-app restore).",
                "The database is DAMAGED and cannot be read. Delete nothing: copy the "
                "data folder, then restore from a backup (kiosk-app restore).",
            ),
            path=str(path),
            error=str(exc),
        )
        return None
    if rows != ["ok"]:
        report.add(
            "database",
            FAIL,
            title,
            (
                f"Basis data RUSAK: pemeriksaan menemukan {len(rows)} kesalahan. Jangan "
                "hapus apa pun: salin folder data, lalu pulihkan dari cadangan.",
                f"The database is DAMAGED: the check found {len(rows)} errors. Delete "
                "nothing: copy the data folder, then restore from a backup.",
            ),
            path=str(path),
            errors=rows,
        )
        return conn
    if schema > SCHEMA_VERSION:
        report.add(
            "database",
            FAIL,
            title,
            (
                f"Basis data dari versi aplikasi yang lebih baru (skema {schema} > "
                f"{SCHEMA_VERSION}). Pasang versi aplikasi terbaru.",
                f"The database is from a newer app (schema {schema} > {SCHEMA_VERSION}). "
                "Install the latest app.",
            ),
            path=str(path),
            schema=schema,
        )
    elif schema < SCHEMA_VERSION:
        report.add(
            "database",
            OK,
            title,
            (
                f"Basis data utuh, skema {schema}; akan diperbarui ke skema "
                f"{SCHEMA_VERSION} (dengan cadangan) saat aplikasi dibuka.",
                f"The database is sound, schema {schema}; it is upgraded to "
                f"{SCHEMA_VERSION} (after a backup) when the app opens it.",
            ),
            path=str(path),
            schema=schema,
        )
    else:
        report.add(
            "database",
            OK,
            title,
            (
                f"Basis data utuh (integrity_check ok), skema {schema}.",
                f"The database is sound (integrity_check ok), schema {schema}.",
            ),
            path=str(path),
            schema=schema,
        )
    return conn


def _check_disk(report: DoctorReport, folder: Path, disk_usage: DiskUsageFn) -> None:
    title = ("Ruang disk", "Free disk")
    where = _existing(folder)
    try:
        usage = disk_usage(where)
    except OSError as exc:
        report.add(
            "disk",
            WARN,
            title,
            ("Ruang disk tidak dapat diperiksa.", "Free disk space cannot be checked."),
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
            (
                f"Disk PENUH: sisa {free} di {where}. Perubahan dan foto baru tidak bisa "
                "disimpan. Kosongkan ruang (hapus unduhan/berkas lama), jangan hapus "
                "folder data.",
                f"The disk is FULL: {free} free in {where}. New changes and photos cannot "
                "be saved. Free some space; do not delete the data folder.",
            ),
            **details,
        )
    elif usage.free < DISK_WARN_BYTES:
        report.add(
            "disk",
            WARN,
            title,
            (f"Ruang disk hampir habis: sisa {free}.", f"Disk nearly full: {free} free."),
            **details,
        )
    else:
        report.add("disk", OK, title, (f"Sisa ruang {free}.", f"{free} free."), **details)


def _read_settings(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return {
            str(k): str(v)
            for k, v in conn.execute("SELECT key, value FROM setting")
            if v is not None
        }
    except sqlite3.DatabaseError:
        return {}


def _pending(report: DoctorReport, conn: sqlite3.Connection, schema: int) -> None:
    title = ("Menunggu dikirim", "Pending")
    try:
        db = Database(conn)
        if schema == SCHEMA_VERSION:
            report.pending = replica.pending_summary(Store(db))
        else:
            report.pending = {"pending_changes": outbox.count(db)}
    except sqlite3.DatabaseError as exc:
        report.add(
            "pending",
            FAIL,
            title,
            (
                "Jumlah perubahan yang menunggu tidak dapat dihitung (basis data rusak).",
                "Pending changes cannot be counted (damaged database).",
            ),
            error=str(exc),
        )
        return
    p = report.pending
    changes, blobs = p.get("pending_changes", 0), p.get("pending_blobs", 0)
    message = (
        f"{changes} perubahan dan {blobs} foto menunggu dikirim ke server",
        f"{changes} changes and {blobs} photos waiting for the server",
    )
    rejected, conflicts = p.get("rejected", 0), p.get("open_conflicts", 0)
    if rejected or conflicts:
        report.add(
            "pending",
            WARN,
            title,
            (
                f"{message[0]}; {rejected} ditolak server dan {conflicts} konflik perlu "
                "dilihat operator.",
                f"{message[1]}; {rejected} refused by the server and {conflicts} conflicts "
                "for the operator to review.",
            ),
            **p,
        )
    else:
        report.add("pending", OK, title, (message[0] + ".", message[1] + "."), **p)


def _refused(report: DoctorReport, conn: sqlite3.Connection) -> None:
    """Records the server refused: named, with its reason and the way out (only when
    there are some; the pending check counts them too)."""
    try:
        found = refusals.open_refusals(Store(Database(conn)))
    except sqlite3.DatabaseError:
        return  # the pending check has said the database cannot be read
    if not found:
        return
    shown = found[:10]
    more_id = f" dan {len(found) - len(shown)} lagi" if len(found) > len(shown) else ""
    more_en = f" and {len(found) - len(shown)} more" if len(found) > len(shown) else ""
    report.add(
        "refused",
        WARN,
        ("Ditolak server", "Refused by the server"),
        (
            f"{len(found)} data ditolak server dan tidak ada di katalog: "
            + "; ".join(f"{r.label}: {r.message_id}" for r in shown)
            + f"{more_id}. Operator memperbaikinya di halaman Sinkron (ubah lalu Simpan, "
            "data dikirim lagi) atau menghapusnya dari kios.",
            f"{len(found)} records refused by the server, not in the catalog: "
            + "; ".join(f"{r.label}: {r.message_en}" for r in shown)
            + f"{more_en}. The operator fixes them on the Sync page (edit, then Save: "
            "they are sent again) or deletes them from the kiosk.",
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
    url, token = settings.get("server.url"), settings.get("server.token")
    server_title = ("Server", "Server")
    if not url or not token:
        report.add(
            "server",
            WARN,
            server_title,
            (
                "Kios belum didaftarkan ke server (kiosk-app enroll).",
                "This kiosk is not enrolled with a server (kiosk-app enroll).",
            ),
        )
        return None
    client = make_client(url, token, settings.get("server.ca_bundle") or True)
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
                (
                    f"Server {url} tidak terjangkau. Periksa sambungan internet/VSAT. "
                    "Data aman di kios.",
                    f"Server {url} cannot be reached. Check the internet/VSAT link. "
                    "Data is safe on the kiosk.",
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
                (
                    f"Server {url} menjawab dengan kesalahan: {exc}",
                    f"Server {url} answered with an error: {exc}",
                ),
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
            (
                f"Server {url} terjangkau (waktu pulang-pergi {rtt_ms:.0f} ms).",
                f"Server {url} reachable (round trip {rtt_ms:.0f} ms).",
            ),
            url=url,
            round_trip_ms=round(rtt_ms),
        )
        _clock(report, health, before, after)
        latest = _check_token(report, client, settings) or latest
    finally:
        client.close()
    return latest


def _clock(report: DoctorReport, health: dict[str, Any], before: float, after: float) -> None:
    title = ("Jam", "Clock")
    if not isinstance(health.get("time_ms"), int):
        report.add("clock", SKIP, title, ("Server tidak memberi jam.", "No server clock."))
        return
    # The server read its clock somewhere within the round trip: compare with the middle.
    skew = (before + after) / 2 - health["time_ms"] / 1000
    uncertainty = (after - before) / 2
    direction = ("lebih cepat", "ahead of") if skew > 0 else ("lebih lambat", "behind")
    text = (
        f"Jam kios {direction[0]} {abs(skew):.0f} detik dari server",
        f"The kiosk clock is {abs(skew):.0f} s {direction[1]} the server",
    )
    details = {"skew_s": round(skew, 1), "uncertainty_s": round(uncertainty, 2)}
    if abs(skew) > SKEW_FAIL_S:
        report.add(
            "clock",
            FAIL,
            title,
            (
                f"{text[0]}. Setel tanggal dan jam Windows (zona waktu yang benar), lalu "
                "sinkronkan lagi.",
                f"{text[1]}. Set the PC's date and time (right time zone), then sync.",
            ),
            **details,
        )
    elif abs(skew) > SKEW_WARN_S:
        report.add(
            "clock",
            WARN,
            title,
            (f"{text[0]}; sebaiknya disetel.", f"{text[1]}; better set it."),
            **details,
        )
    else:
        report.add("clock", OK, title, (f"{text[0]} (baik).", f"{text[1]} (fine)."), **details)


def _check_token(
    report: DoctorReport, client: ServerClient, settings: dict[str, str]
) -> str | None:
    title = ("Token perangkat", "Device token")
    # An authenticated sync that sends nothing and asks for no changes: it proves the
    # token and the protocol without moving the cursor or changing anything here.
    probe = {
        "protocol": PROTOCOL_VERSION,
        "cursor": int(settings.get("sync.cursor") or 0),
        "limit": 0,
        "mutations": [],
        "blobs": [],
    }
    device = settings.get("server.device_id")
    try:
        answer = client.sync(probe)
    except TokenRevokedError as exc:
        report.add(
            "token",
            FAIL,
            title,
            (
                "Token kios DITOLAK server: perangkat ini sudah dicabut atau tidak dikenal. "
                "Minta kode pendaftaran baru ke admin pusat, lalu jalankan kiosk-app "
                "enroll. Data yang menunggu tetap aman dan akan terkirim setelahnya.",
                "The server REFUSED this kiosk's token: the device was revoked or is "
                "unknown. Ask the central admin for a new enrollment code, then run "
                "kiosk-app enroll. Pending data stays safe and is sent afterwards.",
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
            (ProtocolTooOldError.message_id, "This app is too old for the server; update it."),
            server_message=str(exc),
        )
        return None
    except (SyncError, requests.RequestException, ValueError) as exc:
        report.add(
            "token",
            WARN,
            title,
            (f"Token tidak dapat diperiksa: {exc}", f"Token could not be checked: {exc}"),
            error=str(exc),
        )
        return None
    report.add(
        "token",
        OK,
        title,
        ("Token diterima server.", "The server accepts the token."),
        device_id=device,
    )
    latest = answer.get("latest_app_version")
    return str(latest) if latest else None


def _check_update(report: DoctorReport, latest: str | None) -> None:
    title = ("Versi aplikasi", "App version")
    report.versions["latest_app"] = latest
    if is_newer(latest):
        report.add(
            "update",
            WARN,
            title,
            (
                f"Versi baru {latest} tersedia (terpasang {__version__}). Pasang paket "
                "terbaru dari admin pusat; aplikasi tidak memperbarui dirinya sendiri. "
                "Buat cadangan dulu (kiosk-app backup).",
                f"Version {latest} is available (installed {__version__}). Install the "
                "new package from the central admin; the app does not update itself. "
                "Take a backup first (kiosk-app backup).",
            ),
            installed=__version__,
            latest=latest,
        )
    else:
        report.add(
            "update",
            OK,
            title,
            (
                f"Versi {__version__} adalah yang terbaru yang diketahui.",
                f"Version {__version__} is the latest known.",
            ),
            installed=__version__,
            latest=latest,
        )


def _check_backup(report: DoctorReport, settings: dict[str, str]) -> None:
    """The last backup ``kiosk-app backup`` wrote: a warning when it is not encrypted."""
    encrypted = settings.get("backup.last_encrypted")
    if encrypted is None:
        return
    when, where = settings.get("backup.last_at", "?"), settings.get("backup.last_path", "?")
    title = ("Cadangan", "Backup")
    if encrypted == "1":
        report.add(
            "backup",
            OK,
            title,
            (f"Cadangan terakhir ({when}) terenkripsi.", f"The last backup ({when}) is encrypted."),
            last_at=when,
        )
        return
    report.add(
        "backup",
        WARN,
        title,
        (
            f"Cadangan terakhir ({when}, {where}) TIDAK dienkripsi: siapa pun yang memegang "
            "berkasnya bisa membaca data penjual. Buat cadangan baru dengan kata sandi, lalu "
            "hapus yang lama.",
            f"The last backup ({when}, {where}) is NOT encrypted: anyone holding the file can "
            "read the merchants' data. Make a new one with a passphrase and delete the old one.",
        ),
        last_at=when,
        path=where,
    )


def _check_transport(report: DoctorReport, settings: dict[str, str]) -> None:
    """An enrollment over plain http to another machine: the token travels readable."""
    from kiosk_app.sync.device import InsecureServerURL, check_server_url

    url = settings.get("server.url")
    if not url:
        return
    try:
        check_server_url(url)
    except InsecureServerURL:
        report.add(
            "transport",
            WARN,
            ("Sambungan", "Connection"),
            (
                f"Alamat server {url} tidak memakai https://: token kios terbaca di jaringan. "
                "Daftarkan ulang kios dengan alamat https://.",
                f"The server address {url} is not https://: the kiosk's token is readable on "
                "the network. Enroll the kiosk again with an https:// address.",
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
    conn = _check_database(report, paths.database)
    settings: dict[str, str] = {}
    if conn is not None:
        try:
            settings = _read_settings(conn)
            schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
            report.versions["schema_db"] = schema
            if schema <= SCHEMA_VERSION:
                _pending(report, conn, schema)
            if schema == SCHEMA_VERSION:
                _refused(report, conn)
        finally:
            conn.close()
    if language is None:
        report.language = settings.get("ui.language") or "id"
    _check_disk(report, paths.data, disk_usage)
    _check_backup(report, settings)
    _check_transport(report, settings)
    maker = make_client or (
        lambda url, token, verify: ServerClient(url, token, verify=verify, timeout=DOCTOR_TIMEOUT)
    )
    latest = _check_server(report, settings, maker, wall) if conn is not None or settings else None
    if conn is None and report.status_of("database") == FAIL:
        report.add(
            "server",
            SKIP,
            ("Server", "Server"),
            (
                "Server tidak diperiksa: alamat dan token ada di basis data yang rusak.",
                "Server not checked: its address and token are in the damaged database.",
            ),
        )
    _check_update(report, latest or settings.get(LATEST_VERSION_SETTING))
    return report


LABELS = {
    OK: ("OK", "OK"),
    WARN: ("PERINGATAN", "WARNING"),
    FAIL: ("MASALAH", "PROBLEM"),
    SKIP: ("LEWATI", "SKIPPED"),
}


def render_text(report: DoctorReport, language: str | None = None) -> str:
    """The report for a person: Bahasa Indonesia, and English too when asked."""
    lang = language or report.language
    english = lang in ("en", "both")
    lines = [
        f"Laporan pemeriksaan kios Etalase Desa ({report.generated_at})",
        f"Folder data: {report.data_dir}",
    ]
    if english:
        lines.append(f"(Etalase Desa kiosk check report; data folder {report.data_dir})")
    lines.append("")
    for f in report.findings:
        label = LABELS[f.status]
        lines.append(f"[{label[0]}] {f.title_id}: {f.message_id}")
        if english:
            lines.append(f"    ({label[1]}) {f.title_en}: {f.message_en}")
    v = report.versions
    lines += [
        "",
        (
            f"Versi: aplikasi {v.get('app')}, skema {v.get('schema_db', '-')}/"
            f"{v.get('schema_app')}, protokol {v.get('protocol')} (server "
            f"{v.get('server_protocol', '-')}, versi server {v.get('server', '-')}), "
            f"Python {v.get('python')}, Qt {v.get('qt')}, {v.get('os')}"
        ),
    ]
    code = report.exit_code
    verdict = {
        0: ("Kesimpulan: semua baik.", "Verdict: all good."),
        1: (
            "Kesimpulan: ada peringatan, kios tetap bisa dipakai.",
            "Verdict: warnings; the kiosk can still be used.",
        ),
        2: (
            "Kesimpulan: ada MASALAH yang perlu ditangani (lihat di atas).",
            "Verdict: there are PROBLEMS to fix (see above).",
        ),
    }[code]
    lines.append(verdict[0])
    if english:
        lines.append(verdict[1])
    return "\n".join(lines) + "\n"


def render_json(report: DoctorReport) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False)
