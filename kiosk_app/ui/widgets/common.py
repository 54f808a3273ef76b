"""Small building blocks shared by the screens: big buttons, titles, field error labels."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.domain.errors import ValidationError
from kiosk_app.ui.i18n import pick


def big_button(text: str, *, kind: str = "normal", name: str = "") -> QPushButton:
    """A button sized for fingers; ``kind`` is normal, primary or danger (styled in QSS)."""
    button = QPushButton(text)
    button.setProperty("kind", kind)
    button.setMinimumHeight(52)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setAutoDefault(False)
    if name:
        button.setObjectName(name)
    return button


def plain_label(text: str = "") -> QLabel:
    """A label that shows its text as it is: never as rich text, so a merchant named
    ``<img src=…>`` or a message from the server cannot become markup, links or images."""
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def title_label(text: str) -> QLabel:
    label = plain_label(text)
    label.setProperty("role", "title")
    label.setWordWrap(True)
    return label


def hint_label(text: str = "") -> QLabel:
    label = plain_label(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


def message_label(name: str) -> QLabel:
    """A label for one-line feedback (errors in red via the ``error`` property)."""
    label = plain_label()
    label.setObjectName(name)
    label.setWordWrap(True)
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
