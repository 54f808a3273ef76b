"""Small building blocks shared by the screens: big buttons, titles, field error labels,
length caps with a count, the default button a form's Enter key presses."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from PySide6 import QtGui
from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.domain.errors import ValidationError
from kiosk_app.ui.i18n import pick

ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
# A word longer than this gets invisible break points, so a wrapped label can always
# wrap it instead of widening the window (an unbroken 100-letter business name).
_LONG_WORD = re.compile(r"\S{24,}")
_ZWSP = "\u200b"


def breakable(text: str) -> str:
    """``text`` with zero-width break opportunities inside very long words."""

    def split(match: re.Match[str]) -> str:
        word = match.group(0)
        return _ZWSP.join(word[i : i + 12] for i in range(0, len(word), 12))

    return _LONG_WORD.sub(split, text)


class KioskButton(QPushButton):
    """A push button that Enter presses when it has the focus (as Space does)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in ENTER_KEYS and not event.isAutoRepeat():
            if self.isEnabled():
                self.click()
            event.accept()
            return
        super().keyPressEvent(event)


def big_button(text: str, *, kind: str = "normal", name: str = "") -> QPushButton:
    """A button sized for fingers; ``kind`` is normal, primary or danger (styled in QSS)."""
    button = KioskButton(text)
    button.setProperty("kind", kind)
    button.setMinimumHeight(52)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setAutoDefault(False)
    if name:
        button.setObjectName(name)
    return button


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` as it is: Qt renders a tooltip that looks like markup
    as rich text, so such text is escaped (plain text stays as it is)."""
    if QtGui.Qt.mightBeRichText(text):
        return QtGui.Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpacePre)
    return text


def plain_label(text: str = "") -> QLabel:
    """A label that shows its text as it is: never as rich text, so a merchant named
    ``<img src=…>`` or a message from the server cannot become markup, links or images."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


class ElidedLabel(QLabel):
    """One line that never asks for more width than it gets: a long text ends in "…"
    (the whole text in the tooltip), so no name can push the window off the screen."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)  # never markup (see plain_label)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def sizeHint(self) -> QSize:
        """As wide as the whole text would like (it shrinks below that, down to 40 px)."""
        hint = super().sizeHint()
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right()
        return QSize(width + 2, hint.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(40, super().minimumSizeHint().height())

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()
        self.updateGeometry()

    def text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self.width())
        super().setText(shown)
        self.setToolTip(plain_tooltip(self._full) if shown != self._full else "")


def title_label(text: str) -> QLabel:
    label = ElidedLabel(text)
    label.setProperty("role", "title")
    return label


def hint_label(text: str = "") -> QLabel:
    label = plain_label(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


class WrapLabel(QLabel):
    """A wrapped label whose text may hold long unbroken names or paths: it wraps them
    anywhere (invisible break points) instead of widening the window; ``text()`` gives
    back the text as it was set."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)  # never markup (see plain_label)
        self._plain = ""
        self.setWordWrap(True)
        self.setText(text)

    def setText(self, text: str) -> None:
        self._plain = text
        super().setText(breakable(text))

    def text(self) -> str:
        return self._plain


def wrap_label(text: str = "", name: str = "") -> QLabel:
    """A wrapped label for text that may hold long names."""
    label = WrapLabel(text)
    if name:
        label.setObjectName(name)
    return label


def touch_combo(combo: QComboBox) -> QComboBox:
    """Drop-down rows as tall as the rest of the kiosk's targets (the QSS sets the
    height; the styled delegate is what lets it). Long entries never widen the window."""
    combo.setItemDelegate(QStyledItemDelegate(combo))
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    return combo


def message_label(name: str) -> QLabel:
    """A label for one-line feedback (errors in red via the ``error`` property)."""
    label = WrapLabel()
    label.setObjectName(name)
    label.setProperty("role", "message")
    label.hide()
    return label


def show_message(label: QLabel, text: str, *, error: bool = False) -> None:
    label.setProperty("error", error)
    label.style().unpolish(label)
    label.style().polish(label)
    label.setText(text)
    label.setVisible(bool(text))


def button_row(*buttons: QWidget, stretch_first: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    if stretch_first:
        row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    return row


def page_layout(widget: QWidget) -> QVBoxLayout:
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(24, 16, 24, 16)
    layout.setSpacing(12)
    return layout


class FieldErrors:
    """Error labels under form fields, filled from a ValidationError's field errors."""

    def __init__(self) -> None:
        self._labels: dict[str, QLabel] = {}
        self._rows: dict[str, tuple[QLabel, QWidget]] = {}

    def add_row(self, form: QFormLayout, label: str, editor: QWidget, field: str) -> None:
        """Add ``editor`` with its label, and an (initially hidden) error label below it."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(editor)
        error = message_label(f"error_{field}")
        column.addWidget(error)
        editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        caption = QLabel(label)
        caption.setProperty("role", "caption")
        caption.setBuddy(editor)
        form.addRow(caption, box)
        self._labels[field] = error
        self._rows[field] = (caption, box)

    def set_row_visible(self, field: str, visible: bool) -> None:
        for widget in self._rows[field]:
            widget.setVisible(visible)

    def label(self, field: str) -> QLabel:
        return self._labels[field]

    def clear(self) -> None:
        for label in self._labels.values():
            show_message(label, "")

    def show(self, error: ValidationError, aliases: dict[str, str] | None = None) -> list[str]:
        """Show each problem next to its field; returns the messages with no field here."""
        self.clear()
        by_field: dict[str, list[str]] = {}
        for problem in error.errors:
            field = (aliases or {}).get(problem.field, problem.field)
            by_field.setdefault(field, []).append(pick(problem.message_id, problem.message_en))
        loose: list[str] = []
        for field, messages in by_field.items():
            if field in self._labels:
                show_message(self._labels[field], "\n".join(messages), error=True)
            else:
                loose.extend(messages)
        return loose

    def fields_with_errors(self) -> Iterable[str]:
        return [f for f, label in self._labels.items() if label.isVisible() and label.text()]

    def clear_when_valid(self, field: str, changed: Any, check: Callable[[], None]) -> None:
        """Hide ``field``'s error as soon as it is valid: on each ``changed`` signal,
        ``check()`` runs (raising ValidationError while the value is still wrong)."""

        def recheck(*_args: object) -> None:
            label = self._labels[field]
            if not label.isVisible():
                return
            try:
                check()
            except ValidationError:
                return
            show_message(label, "")

        changed.connect(recheck)


class LengthCap(QObject):
    """A text field's length cap, said out loud: a ``12/80`` count beside it, and when
    more is pasted (or typed) the text is cut to the cap and ``cut(dropped)`` says so.
    Nothing is cut silently, and no ``maxLength`` drops a paste without a word."""

    cut = Signal(int)

    def __init__(self, edit: QLineEdit | QPlainTextEdit, cap: int, name: str) -> None:
        super().__init__(edit)
        self.edit = edit
        self.cap = cap
        self.count = QLabel()
        self.count.setObjectName(f"count_{name}")
        self.count.setProperty("role", "hint")
        edit.textChanged.connect(self._changed)
        self._changed()

    def _text(self) -> str:
        edit = self.edit
        return edit.toPlainText() if isinstance(edit, QPlainTextEdit) else edit.text()

    def _changed(self, *_args: object) -> None:
        text = self._text()
        if len(text) > self.cap:
            dropped = len(text) - self.cap
            if isinstance(self.edit, QPlainTextEdit):
                self.edit.setPlainText(text[: self.cap])
                cursor = self.edit.textCursor()
                cursor.movePosition(cursor.MoveOperation.End)
                self.edit.setTextCursor(cursor)
            else:
                position = min(self.edit.cursorPosition(), self.cap)
                self.edit.setText(text[: self.cap])
                self.edit.setCursorPosition(position)
            self.cut.emit(dropped)
            return  # setText/setPlainText came back here with the cut text
        self.count.setText(f"{len(text)}/{self.cap}")


def with_count(editor: QWidget, cap: LengthCap) -> QWidget:
    """The editor with its count on the right, for a form row."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(editor, 1)
    row.addWidget(cap.count, 0, Qt.AlignmentFlag.AlignTop)
    return box


class DefaultButton(QObject):
    """Enter anywhere on ``page`` (a field that does not use Enter itself) presses
    ``button``, the form's default; a focused button takes its own Enter first."""

    def __init__(self, page: QWidget, button: QPushButton) -> None:
        super().__init__(page)
        self.button = button
        page.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        is_key = event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
        if is_key and event.key() in ENTER_KEYS and not event.isAutoRepeat():
            if self.button.isVisible() and self.button.isEnabled():
                self.button.click()
            return True
        return False
