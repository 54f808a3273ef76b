"""Add or edit a product: name, Rupiah price, stock, unit, category, weight, status, photos.

Photos are processed off the GUI thread as soon as they are chosen; the product, its
stock move and all photo changes are saved together in one store transaction.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QWidget,
)

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.validation import MAX_STOCK, WEIGHT_G_MAX
from kiosk_app.media.blobs import BlobStore
from kiosk_app.store import photos, queries
from kiosk_app.store.store import Store
from kiosk_app.ui import dialogs
from kiosk_app.ui.i18n import pick
from kiosk_app.ui.models.thumbnails import ThumbnailCache
from kiosk_app.ui.router import Router
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import (
    FieldErrors,
    big_button,
    button_row,
    message_label,
    page_layout,
    plain_label,
    show_message,
    title_label,
)
from kiosk_app.ui.widgets.inputs import RupiahEdit
from kiosk_app.ui.widgets.photo_editor import PhotoEditor
from kiosk_app.ui.widgets.photo_strip import PhotoItem
from kiosk_app.ui.widgets.search_picker import MerchantPicker

DEFAULT_UNITS = ("pcs", "bungkus", "botol", "kg", "gram", "liter", "lembar", "buah", "paket")
DEFAULT_CATEGORIES = ("Makanan & Minuman", "Kerajinan", "Pakaian", "Pertanian", "Jasa")


def save_product(
    store: Store,
    product_id: str | None,
    fields: dict[str, Any],
    items: list[PhotoItem],
    removed: list[str],
    blobs: BlobStore,
) -> str:
    """Create or update the product and apply the photo list, in one transaction."""
    with store.db.atomic():
        if product_id is None:
            product_id = store.create("product", fields)
        else:
            store.update("product", product_id, fields)
        for photo_id in removed:
            photos.remove_photo(store, photo_id)
        ids = [
            item.photo_id or photos.add_photo(store, product_id, item.processed, blobs)
            for item in items
        ]
        if ids:
            photos.reorder_photos(store, product_id, ids)
    return product_id


def load_product(store: Store, product_id: str) -> dict[str, Any] | None:
    product = store.get("product", product_id)
    if product is None or product["deleted"]:
        return None
    merchant = store.get("merchant", product["merchant_id"])
    return {
        **product,
        "merchant": merchant["business_name"] if merchant else "",
        "photos": store.photos_of(product_id),
    }


class ProductEditorPage(QWidget):
    """``enter({"product_id"})`` edits; ``enter({"merchant_id"})`` or ``{}`` adds one."""

    def __init__(
        self,
        runner: TaskRunner,
        router: Router,
        thumbnails: ThumbnailCache,
        blobs: BlobStore,
    ) -> None:
        super().__init__()
        self.setObjectName("productEditorPage")
        self._runner = runner
        self._router = router
        self._thumbnails = thumbnails
        self._blobs = blobs
        self._product_id: str | None = None
        self._merchant_id: str | None = None

        layout = page_layout(self)
        self.title = title_label("")
        layout.addWidget(self.title)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        self.errors = FieldErrors()
        left, right = QFormLayout(), QFormLayout()
        self.merchant_label = plain_label()
        self.merchant_label.setObjectName("productMerchant")
        self.merchant_picker = MerchantPicker(runner)
        self.errors.add_row(right, self.tr("Merchant"), self._merchant_box(), "merchant_id")
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("edit_name")
        self.name_edit.setMaxLength(80)
        self.errors.add_row(left, self.tr("Product name"), self.name_edit, "name")
        self.price_edit = RupiahEdit()
        self.price_edit.setObjectName("edit_price")
        self.errors.add_row(left, self.tr("Price"), self.price_edit, "price")
        self.stock_spin = QSpinBox()
        self.stock_spin.setObjectName("edit_stock")
        self.stock_spin.setRange(0, MAX_STOCK)
        self.errors.add_row(left, self.tr("Stock"), self.stock_spin, "stock")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setObjectName("edit_description")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(72)
        self.errors.add_row(left, self.tr("Description"), self.description_edit, "description")
        self.unit_combo = self._combo("edit_unit")
        self.errors.add_row(right, self.tr("Unit"), self.unit_combo, "unit")
        self.category_combo = self._combo("edit_category")
        self.errors.add_row(right, self.tr("Category"), self.category_combo, "category")
        self.weight_spin = QSpinBox()
        self.weight_spin.setObjectName("edit_weight_g")
        self.weight_spin.setRange(0, WEIGHT_G_MAX)
        self.weight_spin.setSuffix(" g")
        self.weight_spin.setSpecialValueText("—")
        self.errors.add_row(right, self.tr("Weight"), self.weight_spin, "weight_g")
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("edit_status")
        self.status_combo.addItem(self.tr("Draft (not shown yet)"), "draft")
        self.status_combo.addItem(self.tr("Published in the catalog"), "published")
        self.errors.add_row(right, self.tr("Status"), self.status_combo, "status")
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        self.photos = PhotoEditor(runner, thumbnails)
        self.photos.busy_changed.connect(self._photos_busy)
        grid.addWidget(self.photos, 1, 0, 1, 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        self.message = message_label("productMessage")
        layout.addWidget(self.message)
        self.delete_button = big_button(
            self.tr("Delete product"), kind="danger", name="deleteProduct"
        )
        self.delete_button.clicked.connect(self._delete)
        back = big_button(self.tr("Back"), name="productBack")
        back.clicked.connect(lambda: self._router.back("products"))
        self.save_button = big_button(self.tr("Save"), kind="primary", name="saveProduct")
        self.save_button.clicked.connect(self.save)
        buttons = button_row(self.delete_button, back, self.save_button, stretch_first=False)
        buttons.insertStretch(1, 1)
        layout.addLayout(buttons)

    def _merchant_box(self) -> QWidget:
        box = QWidget()
        column = QGridLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.merchant_label, 0, 0)
        column.addWidget(self.merchant_picker, 1, 0)
        return box

    def _combo(self, name: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        return combo

    # -- showing -----------------------------------------------------------------------

    def enter(self, params: dict[str, Any]) -> None:
        self._product_id = params.get("product_id")
        self._merchant_id = params.get("merchant_id")
        self.errors.clear()
        self.photos.clear_message()
        show_message(self.message, params.get("message", ""))
        self.name_edit.clear()
        self.price_edit.setValue(None)
        self.stock_spin.setValue(0)
        self.description_edit.clear()
        self.weight_spin.setValue(0)
        self.status_combo.setCurrentIndex(0)
        self.photos.strip.set_items([])
        self.merchant_picker.set_choice(None)
        self.delete_button.setVisible(self._product_id is not None)
        self.title.setText(self.tr("Edit product") if self._product_id else self.tr("New product"))
        self._runner.run_task(
            lambda store: (
                queries.distinct_values(store, "unit"),
                queries.distinct_values(store, "category"),
            ),
            lambda lists: self._fill_suggestions(*lists),
            context=self,
        )
        if self._product_id is not None:
            product_id = self._product_id
            self._runner.run_task(
                lambda store: load_product(store, product_id), self._show_product, context=self
            )
        else:
            self._show_merchant(self._merchant_id)
        self.name_edit.setFocus()

    def _fill_suggestions(self, units: list[str], categories: list[str]) -> None:
        for combo, used, defaults in (
            (self.unit_combo, units, DEFAULT_UNITS),
            (self.category_combo, categories, DEFAULT_CATEGORIES),
        ):
            text = combo.currentText() if self._product_id else ""
            combo.clear()
            combo.addItems(list(dict.fromkeys([*used, *defaults])))
            combo.setEditText(text)

    def _show_merchant(self, merchant_id: str | None, name: str = "") -> None:
        self.merchant_picker.setVisible(merchant_id is None)
        self.merchant_label.setVisible(merchant_id is not None)
        if merchant_id is not None and not name:
            self._runner.run_task(
                lambda store: (store.get("merchant", merchant_id) or {}).get("business_name", ""),
                self.merchant_label.setText,
                context=self,
            )
        self.merchant_label.setText(name)

    def _show_product(self, product: dict[str, Any] | None) -> None:
        if product is None:
            self._router.go("products")
            return
        self._merchant_id = product["merchant_id"]
        self._show_merchant(product["merchant_id"], product["merchant"])
        self.title.setText(product["name"])
        self.name_edit.setText(product["name"] or "")
        self.price_edit.setValue(product["price"])
        self.stock_spin.setValue(int(product["stock"]))
        self.description_edit.setPlainText(product["description"] or "")
        self.unit_combo.setEditText(product["unit"] or "")
        self.category_combo.setEditText(product["category"] or "")
        self.weight_spin.setValue(int(product["weight_g"] or 0))
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(product["status"])))
        self.photos.strip.set_items(
            [
                PhotoItem(p["thumb_sha256"] or p["sha256"], photo_id=p["id"])
                for p in product["photos"]
            ]
        )

    def _photos_busy(self, busy: int) -> None:
        self.save_button.setEnabled(not busy)
        if busy:
            show_message(self.message, self.tr("Processing photos…"))
        elif self.message.text() == self.tr("Processing photos…"):
            show_message(self.message, "")

    # -- saving ------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        price = self.price_edit.value()
        fields: dict[str, Any] = {
            "name": self.name_edit.text(),
            "description": self.description_edit.toPlainText(),
            "price": "" if price is None else price,
            "stock": self.stock_spin.value(),
            "unit": self.unit_combo.currentText(),
            "category": self.category_combo.currentText(),
            "weight_g": self.weight_spin.value() or None,
            "status": self.status_combo.currentData(),
        }
        if self._product_id is None:
            fields["merchant_id"] = self._merchant_id or self.merchant_picker.code() or ""
        return fields

    def save(self) -> None:
        self.errors.clear()
        show_message(self.message, "")
        fields = self.values()
        product_id, items, removed = (
            self._product_id,
            list(self.photos.strip.items),
            list(self.photos.strip.removed),
        )
        self.save_button.setEnabled(False)
        self._runner.run_task(
            lambda store: save_product(store, product_id, fields, items, removed, self._blobs),
            self._saved,
            self._failed,
            context=self,
        )

    def _saved(self, product_id: str) -> None:
        self.save_button.setEnabled(True)
        self.enter({"product_id": product_id, "message": self.tr("Product saved.")})

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if not isinstance(error, ValidationError):
            raise error
        loose = self.errors.show(error)
        photo_problems = [
            pick(e.message_id, e.message_en) for e in error.errors if e.field == "photos"
        ]
        if photo_problems:
            self.photos.show_error("\n".join(photo_problems))
        loose = [m for m in loose if m not in photo_problems]
        show_message(
            self.message,
            "\n".join([self.tr("Please fix the fields marked in red."), *loose]),
            error=True,
        )

    def _delete(self) -> None:
        product_id = self._product_id
        if product_id is None:
            return
        question = self.tr("Delete this product and its photos? It cannot be undone.")
        if not dialogs.confirm(
            self, self.tr("Delete product"), question, self.tr("Delete"), danger=True
        ):
            return
        self._runner.run_task(
            lambda store: store.delete("product", product_id),
            lambda _none: self._router.go("products"),
            context=self,
        )
