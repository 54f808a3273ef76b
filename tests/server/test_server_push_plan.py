"""PostgreSQL: a push's write finds the rows it changes by their primary key, however
large their table (``push.postgres_writer``).

PostgreSQL takes any set function, the JSON rows a push binds among them, for 100 rows,
and planned the update of a few rows as a hash join over the whole table read from end
to end: 1.2 ms of a push at 5,000 products, and growing with the table.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text

from kiosk_app.domain.record_ids import uuid7
from kiosk_server.db import RECORD_TABLES
from kiosk_server.push.postgres_writer import _write_statement
from tests.server.helpers import Api, merchant_fields, product_fields

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


def _scans(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (node type, relation) of a plan, depth first."""
    found = [(plan["Node Type"], plan.get("Relation Name", ""))]
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


@pytest.mark.parametrize("kind", ["u", "n"])
def test_a_push_updating_a_few_rows_finds_them_by_primary_key(api: Api, kind: str):
    # Given a merchant with 5,000 products on the server, their statistics known
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
            "FROM product, generate_series(1, 4999) WHERE id = :first"
        ), {"first": first})  # fmt: skip
        conn.execute(text("ANALYZE product"))
        rows = [dict(r._mapping) for r in conn.execute(select(product).limit(3))]
    assert len(rows) == 3

    # When the writer's statement for changing three of them is planned, with its values
    columns = list(product.c) if kind == "u" else [product.c.id, product.c.seq]
    group = [{c.name: row[c.name] for c in columns} | {"seq": n} for n, row in
             enumerate(rows, start=1)]  # fmt: skip
    params = {"n": 3, f"{kind}_product": json.dumps(group, default=str),
              f"{kind}_product_n": 3}  # fmt: skip
    url = api.settings.db_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        statement = _write_statement(((kind, "product"),))
        (plan,) = conn.execute("EXPLAIN (FORMAT JSON) " + statement, params).fetchone() or ()
        conn.rollback()

    # Then each is found by its primary key: the table is not read whole
    scans = _scans(plan[0]["Plan"])
    assert ("Seq Scan", "product") not in scans, scans
    assert ("Index Scan", "product") in scans, scans
