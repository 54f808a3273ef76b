"""The ``sync_log`` table and the last-sync settings: what each sync did, for people.

One row per sync (times, whether it went through, counts and bytes, the error); the
status screens and ``kiosk-app status`` read the last attempt, success and error.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk_app.domain.hlc import iso_utc
from kiosk_app.protocol.messages import Telemetry
from kiosk_app.store import outbox, replica
from kiosk_app.store.settings import Key
from kiosk_app.store.store import Store

MEDIAN_OF = 20  # recent syncs that went through
TRAFFIC_DAYS = 7
DAY_MS = 86_400_000
MAX_ERROR = 300


@dataclass(frozen=True)
class SyncRecord:
    started_at: str
    ok: bool
    sent: int
    received: int
    bytes_up: int
    bytes_down: int
    error: str | None


@dataclass(frozen=True)
class LastSync:
    attempt: str | None
    success: str | None
    error: str | None


def record_sync(store: Store, record: SyncRecord) -> None:
    """Log one sync and note its time (and, when it went through, its success)."""
    now = store.now()
    with store.transaction():
        store.db.execute(
            "INSERT INTO sync_log (started_at, finished_at, ok, sent, received, bytes_up, "
            "bytes_down, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [record.started_at, now, int(record.ok), record.sent, record.received,
             record.bytes_up, record.bytes_down, record.error],
        )  # fmt: skip
        store.settings.set(Key.LAST_ATTEMPT, now)
        if record.error is None:
            store.settings.set(Key.LAST_SUCCESS, now)
        store.settings.set(Key.LAST_ERROR, record.error)


def last_sync(store: Store) -> LastSync:
    get = store.settings.get
    return LastSync(get(Key.LAST_ATTEMPT), get(Key.LAST_SUCCESS), get(Key.LAST_ERROR))


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def telemetry(store: Store, batch: int) -> dict[str, Any]:
    """The telemetry block a sync request carries (``protocol.messages.Telemetry``):
    what waits once this request's ``batch`` mutations are sent, the last error, and the
    link as the sync log saw it (median duration of recent good syncs, bytes a day)."""
    db = store.db
    now = store.wall()
    durations = [
        _ms(end) - _ms(start)
        for start, end in db.execute(
            "SELECT started_at, finished_at FROM sync_log WHERE error IS NULL "
            "AND finished_at IS NOT NULL ORDER BY id DESC LIMIT ?",
            [MEDIAN_OF],
        ).fetchall()
    ]
    since = now - TRAFFIC_DAYS * DAY_MS
    first, total = db.execute(
        "SELECT min(started_at), sum(bytes_up + bytes_down) FROM sync_log WHERE started_at >= ?",
        [iso_utc(since)],
    ).fetchone()
    per_day = None
    if first is not None:
        days = min(max((now - _ms(first)) / DAY_MS, 1.0), float(TRAFFIC_DAYS))
        per_day = int((total or 0) / days)
    error = store.settings.get(Key.LAST_ERROR)
    report = Telemetry(
        sent_at=now,
        pending_changes=max(0, outbox.count(db) - batch),
        pending_photos=replica.pending_photos(store),
        last_error=error[:MAX_ERROR] if error else None,
        last_error_at=store.settings.get(Key.LAST_ATTEMPT) if error else None,
        sync_median_ms=int(statistics.median(durations)) if durations else None,
        bytes_per_day=per_day,
    )
    return {
        f: getattr(report, f) for f in report.__struct_fields__ if getattr(report, f) is not None
    }
