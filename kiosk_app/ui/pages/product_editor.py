"""Add or edit a product: name, Rupiah price, stock, unit, category, weight, status, photos.

Photos are processed off the GUI thread as soon as they are chosen; the product, its
stock move and all photo changes are saved together in one store transaction (with what
the server refused of it, sent again). A new product of a merchant whose consent is
recorded is published unless the operator chooses draft, and the form says where it
will appear, or why it cannot. Leaving with unsaved changes asks first; Enter saves.
"""

from __future__ import annotations

from collections.abc import Callable
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
from kiosk_app.domain.records import PRODUCT_NAME_MAX
from kiosk_app.domain.validation import (
    CATEGORY_MAX,
    DESCRIPTION_MAX,
    MAX_STOCK,
    UNIT_MAX,
    WEIGHT_G_MAX,
    validate_fields,
)
from kiosk_app.media.blobs import BlobStore
from kiosk_app.store import delivery, photos, queries, refusals
from kiosk_app.store.store import Store
from kiosk_app.sync.device import load_device
from kiosk_app.ui import dialogs
from kiosk_app.ui.i18n import field_label, pick
from kiosk_app.ui.models.thumbnails import ThumbnailCache
from kiosk_app.ui.poster import merchant_page_url
from kiosk_app.ui.router import Router
from kiosk_app.ui.sync_status import SyncStatusSource
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import (
    DefaultButton,
    ElidedLabel,
    FieldErrors,
    LengthCap,
    big_button,
    button_row,
    hint_label,
    message_label,
    page_layout,
    show_message,
    title_label,
    touch_combo,
    with_count,
)
from kiosk_app.ui.widgets.delivery import Delivery, DeliveryPanel
from kiosk_app.ui.widgets.inputs import RupiahEdit
from kiosk_app.ui.widgets.photo_editor import PhotoEditor
from kiosk_app.ui.widgets.photo_strip import PhotoItem
from kiosk_app.ui.widgets.search_picker import MerchantPicker

DEFAULT_UNITS = ("pcs", "bungkus", "botol", "kg", "gram", "liter", "lembar", "buah", "paket")
DEFAULT_CATEGORIES = ("Makanan & Minuman", "Kerajinan", "Pakaian", "Pertanian", "Jasa")
CAPS = {"name": PRODUCT_NAME_MAX, "description": DESCRIPTION_MAX, "unit": UNIT_MAX,
        "category": CATEGORY_MAX}  # fmt: skip


def save_product(
    store: Store,
    product_id: str | None,
    fields: dict[str, Any],
    items: list[PhotoItem],
    removed: list[str],
    blobs: BlobStore,
) -> str:
    """Create or update the product and apply the photo list, in one transaction; what
    the server refused of it (and of its photos) is sent again."""
    with store.transaction():
        if product_id is None:
            product_id = store.create("product", fields)
        else:
            store.update("product", product_id, fields)
            refusals.resend(store, "product", product_id)
        for photo_id in removed:
            photos.remove_photo(store, photo_id)
        ids = [
            item.photo_id or photos.add_photo(store, product_id, item.processed, blobs)
            for item in items
        ]
        if ids:
            photos.reorder_photos(store, product_id, ids)
    return product_id


def catalog_place(store: Store, merchant_id: str) -> dict[str, Any]:
    """Whether a merchant's products can show in the public catalog, and where."""
    merchant = store.get("merchant", merchant_id) or {}
    base = store.settings.catalog_base()
    return {
        "name": merchant.get("business_name") or "",
        "consented": bool(merchant.get("consent_version")),
        "active": merchant.get("status", "active") == "active",
        "url": merchant_page_url(base, merchant_id) if base else None,
    }


def product_delivery(store: Store, product_id: str) -> Delivery:
    changes, waiting_photos = delivery.product_state(store, product_id)
    return Delivery(
        enrolled=load_device(store) is not None,
        pending_changes=changes,
        pending_photos=waiting_photos,
        refusals=refusals.refusals_of(store, "product", product_id),
    )


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
        sync_source: SyncStatusSource | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("productEditorPage")
        self._runner = runner
        self._router = router
        self._thumbnails = thumbnails
        self._blobs = blobs
        self._product_id: str | None = None
        self._merchant_id: str | None = None
        self._params: dict[str, Any] = {}
        self._saved_state: dict[str, Any] = {}
        self._after_save: Callable[[], None] | None = None
        self._status_chosen = False  # the operator picked the status themselves
        self._place: dict[str, Any] | None = None
        self._visit = 0  # counts enter(): answers to an earlier visit's questions are dropped

        layout = page_layout(self)
        self.title = title_label("")
        layout.addWidget(self.title)
        self.delivery = DeliveryPanel(runner, "product", product_delivery)
        self.delivery.delete_requested.connect(self._delete)
        layout.addWidget(self.delivery)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        self.errors = FieldErrors()
        left, right = QFormLayout(), QFormLayout()
        self.merchant_label = ElidedLabel()
        self.merchant_label.setObjectName("productMerchant")
        self.merchant_picker = MerchantPicker(runner)
        self.merchant_picker.chosen.connect(self._merchant_chosen)
        self.errors.add_row(
            right, field_label("product", "merchant_id"), self._merchant_box(), "merchant_id"
        )
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("edit_name")
        self.errors.add_row(
            left, field_label("product", "name"), self._capped(self.name_edit, "name"), "name"
        )
        self.price_edit = RupiahEdit()
        self.price_edit.setObjectName("edit_price")
        self.price_edit.letters_dropped.connect(self._price_letters)
        self.errors.add_row(left, field_label("product", "price"), self.price_edit, "price")
        self.stock_spin = QSpinBox()
        self.stock_spin.setObjectName("edit_stock")
        self.stock_spin.setRange(0, MAX_STOCK)
        self.errors.add_row(left, field_label("product", "stock"), self.stock_spin, "stock")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setObjectName("edit_description")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(72)
        described = self._capped(self.description_edit, "description")
        self.errors.add_row(left, field_label("product", "description"), described, "description")
        self.unit_combo = self._combo("edit_unit")
        unit = self._capped(self.unit_combo.lineEdit(), "unit", self.unit_combo)
        self.errors.add_row(right, field_label("product", "unit"), unit, "unit")
        self.category_combo = self._combo("edit_category")
        category = self._capped(self.category_combo.lineEdit(), "category", self.category_combo)
        self.errors.add_row(right, field_label("product", "category"), category, "category")
        self.weight_spin = QSpinBox()
        self.weight_spin.setObjectName("edit_weight_g")
        self.weight_spin.setRange(0, WEIGHT_G_MAX)
        self.weight_spin.setSuffix(" g")
        self.weight_spin.setSpecialValueText("—")
        self.errors.add_row(right, field_label("product", "weight_g"), self.weight_spin, "weight_g")
        self.status_combo = touch_combo(QComboBox())
        self.status_combo.setObjectName("edit_status")
        self.status_combo.addItem(self.tr("Draft (not shown yet)"), "draft")
        self.status_combo.addItem(self.tr("Published in the catalog"), "published")
        self.status_combo.activated.connect(self._status_picked)
        self.errors.add_row(right, field_label("product", "status"), self.status_combo, "status")
        self.catalog_hint = hint_label()
        self.catalog_hint.setObjectName("catalogHint")
        right.addRow(self.catalog_hint)
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
        self.back_button = back
        self.save_button = big_button(self.tr("Save"), kind="primary", name="saveProduct")
        self.save_button.clicked.connect(self.save)
        buttons = button_row(self.delete_button, back, self.save_button, stretch_first=False)
        buttons.insertStretch(1, 1)
        layout.addLayout(buttons)
        DefaultButton(self, self.save_button)
        for field, signal in (
            ("name", self.name_edit.textChanged),
            # valueChanged: after the field reformats (its own textChanged comes last)
            ("price", self.price_edit.valueChanged),
            ("description", self.description_edit.textChanged),
            ("unit", self.unit_combo.editTextChanged),
            ("category", self.category_combo.editTextChanged),
        ):
            self.errors.clear_when_valid(field, signal, lambda f=field: self._check(f))
        self.errors.clear_when_valid(
            "merchant_id", self.merchant_picker.chosen, lambda: self._check("merchant_id")
        )
        if sync_source is not None:
            sync_source.changed.connect(lambda _status: self.delivery.refresh())

    def _capped(
        self, edit: QLineEdit | QPlainTextEdit, field: str, shown: QWidget | None = None
    ) -> QWidget:
        cap = LengthCap(edit, CAPS[field], field)
        cap.cut.connect(lambda dropped: self._cut(field, dropped))
        return with_count(shown or edit, cap)

    def _cut(self, field: str, dropped: int) -> None:
        show_message(
            self.errors.label(field),
            self.tr("Only the first {cap} characters fit here: {n} were cut off.").format(
                cap=CAPS[field], n=dropped
            ),
            error=True,
        )

    def _price_letters(self, letters: str) -> None:
        show_message(
            self.errors.label("price"),
            self.tr(
                "The price takes digits only, in rupiah (for example 15000); "
                "“{letters}” was left out."
            ).format(letters=letters),
            error=True,
        )

    def _check(self, field: str) -> None:
        """Raise ValidationError while ``field`` is not valid yet."""
        values = self.values()
        if field == "merchant_id":
            if not (self._merchant_id or self.merchant_picker.code()):
                raise ValidationError([])
            return
        if field in CAPS and len(str(values.get(field) or "")) >= CAPS[field]:
            raise ValidationError([])  # the cut message stays until the text is shorter
        validate_fields("product", {field: values[field]}, partial=True)

    def _merchant_box(self) -> QWidget:
        box = QWidget()
        column = QGridLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.merchant_label, 0, 0)
        column.addWidget(self.merchant_picker, 1, 0)
        return box

    def _combo(self, name: str) -> QComboBox:
        combo = touch_combo(QComboBox())
        combo.setObjectName(name)
        combo.setEditable(True)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        return combo

    # -- showing -----------------------------------------------------------------------

    def _now(self, callback: Callable[[Any], None]) -> Callable[[Any], None]:
        """``callback`` for an answer asked for in this visit: a late one (the page was
        entered again meanwhile) would overwrite what the operator sees now."""
        visit = self._visit
        return lambda result: callback(result) if visit == self._visit else None

    def enter(self, params: dict[str, Any]) -> None:
        self._visit += 1
        self._params = {k: v for k, v in params.items() if k != "message"}
        self._after_save = None
        self._status_chosen = False
        self._place = None
        self._product_id = params.get("product_id")
        self._merchant_id = params.get("merchant_id")
        self.delivery.follow(None)
        self.catalog_hint.setText("")
        self.errors.clear()
        self.photos.clear_message()
        show_message(self.message, params.get("message", ""))
        self.name_edit.clear()
        self.price_edit.setValue(None)
        self.stock_spin.setValue(0)
        self.description_edit.clear()
        self.weight_spin.setValue(0)
        self.unit_combo.setEditText("")
        self.category_combo.setEditText("")
        self.status_combo.setCurrentIndex(0)
        self.photos.strip.set_items([])
        self.merchant_picker.set_choice(None)
        self.delete_button.setVisible(self._product_id is not None)
        self.title.setText(self.tr("Edit product") if self._product_id else self.tr("New product"))
        self._runner.run_task(
            lambda store: (
                queries.distinct_values(store, "unit"),
                queries.distinct_values(store, "category"),
                store.settings.photo_quality(),
            ),
            self._now(lambda lists: self._fill_suggestions(*lists)),
            context=self,
        )
        if self._product_id is not None:
            product_id = self._product_id
            self._runner.run_task(
                lambda store: load_product(store, product_id),
                self._now(self._show_product),
                context=self,
            )
        else:
            self._show_merchant(self._merchant_id)
            if self._merchant_id is not None:
                self._load_place(self._merchant_id)
        self.name_edit.setFocus()
        self._mark_saved()

    # -- unsaved changes (asked by the main window) --------------------------------------

    def _state(self) -> dict[str, Any]:
        state = self.values()
        if self._product_id is None and not self._status_chosen:
            state.pop("status")  # the default, not a change the operator made
        state["photos"] = [(i.photo_id, i.thumb_sha) for i in self.photos.strip.items]
        state["removed"] = list(self.photos.strip.removed)
        state["picker"] = self.merchant_picker.edit.text() if self._product_id is None else ""
        return state

    def _mark_saved(self) -> None:
        self._saved_state = self._state()

    def has_unsaved_changes(self) -> bool:
        return self.photos.processing > 0 or self._state() != self._saved_state

    def save_then(self, step: Callable[[], None]) -> None:
        """Save; run ``step`` (the navigation asked for) once saved, not if it fails."""
        self._after_save = step
        self.save()

    def discard_changes(self) -> None:
        self.enter(dict(self._params))

    # -- where it will appear --------------------------------------------------------------

    def _merchant_chosen(self, merchant_id: str) -> None:
        if self._product_id is None:
            self._load_place(merchant_id)

    def _load_place(self, merchant_id: str) -> None:
        self._runner.run_task(
            lambda store: catalog_place(store, merchant_id),
            self._now(self._show_place),
            context=self,
        )

    def _show_place(self, place: dict[str, Any]) -> None:
        self._place = place
        if self._product_id is None and not self._status_chosen:
            published = place["consented"] and place["active"]
            self.status_combo.setCurrentIndex(
                self.status_combo.findData("published" if published else "draft")
            )
        self._show_catalog_hint()

    def _status_picked(self, _index: int) -> None:
        self._status_chosen = True
        self._show_catalog_hint()

    def _show_catalog_hint(self) -> None:
        place = self._place
        if place is None:
            self.catalog_hint.setText("")
            return
        if not place["consented"]:
            text = self.tr(
                "Not shown in the catalog: {merchant} has no consent recorded yet. Record it "
                "on the merchant's page first."
            ).format(merchant=place["name"])
        elif not place["active"]:
            text = self.tr("Not shown in the catalog: {merchant} is marked inactive.").format(
                merchant=place["name"]
            )
        elif self.status_combo.currentData() == "draft":
            text = self.tr("Draft: not shown in the catalog until you choose “Published”.")
        elif place["url"]:
            text = self.tr(
                "Shown in the public catalog once saved and synced, on {merchant}'s page: {url}"
            ).format(merchant=place["name"], url=place["url"])
        else:
            text = self.tr(
                "Shown in the public catalog once saved, after this kiosk is enrolled and "
                "has synced."
            )
        self.catalog_hint.setText(text)

    def _fill_suggestions(
        self, units: list[str], categories: list[str], photo_quality: int | None = None
    ) -> None:
        self.photos.quality = photo_quality  # the region's setting, pushed through sync
        for combo, used, defaults in (
            (self.unit_combo, units, DEFAULT_UNITS),
            (self.category_combo, categories, DEFAULT_CATEGORIES),
        ):
            text = combo.currentText()  # the product's, or what the operator typed already
            combo.clear()
            combo.addItems(list(dict.fromkeys([*used, *defaults])))
            combo.setEditText(text)

    def _show_merchant(self, merchant_id: str | None, name: str = "") -> None:
        self.merchant_picker.setVisible(merchant_id is None)
        self.merchant_label.setVisible(merchant_id is not None)
        if merchant_id is not None and not name:
            self._runner.run_task(
                lambda store: (store.get("merchant", merchant_id) or {}).get("business_name", ""),
                self._now(self.merchant_label.setText),
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
        self._mark_saved()
        self._load_place(product["merchant_id"])
        self.delivery.follow(product["id"])

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
        step, self._after_save = self._after_save, None
        if step is not None:
            self._product_id = product_id
            self._mark_saved()
            step()
            return
        self.enter({"product_id": product_id, "message": self.tr("Product saved.")})

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self._after_save = None  # stay: the operator fixes the fields first
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
            lambda store: refusals.delete_record(store, "product", product_id),
            lambda _none: self._deleted(),
            context=self,
        )

    def _deleted(self) -> None:
        self._mark_saved()  # nothing left to save
        self._router.go("products")
