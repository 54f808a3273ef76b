"""A merchant the server refuses is seen as refused (badge, Sinkron page, the merchant's own
screen), fixed and sent, or deleted from the kiosk; enrolment brings the region list.

The whole app against a real kiosk_server on loopback (through a link the test can
cut), driven through the screens. The merchants outside the region are registered
before the kiosk is enrolled, as a kiosk used offline first would: once enrolled, the
screens no longer offer villages outside its region.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from kiosk_app.paths import resolve_paths
from kiosk_app.ui import sync_status as st
from tests.support.enroll_only import EnrollOnlyLink
from tests.ui.conftest import answer_next_question, click, idle, running_app
from tests.ui.operator import (
    choose_language,
    create_first_technician,
    enroll_in_first_run,
    nav,
    pick_village,
    register_merchant,
)
from tests.ui.test_ui_sync import REGION, app, by_id, link, wait_synced

__all__ = ["app", "link"]  # fixtures shared with the sync screen's tests
OUTSIDE = "Satar Ngkeling"  # a village of Manggarai (53.10), in the sample region list


def register_outside(qtbot, kiosk, business: str) -> str:
    """Register a merchant in a village outside 35.07 (possible only before enrolment)."""
    nav(qtbot, kiosk, "merchants")
    click(qtbot, kiosk.window.page("merchants").findChild(QPushButton, "newMerchant"))
    form = kiosk.window.page("merchant_form")
    click(qtbot, form.consent.read_check)
    click(qtbot, form.consent.agree_button)
    qtbot.keyClicks(form.edits["business_name"], business)
    qtbot.keyClicks(form.edits["owner_name"], "Yosefina Jehaut")
    qtbot.keyClicks(form.edits["phone"], "0852-3900-1122")
    pick_village(qtbot, kiosk, form.village, OUTSIDE)
    click(qtbot, form.save_button)
    idle(qtbot, kiosk)
    assert form._merchant_id is not None, form.message.text()
    return form._merchant_id


def enroll_in_settings(qtbot, kiosk, url: str, code: str) -> None:
    nav(qtbot, kiosk, "settings")
    settings = kiosk.window.page("settings")
    qtbot.keyClicks(settings.server_edit, url)
    qtbot.keyClicks(settings.code_edit, code)
    click(qtbot, settings.enroll_button)
    qtbot.waitUntil(lambda: kiosk.sync.running, timeout=20000)


def wait_refused(qtbot, kiosk) -> None:
    qtbot.waitUntil(
        lambda: kiosk.sync.status.state == st.REFUSED and not kiosk.sync.syncing, timeout=30000
    )
    idle(qtbot, kiosk)


def test_a_refused_merchant_is_shown_refused_everywhere_then_fixed_and_sent(
    app, qtbot, server, link, tmp_path
):
    # Given a merchant registered in Manggarai before the kiosk was enrolled for Malang
    create_first_technician(qtbot, app)
    merchant_id = register_outside(qtbot, app, "Tenun Ikat Mama Yosefina")
    enroll_in_settings(qtbot, app, link.url, server.enroll_code(REGION))

    # When it syncs, the server refuses it: the badge says so, never "all sent"
    wait_refused(qtbot, app)
    badge = app.window.sync_badge.text()
    assert badge.startswith("Tersambung · ada data ditolak, lihat Sinkronisasi")
    assert "1 ditolak server" in badge and "semua data terkirim" not in badge

    # and so does the Sinkron page: the merchant's row and a card with the way out
    nav(qtbot, app, "sync")
    page = app.window.page("sync")
    qtbot.waitUntil(lambda: len(page.refusal_cards) == 1 and page.merchants.rowCount() >= 1)
    reason = "Data ini di luar wilayah kios (35.07), jadi tidak diterima server."
    assert page.merchants.item(0, 1).text() == f"Ditolak server: {reason}"
    assert "server menolak sebagian data" in page.state_label.text()
    card = page.refusal_cards[0]
    assert card.heading.text() == "Penjual: Tenun Ikat Mama Yosefina"
    assert card.reason.text() == f"Ditolak server: {reason}"
    assert "Ganti desanya" in card.advice.text()

    # and so does the merchant's own screen
    click(qtbot, card.edit_button)
    idle(qtbot, app)
    form = app.window.page("merchant_form")
    assert app.window.current_key() == "merchant_form" and form._merchant_id == merchant_id
    qtbot.waitUntil(lambda: form.delivery.banner.isVisible())
    assert form.delivery.status.text() == "Ditolak server, jadi tidak ada di katalog."
    assert reason in form.delivery.reason.text()

    # When the operator looks for the village again, the picker keeps to the region
    form.village.edit.clear()
    qtbot.keyClicks(form.village.edit, "Satar Ngkeling")
    qtbot.waitUntil(lambda: form.village.matches.isVisible() and form.village.matches.count())
    idle(qtbot, app)
    note = form.village.matches.item(0)
    assert "di luar wilayah kios ini (Kabupaten Malang (35.07))" in note.text()
    # and picks one in it, and saves: the merchant is sent again, whole
    form.village.edit.clear()
    pick_village(qtbot, app, form.village, "Ternyang")
    click(qtbot, form.save_button)
    idle(qtbot, app)

    # Then the server accepts it, and it is shown as sent everywhere
    wait_synced(qtbot, app)
    assert app.window.sync_badge.text() == "Tersambung · semua data terkirim"
    qtbot.waitUntil(lambda: form.delivery.status.text() == "Sudah sampai di server.")
    assert not form.delivery.banner.isVisible()
    nav(qtbot, app, "sync")
    qtbot.waitUntil(lambda: not page.refusal_cards and not page.refusals_box.isVisible())
    assert page.merchants.item(0, 1).text() == "Ya, semua terkirim"
    on_server = by_id(server.export(tmp_path / "export")["merchant"])[merchant_id]
    assert on_server["village_code"] == "35.07.12.2001"
    assert on_server["business_name"] == "Tenun Ikat Mama Yosefina"
    assert on_server["consent_version"] == "persetujuan-v2"

    # and "Sinkron sekarang" shows how the sync it asked for ended, with counts
    click(qtbot, page.sync_button)
    assert page.message.text() == "Sinkronisasi dimulai: mengirim dan menerima…"
    qtbot.waitUntil(lambda: page.message.text().startswith("Sinkronisasi selesai"), timeout=30000)
    assert page.message.text() == (
        "Sinkronisasi selesai: 0 perubahan terkirim, 0 diterima, 0 foto diunggah."
    )


def test_a_refused_merchant_can_be_deleted_from_the_kiosk(app, qtbot, server, link, tmp_path):
    create_first_technician(qtbot, app)
    keep = register_merchant(qtbot, app, "Kopi Bu Sri")
    refused = register_outside(qtbot, app, "Tenun Ikat Mama Yosefina")
    enroll_in_settings(qtbot, app, link.url, server.enroll_code(REGION))
    wait_refused(qtbot, app)
    nav(qtbot, app, "sync")
    page = app.window.page("sync")
    qtbot.waitUntil(lambda: len(page.refusal_cards) == 1)

    answer_next_question(qtbot, yes=True)
    click(qtbot, page.refusal_cards[0].delete_button)
    idle(qtbot, app)

    def listed() -> set[str]:  # merchant ids on the page (others of the region come too)
        rows = range(page.merchants.rowCount())
        return {page.merchants.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in rows}

    qtbot.waitUntil(lambda: not page.refusal_cards and refused not in listed())
    assert keep in listed()
    wait_synced(qtbot, app)
    row = app.store_thread.call(lambda s: s.get("merchant", refused))
    assert row["deleted"] == 1
    pending = app.store_thread.call(lambda s: s.pending_count())
    assert pending == 0  # nothing about it went to the server: it never held it
    on_server = by_id(server.export(tmp_path / "export")["merchant"])
    assert keep in on_server and refused not in on_server


@pytest.fixture
def bare_paths(tmp_path: Path):
    """A kiosk data folder with no region list at all (a fresh install)."""
    return resolve_paths(tmp_path / "fresh").ensure()


@pytest.fixture
def bare_app(qapp, qtbot, bare_paths) -> Iterator:
    yield from running_app(qapp, qtbot, bare_paths, sync_settle_s=0.3)


def test_enrolment_on_the_first_run_brings_the_region_list(bare_app, qtbot, server, link):
    choose_language(qtbot, bare_app)
    enroll_in_first_run(qtbot, bare_app, link.url, server.enroll_code(REGION))

    message = bare_app.window.page("first_run").message.text()
    assert message.startswith("Kios ini terdaftar untuk Kabupaten Malang (35.07): ")
    assert "desa/kelurahan siap dipilih" in message
    create_first_technician(qtbot, bare_app, offline=False)
    merchant_id = register_merchant(qtbot, bare_app, "Kopi Bu Sri")  # picks "Ternyang"
    assert merchant_id


def test_enrolled_but_cut_off_the_first_run_says_so_plainly(bare_app, qtbot, server):
    with EnrollOnlyLink(server.url) as cut_off:
        choose_language(qtbot, bare_app)
        enroll_in_first_run(qtbot, bare_app, cut_off.url, server.enroll_code(REGION))
        bare_app.sync.stop()  # its own retries would only meet the dead link again

    page = bare_app.window.page("first_run")
    assert page.message.text() == (
        "Kios ini terdaftar untuk 35.07, tetapi daftar wilayahnya belum bisa diambil karena "
        "kios tidak tersambung ke server. Penjual bisa didaftarkan setelah daftar itu tiba; "
        "daftar diambil sendiri begitu sambungan kembali."
    )
    assert page.message.property("error") is True
