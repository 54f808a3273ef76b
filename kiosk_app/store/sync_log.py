"""The ``sync_log`` table and the last-sync settings: what each sync did, for people.

One row per sync (times, whether it went through, counts and bytes, the error); the
status screens and ``kiosk-app status`` read the last attempt, success and error.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk_app.store.settings import Key
from kiosk_app.store.store import Store


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
