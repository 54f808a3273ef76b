"""Console accounts and sign-in: the ``kiosk-server admin`` commands, argon2 hashes, a
wrong password giving no session, cookie flags, login rate limits, the audit log."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from kiosk_server.admin.web import SESSION_COOKIE
from kiosk_server.app import create_app
from kiosk_server.config import Settings
from kiosk_server.db import admin_account, admin_session, audit_log
from tests.admin.console import PASSWORD, add_device, csrf_of, login
from tests.server.helpers import Api
from tests.support import ROOT, SAMPLE_REGIONS


def _cli(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk_server.cli", *args, "--data-dir", str(data_dir)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_admin_commands_add_list_and_disable_accounts(tmp_path: Path):
    data = tmp_path / "server"
    assert _cli(data, "regions", "import", str(SAMPLE_REGIONS)).returncode == 0
    # Given accounts added with their passwords on standard input
    added = _cli(data, "admin", "add", "Pusat@Example.id", "--role", "national",
                 stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    region = _cli(data, "admin", "add", "malang@example.id", "--role", "region",
                  "--region", "35.07", stdin=PASSWORD + "\n")  # fmt: skip
    assert region.returncode == 0, region.stderr
    # Bad requests are refused with a message and add nothing
    for args, stdin in [
        (("malang@example.id", "--role", "viewer"), PASSWORD),  # taken
        (("x@example.id", "--role", "region"), PASSWORD),  # no region
        (("y@example.id", "--role", "region", "--region", "99.99"), PASSWORD),  # unknown
        (("z@example.id", "--role", "viewer"), "pendek"),  # too short
        (("bukan-email", "--role", "viewer"), PASSWORD),
    ]:
        refused = _cli(data, "admin", "add", *args, stdin=stdin + "\n")
        assert refused.returncode == 1 and "error:" in refused.stderr, args
    listed = _cli(data, "admin", "list").stdout
    assert "pusat@example.id" in listed and "malang@example.id" in listed
    assert "35.07" in listed and listed.count("active") == 2
    # The password is stored as an argon2id hash, never as itself
    settings = Settings(data_dir=data)
    app = create_app(settings)
    with app.state.ctx.engine.connect() as conn:
        hashes = [r.password_hash for r in conn.execute(select(admin_account))]
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    # A signed-in account that is disabled loses its session at once
    client = TestClient(app)
    assert login(client, "malang@example.id").status_code == 303
    assert client.get("/admin/devices").status_code == 200
    assert _cli(data, "admin", "disable", "malang@example.id").returncode == 0
    assert client.get("/admin/devices", follow_redirects=False).status_code == 303
    assert login(client, "malang@example.id").status_code == 401
    assert "disabled" in _cli(data, "admin", "list").stdout
    assert _cli(data, "admin", "disable", "nobody@example.id").returncode == 1
    app.state.ctx.engine.dispose()


def test_a_wrong_password_gives_no_session(api: Api, accounts: dict[str, str]):
    client = api.client
    for email, password in [
        (accounts["national"], "salah-sekali-123"),
        ("tidak-ada@example.id", PASSWORD),
        (accounts["national"], ""),
    ]:
        answer = login(client, email, password)
        assert answer.status_code == 401
        assert SESSION_COOKIE not in answer.cookies
        assert "Email atau kata sandi salah" in answer.text
    assert SESSION_COOKIE not in client.cookies
    page = client.get("/admin/devices", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/admin/login")
    with api.engine.connect() as conn:
        assert conn.execute(select(admin_session)).first() is None
        failed = conn.execute(
            select(audit_log.c.email).where(audit_log.c.action == "login_failed")
        ).all()
    assert len(failed) == 3
    # A made-up session cookie opens nothing either
    client.cookies.set(SESSION_COOKIE, "dibuat-buat", path="/admin")
    assert client.get("/admin/devices", follow_redirects=False).status_code == 303


def test_session_cookie_is_httponly_samesite_and_secure_behind_tls(
    api: Api, accounts: dict[str, str], console_settings: Settings
):
    plain = login(api.client, accounts["national"])
    cookie = plain.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain http on loopback: a Secure cookie would not come back
    with TestClient(api.client.app, base_url="https://konsol.example.id") as tls:
        answer = login(tls, accounts["viewer"])
        assert answer.status_code == 303
        assert "Secure" in answer.headers["set-cookie"]
    behind_proxy = console_settings.model_copy(update={"admin_secure_cookies": True})
    app = create_app(behind_proxy, run_migrations=False)
    with TestClient(app) as client:
        assert "Secure" in login(client, accounts["viewer"]).headers["set-cookie"]
    app.state.ctx.engine.dispose()


def test_login_attempts_are_rate_limited_per_account_and_per_address(
    api: Api, accounts: dict[str, str]
):
    client = api.client
    email = accounts["region"]
    answers = [login(client, email, "salah-sekali-123").status_code for _ in range(5)]
    assert answers == [401] * 5
    # The sixth attempt within the minute is refused before the password is checked,
    # even when it is the right one
    limited = login(client, email, PASSWORD)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert SESSION_COOKIE not in limited.cookies
    # Another account from the same address still gets its tries, until the address's
    # own limit (10 a minute) is spent
    other = [login(client, accounts["viewer"], "salah-sekali-123").status_code for _ in range(4)]
    assert other == [401] * 4
    assert login(client, accounts["national"], PASSWORD).status_code == 429
    with api.engine.connect() as conn:
        limited_rows = conn.execute(
            select(audit_log).where(audit_log.c.action == "login_limited")
        ).all()
    assert len(limited_rows) == 2


def test_the_login_form_needs_its_own_csrf_token(api: Api, accounts: dict[str, str]):
    client = api.client
    page = client.get("/admin/login")
    token = csrf_of(page.text)
    # Without the token, or with a token not matching the browser's cookie: no session
    for data in (
        {"email": accounts["national"], "password": PASSWORD},
        {"email": accounts["national"], "password": PASSWORD, "csrf": token + "x"},
    ):
        answer = client.post("/admin/login", data=data, follow_redirects=False)
        assert answer.status_code == 403 and SESSION_COOKIE not in answer.cookies
    fresh = TestClient(api.client.app)  # a cross-site post: no login cookie at all
    answer = fresh.post(
        "/admin/login",
        data={"email": accounts["national"], "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert answer.status_code == 403 and SESSION_COOKIE not in answer.cookies


def test_logout_ends_the_session_and_every_step_is_audited(api: Api, accounts: dict[str, str]):
    client = api.client
    assert login(client, accounts["national"]).status_code == 303
    page = client.get("/admin/devices")
    stolen = client.cookies.get(SESSION_COOKIE)
    out = client.post("/admin/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    replay = TestClient(api.client.app)
    replay.cookies.set(SESSION_COOKIE, stolen or "", path="/admin")
    assert replay.get("/admin/devices", follow_redirects=False).status_code == 303
    with api.engine.connect() as conn:
        actions = [
            (r.action, r.email) for r in conn.execute(select(audit_log).order_by(audit_log.c.id))
        ]
    assert actions == [("login", accounts["national"]), ("logout", accounts["national"])]


def test_pages_speak_indonesian_first_and_english_on_request(api: Api, accounts: dict[str, str]):
    client = api.client
    add_device(api.engine, "Kios Ternyang", "35.07.12.2003")
    assert "Masuk ke konsol" in client.get("/admin/login").text
    switched = client.get("/admin/bahasa?lang=en&next=/admin/login", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/admin/login"
    assert "Sign in to the console" in client.get("/admin/login").text
    assert login(client, accounts["national"]).status_code == 303
    page = client.get("/admin/devices").text
    assert "Waiting to send" in page and "Menunggu dikirim" not in page
    # A link elsewhere is never followed after the switch
    away = client.get("/admin/bahasa?lang=id&next=https://contoh.example/", follow_redirects=False)
    assert away.headers["location"] == "/admin/devices"
    assert "Menunggu dikirim" in client.get("/admin/devices").text
