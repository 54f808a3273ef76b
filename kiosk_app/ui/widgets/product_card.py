"""Product cards: a delegate painting photo, name, price and status, and a grid view."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from kiosk_app.ui.models.products import PRICE_ROLE, STATUS_ROLE

CARD = QSize(200, 250)
PHOTO = 180


class ProductCardDelegate(QStyledItemDelegate):
    """Paints one product card: photo (or a grey box), name on two lines, price, status."""

    def __init__(self, draft_text: str, no_photo_text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._draft_text = draft_text
        self._no_photo_text = no_photo_text

    def sizeHint(self, option: QStyleOptionViewItem, index: Any) -> QSize:
        return CARD

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        painter.save()
        rect = option.rect.adjusted(6, 6, -6, -6)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        painter.setPen(QColor("#1b6e4f") if selected or focused else QColor("#d0d7d3"))
        painter.setBrush(QColor("#e8f3ee") if selected else QColor("white"))
        painter.drawRoundedRect(rect, 8, 8)
        photo_rect = QRect(rect.left() + 4, rect.top() + 4, rect.width() - 8, PHOTO - 20)
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            scaled = pixmap.scaled(
                photo_rect.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            x = photo_rect.left() + (photo_rect.width() - scaled.width()) // 2
            y = photo_rect.top() + (photo_rect.height() - scaled.height()) // 2
            painter.drawPixmap(x, y, scaled)
        else:
            painter.fillRect(photo_rect, QColor("#eef0ef"))
            painter.setPen(QColor("#8a958f"))
            painter.drawText(photo_rect, int(Qt.AlignmentFlag.AlignCenter), self._no_photo_text)
        painter.setPen(QColor("#1d2a24"))
        text_rect = QRect(rect.left() + 8, photo_rect.bottom() + 4, rect.width() - 16, 40)
        name = index.data(Qt.ItemDataRole.DisplayRole) or ""
        painter.drawText(
            text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap), name
        )
        price_rect = QRect(rect.left() + 8, text_rect.bottom() + 2, rect.width() - 16, 22)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(price_rect, int(Qt.AlignmentFlag.AlignLeft), index.data(PRICE_ROLE))
        if index.data(STATUS_ROLE) == "draft":
            painter.setPen(QColor("#8a5a00"))
            painter.drawText(price_rect, int(Qt.AlignmentFlag.AlignRight), self._draft_text)
        painter.restore()


def product_grid(model: QAbstractItemModel, draft_text: str, no_photo_text: str) -> QListView:
    """A scrolling grid of product cards over ``model`` (uniform sizes: fast at 100k)."""
    grid = QListView()
    grid.setViewMode(QListView.ViewMode.IconMode)
    grid.setResizeMode(QListView.ResizeMode.Adjust)
    grid.setMovement(QListView.Movement.Static)
    grid.setUniformItemSizes(True)
    # Icon-mode layout is O(rows) per insert; batched layout keeps each step short, so
    # the GUI thread never stalls as tens of thousands of products page in.
    grid.setLayoutMode(QListView.LayoutMode.Batched)
    grid.setBatchSize(100)
    grid.setGridSize(CARD)
    grid.setSpacing(0)
    grid.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    grid.verticalScrollBar().setSingleStep(24)
    grid.setItemDelegate(ProductCardDelegate(draft_text, no_photo_text, grid))
    grid.setModel(model)
    return grid
