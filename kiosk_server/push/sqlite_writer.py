"""The SQLite writer: a few statements per push (its writers are serialised anyway).

New rows go in one multi-row insert per table, changed rows in one executemany per
table, outcomes and conflicts in one each, then the sequence numbers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, update

from kiosk_server.db import RECORD_TABLES, applied_mutation, conflict
from kiosk_server.push.cache import Batch
from kiosk_server.sequence import reserve


class SqliteWriter:
    def write(self, b: Batch) -> None:
        write_plainly(b)


def write_plainly(b: Batch) -> None:
    """The working copy's rows, the conflicts and outcomes, then the numbers: a
    statement per kind (also PostgreSQL's way for a batch that touched no row)."""
    b.rows.flush()
    conn = b.rows.conn
    if b.conflicts:
        conn.execute(insert(conflict), b.conflicts)
    if b.outcomes:
        conn.execute(insert(applied_mutation), b.outcomes)
    _number(b)


def _number(b: Batch) -> None:
    """SQLite: give every touched row the next sequence numbers, holding the counter's lock
    until commit: no other writer can number rows (or commit numbered rows) meanwhile.

    The last thing a push does, after its rows are written: every push waits for this
    lock, so it is held for two statements and the commit, nothing more."""
    if not b.touched:
        return
    conn = b.rows.conn
    items = sorted(b.touched)
    first = reserve(conn, len(items))
    numbered: dict[str, list[dict[str, Any]]] = {}
    for offset, (entity, row_id) in enumerate(items):
        numbered.setdefault(entity, []).append({"row": row_id, "number": first + offset})
    for entity, params in numbered.items():  # one executemany (pipelined) per table
        table = RECORD_TABLES[entity]
        conn.execute(
            update(table).where(table.c.id == bindparam("row")).values(seq=bindparam("number")),
            params,
        )
