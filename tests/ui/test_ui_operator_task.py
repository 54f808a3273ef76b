"""The operator's main task, end to end, counted: register a merchant with consent, add a
product with a photo, see it synced. The whole app against a real kiosk_server on
loopback, driven through the screens; every tap, filled field and file choice is
counted, and the count must match the one docs/operator-task.md states.

Set-up (not counted): a kiosk enrolled on its first run with the technician's account,
logged in on the dashboard, a photo on a flash drive. The count ends when the operator
can see, on the screen in front of them, that the product and its photo are on the
server.
"""

from __future__ import annotations

import re
from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton

from tests.support import ROOT
from tests.ui.conftest import idle, make_jpeg
from tests.ui.operator import choose_language, create_first_technician, enroll_in_first_run
from tests.ui.test_ui_sync import REGION, app, by_id, link, wait_synced

__all__ = ["app", "link"]
DOC = ROOT / "docs" / "operator-task.md"


class Operator:
    """Drives the screens as a person would and counts what they do."""

    def __init__(self, qtbot, kiosk) -> None:
        self.qtbot, self.kiosk = qtbot, kiosk
        self.counts: Counter[str] = Counter()
        self.steps: list[str] = []

    def _note(self, kind: str, what: str) -> None:
        self.counts[kind] += 1
        self.steps.append(f"{kind}: {what}")

    def tap(self, widget, what: str) -> None:
        assert widget.isVisible() and widget.isEnabled(), what
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
        idle(self.qtbot, self.kiosk)
        self._note("tap", what)

    def fill(self, field, text: str, what: str) -> None:
        """Tap into a field and type (one interaction: the keyboard is the operator's)."""
        field.setFocus()
        self.qtbot.keyClicks(field, text)
        self._note("fill", what)

    def tap_match(self, picker, what: str) -> None:
        def shown() -> bool:
            first = picker.matches.item(0)
            return picker.matches.isVisible() and first is not None and bool(first.text())

        self.qtbot.waitUntil(shown)
        idle(self.qtbot, self.kiosk)
        rect = picker.matches.visualItemRect(picker.matches.item(0))
        self.qtbot.mouseClick(
            picker.matches.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
        )
        idle(self.qtbot, self.kiosk)
        assert picker.code() is not None
        self._note("tap", what)

    def choose_file(self, folder, name: str) -> None:
        """In the file dialog (opened on the flash drive): tap the file, then "Pilih"."""
        self.qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QFileDialog))
        dialog = QApplication.activeModalWidget()
        dialog.setDirectory(str(folder))  # where it opens when the drive is plugged in
        dialog.selectFile(name)
        self._note("tap", f"the file {name}")
        dialog.accept()
        self._note("tap", "Pilih")

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def documented_total() -> int:
    found = re.search(r"takes \*\*(\d+) interactions\*\*", DOC.read_text(encoding="utf-8"))
    assert found, f"{DOC} must state the count as: takes **N interactions**"
    return int(found.group(1))


def test_register_a_merchant_add_a_product_with_a_photo_and_see_it_synced(
    app, qtbot, server, link, tmp_path
):
    drive = tmp_path / "FLASHDISK"
    drive.mkdir()
    make_jpeg(drive / "kopi.jpg", (120, 70, 30), label="kopi")
    choose_language(qtbot, app)
    enroll_in_first_run(qtbot, app, link.url, server.enroll_code(REGION))
    create_first_technician(qtbot, app, offline=False)
    wait_synced(qtbot, app)
    window = app.window
    op = Operator(qtbot, app)

    # Register the merchant, with consent
    op.tap(window.page("dashboard").findChild(QPushButton, "jobRegister"), "Daftarkan penjual")
    form = window.page("merchant_form")
    op.tap(form.consent.read_check, "Pemilik usaha sudah membaca atau mendengar teks ini")
    op.tap(form.consent.agree_button, "Pemilik setuju")
    op.fill(form.edits["business_name"], "Kopi Bu Sri", "Nama usaha")
    op.fill(form.edits["owner_name"], "Sri Wahyuni", "Nama pemilik")
    op.fill(form.edits["phone"], "0812-3456-7890", "Nomor HP")
    op.fill(form.village.edit, "Ternyang", "Desa")
    op.tap_match(form.village, "the village in the list")
    op.fill(form.edits["address"], "Dusun Krajan RT 02", "Alamat")
    op.tap(form.save_button, "Simpan")
    merchant_id = form._merchant_id
    assert merchant_id is not None

    # Add a product with a photo
    op.tap(form.findChild(QPushButton, "addProductForMerchant"), "Tambah produk")
    editor = window.page("product_editor")
    op.fill(editor.name_edit, "Kopi Robusta 250 g", "Nama produk")
    op.fill(editor.price_edit, "35000", "Harga")
    op.tap(editor.photos.strip.add_files, "Dari berkas atau flashdisk")
    op.choose_file(drive, "kopi.jpg")
    qtbot.waitUntil(lambda: len(editor.photos.strip.items) == 1 and not editor.photos.processing)
    assert editor.status_combo.currentData() == "published"  # no status to change
    op.tap(editor.save_button, "Simpan")
    product_id = editor._product_id
    assert product_id is not None

    # See it synced: on the product's own screen, with no further tap
    qtbot.waitUntil(
        lambda: editor.delivery.status.text() == "Sudah sampai di server.", timeout=30000
    )
    assert window.current_key() == "product_editor"
    assert window.sync_badge.text() == "Tersambung · semua data terkirim"
    exported = server.export(tmp_path / "export")
    product = by_id(exported["product"])[product_id]
    assert product["status"] == "published" and product["merchant_id"] == merchant_id
    assert by_id(exported["merchant"])[merchant_id]["consent_version"] == "persetujuan-v2"
    photo = app.store_thread.call(lambda s: s.photos_of(product_id))[0]
    assert app.store_thread.call(
        lambda s: s.db.execute(
            "SELECT count(*) FROM blob_remote WHERE sha256 IN (?, ?)",
            [photo["sha256"], photo["thumb_sha256"]],
        ).fetchone()[0]
    ) == 2  # fmt: skip

    print("\n".join(op.steps))
    print(f"interactions: {op.total} ({dict(op.counts)})")
    assert op.total == documented_total(), (op.total, op.steps)
