"""The catalog over HTTP: caching (ETag, 304), hostile search text, phone-sized pages,
and the JSON API beside it left as it was."""

from __future__ import annotations

import gzip
import html as htmllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk_server.catalog.queries import PAGE_SIZE


def test_pages_carry_an_etag_and_answer_304_when_it_matches(api, seller):
    m = seller.merchant()
    seller.product(m, name="Kopi Robusta")

    first = api.client.get(f"/m/{m}")
    etag = first.headers["etag"]
    again = api.client.get(f"/m/{m}", headers={"If-None-Match": etag})
    other = api.client.get(f"/m/{m}", headers={"If-None-Match": 'W/"something-else"'})

    assert first.status_code == 200 and "no-cache" in first.headers["cache-control"]
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert other.status_code == 200 and other.text == first.text


def test_the_etag_changes_when_the_page_does(api, seller):
    m = seller.merchant()
    seller.product(m, name="Kopi Robusta")
    etag = api.client.get(f"/m/{m}").headers["etag"]

    seller.product(m, name="Teh Tubruk")
    response = api.client.get(f"/m/{m}", headers={"If-None-Match": etag})

    assert response.status_code == 200 and "Teh Tubruk" in response.text
    assert response.headers["etag"] != etag


def test_photos_are_cached_by_their_hash(api, seller):
    m = seller.merchant()
    p = seller.product(m)
    full, _thumb = seller.photo(p)

    first = api.client.get(f"/foto/{full}")
    again = api.client.get(f"/foto/{full}", headers={"If-None-Match": first.headers["etag"]})

    assert first.status_code == 200 and first.headers["etag"] == f'"{full}"'
    assert "public" in first.headers["cache-control"]
    assert again.status_code == 304 and again.content == b""


def test_a_merchant_page_is_light_and_fits_a_phone(api, seller):
    m = seller.merchant()
    for i in range(PAGE_SIZE + 5):
        p = seller.product(m, name=f"Produk desa nomor {i}", price=1000 * (i + 1))
        if i < 3:
            seller.photo(p, seed=f"foto-{i}")

    response = api.client.get(f"/m/{m}", headers={"Accept-Encoding": "gzip"})
    raw = response.content  # decoded by the client; the wire carried it gzipped
    wire = len(gzip.compress(raw))

    assert response.headers.get("content-encoding") == "gzip"
    assert wire < 100 * 1024
    assert '<meta name="viewport" content="width=device-width,initial-scale=1">' in response.text
    assert response.text.count('loading="lazy"') == 3
    # No script runs: the one script element is schema.org data (JSON-LD).
    assert (
        response.text.count("<script")
        == response.text.count('<script type="application/ld+json">')
        == 1
    )
    assert "@font-face" not in response.text
    assert f"/m/{m}?hal=2" in response.text  # the rest is on the next page
    assert response.text.count('class="card"') == PAGE_SIZE


def test_the_product_page_links_the_full_photo_and_shows_the_thumbnail(api, seller, page):
    m = seller.merchant()
    p = seller.product(m)
    full, thumb = seller.photo(p)

    html = page(f"/p/{p}")

    assert f'<a href="/foto/{full}"' in html
    assert f'<img src="/foto/{thumb}" loading="lazy"' in html


HOSTILE = [
    "' OR 1=1 --",
    "kopi'; DROP TABLE product; --",
    '"><script>alert(1)</script>',
    "%",
    "_",
    "\\",
    "%%__",
    "\x00kopi",
    "kopi\x00",
    "😀 kopi",
    "k" * 5000,
    "{{ 7*7 }}",
    "{% for x in range(9) %}x{% endfor %}",
    "\u202eikop",
    "   ",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_search_text_is_just_text(api, seller, text):
    m = seller.merchant(business_name="Warung Bu Sri")
    seller.product(m, name="Kopi Robusta")
    seller.product(m, name="Teh 100%")

    response = api.client.get("/cari", params={"q": text})

    assert response.status_code == 200
    body = response.text
    assert "<script>alert" not in body
    assert _heading(body) == _expected_heading(text)  # shown as typed, never evaluated
    assert "Teh 100%" not in body or "%" in text  # % and _ match themselves only
    assert api.client.get("/healthz").status_code == 200  # still there


def test_percent_finds_only_what_contains_it(api, seller, page):
    m = seller.merchant()
    seller.product(m, name="Kopi Robusta")
    seller.product(m, name="Teh 100%")

    html = page("/cari", q="100%")

    assert "Teh 100%" in html and "Kopi Robusta" not in html


def test_search_matches_every_word_in_any_case(api, seller, page):
    m = seller.merchant(business_name="Warung Mbok Darmi")
    seller.product(m, name="Keripik Tempe Pedas", description="Renyah dengan cabai rawit")
    seller.product(m, name="Keripik Singkong")

    html = page("/cari", q="  KERIPIK   rawit ")

    assert "Keripik Tempe Pedas" in html and "Keripik Singkong" not in html
    assert "Keripik Tempe Pedas" in page("/cari", q="mbok darmi tempe")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_any_typed_text_gets_a_page_that_escapes_it(api, text):
    response = api.client.get("/cari", params={"q": text})

    assert response.status_code == 200
    heading = response.text.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "<" not in heading and ">" not in heading
    assert _heading(response.text) == _expected_heading(text)


def _heading(body):
    return htmllib.unescape(body.split("<h1>", 1)[1].split("</h1>", 1)[0])


def _expected_heading(typed):
    shown = " ".join("".join(c if c.isprintable() else " " for c in typed).split())[:100]
    return f"Hasil pencarian “{shown}”" if shown else "Cari produk"


def test_the_json_api_and_its_document_are_untouched(api):
    paths = api.client.get("/openapi.json").json()["paths"]

    assert api.client.get("/healthz").json()["status"] == "ok"
    assert api.client.get("/v1/blobs/" + "0" * 64).status_code == 401
    assert set(paths) >= {"/healthz", "/v1/sync", "/v1/enroll"}
    catalog = {"/", "/cari", "/wilayah/{code}", "/kategori/{name}", "/m/{merchant_id}",
               "/p/{product_id}", "/foto/{sha}"}  # fmt: skip
    assert not catalog & set(paths)
    assert not [p for p in paths if p.startswith(("/m/", "/p/", "/foto/", "/wilayah/"))]
