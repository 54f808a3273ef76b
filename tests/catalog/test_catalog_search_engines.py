"""What search engines read: the sitemap (validated against sitemaps.org's XML schemas,
as one file and as an index of parts), robots.txt, canonical links from the configured
public address, and schema.org JSON-LD parsed back from the pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from lxml import html as lxml_html

from kiosk_server.config import Settings
from tests.catalog.conftest import Seller
from tests.server.helpers import Api

FIXTURES = Path(__file__).with_name("fixtures")
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
PUBLIC = "https://katalog.example.id"


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(FIXTURES / name)))


@pytest.fixture
def small_parts(tmp_path: Path, database_url: str) -> Iterator[Api]:
    """The app with its public address set and sitemap parts of 3 addresses."""
    from fastapi.testclient import TestClient

    from kiosk_server.app import create_app

    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        public_base_url=PUBLIC,
        sitemap_part_size=3,
    )
    app = create_app(settings, run_migrations=False)
    with TestClient(app) as client:
        yield Api(client, app.state.ctx.engine, settings)
    app.state.ctx.engine.dispose()


def xml_of(api: Api, path: str) -> etree._Element:
    response = api.client.get(path)
    assert response.status_code == 200, (path, response.text)
    assert response.headers["content-type"].startswith("application/xml")
    return etree.fromstring(response.content)


def catalog(seller: Seller) -> tuple[set[str], set[str]]:
    """Two public merchants with three public products, and what must not show."""
    a = seller.merchant(business_name="Kopi Bu Sri")
    b = seller.merchant(business_name="Keripik Pak Darmo")
    shown = {f"/m/{a}", f"/m/{b}"}
    for m, name in ((a, "Kopi Robusta"), (a, "Kopi Arabika"), (b, "Keripik Tempe")):
        shown.add(f"/p/{seller.product(m, name=name)}")
    hidden_merchant = seller.merchant(consent=False, business_name="Tanpa Persetujuan")
    hidden = {
        f"/p/{seller.product(a, name='Draf', status='draft')}",
        f"/m/{hidden_merchant}",
        f"/p/{seller.product(hidden_merchant, name='Milik Tanpa Persetujuan')}",
    }
    return shown, hidden


def test_a_small_catalog_has_one_sitemap_valid_by_the_schema(api, seller):
    shown, hidden = catalog(seller)

    root = xml_of(api, "/sitemap.xml")

    schema("sitemap.xsd").assertValid(root)
    locs = [e.text for e in root.findall("s:url/s:loc", NS)]
    base = "http://testserver"
    assert sorted(locs) == sorted({base + "/"} | {base + p for p in shown})
    assert not {base + p for p in hidden} & set(locs)
    # Every page but the home page says when it last changed (its format: the schema).
    assert len(root.findall("s:url/s:lastmod", NS)) == len(shown)


def test_past_the_part_size_the_sitemap_is_an_index_of_valid_parts(small_parts):
    seller = Seller(small_parts, small_parts.enroll("35.07"))
    shown, _hidden = catalog(seller)  # 1 home + 2 merchants + 3 products = 6 addresses

    index = xml_of(small_parts, "/sitemap.xml")

    schema("siteindex.xsd").assertValid(index)
    parts = [e.text for e in index.findall("s:sitemap/s:loc", NS)]
    assert parts == [f"{PUBLIC}/sitemap-1.xml", f"{PUBLIC}/sitemap-2.xml"]
    urlset = schema("sitemap.xsd")
    seen: list[str] = []
    for part in parts:
        root = xml_of(small_parts, part.removeprefix(PUBLIC))
        urlset.assertValid(root)
        locs = [e.text for e in root.findall("s:url/s:loc", NS)]
        assert 1 <= len(locs) <= 3
        seen += locs
    assert len(seen) == len(set(seen)) == 6
    assert set(seen) == {PUBLIC + "/"} | {PUBLIC + p for p in shown}
    assert small_parts.client.get("/sitemap-3.xml").status_code == 404
    assert small_parts.client.get("/sitemap-0.xml").status_code == 404


def test_the_sitemap_answers_304_until_the_catalog_changes(api, seller):
    catalog(seller)
    first = api.client.get("/sitemap.xml")
    again = api.client.get("/sitemap.xml", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304

    seller.product(seller.merchant(), name="Baru")
    after = api.client.get("/sitemap.xml", headers={"If-None-Match": first.headers["etag"]})
    assert after.status_code == 200 and after.content != first.content


def test_robots_txt_names_the_sitemap_at_the_public_address(small_parts):
    response = small_parts.client.get("/robots.txt")

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in lines
    assert "Disallow: /cari" in lines and "Disallow: /v1/" in lines


def head_of(api: Api, path: str) -> lxml_html.HtmlElement:
    response = api.client.get(path)
    assert response.status_code == 200, path
    return lxml_html.fromstring(response.text)


def test_catalog_pages_name_their_canonical_address(small_parts):
    seller = Seller(small_parts, small_parts.enroll("35.07"))
    m = seller.merchant()
    p = seller.product(m, category="Minuman")

    for path, canonical in (
        ("/", f"{PUBLIC}/"),
        (f"/m/{m}", f"{PUBLIC}/m/{m}"),
        (f"/m/{m}?hal=1", f"{PUBLIC}/m/{m}"),
        (f"/p/{p}", f"{PUBLIC}/p/{p}"),
        ("/wilayah/35.07", f"{PUBLIC}/wilayah/35.07"),
        ("/kategori/Minuman", f"{PUBLIC}/kategori/Minuman"),
    ):
        links = head_of(small_parts, path).xpath("//head/link[@rel='canonical']/@href")
        assert links == [canonical], path


def ld_of(api: Api, path: str) -> dict:
    scripts = head_of(api, path).xpath("//script[@type='application/ld+json']/text()")
    assert len(scripts) == 1, path
    return json.loads(scripts[0])


def test_product_pages_carry_a_product_with_its_offer(small_parts):
    seller = Seller(small_parts, small_parts.enroll("35.07"))
    m = seller.merchant(business_name="Kopi </script> Bu Sri")
    p = seller.product(m, name="Kopi Robusta", price=25000, description="Petik merah.")
    full, _thumb = seller.photo(p)

    data = ld_of(small_parts, f"/p/{p}")

    assert data["@context"] == "https://schema.org" and data["@type"] == "Product"
    assert data["name"] == "Kopi Robusta" and data["description"] == "Petik merah."
    assert data["url"] == f"{PUBLIC}/p/{p}"
    assert data["image"] == [f"{PUBLIC}/foto/{full}"]
    assert data["brand"] == {"@type": "Brand", "name": "Kopi </script> Bu Sri"}
    offer = data["offers"]
    assert offer["@type"] == "Offer"
    assert offer["price"] == 25000 and offer["priceCurrency"] == "IDR"
    assert offer["availability"] == "https://schema.org/OutOfStock"
    assert offer["url"] == f"{PUBLIC}/p/{p}"
    assert offer["seller"]["@type"] == "LocalBusiness"

    seller.push("product", p, "stock", stock=4)
    assert ld_of(small_parts, f"/p/{p}")["offers"]["availability"] == ("https://schema.org/InStock")


def test_merchant_pages_carry_a_local_business(small_parts):
    seller = Seller(small_parts, small_parts.enroll("35.07"))
    m = seller.merchant(business_name="Kopi Bu Sri")
    p = seller.product(m)
    _full, thumb = seller.photo(p)

    data = ld_of(small_parts, f"/m/{m}")

    assert data["@context"] == "https://schema.org" and data["@type"] == "LocalBusiness"
    assert data["name"] == "Kopi Bu Sri" and data["url"] == f"{PUBLIC}/m/{m}"
    assert data["address"] == {
        "@type": "PostalAddress",
        "addressCountry": "ID",
        "addressLocality": "Ternyang",
        "addressRegion": "Jawa Timur",
    }
    assert data["image"] == f"{PUBLIC}/foto/{thumb}"
    # Nothing private: not the street address, not the owner, not the number.
    text = json.dumps(data)
    assert "Jl. Raya" not in text and "Sri Wahyuni" not in text and "+62" not in text


def test_any_window_of_the_address_list_is_that_slice_of_the_whole(api, seller):
    from kiosk_server.catalog.feed_rows import sitemap_urls

    catalog(seller)  # 1 home + 2 merchants + 3 products
    whole = [u.path for page in sitemap_urls(api.engine, 0, 100) for u in page]
    assert len(whole) == 6 and whole[0] == "/"

    for start in range(7):
        for count in range(7 - start):
            for page_size in (1, 2, 5):
                pages = list(sitemap_urls(api.engine, start, count, page_size=page_size))
                got = [u.path for page in pages for u in page]
                assert got == whole[start : start + count], (start, count, page_size)
                assert all(len(page) <= page_size for page in pages[1:])
