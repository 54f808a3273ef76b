"""Input widgets for the kiosk: a Rupiah field and a PIN pad for touch screens."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QWidget

from kiosk_app.domain.money import MAX_RUPIAH, format_rupiah

_MAX_DIGITS = len(str(MAX_RUPIAH))


class RupiahEdit(QLineEdit):
    """Takes typed digits and shows them as ``Rp15.000`` while typing.

    Only digits count (a person may also type dots or "Rp"); the cursor keeps its place
    among the digits when the grouping dots move. Anything else typed or pasted (letters,
    "15 ribu") is left out, never silently: ``letters_dropped(text)`` names it.
    """

    valueChanged = Signal(object)
    letters_dropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.setPlaceholderText("Rp0")
        self.textEdited.connect(self._reformat)

    def value(self) -> int | None:
        digits = "".join(ch for ch in self.text() if ch.isdigit())
        return int(digits) if digits else None

    def setValue(self, amount: int | None) -> None:
        self.setText("" if amount is None else format_rupiah(int(amount)))

    def _reformat(self, text: str) -> None:
        dropped = _not_money(text)
        self._show_digits(text)
        if dropped:  # after the text settled, so its own change does not hide the word
            self.letters_dropped.emit(dropped)

    def _show_digits(self, text: str) -> None:
        digits_right = sum(ch.isdigit() for ch in text[self.cursorPosition() :])
        digits = "".join(ch for ch in text if ch.isdigit()).lstrip("0")[:_MAX_DIGITS]
        if not digits:
            had_zero = "0" in text
            self.setText("Rp0" if had_zero else "")
            self.valueChanged.emit(0 if had_zero else None)
            return
        shown = format_rupiah(int(digits))
        self.setText(shown)
        # Put the cursor back before the same number of digits as before.
        position = len(shown)
        seen = 0
        while position > 0 and seen < digits_right:
            position -= 1
            if shown[position].isdigit():
                seen += 1
        while position > 0 and shown[position - 1] == ".":
            position -= 1  # stay right after the digit, not after a grouping dot
        self.setCursorPosition(position)
        self.valueChanged.emit(int(digits))


def _not_money(text: str) -> str:
    """What in ``text`` is neither a digit nor how Rupiah is written (Rp, dots, ",-")."""
    rest = text.strip()
    if rest[:2].lower() == "rp":
        rest = rest[2:]
    rest = rest.removesuffix(",-")
    return "".join(ch for ch in rest if not (ch.isdigit() or ch in ".,- " or ch.isspace()))


class PinEdit(QLineEdit):
    """A masked field for 4 to 8 digits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setMaxLength(8)
        self.setInputMethodHints(
            Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.text() and event.text().isprintable() and not event.text().isdigit():
            return  # ignore letters: a PIN is digits only
        super().keyPressEvent(event)


class PinPad(QWidget):
    """Big 0-9 buttons, delete and clear, typing into a PinEdit (for touch screens)."""

    submitted = Signal()

    def __init__(self, target: QLineEdit, ok_text: str, clear_text: str) -> None:
        super().__init__()
        self._target = target
        grid = QGridLayout(self)
        grid.setSpacing(8)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "C", "0", "⌫"]
        names = {"C": "clear", "⌫": "back"}
        for index, key in enumerate(keys):
            button = QPushButton(clear_text if key == "C" else key)
            button.setObjectName(f"pinKey_{names.get(key, key)}")
            button.setProperty("kind", "pad")
            button.setMinimumSize(72, 56)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep typing in the PIN field
            button.clicked.connect(lambda _=False, k=key: self._press(k))
            grid.addWidget(button, index // 3, index % 3)
        ok = QPushButton(ok_text)
        ok.setObjectName("pinKey_ok")
        ok.setProperty("kind", "primary")
        ok.setMinimumHeight(56)
        ok.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        ok.clicked.connect(self.submitted)
        grid.addWidget(ok, 4, 0, 1, 3)

    def _press(self, key: str) -> None:
        if key == "C":
            self._target.clear()
        elif key == "⌫":
            self._target.backspace()
        elif len(self._target.text()) < self._target.maxLength():
            self._target.insert(key)
        self._target.setFocus()
