"""PostgreSQL: a push's one write statement (``push.postgres_writer``).

It finds the rows it changes by their primary key, however large their table: PostgreSQL
takes any set function, the JSON rows a push binds among them, for 100 rows, and planned
the update of a few rows as a hash join over the whole table read from end to end
(1.2 ms of a push at 5,000 products, and growing with the table). And it fails, so its
transaction is rolled back, when it did not write every row it was given: the commit is
sent with it, so no code can look at its answer in between.
"""

from __future__ import annotations

import json
import re
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from kiosk_app.domain.record_ids import uuid7
from kiosk_server.db import RECORD_TABLES
from kiosk_server.driver_reads import pg_rows_then_commit
from kiosk_server.push.postgres_writer import WRITE_PLANS, _write_statement
from tests.server.helpers import Api, merchant_fields, product_fields

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


def _wanted(numbered: int) -> dict[str, int]:
    return {"want_numbered": numbered, "want_outcomes": 0, "want_conflicts": 0}


def _scans(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (node type, relation) of a plan, depth first."""
    found = [(plan["Node Type"], plan.get("Relation Name", ""))]
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


def _generic_plan(conn: psycopg.Connection[Any], statement: str, params: dict[str, Any]) -> Any:
    """The plan the writer runs ``statement`` by: generic, in the write's settings
    (``WRITE_PLANS``), from a prepared statement, as psycopg prepares it."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    numbered = re.sub(r"%\((\w+)\)s", number, statement)
    conn.execute(WRITE_PLANS)
    conn.execute(f"PREPARE write AS {numbered}")
    marks = ", ".join(["%s"] * len(names))
    cursor = psycopg.ClientCursor(conn)
    cursor.execute(f"EXPLAIN (FORMAT JSON) EXECUTE write({marks})", [params[n] for n in names])
    return (cursor.fetchone() or ())[0]


# A generic plan made over a handful of rows (a new deployment) is kept as the table
# grows, until the next ANALYZE: it must be the index plan too.
@pytest.mark.parametrize(("plans", "products"), [("custom", 5000), ("generic", 5000),
                                                 ("generic", 3)])  # fmt: skip
@pytest.mark.parametrize("kind", ["u", "n"])
def test_a_push_updating_a_few_rows_finds_them_by_primary_key(
    api: Api, kind: str, plans: str, products: int
):
    # Given a merchant with 5,000 products on the server (or 3), their statistics known
    kiosk = api.enroll()
    m, first = uuid7(), uuid7()
    api.sync(kiosk, [kiosk.mutation("merchant", m, **merchant_fields()),
                     kiosk.mutation("product", first, **product_fields(m))])  # fmt: skip
    product = RECORD_TABLES["product"]
    names = [c.name for c in product.c if c.name != "id"]
    with api.engine.begin() as conn:
        conn.execute(text(
            f"INSERT INTO product (id, {', '.join(names)}) "
            f"SELECT gen_random_uuid()::text, {', '.join(names)} "
            "FROM product, generate_series(1, :more) WHERE id = :first"
        ), {"first": first, "more": products - 1})  # fmt: skip
        conn.execute(text("ANALYZE product"))
        rows = [dict(r._mapping) for r in conn.execute(select(product).limit(3))]
    assert len(rows) == 3

    # When the writer's statement for changing three of them is planned, with its values
    # (custom), or once for any (generic: how the writer runs it, ``WRITE_PLANS``)
    columns = list(product.c) if kind == "u" else [product.c.id, product.c.seq]
    group = [{c.name: row[c.name] for c in columns} | {"seq": n} for n, row in
             enumerate(rows, start=1)]  # fmt: skip
    params = {"n": 3, f"{kind}_product": json.dumps(group, default=str),
              f"{kind}_product_n": 3, **_wanted(3)}  # fmt: skip
    url = api.settings.db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        statement = _write_statement(((kind, "product"),))
        if plans == "generic":
            plan = _generic_plan(conn, statement, params)
        else:
            (plan,) = conn.execute("EXPLAIN (FORMAT JSON) " + statement, params).fetchone() or ()
        conn.rollback()

    # Then each is found by its primary key: the table is not read whole
    scans = _scans(plan[0]["Plan"])
    assert ("Seq Scan", "product") not in scans, scans
    assert ("Index Scan", "product") in scans, scans


def test_a_write_that_misses_a_row_fails_and_writes_nothing(api: Api):
    # Given a product on the server
    kiosk = api.enroll()
    m, p = uuid7(), uuid7()
    api.sync(kiosk, [kiosk.mutation("merchant", m, **merchant_fields()),
                     kiosk.mutation("product", p, **product_fields(m))])  # fmt: skip
    url = api.settings.db_url.replace("postgresql+psycopg://", "postgresql://")
    statement = _write_statement((("n", "product"),))
    read = "SELECT (SELECT value FROM counter WHERE name = 'seq'), (SELECT seq FROM product)"
    with psycopg.connect(url) as conn:
        before = conn.execute(read).fetchone()
        # When the statement is to renumber it and a product that does not exist
        rows = [{"id": p, "seq": 1}, {"id": uuid7(), "seq": 2}]
        params = {"n": 2, "n_product": json.dumps(rows), "n_product_n": 2, **_wanted(2)}
        # Then it fails, saying what it wrote
        with pytest.raises(psycopg.errors.InvalidTextRepresentation, match="push wrote 1, 0, 0"):
            conn.execute(statement, params)
        conn.rollback()
        # and nothing of it is kept
        assert conn.execute(read).fetchone() == before
        # while the same statement for the one product writes it
        params = {"n": 1, "n_product": json.dumps(rows[:1]), "n_product_n": 1, **_wanted(1)}
        assert conn.execute(statement, params).fetchone() == (1,)
        conn.rollback()


def _counter(api: Api) -> int:
    with api.engine.connect() as conn:
        value = conn.execute(text("SELECT value FROM counter WHERE name = 'seq'")).scalar()
    assert isinstance(value, int)
    return value


def test_a_statement_failing_with_its_commit_keeps_nothing_of_the_transaction(api: Api):
    before = _counter(api)
    bump = text("UPDATE counter SET value = value + 1000 WHERE name = 'seq'")
    # Given a transaction that wrote, then sends a failing statement with its commit
    with pytest.raises(DBAPIError) as failed, api.engine.begin() as conn:
        conn.execute(bump)
        pg_rows_then_commit(conn, "SELECT 1 / (SELECT count(*) - count(*) FROM counter)", {})
    # Then the error is SQLAlchemy's, as a push's retry expects, nothing was kept, and
    # the pool's connections still work
    assert isinstance(failed.value.orig, psycopg.errors.DivisionByZero)
    assert _counter(api) == before
    # while one that succeeds keeps what its transaction wrote
    with api.engine.begin() as conn:
        conn.execute(bump)
        assert pg_rows_then_commit(conn, "SELECT 1", {}) == [(1,)]
    assert _counter(api) == before + 1000
