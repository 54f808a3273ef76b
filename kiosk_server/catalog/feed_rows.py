"""Reads for the product feeds and the sitemap: public rows in keyset pages, and the
catalog's version (change sequence, last change time) that their caching answers with.

Every row comes through ``queries.public_product()`` / ``queries.public_merchant()``, the
one place that says what the public may see, and every photo through
``queries.granted()`` as on ``/foto/``: a feed lists exactly what the pages show. Each
page is read on a connection of its own, so a slow client holds no connection and no
more than one page of rows is in memory, whatever the catalog's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, or_, select, true

from kiosk_app.domain.records import MAX_PHOTOS_PER_PRODUCT
from kiosk_server.catalog import queries
from kiosk_server.catalog.queries import merchant, photo, product
from kiosk_server.db import blob, blob_grant, counter, read_only

FEED_PAGE = 500  # products per read: a few hundred KB of rows, one photo query each
REGION_CODE = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")
MAX_ID = 64


class BadFilter(ValueError):
    """A feed filter the server cannot use; the message is for the person who typed it."""


@dataclass(frozen=True)
class Filters:
    region: str | None = None  # a Kemendagri code: its villages and everything below
    merchant: str | None = None

    @classmethod
    def parse(cls, wilayah: str | None, penjual: str | None) -> Filters:
        region = (wilayah or "").strip() or None
        if region is not None and not REGION_CODE.fullmatch(region):
            raise BadFilter(
                "Kode wilayah tidak dikenal: pakai kode Kemendagri seperti 35, 35.07, "
                "35.07.12 atau 35.07.12.2001."
            )
        seller = (penjual or "").strip() or None
        if seller is not None and (len(seller) > MAX_ID or not seller.isprintable()):
            raise BadFilter("Kode penjual tidak dikenal.")
        return cls(region, seller)

    def condition(self) -> ColumnElement[bool]:
        found: ColumnElement[bool] = true()
        if self.region is not None:
            code = merchant.c.village_code
            found = and_(found, or_(code == self.region, code.like(self.region + ".%")))
        if self.merchant is not None:
            found = and_(found, product.c.merchant_id == self.merchant)
        return found

    def key(self) -> str:
        return f"wilayah={self.region or ''}&penjual={self.merchant or ''}"


@dataclass(frozen=True)
class FeedItem:
    id: str
    merchant_id: str
    name: str
    description: str | None
    price: int
    stock: int
    category: str | None
    business_name: str
    photos: tuple[str, ...]  # full-image hashes, cover first, at most 9


def _products(conn: Connection, filters: Filters, after: str, limit: int) -> list[Any]:
    query = (
        select(
            product.c.id,
            product.c.merchant_id,
            product.c.name,
            product.c.description,
            product.c.price,
            product.c.stock,
            product.c.category,
            merchant.c.business_name,
        )
        .select_from(product.join(merchant, merchant.c.id == product.c.merchant_id))
        .where(queries.public_product(), filters.condition(), product.c.id > after)
        .order_by(product.c.id)
        .limit(limit)
    )
    return list(conn.execute(query))


def _photos(conn: Connection, ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    rows = conn.execute(
        select(photo.c.product_id, photo.c.sha256)
        .where(photo.c.product_id.in_(ids), queries.public_photo())
        .order_by(photo.c.product_id, photo.c.position, photo.c.id)
    )
    for r in rows:
        shas = found.setdefault(r.product_id, [])
        if len(shas) < MAX_PHOTOS_PER_PRODUCT:
            shas.append(r.sha256)
    return found


def feed_pages(
    engine: Engine, filters: Filters, page_size: int = FEED_PAGE
) -> Iterator[list[FeedItem]]:
    """The public products ``filters`` select, by id, a page at a time. A product
    without a price or a public photo is left out: both feeds require them."""
    after = ""
    while True:
        with engine.connect() as raw:
            conn = read_only(raw)
            rows = _products(conn, filters, after, page_size)
            photos = _photos(conn, [r.id for r in rows]) if rows else {}
        if not rows:
            return
        after = rows[-1].id
        yield [
            FeedItem(
                id=r.id,
                merchant_id=r.merchant_id,
                name=r.name or "",
                description=r.description,
                price=int(r.price),
                stock=int(r.stock or 0),
                category=r.category,
                business_name=r.business_name or "",
                photos=tuple(photos[r.id]),
            )
            for r in rows
            if r.price is not None and r.price >= 0 and photos.get(r.id)
        ]
        if len(rows) < page_size:
            return


@dataclass(frozen=True)
class CatalogVersion:
    seq: int  # the change sequence's high-water mark: any record write moves it
    # Rows of ``blob`` and ``blob_grant``: a photo's bytes arriving after its record
    # publish the photo (and so its product, in the feeds) without a record write.
    blobs: int
    modified: datetime | None  # when the last numbered record was written


def catalog_version(conn: Connection) -> CatalogVersion:
    """The catalog's version: the counter, two counts, and three index look-ups."""
    seq = conn.execute(select(counter.c.value).where(counter.c.name == "seq")).scalar()
    blobs = sum(
        int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        for table in (blob, blob_grant)
    )
    times = []
    for table in (merchant, product, photo):
        last = conn.execute(
            select(table.c.updated_at)
            .where(table.c.seq.is_not(None))
            .order_by(table.c.seq.desc())
            .limit(1)
        ).scalar()
        if last:
            times.append(_parse_time(last))
    return CatalogVersion(int(seq or 0), blobs, max(times) if times else None)


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# The sitemap: the home page, then public merchants' pages, then public products' pages.
@dataclass(frozen=True)
class PageUrl:
    path: str
    updated_at: str | None


def _merchant_urls(conn: Connection, offset: int, after: str, limit: int) -> list[Any]:
    query = select(merchant.c.id, merchant.c.updated_at).where(queries.public_merchant())
    return _keyset(conn, query, merchant.c.id, offset, after, limit)


def _product_urls(conn: Connection, offset: int, after: str, limit: int) -> list[Any]:
    query = (
        select(product.c.id, product.c.updated_at)
        .select_from(product.join(merchant, merchant.c.id == product.c.merchant_id))
        .where(queries.public_product())
    )
    return _keyset(conn, query, product.c.id, offset, after, limit)


def _keyset(
    conn: Connection, query: Any, key: Any, offset: int, after: str, limit: int
) -> list[Any]:
    # The first read of a part skips to its start; the rest follow the last id seen.
    query = query.where(key > after).order_by(key).limit(limit)
    if not after and offset:
        query = query.offset(offset)
    return list(conn.execute(query))


def url_counts(conn: Connection) -> tuple[int, int]:
    """How many public merchants and public products there are."""
    merchants = conn.execute(
        select(func.count()).select_from(merchant).where(queries.public_merchant())
    ).scalar_one()
    products = conn.execute(
        select(func.count())
        .select_from(product.join(merchant, merchant.c.id == product.c.merchant_id))
        .where(queries.public_product())
    ).scalar_one()
    return int(merchants), int(products)


def sitemap_urls(
    engine: Engine, start: int, count: int, page_size: int = 1000
) -> Iterator[list[PageUrl]]:
    """``count`` page addresses from position ``start`` of the whole list (home first),
    a page of them at a time."""
    left = count
    if start == 0 and left > 0:
        yield [PageUrl("/", None)]
        left -= 1
    start = max(0, start - 1)
    with engine.connect() as raw:
        merchants, _products_count = url_counts(read_only(raw))
    sources = (("/m/", _merchant_urls, merchants), ("/p/", _product_urls, None))
    for prefix, read, size in sources:
        if size is not None and start >= size:
            start -= size
            continue
        after = ""
        while left > 0:
            with engine.connect() as raw:
                rows = read(read_only(raw), start, after, min(page_size, left))
            if not rows:
                break
            after = rows[-1].id
            left -= len(rows)
            yield [PageUrl(prefix + r.id, r.updated_at) for r in rows]
        start = 0
        if left <= 0:
            return
