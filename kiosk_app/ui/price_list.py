"""A merchant's printable price list: every published product with its unit and price on
A4 pages (PDF through QPdfWriter, like the poster), the QR code to their catalog page on
the first page, and "page n of N" with the address at the foot of every page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

from kiosk_app.domain.money import format_rupiah
from kiosk_app.ui.poster import GREEN, INK, draw_qr

RESOLUTION_DPI = 300
LIGHT = QColor("#eef6f0")
LINE = QColor("#c9d8ce")
WRAP = int(Qt.TextFlag.TextWordWrap)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
# Millimetres on the A4 sheet.
MARGIN, TOP_FIRST, TOP_NEXT, BOTTOM = 14.0, 72.0, 30.0, 20.0
COLUMNS = ((MARGIN, 12.0), (26.0, 110.0), (136.0, 28.0), (164.0, 32.0))  # no, name, unit, price
ROW_MIN, ROW_PAD = 8.0, 2.4


@dataclass(frozen=True)
class PriceListProduct:
    name: str
    price: int | None
    unit: str = ""


@dataclass(frozen=True)
class PriceListContent:
    business_name: str
    url: str  # the merchant's catalog page
    place: str = ""
    printed_on: str = ""  # "3 Desember 2026"
    products: Sequence[PriceListProduct] = field(default_factory=tuple)


class _Sheet:
    """Millimetres to the writer's pixels, and the fonts at print sizes."""

    def __init__(self, width_px: int) -> None:
        self.unit = width_px / 210.0

    def mm(self, value: float) -> float:
        return value * self.unit

    def font(self, points: float, bold: bool = False) -> QFont:
        font = QFont("DejaVu Sans")
        font.setPixelSize(max(1, round(self.mm(points * 0.3528))))
        font.setBold(bold)
        return font

    def rect(self, x: float, y: float, w: float, h: float) -> QRectF:
        return QRectF(self.mm(x), self.mm(y), self.mm(w), self.mm(h))


def render_price_list(path: Path, content: PriceListContent) -> Path:
    """Write the price list as an A4 PDF (as many pages as the products need)."""
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION_DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(
        QCoreApplication.translate("PriceList", "Price list: {name}").format(
            name=content.business_name
        )
    )
    writer.setCreator("Etalase Desa")
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot write the price list to {path}")
    try:
        sheet = _Sheet(writer.width())
        page_height = writer.height() / sheet.unit
        pages = _paginate(painter, sheet, content.products, page_height)
        for number, rows in enumerate(pages, start=1):
            if number > 1:
                writer.newPage()
            _draw_page(painter, sheet, content, rows, number, len(pages), page_height)
    finally:
        painter.end()
    return path


def _row_height(painter: QPainter, sheet: _Sheet, product: PriceListProduct) -> float:
    painter.setFont(sheet.font(11))
    x, width = COLUMNS[1]
    used = painter.boundingRect(sheet.rect(x, 0, width, 200), LEFT | WRAP, product.name)
    return max(ROW_MIN, used.height() / sheet.unit + ROW_PAD)


def _paginate(
    painter: QPainter, sheet: _Sheet, products: Sequence[PriceListProduct], page_height: float
) -> list[list[tuple[int, PriceListProduct, float]]]:
    """Rows (number, product, height in mm) for each page; at least one page."""
    pages: list[list[tuple[int, PriceListProduct, float]]] = [[]]
    y = TOP_FIRST + ROW_MIN  # below the column headings
    for number, product in enumerate(products, start=1):
        height = _row_height(painter, sheet, product)
        if y + height > page_height - BOTTOM and pages[-1]:
            pages.append([])
            y = TOP_NEXT + ROW_MIN
        pages[-1].append((number, product, height))
        y += height
    return pages


def _draw_page(
    painter: QPainter,
    sheet: _Sheet,
    content: PriceListContent,
    rows: list[tuple[int, PriceListProduct, float]],
    number: int,
    count: int,
    page_height: float,
) -> None:
    painter.fillRect(sheet.rect(0, 0, 210, page_height), QColor("white"))
    painter.fillRect(sheet.rect(0, 0, 210, 14), GREEN)
    painter.setPen(QColor("white"))
    painter.setFont(sheet.font(15, bold=True))
    painter.drawText(sheet.rect(MARGIN, 0, 182, 14), LEFT, "Etalase Desa")
    painter.setFont(sheet.font(12))
    painter.drawText(
        sheet.rect(MARGIN, 0, 182, 14), RIGHT, QCoreApplication.translate("PriceList", "Price list")
    )
    painter.setPen(INK)
    if number == 1:
        top = _draw_heading(painter, sheet, content)
    else:
        painter.setFont(sheet.font(12, bold=True))
        painter.drawText(sheet.rect(MARGIN, 17, 182, 9), LEFT, content.business_name)
        top = TOP_NEXT
    y = _draw_column_headings(painter, sheet, top)
    for index, (position, product, height) in enumerate(rows):
        if index % 2 == 1:
            painter.fillRect(sheet.rect(MARGIN, y, 182, height), LIGHT)
        painter.setFont(sheet.font(11))
        painter.drawText(_cell(sheet, 0, y, height), RIGHT, f"{position}.")
        painter.drawText(_cell(sheet, 1, y, height), LEFT | WRAP, product.name)
        painter.drawText(_cell(sheet, 2, y, height), LEFT, product.unit)
        painter.setFont(sheet.font(11, bold=True))
        price = format_rupiah(product.price) if product.price is not None else "-"
        painter.drawText(_cell(sheet, 3, y, height), RIGHT, price)
        y += height
    if not rows:
        painter.setFont(sheet.font(11))
        painter.drawText(
            sheet.rect(MARGIN, y + 2, 182, 10),
            LEFT,
            QCoreApplication.translate("PriceList", "No published product yet."),
        )
    _draw_foot(painter, sheet, content, number, count, page_height)


def _cell(sheet: _Sheet, index: int, y: float, height: float) -> QRectF:
    """Column ``index`` of the row at ``y`` (mm), inset from the column's edges."""
    x, width = COLUMNS[index]
    return sheet.rect(x + 1.5, y, width - 3.0, height)


def _draw_heading(painter: QPainter, sheet: _Sheet, content: PriceListContent) -> float:
    """Name, place, date and address on the left, the QR code on the right."""
    painter.setFont(sheet.font(20, bold=True))
    name = painter.boundingRect(sheet.rect(MARGIN, 20, 132, 30), WRAP, content.business_name)
    painter.drawText(sheet.rect(MARGIN, 20, 132, 30), WRAP, content.business_name)
    y = 20 + min(30.0, name.height() / sheet.unit) + 2
    painter.setFont(sheet.font(11))
    lines = [content.place] if content.place else []
    if content.printed_on:
        lines.append(
            QCoreApplication.translate("PriceList", "Printed on {date}").format(
                date=content.printed_on
            )
        )
    for line in lines:
        painter.drawText(sheet.rect(MARGIN, y, 132, 7), LEFT, line)
        y += 7
    painter.setFont(sheet.font(9))
    painter.drawText(sheet.rect(MARGIN, y + 1, 132, 12), WRAP, content.url)
    draw_qr(painter, content.url, sheet.rect(160, 18, 38, 38))
    painter.setFont(sheet.font(8))
    painter.drawText(
        sheet.rect(118, 57, 80, 6),  # right-aligned under the code, in the margin
        RIGHT,
        QCoreApplication.translate("PriceList", "Scan to order on WhatsApp"),
    )
    return TOP_FIRST


def _draw_column_headings(painter: QPainter, sheet: _Sheet, top: float) -> float:
    painter.fillRect(sheet.rect(MARGIN, top, 182, ROW_MIN), GREEN)
    painter.setPen(QColor("white"))
    painter.setFont(sheet.font(10, bold=True))
    headings = (
        QCoreApplication.translate("PriceList", "No."),
        QCoreApplication.translate("PriceList", "Product"),
        QCoreApplication.translate("PriceList", "Unit"),
        QCoreApplication.translate("PriceList", "Price"),
    )
    aligns = (RIGHT, LEFT, LEFT, RIGHT)
    for index, (text, align) in enumerate(zip(headings, aligns, strict=True)):
        painter.drawText(_cell(sheet, index, top, ROW_MIN), align, text)
    painter.setPen(INK)
    return top + ROW_MIN


def _draw_foot(
    painter: QPainter,
    sheet: _Sheet,
    content: PriceListContent,
    number: int,
    count: int,
    page_height: float,
) -> None:
    y = page_height - BOTTOM + 6
    painter.setPen(LINE)
    painter.drawLine(sheet.rect(MARGIN, y, 182, 0).topLeft(), sheet.rect(196, y, 0, 0).topLeft())
    painter.setPen(INK)
    painter.setFont(sheet.font(9))
    painter.drawText(sheet.rect(MARGIN, y + 1, 130, 7), LEFT, content.url)
    page = QCoreApplication.translate("PriceList", "Page {number} of {count}").format(
        number=number, count=count
    )
    painter.drawText(sheet.rect(146, y + 1, 50, 7), RIGHT, page)
