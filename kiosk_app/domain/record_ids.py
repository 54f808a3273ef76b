"""Client-generated UUIDv7 ids (RFC 9562): time-ordered, never remapped."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_lock = threading.Lock()
_last_ms = 0
_last_rand_a = 0


def uuid7() -> str:
    """Return a new UUIDv7 as lowercase text, monotonic within this process."""
    global _last_ms, _last_rand_a
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            # Same millisecond (or clock stepped back): bump the 12-bit counter so ids
            # made in one process still sort in creation order.
            ms = _last_ms
            rand_a = _last_rand_a + 1
            if rand_a > 0xFFF:
                ms += 1
                rand_a = int.from_bytes(os.urandom(2), "big") & 0x7FF
        else:
            rand_a = int.from_bytes(os.urandom(2), "big") & 0x7FF
        _last_ms, _last_rand_a = ms, rand_a
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def is_uuid(text: object) -> bool:
    """True when ``text`` is a canonical lowercase UUID string (any version)."""
    return isinstance(text, str) and _UUID_RE.match(text) is not None


def content_id(entity: str, row_id: str, hlc: str, op: str, fields: Mapping[str, Any]) -> str:
    """A mutation's id made from what it writes: a UUIDv7 whose time is the stamp's and
    whose other bits come from a hash of the mutation. Either side computes it from the
    mutation itself, so protocol 3 need not send it (64 random bits a mutation, as many as
    the record's own id). Each local write gets a stamp of its own from the kiosk's
    clock, so two writes never share one; the same write sent twice is the same
    mutation, applied once."""
    text = json.dumps([entity, row_id, hlc, op, fields], ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))  # fmt: skip
    bits = int.from_bytes(hashlib.sha256(text.encode()).digest()[:10], "big")
    wall = hlc[:13]
    ms = int(wall) if wall.isdigit() else 0
    rand_a, rand_b = bits >> 68 & 0xFFF, bits & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
