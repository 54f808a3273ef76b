"""Measuring how long the GUI thread's event loop goes without turning (a "stall").

A ``StallProbe`` runs a QTimer every ``interval_ms``; when the event loop is free, each
tick arrives about on time, and whatever it was late by is time the loop spent busy
elsewhere. The longest lateness is the longest stall an operator could have felt.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer


@dataclass(frozen=True)
class StallReport:
    ticks: int
    seconds: float  # how long the probe ran
    longest_ms: float  # the longest stall (gap between ticks minus the interval)
    p99_ms: float
    over_50ms: int
    over_100ms: int
    worst: list[tuple[float, float]]  # (seconds after start, stall ms) of stalls over 50 ms


class StallProbe(QObject):
    def __init__(self, interval_ms: int = 10, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self._started = 0.0
        self.stalls_ms: list[float] = []
        self.worst: list[tuple[float, float]] = []

    def start(self) -> None:
        self.stalls_ms = []
        self.worst = []
        self._started = self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> StallReport:
        self._timer.stop()
        self._tick()
        return self.report()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap_ms = (now - self._last) * 1000.0
        self._last = now
        stall = max(0.0, gap_ms - self.interval_ms)
        self.stalls_ms.append(stall)
        if stall > 50:
            self.worst.append((round(now - self._started, 2), round(stall, 1)))

    def report(self) -> StallReport:
        stalls = sorted(self.stalls_ms) or [0.0]
        return StallReport(
            ticks=len(self.stalls_ms),
            seconds=self._last - self._started,
            longest_ms=stalls[-1],
            p99_ms=stalls[min(len(stalls) - 1, int(len(stalls) * 0.99))],
            over_50ms=sum(1 for s in stalls if s > 50),
            over_100ms=sum(1 for s in stalls if s > 100),
            worst=list(self.worst),
        )
