"""Pick a record by typing part of its name: a village (with district and regency) or a
merchant. Matches come from the store's FTS search, off the GUI thread, debounced."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from kiosk_app.store import search
from kiosk_app.store.scope import kiosk_scope, region_label
from kiosk_app.store.store import Store
from kiosk_app.ui.tasks import TaskRunner

SEARCH_DELAY_MS = 200
MAX_MATCHES = 12
VISIBLE_ROWS = 5


Query = Callable[[Store, str], list[dict[str, Any]]]


class SearchPicker(QWidget):
    """A search field and a short list of matches; ``code()`` is the chosen key."""

    chosen = Signal(str)

    def __init__(
        self, runner: TaskRunner, query: Query, key: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._query = query
        self._key = key
        self._code: str | None = None
        self._generation = 0
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setClearButtonEnabled(True)
        column.addWidget(self.edit)
        self.matches = QListWidget()
        self.matches.setObjectName("matches")
        self.matches.setWordWrap(True)
        self.matches.hide()
        self.matches.itemActivated.connect(self._choose)
        self.matches.itemClicked.connect(self._choose)
        column.addWidget(self.matches)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._search)
        self.edit.textEdited.connect(self._typed)
        self.edit.installEventFilter(self)
        self.setFocusProxy(self.edit)

    def code(self) -> str | None:
        return self._code

    def set_choice(self, code: str | None, label: str = "") -> None:
        self._code = code
        self.edit.setText(label)
        self.edit.setCursorPosition(0)  # the start of a long name, not its end
        self.matches.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter chooses the highlighted match (and goes no further: the form's default
        button is not pressed by it); Up and Down move through the matches."""
        if watched is self.edit and isinstance(event, QKeyEvent):
            if event.type() != QEvent.Type.KeyPress or not self.matches.isVisible():
                return False
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                return self._enter()
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(Qt.Key(event.key()))
            if step is not None and self.matches.count():
                row = self.matches.currentRow() + step
                self.matches.setCurrentRow(max(0, min(row, self.matches.count() - 1)))
                return True
        return False

    def describe(self, row: dict[str, Any]) -> str:
        """How a match is shown (subclasses say more)."""
        return str(row[self._key])

    def empty_text(self) -> str:
        return self.tr("Nothing found")

    def _typed(self, _text: str) -> None:
        self._code = None  # typing again means choosing again
        self._debounce.start()

    def _search(self) -> None:
        self._generation += 1
        generation, text = self._generation, self.edit.text()
        self._runner.run_task(
            lambda store: self._query(store, text),
            lambda rows: self._show(generation, rows),
            context=self,
        )

    def _show(self, generation: int, rows: list[dict[str, Any]]) -> None:
        if generation != self._generation:
            return
        self.matches.clear()
        for row in rows:
            item = QListWidgetItem(self.describe(row))
            item.setData(Qt.ItemDataRole.UserRole, row[self._key])
            if row[self._key] is None:  # a note, not something to choose
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.matches.addItem(item)
        if not rows and self.edit.text().strip():
            empty = QListWidgetItem(self.empty_text())
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.matches.addItem(empty)
        self.matches.setVisible(self.matches.count() > 0)
        visible = min(self.matches.count(), VISIBLE_ROWS)
        if visible:
            row_height = self.matches.sizeHintForRow(0)
            self.matches.setFixedHeight(visible * row_height + 2 * self.matches.frameWidth() + 4)
        if rows:
            self.matches.setCurrentRow(0)

    def _enter(self) -> bool:
        item = self.matches.currentItem()
        if (
            self.matches.isVisible()
            and item is not None
            and item.flags() != Qt.ItemFlag.NoItemFlags
        ):
            self._choose(item)
            return True
        return False

    def _choose(self, item: QListWidgetItem) -> None:
        code = item.data(Qt.ItemDataRole.UserRole)
        if not code:
            return
        self.set_choice(code, item.text())
        self.chosen.emit(code)


def villages_in_scope(store: Store, text: str) -> list[dict[str, Any]]:
    """Matching villages inside the kiosk's scope; with none, a note naming those
    outside it (the full official list may be loaded on the kiosk)."""
    scope = kiosk_scope(store)
    found = search.search_villages(store, text, limit=MAX_MATCHES, scope=scope)
    if found or scope is None:
        return found
    outside = search.search_villages(store, text, limit=3)
    if not outside:
        return []
    return [{"code": None, "outside": [r["name"] for r in outside],
             "scope": region_label(store, scope)}]  # fmt: skip


class VillagePicker(SearchPicker):
    """Villages by name (inside the kiosk's region), shown with district and regency."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(runner, villages_in_scope, "code", parent)
        self.edit.setObjectName("villageSearch")
        self.matches.setObjectName("villageMatches")
        self.edit.setPlaceholderText(self.tr("Type the village name…"))

    def describe(self, row: dict[str, Any]) -> str:
        if row.get("outside"):
            return self.tr(
                "{villages}: outside this kiosk's region ({region}). The server would refuse "
                "it; only villages in {region} can be chosen."
            ).format(villages=", ".join(row["outside"]), region=row["scope"])
        return self.tr("{village} — {district} district, {regency}").format(
            village=row["name"],
            district=row.get("district") or "",
            regency=row.get("regency") or "",
        )

    def empty_text(self) -> str:
        return self.tr("No village with that name in this kiosk's region list")


class MerchantPicker(SearchPicker):
    """Merchants by business or owner name."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(
            runner,
            lambda store, text: search.search_merchants(store, text, limit=MAX_MATCHES),
            "id",
            parent,
        )
        self.edit.setObjectName("merchantPickerSearch")
        self.matches.setObjectName("merchantMatches")
        self.edit.setPlaceholderText(self.tr("Type the business or owner name…"))

    def describe(self, row: dict[str, Any]) -> str:
        return f"{row['business_name']} ({row['owner_name']})"

    def empty_text(self) -> str:
        return self.tr("No merchant with that name")
