"""Paged read queries for the screens: merchant and product lists, covers, today's work.

Lists page by keyset (``rowid`` descending: newest first), never by OFFSET, so the
100,000th product costs the same as the first. Text filters go through ``search`` (FTS5,
best matches first, a bounded number of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kiosk_app.store import search
from kiosk_app.store.store import Store

PAGE_SIZE = 200
SEARCH_LIMIT = 200

_MERCHANT_COLUMNS = """m.rowid AS rowid, m.id, m.business_name, m.owner_name, m.phone,
    m.village_code, v.name AS village, m.status, m.created_at,
    (SELECT count(*) FROM product p WHERE p.merchant_id = m.id AND p.deleted = 0) AS products"""
_PRODUCT_COLUMNS = """p.rowid AS rowid, p.id, p.merchant_id, p.name, p.price, p.stock, p.unit,
    p.category, p.status, p.created_at, m.business_name AS merchant,
    (SELECT ph.thumb_sha256 FROM photo ph WHERE ph.product_id = p.id AND ph.deleted = 0
     ORDER BY ph.position LIMIT 1) AS cover_sha"""


@dataclass(frozen=True)
class Page:
    """Rows of one page; ``after`` is the keyset to ask for the next, None at the end."""

    rows: list[dict[str, Any]]
    after: int | None


def _page(rows: list[dict[str, Any]], limit: int) -> Page:
    return Page(rows, rows[-1]["rowid"] if len(rows) == limit else None)


def merchants_page(
    store: Store, *, after: int | None = None, limit: int = PAGE_SIZE, text: str = ""
) -> Page:
    """Live merchants, newest first; with ``text``, the best search matches (one page)."""
    if text.strip():
        hits = search.search_merchants(store.db, text, limit=SEARCH_LIMIT)
        return Page(_merchants_by_id(store, [h["id"] for h in hits]), None)
    sql = f"""SELECT {_MERCHANT_COLUMNS}
        FROM merchant m LEFT JOIN region v ON v.code = m.village_code
        WHERE m.deleted = 0 AND m.rowid < :after
        ORDER BY m.rowid DESC LIMIT :limit"""
    rows = list(store.db.query(sql, {"after": after or 2**63 - 1, "limit": limit}))
    return _page(rows, limit)


def _merchants_by_id(store: Store, ids: Sequence[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    sql = f"""SELECT {_MERCHANT_COLUMNS}
        FROM merchant m LEFT JOIN region v ON v.code = m.village_code
        WHERE m.id IN ({marks})"""
    found = {r["id"]: r for r in store.db.query(sql, list(ids))}
    return [found[i] for i in ids if i in found]


def products_page(
    store: Store,
    *,
    after: int | None = None,
    limit: int = PAGE_SIZE,
    text: str = "",
    merchant_id: str | None = None,
) -> Page:
    """Live products with their cover thumbnail hash, newest first, or search matches."""
    if text.strip():
        hits = search.search_products(store.db, text, limit=SEARCH_LIMIT, merchant_id=merchant_id)
        return Page(_products_by_id(store, [h["id"] for h in hits]), None)
    where = "AND p.merchant_id = :merchant" if merchant_id else ""
    sql = f"""SELECT {_PRODUCT_COLUMNS}
        FROM product p LEFT JOIN merchant m ON m.id = p.merchant_id
        WHERE p.deleted = 0 AND p.rowid < :after {where}
        ORDER BY p.rowid DESC LIMIT :limit"""
    params = {"after": after or 2**63 - 1, "limit": limit, "merchant": merchant_id}
    return _page(list(store.db.query(sql, params)), limit)


def _products_by_id(store: Store, ids: Sequence[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    sql = f"""SELECT {_PRODUCT_COLUMNS}
        FROM product p LEFT JOIN merchant m ON m.id = p.merchant_id
        WHERE p.id IN ({marks})"""
    found = {r["id"]: r for r in store.db.query(sql, list(ids))}
    return [found[i] for i in ids if i in found]


def count_live(store: Store, entity: str, merchant_id: str | None = None) -> int:
    """How many live merchants or products (of one merchant, if given)."""
    if entity == "merchant":
        sql, params = "SELECT count(*) FROM merchant WHERE deleted = 0", []
    elif merchant_id:
        sql = "SELECT count(*) FROM product WHERE deleted = 0 AND merchant_id = ?"
        params = [merchant_id]
    else:
        sql, params = "SELECT count(*) FROM product WHERE deleted = 0", []
    return int(store.db.execute(sql, params).fetchone()[0])


def merchant_detail(store: Store, merchant_id: str) -> dict[str, Any] | None:
    """A live merchant with the names of its village, district and regency."""
    rows = list(
        store.db.query(
            """SELECT m.*, v.name AS village, d.name AS district, r.name AS regency
            FROM merchant m
            LEFT JOIN region v ON v.code = m.village_code
            LEFT JOIN region d ON d.code = v.parent_code
            LEFT JOIN region r ON r.code = d.parent_code
            WHERE m.id = ? AND m.deleted = 0""",
            [merchant_id],
        )
    )
    return rows[0] if rows else None


def start_of_local_day(now: datetime | None = None) -> str:
    """The kiosk's local midnight as UTC ISO text, comparable with ``created_at``."""
    local = (now or datetime.now(UTC)).astimezone()
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class TodayCounts:
    """What the dashboard shows: work done since local midnight, and totals."""

    merchants_today: int
    products_today: int
    merchants_total: int
    products_total: int
    recent_merchants: list[dict[str, Any]]
    recent_products: list[dict[str, Any]]


def today(store: Store, since: str | None = None, recent: int = 5) -> TodayCounts:
    """Counts of records created since ``since`` (default: local midnight) and the latest."""
    since = since or start_of_local_day()

    def counted(sql: str) -> int:
        return int(store.db.execute(sql, [since]).fetchone()[0])

    recent_merchants = list(
        store.db.query(
            f"""SELECT {_MERCHANT_COLUMNS} FROM merchant m
            LEFT JOIN region v ON v.code = m.village_code
            WHERE m.deleted = 0 AND m.created_at >= ? ORDER BY m.rowid DESC LIMIT ?""",
            [since, recent],
        )
    )
    recent_products = list(
        store.db.query(
            f"""SELECT {_PRODUCT_COLUMNS} FROM product p
            LEFT JOIN merchant m ON m.id = p.merchant_id
            WHERE p.deleted = 0 AND p.created_at >= ? ORDER BY p.rowid DESC LIMIT ?""",
            [since, recent],
        )
    )
    return TodayCounts(
        merchants_today=counted(
            "SELECT count(*) FROM merchant WHERE deleted = 0 AND created_at >= ?"
        ),
        products_today=counted(
            "SELECT count(*) FROM product WHERE deleted = 0 AND created_at >= ?"
        ),
        merchants_total=count_live(store, "merchant"),
        products_total=count_live(store, "product"),
        recent_merchants=recent_merchants,
        recent_products=recent_products,
    )


def distinct_values(store: Store, field: str, limit: int = 50) -> list[str]:
    """The most used units or categories, for the editor's suggestions."""
    if field not in ("unit", "category"):
        raise ValueError(f"no suggestions for {field!r}")
    rows = store.db.execute(
        f"""SELECT {field} FROM product WHERE deleted = 0 AND {field} IS NOT NULL
        GROUP BY {field} ORDER BY count(*) DESC, {field} LIMIT ?""",
        [limit],
    ).fetchall()
    return [str(r[0]) for r in rows]
