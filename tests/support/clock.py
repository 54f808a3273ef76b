"""Time the tests control: a wall clock that steps, and a scheduler timer they move.

``SteppingWall`` starts at the real time (servers refuse stamps a day ahead) and every
read is one millisecond later than the read before, on every store sharing it: two
stamps taken one after the other are in that order, however fast the machine is, and
kiosks sharing one wall clock stamp their edits in the order the test makes them.

``ManualTimer`` is a ``kiosk_app.sync.scheduler.Timer`` whose time moves only when the
test calls ``advance``; ``parked()`` waits until the scheduler thread waits for its next
due time and returns that time, so a test asserts when the next sync is due instead of
sleeping and counting.
"""

from __future__ import annotations

import threading
import time


class SteppingWall:
    """Milliseconds since the epoch, strictly increasing by one per read."""

    def __init__(self, start_ms: int | None = None) -> None:
        self._ms = time.time_ns() // 1_000_000 if start_ms is None else start_ms
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self._ms += 1
            return self._ms

    def peek(self) -> int:
        """The last value read (no step)."""
        with self._lock:
            return self._ms

    def advance(self, ms: int) -> None:
        with self._lock:
            self._ms += ms


class FrozenWall:
    """A wall clock that never moves (to show what equal milliseconds do)."""

    def __init__(self, ms: int | None = None) -> None:
        self.ms = time.time_ns() // 1_000_000 if ms is None else ms

    def __call__(self) -> int:
        return self.ms


class ManualTimer:
    """The scheduler's clock and waits, moved by the test."""

    POLL_S = 0.005  # how often a parked waiter looks at its event (set by other threads)

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._cond = threading.Condition()
        self._deadline: float | None = None  # of the thread parked in wait(), if any
        self._event: threading.Event | None = None

    def monotonic(self) -> float:
        with self._cond:
            return self._now

    def wait(self, event: threading.Event, timeout: float) -> bool:
        with self._cond:
            deadline = self._now + timeout
            self._deadline, self._event = deadline, event
            self._cond.notify_all()
            try:
                while not event.is_set() and self._now < deadline:
                    self._cond.wait(self.POLL_S)
            finally:
                self._deadline = self._event = None
                self._cond.notify_all()
            return event.is_set()

    def advance(self, seconds: float) -> None:
        with self._cond:
            self._now += seconds
            self._cond.notify_all()

    def advance_to(self, moment: float) -> None:
        with self._cond:
            self._now = max(self._now, moment)
            self._cond.notify_all()

    def parked(self, timeout: float = 30.0) -> float:
        """Wait until a thread waits in ``wait`` with nothing waking it; its deadline.

        ``timeout`` (real seconds) only keeps a broken scheduler from hanging the run."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                event, deadline = self._event, self._deadline
                waiting = deadline is not None and deadline > self._now
                if waiting and event is not None and not event.is_set():
                    assert deadline is not None
                    return deadline
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("the scheduler never went back to waiting")
                self._cond.wait(min(left, self.POLL_S))
