"""The telemetry block a kiosk sends with each sync, computed from its own store: what
waits after the batch, the last error, and the link as the sync log measured it."""

from __future__ import annotations

from kiosk_app.protocol.messages import decode_request
from kiosk_app.store import sync_log
from kiosk_app.store.store import Store
from tests.support.clock import SteppingWall

DAY_MS = 86_400_000


def _sync(store: Store, wall: SteppingWall, ms: int, up: int, down: int, error: str | None = None):
    started = store.now()
    wall.advance(ms)
    record = sync_log.SyncRecord(started, error is None, 0, 0, up, down, error)
    sync_log.record_sync(store, record)


def test_a_new_kiosk_reports_what_waits_and_no_link_figures(store: Store, merchant_fields):
    store.create("merchant", merchant_fields)
    store.create("merchant", {**merchant_fields, "business_name": "Keripik Bu Ani"})
    report = sync_log.telemetry(store, 0)
    assert report["pending_changes"] == 2 and report["pending_photos"] == 0
    assert sync_log.telemetry(store, 2)["pending_changes"] == 0  # both go in this batch
    assert "sync_median_ms" not in report and "bytes_per_day" not in report
    assert "last_error" not in report
    # It is what a sync request carries, and the server reads it back whole
    body = decode_request({"protocol": 2, "telemetry": report})
    read = body.report()
    assert read is not None and read.pending_changes == 2 and read.sent_at == report["sent_at"]


def test_link_figures_come_from_the_sync_log(store: Store, wall: SteppingWall):
    _sync(store, wall, 1_000, 1_000, 500)
    _sync(store, wall, 2_000, 1_000, 500)
    _sync(store, wall, 9_000, 1_000, 500)
    _sync(store, wall, 60_000, 200, 0, error="OfflineError: tidak tersambung")
    report = sync_log.telemetry(store, 0)
    # The median of the syncs that went through (the failed one is left out); a few
    # milliseconds more for the clock's own steps
    assert 2_000 <= report["sync_median_ms"] < 2_010
    # Less than a day of history counts as one day
    assert report["bytes_per_day"] == 3 * 1_500 + 200
    assert report["last_error"] == "OfflineError: tidak tersambung"
    assert report["last_error_at"] == sync_log.last_sync(store).attempt
    # Three days later, one more sync: the week's traffic over the days it covers
    wall.advance(3 * DAY_MS)
    _sync(store, wall, 1_000, 2_000, 1_000)
    later = sync_log.telemetry(store, 0)
    assert "last_error" not in later  # the last sync went through
    assert abs(later["bytes_per_day"] - (4_700 + 3_000) / 3) < 5
    # Ten days on, the first syncs fall out of the week
    wall.advance(10 * DAY_MS)
    _sync(store, wall, 1_000, 700, 0)
    assert sync_log.telemetry(store, 0)["bytes_per_day"] == 700


def test_a_long_error_is_cut_to_what_the_protocol_takes(store: Store, wall: SteppingWall):
    _sync(store, wall, 1_000, 0, 0, error="ServerError: " + "x" * 1_000)
    report = sync_log.telemetry(store, 0)
    assert len(report["last_error"]) == sync_log.MAX_ERROR
    assert decode_request({"protocol": 2, "telemetry": report}).report() is not None
