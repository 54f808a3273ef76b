"""Login with a PIN, wrong PINs, locking after idle time, and what each role sees."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton

from tests.ui.conftest import click, idle
from tests.ui.operator import TECHNICIAN, create_first_technician, nav


def press_pin(qtbot, page, pin: str) -> None:
    for digit in pin:
        click(qtbot, page.pad.findChild(QPushButton, f"pinKey_{digit}"))
    click(qtbot, page.pad.findChild(QPushButton, "pinKey_ok"))


def test_lock_then_wrong_and_right_pin_return_to_the_same_page(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    nav(qtbot, kiosk, "merchants")

    click(qtbot, kiosk.window.lock_button)
    idle(qtbot, kiosk)
    login = kiosk.window.page("login")
    assert login.isVisible() and kiosk.session.is_locked
    assert login.operator_list.currentItem().text() == TECHNICIAN[0]

    press_pin(qtbot, login, "0000")
    idle(qtbot, kiosk)
    assert login.message.isVisible() and login.isVisible()

    press_pin(qtbot, login, TECHNICIAN[1])
    idle(qtbot, kiosk)
    assert not kiosk.session.is_locked
    assert kiosk.window.current_key() == "merchants"


def test_idle_kiosk_locks_itself(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    kiosk.session.set_lock_minutes(0.005)  # 300 ms

    qtbot.waitUntil(lambda: kiosk.session.is_locked, timeout=3000)

    assert kiosk.window.page("login").isVisible()


def test_operator_does_not_see_settings_technician_adds_operator(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    assert kiosk.window.findChild(QPushButton, "nav_settings").isVisible()
    nav(qtbot, kiosk, "settings")
    settings = kiosk.window.page("settings")
    assert str(kiosk.paths.data) in settings.findChild(QLabel, "dataFolder").text()

    qtbot.keyClicks(settings.new_name, "Ani")
    qtbot.keyClicks(settings.new_pin, "12a")  # letters are ignored: PIN "12"
    click(qtbot, settings.findChild(QPushButton, "addOperator"))
    idle(qtbot, kiosk)
    assert "PIN" in settings.errors.label("pin").text()
    qtbot.keyClicks(settings.new_pin, "34")
    click(qtbot, settings.findChild(QPushButton, "addOperator"))
    idle(qtbot, kiosk)
    assert settings.operator_list.count() == 2

    click(qtbot, kiosk.window.lock_button)
    idle(qtbot, kiosk)
    login = kiosk.window.page("login")
    ani = next(
        login.operator_list.item(n)
        for n in range(login.operator_list.count())
        if login.operator_list.item(n).text() == "Ani"
    )
    login.operator_list.setCurrentItem(ani)
    press_pin(qtbot, login, "1234")
    idle(qtbot, kiosk)

    assert kiosk.session.operator.name == "Ani"
    assert kiosk.window.current_key() == "dashboard"  # someone else: start afresh
    assert not kiosk.window.findChild(QPushButton, "nav_settings").isVisible()


def test_five_wrong_pins_pause_login_then_the_right_pin_works(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    click(qtbot, kiosk.window.lock_button)
    idle(qtbot, kiosk)
    login = kiosk.window.page("login")

    # Given four wrong PINs, each told plainly
    for _ in range(4):
        press_pin(qtbot, login, "0000")
        idle(qtbot, kiosk)
        assert login.message.text() == "PIN salah. Coba lagi."
    # When the fifth is wrong too
    press_pin(qtbot, login, "9999")
    idle(qtbot, kiosk)

    # Then login pauses: the operator is told to wait, the pad and field are off
    assert login.message.text() == "PIN salah terlalu sering. Tunggu 30 detik, lalu coba lagi."
    assert login._pause.isActive() and login._pause.interval() == 30_000
    assert not login.pad.isEnabled() and not login.pin_edit.isEnabled()
    # and even the right PIN (typed by any other way) is not checked while it lasts
    login.pin_edit.setText(TECHNICIAN[1])
    login.submit()
    idle(qtbot, kiosk)
    assert kiosk.session.is_locked and login._pause.isActive()

    # When the 30 seconds are over (the test fires the pause's timer now)
    login._pause.start(0)
    qtbot.waitUntil(lambda: login.pad.isEnabled() and login.pin_edit.isEnabled())

    # Then the message is gone, the count starts again, and the right PIN logs in
    assert login.message.text() == ""
    press_pin(qtbot, login, "0000")
    idle(qtbot, kiosk)
    assert login.message.text() == "PIN salah. Coba lagi."  # one wrong PIN: no pause
    press_pin(qtbot, login, TECHNICIAN[1])
    idle(qtbot, kiosk)
    assert not kiosk.session.is_locked
