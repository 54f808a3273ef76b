"""The guide to a merchant's WhatsApp Business / Facebook catalog: their own feed address
(``/feed/meta.csv?penjual=ID`` on the catalog's server) with a copy button, and four
illustrated steps to connect it in Meta Commerce Manager, which Meta then fetches daily."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk_app.ui.i18n import RESOURCES
from kiosk_app.ui.widgets.common import (
    big_button,
    button_row,
    message_label,
    plain_label,
    show_message,
)

GUIDE_PICTURES = RESOURCES / "guide"
STEP_FILES = (
    "1-salin-alamat.svg",
    "2-commerce-manager.svg",
    "3-feed-terjadwal.svg",
    "4-whatsapp-business.svg",
)
PICTURE_SIZE = QSize(180, 120)


def merchant_feed_url(base_url: str, merchant_id: str) -> str:
    """The merchant's own Meta catalog feed: ``{base}/feed/meta.csv?penjual={id}``."""
    return f"{base_url.strip().rstrip('/')}/feed/meta.csv?penjual={merchant_id}"


@cache
def step_picture(name: str, width: int, height: int) -> QImage:
    """A step's illustration (SVG in resources/guide) drawn at ``width`` x ``height``."""
    renderer = QSvgRenderer(str(GUIDE_PICTURES / name))
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    if renderer.isValid():
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
    return image


class FeedGuideDialog(QDialog):
    """``FeedGuideDialog(business_name, feed_url)``: the address and the four steps."""

    def __init__(self, business_name: str, feed_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("feedGuideDialog")
        self.setWindowTitle(self.tr("WhatsApp Business catalog"))
        self.setMinimumWidth(1000)
        self.feed_url = feed_url
        column = QVBoxLayout(self)
        title = plain_label(self.tr("Catalog of {name} on WhatsApp and Facebook").format(
            name=business_name))  # fmt: skip
        title.setProperty("role", "subtitle")
        title.setWordWrap(True)
        column.addWidget(title)
        intro = QLabel(
            self.tr(
                "Meta (WhatsApp Business, Facebook, Instagram) can read this merchant's "
                "products from the address below every day: prices, stock and photos stay "
                "the same as in Etalase Desa. Only published products with a photo are sent."
            )
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.address = plain_label(feed_url)
        self.address.setObjectName("feedAddress")
        self.address.setWordWrap(True)
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = big_button(self.tr("Copy feed address"), kind="primary", name="copyFeed")
        self.copy_button.clicked.connect(self.copy_address)
        line = QHBoxLayout()
        line.addWidget(self.address, 1)
        line.addWidget(self.copy_button)
        column.addLayout(line)
        self.message = message_label("feedGuideMessage")
        column.addWidget(self.message)
        self.steps: list[QLabel] = []
        grid = QGridLayout()
        for index, (file_name, text) in enumerate(zip(STEP_FILES, self._step_texts(), strict=True)):
            grid.addWidget(self._step(index + 1, file_name, text), index // 2, index % 2)
        column.addLayout(grid)
        close = big_button(self.tr("Close"), name="closeFeedGuide")
        close.clicked.connect(self.accept)
        column.addLayout(button_row(close))

    def _step_texts(self) -> list[str]:
        return [
            self.tr("Copy the feed address above and send it to the merchant's phone, or "
                    "open Commerce Manager on this computer."),
            self.tr("Open business.facebook.com/commerce with the merchant's Facebook "
                    "account and create a catalog for products sold online (E-commerce)."),
            self.tr("In the catalog choose Data sources, Add items, Data feed, Scheduled "
                    "feed. Paste the address, choose a daily update and the currency IDR."),
            self.tr("Connect the catalog to WhatsApp: in WhatsApp Manager choose Catalog, "
                    "pick this catalog, then Connect catalog. The products appear in the "
                    "WhatsApp Business catalog and are updated every day."),
        ]  # fmt: skip

    def _step(self, number: int, file_name: str, text: str) -> QWidget:
        box = QWidget()
        box.setObjectName(f"feedStep{number}")
        row = QHBoxLayout(box)
        picture = QLabel()
        picture.setObjectName(f"feedStepPicture{number}")
        image = step_picture(file_name, PICTURE_SIZE.width(), PICTURE_SIZE.height())
        picture.setPixmap(QPixmap.fromImage(image))
        picture.setFixedSize(PICTURE_SIZE)
        row.addWidget(picture)
        words = QLabel(f"{number}. {text}")
        words.setWordWrap(True)
        words.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        words.setMinimumWidth(280)
        box.setMinimumHeight(PICTURE_SIZE.height() + 40)
        row.addWidget(words, 1)
        self.steps.append(words)
        return box

    def copy_address(self) -> None:
        QGuiApplication.clipboard().setText(self.feed_url)
        show_message(
            self.message, self.tr("Copied. Paste it in Commerce Manager as a scheduled feed.")
        )
