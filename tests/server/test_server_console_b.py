"""The console's onboarding, moderation and updates pages over HTTP (TestClient), on
SQLite and PostgreSQL: what each role may see and do, region scope against crafted
requests, CSRF on every form, the audit log, and page weight."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from sqlalchemy import select

from kiosk_server.admin.accounts import add_account
from kiosk_server.db import RECORD_TABLES, audit_log, region_setting, rollout
from tests.catalog.conftest import Seller
from tests.server.helpers import OTHER_VILLAGE, Api

PASSWORD = "kata-sandi-yang-panjang"
PAGE_LIMIT = 200 * 1024


def login(api: Api, email: str, role: str, region: str | None = None) -> Any:
    """A fresh client signed in as a new account; its ``csrf`` read from a page."""
    from fastapi.testclient import TestClient

    add_account(api.engine, email, PASSWORD, role, region)
    client = TestClient(api.client.app)
    page = client.get("/admin/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    form = {"email": email, "password": PASSWORD, "csrf": token.group(1), "next": "/admin/"}
    done = client.post("/admin/login", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    home = client.get("/admin/")
    assert home.status_code == 200, home.text
    found = re.search(r'name="csrf" value="([^"]+)"', home.text)
    assert found
    client.csrf = found.group(1)
    return client


@pytest.fixture
def world(api: Api) -> dict[str, str]:
    """Two merchants in Malang (35.07), one in Manggarai (53.10), with products."""
    near = Seller(api, api.enroll("35.07"))
    far = Seller(api, api.enroll("53.10"))
    m = near.merchant(business_name="Kopi Bu Sri")
    p = near.product(m, name="Kopi Robusta")
    near.photo(p)
    near.merchant(business_name="Keripik Pak Budi", phone="+6281399990000", consent=False)
    fm = far.merchant(business_name="Kopi Flores", village_code=OTHER_VILLAGE,
                      phone="+6281311112222")  # fmt: skip
    fp = far.product(fm, name="Kopi Arabika Flores")
    return {"m": m, "p": p, "fm": fm, "fp": fp}


def hidden(api: Api, entity: str, row_id: str) -> bool:
    table = RECORD_TABLES[entity]
    with api.engine.connect() as conn:
        return (
            conn.execute(select(table.c.hidden_at).where(table.c.id == row_id)).scalar() is not None
        )


def exists(api: Api, merchant_id: str) -> bool:
    table = RECORD_TABLES["merchant"]
    with api.engine.connect() as conn:
        row = conn.execute(select(table.c.erased_at).where(table.c.id == merchant_id)).one()
    return row.erased_at is None


def test_onboarding_by_region_with_drill_down_chart_and_csv(api: Api, world: dict[str, str]):
    client = login(api, "pusat@example.id", "national")
    home = client.get("/admin/")
    assert "<svg" in home.text and "Jawa Timur" in home.text and "Nusa Tenggara Timur" in home.text
    assert len(home.content) < PAGE_LIMIT

    rows = {
        r["code"]: r for r in csv.DictReader(io.StringIO(client.get("/admin/onboarding.csv").text))
    }
    assert rows["35"]["merchants"] == "2" and rows["35"]["consented"] == "1"
    assert rows["35"]["in_catalog"] == "1" and rows["35"]["published"] == "1"
    assert rows["35"]["photos"] == "1" and rows["53"]["products"] == "1"

    # Drilling down: province -> regency -> district -> village
    for code, child in (("35", "35.07"), ("35.07", "35.07.12"), ("35.07.12", "35.07.12.2001")):
        page = client.get("/admin/", params={"region": code})
        assert page.status_code == 200 and f"?region={child}" in page.text
        data = client.get("/admin/onboarding.csv", params={"region": code}).text
        assert child in data and "53" not in data.split("\n", 1)[1]


def test_region_coordinator_cannot_see_or_touch_another_region(api: Api, world: dict[str, str]):
    client = login(api, "malang@example.id", "region", "35.07")
    # Pages: the default is the account's region; another region is refused
    home = client.get("/admin/").text
    assert "Kabupaten Malang" in home and "?region=35.07.12" in home and "Jawa Timur" not in home
    for url, params in (("/admin/", {"region": "53"}), ("/admin/onboarding.csv", {"region": "53"}),
                        ("/admin/", {"region": "35"})):  # fmt: skip
        assert client.get(url, params=params).status_code == 403
    assert "53.10" not in client.get("/admin/onboarding.csv").text
    search = client.get("/admin/penjual", params={"q": "kopi"})
    assert "Kopi Bu Sri" in search.text and "Kopi Flores" not in search.text
    assert len(search.content) < PAGE_LIMIT
    assert client.get(f"/admin/penjual/{world['fm']}").status_code == 403
    assert client.get(f"/admin/penjual/{world['fm']}/data.json").status_code == 403

    # Crafted POSTs with a valid token, aimed outside the region
    token = {"csrf": client.csrf}
    refused = [
        client.post(f"/admin/produk/{world['fp']}/tampil", data={**token, "reason": "uji coba"}),
        client.post(f"/admin/penjual/{world['fm']}/tampil", data={**token, "reason": "uji coba"}),
        client.post(f"/admin/penjual/{world['fm']}/hapus", data={**token, "confirm": "HAPUS"}),
        client.post(
            "/admin/pembaruan/umumkan",
            data={**token, "version": "9.0.0", "region": "53", "target": "share", "share": "100"},
        ),
        client.post(
            "/admin/pembaruan/umumkan",
            data={**token, "version": "9.0.0", "region": "", "target": "share", "share": "100"},
        ),
        client.post(
            "/admin/pembaruan/umumkan",
            data={
                **token,
                "version": "9.0.0",
                "region": "35.07",
                "target": "regions",
                "regions": "53.10",
            },
        ),
        client.post("/admin/pengaturan", data={**token, "region": "53", "photo_quality": "50"}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert not hidden(api, "product", world["fp"]) and not hidden(api, "merchant", world["fm"])
    assert exists(api, world["fm"])
    with api.engine.connect() as conn:
        assert conn.execute(select(rollout)).all() == []
        assert conn.execute(select(region_setting)).all() == []

    # A national announcement cannot be withdrawn from a region account
    national = login(api, "pusat@example.id", "national")
    national.post("/admin/pembaruan/umumkan", data={"csrf": national.csrf, "version": "2.0.0",
                  "region": "", "target": "share", "share": "50"})  # fmt: skip
    with api.engine.connect() as conn:
        rollout_id = conn.execute(select(rollout.c.id)).scalar_one()
    assert client.post(f"/admin/pembaruan/{rollout_id}/tarik", data=token).status_code == 403
    assert "2.0.0" not in client.get("/admin/pembaruan").text

    # Inside the region everything works
    ok = client.post(f"/admin/produk/{world['p']}/tampil", data={**token, "reason": "foto buram"})
    assert ok.status_code == 200 and hidden(api, "product", world["p"])


def test_viewer_reads_but_cannot_change_anything(api: Api, world: dict[str, str]):
    client = login(api, "lihat@example.id", "viewer")
    for url in ("/admin/", "/admin/penjual?q=kopi", f"/admin/penjual/{world['m']}",
                "/admin/pembaruan"):  # fmt: skip
        page = client.get(url)
        assert page.status_code == 200 and 'method="post" action="/admin/p' not in page.text
    token = {"csrf": client.csrf}
    refused = [
        client.post(f"/admin/produk/{world['p']}/tampil", data={**token, "reason": "uji coba"}),
        client.post(f"/admin/penjual/{world['m']}/tampil", data={**token, "reason": "uji coba"}),
        client.post(f"/admin/penjual/{world['m']}/hapus", data={**token, "confirm": "HAPUS"}),
        client.post(
            "/admin/pembaruan/umumkan",
            data={**token, "version": "9.0.0", "target": "share", "share": "100"},
        ),
        client.post("/admin/pengaturan", data={**token, "region": "", "photo_quality": "50"}),
        client.get(f"/admin/penjual/{world['m']}/data.json"),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert not hidden(api, "product", world["p"]) and exists(api, world["m"])


def test_no_form_works_without_its_csrf_token(api: Api, world: dict[str, str]):
    client = login(api, "pusat@example.id", "national")
    forms = [
        (f"/admin/produk/{world['p']}/tampil", {"reason": "uji coba"}),
        (f"/admin/penjual/{world['m']}/tampil", {"reason": "uji coba"}),
        (f"/admin/penjual/{world['m']}/hapus", {"confirm": "HAPUS"}),
        ("/admin/pembaruan/umumkan", {"version": "9.0.0", "target": "share", "share": "100"}),
        ("/admin/pengaturan", {"region": "", "photo_quality": "50"}),
    ]
    for url, data in forms:
        assert client.post(url, data=data).status_code == 403
        # one character changed (a fixed "x" in front was the token itself when it began so)
        wrong = ("y" if client.csrf[0] == "x" else "x") + client.csrf[1:]
        assert client.post(url, data={**data, "csrf": wrong}).status_code == 403
    assert not hidden(api, "product", world["p"]) and exists(api, world["m"])
    with api.engine.connect() as conn:
        assert conn.execute(select(rollout)).all() == []


def test_moderation_actions_are_audited_without_personal_data(api: Api, world: dict[str, str]):
    client = login(api, "pusat@example.id", "national")
    token = {"csrf": client.csrf}
    page = client.get(f"/admin/penjual/{world['m']}")
    assert len(page.content) < PAGE_LIMIT and "Kopi Robusta" in page.text
    client.post(f"/admin/produk/{world['p']}/tampil", data={**token, "reason": "foto buram"})
    client.post(f"/admin/produk/{world['p']}/tampil", data={**token, "action": "show"})
    data = client.get(f"/admin/penjual/{world['m']}/data.json")
    assert data.json()["merchant"]["business_name"] == "Kopi Bu Sri"
    assert client.post(f"/admin/penjual/{world['m']}/hapus", data={**token, "confirm": "salah"}
                       ).status_code == 403  # fmt: skip
    erased = client.post(f"/admin/penjual/{world['m']}/hapus", data={**token, "confirm": "hapus"})
    assert erased.status_code == 200 and not exists(api, world["m"])
    with api.engine.connect() as conn:
        rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).all()
    actions = [(r.action, r.target) for r in rows if r.action != "login"]
    assert actions == [
        ("product_hidden", f"product:{world['p']}"),
        ("product_shown", f"product:{world['p']}"),
        ("merchant_data_downloaded", f"merchant:{world['m']}"),
        ("merchant_erased", f"merchant:{world['m']}"),
    ]
    assert all(r.email == "pusat@example.id" for r in rows)
    assert "Kopi Bu Sri" not in repr(rows) and "Sri Wahyuni" not in repr(rows)


def test_rollout_and_settings_from_the_page_reach_the_sync_answer(api: Api):
    client = login(api, "malang@example.id", "region", "35.07")
    token = {"csrf": client.csrf}
    inside, outside = api.enroll("35.07.12"), api.enroll("53.10")
    assert api.sync(inside).get("latest_app_version") is None

    client.post("/admin/pembaruan/umumkan", data={**token, "version": "1.5.0", "region": "35.07",
                "target": "regions", "regions": "35.07.12"})  # fmt: skip
    client.post("/admin/pengaturan", data={**token, "region": "35.07", "sync_minutes": "30",
                "photo_quality": "70"})  # fmt: skip
    client.post("/admin/pengaturan", data={**token, "region": "35.07.12", "photo_quality": "60"})
    answer = api.sync(inside)
    assert answer["latest_app_version"] == "1.5.0"
    assert answer["settings"] == {"sync_interval_s": 1800, "photo_quality": 60}
    far = api.sync(outside)
    assert far["latest_app_version"] is None and "settings" not in far
    page = client.get("/admin/pembaruan")
    assert "1.5.0" in page.text and "30 menit" in page.text and len(page.content) < PAGE_LIMIT
    bad = client.post("/admin/pengaturan", data={**token, "region": "35.07", "photo_quality": "5"})
    assert bad.status_code == 403

    # Withdrawn: the kiosk no longer hears of it
    with api.engine.connect() as conn:
        rollout_id = conn.execute(select(rollout.c.id)).scalar_one()
    client.post(f"/admin/pembaruan/{rollout_id}/tarik", data=token)
    assert api.sync(inside)["latest_app_version"] is None
