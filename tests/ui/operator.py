"""Steps an operator takes, shared by the screen tests (each waits for the app to settle)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from tests.ui.conftest import click, idle

TECHNICIAN = ("Teknisi Desa", "123456")


def choose_language(qtbot, kiosk, button: str = "chooseIndonesian") -> None:
    """First run, step one: the language of the screens."""
    page = kiosk.window.page("first_run")
    qtbot.waitUntil(lambda: page.step == "language" and page.indonesian.isVisible())
    click(qtbot, page.findChild(QPushButton, button))
    idle(qtbot, kiosk)


def enroll_in_first_run(qtbot, kiosk, server_url: str, code: str) -> None:
    """First run, step two: the server's address and the enrollment code."""
    page = kiosk.window.page("first_run")
    qtbot.waitUntil(lambda: page.step == "server" and page.server_edit.isVisible())
    qtbot.keyClicks(page.server_edit, server_url)
    qtbot.keyClicks(page.code_edit, code)
    click(qtbot, page.enroll_button)
    qtbot.waitUntil(lambda: page.step == "account", timeout=20000)
    idle(qtbot, kiosk)


def create_first_technician(qtbot, kiosk, *, offline: bool = True) -> None:
    """From a fresh kiosk: language, (continue offline), then the technician's account."""
    page = kiosk.window.page("first_run")
    if offline:
        choose_language(qtbot, kiosk)
        qtbot.waitUntil(lambda: page.step == "server" and page.offline_button.isVisible())
        click(qtbot, page.offline_button)
        idle(qtbot, kiosk)
    qtbot.waitUntil(lambda: page.step == "account" and page.name_edit.isVisible())
    qtbot.keyClicks(page.name_edit, TECHNICIAN[0])
    qtbot.keyClicks(page.pin_edit, TECHNICIAN[1])
    qtbot.keyClicks(page.pin_again, TECHNICIAN[1])
    click(qtbot, page.create_button)
    idle(qtbot, kiosk)
    assert kiosk.window.current_key() == "dashboard"


def nav(qtbot, kiosk, key: str) -> None:
    click(qtbot, kiosk.window.findChild(QPushButton, f"nav_{key}"))
    idle(qtbot, kiosk)


def pick_village(qtbot, kiosk, picker, name: str) -> None:
    qtbot.keyClicks(picker.edit, name)

    def shown() -> bool:  # the matches for this name, not those of an earlier search
        first = picker.matches.item(0)
        return (
            picker.matches.isVisible()
            and first is not None
            and (name.lower() in first.text().lower())
        )

    qtbot.waitUntil(shown)
    idle(qtbot, kiosk)
    item = picker.matches.item(0)
    rect = picker.matches.visualItemRect(item)
    qtbot.mouseClick(picker.matches.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert picker.code() is not None


def register_merchant(qtbot, kiosk, business: str = "Kopi Bu Sri") -> str:
    """From anywhere: consent, fill the form, save. Returns the new merchant's id."""
    nav(qtbot, kiosk, "merchants")
    click(qtbot, kiosk.window.page("merchants").findChild(QPushButton, "newMerchant"))
    form = kiosk.window.page("merchant_form")
    click(qtbot, form.consent.read_check)
    click(qtbot, form.consent.agree_button)
    qtbot.keyClicks(form.edits["business_name"], business)
    qtbot.keyClicks(form.edits["owner_name"], "Sri Wahyuni")
    qtbot.keyClicks(form.edits["phone"], "0812-3456-7890")
    pick_village(qtbot, kiosk, form.village, "Ternyang")
    qtbot.keyClicks(form.edits["address"], "Dusun Krajan RT 02")
    click(qtbot, form.save_button)
    idle(qtbot, kiosk)
    assert form._merchant_id is not None, form.message.text()
    return form._merchant_id
