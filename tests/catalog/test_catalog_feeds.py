"""The product feeds (Meta CSV, Google Merchant RSS), read back with real parsers: every
required field of a published product, links and photos that answer, nothing that is
not public, filters by region and merchant, quoting, and caching (ETag, 304)."""

from __future__ import annotations

import csv
import hashlib
import io
import xml.etree.ElementTree as ET
from email.utils import format_datetime, parsedate_to_datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from kiosk_app.domain.record_ids import uuid7
from kiosk_app.domain.text import spreadsheet_safe
from kiosk_server import blobstore
from kiosk_server.catalog.feed_rows import FeedItem, Filters, feed_pages
from kiosk_server.catalog.feeds import META_COLUMNS, meta_csv, meta_rows, plain_text
from tests.server.helpers import OTHER_VILLAGE, jpeg_bytes, photo_fields

G = "{http://base.google.com/ns/1.0}"
BASE = "http://testserver"


def real_photo(seller, product_id: str, seed: int, position: int = 0) -> str:
    """A photo whose full image and thumbnail are real JPEGs in the blob store."""
    shas = []
    for size in (600 + seed, 400 + seed):
        data = jpeg_bytes(size, seed)
        sha = hashlib.sha256(data).hexdigest()
        seller.api.blobs.put(sha, data)
        with seller.api.engine.begin() as conn:
            blobstore.record(conn, sha, len(data), seller.device.id, "2026-11-20T00:00:00Z")
            blobstore.hold(conn, sha, {"id": seller.device.id, "region": seller.device.region})
        shas.append(sha)
    seller.push("photo", uuid7(), **photo_fields(product_id, shas[0], shas[1], position=position))
    return shas[0]


def stock(seller, product_id: str, delta: int) -> None:
    seller.push("product", product_id, "stock", stock=delta)


def meta(api, **params):
    response = api.client.get("/feed/meta.csv", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    return {r["id"]: r for r in rows}, response


def google(api, **params):
    response = api.client.get("/feed/google.xml", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    items = root.find("channel").findall("item")
    return {i.findtext(f"{G}id"): i for i in items}, response


def test_meta_feed_has_every_required_field_of_a_published_product(api, seller):
    m = seller.merchant(business_name="Kopi Bu Sri")
    p = seller.product(
        m, name="Kopi Robusta Dampit", price=25000, category="Minuman",
        description="Kopi <b>robusta</b> petik merah,\nsangrai &amp; giling sendiri.",
    )  # fmt: skip
    # Positions go 0-8; a tenth photo (a kiosk racing another) sorts after the ninth.
    shas = [real_photo(seller, p, seed, position=min(seed, 8)) for seed in range(10)]
    stock(seller, p, 7)

    rows, response = meta(api)

    assert response.text.splitlines()[0] == ",".join(META_COLUMNS)
    row = rows[p]
    assert row == {
        "id": p,
        "title": "Kopi Robusta Dampit",
        "description": "Kopi robusta petik merah, sangrai & giling sendiri.",
        "availability": "in stock",
        "condition": "new",
        "price": "25000 IDR",
        "link": f"{BASE}/p/{p}",
        "image_link": f"{BASE}/foto/{shas[0]}",
        "brand": "Kopi Bu Sri",
        # Up to 9 photos: the cover, then 8 more in their order; the 10th stays out.
        "additional_image_link": ",".join(f"{BASE}/foto/{s}" for s in shas[1:9]),
    }


def test_google_feed_has_every_required_attribute_of_a_published_product(api, seller):
    m = seller.merchant(business_name="Kopi Bu Sri")
    p = seller.product(m, name="Kopi Robusta Dampit", price=25000, category="Minuman")
    cover = real_photo(seller, p, 1, position=0)
    second = real_photo(seller, p, 2, position=1)

    items, response = google(api)

    root = ET.fromstring(response.content)
    channel = root.find("channel")
    assert channel.findtext("title") and channel.findtext("link") == f"{BASE}/"
    assert b'xmlns:g="http://base.google.com/ns/1.0"' in response.content
    item = items[p]
    assert item.findtext(f"{G}id") == p
    assert item.findtext("title") == "Kopi Robusta Dampit"
    assert item.findtext("description") == "Kopi Robusta Dampit dari Kopi Bu Sri"
    assert item.findtext("link") == f"{BASE}/p/{p}"
    assert item.findtext(f"{G}image_link") == f"{BASE}/foto/{cover}"
    assert [e.text for e in item.findall(f"{G}additional_image_link")] == [f"{BASE}/foto/{second}"]
    assert item.findtext(f"{G}availability") == "out_of_stock"  # no stock recorded yet
    assert item.findtext(f"{G}price") == "25000 IDR"
    assert item.findtext(f"{G}condition") == "new"
    assert item.findtext(f"{G}brand") == "Kopi Bu Sri"
    assert item.findtext(f"{G}identifier_exists") == "no"
    assert item.findtext(f"{G}product_type") == "Minuman"

    stock(seller, p, 2)
    items, _ = google(api)
    assert items[p].findtext(f"{G}availability") == "in_stock"


def test_every_link_and_photo_in_the_feeds_answers_with_its_type(api, seller):
    m = seller.merchant()
    for i in range(3):
        p = seller.product(m, name=f"Produk {i}", price=1000 * (i + 1))
        for position in range(2):
            real_photo(seller, p, 10 * i + position, position)

    rows, _ = meta(api)
    items, _ = google(api)
    links = {r["link"] for r in rows.values()} | {i.findtext("link") for i in items.values()}
    images = {r["image_link"] for r in rows.values()}
    images |= {u for r in rows.values() for u in r["additional_image_link"].split(",") if u}
    images |= {e.text for i in items.values() for e in i.iter() if e.tag.endswith("image_link")}

    assert len(links) == 3 and len(images) == 6
    for link in links:
        answer = api.client.get(link)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    for image in images:
        answer = api.client.get(image)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(answer.content)).format == "JPEG"


def test_drafts_hidden_products_and_merchants_without_consent_never_appear(api, seller):
    shown = seller.merchant(business_name="Toko Tampil")
    public = seller.product(shown, name="Tampil")
    draft = seller.product(shown, name="Draf", status="draft")
    deleted = seller.product(shown, name="Dihapus")
    no_photo = seller.product(shown, name="Tanpa Foto")
    no_consent = seller.merchant(consent=False, business_name="Tanpa Persetujuan")
    of_no_consent = seller.product(no_consent, name="Milik Tanpa Persetujuan")
    inactive = seller.merchant(business_name="Tidak Aktif", status="inactive")
    of_inactive = seller.product(inactive, name="Milik Tidak Aktif")
    gone = seller.merchant(business_name="Penjual Dihapus")
    of_gone = seller.product(gone, name="Milik Penjual Dihapus")
    for seed, p in enumerate((public, draft, deleted, of_no_consent, of_inactive, of_gone)):
        real_photo(seller, p, seed)
    seller.delete("product", deleted)
    seller.delete("merchant", gone)

    hidden = {draft, deleted, no_photo, of_no_consent, of_inactive, of_gone}
    for params in ({}, {"wilayah": "35"}, {"penjual": no_consent}, {"penjual": inactive}):
        rows, meta_response = meta(api, **params)
        items, google_response = google(api, **params)
        assert not hidden & set(rows) and not hidden & set(items)
        for name in ("Draf", "Dihapus", "Tanpa Foto", "Persetujuan", "Tidak Aktif"):
            assert name not in meta_response.text and name not in google_response.text
    assert set(meta(api)[0]) == set(google(api)[0]) == {public}

    # Unpublishing takes the product out at the next fetch.
    seller.push("product", public, status="draft")
    assert meta(api)[0] == {} and google(api)[0] == {}


def test_region_and_merchant_filters(api, seller):
    from tests.catalog.conftest import Seller

    here = seller.merchant(business_name="Malang")
    p_here = seller.product(here)
    real_photo(seller, p_here, 1)
    far_seller = Seller(api, api.enroll("53.10"))
    far = far_seller.merchant(business_name="Manggarai", village_code=OTHER_VILLAGE)
    p_far = far_seller.product(far)
    real_photo(far_seller, p_far, 2)

    assert set(meta(api)[0]) == {p_here, p_far}
    for code, expected in (("35", {p_here}), ("35.07", {p_here}), ("35.07.12.2001", {p_here}),
                           ("53.10.01", {p_far}), ("35.08", set()), ("53", {p_far})):  # fmt: skip
        assert set(meta(api, wilayah=code)[0]) == expected, code
        assert set(google(api, wilayah=code)[0]) == expected, code
    assert set(meta(api, penjual=far)[0]) == {p_far}
    assert set(google(api, penjual=here)[0]) == {p_here}
    assert set(meta(api, penjual=here, wilayah="53")[0]) == set()
    assert meta(api, penjual=uuid7())[0] == {}  # unknown: an empty feed, not an error

    for bad in ("35.0", "jawa", "35%", "35.07.12.2001.9"):
        answer = api.client.get("/feed/meta.csv", params={"wilayah": bad})
        assert answer.status_code == 400 and "Kode wilayah" in answer.text
    assert api.client.get("/feed/google.xml", params={"penjual": "x" * 65}).status_code == 400


def test_csv_quoting_keeps_commas_quotes_and_markup_as_plain_text(api, seller):
    m = seller.merchant(business_name='Toko "Sumber, Rejeki"')
    p = seller.product(
        m, name='Keripik "Pedas", 200 g', price=15000,
        description='Renyah, gurih; "asli"\r\nTanpa <script>alert(1)</script> pengawet\t.',
    )  # fmt: skip
    real_photo(seller, p, 3)

    rows, response = meta(api)

    assert rows[p]["title"] == 'Keripik "Pedas", 200 g'
    assert rows[p]["brand"] == 'Toko "Sumber, Rejeki"'
    assert rows[p]["description"] == 'Renyah, gurih; "asli" Tanpa alert(1) pengawet .'
    assert '"Keripik ""Pedas"", 200 g"' in response.text
    assert len(response.text.strip().split("\r\n")) == 2  # one line per product

    items, google_response = google(api)
    assert items[p].findtext("title") == 'Keripik "Pedas", 200 g'
    assert b"<script>" not in google_response.content


def test_no_cell_of_the_csv_runs_as_a_spreadsheet_formula(api, seller):
    m = seller.merchant(business_name="@Toko Iseng")
    p = seller.product(m, name='=HYPERLINK("http://evil.example")', description="+1+1")
    real_photo(seller, p, 4)

    row = meta(api)[0][p]
    items, _ = google(api)

    assert row["title"] == '\'=HYPERLINK("http://evil.example")'
    assert row["description"] == "'+1+1" and row["brand"] == "'@Toko Iseng"
    assert items[p].findtext("title") == '=HYPERLINK("http://evil.example")'  # XML runs nothing


def test_ids_are_stable_and_rows_keep_their_order(api, seller):
    m = seller.merchant()
    ids = []
    for i in range(4):
        p = seller.product(m, name=f"Produk {i}")
        real_photo(seller, p, i)
        ids.append(p)
    first = list(meta(api)[0])
    seller.push("product", ids[2], name="Produk dua berganti nama", price=99000)
    again, _ = meta(api)

    assert first == list(again) == sorted(ids)
    assert again[ids[2]]["title"] == "Produk dua berganti nama"
    assert again[ids[2]]["price"] == "99000 IDR"


def test_feeds_carry_validators_and_answer_304_until_something_changes(api, seller):
    m = seller.merchant()
    p = seller.product(m, price=20000)
    real_photo(seller, p, 1)
    _, first = meta(api)
    tag, modified = first.headers["etag"], first.headers["last-modified"]
    parsedate_to_datetime(modified)  # an HTTP date

    same = api.client.get("/feed/meta.csv", headers={"If-None-Match": tag})
    since = api.client.get("/feed/meta.csv", headers={"If-Modified-Since": modified})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == tag
    assert since.status_code == 304
    # Another document, or another filter, is another version.
    assert google(api)[1].headers["etag"] != tag
    assert meta(api, wilayah="35")[1].headers["etag"] != tag

    seller.push("product", p, price=21000)
    changed = api.client.get("/feed/meta.csv", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and "21000 IDR" in changed.text
    assert changed.headers["etag"] != tag
    older = parsedate_to_datetime(modified).replace(year=2020)
    stale = api.client.get(
        "/feed/google.xml", headers={"If-Modified-Since": format_datetime(older, usegmt=True)}
    )
    assert stale.status_code == 200 and b"21000 IDR" in stale.content


def test_a_photo_arriving_after_its_record_changes_the_feed_version(api, seller):
    m = seller.merchant()
    p = seller.product(m)
    data = jpeg_bytes(700, 5)
    sha = hashlib.sha256(data).hexdigest()
    seller.push("photo", uuid7(), **photo_fields(p, sha, sha))  # the record, not the bytes
    _, before = meta(api)
    assert p not in before.text  # no photo the public can fetch yet: left out

    # The bytes arrive (what a finished upload does): no record changes, the photo shows.
    api.blobs.put(sha, data)
    with api.engine.begin() as conn:
        blobstore.record(conn, sha, len(data), seller.device.id, "2026-11-20T00:00:00Z")
        blobstore.hold(conn, sha, {"id": seller.device.id, "region": seller.device.region})
    after = api.client.get("/feed/meta.csv", headers={"If-None-Match": before.headers["etag"]})

    assert after.status_code == 200 and p in after.text


def test_the_feed_is_read_and_written_a_page_at_a_time(api, seller):
    m = seller.merchant()
    for i in range(5):
        p = seller.product(m, name=f"Produk {i}")
        real_photo(seller, p, i)

    pages = list(feed_pages(api.engine, Filters(), page_size=2))
    chunks = list(meta_csv(feed_pages(api.engine, Filters(), page_size=2), BASE))

    assert [len(page) for page in pages] == [2, 2, 1]
    assert len(chunks) == 4  # the header, then one chunk per page
    assert sum(chunk.count(b"\r\n") for chunk in chunks) == 6


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.text(min_size=1, max_size=80))
def test_any_text_survives_the_csv_round_trip_as_one_plain_line(description, name):
    item = FeedItem("id-1", "m-1", name, description, 1000, 1, None, "Toko", ("a" * 64,))
    text = b"".join(meta_csv(iter([[item]]), BASE)).decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))

    assert len(rows) == 2 and rows[1] == meta_rows(item, BASE)
    said = plain_text(description, 5000) or plain_text(f"{name} dari Toko", 5000)
    assert rows[1][2] == spreadsheet_safe(said)
    assert "\n" not in rows[1][2] and "\r" not in rows[1][2]
