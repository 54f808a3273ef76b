"""Merchants: search as you type, open one, or register a new one."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QWidget,
)

from kiosk_app.ui.models.merchants import COLUMN_NAME, COLUMN_PRODUCTS, ID_ROLE, MerchantTableModel
from kiosk_app.ui.router import Router
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import big_button, hint_label, page_layout, title_label

SEARCH_DELAY_MS = 250


class MerchantsPage(QWidget):
    """The merchant list; typing filters it after a short pause (debounced)."""

    def __init__(self, runner: TaskRunner, router: Router) -> None:
        super().__init__()
        self.setObjectName("merchantsPage")
        self._router = router
        layout = page_layout(self)
        header = QHBoxLayout()
        header.addWidget(title_label(self.tr("Merchants")), 1)
        register = big_button(
            self.tr("Register a new merchant"), kind="primary", name="newMerchant"
        )
        register.clicked.connect(lambda: router.go("merchant_form"))
        header.addWidget(register)
        layout.addLayout(header)

        self.search = QLineEdit()
        self.search.setObjectName("merchantSearch")
        self.search.setPlaceholderText(self.tr("Search by business name, owner or address…"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._apply_search)
        self.search.textEdited.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._search_now)

        self.model = MerchantTableModel(runner, self)
        self.table = QTableView()
        self.table.setObjectName("merchantTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(48)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            COLUMN_PRODUCTS, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.activated.connect(self._open)
        self.table.clicked.connect(self._open)
        layout.addWidget(self.table, 1)
        self.status = hint_label()
        self.status.setObjectName("merchantCount")
        layout.addWidget(self.status)
        self.model.loaded.connect(self._show_count)

    def enter(self, params: dict[str, Any]) -> None:
        self.model.reload(text=self.search.text())
        self.search.setFocus()

    def _apply_search(self) -> None:
        self.model.reload(text=self.search.text())

    def _show_count(self) -> None:
        n = self.model.rowCount()
        if self.search.text().strip():
            text = self.tr("{n} merchants found").format(n=n) if n else self.tr("No merchant found")
        else:
            text = self.tr("{n} merchants shown, newest first").format(n=n)
        self.status.setText(text)

    def _open(self, index: QModelIndex) -> None:
        merchant_id = self.model.index(index.row(), COLUMN_NAME).data(ID_ROLE)
        self._router.go("merchant_form", merchant_id=merchant_id)

    def _search_now(self) -> None:
        """Enter: search at once and move to the list (arrows choose, Enter opens)."""
        self._debounce.stop()
        self._apply_search()
        self.table.setFocus()
