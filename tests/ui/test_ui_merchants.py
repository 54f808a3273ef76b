"""An operator registers a merchant: consent first, field errors in Bahasa Indonesia."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from tests.ui.conftest import answer_next_question, click, idle
from tests.ui.operator import create_first_technician, nav, pick_village, register_merchant


def test_register_merchant_records_consent_and_shows_field_errors(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    nav(qtbot, kiosk, "merchants")
    click(qtbot, kiosk.window.page("merchants").findChild(QPushButton, "newMerchant"))
    form = kiosk.window.page("merchant_form")

    # Given the consent step: nothing can be agreed before the text was read.
    assert form.consent.isVisible()
    assert "persetujuan-v2" in form.consent.version_label.text()
    assert "Persetujuan ini sukarela" in form.consent.text.toPlainText()
    assert not form.consent.agree_button.isEnabled()
    click(qtbot, form.consent.read_check)
    click(qtbot, form.consent.agree_button)

    # When the operator saves with a bad phone number and no village
    qtbot.keyClicks(form.edits["business_name"], "Keripik Pak Darmo")
    qtbot.keyClicks(form.edits["owner_name"], "Darmo")
    qtbot.keyClicks(form.edits["phone"], "12345")
    click(qtbot, form.save_button)
    idle(qtbot, kiosk)

    # Then each error shows next to its field, in Bahasa Indonesia
    assert "Nomor HP tidak valid" in form.errors.label("phone").text()
    assert form.errors.label("village_code").isVisible()
    assert set(form.errors.fields_with_errors()) == {"phone", "village_code"}

    # When they fix both and save again
    form.edits["phone"].clear()
    qtbot.keyClicks(form.edits["phone"], "0813 3344 5566")
    pick_village(qtbot, kiosk, form.village, "ternyang")
    click(qtbot, form.save_button)
    idle(qtbot, kiosk)

    # Then the merchant is stored with its consent: which text, when (with zone), who
    merchant_id = form._merchant_id
    assert merchant_id is not None
    row = kiosk.store_thread.call(lambda s: s.get("merchant", merchant_id))
    assert row["phone"] == "+6281333445566"
    assert row["village_code"] == "35.07.12.2001"
    assert row["consent_version"] == "persetujuan-v2"
    assert row["consent_operator"] == "Teknisi Desa"
    assert datetime.fromisoformat(row["consent_at"]).utcoffset() is not None
    assert "persetujuan-v2" in form.consent_label.text()


def test_declining_consent_records_nothing(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    nav(qtbot, kiosk, "merchants")
    click(qtbot, kiosk.window.page("merchants").findChild(QPushButton, "newMerchant"))
    form = kiosk.window.page("merchant_form")

    click(qtbot, form.consent.decline_button)
    idle(qtbot, kiosk)

    assert kiosk.window.current_key() == "merchants"
    assert kiosk.store_thread.call(lambda s: s.db["merchant"].count) == 0


def test_search_as_you_type_then_edit_and_delete(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    register_merchant(qtbot, kiosk, "Kopi Bu Sri")
    merchant_id = register_merchant(qtbot, kiosk, "Tenun Mama Yosefina")
    nav(qtbot, kiosk, "merchants")
    page = kiosk.window.page("merchants")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)

    qtbot.keyClicks(page.search, "tenun mam")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.model.index(0, 0).data() == "Tenun Mama Yosefina"
    assert "1" in page.status.text()

    first_row = page.table.visualRect(page.model.index(0, 0)).center()
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=first_row)
    idle(qtbot, kiosk)
    form = kiosk.window.page("merchant_form")
    assert kiosk.window.current_key() == "merchant_form"
    assert form.edits["business_name"].text() == "Tenun Mama Yosefina"
    form.edits["address"].clear()
    qtbot.keyClicks(form.edits["address"], "Jl. Baru 1")
    click(qtbot, form.save_button)
    idle(qtbot, kiosk)
    assert kiosk.store_thread.call(lambda s: s.get("merchant", merchant_id))["address"] == (
        "Jl. Baru 1"
    )

    answer_next_question(qtbot, yes=True)
    click(qtbot, form.delete_button)
    idle(qtbot, kiosk)
    assert kiosk.window.current_key() == "merchants"
    assert kiosk.store_thread.call(lambda s: s.get("merchant", merchant_id))["deleted"] == 1
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
