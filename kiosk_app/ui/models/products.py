"""List model of products for the grid: name, price, status and the cover thumbnail."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from kiosk_app.domain.money import format_rupiah
from kiosk_app.store import queries
from kiosk_app.store.queries import Page
from kiosk_app.store.store import Store
from kiosk_app.ui.models.paged import Index, PagedRows
from kiosk_app.ui.models.thumbnails import ThumbnailCache
from kiosk_app.ui.tasks import TaskRunner

ID_ROLE = Qt.ItemDataRole.UserRole + 1
PRICE_ROLE = Qt.ItemDataRole.UserRole + 2  # "Rp15.000"
STATUS_ROLE = Qt.ItemDataRole.UserRole + 3  # "draft" / "published"
MERCHANT_ROLE = Qt.ItemDataRole.UserRole + 4  # business name
COVER_ROLE = Qt.ItemDataRole.UserRole + 5  # thumbnail sha256 or None
STOCK_ROLE = Qt.ItemDataRole.UserRole + 6  # "24 bungkus"


def _query(store: Store, after: int | None, filters: dict[str, Any]) -> Page:
    return queries.products_page(
        store, after=after, text=filters.get("text", ""), merchant_id=filters.get("merchant_id")
    )


class ProductListModel(PagedRows, QAbstractListModel):
    """Products newest first (or search matches); ``reload(text=..., merchant_id=...)``."""

    loaded = Signal()

    def __init__(
        self, runner: TaskRunner, thumbnails: ThumbnailCache, parent: QObject | None = None
    ) -> None:
        QAbstractListModel.__init__(self, parent)
        self._init_paging(runner, _query)
        self._thumbnails = thumbnails
        self._rows_by_cover: dict[str, list[int]] = {}
        thumbnails.loaded.connect(self._thumbnail_loaded)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row["name"]
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnails.pixmap(row["cover_sha"])
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row['name']}\n{row['merchant'] or ''}"
        return {
            ID_ROLE: row["id"],
            PRICE_ROLE: format_rupiah(int(row["price"] or 0)),
            STATUS_ROLE: row["status"],
            MERCHANT_ROLE: row["merchant"],
            COVER_ROLE: row["cover_sha"],
            STOCK_ROLE: f"{row['stock']} {row['unit'] or ''}".strip(),
        }.get(role)

    def _rows_added(self, first: int, rows: list[dict[str, Any]]) -> None:
        if first == 0:
            self._rows_by_cover = {}
        for number, row in enumerate(rows, start=first):
            if row["cover_sha"]:
                self._rows_by_cover.setdefault(row["cover_sha"], []).append(number)

    def _thumbnail_loaded(self, sha: str) -> None:
        for number in self._rows_by_cover.get(sha, []):
            index = self.index(number)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
