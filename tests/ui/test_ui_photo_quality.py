"""The photo quality a kiosk's region set (pushed by the server through sync, kept in the
store) is the one the product screen encodes new photos with."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from kiosk_app.media.pipeline import process_photo
from kiosk_app.store.settings import Key
from tests.ui.conftest import click, idle, make_jpeg
from tests.ui.operator import create_first_technician, register_merchant
from tests.ui.test_ui_products import choose_in_file_dialog


def test_new_photos_use_the_regions_photo_quality(kiosk, qtbot, tmp_path):
    drive = tmp_path / "FLASHDISK"
    drive.mkdir()
    make_jpeg(drive / "kopi.jpg", (120, 70, 30), size=(1400, 1000), label="kopi")
    create_first_technician(qtbot, kiosk)
    register_merchant(qtbot, kiosk)
    # Given the region's setting as a sync leaves it in the store
    kiosk.store_thread.call(lambda s: s.settings.set(Key.REMOTE_PHOTO_QUALITY, 45))

    # When the operator adds a product with a photo
    form = kiosk.window.page("merchant_form")
    click(qtbot, form.findChild(QPushButton, "addProductForMerchant"))
    idle(qtbot, kiosk)
    editor = kiosk.window.page("product_editor")
    qtbot.waitUntil(lambda: editor.photos.quality == 45, timeout=5000)
    click(qtbot, editor.photos.strip.add_files)
    choose_in_file_dialog(qtbot, drive, ["kopi.jpg"])
    qtbot.waitUntil(
        lambda: len(editor.photos.strip.items) == 1 and editor.photos.processing == 0, timeout=10000
    )

    # Then the photo is the one encoded at that quality, not at the default
    item = editor.photos.strip.items[0]
    at_45 = process_photo(drive / "kopi.jpg", 45)
    assert at_45.full_quality <= 45
    assert item.processed.sha256 == at_45.sha256 != process_photo(drive / "kopi.jpg").sha256
