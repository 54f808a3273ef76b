"""The PostgreSQL writer: a push's rows, numbers, outcomes and conflicts in one statement.

One statement is one round trip: the counter is taken and every new and changed row
written with its sequence number, then the outcomes and conflicts (``_write_statement``,
built by hand because each of its data-modifying CTEs must run exactly once and bind one
JSON parameter per table, measured necessary: see docs/server.md).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from kiosk_server.db import RECORD_TABLES, applied_mutation, conflict
from kiosk_server.driver_reads import pg_pipeline
from kiosk_server.push.cache import Batch
from kiosk_server.push.sqlite_writer import write_plainly


class PostgresWriter:
    def write(self, b: Batch) -> None:
        if b.touched:
            _write_postgres(b)
        else:  # outcomes (rejections) only: nothing to number
            write_plainly(b)


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
    # "u" writes the row's columns; "n" (moved with its parent) only its number. The rows
    # come with their number (a LIMIT the custom plan knows): PostgreSQL takes any set
    # function for 100 rows, and for 100 rows it hash-joined the whole table, read end
    # to end (1.2 of this statement's 1.5 ms at 5,000 products, auto_explain), where a
    # handful of rows are each found by their primary key.
    kept = [c for c in columns if c.name != "id"] if kind == "u" else []
    changed = "".join(f"{c.name} = r.{c.name}, " for c in kept)
    rows = f'json_populate_recordset(NULL::"{entity}", CAST(:{alias} AS json))'
    return (
        f"{alias} AS (UPDATE {entity} AS x SET {changed}seq = c.base + r.seq "
        f"FROM c, (SELECT * FROM {rows} LIMIT :{alias}_n) AS r WHERE x.id = r.id RETURNING 1)"
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
    The counter's row lock is held for this statement and the commit sent with it.

    ``shape`` names the branches a batch needs (kind, table): an empty branch still
    costs planning time, and the few shapes that occur are prepared once each."""
    ctes = ["c AS (UPDATE counter SET value = value + :n WHERE name = 'seq' "
            "RETURNING value - :n AS base)"]  # fmt: skip
    ctes += [_branch(kind, entity) for kind, entity in shape]
    numbered = [f"(SELECT count(*) FROM {k}_{e})" for k, e in shape if k != "w"] or ["0"]
    other = {e: f"(SELECT count(*) FROM w_{e})" for k, e in shape if k == "w"}
    ctes.append(
        f"done AS (SELECT {' + '.join(numbered)} AS numbered, {other.get('outcome', '0')} "
        f"AS outcomes, {other.get('conflict', '0')} AS conflicts)"
    )
    # Every touched row exists (it was read or written here), so each is written: if
    # not, the statement fails (a text that is no number), and its transaction with it,
    # before the commit sent with it (``pg_rows_then_commit``) could keep half a push.
    statement = (
        "WITH " + ", ".join(ctes) + " SELECT CASE WHEN (numbered, outcomes, conflicts) = "
        "(:want_numbered, :want_outcomes, :want_conflicts) THEN numbered ELSE CAST('push "
        "wrote ' || numbered || ', ' || outcomes || ', ' || conflicts || ' rows, expected ' "
        "|| :want_numbered || ', ' || :want_outcomes || ', ' || :want_conflicts AS bigint) "
        "END FROM done"
    )
    # Run on psycopg itself (``driver_reads``): its parameter style (``::`` casts kept).
    return re.sub(r"(?<!:):([a-z_]+)\b", r"%(\1)s", statement)


# The write's plan, for its transaction only. Its statement finds every row it changes
# by primary key, so the right plan is the same whatever the values or the table's size:
# index scans. Planning it anew on every push (the pool's custom plans,
# ``db._POSTGRES_CONNECT``) cost PostgreSQL 0.42 ms of a pushing sync's ~3
# (pg_stat_statements); a generic plan is made once per connection and shape, and again
# after an ANALYZE. With sequential scans off it cannot be the plan a small table (a new
# deployment) would get, a scan that outlives the table's growth. (The push's reads keep
# custom plans: the parents' read, an OR over a subquery, planned generically took
# 600 ms.)
WRITE_PLANS = (
    "SELECT set_config('plan_cache_mode', 'force_generic_plan', true), "
    "set_config('enable_seqscan', 'off', true)"
)


def _write_postgres(b: Batch) -> None:
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
            if kind in ("u", "n"):
                params[f"{kind}_{name}_n"] = len(group)

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
    params.update(want_numbered=len(order), want_outcomes=len(b.outcomes),
                  want_conflicts=len(b.conflicts))  # fmt: skip
    # The write and the commit in one round trip, and what the push was asked to read
    # after it (the pull): the push ends here.
    statements = [(WRITE_PLANS, {}), (_write_statement(tuple(shape)), params)]
    done = pg_pipeline(rows.conn, statements, commit=True, then=b.then)
    if b.then:
        b.result.then_rows = done[2:]
