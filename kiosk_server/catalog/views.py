"""The public catalog's pages and photos (server-rendered HTML, Bahasa Indonesia).

Every page carries a weak ETag of its bytes and ``Cache-Control: no-cache``; a matching
``If-None-Match`` gets 304 and no body, which on a satellite link is most of the saving.
The routes are left out of the OpenAPI document: it describes the kiosks' JSON API.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kiosk_app.domain.money import format_rupiah
from kiosk_app.domain.phone import whatsapp_link
from kiosk_server import blobstore
from kiosk_server.api.blob_response import blob_response
from kiosk_server.api.deps import Context, ServerContext
from kiosk_server.catalog import queries
from kiosk_server.catalog.structured_data import merchant_ld, product_ld
from kiosk_server.db import read_only
from kiosk_server.storage import StorageError

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).with_name("templates")
# Pages are revalidated on every visit (a 304 costs a few hundred bytes): a product
# unpublished or a merchant deleted on request must vanish at once, not after a while.
PAGE_CACHE = "public, no-cache"
# Photos never change under their hash, but a photo may stop being public (unpublished,
# deleted on the merchant's request): caches keep it an hour at most, then revalidate.
PHOTO_CACHE = "public, max-age=3600"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
# A photo opened on its own is an image and nothing else: no script, no plug-in, no
# sniffing, even if its bytes were crafted to look like a page.
PHOTO_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    "X-Content-Type-Options": "nosniff",
}
MAX_ID = 64
LEVEL_NAMES = {
    "province": "Provinsi",
    "regency": "Kabupaten/Kota",
    "district": "Kecamatan",
    "village": "Desa/Kelurahan",
}


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rupiah"] = _rupiah
    env.filters["path"] = lambda text: quote(str(text), safe="")
    return env


def _rupiah(amount: object) -> str:
    return format_rupiah(amount) if isinstance(amount, int) and amount >= 0 else ""


def base_url(ctx: ServerContext, request: Request) -> str:
    """The catalog's public address: the setting, else the request's address as
    ``hosts.CanonicalHost`` made it (a trusted host, or the address served on): never a
    Host header as a client sent it."""
    return (ctx.settings.public_base_url or str(request.base_url)).rstrip("/")


def order_message(product: dict[str, Any], url: str) -> str:
    """The WhatsApp message a buyer sends to order ``product``."""
    price = _rupiah(product["price"])
    return (
        f"Halo {product['business_name']}, saya mau pesan {product['name']}"
        f"{f' seharga {price}' if price else ''}. Saya lihat di Etalase Desa: {url}"
    )


def order_link(product: dict[str, Any], base: str) -> str | None:
    """``https://wa.me/62…?text=…`` for ordering ``product``; None without a valid number."""
    try:
        return whatsapp_link(product["phone"], order_message(product, f"{base}/p/{product['id']}"))
    except (ValueError, TypeError):
        return None


def contact_link(merchant: dict[str, Any], base: str) -> str | None:
    text = (
        f"Halo {merchant['business_name']}, saya melihat toko Anda di Etalase Desa: "
        f"{base}/m/{merchant['id']}"
    )
    try:
        return whatsapp_link(merchant["phone"], text)
    except (ValueError, TypeError):
        return None


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    bare = etag.removeprefix("W/")
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == bare:
            return True
    return False


def _page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    body = _environment().get_template(template).render(**context).encode("utf-8")
    etag = 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": PAGE_CACHE, **SECURITY_HEADERS}
    if status == 200 and _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, status, media_type="text/html; charset=utf-8", headers=headers)


def _not_found(request: Request) -> Response:
    return _page(request, "not_found.html", status=404, title="Tidak ditemukan")


def _number(text: str | None) -> int:
    """A page number from ``?hal=``; anything odd is page 1."""
    if text is None or not text.isdigit() or len(text) > 6:
        return 1
    return max(1, int(text))


def _places(conn: Any, village_code: str | None) -> list[dict[str, str]]:
    """The region path of a village, province first, with names."""
    if not village_code:
        return []
    path = queries.region_path(village_code)
    names = queries.region_names(conn, path)
    return [{"code": c, "name": names.get(c, c)} for c in path]


def _preview(
    base: str, title: str, description: str, path: str, thumb: str | None
) -> dict[str, str | None]:
    """Open Graph fields: the card WhatsApp shows when the page's link is shared."""
    return {
        "title": title,
        "description": description,
        "url": base + path,
        "image": f"{base}/foto/{thumb}" if thumb else None,
    }


def _canonical(base: str, path: str, number: int = 1) -> str:
    """The page's one absolute address (``<link rel=canonical>``), with its page number
    past the first."""
    return f"{base}{path}" + (f"?hal={number}" if number > 1 else "")


def _with_links(rows: list[dict[str, Any]], base: str) -> list[dict[str, Any]]:
    return [{**r, "order": order_link(r, base)} for r in rows]


@router.get("/")
def home(request: Request, ctx: Context) -> Response:
    base = base_url(ctx, request)
    with ctx.engine.connect() as conn:
        conn = read_only(conn)
        provinces = queries.regions_with_merchants(conn, None)
        categories = queries.categories(conn)
    return _page(
        request,
        "home.html",
        title="Etalase Desa",
        canonical=_canonical(base, "/"),
        provinces=provinces,
        categories=categories,
    )


@router.get("/wilayah/{code}")
def region_page(request: Request, ctx: Context, code: str, hal: str | None = None) -> Response:
    if len(code) > 20:
        return _not_found(request)
    base = base_url(ctx, request)
    with ctx.engine.connect() as conn:
        conn = read_only(conn)
        place = queries.get_region(conn, code)
        if place is None:
            return _not_found(request)
        places = _places(conn, code)
        children: list[dict[str, Any]] = []
        merchants = None
        if place["level"] == "village":
            merchants = queries.merchants_in(conn, code, _number(hal))
        else:
            children = queries.regions_with_merchants(conn, code)
    return _page(
        request,
        "region.html",
        title=place["name"],
        place=place,
        level=LEVEL_NAMES[place["level"]],
        places=places[:-1],
        children=children,
        merchants=merchants,
        base=base,
        canonical=_canonical(
            base, f"/wilayah/{quote(code, safe='.')}", merchants.number if merchants else 1
        ),
    )


@router.get("/kategori/{name:path}")
def category_page(request: Request, ctx: Context, name: str, hal: str | None = None) -> Response:
    if not name or len(name) > 200:
        return _not_found(request)
    base = base_url(ctx, request)
    with ctx.engine.connect() as conn:
        page = queries.products_in_category(read_only(conn), name, _number(hal))
    if not page.rows and page.number == 1:
        return _not_found(request)
    return _page(
        request,
        "list.html",
        title=f"Kategori {name}",
        heading=name,
        canonical=_canonical(base, f"/kategori/{quote(name, safe='')}", page.number),
        products=_with_links(page.rows, base),
        page=page,
        more_url=f"/kategori/{quote(name, safe='')}?hal=",
    )


@router.get("/cari")
def search_page(request: Request, ctx: Context, q: str = "", hal: str | None = None) -> Response:
    text = queries.clean_search(q)
    base = base_url(ctx, request)
    with ctx.engine.connect() as conn:
        page = queries.search_products(read_only(conn), text, _number(hal))
    return _page(
        request,
        "list.html",
        title=f"Cari: {text}" if text else "Cari",
        heading=f"Hasil pencarian “{text}”" if text else "Cari produk",
        query=text,
        products=_with_links(page.rows, base),
        page=page,
        empty="Tidak ada produk yang cocok." if text else "Ketik nama produk yang dicari.",
        more_url=f"/cari?q={quote(text, safe='')}&hal=",
    )


@router.get("/m/{merchant_id}")
def merchant_page(
    request: Request, ctx: Context, merchant_id: str, hal: str | None = None
) -> Response:
    if len(merchant_id) > MAX_ID:
        return _not_found(request)
    base = base_url(ctx, request)
    with ctx.engine.connect() as conn:
        conn = read_only(conn)
        merchant = queries.get_merchant(conn, merchant_id)
        if merchant is None:
            return _not_found(request)
        page = queries.products_of(conn, merchant_id, _number(hal))
        places = _places(conn, merchant["village_code"])
    village = places[-1]["name"] if places else ""
    cover = next((p["thumb"] for p in page.rows if p["thumb"]), None)
    return _page(
        request,
        "merchant.html",
        og=_preview(
            base,
            merchant["business_name"],
            f"Produk desa dari {village}. Pesan lewat WhatsApp." if village else "",
            f"/m/{merchant_id}",
            cover,
        ),
        title=merchant["business_name"],
        canonical=_canonical(base, f"/m/{merchant_id}", page.number),
        ld=merchant_ld(merchant, places, cover, base),
        merchant=merchant,
        contact=contact_link(merchant, base),
        places=places,
        products=_with_links(page.rows, base),
        page=page,
        more_url=f"/m/{merchant_id}?hal=",
    )


@router.get("/p/{product_id}")
def product_page(request: Request, ctx: Context, product_id: str) -> Response:
    if len(product_id) > MAX_ID:
        return _not_found(request)
    base = base_url(ctx, request)
    with ctx.engine.connect() as conn:
        conn = read_only(conn)
        product = queries.get_product(conn, product_id)
        if product is None:
            return _not_found(request)
        photos = queries.photos_of(conn, product_id)
        places = _places(conn, product["village_code"])
    cover = photos[0]["thumb_sha256"] or photos[0]["sha256"] if photos else None
    return _page(
        request,
        "product.html",
        og=_preview(
            base,
            f"{product['name']} {_rupiah(product['price'])}".strip(),
            f"Dari {product['business_name']}. Pesan lewat WhatsApp.",
            f"/p/{product_id}",
            cover,
        ),
        title=product["name"],
        canonical=_canonical(base, f"/p/{product_id}"),
        ld=product_ld(product, photos, base),
        product=product,
        order=order_link(product, base),
        photos=photos,
        places=places,
    )


def _is_public_photo(ctx: ServerContext, sha: str) -> bool:
    if not blobstore.is_sha256(sha):
        return False
    with ctx.engine.connect() as conn:
        return queries.is_public_image(read_only(conn), sha)


@router.get("/foto/{sha}")
def photo(request: Request, ctx: Context, sha: str) -> Response:
    """A public product's photo or thumbnail, by its hash (from the blob storage: a
    folder or a bucket; an unchanged copy in a cache costs no read of the storage)."""
    if not _is_public_photo(ctx, sha):
        return _not_found(request)
    etag = f'"{sha}"'
    headers = {"ETag": etag, "Cache-Control": PHOTO_CACHE, **PHOTO_HEADERS}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    try:
        opened = ctx.blobs.open(sha)
    except StorageError:
        log.exception("photo storage unreachable")
        return Response(status_code=503, headers={"Retry-After": "30"})
    if opened is None:
        return _not_found(request)
    return blob_response(opened, headers)
