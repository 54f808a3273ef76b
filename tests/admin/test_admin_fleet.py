"""The fleet page: telemetry from real syncs, filters, sort, key-based paging through a
fleet both ways, and its weight."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from kiosk_app.domain.record_ids import uuid7
from kiosk_server import devices
from kiosk_server.db import device
from tests.admin.console import add_device, device_row, names_on
from tests.server.helpers import Api

SignedIn = Callable[[str], Any]
MAX_PAGE = 200 * 1024


def _row(api: Api, device_id: str) -> dict[str, Any]:
    with api.engine.connect() as conn:
        return dict(conn.execute(select(device).where(device.c.id == device_id)).one()._mapping)


def test_a_kiosk_reports_itself_with_its_sync_and_the_page_shows_it(api: Api, signed_in: SignedIn):
    kiosk = api.enroll("35.07", name="Kios Ternyang")
    sent_at = int(datetime.now(UTC).timestamp() * 1000) + 600_000  # its clock 10 min ahead
    api.sync(kiosk, telemetry={
        "sent_at": sent_at, "pending_changes": 7, "pending_photos": 3,
        "last_error": "OfflineError: tidak tersambung", "last_error_at": "2026-12-01T08:00:00Z",
        "sync_median_ms": 4200, "bytes_per_day": 3 * 1024 * 1024,
    })  # fmt: skip
    row = _row(api, kiosk.id)
    assert (row["pending_changes"], row["pending_photos"]) == (7, 3)
    assert row["last_error"] == "OfflineError: tidak tersambung"
    assert 590 <= row["clock_skew_s"] <= 600
    assert (row["sync_median_ms"], row["bytes_per_day"]) == (4200, 3 * 1024 * 1024)
    page = signed_in("region").get("/admin/devices").text
    assert "Kios Ternyang" in page and "7 perubahan" in page and "3 foto" in page
    assert "OfflineError: tidak tersambung" in page and "+10 min" in page
    assert "4.2 s" in page and "3.0 MB" in page


def test_older_kiosks_and_odd_reports_still_sync(api: Api):
    kiosk = api.enroll("35.07")
    # A kiosk of before telemetry sends none: its sync goes through, nothing is stored
    assert api.sync(kiosk)["rejected"] == []
    assert _row(api, kiosk.id)["telemetry_at"] is None
    # A malformed block is ignored, never a refused sync
    for odd in ({"sent_at": "kemarin"}, {"pending_changes": -1, "sent_at": 1}, {}):
        assert api.sync(kiosk, telemetry=odd)["rejected"] == []
    assert _row(api, kiosk.id)["telemetry_at"] is None


def test_telemetry_is_written_when_it_changed_or_once_a_minute(api: Api):
    kiosk = api.enroll("35.07")
    found = _row(api, kiosk.id)
    now = 1_800_000_000_000
    report = devices.Telemetry(sent_at=now, pending_changes=5)
    assert devices.record_telemetry(api.engine, found, report, now)
    found = _row(api, kiosk.id)
    same = devices.Telemetry(sent_at=now + 10_000, pending_changes=5)
    assert not devices.record_telemetry(api.engine, found, same, now + 10_000)
    fewer = devices.Telemetry(sent_at=now + 20_000, pending_changes=0)
    assert devices.record_telemetry(api.engine, found, fewer, now + 20_000)
    found = _row(api, kiosk.id)
    later = devices.Telemetry(sent_at=now + 90_000, pending_changes=0)
    assert devices.record_telemetry(api.engine, found, later, now + 90_000)


def test_filters_pick_silent_outdated_and_failing_kiosks(api: Api, signed_in: SignedIn):
    now = datetime.now(UTC)
    add_device(api.engine, "Baru", "35.07.12.2003", last_seen=now, version="0.10.0")
    add_device(api.engine, "Senyap", "35.07.12.2003", last_seen=now - timedelta(days=9))
    add_device(api.engine, "Lama", "35.07", last_seen=now, version="0.9.2")
    add_device(api.engine, "Galat", "35.07", last_seen=now, version="0.10.0", error="Disk penuh")
    add_device(api.engine, "Jauh", "53.10", last_seen=now - timedelta(days=2), version="0.10.0")
    add_device(api.engine, "Dicabut", "35.07", last_seen=now, revoked=True)
    client = signed_in("national")

    def shown(query: str) -> list[str]:
        return sorted(names_on(client.get(f"/admin/devices?{query}").text))

    assert shown("") == ["Baru", "Galat", "Jauh", "Lama", "Senyap"]
    assert shown("senyap=7") == ["Senyap"]
    assert shown("senyap=1") == ["Jauh", "Senyap"]
    # 0.9.2 and 0.2.0 are older than 0.10.0, the newest any kiosk runs
    assert shown("usang=1") == ["Lama", "Senyap"]
    assert shown("galat=1") == ["Galat"]
    assert shown("wilayah=35.07.12") == ["Baru", "Senyap"]
    assert shown("wilayah=35.07&usang=1&senyap=3") == ["Senyap"]
    assert shown("dicabut=1") == ["Dicabut"]
    assert shown("wilayah=bukan-kode") == shown("")  # said on the page, not a 500
    page = client.get("/admin/devices").text
    assert re.search(r'class="silent">senyap 9 hari<', page)
    assert "Kode wilayah tidak sah" in client.get("/admin/devices?wilayah=xx").text


def test_outdated_follows_the_announced_version_when_there_is_one(
    api: Api, signed_in: SignedIn, console_settings: Any
):
    add_device(api.engine, "A", "35.07", version="0.3.0")
    add_device(api.engine, "B", "35.07", version="0.2.0")
    from fastapi.testclient import TestClient

    from kiosk_server.app import create_app
    from tests.admin.console import login

    announced = console_settings.model_copy(update={"latest_app_version": "0.4.0"})
    app = create_app(announced, run_migrations=False)
    with TestClient(app) as client:
        login(client, "pusat@example.id")
        assert sorted(names_on(client.get("/admin/devices?usang=1").text)) == ["A", "B"]
    app.state.ctx.engine.dispose()
    assert names_on(signed_in("national").get("/admin/devices?usang=1").text) == ["B"]


def _walk(client: Any, url: str, rel: str) -> list[list[str]]:
    pages = []
    while url:
        html = client.get(url).text
        pages.append(names_on(html))
        found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
        url = found.group(1).replace("&amp;", "&") if found else ""
    return pages


def test_paging_by_key_visits_every_kiosk_once_both_ways(api: Api, signed_in: SignedIn):
    start = datetime.now(UTC) - timedelta(days=20)
    # Groups of kiosks share a last-seen time: the id breaks the tie
    seen_at = [start + timedelta(hours=i // 3) for i in range(230)]
    rows = [
        device_row(uuid7(), f"Kios {i:03d}", "35.07.12.2003", last_seen=at)
        for i, at in enumerate(seen_at)
    ]
    with api.engine.begin() as conn:
        conn.execute(insert(device), rows)
    client = signed_in("region")
    forward = _walk(client, "/admin/devices?n=50", "next")
    assert [len(p) for p in forward] == [50, 50, 50, 50, 30]
    seen = [name for page in forward for name in page]
    assert seen == [f"Kios {i:03d}" for i in range(230)]  # oldest first, each once
    # From the last page back to the first: the same pages
    last = re.findall(r'<a href="([^"]+)" rel="next">', client.get("/admin/devices?n=50").text)
    assert last
    html = client.get("/admin/devices?n=50").text
    url = "/admin/devices?n=50"
    for _ in range(4):
        url = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
        html = client.get(url).text
    backward = _walk(client, url, "prev")
    assert list(reversed(backward)) == forward
    # Sorted by name, newest-first order, and by version: whole and in order
    by_name = [
        n for p in _walk(client, "/admin/devices?n=100&urut=name&arah=turun", "next") for n in p
    ]
    assert by_name == sorted(seen, reverse=True)
    assert (
        len({*[n for p in _walk(client, "/admin/devices?urut=version", "next") for n in p]}) == 230
    )


def test_pages_weigh_under_200_kb(api: Api, signed_in: SignedIn):
    long_error = "ServerError: " + "galat panjang " * 30
    rows = [
        device_row(uuid7(), f"Kios Desa Panjang Sekali Namanya {i:05d}", "35.07.12.2003",
                   error=long_error)
        for i in range(400)
    ]  # fmt: skip
    with api.engine.begin() as conn:
        conn.execute(insert(device), rows)
    for _ in range(60):
        api.code("35.07.12")
    client = signed_in("national")
    fleet = client.get("/admin/devices?n=200")
    assert len(names_on(fleet.text)) == 200
    codes = client.get("/admin/codes?wilayah=35.07.12")
    token = re.search(r'name="csrf" value="([^"]+)"', codes.text).group(1)
    sheet = client.post("/admin/codes", data={"csrf": token, "wilayah": "35.07.12.2003"})
    login = client.get("/admin/login")
    for page in (fleet, codes, sheet, login):
        assert page.status_code == 200
        assert len(page.content) < MAX_PAGE, (page.url, len(page.content))
