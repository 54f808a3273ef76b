"""Changes for a device: rows of its region past its cursor, in change-sequence order.

Every record and region row carries ``seq``, its place in one server-wide sequence.
Writers number rows while holding the counter's row lock until they commit, so the
counter's committed value is a high-water mark: every row numbered at or below it has
committed. A pull reads that mark and the rows with ``cursor < seq <= mark`` in one
statement, so in one snapshot (PostgreSQL's read committed takes a fresh snapshot per
statement): every row numbered up to the mark is visible, and no row is ever skipped. One
statement is also one round trip: regions and each record table are branches of a
``UNION ALL``, each limited on its own.

An erased merchant (``moderation.erase``) is a row without personal data: it goes out
as ``{"erased": true}`` with no fields, so every kiosk of its region removes it.

Echoes: a row whose every field stamp, and every stock move, came from the clock node
the device names in its request is not sent back; the device already holds that state
(see docs/server.md for why this is safe, and why the node comes with each request and
not from enrollment).

Minimisation: a merchant's permits and email (``WITHHELD_FIELDS``) never leave the server
in a pull, not even to the kiosk that wrote them (it holds them already). A set value is
left out and only its stamp sent, so the region's other kiosks know it exists (the form
says "tersimpan di server") and drop a copy an older write left them; an empty one is
sent as it is. Pushes are field by field, so a kiosk that lacks them never blanks them.

Read, then convert as written: the page's rows are read in full (one statement, the
connection released at once), but turned into changes only as the answer is encoded
(``Changes``). For 4,000 products the read is ~30 ms and the conversion ~100 ms more, so
the first bytes leave after the read alone. The read itself is not streamed: a cursor
held open while a satellite link drains the answer (seconds; minutes on a bad link)
would pin a pool connection, and SQLite's snapshot, per slow kiosk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Engine,
    Integer,
    Text,
    and_,
    bindparam,
    cast,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from kiosk_app.domain.hlc import Stamp
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD, withheld_fields
from kiosk_app.domain.regions import ancestors
from kiosk_server.db import (
    DISTRICT_CHARS,
    DISTRICT_OF_SCOPE,
    RECORD_TABLES,
    counter,
    is_postgres,
    read_only,
    region,
)
from kiosk_server.driver_reads import pg_rows
from kiosk_server.loop_reads import LoopReads


@dataclass(frozen=True)
class Pulled:
    changes: Changes
    cursor: int
    more: bool


def only_from(entity: str, clocks: str, stock_nodes: str | None, node: str | None) -> bool:
    """Every field stamp (and, for a product, every stock move) came from ``node``."""
    if not node or node not in clocks:
        return False  # no stamp from node (the quick test: most rows are others')
    stamps = list(json.loads(clocks).values())
    if not stamps or any(Stamp.parse(s).node != node for s in stamps):
        return False
    return entity != "product" or set(json.loads(stock_nodes or "[]")) <= {node}


# Every column any branch carries besides seq, kind and row_id.
_COLUMNS = tuple(
    dict.fromkeys(
        [
            "clocks",
            "stock",
            "stock_nodes",
            "level",
            "erased_at",
            *(name for spec in ENTITIES.values() for name in spec.fields),
        ]
    )
)
# Where each column sits in a row of the statement.
_AT = {name: n for n, name in enumerate(("seq", "kind", "row_id", *_COLUMNS))}
_SEQ, _KIND, _ROW_ID = _AT["seq"], _AT["kind"], _AT["row_id"]
_CLOCKS, _STOCK, _STOCK_NODES = _AT["clocks"], _AT["stock"], _AT["stock_nodes"]
_ERASED = _AT["erased_at"]
_FIELDS_AT = {
    entity: [(name, _AT[name]) for name in spec.fields] for entity, spec in ENTITIES.items()
}


_WITHHELD = {entity: sorted(withheld_fields(entity)) for entity in ENTITIES}


class Changes:
    """A page of changes, each built from its row when iterated (see the module's
    docstring); rows the asking kiosk's node alone wrote (echoes) are left out then."""

    def __init__(self, rows: list[Sequence[Any]], node: str | None) -> None:
        self._rows = rows
        self._node = node

    def __iter__(self) -> Iterator[dict[str, Any]]:
        node = self._node
        for row in self._rows:
            entity = row[_KIND]
            if entity == "region":
                yield {
                    "seq": int(row[_SEQ]),
                    "entity": "region",
                    "row_id": row[_ROW_ID],
                    "fields": {"name": row[_AT["name"]], "level": row[_AT["level"]]},
                    "hlc": {},
                }
                continue
            if row[_ERASED] is not None:  # a merchant erased on request: a tombstone only
                yield {"seq": int(row[_SEQ]), "entity": entity, "row_id": row[_ROW_ID],
                       "fields": {}, "hlc": {}, "erased": True}  # fmt: skip
                continue
            clocks = row[_CLOCKS]
            if only_from(entity, clocks, row[_STOCK_NODES], node):
                continue
            fields = {name: row[at] for name, at in _FIELDS_AT[entity]}
            for name in _WITHHELD[entity]:
                if fields[name] not in (None, ""):
                    del fields[name]  # its stamp still goes: "a value is on the server"
            if entity == "product":
                fields[STOCK_FIELD] = int(row[_STOCK])
            yield {
                "seq": int(row[_SEQ]),
                "entity": entity,
                "row_id": row[_ROW_ID],
                "fields": fields,
                "hlc": json.loads(clocks),
            }


def _column(name: str) -> Any:
    """The first table's column of that name (branches lacking it carry a NULL of its type)."""
    for table in (region, *RECORD_TABLES.values()):
        if name in table.c:
            return table.c[name]
    raise KeyError(name)


def _null(name: str) -> Any:
    """A NULL of the column's type: PostgreSQL will not match an untyped NULL from a
    subquery (text) with a bigint column of another branch."""
    return cast(null(), _column(name).type).label(name)


def narrow(scope: str) -> bool:
    """A district's or a village's scope: every row in it has the scope's district as
    the first characters of its ``scope_code``, so its pull reads the district's rows by
    the ``(district, seq)`` index (``db.DISTRICT_OF_SCOPE``) and no other region's. A
    province's or a regency's pull walks every change since its cursor (``seq``)."""
    return len(scope) >= DISTRICT_CHARS


def _statement(narrow: bool) -> Any:
    """SQLite's pull: one limited SELECT per table, all with the same columns (absent
    ones NULL), and the high-water mark, in one UNION ALL. Built once; values are bound."""
    high = select(counter.c.value).where(counter.c.name == "seq").scalar_subquery()
    cursor = bindparam("cursor", type_=BigInteger)
    limit = bindparam("limit", type_=Integer)
    scope = bindparam("scope", type_=Text)
    scope_like = bindparam("scope_like", type_=Text)
    branches = []
    for entity, table in (("region", region), *RECORD_TABLES.items()):
        if entity == "region":
            code = region.c.code
            where = or_(
                code == scope,
                code.like(scope_like),
                code.in_(bindparam("ancestors", expanding=True)),
            )
            id_col = region.c.code
        else:
            where = or_(table.c.scope_code == scope, table.c.scope_code.like(scope_like))
            if narrow:  # the index's own expression, so SQLite uses it
                of_scope = DISTRICT_OF_SCOPE.replace("scope_code", f"{entity}.scope_code")
                district: Any = literal_column(of_scope, Text)
                where = and_(district == bindparam("district", type_=Text), where)
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
            .limit(limit)
        )
        branches.append(select(query.subquery()))
    mark = [
        high.label("seq"),
        literal_column("'counter'", Text).label("kind"),
        cast(null(), Text).label("row_id"),
        *(_null(name) for name in _COLUMNS),
    ]
    branches.append(select(*mark))
    return union_all(*branches)


def _pg_types() -> dict[str, str]:
    """Each column's PostgreSQL type, for the NULLs of branches that lack it."""
    return {
        name: "bigint" if isinstance(_column(name).type, BigInteger) else "text"
        for name in _COLUMNS
    }


def _pg_nulls() -> str:
    """NULLs in the place of every column, for a row that is a branch of the UNION ALL
    itself (the mark's, the device's): PostgreSQL types them as the other branches' columns.
    Untyped, they keep the statement an idle sync runs under psycopg's 4 KiB (``_SCOPE``)."""
    return ", ".join("NULL" for _ in _COLUMNS)


def _postgres_statement(narrow: bool) -> str:
    """The same pull for PostgreSQL, written out: the same columns in the same places,
    with the ancestors as one array. SQLAlchemy's rendering of the statement above is
    9.6 KB, and psycopg parses a statement over 4 KB anew on every execution (0.3 ms of
    the server's time per sync); this one is under 3 KB, cached and prepared once."""
    high = "(SELECT value FROM counter WHERE name = 'seq')"
    types = _pg_types()
    branches = []
    for entity, table in (("region", region), *RECORD_TABLES.items()):
        values = ", ".join(name if name in table.c else f"NULL::{types[name]}" for name in _COLUMNS)
        if entity == "region":
            row_id = "code"
            where = (
                "(code = :scope OR code LIKE :scope_like OR code = ANY(CAST(:ancestors AS text[])))"
            )
        else:
            row_id = "id"
            where = "(scope_code = :scope OR scope_code LIKE :scope_like)"
            if narrow:
                where = f"{DISTRICT_OF_SCOPE} = :district AND {where}"
        branches.append(
            f"(SELECT seq, '{entity}', {row_id}, {values} FROM {entity} "
            f"WHERE seq > :cursor AND seq <= {high} AND {where} ORDER BY seq LIMIT :limit)"
        )
    branches.append(f"SELECT {high}, 'counter', NULL, {_pg_nulls()}")
    return " UNION ALL ".join(branches)


# SQLite's, by narrow (``narrow``); PostgreSQL's, run on psycopg itself (``driver_reads``)
# in psycopg's own parameter style.
_STATEMENTS = {wanted: _statement(wanted) for wanted in (False, True)}
_PG_PULL = {
    wanted: re.sub(
        r":(cursor|limit|scope_like|scope|ancestors|district)\b", r"%(\1)s",
        _postgres_statement(wanted),
    )
    for wanted in (False, True)
}  # fmt: skip


# PostgreSQL, an idle sync (nothing pushed): the device's token lookup and its pull in
# one statement, so one round trip and one wakeup of a backend instead of two (about a
# fifth of what an idle sync cost PostgreSQL, bench_server_sync.py --cost). The region,
# its ``LIKE`` pattern and its ancestors come from the device row the token names, and
# that row comes back as one more row (kind 'device', its columns as JSON in row_id).
# An unknown token names no row: no region, so no change either, only the mark. It
# reads as a narrow pull (``narrow``): a province's or a regency's device has no
# district, so it reads no change here and pulls again, as ``pull`` does.
_SCOPE = (
    "d AS MATERIALIZED (SELECT * FROM device WHERE token_hash = :token_hash), "
    "s AS MATERIALIZED (SELECT region AS scope, region || '.%%' AS scope_like, "
    "ARRAY(SELECT array_to_string(p[1:n], '.') FROM generate_series(1, cardinality(p) - 1) "
    f"AS n) AS ancestors, CASE WHEN length(region) >= {DISTRICT_CHARS} "
    f"THEN substr(region, 1, {DISTRICT_CHARS}) END AS district "
    "FROM (SELECT region, string_to_array(region, '.') AS p FROM d) AS r)"
)


def _postgres_token_statement() -> str:
    pulled = (
        _postgres_statement(True)
        .replace("CAST(:ancestors AS text[])", "CAST((SELECT ancestors FROM s) AS text[])")
        .replace(":district", "(SELECT district FROM s)")
        .replace(":scope_like", "(SELECT scope_like FROM s)")
        .replace(":scope", "(SELECT scope FROM s)")
    )
    device_row = f"SELECT NULL::bigint, 'device', row_to_json(d)::text, {_pg_nulls()} FROM d"
    statement = f"WITH {_SCOPE} {pulled} UNION ALL {device_row}"
    return re.sub(r":(cursor|limit|token_hash)\b", r"%(\1)s", statement)


_PG_PULL_BY_TOKEN = _postgres_token_statement()


def pull(engine: Engine, scope: str, cursor: int, limit: int, node: str | None) -> Pulled:
    """Up to ``limit`` changes after ``cursor`` in region ``scope``."""
    with engine.connect() as raw_conn:
        conn = read_only(raw_conn)
        with conn.begin():
            params = _params(scope, cursor, limit)
            found = (
                pg_rows(conn, _PG_PULL[narrow(scope)], params)
                if is_postgres(conn)
                else list(conn.execute(_STATEMENTS[narrow(scope)], params))
            )
    return _page(found, cursor, limit, node)


# The read pool's plan mode (``db.POSTGRES_READS``) for the transaction of a pull sent on
# a writer's connection, whose own mode is custom plans: planning the five-branch UNION
# anew on every push would cost PostgreSQL more than the pull itself.
_READ_PLANS = "SELECT set_config('plan_cache_mode', 'auto', true)"


def after_a_write(scope: str, cursor: int, limit: int) -> list[tuple[str, dict[str, Any]]]:
    """PostgreSQL: ``pull``'s statement to send after a push's commit, in the same round
    trip (``push.push(then=...)``); ``page_after_a_write`` reads what it returned."""
    return [(_READ_PLANS, {}), (_PG_PULL[narrow(scope)], _params(scope, cursor, limit))]


def page_after_a_write(
    then_rows: list[list[Any]], cursor: int, limit: int, node: str | None
) -> Pulled:
    return _page(then_rows[-1], cursor, limit, node)


def _params(scope: str, cursor: int, limit: int) -> dict[str, Any]:
    return {"cursor": cursor, "limit": limit + 1, "scope": scope, "scope_like": scope + ".%",
            "ancestors": list(ancestors(scope)), "district": scope[:DISTRICT_CHARS]}  # fmt: skip


def pull_for_token(
    engine: Engine, token_hash: str, cursor: int, limit: int, node: str | None
) -> tuple[dict[str, Any] | None, Pulled]:
    """PostgreSQL: the device whose token hashes to ``token_hash`` (None: no such
    device) and up to ``limit`` changes after ``cursor`` in its region, in one statement.
    The caller checks the device (revoked?) before it uses the changes."""
    with engine.connect() as raw_conn:
        conn = read_only(raw_conn)
        with conn.begin():
            found = pg_rows(conn, _PG_PULL_BY_TOKEN, _token_params(token_hash, cursor, limit))
    device, pulled = _device_and_page(found, cursor, limit, node)
    if device is not None and not narrow(str(device["region"])):
        pulled = pull(engine, str(device["region"]), cursor, limit, node)
    return device, pulled


async def pull_for_token_on_the_loop(
    reads: LoopReads, token_hash: str, cursor: int, limit: int, node: str | None
) -> tuple[dict[str, Any] | None, Pulled]:
    """``pull_for_token``'s statement, awaited on the event loop (``loop_reads``)."""
    found = await reads.rows(_PG_PULL_BY_TOKEN, _token_params(token_hash, cursor, limit))
    device, pulled = _device_and_page(found, cursor, limit, node)
    if device is not None and not narrow(str(device["region"])):
        scope = str(device["region"])
        wide = await reads.rows(_PG_PULL[False], _params(scope, cursor, limit))
        pulled = _page(wide, cursor, limit, node)
    return device, pulled


def _token_params(token_hash: str, cursor: int, limit: int) -> dict[str, Any]:
    return {"cursor": cursor, "limit": limit + 1, "token_hash": token_hash}


def _device_and_page(
    found: Sequence[Sequence[Any]], cursor: int, limit: int, node: str | None
) -> tuple[dict[str, Any] | None, Pulled]:
    """The token statement's rows: the device (its own row), then the page."""
    device = None
    rows: list[Sequence[Any]] = []
    for row in found:
        if row[_KIND] == "device":
            device = json.loads(row[_ROW_ID])
        else:
            rows.append(row)
    return device, _page(rows, cursor, limit, node)


def _page(found: Sequence[Sequence[Any]], cursor: int, limit: int, node: str | None) -> Pulled:
    """The page a pull statement's rows make: its changes, cursor and ``more``."""
    rows: list[Sequence[Any]] = []
    high = cursor
    for row in found:
        if row[_KIND] == "counter":
            high = int(row[_SEQ])
        else:
            rows.append(row)
    if high <= cursor:  # nothing numbered anywhere since
        return Pulled(Changes([], node), cursor, False)
    rows.sort(key=lambda r: int(r[_SEQ]))
    page = rows[:limit]
    more = len(rows) > limit
    # A whole page (not ``more``) holds every row of the region up to ``high``, so the
    # cursor moves to ``high`` even past other regions' rows: a kiosk in a quiet region
    # does not scan the whole country's changes again on its next sync.
    # ``limit=0`` (push only) pulls nothing and leaves the cursor where it was.
    last = int(page[-1][_SEQ]) if page else cursor
    return Pulled(Changes(page, node), last if more else max(high, cursor), more)
