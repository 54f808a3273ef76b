"""The scheduler syncs after changes, on demand, and retries failures on its own."""

from __future__ import annotations

import random
import threading
import time

from kiosk_app.sync.engine import SyncResult
from kiosk_app.sync.scheduler import BACKOFF_MAX_S, BACKOFF_MIN_S, SyncScheduler, next_backoff


def test_backoff_doubles_from_5_s_to_5_min_with_jitter():
    rng = random.Random(1)
    waits = []
    wait = 0.0
    for _ in range(12):
        wait = next_backoff(wait, rng)
        waits.append(wait)

    assert BACKOFF_MIN_S * 0.8 <= waits[0] <= BACKOFF_MIN_S * 1.2
    assert all(w <= BACKOFF_MAX_S for w in waits)
    assert waits[-1] >= BACKOFF_MAX_S * 0.8
    assert len({round(w, 3) for w in waits}) > 5  # jittered, not in lock-step


class Recorder:
    """A sync function whose outcome the test chooses, recording when it ran."""

    def __init__(self, outcomes: list[bool]) -> None:
        self.outcomes = outcomes
        self.calls: list[float] = []
        self.done = threading.Event()

    def __call__(self) -> SyncResult:
        self.calls.append(time.monotonic())
        ok = self.outcomes.pop(0) if self.outcomes else True
        if not self.outcomes:
            self.done.set()
        return SyncResult(ok=ok, error=None if ok else "OfflineError: link down")


def test_a_failure_is_retried_without_any_new_local_change(monkeypatch):
    monkeypatch.setattr("kiosk_app.sync.scheduler.BACKOFF_MIN_S", 0.05)
    sync = Recorder([False, False, True])
    scheduler = SyncScheduler(sync, idle_pull_s=3600).start()

    assert sync.done.wait(5)
    scheduler.stop()

    assert len(sync.calls) == 3
    gaps = [b - a for a, b in zip(sync.calls, sync.calls[1:], strict=False)]
    assert gaps[1] > gaps[0] * 1.2  # backing off


def test_changes_are_settled_into_one_sync_and_sync_now_is_immediate():
    sync = Recorder([True] * 10)
    scheduler = SyncScheduler(sync, idle_pull_s=3600, settle_s=0.3).start()
    time.sleep(0.2)  # the start-up sync
    assert len(sync.calls) == 1

    for _ in range(5):
        scheduler.changed()
        time.sleep(0.02)
    time.sleep(0.6)
    assert len(sync.calls) == 2  # five edits, one sync

    before = time.monotonic()
    scheduler.sync_now()
    time.sleep(0.2)
    scheduler.stop()
    assert len(sync.calls) == 3 and sync.calls[-1] - before < 0.15
