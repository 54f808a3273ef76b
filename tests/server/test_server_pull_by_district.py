"""A district's or a village's kiosk pulls its district's rows by the ``(district, seq)``
index, not every region's changes since its cursor (``pull.narrow``).

With one ``seq`` index, a pull read every record numbered since the kiosk's cursor, in
every region, to keep its own: at a fleet's scale (thousands of districts) an idle sync
would read the whole country's last ten minutes of changes. The narrow statement must
read exactly what the wide one reads, for every level of region, at any cursor and page
size; and its plan must walk the district's index on both databases.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

import psycopg
import pytest
from sqlalchemy import event, text

from kiosk_app.domain.record_ids import uuid7
from kiosk_server import devices, pull
from kiosk_server.db import RECORD_TABLES, is_postgres
from tests.server.helpers import Api, merchant_fields, photo_fields, product_fields

# Villages in two districts of one regency, and one of another regency.
VILLAGES = ("35.07.01.2001", "35.07.01.2002", "35.07.02.2001", "53.10.01.2001")
SCOPES = ("35", "35.07", "35.07.01", "35.07.01.2001", "35.07.02", "53.10.01.2001")


def _as_list(page: pull.Pulled) -> tuple[list[dict[str, Any]], int, bool]:
    return list(page.changes), page.cursor, page.more


def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pull as a province's: the statement that walks ``seq`` alone."""
    monkeypatch.setattr(pull, "narrow", lambda scope: False)


def _fill(api: Api) -> None:
    """Merchants, products and their edits in every village, interleaved in ``seq``."""
    writers = {"35.07": api.enroll("35.07"), "53.10": api.enroll("53.10")}
    merchants = []
    for n in range(3):
        for village in VILLAGES:
            kiosk = writers[village[:5]]
            m = uuid7()
            merchants.append((kiosk, m))
            fields = merchant_fields(village_code=village, business_name=f"Toko {village} {n}")
            api.sync(kiosk, [kiosk.mutation("merchant", m, **fields),
                             kiosk.mutation("product", uuid7(), **product_fields(m))])  # fmt: skip
    for kiosk, m in merchants[::2]:
        api.sync(kiosk, [kiosk.mutation("merchant", m, address="Jl. Baru")])


def test_a_narrow_pull_reads_what_the_wide_pull_reads(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given records in villages of two districts and two regencies, edited in turn
    _fill(api)
    reader = api.enroll("35.07")
    mark = pull.pull(api.engine, "35", 0, 100_000, None).cursor
    for scope in SCOPES:
        assert pull.narrow(scope) == (len(scope.split(".")) >= 3)
        for cursor, limit in ((0, 100_000), (0, 4), (7, 3), (mark // 2, 5), (mark, 10)):
            # When a kiosk of that region pulls, and the wide statement reads the same
            narrowed = _as_list(pull.pull(api.engine, scope, cursor, limit, reader.node))
            with monkeypatch.context() as m:
                _wide(m)
                wide = _as_list(pull.pull(api.engine, scope, cursor, limit, reader.node))
            # Then both read the same page, and the narrow one reads no other district
            assert narrowed == wide, (scope, cursor, limit)
            villages = {c["fields"].get("village_code") for c in narrowed[0]} - {None}
            assert all(v == scope or v.startswith(scope + ".") for v in villages), villages
    whole = {c["row_id"] for c in pull.pull(api.engine, "35.07.01", 0, 100_000, None).changes}
    assert len([c for c in whole]) >= 12  # 6 merchants + 6 products of district 35.07.01


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("region", ["35.07.01", "35.07.01.2001", "35.07"])
def test_the_token_statement_reads_what_the_pull_reads_at_every_level(
    api: Api, monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    # Given records in several districts, and a kiosk of that region
    _fill(api)
    kiosk = api.enroll(region)
    token_hash = devices.sha256_hex(kiosk.token)
    for cursor, limit in ((0, 100_000), (0, 3), (9, 4)):
        # When one statement checks its token and pulls (a second one for a regency's)
        device, page = pull.pull_for_token(api.engine, token_hash, cursor, limit, kiosk.node)
        # Then it read the device, and the page the wide statement reads
        assert device is not None and device["region"] == region
        with monkeypatch.context() as m:
            _wide(m)
            wide = pull.pull(api.engine, region, cursor, limit, kiosk.node)
        assert _as_list(page) == _as_list(wide), (cursor, limit)


def _scans(plan: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every (node type, relation, index) of a PostgreSQL plan, depth first."""
    found = [(plan["Node Type"], plan.get("Relation Name", ""), plan.get("Index Name", ""))]
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


def _many_districts(api: Api, districts: int) -> None:
    """The records of one district copied into ``districts`` others, then ANALYZEd:
    a country's worth of districts, each with a few rows."""
    kiosk = api.enroll("35.07")
    m, p = uuid7(), uuid7()
    shown = photo_fields(p, "a" * 64, "b" * 64)
    api.sync(kiosk, [kiosk.mutation("merchant", m, **merchant_fields(village_code=VILLAGES[0])),
                     kiosk.mutation("product", p, **product_fields(m)),
                     kiosk.mutation("photo", uuid7(), **shown)])  # fmt: skip
    postgres = is_postgres(api.engine)
    with api.engine.begin() as conn:
        for name, table in RECORD_TABLES.items():
            others = [c.name for c in table.c if c.name not in ("id", "scope_code", "seq")]
            cols = ", ".join(others)
            if postgres:
                conn.execute(text(
                    f"INSERT INTO {name} (id, scope_code, seq, {cols}) "
                    f"SELECT gen_random_uuid()::text, "
                    f"'90.' || lpad((n % {districts})::text, 5, '0') || '.2001', "
                    f"1000000 + n, {cols} FROM {name}, generate_series(1, {districts * 5}) AS n"
                ))  # fmt: skip
            else:
                conn.execute(text(
                    f"WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g "
                    f"WHERE n < {districts * 5}) "
                    f"INSERT INTO {name} (id, scope_code, seq, {cols}) "
                    f"SELECT hex(randomblob(16)), "
                    f"'90.' || substr('0000' || (n % {districts}), -5) || '.2001', "
                    f"1000000 + n, {cols} FROM {name}, g"
                ))  # fmt: skip
        conn.execute(text("UPDATE counter SET value = 2000000 WHERE name = 'seq'"))
        conn.execute(text("ANALYZE"))


def _numbered(sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
    """A psycopg statement with PostgreSQL's ``$n`` parameters, and their values in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"%\((\w+)\)s", number, sql), [params[name] for name in names]


@pytest.mark.parametrize("plans", ["custom", "generic"])
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_districts_pull_walks_its_districts_index_on_postgres(api: Api, plans: str) -> None:
    # Given 2,000 districts' rows, their statistics known
    _many_districts(api, 2000)
    sql, values = _numbered(pull._PG_PULL[True], pull._params("35.07.01", 0, 100))
    url = api.settings.db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        # When the narrow pull is planned for its values, or generically (the read pool's
        # plans, made once for any value)
        conn.execute(f"SET plan_cache_mode = force_{plans}_plan")
        conn.execute("PREPARE pulled AS " + sql)
        cursor = psycopg.ClientCursor(conn)
        marks = ", ".join(["%s"] * len(values))
        cursor.execute(f"EXPLAIN (FORMAT JSON) EXECUTE pulled({marks})", values)
        (plan,) = cursor.fetchone() or ()

    # Then each record table is read by its (district, seq) index, never by seq alone
    scans = _scans(plan[0]["Plan"])
    for name in RECORD_TABLES:
        used = {index for _, relation, index in scans if relation == name}
        assert used == {f"ix_{name}_district_seq"}, (name, scans)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_districts_pull_walks_its_districts_index_on_sqlite(api: Api) -> None:
    # Given 2,000 districts' rows, their statistics known
    _many_districts(api, 2000)
    # When SQLite plans the narrow pull, as the pull sends it
    sent: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, sql: str, values: Any, context: Any, many: bool) -> None:
        sent.append((sql, values))

    event.listen(api.engine, "before_cursor_execute", note)
    try:
        pull.pull(api.engine, "35.07.01", 0, 100, None)
    finally:
        event.remove(api.engine, "before_cursor_execute", note)
    ((sql, values),) = [(q, v) for q, v in sent if "UNION ALL" in q]
    with api.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        plan = raw.execute("EXPLAIN QUERY PLAN " + sql, values).fetchall()
    # Then each record table is read by its (district, seq) index
    details = json.dumps([row[-1] for row in plan])
    for name in RECORD_TABLES:
        assert f"{name} USING INDEX ix_{name}_district_seq" in details, details
