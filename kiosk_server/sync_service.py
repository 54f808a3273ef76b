"""Apply pushed mutations and collect changes for a device (DESIGN §5), without HTTP.

Push runs in one transaction: each mutation is applied at most once (its id is recorded
with its outcome), checked against the device's region, validated, and merged field by
field with the same rule the kiosks use; stock moves add up. Only at the end does the
transaction take the change-sequence counter's row lock and number the rows it touched,
so sequence order equals commit order. Pull then reads rows past the device's cursor in
its region, in sequence order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, insert, or_, select, update

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.hlc import MAX_DRIFT_MS, Stamp
from kiosk_app.domain.merge import merge_fields
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD
from kiosk_app.domain.regions import ancestors, in_scope
from kiosk_app.domain.validation import validate_fields
from kiosk_app.sync.protocol import (
    REJECT_INVALID,
    REJECT_OUT_OF_SCOPE,
    REJECT_UNKNOWN_PARENT,
    Mutation,
    ProtocolError,
    parse_mutation,
)
from kiosk_server.db import RECORD_TABLES, applied_mutation, blob, conflict, counter, region
from kiosk_server.devices import now_iso


class Rejection(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class PushResult:
    accepted: list[str] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    photo_blobs: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class DeviceScope:
    device_id: str
    region: str
    node_id: str | None


def _scope_filter(table: Table, scope: str) -> Any:
    return or_(table.c.scope_code == scope, table.c.scope_code.like(scope + ".%"))


def _get(conn: Connection, table: Table, row_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(table).where(table.c.id == row_id)).first()
    return None if row is None else dict(row._mapping)


def _parent_scope(
    conn: Connection, m: Mutation, fields: Mapping[str, Any], current: Mapping[str, Any] | None
) -> str:
    """The region code a record belongs to: a merchant's village, else its parent's."""
    spec = ENTITIES[m.entity]
    if m.entity == "merchant":
        code = fields.get("village_code") or (current or {}).get("village_code")
        if not code:
            raise Rejection(REJECT_INVALID, "merchant needs a village_code")
        return str(code)
    assert spec.parent is not None
    key, parent_entity = spec.parent
    parent_id = fields.get(key) or (current or {}).get(key)
    parent = _get(conn, RECORD_TABLES[parent_entity], str(parent_id)) if parent_id else None
    if parent is None:
        raise Rejection(
            REJECT_UNKNOWN_PARENT,
            f"{parent_entity} {parent_id} is not on the server; send it first",
        )
    return str(parent["scope_code"])


def _check_stamp(stamp: str, server_ms: int) -> None:
    if Stamp.parse(stamp).wall_ms > server_ms + MAX_DRIFT_MS:
        raise Rejection(REJECT_INVALID, "clock stamp too far in the future: check the PC's clock")


def apply_mutation(
    conn: Connection,
    scope: DeviceScope,
    m: Mutation,
    now: str,
    server_ms: int,
    result: PushResult,
    touched: set[tuple[str, str]],
) -> None:
    """Apply one mutation (already known to be new) or raise Rejection."""
    table = RECORD_TABLES[m.entity]
    _check_stamp(m.hlc, server_ms)
    current = _get(conn, table, m.row_id)
    if m.op == "stock":
        if current is None:
            raise Rejection(REJECT_UNKNOWN_PARENT, f"product {m.row_id} is not on the server")
        if not in_scope(current["scope_code"], scope.region):
            raise Rejection(REJECT_OUT_OF_SCOPE, _out_of_scope(scope))
        nodes = set(json.loads(current["stock_nodes"]))
        nodes.add(Stamp.parse(m.hlc).node)
        conn.execute(
            update(table)
            .where(table.c.id == m.row_id)
            .values(
                stock=table.c.stock + int(m.fields[STOCK_FIELD]),
                stock_nodes=json.dumps(sorted(nodes)),
                updated_at=now,
                seq=None,
            )
        )
        touched.add((m.entity, m.row_id))
        return
    try:
        values = validate_fields(m.entity, m.fields, partial=current is not None)
    except ValidationError as exc:
        raise Rejection(REJECT_INVALID, exc.message("id") + " / " + exc.message("en")) from exc
    scope_code = _parent_scope(conn, m, values, current)
    if current is not None and not in_scope(current["scope_code"], scope.region):
        raise Rejection(REJECT_OUT_OF_SCOPE, _out_of_scope(scope))
    if not in_scope(scope_code, scope.region):
        raise Rejection(REJECT_OUT_OF_SCOPE, _out_of_scope(scope))
    if m.entity == "photo":
        result.photo_blobs.update(v for k, v in values.items() if k in ("sha256", "thumb_sha256"))
    if current is None:
        row = {
            "id": m.row_id,
            **values,
            "clocks": json.dumps(dict.fromkeys(values, m.hlc)),
            "scope_code": scope_code,
            "created_at": now,
            "updated_at": now,
            "seq": None,
        }
        conn.execute(insert(table).values(**row))
        touched.add((m.entity, m.row_id))
        return
    clocks: dict[str, str] = json.loads(current["clocks"])
    merged = merge_fields(current, clocks, values, m.hlc)
    for loser in merged.losers:
        record = {
            "entity": m.entity,
            "row_id": m.row_id,
            "field": loser.field,
            "lost_value": loser.value,
            "lost_hlc": loser.stamp,
            "won_value": loser.winner_value,
            "won_hlc": loser.winner_stamp,
        }
        result.conflicts.append(record)
        conn.execute(
            insert(conflict).values(
                **{
                    **record,
                    "lost_value": json.dumps(loser.value),
                    "won_value": json.dumps(loser.winner_value),
                },
                device_id=scope.device_id,
                created_at=now,
            )
        )
    if not merged.apply and not merged.losers:
        return
    clocks.update(merged.stamps)
    changes: dict[str, Any] = dict(merged.apply)
    if m.entity == "merchant" and "village_code" in merged.apply:
        changes["scope_code"] = merged.apply["village_code"]
        _rescope_children(conn, m.row_id, str(merged.apply["village_code"]), now, touched)
    conn.execute(
        update(table)
        .where(table.c.id == m.row_id)
        .values(**changes, clocks=json.dumps(clocks), updated_at=now, seq=None)
    )
    # A losing write still renumbers the row, so its writer pulls the winner back.
    touched.add((m.entity, m.row_id))


def _rescope_children(
    conn: Connection, merchant_id: str, code: str, now: str, touched: set[tuple[str, str]]
) -> None:
    products = RECORD_TABLES["product"]
    photos = RECORD_TABLES["photo"]
    ids = [
        r[0]
        for r in conn.execute(select(products.c.id).where(products.c.merchant_id == merchant_id))
    ]
    if not ids:
        return
    conn.execute(update(products).where(products.c.id.in_(ids)).values(scope_code=code, seq=None))
    touched.update(("product", i) for i in ids)
    photo_ids = [
        r[0] for r in conn.execute(select(photos.c.id).where(photos.c.product_id.in_(ids)))
    ]
    if photo_ids:
        conn.execute(
            update(photos).where(photos.c.id.in_(photo_ids)).values(scope_code=code, seq=None)
        )
        touched.update(("photo", i) for i in photo_ids)


def _out_of_scope(scope: DeviceScope) -> str:
    return (
        f"Data ini di luar wilayah kios ({scope.region}); tidak diterima server. "
        f"(Outside this device's region {scope.region}.)"
    )


def _number(conn: Connection, touched: Iterable[tuple[str, str]]) -> None:
    """Give every touched row the next sequence numbers, holding the counter's lock."""
    items = sorted(set(touched))
    if not items:
        return
    last = conn.execute(
        update(counter)
        .where(counter.c.name == "seq")
        .values(value=counter.c.value + len(items))
        .returning(counter.c.value)
    ).scalar_one()
    first = int(last) - len(items) + 1
    for offset, (entity, row_id) in enumerate(items):
        table = RECORD_TABLES[entity]
        conn.execute(update(table).where(table.c.id == row_id).values(seq=first + offset))


def push(
    engine: Engine, scope: DeviceScope, raw_mutations: list[Any], server_ms: int
) -> PushResult:
    """Apply a batch in order; a bad mutation is rejected, the rest still apply."""
    result = PushResult()
    if not raw_mutations:
        return result
    now = now_iso()
    touched: set[tuple[str, str]] = set()
    with engine.begin() as conn:
        for raw in raw_mutations:
            mutation_id = raw.get("id") if isinstance(raw, dict) else None
            try:
                m = parse_mutation(raw)
            except ProtocolError as exc:
                result.rejected.append(
                    {"id": str(mutation_id), "code": exc.code, "message": str(exc)}
                )
                continue
            seen = conn.execute(
                select(applied_mutation.c.status, applied_mutation.c.message).where(
                    applied_mutation.c.id == m.id
                )
            ).first()
            if seen is not None:  # sent before: report the same outcome, change nothing
                if seen.status == "accepted":
                    result.accepted.append(m.id)
                else:
                    result.rejected.append(
                        {"id": m.id, "code": seen.status, "message": seen.message or ""}
                    )
                continue
            savepoint = conn.begin_nested()
            try:
                apply_mutation(conn, scope, m, now, server_ms, result, touched)
                status, message = "accepted", None
                savepoint.commit()
            except Rejection as exc:
                savepoint.rollback()
                status, message = exc.code, exc.message
            conn.execute(
                insert(applied_mutation).values(
                    id=m.id,
                    device_id=scope.device_id,
                    status=status,
                    message=message,
                    applied_at=now,
                )
            )
            if status == "accepted":
                result.accepted.append(m.id)
            else:
                result.rejected.append({"id": m.id, "code": status, "message": message or ""})
        _number(conn, touched)
    return result


def _row_change(entity: str, row: Mapping[str, Any]) -> dict[str, Any]:
    spec = ENTITIES[entity]
    fields = {name: row[name] for name in spec.fields}
    if entity == "product":
        fields[STOCK_FIELD] = int(row["stock"])
    return {
        "seq": int(row["seq"]),
        "entity": entity,
        "row_id": row["id"],
        "fields": fields,
        "hlc": json.loads(row["clocks"]),
    }


def _only_ours(entity: str, row: Mapping[str, Any], node: str | None) -> bool:
    """Every field was last written by this device's node (and it alone moved the stock):
    the device already holds exactly this state, so sending it back would only cost bytes."""
    if not node:
        return False
    stamps = json.loads(row["clocks"]).values()
    if not stamps or any(Stamp.parse(s).node != node for s in stamps):
        return False
    return entity != "product" or set(json.loads(row["stock_nodes"])) <= {node}


def pull(
    engine: Engine, scope: DeviceScope, cursor: int, limit: int
) -> tuple[list[dict[str, Any]], int, bool]:
    """Changes after ``cursor`` in the device's region: (changes, new cursor, more)."""
    candidates: list[tuple[int, str, dict[str, Any]]] = []
    with engine.connect() as conn:
        region_filter = or_(
            region.c.code == scope.region,
            region.c.code.like(scope.region + ".%"),
            region.c.code.in_(ancestors(scope.region)),
        )
        for region_row in conn.execute(
            select(region)
            .where(and_(region.c.seq > cursor, region_filter))
            .order_by(region.c.seq)
            .limit(limit + 1)
        ):
            candidates.append((int(region_row.seq), "region", dict(region_row._mapping)))
        for entity, table in RECORD_TABLES.items():
            for row in conn.execute(
                select(table)
                .where(and_(table.c.seq > cursor, _scope_filter(table, scope.region)))
                .order_by(table.c.seq)
                .limit(limit + 1)
            ):
                candidates.append((int(row.seq), entity, dict(row._mapping)))
    candidates.sort(key=lambda c: c[0])
    more = len(candidates) > limit
    window = candidates[:limit]
    changes: list[dict[str, Any]] = []
    for _seq, entity, found in window:
        if entity == "region":
            fields = {"name": found["name"], "level": found["level"]}
            changes.append(
                {
                    "seq": found["seq"],
                    "entity": "region",
                    "row_id": found["code"],
                    "fields": fields,
                    "hlc": {},
                }
            )
        elif not _only_ours(entity, found, scope.node_id):
            changes.append(_row_change(entity, found))
    new_cursor = window[-1][0] if window else cursor
    return changes, new_cursor, more


def missing_blobs(engine: Engine, shas: Iterable[str]) -> list[str]:
    wanted = sorted({s for s in shas if isinstance(s, str) and len(s) == 64})
    if not wanted:
        return []
    with engine.connect() as conn:
        have = {r[0] for r in conn.execute(select(blob.c.sha256).where(blob.c.sha256.in_(wanted)))}
    return [s for s in wanted if s not in have]
