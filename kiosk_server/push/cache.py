"""A push's working state: the row cache it reads and changes, and what it did.

Rows are read in a few set-based queries before the mutations run (``prefetch``: the
rows the batch names and their parents, ``FOR UPDATE`` on PostgreSQL); the mutations
change the cached copies (``rules``); a writer (``writer``) then writes them all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from kiosk_app.domain.record_ids import is_uuid
from kiosk_app.domain.records import ENTITIES
from kiosk_app.protocol.messages import Mutation
from kiosk_server.db import RECORD_TABLES, is_postgres, one_of
from kiosk_server.driver_reads import pg_dicts, pg_pipeline


@dataclass
class PushResult:
    accepted: list[str] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    photo_blobs: set[str] = field(default_factory=set)
    # PostgreSQL: the rows of the statements ``push(then=...)`` sent after the commit
    # (None: not sent, the batch wrote no row).
    then_rows: list[list[tuple[Any, ...]]] | None = None


@dataclass(frozen=True)
class DeviceScope:
    device_id: str
    region: str


class RowCache:
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
            if self.postgres:  # on psycopg itself (``driver_reads``)
                names, sql = _locking_read(entity, share)
                for found in pg_dicts(self.conn, sql, names, {"ids": chunk}):
                    cache[found["id"]] = found
            else:
                query = select(table).where(one_of(table.c.id, chunk, postgres=False))
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

    def children(self, entity: str, key: str, parent_id: str) -> list[str]:
        """Ids of the ``entity`` rows whose ``key`` is ``parent_id``, read from the
        database once the working copy is written (rows new in this batch count too)."""
        self.flush()
        table = RECORD_TABLES[entity]
        return [
            r[0] for r in self.conn.execute(select(table.c.id).where(table.c[key] == parent_id))
        ]

    def rescope(self, entity: str, ids: list[str], code: str) -> None:
        """Move rows to region ``code`` (unnumbered until the push numbers them), in the
        database and in the working copy."""
        table = RECORD_TABLES[entity]
        self.conn.execute(
            update(table).where(table.c.id.in_(ids)).values(scope_code=code, seq=None)
        )
        for row_id in ids:
            cached = self.rows[entity].get(row_id)
            if cached is not None:
                cached.update(scope_code=code, seq=None)


@functools.cache
def _locking_read(entity: str, share: bool) -> tuple[tuple[str, ...], str]:
    """PostgreSQL: the column names and statement reading rows by id, locked."""
    names = tuple(c.name for c in RECORD_TABLES[entity].c)
    lock = "FOR SHARE" if share else "FOR UPDATE"
    sql = f"SELECT {', '.join(names)} FROM {entity} WHERE id = ANY(CAST(%(ids)s AS text[])) {lock}"
    return names, sql


@dataclass
class Batch:
    scope: DeviceScope
    now: str
    server_ms: int
    rows: RowCache
    result: PushResult = field(default_factory=PushResult)
    touched: set[tuple[str, str]] = field(default_factory=set)
    # Outcomes of mutation ids sent before (read in one query) or earlier in this batch.
    seen: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    outcomes: list[dict[str, Any]] = field(default_factory=list)  # applied_mutation rows
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # conflict rows
    wrote: bool = False  # the current mutation has begun writing
    # PostgreSQL: statements to send after the commit, with the write (``push``).
    then: Sequence[tuple[str, dict[str, Any]]] = ()

    def begin_write(self) -> None:
        """Every write of a mutation announces itself here first: after the first one,
        the mutation can no longer be rejected (checks come first), so the working copy
        never holds half a mutation."""
        self.wrote = True


def _named(
    raw_mutations: Sequence[Mutation],
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The rows the batch names, and the parents its mutations name, by entity."""
    ids: dict[str, set[str]] = {e: set() for e in RECORD_TABLES}
    parents: dict[str, set[str]] = {e: set() for e in RECORD_TABLES}
    for raw in raw_mutations:
        entity, row_id = raw.entity, raw.row_id
        if entity not in RECORD_TABLES or not is_uuid(row_id):
            continue
        ids[entity].add(row_id)
        spec = ENTITIES[entity]
        if spec.parent is not None:
            parent_id = raw.fields.get(spec.parent[0])
            if is_uuid(parent_id):
                parents[spec.parent[1]].add(str(parent_id))
    return ids, parents


def prefetch(b: Batch, raw_mutations: Sequence[Mutation]) -> None:
    """Read every row the batch names, then the parents they point at, in a few queries
    (on PostgreSQL, ``postgres_reads`` has read them all already, but for a parent of a
    row that points at none that exists)."""
    ids, parents = _named(raw_mutations)
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


Handler = Callable[[list[tuple[Any, ...]]], None]


def postgres_reads(
    b: Batch, raw_mutations: Sequence[Mutation], first: list[tuple[str, dict[str, Any], Handler]]
) -> None:
    """PostgreSQL: ``first`` (the device's lock, its mutation ids seen), then every row the
    batch names (``FOR UPDATE``) and every parent they or their mutations point at
    (``FOR SHARE``), sent together: one round trip instead of one per read (psycopg's
    pipeline mode). The statements run in order, each after the one before, as if sent
    one by one: the lock is held before anything is read."""
    ids, parents = _named(raw_mutations)
    cache = b.rows.rows
    statements = list(first)

    def keep(entity: str, names: tuple[str, ...], wanted: list[str]) -> Handler:
        def handle(rows: list[tuple[Any, ...]]) -> None:
            for row in rows:
                cache[entity].setdefault(row[0], dict(zip(names, row, strict=True)))
            for row_id in wanted:
                cache[entity].setdefault(row_id, None)

        return handle

    for entity, wanted in ids.items():
        names, sql = _locking_read(entity, False)
        for chunk in _chunks(sorted(wanted)):
            statements.append((sql, {"ids": chunk}, keep(entity, names, chunk)))
    for entity, named_parents in parents.items():
        children = [(c, spec.parent[0]) for c, spec in ENTITIES.items()
                    if spec.parent is not None and spec.parent[1] == entity and ids[c]]  # fmt: skip
        if not named_parents and not children:
            continue
        names, sql = _parents_read(entity, tuple(children))
        params: dict[str, Any] = {"ids": sorted(named_parents)}
        params.update({f"of_{c}": sorted(ids[c]) for c, _ in children})
        statements.append((sql, params, keep(entity, names, params["ids"])))
    sent = [(sql, params) for sql, params, _ in statements]
    results = pg_pipeline(b.rows.conn, sent, begin=True)  # the transaction's first statements
    for (_sql, _params, handle), rows in zip(statements, results, strict=True):
        handle(rows)


def ignore_rows(_rows: list[tuple[Any, ...]]) -> None:
    pass


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[start : start + 500] for start in range(0, len(ids), 500)]


@functools.cache
def _parents_read(
    entity: str, children: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, ...], str]:
    """PostgreSQL: the ``entity`` rows named (``ids``) or pointed at by the ``children``
    rows named (``of_<child>``), locked for share."""
    names = tuple(c.name for c in RECORD_TABLES[entity].c)
    pointed = "".join(
        f" OR id IN (SELECT {key} FROM {child} WHERE id = ANY(CAST(%(of_{child})s AS text[])))"
        for child, key in children
    )
    sql = (
        f"SELECT {', '.join(names)} FROM {entity} "
        f"WHERE id = ANY(CAST(%(ids)s AS text[])){pointed} FOR SHARE"
    )
    return names, sql
