"""An operator lists a product with two photos from a flash drive, reprices it, finds it,
and deletes it; everything goes through the screens and the real store thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton

from kiosk_app.media.blobs import BlobStore
from tests.ui.conftest import answer_next_question, click, idle, make_jpeg
from tests.ui.operator import create_first_technician, nav, register_merchant


def choose_in_file_dialog(qtbot, folder: Path, names: list[str]) -> None:
    """Pick files in the (non-native) Qt file dialog the editor opened."""
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog))
    dialog = QApplication.activeModalWidget()
    assert dialog.objectName() == "photoFileDialog"
    dialog.setDirectory(str(folder))
    dialog.selectFile(" ".join(f'"{n}"' for n in names))
    dialog.accept()


def test_product_with_two_photos_price_change_search_and_delete(kiosk, qtbot, tmp_path):
    drive = tmp_path / "FLASHDISK"
    drive.mkdir()
    make_jpeg(drive / "kopi-depan.jpg", (120, 70, 30), label="depan")
    make_jpeg(drive / "kopi-belakang.jpg", (30, 90, 120), size=(900, 1200), label="belakang")
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)

    # Given the merchant's page, the operator adds a product
    form = kiosk.window.page("merchant_form")
    click(qtbot, form.findChild(QPushButton, "addProductForMerchant"))
    idle(qtbot, kiosk)
    editor = kiosk.window.page("product_editor")
    assert editor.isVisible() and editor.merchant_label.text() == "Kopi Bu Sri"
    qtbot.keyClicks(editor.name_edit, "Kopi Robusta 250 g")
    qtbot.keyClicks(editor.price_edit, "15000")
    assert editor.price_edit.text() == "Rp15.000"
    editor.stock_spin.selectAll()
    qtbot.keyClicks(editor.stock_spin, "24")
    editor.unit_combo.setEditText("")
    qtbot.keyClicks(editor.unit_combo.lineEdit(), "bungkus")

    # When two photos are chosen from the flash drive
    click(qtbot, editor.photos.strip.add_files)
    choose_in_file_dialog(qtbot, drive, ["kopi-depan.jpg", "kopi-belakang.jpg"])
    qtbot.waitUntil(
        lambda: len(editor.photos.strip.items) == 2 and editor.photos.processing == 0, timeout=10000
    )
    assert editor.save_button.isEnabled()
    assert editor.photos.strip.list.count() == 2
    click(qtbot, editor.save_button)
    idle(qtbot, kiosk)

    # Then the product and both photos are stored, images in the blob folder
    assert "Product saved" in editor.message.text() or "tersimpan" in editor.message.text()
    product_id = editor._product_id
    product = kiosk.store_thread.call(lambda s: s.get("product", product_id))
    assert (product["merchant_id"], product["price"], product["stock"]) == (merchant_id, 15000, 24)
    assert product["unit"] == "bungkus"
    stored = kiosk.store_thread.call(lambda s: s.photos_of(product_id))
    assert [p["position"] for p in stored] == [0, 1]
    assert [(p["width"], p["height"]) for p in stored] == [(1200, 900), (900, 1200)]  # as chosen
    blobs = BlobStore(kiosk.paths.blobs)
    assert all(blobs.has(p["sha256"]) and blobs.has(p["thumb_sha256"]) for p in stored)

    # When the price changes and the second photo becomes the cover
    editor.price_edit.selectAll()
    qtbot.keyClicks(editor.price_edit, "20.000")
    assert editor.price_edit.value() == 20000
    editor.photos.strip.list.setCurrentRow(1)
    click(qtbot, editor.photos.strip.cover)
    click(qtbot, editor.save_button)
    idle(qtbot, kiosk)

    # Then the new price and order are stored
    assert kiosk.store_thread.call(lambda s: s.get("product", product_id))["price"] == 20000
    reordered = kiosk.store_thread.call(lambda s: s.photos_of(product_id))
    assert [p["id"] for p in reordered] == [stored[1]["id"], stored[0]["id"]]

    # When the operator searches the product grid
    nav(qtbot, kiosk, "products")
    grid_page = kiosk.window.page("products")
    qtbot.keyClicks(grid_page.search, "robus")
    qtbot.waitUntil(lambda: grid_page.model.rowCount() == 1 and not grid_page.model.is_loading)
    index = grid_page.model.index(0)
    assert index.data() == "Kopi Robusta 250 g"
    qtbot.waitUntil(
        lambda: grid_page.model.index(0).data(Qt.ItemDataRole.DecorationRole) is not None
    )
    cover = grid_page.model.index(0).data(Qt.ItemDataRole.DecorationRole)
    assert cover.height() > cover.width()  # the portrait photo is the cover now

    # And opens it and deletes it
    rect = grid_page.grid.visualRect(index)
    qtbot.mouseClick(grid_page.grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    idle(qtbot, kiosk)
    assert kiosk.window.current_key() == "product_editor"
    answer_next_question(qtbot, yes=True)
    click(qtbot, editor.delete_button)
    idle(qtbot, kiosk)

    # Then it is a tombstone, with its photos, and gone from the grid
    assert kiosk.store_thread.call(lambda s: s.get("product", product_id))["deleted"] == 1
    photos_left = kiosk.store_thread.call(lambda s: s.photos_of(product_id))
    assert photos_left == []
    assert kiosk.window.current_key() == "products"
    qtbot.waitUntil(lambda: grid_page.model.rowCount() == 0)


def test_new_product_from_the_grid_needs_a_merchant_and_refuses_a_bad_photo(kiosk, qtbot, tmp_path):
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk, "Tenun Mama Yosefina")
    nav(qtbot, kiosk, "products")
    click(qtbot, kiosk.window.page("products").findChild(QPushButton, "newProduct"))
    idle(qtbot, kiosk)
    editor = kiosk.window.page("product_editor")
    assert editor.merchant_picker.isVisible()

    # A file that is no photo is refused with a message; the good one is kept
    (tmp_path / "catatan.jpg").write_text("bukan foto")
    good = make_jpeg(tmp_path / "kain.jpg", (150, 30, 50))
    editor.photos.add_photo_files([str(tmp_path / "catatan.jpg"), str(good)])
    photos = editor.photos
    qtbot.waitUntil(lambda: not photos.processing and len(photos.strip.items) == 1)
    assert photos.errors.isVisible() and "catatan.jpg" in photos.errors.text()

    # Saving without a merchant shows the error next to the merchant field
    qtbot.keyClicks(editor.name_edit, "Kain Songke")
    qtbot.keyClicks(editor.price_edit, "850000")
    click(qtbot, editor.save_button)
    idle(qtbot, kiosk)
    assert "wajib" in editor.errors.label("merchant_id").text()
    assert editor._product_id is None

    # Picking the merchant by typing part of the name lets it save
    picker = editor.merchant_picker
    qtbot.keyClicks(picker.edit, "tenun")
    qtbot.waitUntil(lambda: picker.matches.isVisible() and picker.matches.count() == 1)
    idle(qtbot, kiosk)
    rect = picker.matches.visualItemRect(picker.matches.item(0))
    qtbot.mouseClick(picker.matches.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    click(qtbot, editor.save_button)
    idle(qtbot, kiosk)

    product_id = editor._product_id
    assert product_id is not None
    product = kiosk.store_thread.call(lambda s: s.get("product", product_id))
    assert (product["merchant_id"], product["price"]) == (merchant_id, 850000)
    assert len(kiosk.store_thread.call(lambda s: s.photos_of(product_id))) == 1


def test_at_most_nine_photos(kiosk, qtbot, tmp_path):
    create_first_technician(qtbot, kiosk)
    register_merchant(qtbot, kiosk)
    click(qtbot, kiosk.window.page("merchant_form").findChild(QPushButton, "addProductForMerchant"))
    idle(qtbot, kiosk)
    editor = kiosk.window.page("product_editor")
    files = [
        str(make_jpeg(tmp_path / f"p{n}.jpg", (n * 20, 90, 90), (240, 180))) for n in range(10)
    ]

    editor.photos.add_photo_files(files)
    photos = editor.photos
    qtbot.waitUntil(lambda: not photos.processing, timeout=20000)

    assert len(photos.strip.items) == 9
    assert "9" in photos.errors.text()
    assert not photos.strip.add_files.isEnabled() and not photos.strip.camera.isEnabled()
