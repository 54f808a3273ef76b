"""A product's photos as a row of thumbnails: add, move, remove, choose the cover.

The strip edits a working list only; the product editor saves it in one store write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.domain.records import MAX_PHOTOS_PER_PRODUCT
from kiosk_app.ui.models.thumbnails import ThumbnailCache
from kiosk_app.ui.widgets.common import big_button

TILE = QSize(150, 150)


@dataclass
class PhotoItem:
    """A photo in the editor: saved (``photo_id``) or just processed (``processed``)."""

    thumb_sha: str
    photo_id: str | None = None
    processed: Any = None  # media.pipeline.ProcessedPhoto until saved


class PhotoStrip(QWidget):
    """Thumbnails in order (the first is the cover) and the buttons that change them."""

    changed = Signal()
    add_files_requested = Signal()
    camera_requested = Signal()

    def __init__(self, thumbnails: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails
        self.items: list[PhotoItem] = []
        self.removed: list[str] = []  # saved photos taken out (deleted on save)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel()
        self.caption.setObjectName("photoCount")
        column.addWidget(self.caption)
        self.list = QListWidget()
        self.list.setObjectName("photoList")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setIconSize(TILE)
        self.list.setSpacing(6)
        self.list.setFixedHeight(TILE.height() + 56)
        self.list.currentRowChanged.connect(self._update_buttons)
        column.addWidget(self.list)

        row = QHBoxLayout()
        self.add_files = big_button(self.tr("From file or flash drive"), name="addPhotoFiles")
        self.add_files.clicked.connect(self.add_files_requested)
        self.camera = big_button(self.tr("Camera"), name="cameraButton")
        self.camera.clicked.connect(self.camera_requested)
        self.left = big_button(self.tr("◀ Move"), name="photoLeft")
        self.left.clicked.connect(lambda: self.move_selected(-1))
        self.right = big_button(self.tr("Move ▶"), name="photoRight")
        self.right.clicked.connect(lambda: self.move_selected(1))
        self.cover = big_button(self.tr("Make main photo"), name="photoCover")
        self.cover.clicked.connect(self.make_cover)
        self.remove = big_button(self.tr("Delete photo"), kind="danger", name="photoRemove")
        self.remove.clicked.connect(self.remove_selected)
        for button in (self.add_files, self.camera, self.left, self.right, self.cover, self.remove):
            row.addWidget(button)
        column.addLayout(row)
        thumbnails.loaded.connect(lambda _sha: self._refresh_icons())
        self._render()

    # -- the working list ------------------------------------------------------------

    def set_items(self, items: list[PhotoItem]) -> None:
        self.items = list(items)
        self.removed = []
        self._render()

    def room(self) -> int:
        return MAX_PHOTOS_PER_PRODUCT - len(self.items)

    def add_item(self, item: PhotoItem) -> bool:
        if self.room() <= 0:
            return False
        self.items.append(item)
        self._render(select=len(self.items) - 1)
        return True

    def move_selected(self, delta: int) -> None:
        row = self.list.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < len(self.items):
            return
        self.items[row], self.items[target] = self.items[target], self.items[row]
        self._render(select=target)

    def make_cover(self) -> None:
        row = self.list.currentRow()
        if row > 0:
            self.items.insert(0, self.items.pop(row))
            self._render(select=0)

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        item = self.items.pop(row)
        if item.photo_id:
            self.removed.append(item.photo_id)
        self._render(select=min(row, len(self.items) - 1))

    # -- drawing -----------------------------------------------------------------------

    def _render(self, select: int = -1) -> None:
        self.list.clear()
        for number, item in enumerate(self.items):
            text = self.tr("Main photo") if number == 0 else str(number + 1)
            entry = QListWidgetItem(self._icon(item), text)
            entry.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            entry.setSizeHint(QSize(TILE.width() + 12, TILE.height() + 40))
            self.list.addItem(entry)
        if select >= 0:
            self.list.setCurrentRow(select)
        self.caption.setText(
            self.tr("{n} of {max} photos. The first photo is the main photo.").format(
                n=len(self.items), max=MAX_PHOTOS_PER_PRODUCT
            )
        )
        self._update_buttons()
        self.changed.emit()

    def _icon(self, item: PhotoItem) -> QIcon:
        pixmap = self._thumbnails.pixmap(item.thumb_sha)
        if pixmap is None:
            pixmap = QPixmap(TILE)
            pixmap.fill(Qt.GlobalColor.lightGray)
        return QIcon(pixmap)

    def _refresh_icons(self) -> None:
        for number, item in enumerate(self.items):
            entry = self.list.item(number)
            if entry is not None:
                entry.setIcon(self._icon(item))

    def _update_buttons(self, *_args: Any) -> None:
        row = self.list.currentRow()
        chosen = 0 <= row < len(self.items)
        self.left.setEnabled(chosen and row > 0)
        self.right.setEnabled(chosen and row < len(self.items) - 1)
        self.cover.setEnabled(chosen and row > 0)
        self.remove.setEnabled(chosen)
        full = self.room() <= 0
        self.add_files.setEnabled(not full)
        self.camera.setEnabled(not full)
