"""The shell: language switch, the sync badge's status object, and adding a page later."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton

from kiosk_app.ui import sync_status as st
from kiosk_app.ui.i18n import current_language
from kiosk_app.ui.sync_status import SyncStatus, SyncStatusSource
from tests.ui.conftest import click, idle
from tests.ui.operator import create_first_technician, nav


def test_badge_says_not_connected_with_the_real_outbox_count(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    badge = kiosk.window.sync_badge
    qtbot.waitUntil(lambda: kiosk.sync_source.status.pending_changes is not None)

    assert kiosk.sync_source.status.state == st.NOT_CONNECTED
    assert kiosk.sync_source.status.pending_changes == 0
    assert badge.text() == "Belum tersambung ke server"


def test_the_badge_shows_a_published_status_and_opens_the_sync_page(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    source = SyncStatusSource()
    kiosk.window.set_sync_source(source)

    source.publish(
        SyncStatus(st.OFFLINE, pending_changes=3, pending_photos=1, open_conflicts=2,
                   last_success="2025-08-17T03:00:00.000+00:00", message="Putus")
    )  # fmt: skip

    badge = kiosk.window.sync_badge
    assert badge.text() == (
        "Tidak tersambung · 3 perubahan menunggu dikirim · 1 foto menunggu dikirim · 2 data bentrok"
    )
    assert "17 Agustus 2025" in badge.toolTip() and "Putus" in badge.toolTip()
    click(qtbot, badge)
    idle(qtbot, kiosk)
    assert kiosk.window.current_key() == "sync"
    assert kiosk.window.page("sync").isVisible()


def test_switching_language_rebuilds_the_screens_and_keeps_the_session(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    nav(qtbot, kiosk, "settings")
    settings = kiosk.window.page("settings")
    settings.language.setCurrentIndex(settings.language.findData("en"))
    click(qtbot, settings.findChild(QPushButton, "applySettings"))
    idle(qtbot, kiosk)

    try:
        assert current_language() == "en"
        window = kiosk.window
        qtbot.addWidget(window)
        assert window.current_key() == "settings" and not kiosk.session.is_locked
        assert window.findChild(QPushButton, "nav_merchants").text() == "Merchants"
        assert window.sync_badge.text().startswith("Not connected to the server yet")
        stored = kiosk.store_thread.call(lambda s: s.get_setting("ui.language"))
        assert stored == "en"
    finally:
        kiosk.set_language("id")
    assert kiosk.window.findChild(QPushButton, "nav_merchants").text() == "Penjual"
    assert kiosk.window.findChild(QLabel, "operatorLabel").text() == "Teknisi Desa"
