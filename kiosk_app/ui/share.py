""" "Bagikan": a merchant's catalog address, printable posters (A4, A6), an A4 price list,
a message to paste into WhatsApp, and the merchant's own catalog feed for WhatsApp
Business / Facebook with its guide. Files are saved in one known folder and opened for
printing."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from kiosk_app.domain.formatting import format_date_id
from kiosk_app.store import queries
from kiosk_app.store.store import Store
from kiosk_app.ui.feed_guide import FeedGuideDialog, merchant_feed_url
from kiosk_app.ui.i18n import current_language
from kiosk_app.ui.poster import (
    PAGE_SIZES,
    PRODUCTS_SHOWN,
    PosterContent,
    PosterProduct,
    merchant_page_url,
    render_poster,
    share_message,
)
from kiosk_app.ui.price_list import PriceListContent, PriceListProduct, render_price_list
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import (
    big_button,
    button_row,
    message_label,
    plain_label,
    show_message,
)

log = logging.getLogger(__name__)


def share_info(store: Store, merchant_id: str) -> dict[str, Any] | None:
    """What sharing a merchant needs (runs on the store thread)."""
    merchant = queries.merchant_detail(store, merchant_id)
    if merchant is None:
        return None
    base = store.settings.catalog_base()
    published = [p for p in store.products_of(merchant_id) if p["status"] == "published"]
    place = ", ".join(n for n in (merchant.get("village"), merchant.get("district")) if n)
    return {
        "business_name": merchant["business_name"],
        "consented": bool(merchant.get("consent_version")),
        "active": merchant.get("status") == "active",
        "place": place,
        "url": merchant_page_url(base, merchant_id) if base else None,
        "feed_url": merchant_feed_url(base, merchant_id) if base else None,
        "products": [PosterProduct(p["name"], p["price"]) for p in published],
        "price_list": [
            PriceListProduct(p["name"], p["price"], p.get("unit") or "") for p in published
        ],
        # The feeds leave out a product without a photo (Meta and Google require one).
        "without_photo": sum(1 for p in published if not store.photos_of(p["id"])),
    }


def default_poster_folder() -> Path:
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents or Path.home()) / "Poster Etalase Desa"


def _slug(business_name: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", business_name).strip("-").lower()[:40] or "penjual"


def poster_file_name(business_name: str, size: str) -> str:
    return f"poster-{_slug(business_name)}-{size}.pdf"


def price_list_file_name(business_name: str) -> str:
    return f"daftar-harga-{_slug(business_name)}.pdf"


def printed_on(day: date) -> str:
    """The price list's date: ``3 Desember 2026``, or ISO in English."""
    return format_date_id(day) if current_language() == "id" else day.isoformat()


class ShareDialog(QDialog):
    """Load with ``ShareDialog(runner, merchant_id)``; buttons enable once loaded."""

    def __init__(
        self,
        runner: TaskRunner,
        merchant_id: str,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
        open_files: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shareDialog")
        self.setWindowTitle(self.tr("Share"))
        self.setMinimumWidth(640)
        self._runner = runner
        self._folder = folder or default_poster_folder()
        self._open_files = open_files
        self.info: dict[str, Any] | None = None
        self.saved: list[Path] = []
        column = QVBoxLayout(self)
        # The business name is the merchant's own text: shown as text, never as markup.
        self.title = plain_label()
        self.title.setProperty("role", "subtitle")
        column.addWidget(self.title)
        self.address = plain_label()
        self.address.setObjectName("shareAddress")
        self.address.setWordWrap(True)
        self.address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.address)
        self.feed_address = plain_label()
        self.feed_address.setObjectName("shareFeedAddress")
        self.feed_address.setWordWrap(True)
        self.feed_address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.feed_address)
        self.warning = message_label("shareWarning")
        column.addWidget(self.warning)
        self.message = message_label("shareMessage")
        column.addWidget(self.message)
        self.poster_buttons = {
            size: big_button(self.tr("Poster {size} (PDF)").format(size=size), name=f"poster{size}")
            for size in PAGE_SIZES
        }
        for size, button in self.poster_buttons.items():
            button.clicked.connect(lambda _checked=False, s=size: self.save_poster(s))
        self.copy_button = big_button(
            self.tr("Copy link for WhatsApp"), kind="primary", name="copyShareLink"
        )
        self.copy_button.clicked.connect(self.copy_link)
        self.price_list_button = big_button(self.tr("Price list A4 (PDF)"), name="priceList")
        self.price_list_button.clicked.connect(self.save_price_list)
        self.guide_button = big_button(
            self.tr("WhatsApp Business catalog: guide"), name="feedGuide"
        )
        self.guide_button.clicked.connect(self.open_guide)
        self.guide: FeedGuideDialog | None = None
        close = big_button(self.tr("Close"), name="closeShare")
        close.clicked.connect(self.accept)
        column.addLayout(button_row(*self.poster_buttons.values(), self.price_list_button))
        column.addLayout(button_row(self.copy_button, self.guide_button))
        column.addLayout(button_row(close))
        self._enable(False)
        runner.run_task(lambda store: share_info(store, merchant_id), self._loaded, context=self)

    def _enable(self, on: bool) -> None:
        for button in (*self._file_buttons(), self.copy_button, self.guide_button):
            button.setEnabled(on)

    def _file_buttons(self) -> list[Any]:
        return [*self.poster_buttons.values(), self.price_list_button]

    def _loaded(self, info: dict[str, Any] | None) -> None:
        if info is None:
            self.reject()
            return
        self.info = info
        self.title.setText(info["business_name"])
        if not info["url"]:
            self.address.setText(
                self.tr(
                    "This kiosk is not enrolled with a server yet, so the catalog has no address."
                )
            )
            return
        self.address.setText(self.tr("Catalog page: {url}").format(url=info["url"]))
        self.feed_address.setText(
            self.tr("Catalog for WhatsApp Business and Facebook: {url}").format(
                url=info["feed_url"]
            )
        )
        problems = []
        if not info["consented"]:
            problems.append(
                self.tr("No consent recorded: the catalog does not show this merchant.")
            )
        if not info["active"]:
            problems.append(self.tr("The merchant is inactive: the catalog does not show them."))
        if not info["products"]:
            problems.append(self.tr("No published product yet: the page shows no product."))
        elif info["without_photo"]:
            problems.append(
                self.tr(
                    "{count} published product(s) without a photo: the WhatsApp Business "
                    "catalog leaves them out."
                ).format(count=info["without_photo"])
            )
        show_message(self.warning, "\n".join(problems), error=bool(problems))
        self._enable(True)

    def content(self, size: str) -> PosterContent:
        assert self.info is not None and self.info["url"]
        return PosterContent(
            business_name=self.info["business_name"],
            url=self.info["url"],
            place=self.info["place"],
            products=tuple(self.info["products"][: PRODUCTS_SHOWN[size]]),
        )

    def save_poster(self, size: str) -> None:
        """Render the poster into the posters folder (in a worker: fonts and the PDF take
        longer than a frame), then open it for printing."""
        if self.info is None or not self.info["url"]:
            return
        path = self._folder / poster_file_name(self.info["business_name"], size)
        content = self.content(size)
        self._save(self.poster_buttons[size], path, lambda: render_poster(path, content, size))

    def price_list_content(self, day: date | None = None) -> PriceListContent:
        assert self.info is not None and self.info["url"]
        return PriceListContent(
            business_name=self.info["business_name"],
            url=self.info["url"],
            place=self.info["place"],
            printed_on=printed_on(day or date.today()),
            products=tuple(self.info["price_list"]),
        )

    def save_price_list(self) -> None:
        """Render every published product's price on A4 pages, then open it to print."""
        if self.info is None or not self.info["url"]:
            return
        path = self._folder / price_list_file_name(self.info["business_name"])
        content = self.price_list_content()
        self._save(self.price_list_button, path, lambda: render_price_list(path, content))

    def _save(self, button: Any, path: Path, render: Callable[[], Path]) -> None:
        button.setEnabled(False)

        def work() -> Path:
            path.parent.mkdir(parents=True, exist_ok=True)
            return render()

        self._runner.run_in_worker(
            work,
            lambda done: self._saved(button, done),
            lambda error: self._failed(button, path, error),
            context=self,
        )

    def _saved(self, button: Any, path: Path) -> None:
        button.setEnabled(True)
        self.saved.append(path)
        text = (
            self.tr("Price list saved: {path}")
            if button is self.price_list_button
            else self.tr("Poster saved: {path}")
        )
        show_message(self.message, text.format(path=path))
        if self._open_files:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _failed(self, button: Any, path: Path, error: BaseException) -> None:
        button.setEnabled(True)
        if not isinstance(error, OSError):
            raise error
        log.warning("file not saved to %s: %s", path, error)
        text = (
            self.tr("The price list could not be saved: {error}")
            if button is self.price_list_button
            else self.tr("The poster could not be saved: {error}")
        )
        show_message(self.message, text.format(error=error), error=True)

    def open_guide(self) -> None:
        """The merchant's feed address and the steps to connect it (a dialog of its own)."""
        if self.info is None or not self.info["feed_url"]:
            return
        self.guide = FeedGuideDialog(self.info["business_name"], self.info["feed_url"], self)
        self.guide.open()

    def copy_link(self) -> None:
        """Put the WhatsApp message with the catalog address on the clipboard."""
        if self.info is None or not self.info["url"]:
            return
        text = share_message(self.info["business_name"], self.info["url"])
        QGuiApplication.clipboard().setText(text)
        show_message(
            self.message, self.tr("Copied. Paste it into a WhatsApp chat, group or status.")
        )
