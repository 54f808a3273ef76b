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

Statements are what a push costs (bench/bench_server_sync.py, bench/bench_sync.py): the
outcomes of earlier sends are read in one query, the rows the batch names (and their
parents) in one query per table and 500 ids, and the mutations then run against that
working copy (``_Rows``). At the end, on PostgreSQL, one statement takes the counter and
writes every new and changed row with its sequence number, the outcomes and the conflicts
(``_write_statement``); on SQLite, whose writers are serialised anyway, new rows go in one
multi-row insert per table, changed rows in one executemany per table, outcomes and
conflicts in one each, then the counter's update and the sequence numbers. A mutation
needs no savepoint because every check that can reject it runs before its first write
(``_Batch.write`` enforces that). A 4,000-mutation push went from 3.0 s to 0.4 s on SQLite.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, text, update
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
from kiosk_server import blobstore
from kiosk_server.db import (
    RECORD_TABLES,
    applied_mutation,
    conflict,
    counter,
    is_postgres,
    one_of,
)
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


class _Rows:
    """The batch's working copy of the record rows it reads and writes.

    Rows are read in a few set-based queries (``FOR UPDATE`` on PostgreSQL) before the
    mutations run; mutations change the copies; ``flush`` writes new rows with one
    multi-row insert per table and changed rows with one executemany per table. A
    4,000-mutation push is a handful of statements instead of three per mutation.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = is_postgres(conn)
        self.rows: dict[str, dict[str, dict[str, Any] | None]] = {e: {} for e in RECORD_TABLES}
        self.new: dict[str, dict[str, None]] = {e: {} for e in RECORD_TABLES}  # ordered sets
        self.dirty: dict[str, dict[str, None]] = {e: {} for e in RECORD_TABLES}

    def load(self, entity: str, ids: set[str], *, share: bool = False) -> None:
        """Read the rows not read yet; locked for update (or share) on PostgreSQL."""
        cache = self.rows[entity]
        wanted = sorted(i for i in ids if i not in cache)
        table = RECORD_TABLES[entity]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = select(table).where(one_of(table.c.id, chunk, postgres=self.postgres))
            if self.postgres:
                query = query.with_for_update(read=share)
            for row in self.conn.execute(query):
                cache[row.id] = dict(row._mapping)
            for row_id in chunk:
                cache.setdefault(row_id, None)

    def get(self, entity: str, row_id: str, *, share: bool = False) -> dict[str, Any] | None:
        if row_id not in self.rows[entity]:
            self.load(entity, {row_id}, share=share)
        return self.rows[entity][row_id]

    def insert(self, entity: str, row: dict[str, Any]) -> None:
        defaults = {"stock": 0, "stock_nodes": "[]"}
        row = {c.name: row.get(c.name, defaults.get(c.name)) for c in RECORD_TABLES[entity].c}
        self.rows[entity][row["id"]] = row
        self.new[entity][row["id"]] = None

    def update(self, entity: str, row_id: str, changes: Mapping[str, Any]) -> None:
        row = self.rows[entity][row_id]
        assert row is not None
        row.update(changes)
        if row_id not in self.new[entity]:
            self.dirty[entity][row_id] = None

    def flush(self) -> None:
        for entity, table in RECORD_TABLES.items():
            cache = self.rows[entity]
            columns = [c.name for c in table.columns]
            if self.new[entity]:
                params = [row for row in (cache[i] for i in self.new[entity]) if row is not None]
                self.conn.execute(insert(table), params)
            if self.dirty[entity]:
                changed = [c for c in columns if c != "id"]
                statement = (
                    update(table)
                    .where(table.c.id == bindparam("b_id"))
                    .values({c: bindparam(f"b_{c}") for c in changed})
                )
                params = [
                    {f"b_{c}": row[c] for c in columns}
                    for row in (cache[i] for i in self.dirty[entity])
                    if row is not None
                ]
                self.conn.execute(statement, params)
            self.new[entity].clear()
            self.dirty[entity].clear()


@dataclass
class _Batch:
    scope: DeviceScope
    now: str
    server_ms: int
    rows: _Rows
    result: PushResult = field(default_factory=PushResult)
    touched: set[tuple[str, str]] = field(default_factory=set)
    # Outcomes of mutation ids sent before (read in one query) or earlier in this batch.
    seen: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    outcomes: list[dict[str, Any]] = field(default_factory=list)  # applied_mutation rows
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # conflict rows
    wrote: bool = False  # the current mutation has begun writing

    def write(self) -> None:
        """Every write of a mutation announces itself here first: after the first one,
        the mutation can no longer be rejected (checks come first), so the working copy
        never holds half a mutation."""
        self.wrote = True


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
    b: _Batch, entity: str, fields: Mapping[str, Any], current: Mapping[str, Any] | None
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
    # Read-locked on PostgreSQL: its region cannot move under us.
    parent = b.rows.get(parent_entity, str(parent_id), share=True)
    if parent is None:
        raise _unknown_parent(parent_entity, parent_id)
    return str(parent["scope_code"])


def _rescope_children(b: _Batch, entity: str, row_id: str, code: str) -> None:
    """A merchant moved village, or a product moved merchant: its descendants follow.

    Rare, so done in the database: the working copy is flushed first (children created
    in this batch must be found), and cached copies of the children follow along."""
    children = {"merchant": ("product", "merchant_id"), "product": ("photo", "product_id")}
    if entity not in children:
        return
    child, key = children[entity]
    table = RECORD_TABLES[child]
    b.rows.flush()
    conn = b.rows.conn
    ids = [r[0] for r in conn.execute(select(table.c.id).where(table.c[key] == row_id))]
    if not ids:
        return
    b.write()
    conn.execute(update(table).where(table.c.id.in_(ids)).values(scope_code=code, seq=None))
    for child_id in ids:
        cached = b.rows.rows[child].get(child_id)
        if cached is not None:
            cached.update(scope_code=code, seq=None)
    b.touched.update((child, i) for i in ids)
    for child_id in ids:
        _rescope_children(b, child, child_id, code)


def _apply_stock(b: _Batch, m: Mutation) -> None:
    current = b.rows.get("product", m.row_id)
    if current is None:
        raise _unknown_parent("product", m.row_id)
    if not in_scope(current["scope_code"], b.scope.region):
        raise _out_of_scope(b.scope)
    nodes = set(json.loads(current["stock_nodes"]))
    nodes.add(Stamp.parse(m.hlc).node)
    b.write()
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


def _record_losers(b: _Batch, m: Mutation, losers: list[Any]) -> None:
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
        b.write()
        b.conflicts.append(
            {
                **entry,
                "lost_value": json.dumps(loser.value, ensure_ascii=False),
                "won_value": json.dumps(loser.winner_value, ensure_ascii=False),
                "device_id": b.scope.device_id,
                "created_at": b.now,
            }
        )


def _note_photo_blobs(b: _Batch, m: Mutation, row: Mapping[str, Any]) -> None:
    if m.entity == "photo":
        b.result.photo_blobs.update(
            str(row[k]) for k in ("sha256", "thumb_sha256") if row.get(k) is not None
        )


def apply_mutation(b: _Batch, m: Mutation) -> None:
    """Apply one mutation not seen before to the working copy, or raise Rejection."""
    if Stamp.parse(m.hlc).wall_ms > b.server_ms + MAX_DRIFT_MS:
        raise Rejection(
            REJECT_INVALID,
            "Jam komputer kios terlalu maju; periksa tanggal dan jam. "
            "(Clock stamp too far in the future: check the PC's date and time.)",
        )
    if m.op == "stock":
        _apply_stock(b, m)
        return
    current = b.rows.get(m.entity, m.row_id)
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
        b.write()
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
    b.write()
    if moved and scope_code != current["scope_code"]:
        changes["scope_code"] = scope_code
        _rescope_children(b, m.entity, m.row_id, scope_code)
    b.rows.update(
        m.entity, m.row_id, {**changes, "clocks": json.dumps(clocks), "updated_at": b.now}
    )
    # A losing write renumbers the row too, so its writer pulls the winner back.
    b.touched.add((m.entity, m.row_id))


def _number(b: _Batch) -> None:
    """SQLite: give every touched row the next sequence numbers, holding the counter's lock
    until commit: no other writer can number rows (or commit numbered rows) meanwhile.

    The last thing a push does, after its rows are written: every push waits for this
    lock, so it is held for two statements and the commit, nothing more."""
    if not b.touched:
        return
    conn = b.rows.conn
    items = sorted(b.touched)
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


def _rows_of(alias: str, table: str) -> str:
    """The rows a branch writes, bound as one JSON array of objects and read back as
    the table's row type: one parameter whatever the batch's size (a few µs to encode,
    where one array per column cost a quoting pass over every value)."""
    return f'json_populate_recordset(NULL::"{table}", CAST(:{alias} AS json)) AS r'


def _record_columns(table: Any) -> list[Any]:
    return [c for c in table.columns if c.name != "seq"]


_OTHER_TABLES = {"outcome": applied_mutation, "conflict": conflict}


def _other_columns(name: str) -> list[Any]:
    return [c for c in _OTHER_TABLES[name].columns if c.name != "id" or name == "outcome"]


def _branch(kind: str, entity: str) -> str:
    """One data-modifying CTE of the write statement (``kind``: i, u, n or w). Record
    rows carry their ordinal in ``seq``; the number is the counter's base plus it."""
    alias = f"{kind}_{entity}"
    if kind == "w":
        table = _OTHER_TABLES[entity].name
        names = ", ".join(c.name for c in _other_columns(entity))
        values = ", ".join("r." + c.name for c in _other_columns(entity))
        return (
            f'{alias} AS (INSERT INTO "{table}" ({names}) SELECT {values} '
            f"FROM {_rows_of(alias, table)} RETURNING 1)"
        )
    columns = _record_columns(RECORD_TABLES[entity])
    if kind == "i":
        names = ", ".join(c.name for c in columns)
        values = ", ".join("r." + c.name for c in columns)
        return (
            f"{alias} AS (INSERT INTO {entity} ({names}, seq) SELECT {values}, c.base + r.seq "
            f"FROM c, {_rows_of(alias, entity)} RETURNING 1)"
        )
    # "u" writes the row's columns; "n" (moved with its parent) only its number.
    kept = [c for c in columns if c.name != "id"] if kind == "u" else []
    changed = "".join(f"{c.name} = r.{c.name}, " for c in kept)
    return (
        f"{alias} AS (UPDATE {entity} AS x SET {changed}seq = c.base + r.seq "
        f"FROM c, {_rows_of(alias, entity)} WHERE x.id = r.id RETURNING 1)"
    )


@functools.cache
def _write_statement(shape: tuple[tuple[str, str], ...]) -> Any:
    """PostgreSQL: every write of a push in one statement, so one round trip.

    The counter is taken first (every branch reads its new base), then per table: new
    rows inserted with their numbers (a concurrent first insert of the same id fails
    the statement and the push is retried whole, as before), changed rows updated with
    theirs, rows touched otherwise (moved with their parent) only renumbered; then the
    outcomes and conflicts. Each row gets one new version, not a write and then a
    renumbering. Data-modifying CTEs run exactly once each; their row sets are disjoint.
    The counter's row lock is held for this statement and the commit alone.

    ``shape`` names the branches a batch needs (kind, table): an empty branch still
    costs planning time, and the few shapes that occur are prepared once each."""
    ctes = ["c AS (UPDATE counter SET value = value + :n WHERE name = 'seq' "
            "RETURNING value - :n AS base)"]  # fmt: skip
    ctes += [_branch(kind, entity) for kind, entity in shape]
    numbered = [f"(SELECT count(*) FROM {k}_{e})" for k, e in shape if k != "w"] or ["0"]
    other = {e: f"(SELECT count(*) FROM w_{e})" for k, e in shape if k == "w"}
    return text(
        "WITH " + ", ".join(ctes) + f" SELECT {' + '.join(numbered)} AS numbered, "
        f"{other.get('outcome', '0')} AS outcomes, {other.get('conflict', '0')} AS conflicts"
    )


def _write_postgres(b: _Batch) -> None:
    """The batch's rows, numbers, outcomes and conflicts in one statement (see above)."""
    rows = b.rows
    order = {item: n for n, item in enumerate(sorted(b.touched), start=1)}
    params: dict[str, Any] = {"n": len(order)}
    shape: list[tuple[str, str]] = []

    def add(kind: str, name: str, columns: list[Any], group: list[dict[str, Any]]) -> None:
        if group:
            shape.append((kind, name))
            names = [c.name for c in columns]
            params[f"{kind}_{name}"] = json.dumps(
                [{key: row.get(key) for key in names} for row in group], ensure_ascii=False
            )

    for entity, table in RECORD_TABLES.items():
        cache = rows.rows[entity]
        written = {*rows.new[entity], *rows.dirty[entity]}
        groups: dict[str, list[dict[str, Any] | None]] = {
            "i": [cache[i] for i in rows.new[entity]],
            "u": [cache[i] for i in rows.dirty[entity] if i not in rows.new[entity]],
            "n": [{"id": i} for (kind, i) in order if kind == entity and i not in written],
        }
        for kind, group in groups.items():
            ordered = [{**row, "seq": order[(entity, row["id"])]} for row in group if row]
            columns = [table.c.id, table.c.seq] if kind == "n" else list(table.columns)
            add(kind, entity, columns, ordered)
        rows.new[entity].clear()
        rows.dirty[entity].clear()
    add("w", "outcome", _other_columns("outcome"), b.outcomes)
    add("w", "conflict", _other_columns("conflict"), b.conflicts)
    done = rows.conn.execute(_write_statement(tuple(shape)), params).one()
    expected = (len(order), len(b.outcomes), len(b.conflicts))
    if tuple(done) != expected:  # every touched row exists: it was read or written here
        raise RuntimeError(f"push wrote {tuple(done)} rows, expected {expected}")


def _prefetch(b: _Batch, raw_mutations: list[Any]) -> None:
    """Read every row the batch names, then the parents they point at, in a few queries."""
    ids: dict[str, set[str]] = {e: set() for e in RECORD_TABLES}
    parents: dict[str, set[str]] = {e: set() for e in RECORD_TABLES}
    for raw in raw_mutations:
        if not isinstance(raw, dict):
            continue
        entity, row_id = raw.get("entity"), raw.get("row_id")
        if entity not in RECORD_TABLES or not is_uuid(row_id):
            continue
        ids[entity].add(str(row_id))
        spec = ENTITIES[entity]
        fields = raw.get("fields")
        if spec.parent is not None and isinstance(fields, dict):
            parent_id = fields.get(spec.parent[0])
            if is_uuid(parent_id):
                parents[spec.parent[1]].add(str(parent_id))
    for entity, wanted in ids.items():
        b.rows.load(entity, wanted)
    for entity, cache in b.rows.rows.items():  # parents of rows that exist already
        spec = ENTITIES[entity]
        if spec.parent is not None:
            key, parent_entity = spec.parent
            parents[parent_entity].update(
                str(row[key]) for row in cache.values() if row is not None and row.get(key)
            )
    for entity, wanted in parents.items():
        b.rows.load(entity, wanted, share=True)


# In JSON text, a NUL is the escape \u0000 after an even number of backslashes (an odd
# number is a literal backslash followed by the text "u0000").
_JSON_NUL_RE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def _text_problem(value: object) -> str | None:
    """Text no database stores, anywhere in a mutation, keys included: a NUL character
    (PostgreSQL refuses it) or a lone surrogate (JSON's ``\\ud800`` escape decodes to
    one; it has no UTF-8 form). One JSON encode, one UTF-8 encode and one regex search,
    at C speed (control characters stay escaped without ``ensure_ascii``)."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode()
    except UnicodeEncodeError:
        return (
            "Teks berisi karakter yang tidak sah. "
            "(Text must be valid Unicode: a lone surrogate is not.)"
        )
    if _JSON_NUL_RE.search(text) is not None:
        return "text must not contain NUL characters"
    return None


def _printable(value: object) -> str:
    """``value`` as text the answer can always encode (an id may be any string)."""
    return str(value).encode(errors="replace").decode()


def _push_once(
    engine: Engine, scope: DeviceScope, raw_mutations: list[Any], server_ms: int
) -> PushResult:
    with engine.begin() as conn:
        if is_postgres(conn):
            conn.execute(
                text("SELECT pg_advisory_xact_lock(1, hashtext(:d))"), {"d": scope.device_id}
            )
        b = _Batch(scope, now_iso(), server_ms, _Rows(conn))
        _read_seen(conn, b, raw_mutations)
        _prefetch(b, raw_mutations)
        for raw in raw_mutations:
            _push_one(b, raw)
        _grant_photos(b)
        if b.rows.postgres and b.touched:
            _write_postgres(b)
        else:
            b.rows.flush()
            if b.conflicts:
                conn.execute(insert(conflict), b.conflicts)
            if b.outcomes:
                conn.execute(insert(applied_mutation), b.outcomes)
            _number(b)
    return b.result


def _grant_photos(b: _Batch) -> None:
    """Grant the places of the photos this batch wrote their blobs, where the device is
    entitled to them (``blobstore``): two reads and an insert, only for batches that
    touch photos."""
    ids = sorted(row_id for entity, row_id in b.touched if entity == "photo")
    if not ids:
        return
    cache = b.rows.rows["photo"]
    rows = [cache.get(i) for i in ids]
    unread = [i for i, row in zip(ids, rows, strict=True) if row is None]
    if unread:  # moved with their product in the database itself (``_rescope_children``)
        table = RECORD_TABLES["photo"]
        query = select(table.c.sha256, table.c.thumb_sha256, table.c.scope_code).where(
            table.c.id.in_(unread)
        )
        rows += [dict(r._mapping) for r in b.rows.conn.execute(query)]
    pairs = {
        (str(row[key]), str(row["scope_code"]))
        for row in rows
        if row is not None
        for key in ("sha256", "thumb_sha256")
        if row.get(key)
    }
    device = {"id": b.scope.device_id, "region": b.scope.region}
    allowed = blobstore.entitled(b.rows.conn, {sha for sha, _ in pairs}, device)
    blobstore.grant(b.rows.conn, [(sha, place) for sha, place in pairs if sha in allowed])


def _read_seen(conn: Connection, b: _Batch, raw_mutations: list[Any]) -> None:
    ids = sorted({r["id"] for r in raw_mutations if isinstance(r, dict) and is_uuid(r.get("id"))})
    for start in range(0, len(ids), 500):
        query = select(
            applied_mutation.c.id, applied_mutation.c.status, applied_mutation.c.message
        ).where(one_of(applied_mutation.c.id, ids[start : start + 500], postgres=b.rows.postgres))
        for row in conn.execute(query):
            b.seen[row.id] = (row.status, row.message)


def _push_one(b: _Batch, raw: Any) -> None:
    result = b.result
    mutation_id = raw.get("id") if isinstance(raw, dict) else None
    try:
        if (problem := _text_problem(raw)) is not None:
            raise ProtocolError(REJECT_INVALID, problem)
        m = parse_mutation(raw)
    except ProtocolError as exc:
        rejection = {"id": _printable(mutation_id), "code": exc.code, "message": str(exc)}
        result.rejected.append(rejection)
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
        apply_mutation(b, m)
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
        try:
            return _push_once(engine, scope, raw_mutations, server_ms)
        except DBAPIError as exc:
            if attempt == PUSH_ATTEMPTS or not _retryable(exc):
                raise
            log.info("push retried after %s", type(exc.orig).__name__)
    raise AssertionError("unreachable")
