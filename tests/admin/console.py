"""Test support for the program console: signed-in HTTP clients, forms and their CSRF
tokens, and kiosks written straight into the server's device table (a fleet of any size
without enrolling each one)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from kiosk_app.domain.record_ids import uuid7
from kiosk_server.admin.accounts import add_account
from kiosk_server.db import device
from kiosk_server.devices import sha256_hex, version_key

PASSWORD = "kata-sandi-uji-123"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    """Sign ``client`` in through the login form (its CSRF token and cookie included)."""
    page = client.get("/admin/login")
    return client.post(
        "/admin/login",
        data={"csrf": csrf_of(page.text), "email": email, "password": password},
        follow_redirects=False,
    )


def make_accounts(engine: Engine) -> dict[str, str]:
    """One account per role: national, a region coordinator and a viewer of Kab. Malang
    (35.07), and a national viewer. Returns role name -> email."""
    made = {
        "national": ("pusat@example.id", "national", None),
        "region": ("malang@example.id", "region", "35.07"),
        "region_viewer": ("lihat-malang@example.id", "viewer", "35.07"),
        "viewer": ("lihat@example.id", "viewer", None),
        "manggarai": ("manggarai@example.id", "region", "53.10"),
    }
    for email, role, code in made.values():
        add_account(engine, email, PASSWORD, role, code)
    return {k: v[0] for k, v in made.items()}


def add_device(
    engine: Engine,
    name: str,
    region: str,
    *,
    last_seen: datetime = NOW,
    version: str | None = "0.2.0",
    error: str | None = None,
    pending: int | None = 0,
    revoked: bool = False,
) -> str:
    device_id = uuid7()
    with engine.begin() as conn:
        conn.execute(
            insert(device).values(**device_row(device_id, name, region, last_seen, version,
                                               error, pending, revoked))
        )  # fmt: skip
    return device_id


def device_row(
    device_id: str,
    name: str,
    region: str,
    last_seen: datetime = NOW,
    version: str | None = "0.2.0",
    error: str | None = None,
    pending: int | None = 0,
    revoked: bool = False,
) -> dict[str, Any]:
    seen = last_seen.isoformat(timespec="milliseconds")
    return {
        "id": device_id,
        "name": name,
        "region": region,
        "token_hash": sha256_hex(device_id),
        "app_version": version,
        "app_version_key": version_key(version),
        "created_at": (last_seen - timedelta(days=30)).isoformat(timespec="milliseconds"),
        "last_seen": seen,
        "revoked_at": seen if revoked else None,
        "telemetry_at": seen if pending is not None else None,
        "pending_changes": pending,
        "pending_photos": 0 if pending is not None else None,
        "last_error": error,
        "last_error_at": seen if error else None,
        "clock_skew_s": 3,
        "sync_median_ms": 2400,
        "bytes_per_day": 180_000,
    }


def names_on(html: str) -> list[str]:
    """The kiosk names the fleet page lists, in order."""
    return re.findall(r'<tr data-device="[^"]+">\s*<td><strong>([^<]+)</strong>', html)
