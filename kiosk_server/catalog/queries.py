"""Reads for the public catalog, and the one place that says what the public may see.

Public: a merchant who is active, not deleted, not hidden by a coordinator, and whose
consent is recorded whole (text version, time, operator: the consent text covers
publication); a product of such a merchant that is published, not deleted and not
hidden; a photo of such a product that is not deleted. Only the columns listed here
leave the database: never the owner's name, address, NIB, NPWP, P-IRT, halal
certificate, email, or the consent record itself.

Everything public goes through ``public_merchant()`` and ``public_product()`` (pages,
photos, the Meta and Google feeds and the sitemap in ``feed_rows``), so a rule added
there applies everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
)

from kiosk_server.db import RECORD_TABLES, blob, blob_grant, region

merchant = RECORD_TABLES["merchant"]
product = RECORD_TABLES["product"]
photo = RECORD_TABLES["photo"]

PAGE_SIZE = 24
SEARCH_MAX = 100  # characters of a search that are used
_LEVEL_CODE_LENGTH = {"province": 2, "regency": 5, "district": 8, "village": 13}
_CHILD_LEVEL = {"province": "regency", "regency": "village", "district": "village"}


def _live(table: Any) -> ColumnElement[bool]:
    return or_(table.c.deleted.is_(None), table.c.deleted == 0)


def _filled(column: Any) -> ColumnElement[bool]:
    return and_(column.is_not(None), func.length(func.trim(column)) > 0)


def public_merchant() -> ColumnElement[bool]:
    """Merchants the public may see."""
    return and_(
        _live(merchant),
        merchant.c.hidden_at.is_(None),
        merchant.c.status == "active",
        _filled(merchant.c.consent_version),
        _filled(merchant.c.consent_at),
        _filled(merchant.c.consent_operator),
    )


def public_product() -> ColumnElement[bool]:
    """Products the public may see (join ``merchant`` on ``product.merchant_id``)."""
    return and_(
        _live(product),
        product.c.hidden_at.is_(None),
        product.c.status == "published",
        public_merchant(),
    )


def _products_join() -> Any:
    return product.join(merchant, merchant.c.id == product.c.merchant_id)


MERCHANT_COLUMNS = (
    merchant.c.id,
    merchant.c.business_name,
    merchant.c.phone,
    merchant.c.village_code,
)
PRODUCT_COLUMNS = (
    product.c.id,
    product.c.merchant_id,
    product.c.name,
    product.c.description,
    product.c.price,
    product.c.unit,
    product.c.category,
    product.c.weight_g,
    product.c.stock,
    merchant.c.business_name,
    merchant.c.phone,
    merchant.c.village_code,
)


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    number: int  # 1-based
    has_next: bool


def _page(conn: Connection, query: Any, number: int) -> Page:
    number = max(1, number)
    rows = conn.execute(query.limit(PAGE_SIZE + 1).offset((number - 1) * PAGE_SIZE)).all()
    found = [dict(r._mapping) for r in rows[:PAGE_SIZE]]
    return Page(found, number, len(rows) > PAGE_SIZE)


def _with_covers(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``thumb`` (the cover's thumbnail hash, or None) to each product row."""
    ids = [r["id"] for r in rows]
    covers: dict[str, tuple[int, str]] = {}
    if ids:
        found = conn.execute(
            select(photo.c.product_id, photo.c.position, photo.c.sha256, photo.c.thumb_sha256)
            .where(photo.c.product_id.in_(ids), _live(photo))
            .order_by(photo.c.product_id, photo.c.position, photo.c.id)
        )
        for r in found:
            if r.product_id not in covers:
                covers[r.product_id] = (int(r.position or 0), r.thumb_sha256 or r.sha256)
    return [{**r, "thumb": covers.get(r["id"], (0, None))[1]} for r in rows]


def region_names(conn: Connection, codes: list[str]) -> dict[str, str]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = conn.execute(select(region.c.code, region.c.name).where(region.c.code.in_(wanted)))
    return {r.code: r.name for r in rows}


def region_path(code: str) -> list[str]:
    """``35.07.12.2001`` → ``["35", "35.07", "35.07.12", "35.07.12.2001"]``."""
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]


def get_region(conn: Connection, code: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(region.c.code, region.c.name, region.c.level).where(region.c.code == code)
    ).first()
    return None if row is None else dict(row._mapping)


def regions_with_merchants(conn: Connection, parent: str | None) -> list[dict[str, Any]]:
    """The regions one level below ``parent`` (provinces when None) that hold public
    merchants, with how many; a regency lists its villages directly, with their district."""
    if parent is None:
        level = "province"
    else:
        parent_level = get_region(conn, parent)
        if parent_level is None or parent_level["level"] not in _CHILD_LEVEL:
            return []
        level = _CHILD_LEVEL[parent_level["level"]]
    # The length inline, not bound: PostgreSQL must see the same expression in GROUP BY.
    length: ColumnElement[int] = literal_column(str(_LEVEL_CODE_LENGTH[level]))
    key = func.substr(merchant.c.village_code, 1, length)
    query = select(key.label("code"), func.count().label("merchants")).where(public_merchant())
    if parent is not None:
        query = query.where(merchant.c.village_code.like(parent + ".%"))
    counts = {r.code: int(r.merchants) for r in conn.execute(query.group_by(key))}
    districts = {c.rsplit(".", 1)[0] for c in counts} if level == "village" else set()
    names = region_names(conn, [*counts, *districts])
    out = [
        {
            "code": code,
            "name": names.get(code, code),
            "merchants": n,
            "district": names.get(code.rsplit(".", 1)[0]) if level == "village" else None,
        }
        for code, n in counts.items()
    ]
    return sorted(out, key=lambda r: (r["district"] or "", r["name"]))


def merchants_in(conn: Connection, village_code: str, number: int) -> Page:
    query = (
        select(*MERCHANT_COLUMNS)
        .where(public_merchant(), merchant.c.village_code == village_code)
        .order_by(merchant.c.business_name, merchant.c.id)
    )
    return _page(conn, query, number)


def categories(conn: Connection) -> list[dict[str, Any]]:
    query = (
        select(product.c.category, func.count().label("products"))
        .select_from(_products_join())
        .where(public_product(), _filled(product.c.category))
        .group_by(product.c.category)
        .order_by(product.c.category)
    )
    return [{"name": r.category, "products": int(r.products)} for r in conn.execute(query)]


def _product_query(condition: ColumnElement[bool]) -> Any:
    return (
        select(*PRODUCT_COLUMNS)
        .select_from(_products_join())
        .where(public_product(), condition)
        .order_by(product.c.name, product.c.id)
    )


def products_in_category(conn: Connection, category: str, number: int) -> Page:
    page = _page(conn, _product_query(product.c.category == category), number)
    return Page(_with_covers(conn, page.rows), page.number, page.has_next)


def clean_search(text: str) -> str:
    """What of a typed search is used: printable characters, collapsed spaces, capped."""
    kept = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(kept.split())[:SEARCH_MAX]


def search_products(conn: Connection, text: str, number: int) -> Page:
    """Public products whose name, description or category, or whose merchant's business
    name, contains every word of ``text`` (case-insensitive, literal: ``%`` and ``_`` are
    just characters)."""
    words = clean_search(text).lower().split()[:8]
    if not words:
        return Page([], 1, False)
    haystack = func.lower(
        func.coalesce(product.c.name, "")
        + " "
        + func.coalesce(product.c.description, "")
        + " "
        + func.coalesce(product.c.category, "")
        + " "
        + func.coalesce(merchant.c.business_name, "")
    )
    condition: ColumnElement[bool] = true()
    for word in words:
        condition = and_(condition, haystack.contains(word, autoescape=True))
    page = _page(conn, _product_query(condition), number)
    return Page(_with_covers(conn, page.rows), page.number, page.has_next)


def get_merchant(conn: Connection, merchant_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(*MERCHANT_COLUMNS).where(merchant.c.id == merchant_id, public_merchant())
    ).first()
    return None if row is None else dict(row._mapping)


def products_of(conn: Connection, merchant_id: str, number: int) -> Page:
    page = _page(conn, _product_query(product.c.merchant_id == merchant_id), number)
    return Page(_with_covers(conn, page.rows), page.number, page.has_next)


def get_product(conn: Connection, product_id: str) -> dict[str, Any] | None:
    row = conn.execute(_product_query(product.c.id == product_id)).first()
    return None if row is None else dict(row._mapping)


def photos_of(conn: Connection, product_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(photo.c.sha256, photo.c.thumb_sha256, photo.c.width, photo.c.height)
        .where(photo.c.product_id == product_id, _live(photo))
        .order_by(photo.c.position, photo.c.id)
    )
    return [dict(r._mapping) for r in rows]


def granted(sha: Any) -> ColumnElement[bool]:
    """The blob ``sha`` (a column or value) may show in the photo row's place
    (``blobstore``): a photo row naming another region's blob does not publish it."""
    return exists().where(blob_grant.c.sha256 == sha, blob_grant.c.scope_code == photo.c.scope_code)


def public_photo() -> ColumnElement[bool]:
    """Photos whose full image the public may fetch now: live, granted, and its bytes
    arrived (a photo's record comes before its bytes). Keep to public products."""
    return and_(
        _live(photo),
        photo.c.sha256.is_not(None),
        granted(photo.c.sha256),
        exists().where(blob.c.sha256 == photo.c.sha256),
    )


def is_public_image(conn: Connection, sha: str) -> bool:
    """True when ``sha`` is the full image or thumbnail of a public product's live photo
    whose place is granted that blob (``blobstore``): a photo row naming another
    region's blob does not publish it."""
    query = (
        select(photo.c.id)
        .select_from(
            photo.join(product, product.c.id == photo.c.product_id).join(
                merchant, merchant.c.id == product.c.merchant_id
            )
        )
        .where(or_(photo.c.sha256 == sha, photo.c.thumb_sha256 == sha), _live(photo))
        .where(public_product())
        .where(granted(sha))
        .limit(1)
    )
    return conn.execute(query).first() is not None
