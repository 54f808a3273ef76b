"""Product feeds for the channels buyers already use: Meta's catalog (CSV, which also
fills a WhatsApp Business catalog) at ``/feed/meta.csv`` and Google Merchant Center's
(RSS 2.0 with the ``g:`` namespace) at ``/feed/google.xml``.

Both take ``?wilayah=CODE`` (a Kemendagri code: that region and everything in it) and
``?penjual=ID`` (one merchant), list the public products (``feed_rows``) that have a
price and a photo, and stream: a page of products is read, written out and dropped
before the next is read. An unknown merchant or an empty region is an empty feed, not
an error, so a channel that fetches it removes what it listed before.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from kiosk_app.domain.text import spreadsheet_safe
from kiosk_server.api.deps import Context
from kiosk_server.catalog import conditional
from kiosk_server.catalog.feed_rows import (
    BadFilter,
    CatalogVersion,
    FeedItem,
    Filters,
    catalog_version,
    feed_pages,
)
from kiosk_server.catalog.views import base_url
from kiosk_server.db import read_only

router = APIRouter(include_in_schema=False)
GOOGLE_NS = "http://base.google.com/ns/1.0"
META_COLUMNS = (
    "id",
    "title",
    "description",
    "availability",
    "condition",
    "price",
    "link",
    "image_link",
    "brand",
    "additional_image_link",
)
TITLE_MAX = 150  # Google's limit (Meta takes 200)
DESCRIPTION_MAX = 5000  # Google's limit (Meta takes 9,999)
_TAG = re.compile(r"<[^>]{0,200}>")
# Characters XML 1.0 cannot carry and feed readers choke on (C0/C1 controls, surrogates).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def plain_text(text: str | None, limit: int) -> str:
    """``text`` as one line of plain text: markup and entities taken out, control
    characters and runs of white space made one space, cut to ``limit`` characters."""
    if not text:
        return ""
    flat = html.unescape(_TAG.sub(" ", text))
    flat = " ".join(_CONTROL.sub(" ", flat).split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def title_of(item: FeedItem) -> str:
    return plain_text(item.name, TITLE_MAX)


def description_of(item: FeedItem) -> str:
    """The product's description, or a sentence made of its name and seller (both feeds
    require one)."""
    text = plain_text(item.description, DESCRIPTION_MAX)
    return text or plain_text(f"{item.name} dari {item.business_name}", DESCRIPTION_MAX)


def price_of(item: FeedItem) -> str:
    return f"{item.price} IDR"


def links(item: FeedItem, base: str) -> tuple[str, str, list[str]]:
    """The product page, its cover photo and the other photos (absolute addresses)."""
    images = [f"{base}/foto/{sha}" for sha in item.photos]
    return f"{base}/p/{item.id}", images[0], images[1:]


def _cell(text: str) -> str:
    # The house rule for CSV (kiosk_app.domain.text): a cell a spreadsheet would run as a
    # formula gets a leading apostrophe; the feed is public, and people open it in Excel.
    return str(spreadsheet_safe(text))


def meta_rows(item: FeedItem, base: str) -> list[str]:
    link, image, more = links(item, base)
    return [
        item.id,
        _cell(title_of(item)),
        _cell(description_of(item)),
        "in stock" if item.stock > 0 else "out of stock",
        "new",
        price_of(item),
        link,
        image,
        _cell(plain_text(item.business_name, 100)),
        # One column, the addresses separated by commas (Meta's and Google's text
        # format); the csv module quotes the field because it holds commas.
        ",".join(more),
    ]


def meta_csv(pages: Iterator[list[FeedItem]], base: str) -> Iterator[bytes]:
    """The header row, then every value in double quotes (Meta asks for quotes around
    fields holding spaces or commas; quoting all is the simplest correct way)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(META_COLUMNS)
    yield buffer.getvalue().encode("utf-8")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for page in pages:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(meta_rows(item, base) for item in page)
        yield buffer.getvalue().encode("utf-8")


def _element(name: str, text: str) -> str:
    return f"<{name}>{escape(text)}</{name}>"


def google_item(item: FeedItem, base: str) -> str:
    link, image, more = links(item, base)
    parts = [
        _element("g:id", item.id),
        _element("title", title_of(item)),
        _element("description", description_of(item)),
        _element("link", link),
        _element("g:image_link", image),
        *(_element("g:additional_image_link", url) for url in more),
        _element("g:availability", "in_stock" if item.stock > 0 else "out_of_stock"),
        _element("g:price", price_of(item)),
        _element("g:condition", "new"),
        _element("g:brand", plain_text(item.business_name, 70)),
        # Goods made in the village have no GTIN or MPN.
        _element("g:identifier_exists", "no"),
    ]
    if item.category:
        parts.append(_element("g:product_type", plain_text(item.category, 750)))
    return "<item>\n" + "\n".join(parts) + "\n</item>\n"


def google_xml(
    pages: Iterator[list[FeedItem]], base: str, title: str = "Etalase Desa"
) -> Iterator[bytes]:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rss version="2.0" xmlns:g="{GOOGLE_NS}">\n<channel>\n'
        f"{_element('title', title)}\n{_element('link', base + '/')}\n"
        f"{_element('description', 'Produk desa dari kios internet desa')}\n"
    )
    yield head.encode("utf-8")
    for page in pages:
        yield "".join(google_item(item, base) for item in page).encode("utf-8")
    yield b"</channel>\n</rss>\n"


def _version(ctx: Context) -> CatalogVersion:
    with ctx.engine.connect() as conn:
        return catalog_version(read_only(conn))


def _feed(
    request: Request,
    ctx: Context,
    document: str,
    media_type: str,
    wilayah: str | None,
    penjual: str | None,
) -> Response:
    try:
        filters = Filters.parse(wilayah, penjual)
    except BadFilter as error:
        return Response(str(error), 400, media_type="text/plain; charset=utf-8")
    base = base_url(ctx, request)
    version = _version(ctx)
    tag = conditional.etag(version, document, filters.key(), base)
    headers = conditional.headers(version, tag)
    if conditional.not_modified(request, version, tag):
        return Response(status_code=304, headers=headers)
    pages = feed_pages(ctx.engine, filters)
    body = meta_csv(pages, base) if document == "meta" else google_xml(pages, base)
    return StreamingResponse(body, media_type=media_type, headers=headers)


@router.get("/feed/meta.csv")
def meta_feed(
    request: Request, ctx: Context, wilayah: str | None = None, penjual: str | None = None
) -> Response:
    """Meta commerce catalog (Facebook, Instagram, WhatsApp Business), CSV."""
    return _feed(request, ctx, "meta", "text/csv; charset=utf-8", wilayah, penjual)


@router.get("/feed/google.xml")
def google_feed(
    request: Request, ctx: Context, wilayah: str | None = None, penjual: str | None = None
) -> Response:
    """Google Merchant Center product data, RSS 2.0."""
    return _feed(request, ctx, "google", "application/xml; charset=utf-8", wilayah, penjual)
