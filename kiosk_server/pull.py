"""Changes for a device: rows of its region past its cursor, in change-sequence order.

Every record and region row carries ``seq``, its place in one server-wide sequence.
Writers number rows while holding the counter's row lock until they commit, so the
counter's committed value is a high-water mark: every row numbered at or below it has
committed. A pull reads that mark and the rows with ``cursor < seq <= mark`` in one
statement, so in one snapshot (PostgreSQL's read committed takes a fresh snapshot per
statement): every row numbered up to the mark is visible, and no row is ever skipped. One
statement is also one round trip: regions and each record table are branches of a
``UNION ALL``, each limited on its own.

Echoes: a row whose every field stamp, and every stock move, came from the clock node
the device names in its request is not sent back; the device already holds that state
(see docs/server.md for why this is safe, and why the node comes with each request and
not from enrollment).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, Text, cast, literal_column, null, or_, select, union_all

from kiosk_app.domain.hlc import Stamp
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD
from kiosk_app.domain.regions import ancestors
from kiosk_server.db import RECORD_TABLES, counter, read_only, region


@dataclass(frozen=True)
class Pulled:
    changes: list[dict[str, Any]]
    cursor: int
    more: bool


def _in_region(table: Table, column: str, scope: str) -> Any:
    col = table.c[column]
    return or_(col == scope, col.like(scope + ".%"))


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


def _region_change(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "seq": int(row["seq"]),
        "entity": "region",
        "row_id": row["code"],
        "fields": {"name": row["name"], "level": row["level"]},
        "hlc": {},
    }


def only_from(entity: str, row: Mapping[str, Any], node: str | None) -> bool:
    """Every field stamp (and, for a product, every stock move) came from ``node``."""
    if not node:
        return False
    stamps = list(json.loads(row["clocks"]).values())
    if not stamps or any(Stamp.parse(s).node != node for s in stamps):
        return False
    return entity != "product" or set(json.loads(row["stock_nodes"])) <= {node}


def _branches(cursor: int, scope: str, limit: int) -> list[Any]:
    """One limited SELECT per table, all with the same columns (absent ones NULL)."""
    high = select(counter.c.value).where(counter.c.name == "seq").scalar_subquery()
    out = []
    for entity, table in (("region", region), *RECORD_TABLES.items()):
        if entity == "region":
            where = or_(_in_region(region, "code", scope), region.c.code.in_(ancestors(scope)))
            id_col = region.c.code
        else:
            where = _in_region(table, "scope_code", scope)
            id_col = table.c.id
        columns = [
            table.c.seq.label("seq"),
            literal_column(f"'{entity}'", Text).label("kind"),
            id_col.label("row_id"),
            *(table.c[name].label(name) if name in table.c else _null(name) for name in _COLUMNS),
        ]
        query = (
            select(*columns)
            .where(table.c.seq > cursor, table.c.seq <= high, where)
            .order_by(table.c.seq)
            .limit(limit + 1)
        )
        out.append(select(query.subquery()))
    mark = [
        high.label("seq"),
        literal_column("'counter'", Text).label("kind"),
        cast(null(), Text).label("row_id"),
        *(_null(name) for name in _COLUMNS),
    ]
    out.append(select(*mark))
    return out


# Every column any branch carries besides seq, kind and row_id.
_COLUMNS = tuple(
    dict.fromkeys(
        [
            "clocks",
            "stock",
            "stock_nodes",
            "level",
            *(name for spec in ENTITIES.values() for name in spec.fields),
        ]
    )
)


def _null(name: str) -> Any:
    """A NULL of the column's type: PostgreSQL will not match an untyped NULL from a
    subquery (text) with a bigint column of another branch."""
    for table in (region, *RECORD_TABLES.values()):
        if name in table.c:
            return cast(null(), table.c[name].type).label(name)
    raise KeyError(name)


def pull(engine: Engine, scope: str, cursor: int, limit: int, node: str | None) -> Pulled:
    """Up to ``limit`` changes after ``cursor`` in region ``scope``."""
    candidates: list[tuple[int, str, dict[str, Any]]] = []
    high = cursor
    with engine.connect() as raw_conn:
        conn = read_only(raw_conn)
        with conn.begin():
            for row in conn.execute(union_all(*_branches(cursor, scope, limit))):
                if row.kind == "counter":
                    high = int(row.seq)
                else:
                    candidates.append(
                        (
                            int(row.seq),
                            row.kind,
                            {"id": row.row_id, "code": row.row_id, **row._mapping},
                        )
                    )
    if high <= cursor:  # nothing numbered anywhere since
        return Pulled([], cursor, False)
    candidates.sort(key=lambda c: c[0])
    page = candidates[:limit]
    changes: list[dict[str, Any]] = []
    for _seq, entity, found in page:
        if entity == "region":
            changes.append(_region_change(found))
        elif not only_from(entity, found, node):
            changes.append(_row_change(entity, found))
    more = len(candidates) > limit
    # A whole page (not ``more``) holds every row of the region up to ``high``, so the
    # cursor moves to ``high`` even past other regions' rows: a kiosk in a quiet region
    # does not scan the whole country's changes again on its next sync.
    # ``limit=0`` (push only) pulls nothing and leaves the cursor where it was.
    last = page[-1][0] if page else cursor
    return Pulled(changes, last if more else max(high, cursor), more)
