"""Conflicts the operator settles: which value of a field, mine or the server's, stays.

A conflict row (written by ``replica`` when the server reports a concurrent edit) holds
the value that won (``kept``) and the one that lost. Either may be this kiosk's: the
clock stamp's node says which. Settling it writes the chosen value again when it is not
the one the record holds now — with a fresh clock stamp and an outbox entry, so it wins
everywhere on the next sync — and marks the row resolved, all in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kiosk_app.domain import validation
from kiosk_app.domain.hlc import ClockError, Stamp
from kiosk_app.domain.records import ENTITIES
from kiosk_app.store.store import NotFoundError, Store

MINE = "mine"
THEIRS = "theirs"


class ConflictGoneError(LookupError):
    """The conflict was settled already, or never existed."""


@dataclass(frozen=True)
class Conflict:
    """One open conflict as the operator sees it."""

    id: str
    entity: str
    row_id: str
    field: str
    mine: Any  # this kiosk's value
    theirs: Any  # the value from another kiosk, through the server
    mine_won: bool  # the record holds my value now
    record: str  # what the record is called (business or product name)
    merchant: str | None  # the merchant it belongs to (for products and photos)
    created_at: str


def _is_mine(stamp: str, node: str) -> bool:
    try:
        return Stamp.parse(stamp).node == node
    except ClockError:
        return False


def _describe(store: Store, entity: str, row_id: str) -> tuple[str, str | None]:
    """(the record's name, its merchant's name) for a conflict line."""
    if entity == "merchant":
        row = store.db.execute("SELECT business_name FROM merchant WHERE id = ?", [row_id])
        found = row.fetchone()
        return (str(found[0]) if found else row_id), None
    if entity == "photo":
        found = store.db.execute("SELECT product_id FROM photo WHERE id = ?", [row_id]).fetchone()
        if found is None:
            return row_id, None
        row_id = str(found[0])
    found = store.db.execute(
        "SELECT p.name, m.business_name FROM product p LEFT JOIN merchant m "
        "ON m.id = p.merchant_id WHERE p.id = ?",
        [row_id],
    ).fetchone()
    if found is None:
        return row_id, None
    return str(found[0]), (str(found[1]) if found[1] is not None else None)


def _view(store: Store, row: dict[str, Any]) -> Conflict:
    kept, lost = json.loads(row["kept_value"]), json.loads(row["lost_value"])
    # When neither side is ours (not written by this kiosk's replica code), the value
    # that lost is the one to offer back.
    mine_won = _is_mine(row["kept_hlc"], store.node_id) and not _is_mine(
        row["lost_hlc"], store.node_id
    )
    record, merchant = _describe(store, row["entity"], row["row_id"])
    return Conflict(
        id=row["id"],
        entity=row["entity"],
        row_id=row["row_id"],
        field=row["field"],
        mine=kept if mine_won else lost,
        theirs=lost if mine_won else kept,
        mine_won=mine_won,
        record=record,
        merchant=merchant,
        created_at=row["created_at"],
    )


def open_conflicts(store: Store, limit: int = 200) -> list[Conflict]:
    """Unsettled conflicts, oldest first."""
    rows = store.db.query(
        "SELECT * FROM conflict WHERE resolved_at IS NULL ORDER BY created_at, id LIMIT ?",
        [limit],
    )
    return [_view(store, row) for row in rows]


def resolve(store: Store, conflict_id: str, keep: str) -> bool:
    """Settle a conflict by keeping ``MINE`` or ``THEIRS``.

    Returns True when a value was written again (it will be sent on the next sync),
    False when the record already held the chosen value.
    """
    if keep not in (MINE, THEIRS):
        raise ValueError(f"keep must be {MINE!r} or {THEIRS!r}, not {keep!r}")
    rows = list(
        store.db.query("SELECT * FROM conflict WHERE id = ? AND resolved_at IS NULL", [conflict_id])
    )
    if not rows:
        raise ConflictGoneError(conflict_id)
    conflict = _view(store, rows[0])
    chosen = conflict.mine if keep == MINE else conflict.theirs
    spec = ENTITIES[conflict.entity]
    current = store.get(conflict.entity, conflict.row_id)
    if current is None:
        raise NotFoundError(conflict.entity, conflict.row_id)
    written = bool(current.get(conflict.field) != chosen)
    with store.change() as now:
        if written:
            if conflict.field == "deleted":
                if chosen:
                    store.delete(conflict.entity, conflict.row_id)
                else:
                    # Bring the record back: "deleted" is a field like the others.
                    store._write_fields(spec, conflict.row_id, {"deleted": 0}, now)
            else:
                clean = validation.validate_fields(
                    conflict.entity, {conflict.field: chosen}, partial=True
                )
                store._write_fields(spec, conflict.row_id, clean, now)
        store.db.execute(
            "UPDATE conflict SET resolved_at = ?, resolution = ? WHERE id = ?",
            [now, keep, conflict_id],
        )
    return written
