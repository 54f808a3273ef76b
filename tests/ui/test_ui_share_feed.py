"""Bagikan, for the channels buyers use: the merchant's own catalog feed with its
illustrated guide, and the A4 price list (rendered to PDF, read back with pdftotext,
its QR code with zbarimg)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication

from kiosk_app.media.pipeline import process_photo
from kiosk_app.store import photos
from kiosk_app.ui.feed_guide import STEP_FILES, FeedGuideDialog, merchant_feed_url, step_picture
from kiosk_app.ui.i18n import install_language
from kiosk_app.ui.price_list import PriceListContent, PriceListProduct, render_price_list
from tests.ui.conftest import click, idle, make_jpeg
from tests.ui.operator import create_first_technician, register_merchant
from tests.ui.test_ui_poster import decode_qr, run, tools  # noqa: F401

URL = "https://katalog.etalasedesa.id/m/0193a000-0000-7000-8000-000000000002"


def pdf_text(pdf: Path) -> str:
    return " ".join(run("pdftotext", str(pdf), "-").split())


def pages_of(pdf: Path) -> int:
    for line in run("pdfinfo", str(pdf)).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError(pdf)


def test_the_price_list_holds_every_product_and_price_over_as_many_pages(qapp, tmp_path):
    translator = install_language(qapp, "id", None)
    products = [
        PriceListProduct(f"Keripik Tempe Rasa Nomor {i}", 1000 * i + 500, "bungkus")
        for i in range(1, 61)
    ]
    products.append(PriceListProduct("Sambal Bawang " + "sangat pedas " * 6, 1_250_000, "botol"))
    content = PriceListContent("Keripik Tempe Pak Darmo", URL, "Senggreng, Sumberpucung",
                               "3 Desember 2026", products)  # fmt: skip

    try:
        pdf = render_price_list(tmp_path / "daftar-harga.pdf", content)
    finally:
        qapp.removeTranslator(translator)
    text = pdf_text(pdf)

    assert pages_of(pdf) == 3
    for i in range(1, 61):
        assert f"{i}. Keripik Tempe Rasa Nomor {i} bungkus Rp{i},500".replace(",", ".") in text
    assert "Rp1.250.000" in text and "Sambal Bawang sangat pedas" in text
    for shown in ("Keripik Tempe Pak Darmo", "Senggreng, Sumberpucung", "Dicetak 3 Desember 2026",
                  "Daftar harga", "Halaman 1 dari 3", "Halaman 3 dari 3", "Pindai",
                  "katalog.etalasedesa.id/m/0193a000"):  # fmt: skip
        assert shown in text, shown
    assert decode_qr(pdf) == [URL]  # page 1 (pdftoppm -singlefile)


def test_an_empty_price_list_is_one_page_that_says_so_in_either_language(qapp, tmp_path):
    said = {}
    for lang in ("id", "en"):
        translator = install_language(qapp, lang, None)  # the latest installed is asked first
        try:
            pdf = render_price_list(tmp_path / f"{lang}.pdf", PriceListContent("Toko Baru", URL))
        finally:
            qapp.removeTranslator(translator)
        assert pages_of(pdf) == 1
        said[lang] = pdf_text(pdf)
    assert "Belum ada produk yang tampil di katalog." in said["id"] and "Halaman 1" in said["id"]
    assert "No published product yet." in said["en"] and "Page 1 of 1" in said["en"]


def test_the_guide_pictures_are_drawn(qapp):
    for name in STEP_FILES:
        image = step_picture(name, 180, 120)
        opaque = sum(
            1 for x in range(0, 180, 6) for y in range(0, 120, 6) if image.pixelColor(x, y).alpha()
        )
        assert opaque > 400, name  # the picture fills its box, not a blank square


def test_share_gives_the_feed_address_guide_and_price_list(kiosk, qtbot, tmp_path, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr("kiosk_app.ui.share.default_poster_folder", lambda: tmp_path / "out")
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk, "Kopi Bu Sri")
    photo = process_photo(make_jpeg(tmp_path / "kopi.jpg", (120, 60, 20)))

    def setup(store):
        store.set_setting("server.url", "http://192.0.2.10:8000")
        published = {"merchant_id": merchant_id, "status": "published"}
        shown = store.create(
            "product", {**published, "name": "Kopi Robusta Dampit", "price": 35000, "unit": "kg"}
        )
        photos.add_photo(store, shown, photo, kiosk.blobs)
        store.create(
            "product",
            {**published, "name": "Gula Aren Tanpa Foto", "price": 18000, "unit": "bungkus"},
        )
        store.create("product", {"merchant_id": merchant_id, "name": "Kopi Rahasia Draf",
                                 "price": 99000})  # fmt: skip

    kiosk.store_thread.call(setup)
    kiosk.router.go("merchant_form", merchant_id=merchant_id)
    idle(qtbot, kiosk)
    click(qtbot, kiosk.window.page("merchant_form").share_button)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(lambda: dialog.info is not None)

    feed = f"http://192.0.2.10:8000/feed/meta.csv?penjual={merchant_id}"
    assert feed == merchant_feed_url("http://192.0.2.10:8000/", merchant_id)
    assert dialog.feed_address.text() == f"Katalog untuk WhatsApp Business dan Facebook: {feed}"
    assert "1 produk yang tampil di katalog belum punya foto" in dialog.warning.text()

    click(qtbot, dialog.guide_button)
    qtbot.waitUntil(lambda: isinstance(dialog.guide, FeedGuideDialog) and dialog.guide.isVisible())
    guide = dialog.guide
    assert guide.address.text() == feed
    assert [s.text()[:3] for s in guide.steps] == ["1. ", "2. ", "3. ", "4. "]
    assert "Feed terjadwal" in guide.steps[2].text() and "IDR" in guide.steps[2].text()
    assert "WhatsApp Business" in guide.steps[3].text()
    click(qtbot, guide.copy_button)
    assert QGuiApplication.clipboard().text() == feed
    assert "Tersalin" in guide.message.text()
    guide.accept()

    click(qtbot, dialog.price_list_button)
    idle(qtbot, kiosk)
    assert [p.name for p in dialog.saved] == ["daftar-harga-kopi-bu-sri.pdf"]
    assert opened == [str(dialog.saved[0])]
    text = pdf_text(dialog.saved[0])
    assert "Kopi Robusta Dampit kg Rp35.000" in text
    assert "Gula Aren Tanpa Foto bungkus Rp18.000" in text  # on paper a photo is not needed
    assert "Kopi Rahasia Draf" not in text and "Rp99.000" not in text
    assert "Daftar harga" in text and "Halaman 1 dari 1" in text
    assert decode_qr(dialog.saved[0]) == [f"http://192.0.2.10:8000/m/{merchant_id}"]
    assert "Daftar harga disimpan" in dialog.message.text()

    # A folder that cannot be written: the operator is told, nothing crashes.
    (tmp_path / "not-a-folder").write_text("x")
    dialog._folder = tmp_path / "not-a-folder" / "out"
    click(qtbot, dialog.price_list_button)
    idle(qtbot, kiosk)
    assert "Daftar harga tidak bisa disimpan" in dialog.message.text()
    assert dialog.price_list_button.isEnabled() and len(dialog.saved) == 1
    dialog.accept()
