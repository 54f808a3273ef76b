"""Unsaved edits are never dropped in silence: every way out of the merchant form and the
product editor ("Kembali", the side bar, "Kunci", closing the window) asks Simpan /
Buang / Batal, and the idle lock keeps the draft and brings it back after the PIN.
All through the real screens and the real store thread."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton

from tests.ui.conftest import Question, click, idle
from tests.ui.operator import TECHNICIAN, create_first_technician, register_merchant


def stored(kiosk, entity: str, row_id: str) -> dict:
    return kiosk.store_thread.call(lambda s: s.get(entity, row_id))


def open_merchant(qtbot, kiosk):
    """A registered merchant, open on its own screen; returns (form, merchant id)."""
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)
    form = kiosk.window.page("merchant_form")
    assert kiosk.window.current_key() == "merchant_form" and not form.has_unsaved_changes()
    return form, merchant_id


def open_product(qtbot, kiosk):
    """A saved product, open in the editor; returns (editor, product id)."""
    form, _merchant = open_merchant(qtbot, kiosk)
    click(qtbot, form.findChild(QPushButton, "addProductForMerchant"))
    idle(qtbot, kiosk)
    editor = kiosk.window.page("product_editor")
    qtbot.keyClicks(editor.name_edit, "Kopi Robusta 250 g")
    qtbot.keyClicks(editor.price_edit, "35000")
    click(qtbot, editor.save_button)
    idle(qtbot, kiosk)
    assert editor._product_id is not None and not editor.has_unsaved_changes()
    return editor, editor._product_id


def edit_address(qtbot, form, text: str) -> None:
    form.edits["address"].selectAll()
    qtbot.keyClicks(form.edits["address"], text)


def edit_stock(qtbot, editor, value: str) -> None:
    editor.stock_spin.selectAll()
    qtbot.keyClicks(editor.stock_spin, value)


def log_in_again(qtbot, kiosk) -> None:
    login = kiosk.window.page("login")
    qtbot.waitUntil(lambda: login.isVisible() and login.operator_list.count() > 0)
    login.pin_edit.clear()
    qtbot.keyClicks(login.pin_edit, TECHNICIAN[1])
    login.submit()
    idle(qtbot, kiosk)
    assert not kiosk.session.is_locked


def leave(qtbot, kiosk, way: str, page) -> None:
    """Leave the form one way; the question (if any) is answered by a ``Question``."""
    if way == "back":
        click(qtbot, page.back_button)
    elif way == "sidebar":
        click(qtbot, kiosk.window.findChild(QPushButton, "nav_dashboard"))
    elif way == "lock":
        click(qtbot, kiosk.window.lock_button)
    elif way == "close":
        kiosk.window.close()
    idle(qtbot, kiosk)


def left(kiosk, way: str, key: str) -> bool:
    """Whether the way out was taken (not stayed on ``key``)."""
    if way == "lock":
        return kiosk.session.is_locked
    if way == "close":
        return not kiosk.window.isVisible()
    return kiosk.window.current_key() != key


WAYS = ["back", "sidebar", "lock", "close"]


@pytest.mark.parametrize("way", WAYS)
def test_merchant_form_asks_before_dropping_an_address_edit(kiosk, qtbot, way):
    form, merchant_id = open_merchant(qtbot, kiosk)
    before = stored(kiosk, "merchant", merchant_id)["address"]

    # Cancel: the operator stays, the edit is still there
    edit_address(qtbot, form, "Dusun Sumberejo RT 03")
    question = Question("cancel")
    leave(qtbot, kiosk, way, form)
    assert question.asked and "belum disimpan" in question.text
    assert not left(kiosk, way, "merchant_form")
    assert form.edits["address"].text() == "Dusun Sumberejo RT 03"

    if way != "close":
        # Discard: gone the operator's way, nothing saved
        question = Question("discard")
        leave(qtbot, kiosk, way, form)
        assert question.asked and left(kiosk, way, "merchant_form")
        assert stored(kiosk, "merchant", merchant_id)["address"] == before
        if way == "lock":
            log_in_again(qtbot, kiosk)
        kiosk.router.go("merchant_form", merchant_id=merchant_id)
        idle(qtbot, kiosk)
        assert form.edits["address"].text() == before  # the discarded edit is not back
        edit_address(qtbot, form, "Dusun Sumberejo RT 03")

    # Save: saved, then gone the operator's way
    question = Question("save")
    leave(qtbot, kiosk, way, form)
    assert question.asked and left(kiosk, way, "merchant_form")
    assert stored(kiosk, "merchant", merchant_id)["address"] == "Dusun Sumberejo RT 03"


@pytest.mark.parametrize("way", WAYS)
def test_product_editor_asks_before_dropping_a_stock_change(kiosk, qtbot, way):
    editor, product_id = open_product(qtbot, kiosk)

    edit_stock(qtbot, editor, "99")
    question = Question("cancel")
    leave(qtbot, kiosk, way, editor)
    assert question.asked and not left(kiosk, way, "product_editor")
    assert editor.stock_spin.value() == 99

    if way != "close":
        question = Question("discard")
        leave(qtbot, kiosk, way, editor)
        assert question.asked and left(kiosk, way, "product_editor")
        assert stored(kiosk, "product", product_id)["stock"] == 0
        if way == "lock":
            log_in_again(qtbot, kiosk)
        kiosk.router.go("product_editor", product_id=product_id)
        idle(qtbot, kiosk)
        assert editor.stock_spin.value() == 0
        edit_stock(qtbot, editor, "99")

    question = Question("save")
    leave(qtbot, kiosk, way, editor)
    assert question.asked and left(kiosk, way, "product_editor")
    assert stored(kiosk, "product", product_id)["stock"] == 99


def test_a_save_that_fails_keeps_the_operator_on_the_form(kiosk, qtbot):
    form, merchant_id = open_merchant(qtbot, kiosk)
    form.edits["phone"].clear()
    qtbot.keyClicks(form.edits["phone"], "12345")

    question = Question("save")
    leave(qtbot, kiosk, "sidebar", form)

    assert question.asked and kiosk.window.current_key() == "merchant_form"
    assert "Nomor HP tidak valid" in form.errors.label("phone").text()
    assert stored(kiosk, "merchant", merchant_id)["phone"] == "+6281234567890"


def test_leaving_without_changes_asks_nothing(kiosk, qtbot):
    editor, _product = open_product(qtbot, kiosk)
    question = Question("cancel")
    leave(qtbot, kiosk, "sidebar", editor)
    question.stop()
    assert not question.asked and kiosk.window.current_key() == "dashboard"


@pytest.mark.parametrize("page_key", ["merchant_form", "product_editor"])
def test_the_idle_lock_keeps_the_draft_and_brings_it_back_after_the_pin(kiosk, qtbot, page_key):
    if page_key == "merchant_form":
        page, row_id = open_merchant(qtbot, kiosk)
        edit_address(qtbot, page, "Dusun Sumberejo RT 03")
    else:
        page, row_id = open_product(qtbot, kiosk)
        edit_stock(qtbot, page, "99")
    question = Question("cancel")

    # When nobody touches the kiosk for the lock time (shortened here)
    kiosk.session.set_lock_minutes(0.0005)  # the session's own timer, 60 ms at least
    qtbot.waitUntil(lambda: kiosk.session.is_locked, timeout=5000)
    assert not question.asked  # nobody there to answer
    kiosk.session.set_lock_minutes(10)
    log_in_again(qtbot, kiosk)

    # Then the form is back with the draft, still unsaved
    question.stop()
    assert kiosk.window.current_key() == page_key and page.has_unsaved_changes()
    if page_key == "merchant_form":
        assert page.edits["address"].text() == "Dusun Sumberejo RT 03"
        assert stored(kiosk, "merchant", row_id)["address"] == "Dusun Krajan RT 02"
    else:
        assert page.stock_spin.value() == 99
        assert stored(kiosk, "product", row_id)["stock"] == 0
    click(qtbot, page.save_button)
    idle(qtbot, kiosk)
    assert not page.has_unsaved_changes()
