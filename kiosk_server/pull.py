"""Changes for a device: rows of its region past its cursor, in change-sequence order.

Every record and region row carries ``seq``, its place in one server-wide sequence.
Writers number rows while holding the counter's row lock until they commit, so the
counter's committed value is a high-water mark: every row numbered at or below it has
committed. A pull first reads that mark and then reads only ``cursor < seq <= mark``; on
PostgreSQL (read committed, a fresh snapshot per statement) this keeps the several
queries of one pull consistent, so no row is ever skipped.

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

from sqlalchemy import Engine, Table, and_, or_, select

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


def pull(engine: Engine, scope: str, cursor: int, limit: int, node: str | None) -> Pulled:
    """Up to ``limit`` changes after ``cursor`` in region ``scope``."""
    candidates: list[tuple[int, str, dict[str, Any]]] = []
    with engine.connect() as raw_conn:
        conn = read_only(raw_conn)
        with conn.begin():
            high = int(
                conn.execute(select(counter.c.value).where(counter.c.name == "seq")).scalar_one()
            )
            if high <= cursor:  # nothing numbered anywhere since: one query, no scans
                return Pulled([], cursor, False)
            window = and_(region.c.seq > cursor, region.c.seq <= high)
            in_scope = or_(_in_region(region, "code", scope), region.c.code.in_(ancestors(scope)))
            for row in conn.execute(
                select(region).where(window, in_scope).order_by(region.c.seq).limit(limit + 1)
            ):
                candidates.append((int(row.seq), "region", dict(row._mapping)))
            for entity, table in RECORD_TABLES.items():
                query = (
                    select(table)
                    .where(table.c.seq > cursor, table.c.seq <= high)
                    .where(_in_region(table, "scope_code", scope))
                    .order_by(table.c.seq)
                    .limit(limit + 1)
                )
                for row in conn.execute(query):
                    candidates.append((int(row.seq), entity, dict(row._mapping)))
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
