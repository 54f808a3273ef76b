"""For search engines: ``/robots.txt`` and ``/sitemap.xml`` (a plain sitemap, or an index of
parts of at most ``sitemap_part_size`` addresses once there are more).

The sitemap lists the home page and the pages of public merchants and products
(``feed_rows``, through the catalog's visibility rules), streamed a page of rows at a
time, with the same ETag / 304 as the feeds. The JSON-LD is in ``structured_data``.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse

from kiosk_server.api.deps import Context
from kiosk_server.catalog import conditional
from kiosk_server.catalog.feed_rows import CatalogVersion, catalog_version, sitemap_urls, url_counts
from kiosk_server.catalog.views import base_url
from kiosk_server.db import read_only

router = APIRouter(include_in_schema=False)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_LIMIT = 50_000  # addresses per sitemap file (sitemaps.org)
XML = "application/xml; charset=utf-8"


@router.get("/robots.txt")
def robots(request: Request, ctx: Context) -> Response:
    base = base_url(ctx, request)
    text = (
        "User-agent: *\n"
        "Allow: /\n"
        # Search results are endless combinations of the same products; the API and the
        # coordinators' pages are not for search engines.
        "Disallow: /cari\n"
        "Disallow: /v1/\n"
        "Disallow: /admin/\n"
        f"Sitemap: {base}/sitemap.xml\n"
    )
    return PlainTextResponse(text, headers={"Cache-Control": "public, max-age=3600"})


def _lastmod(text: str | None) -> str:
    return f"<lastmod>{escape(text[:10])}</lastmod>" if text else ""


def _urlset(ctx: Context, base: str, start: int, count: int) -> Iterator[bytes]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'.encode()
    for page in sitemap_urls(ctx.engine, start, count):
        yield "".join(
            f"<url><loc>{escape(base + u.path)}</loc>{_lastmod(u.updated_at)}</url>\n" for u in page
        ).encode("utf-8")
    yield b"</urlset>\n"


def _index(base: str, parts: int, version: CatalogVersion) -> str:
    modified = version.modified.isoformat(timespec="seconds") if version.modified else None
    entries = "".join(
        f"<sitemap><loc>{escape(f'{base}/sitemap-{n}.xml')}</loc>"
        f"{f'<lastmod>{modified}</lastmod>' if modified else ''}</sitemap>\n"
        for n in range(1, parts + 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n'
        f"{entries}</sitemapindex>\n"
    )


def _sitemap(request: Request, ctx: Context, part: int | None) -> Response:
    base = base_url(ctx, request)
    size = ctx.settings.sitemap_part_size
    with ctx.engine.connect() as raw:
        conn = read_only(raw)
        version = catalog_version(conn)
        merchants, products = url_counts(conn)
    total = 1 + merchants + products
    parts = -(-total // size)
    if part is not None and not 1 <= part <= parts:
        return Response("Tidak ditemukan", 404, media_type="text/plain; charset=utf-8")
    tag = conditional.etag(version, "sitemap", f"{part}/{size}", base)
    headers = conditional.headers(version, tag)
    if conditional.not_modified(request, version, tag):
        return Response(status_code=304, headers=headers)
    if part is None and parts > 1:
        return Response(_index(base, parts, version), media_type=XML, headers=headers)
    start = 0 if part is None else (part - 1) * size
    body = _urlset(ctx, base, start, min(size, total - start))
    return StreamingResponse(body, media_type=XML, headers=headers)


@router.get("/sitemap.xml")
def sitemap(request: Request, ctx: Context) -> Response:
    return _sitemap(request, ctx, None)


@router.get("/sitemap-{part}.xml")
def sitemap_part(request: Request, ctx: Context, part: str) -> Response:
    if not part.isdigit() or len(part) > 6:
        return Response("Tidak ditemukan", 404, media_type="text/plain; charset=utf-8")
    return _sitemap(request, ctx, int(part))
