"""Products: a grid of cards with cover photo, name and price; search as you type."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from kiosk_app.ui.models.products import ID_ROLE, ProductListModel
from kiosk_app.ui.models.thumbnails import ThumbnailCache
from kiosk_app.ui.router import Router
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import big_button, hint_label, page_layout, title_label
from kiosk_app.ui.widgets.product_card import product_grid

SEARCH_DELAY_MS = 250


class ProductsPage(QWidget):
    """All products, newest first, loaded page by page as the grid scrolls."""

    def __init__(self, runner: TaskRunner, router: Router, thumbnails: ThumbnailCache) -> None:
        super().__init__()
        self.setObjectName("productsPage")
        self._router = router
        layout = page_layout(self)
        header = QHBoxLayout()
        header.addWidget(title_label(self.tr("Products")), 1)
        add = big_button(self.tr("Add a product"), kind="primary", name="newProduct")
        add.clicked.connect(lambda: router.go("product_editor"))
        header.addWidget(add)
        layout.addLayout(header)
        self.search = QLineEdit()
        self.search.setObjectName("productSearch")
        self.search.setPlaceholderText(self.tr("Search by product name, category or description…"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._apply_search)
        self.search.textEdited.connect(lambda _text: self._debounce.start())
        self.search.returnPressed.connect(self._search_now)

        self.model = ProductListModel(runner, thumbnails, self)
        self.grid = product_grid(self.model, self.tr("Draft"), self.tr("No photo"))
        self.grid.setObjectName("productGrid")
        self.grid.activated.connect(self._open)
        self.grid.clicked.connect(self._open)
        layout.addWidget(self.grid, 1)
        self.status = hint_label()
        self.status.setObjectName("productCount")
        layout.addWidget(self.status)
        self.model.loaded.connect(self._show_count)

    def enter(self, params: dict[str, Any]) -> None:
        self.model.reload(text=self.search.text())
        self.search.setFocus()

    def _apply_search(self) -> None:
        self.model.reload(text=self.search.text())

    def _search_now(self) -> None:
        self._debounce.stop()
        self._apply_search()
        self.grid.setFocus()

    def _show_count(self) -> None:
        n = self.model.rowCount()
        if self.search.text().strip():
            text = self.tr("{n} products found").format(n=n) if n else self.tr("No product found")
        else:
            text = self.tr("{n} products shown, newest first; more load as you scroll").format(n=n)
        self.status.setText(text)

    def _open(self, index: QModelIndex) -> None:
        self._router.go("product_editor", product_id=index.data(ID_ROLE))
