"""Search takes anything a person can type, finds by prefix and ranks names first."""

from __future__ import annotations

import pytest

from kiosk_app.store import search
from kiosk_app.store.store import Store

HOSTILE = [
    '"',
    '""',
    '"kopi',
    "kopi\"'",
    "AND",
    "kopi AND",
    "OR OR OR",
    "NOT",
    "kopi NOT teh",
    "NEAR(",
    "NEAR(kopi teh, 2)",
    "*",
    "kop*",
    "**",
    "-",
    "-kopi",
    "kopi -",
    "^",
    "^kopi",
    "(",
    ")",
    "((kopi",
    "kopi)",
    "{name}: kopi",
    "name:kopi",
    "product_fts:kopi",
    ":",
    "'; DROP TABLE product; --",
    "%",
    "_",
    "\\",
    "\x00",
    "kopi\x00teh",
    "😀",
    "kopi 😀 robusta",
    "☕☕☕",
    "\u200b",
    "ｋｏｐｉ",
    "   ",
    "",
    "a" * 10_000,
    "kopi " * 2_000,
    "ab" * 5_000 + " kopi",
    "KOPI",
    "kópì",
    "+",
    "kopi+teh",
    "rank",
    "bm25(product_fts)",
    "\n\t\r",
]


@pytest.fixture
def catalog(store: Store, merchant_fields):
    merchant_id = store.create("merchant", merchant_fields)
    names = {
        "Kopi Robusta Dampit": "Biji kopi pilihan dari lereng Semeru",
        "Keripik Tempe": "Renyah, cocok untuk teman minum kopi",
        "Teh Tubruk": "Teh hitam",
        "Gula Aren Cair": "Manis alami",
    }
    ids = {}
    for name, description in names.items():
        ids[name] = store.create(
            "product",
            {"merchant_id": merchant_id, "name": name, "description": description, "price": 10000},
        )
    return ids


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_returns_results_or_nothing(store: Store, catalog, text: str):
    for fn in (search.search_products, search.search_merchants, search.search_villages):
        results = fn(store.db, text)
        assert isinstance(results, list)
    # And the store still works afterwards.
    assert store.db.execute("SELECT count(*) FROM product").fetchone()[0] == 4


def test_hostile_list_is_long_enough():
    assert len(HOSTILE) >= 30


def test_prefix_finds_and_names_rank_above_descriptions(store: Store, catalog):
    names = [r["name"] for r in search.search_products(store.db, "kop")]

    assert names[0] == "Kopi Robusta Dampit"
    assert "Keripik Tempe" in names  # matched in its description, ranked lower
    assert "Teh Tubruk" not in names


def test_every_word_must_match(store: Store, catalog):
    assert [r["name"] for r in search.search_products(store.db, "kopi rob")] == [
        "Kopi Robusta Dampit"
    ]
    assert search.search_products(store.db, "kopi gula") == []


def test_operators_are_just_words(store: Store, catalog):
    assert search.search_products(store.db, "kopi AND") == []  # "and" is a word nobody wrote
    assert [r["name"] for r in search.search_products(store.db, '"teh" -hitam')] == ["Teh Tubruk"]


def test_case_and_accents_do_not_matter(store: Store, catalog):
    assert [r["name"] for r in search.search_products(store.db, "GULA ÁREN")] == ["Gula Aren Cair"]


def test_deleted_products_are_not_found(store: Store, catalog):
    store.delete("product", catalog["Teh Tubruk"])

    assert search.search_products(store.db, "teh") == []


def test_edits_are_searchable_at_once(store: Store, catalog):
    store.update("product", catalog["Teh Tubruk"], {"name": "Wedang Jahe"})

    assert [r["name"] for r in search.search_products(store.db, "jahe")] == ["Wedang Jahe"]
    assert search.search_products(store.db, "tubruk") == []


def test_merchants_and_villages(store: Store, catalog):
    assert [m["business_name"] for m in search.search_merchants(store.db, "sri")] == ["Kopi Bu Sri"]
    villages = search.search_villages(store.db, "ternyang")
    assert villages[0]["code"] == "35.07.12.2001"
    assert villages[0]["district"] == "Sumberpucung"
    assert villages[0]["regency"] == "Kabupaten Malang"
