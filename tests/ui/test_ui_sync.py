"""The sync screen against a real kiosk_server on loopback, driven as an operator would.

The kiosk under test is the whole app (real store thread, real SyncScheduler thread,
real HTTP). It is enrolled through the first-run screen. The second kiosk in the
conflict test is another machine: it is driven through kiosk_app's store and sync APIs.
The UI's own store is only ever read here, never written behind the screens' back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton

from kiosk_app.ui import sync_status as st
from tests.support.kiosk import Kiosk
from tests.support.linksim import LinkProfile, LinkSimulator
from tests.support.live import LiveServer
from tests.ui.conftest import answer_next_question, click, idle, make_jpeg, running_app
from tests.ui.operator import (
    choose_language,
    create_first_technician,
    enroll_in_first_run,
    nav,
    register_merchant,
)
from tests.ui.test_ui_products import choose_in_file_dialog

REGION = "35.07"
# Loopback speed, but a link the test can cut (the kiosk's connection goes down).
LOOPBACK = LinkProfile("loopback", down_bps=1e9, up_bps=1e9, rtt_ms=0)


@pytest.fixture
def link(server: LiveServer) -> Iterator[LinkSimulator]:
    with LinkSimulator(LOOPBACK, target=("127.0.0.1", server.port)) as sim:
        yield sim


@pytest.fixture
def app(qapp, qtbot, kiosk_paths) -> Iterator:
    """The whole kiosk app; local changes are synced 0.3 s after they are saved."""
    yield from running_app(qapp, qtbot, kiosk_paths, sync_settle_s=0.3)


def enrolled_app(qtbot, app, url: str, code: str) -> None:
    choose_language(qtbot, app)
    enroll_in_first_run(qtbot, app, url, code)
    create_first_technician(qtbot, app, offline=False)
    wait_synced(qtbot, app)


def wait_synced(qtbot, app, timeout: int = 30000) -> None:
    """Until the badge says everything reached the server."""
    qtbot.waitUntil(
        lambda: app.sync.status.state == st.IDLE and not app.sync.syncing, timeout=timeout
    )
    idle(qtbot, app)


def server_has_blob(server: LiveServer, token: str, sha: str) -> bool:
    got = requests.get(
        f"{server.url}/v1/blobs/{sha}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == sha


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in rows}


def test_an_operators_day_reaches_the_server(app, qtbot, server, link, tmp_path):
    drive = tmp_path / "FLASHDISK"
    drive.mkdir()
    make_jpeg(drive / "kopi-depan.jpg", (120, 70, 30), label="depan")
    make_jpeg(drive / "kopi-belakang.jpg", (30, 90, 120), size=(900, 1200), label="belakang")

    # Given a kiosk enrolled on its first run (through a link the test controls)
    enrolled_app(qtbot, app, link.url, server.enroll_code(REGION))
    assert app.sync.device is not None and app.sync.device.region == REGION
    assert app.window.sync_badge.text() == "Tersambung · semua data terkirim"

    # When the operator registers a merchant (with consent) and adds a product
    merchant_id = register_merchant(qtbot, app)
    form = app.window.page("merchant_form")
    click(qtbot, form.findChild(QPushButton, "addProductForMerchant"))
    idle(qtbot, app)
    editor = app.window.page("product_editor")
    qtbot.keyClicks(editor.name_edit, "Kopi Robusta 250 g")
    qtbot.keyClicks(editor.price_edit, "15000")
    click(qtbot, editor.photos.strip.add_files)
    choose_in_file_dialog(qtbot, drive, ["kopi-depan.jpg", "kopi-belakang.jpg"])
    qtbot.waitUntil(
        lambda: len(editor.photos.strip.items) == 2 and editor.photos.processing == 0,
        timeout=10000,
    )
    click(qtbot, editor.save_button)
    idle(qtbot, app)
    product_id = editor._product_id
    assert product_id is not None

    # and, once that has reached the server, changes its price
    wait_synced(qtbot, app)
    editor.price_edit.selectAll()
    qtbot.keyClicks(editor.price_edit, "20.000")
    click(qtbot, editor.save_button)
    idle(qtbot, app)

    # and finds it in the grid
    nav(qtbot, app, "products")
    grid = app.window.page("products")
    qtbot.keyClicks(grid.search, "robus")
    qtbot.waitUntil(lambda: grid.model.rowCount() == 1 and not grid.model.is_loading)
    assert grid.model.index(0).data() == "Kopi Robusta 250 g"

    # Then, without anyone asking, the scheduler sends it all: records and four images
    wait_synced(qtbot, app)
    nav(qtbot, app, "sync")
    page = app.window.page("sync")
    qtbot.waitUntil(lambda: page.merchants.rowCount() == 1)
    assert page.merchants.item(0, 0).text() == "Kopi Bu Sri"
    assert page.merchants.item(0, 1).text() == "Ya, semua terkirim"
    assert page.queue_empty.isVisible() and page.queue.rowCount() == 0
    assert page.conflicts_empty.isVisible() and not page.cards  # a later edit is no conflict
    exported = server.export(tmp_path / "export-1")
    assert by_id(exported["merchant"])[merchant_id]["consent_version"]
    assert by_id(exported["product"])[product_id]["price"] == 20000
    photos = app.store_thread.call(lambda s: s.photos_of(product_id))
    token = app.sync.device.token
    shas = [p[k] for p in photos for k in ("sha256", "thumb_sha256")]
    assert len(shas) == 4 and all(server_has_blob(server, token, sha) for sha in shas)

    # When the operator deletes the product and presses "Sinkron sekarang"
    nav(qtbot, app, "products")
    index = grid.model.index(0)
    rect = grid.grid.visualRect(index)
    qtbot.mouseClick(grid.grid.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    idle(qtbot, app)
    answer_next_question(qtbot, yes=True)
    click(qtbot, editor.delete_button)
    idle(qtbot, app)
    nav(qtbot, app, "sync")
    click(qtbot, page.sync_button)
    wait_synced(qtbot, app)

    # Then the deletion has reached the server too
    exported = server.export(tmp_path / "export-2")
    assert product_id not in by_id(exported["product"])
    assert merchant_id in by_id(exported["merchant"])
    assert page.merchants.item(0, 1).text() == "Ya, semua terkirim"
    assert "Sinkronisasi lengkap terakhir" in page.state_label.text()


def test_a_conflict_with_another_kiosk_is_settled_on_the_sync_screen(
    app, qtbot, server, link, tmp_path
):
    enrolled_app(qtbot, app, link.url, server.enroll_code(REGION))
    merchant_id = register_merchant(qtbot, app, "Keripik Tempe Bu Nah")
    wait_synced(qtbot, app)
    # The other kiosk in the same region has the merchant too.
    other = Kiosk(tmp_path / "kiosk-b")
    try:
        other.enroll(server.url, server.enroll_code(REGION), "kios-b")
        assert other.sync().ok
        assert other.store.get("merchant", merchant_id) is not None

        # Given this kiosk's link is down while the operator corrects the address
        link.cut(3600.0)  # until restore(): the order of events is the test's, not a timer's
        nav(qtbot, app, "merchants")
        merchants = app.window.page("merchants")
        qtbot.keyClicks(merchants.search, "keripik")
        qtbot.waitUntil(lambda: merchants.model.rowCount() == 1, timeout=5000)
        rect = merchants.table.visualRect(merchants.model.index(0, 0))
        qtbot.mouseClick(merchants.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        idle(qtbot, app)
        form = app.window.page("merchant_form")
        form.edits["address"].selectAll()
        qtbot.keyClicks(form.edits["address"], "Dusun Krajan RT 05")
        click(qtbot, form.save_button)
        idle(qtbot, app)
        qtbot.waitUntil(lambda: app.sync.status.state == st.OFFLINE, timeout=10000)
        assert app.window.sync_badge.text().startswith(
            "Tidak tersambung · 1 perubahan menunggu dikirim"
        )

        # and meanwhile the other kiosk writes another address, and syncs first
        other.store.update("merchant", merchant_id, {"address": "Jl. Kawi 3"})
        assert other.sync().ok

        # When the link is back and the operator presses "Sinkron sekarang"
        link.restore()
        nav(qtbot, app, "sync")
        page = app.window.page("sync")
        click(qtbot, page.sync_button)
        qtbot.waitUntil(lambda: len(page.cards) == 1, timeout=30000)
        qtbot.waitUntil(lambda: not app.sync.syncing and page.cards[0].isVisible(), timeout=30000)
        idle(qtbot, app)

        # Then the sync screen tells what happened in plain words
        card = page.cards[0]
        assert card.heading.text() == "Alamat — Keripik Tempe Bu Nah"
        assert card.text.text() == (
            "Dua kios mengubah data ini pada waktu yang sama. Di kios ini: “Dusun Krajan RT 05”. "
            "Dari server (kios lain): “Jl. Kawi 3”. Yang dipakai sekarang: data server."
        )
        assert "1 data bentrok" in app.window.sync_badge.text()

        # When the operator keeps their own value
        click(qtbot, card.keep_mine)
        idle(qtbot, app)
        qtbot.waitUntil(lambda: not page.cards, timeout=5000)
        assert page.conflicts_empty.isVisible()
        wait_synced(qtbot, app)

        # Then it wins everywhere: the server and the other kiosk
        exported = server.export(tmp_path / "export")
        assert by_id(exported["merchant"])[merchant_id]["address"] == "Dusun Krajan RT 05"
        assert other.sync().ok
        assert other.store.get("merchant", merchant_id)["address"] == "Dusun Krajan RT 05"
        row = app.store_thread.call(lambda s: s.get("merchant", merchant_id))
        assert row["address"] == "Dusun Krajan RT 05"
    finally:
        other.close()


def test_usb_bundle_export_from_the_sync_screen(app, qtbot, server, link, tmp_path):
    import json

    enrolled_app(qtbot, app, link.url, server.enroll_code(REGION))
    link.cut(3600.0)  # offline for the whole test: the changes stay pending for the stick
    register_merchant(qtbot, app, "Madu Hutan Pak Daud")
    nav(qtbot, app, "sync")
    page = app.window.page("sync")
    qtbot.waitUntil(lambda: page.merchants.rowCount() >= 1)
    # Merchants with something waiting come first (others came from the server).
    assert page.merchants.item(0, 0).text() == "Madu Hutan Pak Daud"
    assert page.merchants.item(0, 1).text() == "Belum: 1 perubahan menunggu dikirim"

    click(qtbot, page.bundle_button)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog))
    dialog = QApplication.activeModalWidget()
    assert dialog.objectName() == "bundleFileDialog"
    target = tmp_path / "FLASHDISK" / "kiriman.etalase"
    target.parent.mkdir()
    dialog.setDirectory(str(target.parent))
    dialog.selectFile(target.name)
    dialog.accept()
    qtbot.waitUntil(lambda: page.bundle_button.isEnabled() and page.message.isVisible())
    idle(qtbot, app)

    assert page.message.text() == f"Disimpan ke {target}: 1 perubahan dan 0 foto."
    # Sealed to the server: only it can open the bundle, and it takes this kiosk's change
    report = json.loads(server.cli("bundle", "import", str(target)))
    assert (report["mutations"], report["accepted"]) == (1, 1)
    assert report["device_id"] == app.sync.device.device_id


def test_offline_first_run_then_enroll_later_in_settings(app, qtbot, server, tmp_path):
    # Given a kiosk started without internet, with a merchant registered meanwhile
    create_first_technician(qtbot, app, offline=True)
    merchant_id = register_merchant(qtbot, app, "Sambal Roa Bu Ina")
    qtbot.waitUntil(lambda: app.sync.status.pending_changes == 1)
    assert app.sync.status.state == st.NOT_CONNECTED
    assert app.window.sync_badge.text() == (
        "Belum tersambung ke server · 1 perubahan menunggu dikirim"
    )

    # When the technician enrolls it later from Settings, with a mistyped code first
    nav(qtbot, app, "settings")
    settings = app.window.page("settings")
    assert settings.server_state.text().startswith("Belum terdaftar")
    qtbot.keyClicks(settings.server_edit, server.url)
    qtbot.keyClicks(settings.code_edit, "SALAH-KETIK")
    click(qtbot, settings.enroll_button)
    qtbot.waitUntil(lambda: settings.server_message.property("error") is True, timeout=20000)
    assert "tidak menerima kode ini" in settings.server_message.text()
    settings.code_edit.clear()
    qtbot.keyClicks(settings.code_edit, server.enroll_code(REGION))
    click(qtbot, settings.enroll_button)
    qtbot.waitUntil(lambda: app.sync.running, timeout=20000)

    # Then what was saved offline reaches the server
    wait_synced(qtbot, app)
    assert settings.server_state.text().startswith(f"Terdaftar di {server.url}")
    assert merchant_id in by_id(server.export(tmp_path / "export")["merchant"])
