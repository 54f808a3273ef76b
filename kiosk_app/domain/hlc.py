"""Hybrid logical clocks: one stamp per field change, totally ordered on every replica.

A stamp is text ``"<wall ms, 13 digits>-<counter, 4 hex>-<node>"`` so that plain string
comparison (in Python and in SQL) orders stamps by time, then counter, then node id:
concurrent edits of one field resolve the same way everywhere (latest wins, ties by node).

The wall clock is injected (``WallClock``: milliseconds since the epoch): a store passes
the PC's clock, tests pass one they control so that stamps order as the test says.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

WallClock = Callable[[], int]  # milliseconds since the Unix epoch


def system_wall_ms() -> int:
    """The PC's clock in milliseconds: the default time source of every clock."""
    return time.time_ns() // 1_000_000


def iso_utc(wall_ms: int) -> str:
    """A wall time as ISO 8601 text in UTC, to the millisecond (how rows record times)."""
    return datetime.fromtimestamp(wall_ms / 1000, UTC).isoformat(timespec="milliseconds")


_STAMP_RE = re.compile(r"^(\d{13})-([0-9a-f]{4})-([0-9A-Za-z._:-]{1,64})$")
MAX_COUNTER = 0xFFFF
# A remote stamp more than this far ahead of our wall clock is refused: one kiosk with
# its clock set to 2099 must not win every future edit.
MAX_DRIFT_MS = 24 * 3600 * 1000


class ClockError(ValueError):
    """A stamp is malformed or too far in the future."""


@dataclass(frozen=True, order=True)
class Stamp:
    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:04x}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        m = _STAMP_RE.match(text) if isinstance(text, str) else None
        if m is None:
            raise ClockError(f"malformed clock stamp: {text!r}")
        return cls(int(m.group(1)), int(m.group(2), 16), m.group(3))


def is_stamp(text: object) -> bool:
    return isinstance(text, str) and _STAMP_RE.match(text) is not None


class HybridClock:
    """A node's clock. ``now()`` for local events, ``observe()`` for remote stamps.

    Not thread-safe by itself: the store calls it only from its owner thread.
    """

    def __init__(
        self,
        node: str,
        last: str | None = None,
        wall: WallClock = system_wall_ms,
    ) -> None:
        if not _STAMP_RE.match(f"0000000000000-0000-{node}"):
            raise ClockError(f"invalid clock node id: {node!r}")
        self.node = node
        self._wall = wall
        self._ms = 0
        self._counter = 0
        if last:
            s = Stamp.parse(last)
            self._ms, self._counter = s.wall_ms, s.counter

    @property
    def last(self) -> str:
        return str(Stamp(self._ms, self._counter, self.node))

    def now(self) -> str:
        """A new stamp later than every stamp this clock has issued or observed."""
        wall = self._wall()
        if wall > self._ms:
            self._ms, self._counter = wall, 0
        else:
            self._bump()
        return self.last

    def observe(self, remote: str) -> None:
        """Advance past a stamp received from another node."""
        s = Stamp.parse(remote)
        if s.wall_ms > self._wall() + MAX_DRIFT_MS:
            raise ClockError(f"clock stamp too far in the future: {remote}")
        if (s.wall_ms, s.counter) > (self._ms, self._counter):
            self._ms, self._counter = s.wall_ms, s.counter

    def _bump(self) -> None:
        if self._counter >= MAX_COUNTER:
            self._ms += 1
            self._counter = 0
        else:
            self._counter += 1
