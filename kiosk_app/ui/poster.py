"""A merchant's printable poster (A4 or A6 PDF, drawn with QPainter on a QPdfWriter):
the business name, a QR code to their catalog page drawn as vector squares, a few
products with their prices, and the address written out for those who cannot scan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import segno
from PySide6.QtCore import QCoreApplication, QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

from kiosk_app.domain.money import format_rupiah

PAGE_SIZES = {"A4": QPageSize.PageSizeId.A4, "A6": QPageSize.PageSizeId.A6}
# How many products fit under the QR code at a readable size.
PRODUCTS_SHOWN = {"A4": 6, "A6": 3}
RESOLUTION_DPI = 600
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks
GREEN = QColor("#0b6b3a")
INK = QColor("#1d2521")
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class PosterProduct:
    name: str
    price: int | None


@dataclass(frozen=True)
class PosterContent:
    business_name: str
    url: str  # the merchant's catalog page
    place: str = ""  # "Ternyang, Sumberpucung"
    products: Sequence[PosterProduct] = field(default_factory=tuple)


def merchant_page_url(base_url: str, merchant_id: str) -> str:
    """The merchant's public catalog page: ``{base}/m/{id}``."""
    return f"{base_url.strip().rstrip('/')}/m/{merchant_id}"


def share_message(business_name: str, url: str) -> str:
    """What the merchant pastes into WhatsApp (chats, groups, status)."""
    text = QCoreApplication.translate("Poster", "Products of {name}, order on WhatsApp: {url}")
    return text.format(name=business_name, url=url)


def qr_modules(url: str) -> list[list[bool]]:
    """The QR code of ``url`` as rows of dark (True) / light modules, without quiet zone."""
    code = segno.make_qr(url, error="m")
    return [[bool(v) for v in row] for row in code.matrix]


def render_poster(path: Path, content: PosterContent, size: str = "A4") -> Path:
    """Write the poster as a one-page PDF of ``size`` (``A4`` or ``A6``) to ``path``."""
    if size not in PAGE_SIZES:
        raise ValueError(f"poster size must be one of {sorted(PAGE_SIZES)}, not {size!r}")
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(PAGE_SIZES[size]),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(f"Etalase Desa: {content.business_name}")
    writer.setCreator("Etalase Desa")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot write the poster to {path}")
    try:
        _draw(painter, content, size, writer.width(), writer.height())
    finally:
        painter.end()
    return path


class _Layout:
    """Millimetres of an A4 sheet scaled to the page: an A6 poster is an A4 one, smaller."""

    def __init__(self, width_px: int, height_px: int) -> None:
        self.width = width_px
        self.height = height_px
        self.unit = width_px / 210.0  # device pixels per A4 millimetre

    def mm(self, value: float) -> float:
        return value * self.unit


def _font(layout: _Layout, points_on_a4: float, bold: bool = False) -> QFont:
    font = QFont("DejaVu Sans")
    # Pixel size: the writer's resolution makes point sizes depend on DPI otherwise.
    font.setPixelSize(max(1, round(layout.mm(points_on_a4 * 0.3528))))
    font.setBold(bold)
    return font


def _text(
    painter: QPainter, layout: _Layout, top: float, height: float, text: str, font: QFont
) -> float:
    """Centred, word-wrapped text in a band; returns where the band ends."""
    painter.setFont(font)
    band = QRectF(layout.mm(14), top, layout.width - layout.mm(28), height)
    flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop) | int(
        Qt.TextFlag.TextWordWrap
    )
    used = painter.boundingRect(band, flags, text)
    painter.drawText(band, flags, text)
    return top + min(height, used.height())


def _draw(painter: QPainter, content: PosterContent, size: str, width: int, height: int) -> None:
    layout = _Layout(width, height)
    painter.fillRect(QRectF(0, 0, width, height), QColor("white"))
    painter.fillRect(QRectF(0, 0, width, layout.mm(22)), GREEN)
    painter.setPen(QColor("white"))
    _text(painter, layout, layout.mm(6), layout.mm(12), "Etalase Desa", _font(layout, 26, True))

    painter.setPen(INK)
    y = layout.mm(30)
    y = _text(painter, layout, y, layout.mm(36), content.business_name, _font(layout, 38, True))
    if content.place:
        y = _text(
            painter, layout, y + layout.mm(2), layout.mm(10), content.place, _font(layout, 16)
        )

    side = min(layout.mm(120), layout.height - y - layout.mm(120))
    top = y + layout.mm(6)
    draw_qr(painter, content.url, QRectF((width - side) / 2, top, side, side))
    y = top + side + layout.mm(3)
    scan = QCoreApplication.translate("Poster", "Scan to see our products and order on WhatsApp")
    y = _text(painter, layout, y, layout.mm(16), scan, _font(layout, 20, True))
    y = _text(painter, layout, y + layout.mm(1), layout.mm(10), content.url, _font(layout, 12))
    _draw_products(painter, layout, y + layout.mm(6), content.products[: PRODUCTS_SHOWN[size]])


def draw_qr(painter: QPainter, url: str, area: QRectF) -> None:
    """Dark modules as filled rectangles (one per horizontal run): vector, sharp at any
    print size, with the quiet zone left white."""
    rows = qr_modules(url)
    count = len(rows) + 2 * QUIET_ZONE
    module = area.width() / count
    painter.fillRect(area, QColor("white"))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    black = QColor("black")
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            x = area.left() + (QUIET_ZONE + start) * module
            y = area.top() + (QUIET_ZONE + r) * module
            painter.fillRect(QRectF(x, y, (c - start) * module, module), black)


def _draw_products(
    painter: QPainter, layout: _Layout, top: float, products: Sequence[PosterProduct]
) -> None:
    if not products:
        return
    left, right = layout.mm(22), layout.width - layout.mm(22)
    line = layout.mm(11)
    painter.setPen(GREEN)
    painter.drawLine(int(left), int(top), int(right), int(top))
    painter.setPen(INK)
    name_font, price_font = _font(layout, 17), _font(layout, 17, True)
    y = top + layout.mm(2)
    for product in products:
        if y + line > layout.height - layout.mm(8):
            break
        price = format_rupiah(product.price) if product.price is not None else ""
        painter.setFont(price_font)
        price_width = painter.fontMetrics().horizontalAdvance(price) + layout.mm(4)
        row = QRectF(left, y, right - left, line)
        painter.drawText(
            row, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), price
        )
        painter.setFont(name_font)
        name = painter.fontMetrics().elidedText(
            product.name, Qt.TextElideMode.ElideRight, int(row.width() - price_width)
        )
        painter.drawText(row, int(LEFT), name)
        y += line
