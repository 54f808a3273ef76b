"""A real kiosk reports itself with its syncs: the server's device row holds what waits,
the link as the kiosk measured it, and the kiosk's clock skew, against a real server
process on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from kiosk_server.db import device
from tests.support.clock import SteppingWall
from tests.support.live import LiveServer


def _row(server: LiveServer, device_id: str) -> dict[str, Any]:
    with server.engine.connect() as conn:
        return dict(conn.execute(select(device).where(device.c.id == device_id)).one()._mapping)


def test_the_server_keeps_what_the_kiosk_reports(
    server: LiveServer, make_kiosk: Callable[..., Any], wall: SteppingWall, merchant_fields
):
    # Given a kiosk whose clock runs two hours ahead of the server's, with its region
    # list (its first sync) and then a merchant saved and not yet sent
    wall.advance(2 * 3600 * 1000)
    kiosk = make_kiosk("ternyang")
    assert kiosk.sync().ok
    kiosk.store.create("merchant", merchant_fields)
    device_id = kiosk.store.get_setting("server.device_id")
    assert device_id
    with server.engine.begin() as conn:  # the report of the first sync is not what we read
        conn.execute(device.update().where(device.c.id == device_id).values(telemetry_at=None))
    # When it syncs, sending the merchant
    assert kiosk.sync().ok
    first = _row(server, device_id)
    # Then the server knows nothing waits after that batch, and the kiosk's clock skew
    assert first["telemetry_at"] is not None
    assert (first["pending_changes"], first["pending_photos"]) == (0, 0)
    assert 7100 <= first["clock_skew_s"] <= 7300
    assert first["last_error"] is None
    # The next sync reports the link as the kiosk's sync log measured it (the write is
    # kept to once a minute when nothing else changed: move the server's view on)
    with server.engine.begin() as conn:
        conn.execute(device.update().where(device.c.id == device_id).values(telemetry_at=None))
    assert kiosk.sync().ok
    second = _row(server, device_id)
    assert second["sync_median_ms"] is not None and second["sync_median_ms"] >= 0
    assert second["bytes_per_day"] is not None and second["bytes_per_day"] > 0
