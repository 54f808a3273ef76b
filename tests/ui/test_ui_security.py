"""The kiosk's screens against hostile data (issue 14): names shown as text, never as
markup; thumbnails from other kiosks decoded only by the photo pipeline's safe decoder;
no enrollment over plain http to another machine. Real widgets, offscreen.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QLabel

from kiosk_app.ui.models.thumbnails import decode_image
from tests.ui.conftest import click, idle
from tests.ui.operator import choose_language, create_first_technician, register_merchant

HOSTILE = '<img src="http://phish.example/x.png"><a href="http://phish.example">Kopi</a>'


def test_a_business_name_is_shown_as_text_not_markup(kiosk, qtbot, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: None)
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk, "Kopi Bu Sri")
    # The name as it reached this kiosk from another one (the form would not take "<")
    kiosk.store_thread.call(
        lambda store: store.db.execute(
            "UPDATE merchant SET business_name = ? WHERE id = ?", [HOSTILE, merchant_id]
        )
    )
    kiosk.router.go("merchant_form", merchant_id=merchant_id)
    idle(qtbot, kiosk)
    form = kiosk.window.page("merchant_form")

    click(qtbot, form.share_button)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(lambda: dialog.info is not None)

    assert dialog.title.textFormat() == Qt.TextFormat.PlainText
    assert dialog.title.text() == HOSTILE
    assert form.title.textFormat() == Qt.TextFormat.PlainText
    # Every label on every page that may show data is plain text
    rich = [
        label.objectName() or label.text()[:30]
        for label in kiosk.window.findChildren(QLabel) + dialog.findChildren(QLabel)
        if label.textFormat() != Qt.TextFormat.PlainText and "<" in label.text()
    ]
    assert rich == []
    dialog.accept()


def _bytes(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("gif", _bytes(Image.new("RGB", (40, 40), "red"), "GIF")),
        ("bmp", _bytes(Image.new("RGB", (40, 40), "red"), "BMP")),
        ("svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"/>'),
        ("xpm", b'/* XPM */\nstatic char *x[] = {"1 1 1 1", "a c #ff0000", "a"};\n'),
        ("not an image", b"\xff\xd8\xff" + b"\x00" * 100),
    ],
)
def test_a_thumbnail_in_a_format_the_pipeline_refuses_is_not_decoded(qapp, name, data):
    # Qt's own plug-ins would read every one of these; the pipeline takes none
    assert decode_image(data).isNull(), name


def test_a_thumbnail_claiming_too_many_pixels_is_refused_before_decoding(qapp):
    # A PNG whose header says 20000 x 20000 (400 MP) over a few bytes of data
    bomb = _bytes(Image.new("1", (20000, 20000)), "PNG", optimize=True)
    assert len(bomb) < 200_000

    assert decode_image(bomb).isNull()


def test_a_real_jpeg_thumbnail_is_decoded_and_fits(qapp):
    photo = _bytes(Image.new("RGB", (320, 240), (10, 120, 200)), "JPEG", quality=85)

    image = decode_image(photo, QSize(180, 180))

    assert not image.isNull()
    assert (image.width(), image.height()) == (180, 135)
    pixel = image.pixelColor(90, 60)
    assert abs(pixel.red() - 10) < 8 and abs(pixel.blue() - 200) < 8


@pytest.mark.parametrize(
    "url", ["http://192.168.1.10:8000", "http://etalase.example.id", "ftp://etalase.example.id"]
)
def test_enrolling_over_plain_http_to_another_machine_is_refused(kiosk, qtbot, url):
    choose_language(qtbot, kiosk)
    page = kiosk.window.page("first_run")
    qtbot.waitUntil(lambda: page.step == "server" and page.server_edit.isVisible())
    qtbot.keyClicks(page.server_edit, url)
    qtbot.keyClicks(page.code_edit, "K7QX-M3PD-9T")

    click(qtbot, page.enroll_button)
    qtbot.waitUntil(lambda: page.server_message.property("error") is True)

    assert "https://" in page.server_message.text()
    assert page.step == "server" and page.enroll_button.isEnabled()


def test_a_cut_name_s_tooltip_shows_the_name_as_text(qtbot):
    from kiosk_app.ui.widgets.common import ElidedLabel

    # Given a title too narrow for a hostile name (its whole text goes to the tooltip)
    label = ElidedLabel(HOSTILE)
    qtbot.addWidget(label)
    label.resize(60, 30)
    label.show()
    # Then the tooltip (which Qt renders as rich text when it looks like markup) is escaped
    tip = label.toolTip()
    assert tip and "<img" not in tip and "&lt;img" in tip
    assert label.text() == HOSTILE
