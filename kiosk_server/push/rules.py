"""The rules of a push, on its working copy (``cache``): scope, validation, merge.

A mutation is checked against the device's region, validated with the domain rules, and
merged field by field with the rule every kiosk uses (``merge_fields``); stock moves add
up. Every check that can reject a mutation runs before its first write (``Batch.write``
enforces that), so a rejected mutation leaves nothing behind and needs no savepoint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.hlc import MAX_DRIFT_MS, Stamp
from kiosk_app.domain.i18n import N_, one_line
from kiosk_app.domain.merge import merge_fields
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD, field_label, withheld_fields
from kiosk_app.domain.regions import in_scope
from kiosk_app.domain.validation import validate_fields
from kiosk_app.protocol.messages import (
    REJECT_ERASED,
    REJECT_INVALID,
    REJECT_OUT_OF_SCOPE,
    REJECT_UNKNOWN_PARENT,
    Mutation,
)
from kiosk_server.push.cache import Batch, DeviceScope

# Outcomes that depend on what else the server holds are not remembered: a product sent
# before its merchant is refused now but may apply when sent again later.
TRANSIENT_REJECTIONS = frozenset({REJECT_UNKNOWN_PARENT})


class Rejection(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _out_of_scope(scope: DeviceScope) -> Rejection:
    return Rejection(
        REJECT_OUT_OF_SCOPE,
        one_line("Outside this device's region {region}.", region=scope.region),
    )


_PARENT_MISSING = {
    "merchant": N_("This record's merchant is not on the server yet; send the merchant first."),
    "product": N_("This photo's product is not on the server yet; send the product first."),
    "stock": N_("This product is not on the server yet; send the product first."),
}


def _unknown_parent(entity: str, row_id: object) -> Rejection:
    """The parent named in words, never by its entity name or id (the kiosk shows the
    refusal beside the record it concerns)."""
    return Rejection(REJECT_UNKNOWN_PARENT, one_line(_PARENT_MISSING[entity]))


def _erased() -> Rejection:
    return Rejection(
        REJECT_ERASED,
        one_line("This merchant's data was erased at the owner's request; it cannot come back."),
    )


def _scope_of(
    b: Batch, entity: str, fields: Mapping[str, Any], current: Mapping[str, Any] | None
) -> str:
    """The region a record belongs to: a merchant's village, else its parent's region."""
    if entity == "merchant":
        code = fields.get("village_code") or (current or {}).get("village_code")
        if not code:
            raise Rejection(
                REJECT_INVALID,
                one_line("{label} is required.", label=field_label("merchant", "village_code")),
            )
        return str(code)
    spec = ENTITIES[entity]
    assert spec.parent is not None
    key, parent_entity = spec.parent
    parent_id = fields.get(key) if key in fields else (current or {}).get(key)
    if not parent_id:
        raise _unknown_parent(parent_entity, parent_id)
    # Read-locked on PostgreSQL: its region cannot move under us.
    parent = b.rows.get(parent_entity, str(parent_id), share=True)
    if parent is None:
        raise _unknown_parent(parent_entity, parent_id)
    if parent.get("erased_at") is not None:
        raise _erased()
    return str(parent["scope_code"])


def _rescope_children(b: Batch, entity: str, row_id: str, code: str) -> None:
    """A merchant moved village, or a product moved merchant: its descendants follow
    (rare, so done in the database; see ``RowCache.rescope``)."""
    children = {"merchant": ("product", "merchant_id"), "product": ("photo", "product_id")}
    if entity not in children:
        return
    child, key = children[entity]
    ids = b.rows.children(child, key, row_id)
    if not ids:
        return
    b.begin_write()
    b.rows.rescope(child, ids, code)
    b.touched.update((child, i) for i in ids)
    for child_id in ids:
        _rescope_children(b, child, child_id, code)


def _apply_stock(b: Batch, m: Mutation) -> None:
    current = b.rows.get("product", m.row_id)
    if current is None:
        raise _unknown_parent("stock", m.row_id)
    if not in_scope(current["scope_code"], b.scope.region):
        raise _out_of_scope(b.scope)
    nodes = set(json.loads(current["stock_nodes"]))
    nodes.add(Stamp.parse(m.hlc).node)
    b.begin_write()
    b.rows.update(
        "product",
        m.row_id,
        {
            "stock": int(current["stock"]) + int(m.fields[STOCK_FIELD]),
            "stock_nodes": json.dumps(sorted(nodes)),
            "updated_at": b.now,
            "seq": None,
        },
    )
    b.touched.add(("product", m.row_id))


def _record_losers(b: Batch, m: Mutation, losers: list[Any]) -> None:
    for loser in losers:
        entry = {
            "entity": m.entity,
            "row_id": m.row_id,
            "field": loser.field,
            "lost_value": loser.value,
            "lost_hlc": loser.stamp,
            "won_value": loser.winner_value,
            "won_hlc": loser.winner_stamp,
        }
        if loser.field not in withheld_fields(m.entity):
            # A withheld field's other value must not reach this kiosk (docs/privacy.md):
            # the conflict is kept on the server only, and the pull sends its stamp.
            b.result.conflicts.append(entry)
        b.begin_write()
        b.conflicts.append(
            {
                **entry,
                "lost_value": json.dumps(loser.value, ensure_ascii=False),
                "won_value": json.dumps(loser.winner_value, ensure_ascii=False),
                "device_id": b.scope.device_id,
                "created_at": b.now,
            }
        )


def _note_photo_blobs(b: Batch, m: Mutation, row: Mapping[str, Any]) -> None:
    if m.entity == "photo":
        b.result.photo_blobs.update(
            str(row[k]) for k in ("sha256", "thumb_sha256") if row.get(k) is not None
        )


def apply_mutation(b: Batch, m: Mutation) -> None:
    """Apply one mutation not seen before to the working copy, or raise Rejection."""
    if Stamp.parse(m.hlc).wall_ms > b.server_ms + MAX_DRIFT_MS:
        raise Rejection(
            REJECT_INVALID,
            one_line("Clock stamp too far in the future: check the PC's date and time."),
        )
    if m.op == "stock":
        _apply_stock(b, m)
        return
    current = b.rows.get(m.entity, m.row_id)
    if current is not None and current.get("erased_at") is not None:
        raise _erased()
    try:
        values = validate_fields(m.entity, m.fields, partial=current is not None)
    except ValidationError as exc:
        raise Rejection(REJECT_INVALID, f"{exc.message('id')} ({exc.message('en')})") from exc
    if current is not None and not in_scope(current["scope_code"], b.scope.region):
        raise _out_of_scope(b.scope)
    scope_code = _scope_of(b, m.entity, values, current)
    if not in_scope(scope_code, b.scope.region):
        raise _out_of_scope(b.scope)
    if current is None:
        row = {
            "id": m.row_id,
            **values,
            "clocks": json.dumps(dict.fromkeys(values, m.hlc)),
            "scope_code": scope_code,
            "created_at": b.now,
            "updated_at": b.now,
            "seq": None,
        }
        b.begin_write()
        b.rows.insert(m.entity, row)
        b.touched.add((m.entity, m.row_id))
        _note_photo_blobs(b, m, row)
        return
    clocks: dict[str, str] = json.loads(current["clocks"])
    merged = merge_fields(current, clocks, values, m.hlc)
    _record_losers(b, m, merged.losers)
    _note_photo_blobs(b, m, {**current, **merged.apply})
    if not merged.apply and not merged.losers:
        return  # an older write of values the row already holds
    clocks.update(merged.stamps)
    changes: dict[str, Any] = dict(merged.apply)
    spec = ENTITIES[m.entity]
    moved = (m.entity == "merchant" and "village_code" in merged.apply) or (
        spec.parent is not None and spec.parent[0] in merged.apply
    )
    b.begin_write()
    if moved and scope_code != current["scope_code"]:
        changes["scope_code"] = scope_code
        _rescope_children(b, m.entity, m.row_id, scope_code)
    b.rows.update(
        m.entity, m.row_id, {**changes, "clocks": json.dumps(clocks), "updated_at": b.now}
    )
    # A losing write renumbers the row too, so its writer pulls the winner back.
    b.touched.add((m.entity, m.row_id))


# In JSON text, a NUL is the escape \u0000 after an even number of backslashes (an odd
# number is a literal backslash followed by the text "u0000").
_JSON_NUL_RE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def text_problem(value: object) -> str | None:
    """Text no database stores, anywhere in a mutation, keys included: a NUL character
    (PostgreSQL refuses it) or a lone surrogate (JSON's ``\\ud800`` escape decodes to
    one; it has no UTF-8 form). One JSON encode, one UTF-8 encode and one regex search,
    at C speed (control characters stay escaped without ``ensure_ascii``)."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return one_line("Text must be valid Unicode: a lone surrogate is not.")
    if _JSON_NUL_RE.search(text) is not None:
        return "text must not contain NUL characters"
    return None


def printable(value: object) -> str:
    """``value`` as text the answer can always encode (an id may be any string)."""
    return str(value).encode(errors="replace").decode()
