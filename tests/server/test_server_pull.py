"""``kiosk_server.pull`` on SQLite and PostgreSQL: a page is read in one statement and its
changes are built later, as the answer is encoded; what they say is what was read."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk_app.domain.record_ids import uuid7
from kiosk_server import devices, pull
from kiosk_server.db import is_postgres
from tests.server.helpers import Api, merchant_fields, product_fields


def test_changes_built_after_a_later_write_still_say_what_the_page_read(api: Api):
    # Given a product on the server and a page read for a second kiosk
    maker, reader = api.enroll(), api.enroll()
    m, p = uuid7(), uuid7()
    made = [
        maker.mutation("merchant", m, **merchant_fields()),
        maker.mutation("product", p, **product_fields(m, name="Kopi Lama")),
    ]
    api.sync(maker, made)
    page = pull.pull(api.engine, reader.region, 0, 5000, reader.node)

    # When the product is renamed before that page's changes are built
    api.sync(maker, [maker.mutation("product", p, name="Kopi Baru")])
    built = {c["row_id"]: c for c in page.changes}

    # Then the page says what it read, and its cursor leaves the rename to the next pull
    assert built[p]["fields"]["name"] == "Kopi Lama"
    assert not page.more
    after = pull.pull(api.engine, reader.region, page.cursor, 5000, reader.node)
    assert [c["fields"]["name"] for c in after.changes if c["row_id"] == p] == ["Kopi Baru"]


def test_a_full_page_ends_its_cursor_at_its_last_change_and_the_rest_follows(api: Api):
    # Given a merchant and five products, and a kiosk that already holds the regions
    maker, reader = api.enroll(), api.enroll()
    m = uuid7()
    products = [uuid7() for _ in range(5)]
    start = pull.pull(api.engine, reader.region, 0, 100_000, reader.node).cursor
    made = [maker.mutation("product", p, **product_fields(m)) for p in products]
    api.sync(maker, [maker.mutation("merchant", m, **merchant_fields()), *made])

    # When it pulls in pages of four
    first = pull.pull(api.engine, reader.region, start, 4, reader.node)
    second = pull.pull(api.engine, reader.region, first.cursor, 4, reader.node)

    # Then each change comes once, in seq order, and the cursors cover exactly the pages
    one, two = list(first.changes), list(second.changes)
    assert first.more and not second.more
    assert first.cursor == one[-1]["seq"]
    assert [c["row_id"] for c in one + two] == [m, *products]
    assert [c["seq"] for c in one + two] == sorted(c["seq"] for c in one + two)


def _as_list(page: pull.Pulled) -> tuple[list[dict[str, Any]], int, bool]:
    return list(page.changes), page.cursor, page.more


# One statement for both is PostgreSQL's; SQLite keeps the two reads.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_an_idle_syncs_token_and_pull_in_one_statement_read_what_the_two_read(api: Api):
    assert is_postgres(api.engine)
    # Given kiosks in a district and in the regency above it, changes in both, paged
    district, regency = api.enroll("35.07.01"), api.enroll("35.07")
    m, m2 = uuid7(), uuid7()
    api.sync(district, [district.mutation("merchant", m, **merchant_fields(
        village_code="35.07.01.2001")), *(district.mutation("product", uuid7(),
        **product_fields(m)) for _ in range(3))])  # fmt: skip
    api.sync(regency, [regency.mutation("merchant", m2, **merchant_fields(
        village_code="35.07.02.2001"))])  # fmt: skip
    for kiosk in (district, regency):
        token_hash = devices.sha256_hex(kiosk.token)
        for cursor, limit in ((0, 100_000), (0, 3), (5, 2)):
            # When one statement reads the device and its page
            device, page = pull.pull_for_token(api.engine, token_hash, cursor, limit, kiosk.node)
            # Then it is the device the token lookup reads, and the page the pull reads
            assert device == devices.device_for_token(api.engine, kiosk.token)
            assert _as_list(page) == _as_list(
                pull.pull(api.engine, kiosk.region, cursor, limit, kiosk.node)
            )
    # An unknown token names no device, and pulls nothing but the mark
    device, page = pull.pull_for_token(api.engine, "0" * 64, 0, 100, None)
    assert device is None and list(page.changes) == [] and not page.more
    # psycopg keeps (and prepares once) statements under 4 KiB only
    assert len(pull._PG_PULL_BY_TOKEN) < 4096
