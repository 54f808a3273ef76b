"""Token buckets for enrollment attempts: per client address and overall, in process.

A bucket holds up to ``burst`` tokens and gains ``per_minute / 60`` a second; each
attempt takes one, and an empty bucket answers how long until the next token. The
buckets live in the server process: with ``--workers N`` a client may try N times as
often (docs/security.md). Addresses are forgotten once their bucket is full again, so
the table stays as small as the set of recent callers (and is capped).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]
MAX_ADDRESSES = 100_000


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBucket:
    """One bucket; ``take()`` returns 0 when allowed, else the seconds to wait."""

    def __init__(self, per_minute: float, burst: float, clock: Clock = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._bucket = _Bucket(burst, clock())
        self._lock = threading.Lock()

    def take(self) -> float:
        with self._lock:
            return _take(self._bucket, self.rate, self.burst, self.clock())


def _take(bucket: _Bucket, rate: float, burst: float, now: float) -> float:
    bucket.tokens = min(burst, bucket.tokens + max(0.0, now - bucket.at) * rate)
    bucket.at = now
    if bucket.tokens >= 1.0:
        bucket.tokens -= 1.0
        return 0.0
    return (1.0 - bucket.tokens) / rate if rate > 0 else math.inf


class KeyedBuckets:
    """A bucket per key (a client address), made full on first sight."""

    def __init__(self, per_minute: float, burst: float, clock: Clock = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= MAX_ADDRESSES:
                    self._forget_full(now)
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            return _take(bucket, self.rate, self.burst, now)

    def _forget_full(self, now: float) -> None:
        full = [
            k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_ADDRESSES:  # all busy: forget the oldest half
            for key in sorted(self._buckets, key=lambda k: self._buckets[k].at)[
                : MAX_ADDRESSES // 2
            ]:
                del self._buckets[key]


@dataclass
class EnrollLimits:
    """The two limits an enrollment attempt must pass."""

    per_address: KeyedBuckets
    overall: TokenBucket

    @classmethod
    def make(
        cls, per_address_per_minute: float, per_minute: float, clock: Clock = time.monotonic
    ) -> EnrollLimits:
        return cls(
            KeyedBuckets(per_address_per_minute, per_address_per_minute, clock),
            TokenBucket(per_minute, per_minute, clock),
        )

    def wait(self, address: str) -> float:
        """0 when an attempt from ``address`` may go ahead now, else seconds to wait."""
        mine = self.per_address.take(address)
        if mine:
            return mine
        return self.overall.take()
