"""Input widgets: the Rupiah field formats as you type; the PIN field takes digits only."""

from __future__ import annotations

from PySide6.QtCore import Qt

from kiosk_app.ui.widgets.inputs import PinEdit, RupiahEdit


def test_rupiah_field_formats_typed_digits(qtbot):
    edit = RupiahEdit()
    qtbot.addWidget(edit)

    qtbot.keyClicks(edit, "15000")
    assert (edit.text(), edit.value()) == ("Rp15.000", 15000)

    edit.setCursorPosition(len("Rp15"))  # between 5 and the dot
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert (edit.text(), edit.value()) == ("Rp1.000", 1000)
    assert edit.text()[edit.cursorPosition() - 1] == "1"

    edit.selectAll()
    qtbot.keyClicks(edit, "Rp 2.500.000")
    assert edit.value() == 2_500_000 and edit.text() == "Rp2.500.000"

    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    assert edit.value() is None and edit.text() == ""


def test_pin_field_ignores_letters(qtbot):
    edit = PinEdit()
    qtbot.addWidget(edit)
    qtbot.keyClicks(edit, "1a2b3c4d5678999")
    assert edit.text() == "12345678"
