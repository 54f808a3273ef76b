"""Consent v2: the text names the deployment's controller, a v1 merchant is offered v2 at
their next visit (and keeps v1 if they decline), and permits another kiosk wrote show as
"Tersimpan di server", not as empty fields."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from kiosk_app.domain.hlc import HybridClock
from kiosk_app.domain.record_ids import uuid7
from kiosk_app.domain.records import MERCHANT, WITHHELD_FIELDS, held_on_server
from kiosk_app.store import outbox, replica
from kiosk_app.store.settings import Key
from kiosk_app.ui.consent import CURRENT_VERSION, TEXTS, consent_text
from tests.ui.conftest import click, idle
from tests.ui.operator import create_first_technician, register_merchant

VILLAGE = "35.07.12.2001"
V1 = {"consent_version": "persetujuan-v1", "consent_at": "2025-08-17T10:30:00+07:00",
      "consent_operator": "Wulan"}  # fmt: skip


def open_merchant(qtbot, kiosk, merchant_id: str):
    kiosk.router.go("merchant_form", merchant_id=merchant_id)
    form = kiosk.window.page("merchant_form")
    qtbot.waitUntil(lambda: form.edits["business_name"].text() != "")
    idle(qtbot, kiosk)
    return form


def test_v2_is_current_and_says_what_the_issue_asks():
    assert CURRENT_VERSION == "persetujuan-v2"
    text = consent_text(CURRENT_VERSION, "id", "Dinas Kominfo Kabupaten Malang", "0341 123456")
    assert "Pengendali data: Dinas Kominfo Kabupaten Malang" in text
    assert text.count("0341 123456") == 2  # for questions, and for withdrawing
    for words in ("boleh tidak diisi", "tidak pernah tampil untuk umum", "sukarela",
                  "menarik persetujuan ini", "tidak tampil lagi di katalog", "Lama penyimpanan",
                  "tidak dikirim ke kios lain"):  # fmt: skip
        assert words in text
    # truthful to the minimisation: every withheld field is named as not sent
    not_sent = text.split("tidak dikirim ke kios lain")[0].rsplit(";", 1)[1]
    for field in WITHHELD_FIELDS["merchant"]:
        label = MERCHANT.label(field).id.replace("Nomor sertifikat", "sertifikat")
        assert label.split()[-1].lower() in not_sent.lower(), label
    assert "persetujuan-v1" in TEXTS  # what v1 merchants agreed to is kept word for word


def test_the_consent_step_names_the_controller_the_server_told(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    kiosk.store_thread.call(
        lambda s: s.settings.set_many(
            {
                Key.CONTROLLER: "Dinas Kominfo Kabupaten Malang",
                Key.CONTROLLER_CONTACT: "etalase@malangkab.go.id",
            }
        )
    )

    merchant_id = register_merchant(qtbot, kiosk)

    form = kiosk.window.page("merchant_form")
    row = kiosk.store_thread.call(lambda s: s.get("merchant", merchant_id))
    assert row["consent_version"] == "persetujuan-v2"
    assert "persetujuan-v2" in form.consent_label.text()
    assert not form.record_consent.isVisible()
    assert "Dinas Kominfo Kabupaten Malang" in form.consent.text.toPlainText()
    assert "etalase@malangkab.go.id" in form.consent.text.toPlainText()


def test_a_v1_merchant_is_offered_v2_and_keeps_v1_if_they_decline(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)
    kiosk.store_thread.call(lambda s: s.update("merchant", merchant_id, V1))

    # When the operator opens the merchant at their next visit
    form = open_merchant(qtbot, kiosk, merchant_id)

    # Then the page says which version they agreed to and offers the new one
    assert "persetujuan-v1" in form.consent_label.text()
    assert "Ada teks persetujuan baru (persetujuan-v2)" in form.consent_label.text()
    assert form.record_consent.isVisible()
    assert form.record_consent.text() == "Baca persetujuan baru"

    # When the owner hears it and declines, v1 stays
    click(qtbot, form.record_consent)
    assert "dulu menyetujui teks persetujuan-v1" in form.consent.version_label.text()
    click(qtbot, form.consent.decline_button)
    click(qtbot, form.save_button)
    idle(qtbot, kiosk)
    assert kiosk.store_thread.call(lambda s: s.get("merchant", merchant_id))["consent_version"] == (
        "persetujuan-v1"
    )

    # When they agree at another visit, v2 is recorded with its time and operator
    form = open_merchant(qtbot, kiosk, merchant_id)
    click(qtbot, form.record_consent)
    click(qtbot, form.consent.read_check)
    click(qtbot, form.consent.agree_button)
    click(qtbot, form.save_button)
    idle(qtbot, kiosk)
    row = kiosk.store_thread.call(lambda s: s.get("merchant", merchant_id))
    assert row["consent_version"] == "persetujuan-v2"
    assert row["consent_at"] != V1["consent_at"] and row["consent_operator"] == "Teknisi Desa"
    qtbot.waitUntil(lambda: not form.record_consent.isVisible())


def test_permits_another_kiosk_wrote_show_as_kept_on_the_server(kiosk, qtbot):
    create_first_technician(qtbot, kiosk)
    # Given a merchant pulled from the server, its NPWP and email withheld (stamps only)
    clock = HybridClock("0123456789ab")
    merchant_id = uuid7()
    fields = {"business_name": "Tenun Mama Yosefina", "owner_name": "Yosefina",
              "phone": "+6281234567890", "village_code": VILLAGE, "address": "Dusun Sumber",
              "status": "active", "deleted": 0, "nib": None, **V1}  # fmt: skip
    stamp = clock.now()
    stamps = {**dict.fromkeys(fields, stamp), "npwp": stamp, "email": stamp}
    change = {"seq": 1, "entity": "merchant", "row_id": merchant_id, "fields": fields,
              "hlc": stamps}  # fmt: skip
    answer = {"changes": [change], "conflicts": [], "cursor": 5, "more": False,
              "missing_blobs": [], "accepted_count": 0, "rejected": []}  # fmt: skip
    kiosk.store_thread.call(
        lambda s: replica.apply_response(s, replica.PushBatch(0, [], []), answer)
    )

    form = open_merchant(qtbot, kiosk, merchant_id)

    assert form.edits["npwp"].text() == "" and form.edits["email"].text() == ""
    assert form.edits["npwp"].placeholderText() == "Tersimpan di server"
    assert form.edits["email"].placeholderText() == "Tersimpan di server"
    assert form.edits["nib"].placeholderText() == ""  # sent empty: nothing on the server

    # When the operator saves another field, the withheld ones are not sent as empty
    form.edits["address"].clear()
    qtbot.keyClicks(form.edits["address"], "Dusun Krajan")
    click(qtbot, form.save_button)
    idle(qtbot, kiosk)
    entries = kiosk.store_thread.call(
        lambda s: outbox.pending_for_row(s.db, "merchant", merchant_id)
    )
    sent = [json.loads(e.fields) if isinstance(e.fields, str) else e.fields for e in entries]
    assert sent == [{"address": "Dusun Krajan"}]
    row = kiosk.store_thread.call(lambda s: s.get("merchant", merchant_id))
    assert held_on_server("merchant", row["clocks"]) == {"npwp", "email"}


def _tab_to(qtbot, window, widget, most: int = 40) -> None:
    """Tab until ``widget`` has the focus, as an operator without a mouse would."""
    for _ in range(most):
        if widget.hasFocus():
            return
        qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {widget.objectName() or widget}")


def test_v2_is_agreed_to_by_keyboard_alone(kiosk, qtbot):
    # Given a v1 merchant at their next visit, and an operator using only the keyboard
    create_first_technician(qtbot, kiosk)
    merchant_id = register_merchant(qtbot, kiosk)
    kiosk.store_thread.call(lambda s: s.update("merchant", merchant_id, V1))
    form = open_merchant(qtbot, kiosk, merchant_id)
    window = kiosk.window
    window.activateWindow()

    # When they Tab to each control and press Space
    form.record_consent.setFocus()
    qtbot.keyClick(form.record_consent, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: form.consent.read_check.isVisible())
    assert not form.consent.agree_button.isEnabled()  # not before "has read"
    _tab_to(qtbot, window, form.consent.read_check)
    qtbot.keyClick(form.consent.read_check, Qt.Key.Key_Space)
    _tab_to(qtbot, window, form.consent.agree_button)
    qtbot.keyClick(form.consent.agree_button, Qt.Key.Key_Space)
    _tab_to(qtbot, window, form.save_button)
    qtbot.keyClick(form.save_button, Qt.Key.Key_Space)
    idle(qtbot, kiosk)

    # Then v2 is recorded, as with the mouse
    row = kiosk.store_thread.call(lambda s: s.get("merchant", merchant_id))
    assert row["consent_version"] == "persetujuan-v2"
