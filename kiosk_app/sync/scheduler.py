"""When to sync: soon after local changes, on demand, and when the link comes back.

A background thread sleeps on an event. A local change wakes it after a short settle
delay (so ten quick edits make one sync); "sync now" wakes it at once. A failure is
retried on its own with exponential backoff and jitter, from 5 s up to 5 min, so a
failed upload never waits for the next local write; while nothing is pending the
scheduler still checks in now and then to pull other kiosks' changes.

Time comes from a ``Timer`` (``SYSTEM_TIMER`` by default: ``time.monotonic`` and the
event's own wait); tests pass one whose time they move themselves, so "three seconds
later" is a step of the test, not a sleep that has to be long enough.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Protocol

from kiosk_app.sync.engine import SyncResult

log = logging.getLogger(__name__)

BACKOFF_MIN_S = 5.0
BACKOFF_MAX_S = 300.0
SETTLE_S = 3.0
IDLE_PULL_S = 600.0


class Timer(Protocol):
    """Where the scheduler's time comes from."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """Until ``event`` is set or ``timeout`` seconds (of this timer) have passed."""
        ...


class SystemTimer:
    """The PC's monotonic clock; waits are real waits."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, event: threading.Event, timeout: float) -> bool:
        return event.wait(timeout)


SYSTEM_TIMER = SystemTimer()


def next_backoff(previous: float, rng: random.Random) -> float:
    """Double the wait (5 s .. 5 min) with ±20 % jitter so kiosks don't retry in step."""
    base = BACKOFF_MIN_S if previous <= 0 else min(previous * 2, BACKOFF_MAX_S)
    return min(BACKOFF_MAX_S, base * rng.uniform(0.8, 1.2))


class SyncScheduler:
    def __init__(
        self,
        sync_once: Callable[[], SyncResult],
        on_result: Callable[[SyncResult], None] | None = None,
        *,
        idle_pull_s: float = IDLE_PULL_S,
        settle_s: float = SETTLE_S,
        rng: random.Random | None = None,
        timer: Timer = SYSTEM_TIMER,
    ) -> None:
        self._sync_once = sync_once
        self._on_result = on_result or (lambda result: None)
        self._idle_pull_s = idle_pull_s
        self._settle_s = settle_s
        self._rng = rng or random.Random()
        self._timer = timer
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._due = timer.monotonic()  # sync once at start
        self._lock = threading.Lock()
        self.backoff = 0.0
        self._thread = threading.Thread(target=self._loop, name="kiosk-sync", daemon=True)

    def start(self) -> SyncScheduler:
        self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def changed(self) -> None:
        """A local change was saved: sync shortly (unless backing off from a failure)."""
        self._schedule(self._settle_s, only_sooner=True)

    def sync_now(self) -> None:
        """The operator asked: sync at once, even while backing off."""
        self._schedule(0.0, only_sooner=True)

    def _schedule(self, delay: float, only_sooner: bool) -> None:
        with self._lock:
            due = self._timer.monotonic() + delay
            if not only_sooner or due < self._due:
                self._due = due
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                wait = self._due - self._timer.monotonic()
            if wait > 0:
                self._timer.wait(self._wake, wait)
                self._wake.clear()
                continue
            try:
                result = self._sync_once()
            except Exception as exc:  # a bug: log it loudly, keep the kiosk syncing
                log.exception("sync crashed")
                result = SyncResult(error=f"{type(exc).__name__}: {exc}")
            self._on_result(result)
            with self._lock:
                if result.error is not None or not result.ok:
                    self.backoff = next_backoff(self.backoff, self._rng)
                    self._due = self._timer.monotonic() + self.backoff
                    log.info("sync incomplete (%s); retry in %.0f s", result.error, self.backoff)
                else:
                    self.backoff = 0.0
                    # The region's interval, pushed by the server, when it set one.
                    idle = result.next_sync_s or self._idle_pull_s
                    self._due = self._timer.monotonic() + idle
