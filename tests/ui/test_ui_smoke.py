"""Quick start: first run (language, offline for now) creates a technician, who lands on
the dashboard."""

from __future__ import annotations

from tests.ui.conftest import click, idle


def test_first_run_then_dashboard(kiosk, qtbot):
    page = kiosk.window.page("first_run")
    assert page.isVisible()
    qtbot.waitUntil(lambda: page.step == "language")
    click(qtbot, page.indonesian)
    idle(qtbot, kiosk)
    assert page.step == "server"
    click(qtbot, page.offline_button)
    idle(qtbot, kiosk)
    assert page.step == "account"
    qtbot.keyClicks(page.name_edit, "Teknisi Desa")
    qtbot.keyClicks(page.pin_edit, "123456")
    qtbot.keyClicks(page.pin_again, "123456")
    click(qtbot, page.create_button)
    idle(qtbot, kiosk)
    assert kiosk.window.current_key() == "dashboard"
    assert kiosk.window.page("dashboard").isVisible()
