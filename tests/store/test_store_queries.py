"""Paged queries for the screens: keyset pages, search, covers and today's counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk_app.store import queries
from kiosk_app.store.store import Store


def _merchant(store: Store, fields, name: str) -> str:
    return store.create("merchant", {**fields, "business_name": name})


def _photo(store: Store, product_id: str, position: int, thumb: str) -> str:
    return store.create(
        "photo",
        {"product_id": product_id, "position": position, "sha256": "a" * 64, "thumb_sha256": thumb},
    )


def test_products_page_by_keyset_covers_every_row_once(store: Store, merchant_fields):
    merchant_id = _merchant(store, merchant_fields, "Kopi Bu Sri")
    made = [
        store.create("product", {"merchant_id": merchant_id, "name": f"Produk {n}", "price": n})
        for n in range(25)
    ]

    seen: list[str] = []
    after = None
    while True:
        page = queries.products_page(store, after=after, limit=10)
        seen += [r["id"] for r in page.rows]
        if page.after is None:
            break
        after = page.after

    assert seen == list(reversed(made))  # newest first, no duplicates, no gaps
    assert queries.count_live(store, "product") == 25
    assert queries.count_live(store, "product", merchant_id) == 25


def test_products_page_shows_the_cover_and_skips_deleted(store: Store, merchant_fields):
    merchant_id = _merchant(store, merchant_fields, "Kopi Bu Sri")
    kopi = store.create("product", {"merchant_id": merchant_id, "name": "Kopi", "price": 1})
    gula = store.create("product", {"merchant_id": merchant_id, "name": "Gula", "price": 1})
    _photo(store, kopi, 1, "c" * 64)
    _photo(store, kopi, 0, "b" * 64)
    store.delete("product", gula)

    rows = queries.products_page(store).rows

    assert [(r["name"], r["cover_sha"], r["merchant"]) for r in rows] == [
        ("Kopi", "b" * 64, "Kopi Bu Sri")
    ]


def test_text_filters_search_and_merchant(store: Store, merchant_fields):
    sri = _merchant(store, merchant_fields, "Kopi Bu Sri")
    darmo = _merchant(store, merchant_fields, "Keripik Pak Darmo")
    store.create("product", {"merchant_id": sri, "name": "Kopi Robusta", "price": 1})
    store.create("product", {"merchant_id": darmo, "name": "Kopi Tubruk", "price": 1})

    all_kopi = queries.products_page(store, text="kop")
    sri_kopi = queries.products_page(store, text="kop", merchant_id=sri)
    merchants = queries.merchants_page(store, text="darmo")

    assert sorted(r["name"] for r in all_kopi.rows) == ["Kopi Robusta", "Kopi Tubruk"]
    assert all_kopi.after is None
    assert [r["name"] for r in sri_kopi.rows] == ["Kopi Robusta"]
    assert [(m["business_name"], m["village"]) for m in merchants.rows] == [
        ("Keripik Pak Darmo", "Ternyang")
    ]
    assert [m["products"] for m in queries.merchants_page(store).rows] == [1, 1]


def test_today_counts_only_records_since_midnight(store: Store, merchant_fields):
    merchant_id = _merchant(store, merchant_fields, "Kopi Bu Sri")
    store.create("product", {"merchant_id": merchant_id, "name": "Kopi", "price": 1})
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="milliseconds")

    now = queries.today(store)
    later = queries.today(store, since=tomorrow)

    assert (now.merchants_today, now.products_today) == (1, 1)
    assert [p["name"] for p in now.recent_products] == ["Kopi"]
    assert (later.merchants_today, later.products_today) == (0, 0)
    assert (later.merchants_total, later.products_total) == (1, 1)


def test_start_of_local_day_is_utc_text_before_now():
    start = queries.start_of_local_day()
    assert start.endswith("+00:00")
    assert start <= datetime.now(UTC).isoformat(timespec="milliseconds")


def test_merchant_detail_and_suggestions(store: Store, merchant_fields):
    merchant_id = _merchant(store, merchant_fields, "Kopi Bu Sri")
    for unit in ("bungkus", "bungkus", "kg"):
        store.create("product", {"merchant_id": merchant_id, "name": "X", "price": 1, "unit": unit})

    detail = queries.merchant_detail(store, merchant_id)

    assert detail is not None and detail["village"] == "Ternyang"
    assert detail["district"] and detail["regency"]
    assert queries.distinct_values(store, "unit") == ["bungkus", "kg"]
