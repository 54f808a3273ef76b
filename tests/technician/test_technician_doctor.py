"""``kiosk-app doctor`` on a healthy kiosk, a damaged database, a full disk (a seam and,
as root, a real tiny tmpfs), a revoked token and a server announcing a newer app."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from kiosk_app.paths import resolve_paths
from kiosk_app.store import outbox
from kiosk_app.store.regions import import_regions_csv
from kiosk_app.technician.doctor import FAIL, OK, WARN, DiskUsage, render_text, run_doctor
from tests.support import SAMPLE_REGIONS, VILLAGE
from tests.support.live import LiveServer
from tests.technician.conftest import REGION, kiosk_cli


def merchant(**over: object) -> dict[str, object]:
    return {
        "business_name": "Kopi Bu Sri",
        "owner_name": "Sri Wahyuni",
        "phone": "0812-3456-7890",
        "village_code": VILLAGE,
        **over,
    }


def with_pending(kiosk) -> None:  # type: ignore[no-untyped-def]
    """A merchant and a product, unsent: three outbox entries."""
    if kiosk.store.region_name(VILLAGE) is None:
        import_regions_csv(kiosk.store.db, SAMPLE_REGIONS)
    m = kiosk.store.create("merchant", merchant())
    kiosk.store.create(
        "product", {"merchant_id": m, "name": "Kopi Robusta", "price": 35000, "stock": 10}
    )


def doctor_json(data_dir: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    done = kiosk_cli("doctor", "--data-dir", str(data_dir), "--json", *extra)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def statuses(report: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {f["key"]: f["status"] for f in report["findings"]}


def file_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("kiosk.db*")}


def outbox_rows(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
    finally:
        conn.close()


def test_healthy_enrolled_kiosk_is_all_good(make_kiosk):
    kiosk = make_kiosk()
    assert kiosk.sync().ok
    with_pending(kiosk)

    code, report = doctor_json(kiosk.data_dir)

    assert statuses(report) == {
        "database": OK,
        "pending": OK,
        "disk": OK,
        "server": OK,
        "clock": OK,
        "token": OK,
        "update": OK,
    }
    assert code == 0 and report["exit_code"] == 0
    assert report["pending"]["pending_changes"] == 3
    assert abs(report["findings"][4]["details"]["skew_s"]) < 5
    assert report["versions"]["schema_db"] == report["versions"]["schema_app"]
    assert report["versions"]["protocol"] == report["versions"]["server_protocol"]
    assert report["versions"]["qt"].startswith("6.")


def test_damaged_database_is_reported_and_left_untouched(make_kiosk):
    kiosk = make_kiosk()
    with_pending(kiosk)
    for n in range(200):  # enough rows for several b-tree pages
        kiosk.store.create("merchant", merchant(business_name=f"Warung {n}"))
    kiosk.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    kiosk.close()
    db = kiosk.data_dir / "kiosk.db"
    conn = sqlite3.connect(db)
    root, page = conn.execute(
        "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master "
        "WHERE name = 'merchant'"
    ).fetchone()
    conn.close()
    raw = bytearray(db.read_bytes())
    start = (root - 1) * page + 8  # the merchant table's root page, past its header
    raw[start : start + 1000] = os.urandom(1000)
    db.write_bytes(bytes(raw))
    before = file_state(kiosk.data_dir)

    code, report = doctor_json(kiosk.data_dir)
    text = kiosk_cli("doctor", "--data-dir", str(kiosk.data_dir))

    assert code == 2 and text.returncode == 2
    assert statuses(report)["database"] == FAIL
    assert "RUSAK" in text.stdout and "Traceback" not in text.stderr
    assert file_state(kiosk.data_dir) == before  # not repaired, not rewritten


def test_unreadable_database_is_reported_without_a_crash(tmp_path: Path):
    data = tmp_path / "kiosk"
    data.mkdir()
    (data / "kiosk.db").write_bytes(b"this is not a database at all" * 200)
    before = file_state(data)

    code, report = doctor_json(data)

    assert code == 2
    found = statuses(report)
    assert found["database"] == FAIL and found["disk"] == OK and found["server"] == "skip"
    assert "not a database" in report["findings"][0]["details"]["error"]
    assert file_state(data) == before


def test_full_disk_through_the_disk_usage_seam(make_kiosk):
    kiosk = make_kiosk(enroll=False)
    with_pending(kiosk)
    rows = outbox_rows(kiosk.data_dir / "kiosk.db")

    report = run_doctor(
        resolve_paths(kiosk.data_dir),
        disk_usage=lambda path: DiskUsage(total=10**9, used=10**9 - 2 * 1024**2, free=2 * 1024**2),
    )

    assert report.status_of("disk") == FAIL and report.exit_code == 2
    assert "Disk PENUH: sisa 2 MB" in render_text(report)
    assert report.pending is not None and report.pending["pending_changes"] == 3
    assert outbox_rows(kiosk.data_dir / "kiosk.db") == rows


def _mount_tmpfs(where: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    return done.returncode == 0


def test_full_disk_on_a_real_tiny_filesystem(make_kiosk, tmp_path: Path):
    """A 16 MB tmpfs filled to the last byte: doctor says so, backup refuses cleanly."""
    mount = tmp_path / "tiny"
    if not _mount_tmpfs(mount, "16m"):
        pytest.skip("needs root and tmpfs (covered by the disk-usage seam test above)")
    try:
        kiosk = make_kiosk(enroll=False)
        with_pending(kiosk)
        kiosk.close()
        data = mount / "kiosk"
        shutil.copytree(kiosk.data_dir, data)
        rows = outbox_rows(data / "kiosk.db")
        with (mount / "filler").open("wb") as filler:
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError:
                pass
        assert shutil.disk_usage(mount).free < 65536

        code, report = doctor_json(data, "--lang", "both")
        backup = kiosk_cli(
            "backup", str(mount / "cadangan.zip"), "--data-dir", str(data), "--no-encrypt"
        )

        assert code == 2
        assert statuses(report)["disk"] == FAIL and statuses(report)["database"] == OK
        assert report["pending"]["pending_changes"] == 3
        assert backup.returncode == 1 and "PENUH" in backup.stderr
        assert not list(mount.glob("cadangan.zip*"))  # no half-written backup left behind
        (mount / "filler").unlink()  # once the technician frees space, nothing was lost
        assert outbox_rows(data / "kiosk.db") == rows
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_revoked_token_is_reported_and_pending_changes_kept(make_kiosk, server: LiveServer):
    kiosk = make_kiosk()
    assert kiosk.sync().ok
    with_pending(kiosk)
    device = kiosk.store.get_setting("server.device_id")
    rows = outbox_rows(kiosk.data_dir / "kiosk.db")
    server.cli("revoke", str(device))

    code, report = doctor_json(kiosk.data_dir)
    text = kiosk_cli("doctor", "--data-dir", str(kiosk.data_dir), "--lang", "both")

    assert code == 2
    found = statuses(report)
    assert found["server"] == OK and found["token"] == FAIL
    assert "DITOLAK" in text.stdout and "dicabut" in text.stdout
    assert "REFUSED" in text.stdout  # English too, when asked
    assert outbox_rows(kiosk.data_dir / "kiosk.db") == rows
    assert outbox.count(kiosk.store.db) == 3


def test_unreachable_server_is_a_problem_but_data_is_safe(make_kiosk, tmp_path: Path):
    kiosk = make_kiosk()
    with_pending(kiosk)
    kiosk.store.set_setting("server.url", "http://127.0.0.1:9")  # nothing listens there

    code, report = doctor_json(kiosk.data_dir)

    assert code == 2 and statuses(report)["server"] == FAIL
    assert "tidak terjangkau" in report["findings"][-2]["message_id"] or any(
        "tidak terjangkau" in f["message_id"] for f in report["findings"]
    )
    assert report["pending"]["pending_changes"] == 3


def test_newer_app_on_the_server_is_told_by_status_and_doctor(
    make_kiosk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from tests.support.kiosk import Kiosk

    monkeypatch.setenv("KIOSK_SERVER_LATEST_APP_VERSION", "9.1.0")
    with LiveServer(tmp_path / "newer-server") as newer:
        kiosk = Kiosk(tmp_path / "kiosk-newer")
        try:
            kiosk.enroll(newer.url, newer.enroll_code(REGION))
            assert kiosk.sync().ok
            assert kiosk.store.get_setting("server.latest_app_version") == "9.1.0"

            status = kiosk_cli("status", "--data-dir", str(kiosk.data_dir))
            code, report = doctor_json(kiosk.data_dir)
        finally:
            kiosk.close()

    assert "versi baru 9.1.0 tersedia" in status.stdout
    assert code == 1 and statuses(report)["update"] == WARN
    assert report["versions"]["latest_app"] == "9.1.0"


@pytest.mark.parametrize(
    ("offset_s", "status", "words"),
    [
        (600.0, FAIL, r"Jam kios lebih cepat (\d+) detik dari server\. Setel tanggal dan jam"),
        (-120.0, WARN, r"Jam kios lebih lambat (\d+) detik dari server; sebaiknya disetel\."),
        (0.0, OK, r"Jam kios lebih (?:cepat|lambat) (\d+) detik dari server \(baik\)\."),
    ],
)
def test_a_kiosk_clock_off_from_the_servers_is_warned_about(
    make_kiosk, offset_s: float, status: str, words: str
):
    # Given an enrolled kiosk whose PC clock is ``offset_s`` off the (real) server's
    kiosk = make_kiosk()
    assert kiosk.sync().ok
    kiosk.store.close()

    # When the doctor compares the two clocks
    report = run_doctor(resolve_paths(kiosk.data_dir), wall=lambda: time.time() + offset_s)

    # Then it tells by how much and which way, a problem beyond five minutes
    [clock] = [f for f in report.findings if f.key == "clock"]
    said = re.match(words, clock.message_id)
    assert clock.status == status and said, clock.message_id
    skew, uncertainty = clock.details["skew_s"], clock.details["uncertainty_s"]
    assert abs(skew - offset_s) <= uncertainty + 0.1  # the server read its clock in between
    assert abs(int(said.group(1)) - abs(skew)) <= 1
    assert report.exit_code == {OK: 0, WARN: 1, FAIL: 2}[status]
    kiosk.store = type(kiosk.store).open(kiosk.data_dir / "kiosk.db")
