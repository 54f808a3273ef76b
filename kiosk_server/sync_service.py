"""Apply a device's pushed mutations (DESIGN §5), without HTTP.

A push is one transaction. Each mutation is applied at most once: its id is recorded
with its outcome, and a mutation sent again is answered from that record. A mutation is
checked against the device's region, validated with the domain rules, and merged field
by field with the rule every kiosk uses (``merge_fields``); stock moves add up. Only at
the end does the transaction take the change-sequence counter's row lock and number the
rows it touched, so on PostgreSQL too sequence order equals commit order and a reader
walking ``seq > cursor`` never skips a row that commits later (see ``pull``).

On PostgreSQL, rows are read ``FOR UPDATE`` (the clock map is read, merged and written
back), a device's own pushes are serialised by an advisory lock (a retried request may
overlap its first try), and a deadlock between two devices' batches is retried whole.

Round trips are what a push costs (bench/bench_server_sync.py): the outcomes of earlier
sends are read in one query, the batch's outcomes written in one, the rows numbered in
one pipelined statement per table, and a mutation needs no savepoint because every check
that can reject it runs before its first write (``_write`` enforces that).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.hlc import MAX_DRIFT_MS, Stamp
from kiosk_app.domain.ids import is_uuid
from kiosk_app.domain.merge import merge_fields
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD
from kiosk_app.domain.regions import in_scope
from kiosk_app.domain.validation import validate_fields
from kiosk_app.sync.protocol import (
    REJECT_INVALID,
    REJECT_OUT_OF_SCOPE,
    REJECT_UNKNOWN_PARENT,
    Mutation,
    ProtocolError,
    parse_mutation,
)
from kiosk_server.db import RECORD_TABLES, applied_mutation, conflict, counter, is_postgres
from kiosk_server.devices import now_iso

log = logging.getLogger(__name__)
# Outcomes that depend on what else the server holds are not remembered: a product sent
# before its merchant is refused now but may apply when sent again later.
TRANSIENT_REJECTIONS = frozenset({REJECT_UNKNOWN_PARENT})
PUSH_ATTEMPTS = 5
# SQLSTATEs worth retrying a whole push for: deadlock, serialization failure.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})


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


@dataclass
class _Batch:
    scope: DeviceScope
    now: str
    server_ms: int
    result: PushResult = field(default_factory=PushResult)
    touched: set[tuple[str, str]] = field(default_factory=set)
    # Outcomes of mutation ids sent before (read in one query) or earlier in this batch.
    seen: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    outcomes: list[dict[str, Any]] = field(default_factory=list)  # applied_mutation rows
    wrote: bool = False  # the current mutation has begun writing


def _write(conn: Connection, b: _Batch, statement: Any) -> None:
    """Every write of a mutation goes through here: after the first one, the mutation
    can no longer be rejected (checks come first), so no savepoint is needed."""
    b.wrote = True
    conn.execute(statement)


def _get(conn: Connection, table: Table, row_id: str, *, lock: bool) -> dict[str, Any] | None:
    query = select(table).where(table.c.id == row_id)
    if lock and is_postgres(conn):
        query = query.with_for_update()
    row = conn.execute(query).first()
    return None if row is None else dict(row._mapping)


def _out_of_scope(scope: DeviceScope) -> Rejection:
    return Rejection(
        REJECT_OUT_OF_SCOPE,
        f"Data ini di luar wilayah kios ({scope.region}); tidak diterima server. "
        f"(Outside this device's region {scope.region}.)",
    )


def _unknown_parent(entity: str, row_id: object) -> Rejection:
    return Rejection(
        REJECT_UNKNOWN_PARENT,
        f"Data induk ({entity} {row_id}) belum ada di server; kirim itu dulu. "
        f"({entity} {row_id} is not on the server; send it first.)",
    )


def _scope_of(
    conn: Connection, entity: str, fields: Mapping[str, Any], current: Mapping[str, Any] | None
) -> str:
    """The region a record belongs to: a merchant's village, else its parent's region."""
    if entity == "merchant":
        code = fields.get("village_code") or (current or {}).get("village_code")
        if not code:
            raise Rejection(REJECT_INVALID, "merchant needs a village_code")
        return str(code)
    spec = ENTITIES[entity]
    assert spec.parent is not None
    key, parent_entity = spec.parent
    parent_id = fields.get(key) if key in fields else (current or {}).get(key)
    if not parent_id:
        raise _unknown_parent(parent_entity, parent_id)
    table = RECORD_TABLES[parent_entity]
    query = select(table.c.scope_code).where(table.c.id == str(parent_id))
    if is_postgres(conn):
        query = query.with_for_update(read=True)  # its region cannot move under us
    parent = conn.execute(query).first()
    if parent is None:
        raise _unknown_parent(parent_entity, parent_id)
    return str(parent.scope_code)


def _rescope_children(conn: Connection, b: _Batch, entity: str, row_id: str, code: str) -> None:
    """A merchant moved village, or a product moved merchant: its descendants follow."""
    children = {"merchant": ("product", "merchant_id"), "product": ("photo", "product_id")}
    if entity not in children:
        return
    child, key = children[entity]
    table = RECORD_TABLES[child]
    ids = [r[0] for r in conn.execute(select(table.c.id).where(table.c[key] == row_id))]
    if not ids:
        return
    _write(conn, b, update(table).where(table.c.id.in_(ids)).values(scope_code=code, seq=None))
    b.touched.update((child, i) for i in ids)
    for child_id in ids:
        _rescope_children(conn, b, child, child_id, code)


def _apply_stock(conn: Connection, b: _Batch, m: Mutation) -> None:
    table = RECORD_TABLES["product"]
    current = _get(conn, table, m.row_id, lock=True)
    if current is None:
        raise _unknown_parent("product", m.row_id)
    if not in_scope(current["scope_code"], b.scope.region):
        raise _out_of_scope(b.scope)
    nodes = set(json.loads(current["stock_nodes"]))
    nodes.add(Stamp.parse(m.hlc).node)
    _write(
        conn,
        b,
        update(table)
        .where(table.c.id == m.row_id)
        .values(
            stock=table.c.stock + int(m.fields[STOCK_FIELD]),
            stock_nodes=json.dumps(sorted(nodes)),
            updated_at=b.now,
            seq=None,
        ),
    )
    b.touched.add(("product", m.row_id))


def _record_losers(conn: Connection, b: _Batch, m: Mutation, losers: list[Any]) -> None:
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
        b.result.conflicts.append(entry)
        _write(
            conn,
            b,
            insert(conflict).values(
                **{
                    **entry,
                    "lost_value": json.dumps(loser.value, ensure_ascii=False),
                    "won_value": json.dumps(loser.winner_value, ensure_ascii=False),
                },
                device_id=b.scope.device_id,
                created_at=b.now,
            ),
        )


def _note_photo_blobs(b: _Batch, m: Mutation, row: Mapping[str, Any]) -> None:
    if m.entity == "photo":
        b.result.photo_blobs.update(
            str(row[k]) for k in ("sha256", "thumb_sha256") if row.get(k) is not None
        )


def apply_mutation(conn: Connection, b: _Batch, m: Mutation) -> None:
    """Apply one mutation not seen before, or raise Rejection."""
    if Stamp.parse(m.hlc).wall_ms > b.server_ms + MAX_DRIFT_MS:
        raise Rejection(
            REJECT_INVALID,
            "Jam komputer kios terlalu maju; periksa tanggal dan jam. "
            "(Clock stamp too far in the future: check the PC's date and time.)",
        )
    if m.op == "stock":
        _apply_stock(conn, b, m)
        return
    table = RECORD_TABLES[m.entity]
    current = _get(conn, table, m.row_id, lock=True)
    try:
        values = validate_fields(m.entity, m.fields, partial=current is not None)
    except ValidationError as exc:
        raise Rejection(REJECT_INVALID, f"{exc.message('id')} ({exc.message('en')})") from exc
    if current is not None and not in_scope(current["scope_code"], b.scope.region):
        raise _out_of_scope(b.scope)
    scope_code = _scope_of(conn, m.entity, values, current)
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
        _write(conn, b, insert(table).values(**row))
        b.touched.add((m.entity, m.row_id))
        _note_photo_blobs(b, m, row)
        return
    clocks: dict[str, str] = json.loads(current["clocks"])
    merged = merge_fields(current, clocks, values, m.hlc)
    _record_losers(conn, b, m, merged.losers)
    _note_photo_blobs(b, m, {**current, **merged.apply})
    if not merged.apply and not merged.losers:
        return  # an older write of values the row already holds
    clocks.update(merged.stamps)
    changes: dict[str, Any] = dict(merged.apply)
    spec = ENTITIES[m.entity]
    moved = (m.entity == "merchant" and "village_code" in merged.apply) or (
        spec.parent is not None and spec.parent[0] in merged.apply
    )
    if moved and scope_code != current["scope_code"]:
        changes["scope_code"] = scope_code
        _rescope_children(conn, b, m.entity, m.row_id, scope_code)
    _write(
        conn,
        b,
        update(table)
        .where(table.c.id == m.row_id)
        .values(**changes, clocks=json.dumps(clocks), updated_at=b.now, seq=None),
    )
    # A losing write renumbers the row too, so its writer pulls the winner back.
    b.touched.add((m.entity, m.row_id))


def _number(conn: Connection, touched: set[tuple[str, str]]) -> None:
    """Give every touched row the next sequence numbers, holding the counter's row lock
    until commit: no other writer can number rows (or commit numbered rows) meanwhile."""
    if not touched:
        return
    items = sorted(touched)
    last = conn.execute(
        update(counter)
        .where(counter.c.name == "seq")
        .values(value=counter.c.value + len(items))
        .returning(counter.c.value)
    ).scalar_one()
    first = int(last) - len(items) + 1
    numbered: dict[str, list[dict[str, Any]]] = {}
    for offset, (entity, row_id) in enumerate(items):
        numbered.setdefault(entity, []).append({"row": row_id, "number": first + offset})
    for entity, params in numbered.items():  # one executemany (pipelined) per table
        table = RECORD_TABLES[entity]
        conn.execute(
            update(table).where(table.c.id == bindparam("row")).values(seq=bindparam("number")),
            params,
        )


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _push_once(engine: Engine, b: _Batch, raw_mutations: list[Any]) -> PushResult:
    with engine.begin() as conn:
        if is_postgres(conn):
            conn.execute(
                text("SELECT pg_advisory_xact_lock(1, hashtext(:d))"), {"d": b.scope.device_id}
            )
        _read_seen(conn, b, raw_mutations)
        for raw in raw_mutations:
            _push_one(conn, b, raw)
        if b.outcomes:
            conn.execute(insert(applied_mutation), b.outcomes)
        _number(conn, b.touched)
    return b.result


def _read_seen(conn: Connection, b: _Batch, raw_mutations: list[Any]) -> None:
    ids = sorted({r["id"] for r in raw_mutations if isinstance(r, dict) and is_uuid(r.get("id"))})
    for start in range(0, len(ids), 500):
        query = select(
            applied_mutation.c.id, applied_mutation.c.status, applied_mutation.c.message
        ).where(applied_mutation.c.id.in_(ids[start : start + 500]))
        for row in conn.execute(query):
            b.seen[row.id] = (row.status, row.message)


def _push_one(conn: Connection, b: _Batch, raw: Any) -> None:
    result = b.result
    mutation_id = raw.get("id") if isinstance(raw, dict) else None
    try:
        if _has_nul(raw):
            raise ProtocolError(REJECT_INVALID, "text must not contain NUL characters")
        m = parse_mutation(raw)
    except ProtocolError as exc:
        result.rejected.append({"id": str(mutation_id), "code": exc.code, "message": str(exc)})
        return
    seen = b.seen.get(m.id)
    if seen is not None:  # sent before: report the same outcome, change nothing
        if seen[0] == "accepted":
            result.accepted.append(m.id)
        else:
            result.rejected.append({"id": m.id, "code": seen[0], "message": seen[1] or ""})
        return
    b.wrote = False
    try:
        apply_mutation(conn, b, m)
        status, message = "accepted", None
    except Rejection as exc:
        if b.wrote:  # a bug: refuse the whole request rather than keep half a mutation
            raise RuntimeError(f"mutation {m.id} rejected after it began writing") from exc
        status, message = exc.code, exc.message
    if status not in TRANSIENT_REJECTIONS:
        b.seen[m.id] = (status, message)
        b.outcomes.append(
            {
                "id": m.id,
                "device_id": b.scope.device_id,
                "status": status,
                "message": message,
                "applied_at": b.now,
            }
        )
    if status == "accepted":
        result.accepted.append(m.id)
    else:
        result.rejected.append({"id": m.id, "code": status, "message": message or ""})


def _retryable(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True  # a concurrent first insert of the same row or mutation id
    return getattr(exc.orig, "sqlstate", None) in RETRY_SQLSTATES


def push(
    engine: Engine, scope: DeviceScope, raw_mutations: list[Any], server_ms: int
) -> PushResult:
    """Apply a batch in order; a bad mutation is rejected, the rest still apply."""
    if not raw_mutations:
        return PushResult()
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        batch = _Batch(scope, now_iso(), server_ms)
        try:
            return _push_once(engine, batch, raw_mutations)
        except DBAPIError as exc:
            if attempt == PUSH_ATTEMPTS or not _retryable(exc):
                raise
            log.info("push retried after %s", type(exc.orig).__name__)
    raise AssertionError("unreachable")
