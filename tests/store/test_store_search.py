"""Search takes anything a person can type, finds by prefix and ranks names first."""

from __future__ import annotations

import re
import unicodedata

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


# What a search reads of the text (the rule, restated here independently of FTS5): its
# first 2,000 characters; words are runs of letters and digits; the first 8 distinct
# words, 40 letters each at most; case and accents do not matter; every word must begin
# a word of the record.
_LETTERS = re.compile(r"[^\W_]+")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def query_words(text: str) -> list[str]:
    words: list[str] = []
    for word in _LETTERS.findall(_fold(text[:2000])):
        if word[:40] not in words:
            words.append(word[:40])
    return words[:8]


def expected_ids(rows: list[tuple[str, ...]], text: str) -> set[str]:
    """Ids of the rows (id, *searched fields) every query word begins a word of."""
    words = query_words(text)
    found = set()
    for row_id, *fields in rows:
        tokens = [t for f in fields if f for t in _LETTERS.findall(_fold(f))]
        if words and all(any(t.startswith(w) for t in tokens) for w in words):
            found.add(row_id)
    return found


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_is_only_words_and_finds_what_they_find(store: Store, catalog, text: str):
    products = store.db.execute("SELECT id, name, description, category FROM product").fetchall()
    merchants = store.db.execute(
        "SELECT id, business_name, owner_name, address FROM merchant"
    ).fetchall()
    villages = store.db.execute("SELECT code, name FROM region WHERE level = 'village'").fetchall()

    found_products = {r["id"] for r in search.search_products(store.db, text)}
    found_merchants = {r["id"] for r in search.search_merchants(store.db, text)}
    found_villages = {r["code"] for r in search.search_villages(store.db, text, limit=100_000)}

    assert found_products == expected_ids(products, text)
    assert found_merchants == expected_ids(merchants, text)
    assert found_villages == expected_ids(villages, text)
    # And the store still works afterwards.
    assert store.db.execute("SELECT count(*) FROM product").fetchone()[0] == 4


def test_the_hostile_list_finds_something_too(store: Store, catalog):
    """The oracle above is not all empty sets: a good part of the list finds records."""
    finding = [t for t in HOSTILE if search.search_products(store.db, t)]
    assert len(finding) >= 10, finding


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
