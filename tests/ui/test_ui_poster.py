"""Posters and the share dialog: the PDF is rendered offscreen, turned into a picture by
pdftoppm and its QR code read back by zbarimg, for A4 and A6."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication

from kiosk_app.ui.poster import PosterContent, PosterProduct, merchant_page_url, render_poster
from tests.ui.conftest import click, idle
from tests.ui.operator import create_first_technician, register_merchant

TOOLS = ("pdftoppm", "pdfimages", "pdftotext", "zbarimg")


@pytest.fixture(autouse=True, scope="module")
def tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:  # scripts/setup.sh installs them (poppler-utils, zbar-tools)
        pytest.fail(f"missing tools: {missing}: apt-get install poppler-utils zbar-tools")


def run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def decode_qr(pdf: Path, dpi: int = 150) -> list[str]:
    """Every QR code on the poster's page, as zbarimg reads it from a pdftoppm picture."""
    png = pdf.with_suffix("")
    run("pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(png))
    out = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", f"{png}.png"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return out.stdout.splitlines()


def page_size_pt(pdf: Path) -> tuple[float, float]:
    info = run("pdfinfo", str(pdf)) if shutil.which("pdfinfo") else ""
    for line in info.splitlines():
        if line.startswith("Page size:"):
            parts = line.split()
            return float(parts[2]), float(parts[4])
    raise AssertionError(info)


MERCHANT = "0193a000-0000-7000-8000-000000000002"
CONTENT = PosterContent(
    business_name="Keripik Tempe Pak Darmo",
    url=merchant_page_url(
        "https://katalog.etalasedesa.id/", "0193a000-0000-7000-8000-000000000002"
    ),
    place="Senggreng, Sumberpucung",
    products=(
        PosterProduct("Keripik Tempe Pedas 200 g", 15000),
        PosterProduct("Keripik Tempe Original 200 g", 14000),
        PosterProduct("Sambal Bawang", 1250000),
    ),
)


@pytest.mark.parametrize(("size", "width_pt"), [("A4", 595.0), ("A6", 298.0)])
def test_poster_qr_code_reads_back_as_the_merchant_page(qapp, tmp_path, size, width_pt):
    pdf = render_poster(tmp_path / f"poster-{size}.pdf", CONTENT, size)

    assert decode_qr(pdf) == [
        "https://katalog.etalasedesa.id/m/0193a000-0000-7000-8000-000000000002"
    ]
    assert abs(page_size_pt(pdf)[0] - width_pt) < 2
    text = " ".join(run("pdftotext", str(pdf), "-").split())
    for shown in ("Keripik Tempe Pak Darmo", "Senggreng", "Rp15.000", "Rp1.250.000",
                  "katalog.etalasedesa.id/m/0193a000"):  # fmt: skip
        assert shown in text
    # The code is drawn as vector squares, not pasted in as a picture.
    assert len(run("pdfimages", "-list", str(pdf)).splitlines()) == 2  # header lines only


def test_unknown_poster_size_is_refused(qapp, tmp_path):
    with pytest.raises(ValueError):
        render_poster(tmp_path / "x.pdf", CONTENT, "A3")


def test_share_a_merchant_posters_and_whatsapp_link(kiosk, qtbot, tmp_path, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr("kiosk_app.ui.share.default_poster_folder", lambda: tmp_path / "posters")
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk, "Kopi Bu Sri")

    def setup(store):
        store.set_setting("server.url", "http://192.0.2.10:8000")
        store.create("product", {"merchant_id": merchant_id, "name": "Kopi Robusta Dampit",
                                 "price": 35000, "status": "published"})  # fmt: skip
        store.create("product", {"merchant_id": merchant_id, "name": "Kopi Rahasia Draf",
                                 "price": 99000})  # fmt: skip

    kiosk.store_thread.call(setup)
    kiosk.router.go("merchant_form", merchant_id=merchant_id)
    idle(qtbot, kiosk)
    form = kiosk.window.page("merchant_form")
    assert form.share_button.text() == "Bagikan"

    click(qtbot, form.share_button)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(lambda: dialog.info is not None)
    url = f"http://192.0.2.10:8000/m/{merchant_id}"
    assert url in dialog.address.text()

    click(qtbot, dialog.poster_buttons["A4"])
    idle(qtbot, kiosk)
    click(qtbot, dialog.poster_buttons["A6"])
    idle(qtbot, kiosk)
    click(qtbot, dialog.copy_button)

    assert [p.name for p in dialog.saved] == [
        "poster-kopi-bu-sri-A4.pdf",
        "poster-kopi-bu-sri-A6.pdf",
    ]
    assert opened == [str(p) for p in dialog.saved]
    for pdf in dialog.saved:
        assert decode_qr(pdf) == [url]
        text = run("pdftotext", str(pdf), "-")
        assert "Kopi Robusta Dampit" in text and "Rp35.000" in text
        assert "Kopi Rahasia Draf" not in text  # drafts are not in the catalog either
        assert "Pindai" in text  # the poster speaks Bahasa Indonesia
    assert QGuiApplication.clipboard().text() == (
        f"Produk Kopi Bu Sri, pesan lewat WhatsApp: {url}"
    )

    # A folder that cannot be written: the operator is told, nothing crashes
    (tmp_path / "not-a-folder").write_text("x")
    dialog._folder = tmp_path / "not-a-folder" / "posters"
    click(qtbot, dialog.poster_buttons["A4"])
    idle(qtbot, kiosk)
    assert "Poster tidak bisa disimpan" in dialog.message.text()
    assert dialog.poster_buttons["A4"].isEnabled() and len(dialog.saved) == 2
    dialog.accept()
