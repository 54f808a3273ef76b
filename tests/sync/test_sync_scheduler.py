"""The scheduler syncs after changes, on demand, retries failures on its own, and checks
in while idle to pull other kiosks' changes.

Its time is a ``ManualTimer`` the test moves: "three seconds later" is ``advance(3)``,
and ``parked()`` says when the scheduler means to sync next, so nothing here depends on
a sleep being long enough or a machine being fast.
"""

from __future__ import annotations

import random
import threading

from kiosk_app.store.owner import StoreThread
from kiosk_app.sync.device import load_device
from kiosk_app.sync.engine import SyncEngine, SyncResult
from kiosk_app.sync.scheduler import BACKOFF_MAX_S, BACKOFF_MIN_S, SyncScheduler, next_backoff
from tests.support import VILLAGE
from tests.support.clock import ManualTimer


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
    """A sync function whose outcome the test chooses, recording the timer's time."""

    def __init__(self, timer: ManualTimer, outcomes: list[bool]) -> None:
        self.timer = timer
        self.outcomes = outcomes
        self.calls: list[float] = []
        self._cond = threading.Condition()

    def __call__(self) -> SyncResult:
        ok = self.outcomes.pop(0) if self.outcomes else True
        with self._cond:
            self.calls.append(self.timer.monotonic())
            self._cond.notify_all()
        return SyncResult(ok=ok, error=None if ok else "OfflineError: link down")

    def wait_calls(self, n: int) -> list[float]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.calls) >= n, timeout=30), self.calls
            return list(self.calls)


def test_a_failure_is_retried_without_any_new_local_change():
    timer = ManualTimer()
    sync = Recorder(timer, [False, False, True])
    scheduler = SyncScheduler(sync, idle_pull_s=3600, rng=random.Random(5), timer=timer).start()
    expected = random.Random(5)  # the same jitter the scheduler draws
    try:
        assert sync.wait_calls(1) == [0.0]  # the start-up sync fails
        first = next_backoff(0.0, expected)
        assert timer.parked() == first  # retried after the backoff, with no change made
        timer.advance_to(first)
        sync.wait_calls(2)
        second = next_backoff(first, expected)
        assert timer.parked() == first + second  # and backing off further
        assert second > first * 1.2
        timer.advance_to(first + second)
        sync.wait_calls(3)  # this one succeeds
        assert timer.parked() == first + second + 3600  # so the next is the idle check-in
        assert scheduler.backoff == 0.0
    finally:
        scheduler.stop()
    assert sync.calls == [0.0, first, first + second]


def test_changes_are_settled_into_one_sync_and_sync_now_is_immediate():
    timer = ManualTimer()
    sync = Recorder(timer, [])
    scheduler = SyncScheduler(sync, idle_pull_s=3600, settle_s=3.0, timer=timer).start()
    try:
        sync.wait_calls(1)  # the start-up sync
        assert timer.parked() == 3600.0

        for _ in range(5):  # five edits over two seconds
            scheduler.changed()
            assert timer.parked() == 3.0  # due three seconds after the first
            timer.advance(0.5)
        assert len(sync.calls) == 1
        timer.advance_to(3.0)
        assert sync.wait_calls(2)[-1] == 3.0  # five edits, one sync
        assert timer.parked() == 3603.0

        timer.advance(10.0)
        scheduler.sync_now()
        assert sync.wait_calls(3)[-1] == 13.0  # at once: no time had to pass
        assert timer.parked() == 3613.0
    finally:
        scheduler.stop()
    assert len(sync.calls) == 3


def test_sync_now_cuts_a_backoff_short():
    timer = ManualTimer()
    sync = Recorder(timer, [False])
    scheduler = SyncScheduler(sync, idle_pull_s=3600, rng=random.Random(2), timer=timer).start()
    try:
        sync.wait_calls(1)
        assert timer.parked() >= BACKOFF_MIN_S * 0.8
        timer.advance(1.0)
        scheduler.sync_now()
        assert sync.wait_calls(2)[-1] == 1.0
    finally:
        scheduler.stop()


def test_an_idle_kiosk_checks_in_and_pulls_another_kiosks_changes(make_kiosk):
    # Given kiosk A synced and idle under its scheduler, and kiosk B in the same region
    a, b = make_kiosk("a"), make_kiosk("b")
    owner = StoreThread(a.data_dir / "kiosk.db")  # A's store thread, as in the app
    device = load_device(a.store)
    assert device is not None
    engine = SyncEngine(owner.call, device.client(), a.blobs)
    timer = ManualTimer()
    results: list[SyncResult] = []
    scheduler = SyncScheduler(engine.sync_once, results.append, idle_pull_s=600.0, timer=timer)
    scheduler.start()
    try:
        assert timer.parked() == 600.0  # the start-up sync found nothing more to do
        assert len(results) == 1 and results[0].ok
        assert b.sync().ok

        # When B registers a merchant, and no one touches A
        merchant = b.store.create("merchant", {
            "business_name": "Warung Bu Tini", "owner_name": "Tini", "phone": "081234567890",
            "village_code": VILLAGE})  # fmt: skip
        assert b.sync().ok
        assert timer.parked() == 600.0
        assert a.store.get("merchant", merchant) is None

        # Then ten minutes later A has checked in on its own and holds B's merchant
        timer.advance_to(600.0)
        assert timer.parked() == 1200.0
    finally:
        scheduler.stop()
        engine.client.close()
        owner.close()
    assert len(results) == 2 and results[1].ok and results[1].received == 1
    assert a.store.get("merchant", merchant)["business_name"] == "Warung Bu Tini"
