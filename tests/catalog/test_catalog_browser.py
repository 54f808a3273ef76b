"""End to end: a product created at a kiosk, synced to a real server process, seen by a
buyer in headless Chromium on a phone-sized screen, with the right WhatsApp link."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from PIL import Image, ImageDraw

from kiosk_app.domain.phone import whatsapp_link
from kiosk_app.media.pipeline import process_photo
from kiosk_app.store.photos import add_photo
from tests.catalog.browser import phone_browser, wait_for
from tests.support import VILLAGE
from tests.support.kiosk import Kiosk
from tests.support.live import LiveServer

CONSENT = {
    "consent_version": "persetujuan-v1",
    "consent_at": "2026-11-20T09:00:00+07:00",
    "consent_operator": "Operator Uji",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("server")) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = phone_browser()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def kiosk(server: LiveServer, tmp_path: Path) -> Iterator[Kiosk]:
    k = Kiosk(tmp_path / "kiosk")
    k.enroll(server.url, server.enroll_code("35.07"), "kios-ternyang")
    assert k.sync().ok  # brings the regions of its scope
    yield k
    k.close()


def jpeg(colour: str) -> bytes:
    image = Image.new("RGB", (900, 700), colour)
    ImageDraw.Draw(image).ellipse((200, 150, 700, 550), fill="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_kiosk_product_appears_on_its_merchant_page(server, kiosk, browser):
    # Given a merchant registered with consent at the kiosk, a published product with a
    # photo and a draft product
    store = kiosk.store
    m = store.create("merchant", {"business_name": "Kopi Bu Sri", "owner_name": "Sri Wahyuni",
                                  "phone": "0812-3456-7890", "village_code": VILLAGE,
                                  "address": "Dusun Krajan RT 02", **CONSENT})  # fmt: skip
    shown = store.create("product", {"merchant_id": m, "name": "Kopi Robusta Dampit",
                                     "price": 35000, "unit": "bungkus", "status": "published",
                                     "category": "Makanan & Minuman", "stock": 10})  # fmt: skip
    draft = store.create("product", {"merchant_id": m, "name": "Kopi Luwak Belum Siap",
                                     "price": 120000, "status": "draft"})  # fmt: skip
    photo = process_photo(jpeg("#8a3b0a"))
    add_photo(store, shown, photo, kiosk.blobs)

    # When the kiosk syncs and a buyer opens the merchant's page
    result = kiosk.sync()
    assert result.ok, result.error
    assert result.uploaded == 2  # thumbnail and full image
    browser.get(f"{server.url}/m/{m}")

    # Then the published product is there with its price, the draft is not
    body = browser.find_element("tag name", "body").text
    assert browser.title.startswith("Kopi Bu Sri")
    assert "Kopi Robusta Dampit" in body and "Rp35.000" in body
    assert "Kopi Luwak" not in body and draft not in browser.page_source
    assert "Sri Wahyuni" not in browser.page_source and "Dusun Krajan" not in browser.page_source

    # and "Pesan lewat WhatsApp" opens wa.me with the product and its price
    card = browser.find_element("css selector", f'[data-product="{shown}"]')
    order = card.find_element("link text", "Pesan lewat WhatsApp").get_attribute("href")
    expected = whatsapp_link(
        "+6281234567890",
        f"Halo Kopi Bu Sri, saya mau pesan Kopi Robusta Dampit seharga Rp35.000. "
        f"Saya lihat di Etalase Desa: {server.url}/p/{shown}",
    )
    assert order == expected
    assert order.startswith("https://wa.me/6281234567890?text=")
    assert "Rp35.000" in unquote(order)

    # and the thumbnail, loaded lazily, is the kiosk's thumbnail and shows
    image = card.find_element("css selector", "img")
    assert image.get_attribute("loading") == "lazy"
    assert image.get_attribute("src") == f"{server.url}/foto/{photo.thumb_sha256}"
    loaded = "return arguments[0].complete && arguments[0].naturalWidth"
    assert wait_for(lambda: browser.execute_script(loaded, image)) == photo.thumb_width

    # and the page fits a 360 px screen without sideways scrolling
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= browser.execute_script("return window.innerWidth")

    # and the product page links the full photo, which the browser can open
    card.find_element("css selector", "a.name").click()
    wait_for(lambda: f"/p/{shown}" in browser.current_url)
    assert "Makanan & Minuman" in browser.find_element("tag name", "body").text
    browser.find_element("css selector", f'a[href="/foto/{photo.sha256}"]').click()
    wait_for(lambda: photo.sha256 in browser.current_url)
    assert browser.execute_script("return document.contentType") == "image/jpeg"
    size = browser.execute_script(
        "var i = document.images[0]; return [i.naturalWidth, i.naturalHeight]"
    )
    assert size == [photo.width, photo.height]


def test_unpublishing_at_the_kiosk_takes_the_product_off_the_page(server, kiosk, browser):
    store = kiosk.store
    m = store.create("merchant", {"business_name": "Keripik Pak Darmo", "owner_name": "Darmo",
                                  "phone": "0813-3344-5566", "village_code": VILLAGE,
                                  **CONSENT})  # fmt: skip
    p = store.create("product", {"merchant_id": m, "name": "Keripik Tempe Pedas",
                                 "price": 15000, "status": "published"})  # fmt: skip
    assert kiosk.sync().ok
    browser.get(f"{server.url}/m/{m}")
    assert "Keripik Tempe Pedas" in browser.find_element("tag name", "body").text

    store.update("product", p, {"status": "draft"})
    assert kiosk.sync().ok
    browser.get(f"{server.url}/m/{m}")

    body = browser.find_element("tag name", "body").text
    assert "Keripik Tempe Pedas" not in body
    assert "Belum ada produk yang ditampilkan." in body
    browser.get(f"{server.url}/p/{p}")
    assert "Halaman tidak ditemukan" in browser.find_element("tag name", "body").text
