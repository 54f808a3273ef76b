"""Field-level merge rules shared by every replica (kiosk store and central server).

A row's state is its field values and, per field, the clock stamp of the write that set
it. A change to a field applies when its stamp is greater than the field's current
stamp (latest wins, ties broken by node id inside the stamp). The replaced or refused
value is returned as a loser so the operator can see it and restore it. Stock moves are
additive deltas and are applied exactly once by their mutation id, elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Loser:
    field: str
    value: Any
    stamp: str
    winner_value: Any
    winner_stamp: str


@dataclass(frozen=True)
class MergeResult:
    apply: dict[str, Any]  # field -> new value to write
    stamps: dict[str, str]  # field -> new stamp to write
    losers: list[Loser]


def merge_fields(
    current: Mapping[str, Any],
    current_stamps: Mapping[str, str],
    incoming: Mapping[str, Any],
    stamp: str,
) -> MergeResult:
    """Merge ``incoming`` fields written at ``stamp`` into a row.

    Only a real disagreement (two different values) yields a loser; an older write of
    the same value, or a first write of a field, does not.
    """
    apply: dict[str, Any] = {}
    stamps: dict[str, str] = {}
    losers: list[Loser] = []
    for field, value in incoming.items():
        have = current_stamps.get(field)
        if have is None or stamp > have:
            apply[field] = value
            stamps[field] = stamp
            if have is not None and current.get(field) != value:
                losers.append(Loser(field, current.get(field), have, value, stamp))
        elif stamp < have and current.get(field) != value:
            losers.append(Loser(field, value, stamp, current.get(field), have))
        # stamp == have: the same write seen again; nothing to do.
    return MergeResult(apply, stamps, losers)
