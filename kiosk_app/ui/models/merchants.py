"""Table model of merchants: newest first, or search matches while the operator types."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from kiosk_app.store import queries
from kiosk_app.store.queries import Page
from kiosk_app.store.store import Store
from kiosk_app.ui.models.paged import Index, PagedRows
from kiosk_app.ui.tasks import TaskRunner

COLUMN_NAME, COLUMN_OWNER, COLUMN_VILLAGE, COLUMN_PRODUCTS = range(4)
COLUMN_COUNT = 4
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _query(store: Store, after: int | None, filters: dict[str, Any]) -> Page:
    return queries.merchants_page(store, after=after, text=filters.get("text", ""))


class MerchantTableModel(PagedRows, QAbstractTableModel):
    """Merchants with their village and number of products; ``reload(text=...)`` searches."""

    loaded = Signal()

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        QAbstractTableModel.__init__(self, parent)
        self._init_paging(runner, _query)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return {
            COLUMN_NAME: self.tr("Business"),
            COLUMN_OWNER: self.tr("Owner"),
            COLUMN_VILLAGE: self.tr("Village"),
            COLUMN_PRODUCTS: self.tr("Products"),
        }.get(section)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ID_ROLE:
            return row["id"]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == COLUMN_PRODUCTS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return {
            COLUMN_NAME: row["business_name"],
            COLUMN_OWNER: row["owner_name"],
            COLUMN_VILLAGE: row["village"] or row["village_code"],
            COLUMN_PRODUCTS: int(row["products"]),
        }.get(index.column())
