"""Forms behave as people expect: Enter presses the focused button or the form's default,
every button shows its focus ring, capped fields count and say when a paste is cut, the
price says it takes digits, errors go once the field is valid, no name widens the window
past 1366 px, drop-down rows are touch-sized, the village field shows the start of the
name, a new product's status and where it will appear, Qt's file dialog in Indonesian,
photos counted as photos. Real pages, the real store thread, offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton, QTreeView, QWidget

from kiosk_app.ui import sync_status as st
from kiosk_app.ui.dialogs import removable_drives, start_folder
from kiosk_app.ui.sync_status import SyncStatus
from tests.support import VILLAGE
from tests.ui.conftest import click, idle, make_jpeg
from tests.ui.operator import create_first_technician, nav, pick_village, register_merchant

SCREEN_WIDTH = 1366
FOCUS_RING = QColor("#e08a00")


def new_merchant_form(qtbot, kiosk):
    nav(qtbot, kiosk, "merchants")
    click(qtbot, kiosk.window.page("merchants").findChild(QPushButton, "newMerchant"))
    form = kiosk.window.page("merchant_form")
    click(qtbot, form.consent.read_check)
    click(qtbot, form.consent.agree_button)
    return form


def new_product(qtbot, kiosk, merchant_id: str):
    kiosk.router.go("product_editor", merchant_id=merchant_id)
    idle(qtbot, kiosk)
    return kiosk.window.page("product_editor")


def paste(qtbot, edit, text: str) -> None:
    QGuiApplication.clipboard().setText(text)
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def stored(kiosk, entity: str, row_id: str) -> dict:
    return kiosk.store_thread.call(lambda s: s.get(entity, row_id))


# -- Enter ----------------------------------------------------------------------------


def test_enter_in_a_field_presses_the_forms_default_button(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)
    form = kiosk.window.page("merchant_form")

    form.edits["address"].selectAll()
    qtbot.keyClicks(form.edits["address"], "Dusun Sumberejo")
    qtbot.keyClick(form.edits["address"], Qt.Key.Key_Return)
    idle(qtbot, kiosk)

    assert stored(kiosk, "merchant", merchant_id)["address"] == "Dusun Sumberejo"
    assert form.message.text() == "Tersimpan."

    editor = new_product(qtbot, kiosk, merchant_id)
    qtbot.keyClicks(editor.name_edit, "Kopi Robusta")
    qtbot.keyClicks(editor.price_edit, "35000")
    qtbot.keyClick(editor.price_edit, Qt.Key.Key_Enter)  # the keypad's Enter too
    idle(qtbot, kiosk)
    assert editor._product_id is not None
    assert stored(kiosk, "product", editor._product_id)["name"] == "Kopi Robusta"


def test_enter_on_a_focused_button_presses_that_button_not_the_default(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)
    form = kiosk.window.page("merchant_form")
    form.back_button.setFocus()
    assert form.back_button.hasFocus()

    qtbot.keyClick(form.back_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: kiosk.window.current_key() == "merchants")
    assert stored(kiosk, "merchant", merchant_id)["business_name"] == "Kopi Bu Sri"


def test_enter_in_the_village_field_chooses_the_village_and_saves_nothing(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    form = new_merchant_form(qtbot, kiosk)
    qtbot.keyClicks(form.village.edit, "Ternyang")
    qtbot.waitUntil(lambda: form.village.matches.isVisible() and form.village.matches.count())
    idle(qtbot, kiosk)

    qtbot.keyClick(form.village.edit, Qt.Key.Key_Return)
    idle(qtbot, kiosk)

    assert form.village.code() == VILLAGE
    assert form._merchant_id is None and not form.errors.fields_with_errors()
    # The start of the chosen village's long label shows, not its end
    assert form.village.edit.cursorPosition() == 0
    assert form.village.edit.text().startswith("Ternyang")


# -- focus ring ------------------------------------------------------------------------


def ring_colour(button: QPushButton) -> QColor:
    """The colour of the button's left border, as painted with the focus on it."""
    image = button.grab().toImage()
    return image.pixelColor(1, image.height() // 2)


def close_to(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 60


def test_every_kind_of_button_shows_a_visible_focus_ring(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    register_merchant(qtbot, kiosk)
    window = kiosk.window
    window.activateWindow()
    form = window.page("merchant_form")
    buttons = {
        "primary": form.save_button,
        "normal": form.back_button,
        "danger": form.delete_button,
        "nav": window.findChild(QPushButton, "nav_dashboard"),
        "lock": window.lock_button,
        "badge": window.sync_badge,
    }
    for kind, button in buttons.items():
        unfocused = ring_colour(button)
        button.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(button.hasFocus)
        focused = ring_colour(button)
        assert close_to(focused, FOCUS_RING), (kind, focused.name())
        assert not close_to(unfocused, FOCUS_RING), (kind, unfocused.name())


# -- length caps, the price, errors that go ---------------------------------------------


def test_a_long_paste_is_cut_to_the_cap_and_the_form_says_so(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)
    editor = new_product(qtbot, kiosk, merchant_id)

    paste(qtbot, editor.name_edit, "Kopi " * 1000)

    assert len(editor.name_edit.text()) == 80
    assert editor.findChild(QWidget, "count_name").text() == "80/80"
    message = editor.errors.label("name")
    assert message.isVisible()
    assert "hanya muat 80 huruf pertama, jadi 4920 huruf sisanya dipotong" in message.text()
    editor.name_edit.setText("Kopi Robusta")
    assert not message.isVisible() and editor.findChild(QWidget, "count_name").text() == "12/80"


def test_the_price_says_it_takes_digits(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)
    editor = new_product(qtbot, kiosk, merchant_id)

    qtbot.keyClicks(editor.price_edit, "15rb")

    assert editor.price_edit.value() == 15
    message = editor.errors.label("price")
    assert message.isVisible() and "Harga hanya berisi angka" in message.text()
    assert "“b” tidak dipakai" in message.text()
    qtbot.keyClicks(editor.price_edit, "000")
    assert editor.price_edit.value() == 15000 and not message.isVisible()


def test_an_error_disappears_as_soon_as_its_field_is_valid(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    form = new_merchant_form(qtbot, kiosk)
    qtbot.keyClicks(form.edits["business_name"], "Keripik Pak Darmo")
    qtbot.keyClicks(form.edits["owner_name"], "Darmo")
    qtbot.keyClicks(form.edits["phone"], "12345")
    click(qtbot, form.save_button)
    idle(qtbot, kiosk)
    assert set(form.errors.fields_with_errors()) == {"phone", "village_code"}

    qtbot.keyClicks(form.edits["phone"], "6789")  # still not a phone number
    assert "phone" in form.errors.fields_with_errors()
    form.edits["phone"].clear()
    qtbot.keyClicks(form.edits["phone"], "0813 3344 5566")
    assert set(form.errors.fields_with_errors()) == {"village_code"}
    pick_village(qtbot, kiosk, form.village, "Ternyang")
    assert set(form.errors.fields_with_errors()) == set()


# -- nothing widens the window ------------------------------------------------------------


def within_screen(window, *buttons: QPushButton) -> None:
    assert window.width() <= SCREEN_WIDTH, window.width()
    assert window.minimumSizeHint().width() <= SCREEN_WIDTH
    frame = QRect(QPoint(0, 0), window.size())
    for button in buttons:
        if button.isVisible():
            corner = button.mapTo(window, QPoint(button.width() - 1, button.height() - 1))
            assert frame.contains(corner), (button.objectName(), corner, window.size())


def test_a_5000_character_pasted_name_leaves_the_window_within_1366_px(kiosk, qtbot):
    window = kiosk.window
    window.resize(SCREEN_WIDTH, 768)
    create_first_technician(qtbot, kiosk)
    unbroken = "W" * 5000
    form = new_merchant_form(qtbot, kiosk)
    paste(qtbot, form.edits["business_name"], unbroken)
    paste(qtbot, form.edits["owner_name"], unbroken)
    qtbot.keyClicks(form.edits["phone"], "0812-3456-7890")
    pick_village(qtbot, kiosk, form.village, "Ternyang")
    paste(qtbot, form.edits["address"], unbroken)
    within_screen(window, window.lock_button, form.save_button)
    click(qtbot, form.save_button)
    idle(qtbot, kiosk)
    merchant_id = form._merchant_id
    assert merchant_id is not None
    within_screen(window, window.lock_button, form.save_button)

    editor = new_product(qtbot, kiosk, merchant_id)
    paste(qtbot, editor.name_edit, unbroken)
    qtbot.keyClicks(editor.price_edit, "1000")
    paste(qtbot, editor.description_edit, unbroken)
    within_screen(window, window.lock_button, editor.save_button)
    click(qtbot, editor.save_button)
    idle(qtbot, kiosk)
    within_screen(window, window.lock_button, editor.save_button)

    for key in ("dashboard", "merchants", "products", "sync", "settings"):
        nav(qtbot, kiosk, key)
        within_screen(window, window.lock_button)
    kiosk.router.go("merchant_form", merchant_id=merchant_id)
    idle(qtbot, kiosk)
    within_screen(window, window.lock_button, form.save_button)
    assert form.title.text() == "W" * 100 and form.title.toolTip() == "W" * 100

    # Nor a badge with every count at once, nor an operator's longest name (50 letters)
    busy = SyncStatus(st.SYNCING, 123456, 7890, None, "x" * 300, 4567, 8901)
    window.sync_badge.show_status(busy)
    window.operator_label.setText("W" * 50)
    nav(qtbot, kiosk, "sync")
    within_screen(window, window.lock_button)
    assert "8901 ditolak server" in window.sync_badge.text()
    assert window.sync_badge.text() in window.sync_badge.toolTip()


# -- drop-downs, new products, files, photos --------------------------------------------


def test_drop_down_rows_are_touch_sized(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)
    editor = new_product(qtbot, kiosk, merchant_id)
    for combo in (editor.status_combo, editor.unit_combo, editor.category_combo):
        combo.showPopup()
        view = combo.view()
        qtbot.waitUntil(view.isVisible)
        assert view.visualRect(combo.model().index(0, 0)).height() >= 44, combo.objectName()
        combo.hidePopup()


def test_a_new_product_of_a_consenting_merchant_is_published_and_says_where(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)  # consent recorded on the way
    editor = new_product(qtbot, kiosk, merchant_id)

    assert editor.status_combo.currentData() == "published"
    assert "Tampil di katalog umum" in editor.catalog_hint.text()
    qtbot.keyClicks(editor.name_edit, "Kopi Robusta")
    qtbot.keyClicks(editor.price_edit, "35000")
    assert editor.has_unsaved_changes()
    click(qtbot, editor.save_button)
    idle(qtbot, kiosk)
    assert stored(kiosk, "product", editor._product_id)["status"] == "published"

    # Chosen as a draft, it stays a draft, and the form says it is not shown
    editor = new_product(qtbot, kiosk, merchant_id)
    editor.status_combo.setCurrentIndex(editor.status_combo.findData("draft"))
    editor.status_combo.activated.emit(editor.status_combo.currentIndex())
    assert "Draf, belum tampil" in editor.catalog_hint.text()
    qtbot.keyClicks(editor.name_edit, "Kopi Luwak")
    qtbot.keyClicks(editor.price_edit, "120000")
    click(qtbot, editor.save_button)
    idle(qtbot, kiosk)
    assert stored(kiosk, "product", editor._product_id)["status"] == "draft"


def test_without_consent_a_new_product_says_why_it_cannot_show(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    # Set-up, as a file import would: a merchant without consent recorded
    fields = {"business_name": "Warung Bu Tini", "owner_name": "Tini",
              "phone": "0812-1111-2222", "village_code": VILLAGE}  # fmt: skip
    merchant_id = kiosk.store_thread.call(lambda s: s.create("merchant", fields))
    editor = new_product(qtbot, kiosk, merchant_id)

    assert editor.status_combo.currentData() == "draft"
    hint = editor.catalog_hint.text()
    assert "Tidak tampil di katalog" in hint and "Warung Bu Tini" in hint
    assert "persetujuan" in hint


def test_the_photo_file_dialog_speaks_indonesian_and_opens_on_pictures(
    kiosk, qtbot, tmp_path, monkeypatch
):
    home = tmp_path / "home"
    (home / "Pictures").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_PICTURES_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)
    editor = new_product(qtbot, kiosk, merchant_id)

    click(qtbot, editor.photos.strip.add_files)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog))
    dialog = QApplication.activeModalWidget()
    try:
        # A flash drive when one is plugged in (this machine's mounts decide), else Pictures
        drives = removable_drives()
        expected = drives[0] if drives else home / "Pictures"
        assert Path(dialog.directory().absolutePath()) == expected
        assert start_folder([], str(home / "Pictures"), str(home)) == str(home / "Pictures")
        assert start_folder([], str(home / "Gambar"), str(home)) == str(home)  # no Pictures
        places = [u.toLocalFile() for u in dialog.sidebarUrls()]
        assert str(home / "Pictures") in places
        tree = dialog.findChild(QTreeView)
        headers = [tree.model().headerData(i, Qt.Orientation.Horizontal) for i in range(4)]
        assert headers[0] == "Nama" and "Ukuran" in headers
        back = dialog.findChild(QWidget, "backButton")
        assert back.toolTip() == "Kembali"
        assert dialog.findChild(QWidget, "newFolderButton").toolTip() == "Buat folder baru"
    finally:
        dialog.reject()


def test_the_badge_counts_a_photo_as_one_photo(kiosk, qtbot, tmp_path):
    drive = tmp_path / "FLASHDISK"
    drive.mkdir()
    make_jpeg(drive / "kopi.jpg", (120, 70, 30))
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)
    editor = new_product(qtbot, kiosk, merchant_id)
    qtbot.keyClicks(editor.name_edit, "Kopi")
    qtbot.keyClicks(editor.price_edit, "1000")
    editor.photos.add_photo_files([str(drive / "kopi.jpg")])
    qtbot.waitUntil(lambda: len(editor.photos.strip.items) == 1 and not editor.photos.processing)
    click(qtbot, editor.save_button)
    idle(qtbot, kiosk)

    kiosk.sync.refresh()
    idle(qtbot, kiosk)
    assert kiosk.sync.status.pending_photos == 1  # its full image and thumbnail: one photo
    assert "1 foto menunggu dikirim" in kiosk.window.sync_badge.text()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_qts_own_dialogs_are_translated_for_both_languages(qapp, lang):
    from PySide6.QtCore import QTranslator

    from kiosk_app.ui.i18n import qt_translation_file

    path = qt_translation_file(lang)
    assert path is not None
    translator = QTranslator()
    assert translator.load(str(path))
    expected = {"id": "Buat folder baru", "en": "Create New Folder"}[lang]
    assert translator.translate("QFileDialog", "Create New Folder") in (expected, "")
    if lang == "id":
        assert translator.translate("QFileSystemModel", "Name") == "Nama"


def test_a_late_answer_for_an_earlier_visit_does_not_fill_the_form(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)
    editor = new_product(qtbot, kiosk, merchant_id)
    qtbot.keyClicks(editor.name_edit, "Kopi Robusta")
    qtbot.keyClicks(editor.price_edit, "35000")
    click(qtbot, editor.save_button)
    idle(qtbot, kiosk)
    product_id = editor._product_id

    # The product asked for, then a new one at once, before the first answer came
    kiosk.router.go("product_editor", product_id=product_id)
    kiosk.router.go("product_editor", merchant_id=merchant_id)
    idle(qtbot, kiosk)

    assert editor._product_id is None and editor.name_edit.text() == ""
    assert not editor.has_unsaved_changes()
