"""Who may see and do what on the console: a region coordinator stays inside their
region through pages and crafted requests, a viewer changes nothing, and no form works
without its CSRF token."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy import func, select

from kiosk_server.admin.pages import ROUTERS
from kiosk_server.db import audit_log, device, enroll_code
from tests.admin.console import add_device, csrf_of, names_on
from tests.server.helpers import Api

SignedIn = Callable[[str], Any]


def _fleet(api: Api) -> dict[str, str]:
    return {
        "ternyang": add_device(api.engine, "Kios Ternyang", "35.07.12.2003"),
        "malang": add_device(api.engine, "Kios Kab Malang", "35.07"),
        "manggarai": add_device(api.engine, "Kios Manggarai", "53.10.01.2001"),
        "jatim": add_device(api.engine, "Kios Jatim", "35"),  # wider than 35.07
    }


def _revoked(api: Api, device_id: str) -> bool:
    with api.engine.connect() as conn:
        return (
            conn.execute(select(device.c.revoked_at).where(device.c.id == device_id)).scalar()
            is not None
        )


def _codes(api: Api) -> int:
    with api.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(enroll_code)).scalar() or 0)


def test_a_region_coordinator_sees_only_kiosks_inside_the_region(api: Api, signed_in: SignedIn):
    _fleet(api)
    client = signed_in("region")
    assert sorted(names_on(client.get("/admin/devices?n=200").text)) == [
        "Kios Kab Malang",
        "Kios Ternyang",
    ]
    # Crafted filters widen nothing: another region, the whole province, the revoked list
    for query in ("wilayah=53.10", "wilayah=53", "wilayah=35", "dicabut=1&wilayah=53",
                  "urut=region&arah=turun"):  # fmt: skip
        shown = names_on(client.get(f"/admin/devices?{query}").text)
        assert "Kios Manggarai" not in shown and "Kios Jatim" not in shown, query
    national = names_on(signed_in("national").get("/admin/devices?n=200").text)
    assert sorted(national) == ["Kios Jatim", "Kios Kab Malang", "Kios Manggarai", "Kios Ternyang"]


def test_a_region_coordinator_cannot_revoke_outside_the_region(api: Api, signed_in: SignedIn):
    ids = _fleet(api)
    client = signed_in("region")
    token = csrf_of(client.get("/admin/devices").text)
    for name in ("manggarai", "jatim"):
        answer = client.post(f"/admin/devices/{ids[name]}/revoke", data={"csrf": token})
        assert answer.status_code == 403 and not _revoked(api, ids[name])
    # Inside the region it works, and is audited with who did it
    done = client.post(
        f"/admin/devices/{ids['ternyang']}/revoke", data={"csrf": token}, follow_redirects=False
    )
    assert done.status_code == 303 and _revoked(api, ids["ternyang"])
    with api.engine.connect() as conn:
        row = conn.execute(select(audit_log).where(audit_log.c.action == "device_revoked")).one()
    assert (row.email, row.target, row.region) == (
        "malang@example.id",
        ids["ternyang"],
        "35.07.12.2003",
    )


def test_a_region_coordinator_makes_and_sees_codes_only_inside_the_region(
    api: Api, signed_in: SignedIn
):
    outside = api.code("53.10")  # made on the command line for Manggarai
    client = signed_in("region")
    page = client.get("/admin/codes")
    assert "53.10" not in page.text
    # The picker starts at the coordinator's region and does not go outside it
    assert re.findall(r'<option value="([^"]+)"', page.text) == ["35.07"]
    crafted = client.get("/admin/codes?wilayah=53.10")
    assert "Manggarai" not in crafted.text and 'value="53.10"' not in crafted.text
    token = csrf_of(page.text)
    before = _codes(api)
    for code in ("53.10", "53", "35", "11"):
        answer = client.post("/admin/codes", data={"csrf": token, "wilayah": code})
        assert answer.status_code == 403, code
    assert _codes(api) == before
    # Expiring someone else's code by its hash (taken from the national page) fails
    national_page = signed_in("national").get("/admin/codes").text
    hashes = re.findall(r'name="kode" value="([^"]+)"', national_page)
    assert len(hashes) == 1
    answer = client.post("/admin/codes/expire", data={"csrf": token, "kode": hashes[0]})
    assert answer.status_code == 403
    assert outside  # still open: a kiosk can use it
    made = client.post("/admin/codes", data={"csrf": token, "wilayah": "35.07.12", "jam": "24"})
    assert made.status_code == 200 and re.search(r'id="code">[A-Z0-9-]{12}<', made.text)
    assert _codes(api) == before + 1


def test_a_viewer_changes_nothing(api: Api, signed_in: SignedIn):
    ids = _fleet(api)
    api.code("35.07")
    for role in ("viewer", "region_viewer"):
        client = signed_in(role)
        page = client.get("/admin/devices")
        assert page.status_code == 200 and "Kios Ternyang" in page.text
        assert "/revoke" not in page.text  # no button to press
        codes = client.get("/admin/codes?wilayah=35.07")
        assert codes.status_code == 200 and 'action="/admin/codes"' not in codes.text
        token = csrf_of(page.text)  # the logout form's: a valid token of this session
        with api.engine.connect() as conn:
            code_hash = conn.execute(select(enroll_code.c.code_hash)).scalar()
        for path, data in [
            (f"/admin/devices/{ids['ternyang']}/revoke", {}),
            ("/admin/codes", {"wilayah": "35.07"}),
            ("/admin/codes/expire", {"kode": code_hash}),
        ]:
            answer = client.post(path, data={"csrf": token, **data})
            assert answer.status_code == 403, (role, path)
    assert not _revoked(api, ids["ternyang"]) and _codes(api) == 1
    with api.engine.connect() as conn:
        changes = conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.action.not_in(["login", "logout"]))
        ).scalar()
    assert changes == 0


def _post_routes() -> list[str]:
    """Every POST route the console installs (``admin.pages.ROUTERS``)."""
    return sorted(
        route.path
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
    )


def test_no_console_form_works_without_its_csrf_token(api: Api, signed_in: SignedIn):
    ids = _fleet(api)
    api.code("35.07")
    client = signed_in("national")
    good = csrf_of(client.get("/admin/devices").text)
    routes = _post_routes()
    assert {"/admin/devices/{device_id}/revoke", "/admin/codes", "/admin/codes/expire",
            "/admin/logout", "/admin/login"} <= set(routes)  # fmt: skip
    with api.engine.connect() as conn:
        code_hash = conn.execute(select(enroll_code.c.code_hash)).scalar()
    fields = {"wilayah": "35.07", "kode": code_hash, "email": "pusat@example.id"}
    before = (_codes(api), _revoked(api, ids["ternyang"]))
    # Every POST route of the console (also ones added later: path parameters are filled
    # with a real kiosk's id) refuses a missing, empty or wrong token
    for path in routes:
        url = re.sub(r"\{[^}]+\}", ids["ternyang"], path)
        for token in (None, "", good[:-1] + ("A" if good[-1] != "A" else "B")):
            data = dict(fields) if token is None else {**fields, "csrf": token}
            answer = client.post(url, data=data, follow_redirects=False)
            assert answer.status_code == 403, (path, token)
    assert (_codes(api), _revoked(api, ids["ternyang"])) == before
    # And the session survived all that (logout without a token did not log out)
    assert client.get("/admin/devices").status_code == 200
