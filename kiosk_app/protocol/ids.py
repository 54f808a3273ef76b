"""Mutation ids made from the mutation itself, so protocol 3 need not send them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import msgspec

_CANONICAL = msgspec.json.Encoder(order="sorted")


def content_id(entity: str, row_id: str, hlc: str, op: str, fields: Mapping[str, Any]) -> str:
    """A mutation's id made from what it writes: a UUIDv7 whose time is the stamp's and
    whose other bits come from a hash of the mutation. Either side computes it from the
    mutation itself, so protocol 3 leaves it out (64 random bits a mutation, as many as
    the record's own id). Each local write gets a stamp of its own from the kiosk's
    clock, so two writes never share one; the same write sent twice is the same
    mutation, applied once. ``ValueError`` for values JSON cannot hold (a lone
    surrogate): such a mutation keeps a random id."""
    try:
        text = _CANONICAL.encode((entity, row_id, hlc, op, fields))
    except (msgspec.EncodeError, TypeError, UnicodeEncodeError) as exc:
        raise ValueError(f"no content id: {exc}") from exc
    bits = int.from_bytes(hashlib.sha256(text).digest()[:10], "big")
    wall = hlc[:13] if isinstance(hlc, str) else ""
    ms = int(wall) if wall.isdigit() else 0
    rand_a, rand_b = bits >> 68 & 0xFFF, bits & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
