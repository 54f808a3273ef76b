"""Lazy item models: rows arrive a page at a time from the store thread as views scroll.

``canFetchMore``/``fetchMore`` drive the paging (Qt's views call them near the end of
the scroll range), so 100,000 products cost one page of work at a time. Each filter
change starts a new generation; a page that arrives for an old one is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex

from kiosk_app.store.queries import Page
from kiosk_app.store.store import Store
from kiosk_app.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
PageQuery = Callable[[Store, int | None, dict[str, Any]], Page]


class PagedRows:
    """The paging state shared by the list and table models (a mixin holding rows).

    The model class using it declares ``loaded = Signal()``: emitted when a page arrives.
    """

    def _init_paging(self, runner: TaskRunner, query: PageQuery) -> None:
        self._runner = runner
        self._query = query
        self._rows: list[dict[str, Any]] = []
        self._filters: dict[str, Any] = {}
        self._after: int | None = None
        self._exhausted = True
        self._loading = False
        self._generation = 0

    # -- public ------------------------------------------------------------------

    @property
    def is_loading(self) -> bool:
        return self._loading

    def row_data(self, row: int) -> dict[str, Any]:
        return self._rows[row]

    def row_of(self, row_id: str) -> int | None:
        return next((n for n, r in enumerate(self._rows) if r["id"] == row_id), None)

    def reload(self, **filters: Any) -> None:
        """Start again from the first page with these filters (None keeps the old ones)."""
        model: QAbstractItemModel = self  # type: ignore[assignment]
        if filters:
            self._filters = {**self._filters, **filters}
        self._generation += 1
        model.beginResetModel()
        self._rows = []
        self._after = None
        self._exhausted = False
        self._loading = False
        self._rows_added(0, [])
        model.endResetModel()
        self._fetch()

    # -- Qt paging ---------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._fetch()

    def _fetch(self) -> None:
        self._loading = True
        generation, after, filters = self._generation, self._after, dict(self._filters)
        self._runner.run_task(
            lambda store: self._query(store, after, filters),
            lambda page: self._arrived(generation, page),
            lambda error: self._failed(generation, error),
            context=self,  # type: ignore[arg-type]
        )

    def _arrived(self, generation: int, page: Page) -> None:
        if generation != self._generation:
            return
        model: QAbstractItemModel = self  # type: ignore[assignment]
        self._loading = False
        self._after = page.after
        self._exhausted = page.after is None
        if page.rows:
            first = len(self._rows)
            model.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self._rows_added(first, page.rows)
            model.endInsertRows()
        self.loaded.emit()  # type: ignore[attr-defined]

    def _rows_added(self, first: int, rows: list[dict[str, Any]]) -> None:
        """Hook for indexes over the rows; ``first == 0`` with no rows means a reset."""

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._loading = False
            self._exhausted = True
        self._runner.failed.emit(error)
