"""``kiosk_server.pull`` on SQLite and PostgreSQL: a page is read in one statement and its
changes are built later, as the answer is encoded; what they say is what was read."""

from __future__ import annotations

from kiosk_app.domain.record_ids import uuid7
from kiosk_server import pull
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
