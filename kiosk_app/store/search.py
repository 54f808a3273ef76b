"""Search merchants, products and villages with FTS5, whatever a person types.

User text is never passed to FTS5 as query syntax: it is split into words, each word
quoted and searched as a prefix, so ``kop`` finds "Kopi Robusta" and operators such as
``AND``, ``NEAR(``, quotes, ``*`` or ``-`` are just text.
"""

from __future__ import annotations

import re
from typing import Any

from kiosk_app.store.connection import Source, database_of
from kiosk_app.store.scope import scope_sql

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# Ranking every match of a one-letter query over 100,000 products takes far too long
# while someone is typing. BM25 ranks at most this many matches, newest first; a query
# specific enough to match fewer is ranked exactly.
RANK_CANDIDATES = 1000
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """A safe FTS5 MATCH expression for ``text``, or None when it holds no words."""
    if not isinstance(text, str):
        return None
    terms: list[str] = []
    for word in _WORD.findall(text[:2000]):
        term = word[:MAX_TERM_LENGTH].lower()
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    if not terms:
        return None
    return " ".join(f'"{t}"*' for t in terms)


def search_products(
    source: Source, text: str, limit: int = 50, merchant_id: str | None = None
) -> list[dict[str, Any]]:
    """Live products matching every word of ``text`` (as prefixes), best first."""
    db = database_of(source)
    query = fts_query(text)
    if query is None:
        return []
    where = "AND p.merchant_id = :merchant" if merchant_id else ""
    sql = f"""
        SELECT p.id, p.merchant_id, p.name, p.price, p.stock, p.unit, p.category, p.status
        FROM (
            SELECT rowid, bm25(product_fts, 10.0, 1.0, 3.0) AS score
            FROM product_fts WHERE product_fts MATCH :query
            ORDER BY rowid DESC LIMIT :candidates
        ) AS hit
        JOIN product p ON p.rowid = hit.rowid
        WHERE p.deleted = 0 {where}
        ORDER BY hit.score
        LIMIT :limit"""
    params = {"query": query, "limit": limit, "merchant": merchant_id}
    return list(db.query(sql, {**params, "candidates": RANK_CANDIDATES}))


def search_merchants(source: Source, text: str, limit: int = 50) -> list[dict[str, Any]]:
    """Live merchants matching every word of ``text`` (as prefixes), best first."""
    db = database_of(source)
    query = fts_query(text)
    if query is None:
        return []
    sql = """
        SELECT m.id, m.business_name, m.owner_name, m.village_code, m.status
        FROM (
            SELECT rowid, bm25(merchant_fts, 10.0, 3.0, 1.0) AS score
            FROM merchant_fts WHERE merchant_fts MATCH :query
            ORDER BY rowid DESC LIMIT :candidates
        ) AS hit
        JOIN merchant m ON m.rowid = hit.rowid
        WHERE m.deleted = 0
        ORDER BY hit.score
        LIMIT :limit"""
    return list(db.query(sql, {"query": query, "limit": limit, "candidates": RANK_CANDIDATES}))


def search_villages(
    source: Source, text: str, limit: int = 20, scope: str | None = None
) -> list[dict[str, Any]]:
    """Villages whose name matches ``text``, with their district and regency names;
    with ``scope`` (a region code) only the villages inside it."""
    db = database_of(source)
    query = fts_query(text)
    if query is None:
        return []
    sql = f"""
        SELECT v.code, v.name, d.name AS district, r.name AS regency
        FROM region_fts
        JOIN region v ON v.rowid = region_fts.rowid
        LEFT JOIN region d ON d.code = v.parent_code
        LEFT JOIN region r ON r.code = d.parent_code
        WHERE region_fts MATCH :query AND v.level = 'village' AND {scope_sql("v.code")}
        ORDER BY bm25(region_fts), v.name
        LIMIT :limit"""
    return list(db.query(sql, {"query": query, "limit": limit, "scope": scope}))


def indexed_products(source: Source) -> int:
    """Rows in the product search index (FTS5): reading it proves the index works."""
    return int(database_of(source).execute("SELECT count(*) FROM product_fts").fetchone()[0])
