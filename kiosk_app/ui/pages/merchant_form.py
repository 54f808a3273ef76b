"""Register a merchant (consent first, then the form) or edit one and see their products.

The merchant's own screen says where it stands with the server (on it, waiting, or
refused with the server's reason); saving a refused merchant sends it again, with its
products. Leaving with unsaved changes asks first (see ``main_window``); Enter saves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import phonenumbers
from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.formatting import format_date_id
from kiosk_app.domain.records import held_on_server
from kiosk_app.domain.validation import ADDRESS_MAX, NAME_MAX, validate_fields
from kiosk_app.store import delivery, queries, refusals
from kiosk_app.store.settings import Key
from kiosk_app.store.store import Store
from kiosk_app.sync.device import load_device
from kiosk_app.ui import dialogs
from kiosk_app.ui.consent import CURRENT_VERSION, consent_record
from kiosk_app.ui.i18n import current_language, field_label
from kiosk_app.ui.models.products import ID_ROLE, ProductListModel
from kiosk_app.ui.models.thumbnails import ThumbnailCache
from kiosk_app.ui.pages.consent_step import ConsentStep
from kiosk_app.ui.router import Router
from kiosk_app.ui.session import Session
from kiosk_app.ui.sync_status import SyncStatusSource
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import (
    DefaultButton,
    FieldErrors,
    LengthCap,
    big_button,
    button_row,
    message_label,
    page_layout,
    plain_label,
    show_message,
    title_label,
    touch_combo,
    with_count,
)
from kiosk_app.ui.widgets.delivery import Delivery, DeliveryPanel
from kiosk_app.ui.widgets.product_card import product_grid
from kiosk_app.ui.widgets.search_picker import VillagePicker

OPTIONAL_FIELDS = ("nib", "npwp", "pirt", "halal_cert", "email")
CAPS = {"business_name": NAME_MAX, "owner_name": NAME_MAX, "address": ADDRESS_MAX}


def save_merchant(store: Store, merchant_id: str | None, fields: dict[str, Any]) -> str:
    """Create or update, and send again what the server refused of it, in one transaction."""
    with store.transaction():
        if merchant_id is None:
            return store.create("merchant", fields)
        store.update("merchant", merchant_id, fields)
        refusals.resend(store, "merchant", merchant_id)
    return merchant_id


def _controller(store: Store) -> tuple[str | None, str | None]:
    """The deployment's data controller and contact the server told this kiosk, if any."""
    return store.settings.get(Key.CONTROLLER), store.settings.get(Key.CONTROLLER_CONTACT)


def merchant_delivery(store: Store, merchant_id: str) -> Delivery:
    state = delivery.merchant_state(store, merchant_id)
    return Delivery(
        enrolled=load_device(store) is not None,
        pending_changes=state.pending_changes if state else 0,
        pending_photos=state.pending_photos if state else 0,
        refusals=refusals.open_refusals(store, merchant_id),
    )


def national_phone(e164: str | None) -> str:
    """``0812-3456-7890`` for a stored ``+6281234567890`` (how operators write it)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "ID")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


class MerchantFormPage(QWidget):
    """``enter({})`` registers a new merchant; ``enter({"merchant_id": ...})`` edits one."""

    def __init__(
        self,
        runner: TaskRunner,
        session: Session,
        router: Router,
        thumbnails: ThumbnailCache,
        sync_source: SyncStatusSource | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("merchantFormPage")
        self._runner = runner
        self._session = session
        self._router = router
        self._merchant_id: str | None = None
        self._consent: dict[str, str] | None = None  # recorded in this visit, not yet saved
        self._recorded_version: str | None = None  # the version the shown merchant agreed to
        self._params: dict[str, Any] = {}
        self._saved_state: dict[str, Any] = {}
        self._after_save: Callable[[], None] | None = None
        self._visit = 0  # counts enter(): answers to an earlier visit's questions are dropped
        layout = page_layout(self)
        self.steps = QStackedWidget()
        layout.addWidget(self.steps)
        self.consent = ConsentStep()
        self.consent.agreed.connect(self._agreed)
        self.consent.declined.connect(self._declined)
        self.steps.addWidget(self.consent)
        self.steps.addWidget(self._build_form(thumbnails))
        DefaultButton(self.steps.widget(1), self.save_button)
        if sync_source is not None:
            sync_source.changed.connect(lambda _status: self.delivery.refresh())

    # -- layout ----------------------------------------------------------------------

    def _build_form(self, thumbnails: ThumbnailCache) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        row.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        self.title = title_label("")
        left.addWidget(self.title)
        self.delivery = DeliveryPanel(self._runner, "merchant", merchant_delivery)
        self.delivery.delete_requested.connect(self._delete)
        left.addWidget(self.delivery)
        self.consent_label = plain_label()
        self.consent_label.setObjectName("consentSummary")
        self.consent_label.setWordWrap(True)
        left.addWidget(self.consent_label)
        self.record_consent = big_button(self.tr("Record consent"), name="recordConsent")
        self.record_consent.clicked.connect(self._show_consent)
        left.addWidget(self.record_consent)

        form_box = QWidget()
        form = QFormLayout(form_box)
        self.errors = FieldErrors()
        self.edits: dict[str, QLineEdit] = {}
        labels = {f: field_label("merchant", f) for f in ("business_name", "owner_name")}
        labels |= {f: field_label("merchant", f) for f in ("address", *OPTIONAL_FIELDS)}
        labels["phone"] = self.tr("{label} (WhatsApp)").format(
            label=field_label("merchant", "phone")
        )
        labels["nib"] = self.tr("{label} (13 digits)").format(label=field_label("merchant", "nib"))
        for field in ("business_name", "owner_name", "phone"):
            self.edits[field] = self._line_edit(field)
            self.errors.add_row(form, labels[field], self._field(field), field)
        self.village = VillagePicker(self._runner)
        self.errors.add_row(
            form, field_label("merchant", "village_code"), self.village, "village_code"
        )
        self.errors.clear_when_valid(
            "village_code", self.village.chosen, lambda: self._check_village()
        )
        self.edits["address"] = self._line_edit("address")
        self.errors.add_row(form, labels["address"], self._field("address"), "address")
        self.status = touch_combo(QComboBox())
        self.status.setObjectName("merchantStatus")
        self.status.addItem(self.tr("Active"), "active")
        self.status.addItem(self.tr("Inactive"), "inactive")
        self.errors.add_row(form, field_label("merchant", "status"), self.status, "status")
        extra = QGroupBox(self.tr("Permits and email (fill in only if the owner has them)"))
        extra_form = QFormLayout(extra)
        for field in OPTIONAL_FIELDS:
            self.edits[field] = self._line_edit(field)
            self.errors.add_row(extra_form, labels[field], self._field(field), field)
        form.addRow(extra)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_box)
        left.addWidget(scroll, 1)
        self.message = message_label("merchantMessage")
        left.addWidget(self.message)
        self.delete_button = big_button(
            self.tr("Delete merchant"), kind="danger", name="deleteMerchant"
        )
        self.delete_button.clicked.connect(self._delete)
        cancel = big_button(self.tr("Back"), name="merchantBack")
        cancel.clicked.connect(lambda: self._router.go("merchants"))
        self.back_button = cancel
        self.save_button = big_button(self.tr("Save"), kind="primary", name="saveMerchant")
        self.save_button.clicked.connect(self.save)
        self.share_button = big_button(self.tr("Share"), name="shareMerchant")
        self.share_button.clicked.connect(self._share)
        buttons = button_row(
            self.delete_button, cancel, self.share_button, self.save_button, stretch_first=False
        )
        buttons.insertStretch(1, 1)
        left.addLayout(buttons)
        row.addLayout(left, 3)

        self.products_panel = QWidget()
        right = QVBoxLayout(self.products_panel)
        right.setContentsMargins(12, 0, 0, 0)
        self.products_title = QLabel(self.tr("Products of this merchant"))
        self.products_title.setProperty("role", "subtitle")
        right.addWidget(self.products_title)
        self.products = ProductListModel(self._runner, thumbnails, self)
        self.product_list = product_grid(self.products, self.tr("Draft"), self.tr("No photo"))
        self.product_list.setObjectName("merchantProducts")
        self.product_list.clicked.connect(self._open_product)
        self.product_list.activated.connect(self._open_product)
        right.addWidget(self.product_list, 1)
        add = big_button(self.tr("Add a product"), kind="primary", name="addProductForMerchant")
        add.clicked.connect(
            lambda: self._router.go("product_editor", merchant_id=self._merchant_id)
        )
        right.addWidget(add)
        row.addWidget(self.products_panel, 2)
        return page

    def _line_edit(self, field: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(f"edit_{field}")
        self.errors.clear_when_valid(field, edit.textChanged, lambda: self._check(field))
        return edit

    def _field(self, field: str) -> QWidget:
        """The field's editor, with its count when its length is capped."""
        edit = self.edits[field]
        if field not in CAPS:
            return edit
        cap = LengthCap(edit, CAPS[field], field)
        cap.cut.connect(lambda dropped, f=field: self._cut(f, dropped))
        return with_count(edit, cap)

    def _cut(self, field: str, dropped: int) -> None:
        show_message(
            self.errors.label(field),
            self.tr("Only the first {cap} characters fit here: {n} were cut off.").format(
                cap=CAPS[field], n=dropped
            ),
            error=True,
        )

    def _check(self, field: str) -> None:
        """Raise ValidationError while ``field`` is not valid yet."""
        text = self.edits[field].text()
        if field in CAPS and len(text) >= CAPS[field]:
            raise ValidationError([])  # the cut message stays until the text is shorter
        validate_fields("merchant", {field: text}, partial=True)

    def _check_village(self) -> None:
        if self.village.code() is None:
            raise ValidationError([])

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
        self._merchant_id = params.get("merchant_id")
        self._consent = None
        self.delivery.follow(None)
        self.errors.clear()
        show_message(self.message, params.get("message", ""))
        for edit in self.edits.values():
            edit.clear()
            edit.setPlaceholderText("")
        self.village.set_choice(None)
        self.status.setCurrentIndex(0)
        editing = self._merchant_id is not None
        self.delete_button.setVisible(editing)
        self.share_button.setVisible(editing)
        self.products_panel.setVisible(editing)
        self.errors.set_row_visible("status", editing)
        self._runner.run_task(_controller, self._now(self._got_controller), context=self)
        if self._merchant_id is not None:
            self.title.setText(self.tr("Merchant"))
            self.steps.setCurrentIndex(1)
            merchant_id: str = self._merchant_id
            self._runner.run_task(
                lambda store: queries.merchant_detail(store, merchant_id),
                self._now(self._show_merchant),
                context=self,
            )
            self.products.reload(merchant_id=merchant_id, text="")
        else:
            self.title.setText(self.tr("Step 2 of 2: the merchant's data"))
            self._show_consent()
        self._mark_saved()

    # -- unsaved changes (asked by the main window) --------------------------------------

    def _state(self) -> dict[str, Any]:
        state: dict[str, Any] = {f: e.text() for f, e in self.edits.items()}
        state.update(
            village=(self.village.code(), self.village.edit.text()),
            status=self.status.currentData(),
        )
        return state

    def _mark_saved(self) -> None:
        self._saved_state = self._state()

    def has_unsaved_changes(self) -> bool:
        if self.steps.currentIndex() != 1:
            return False  # the consent step: nothing typed yet
        return self._state() != self._saved_state

    def save_then(self, step: Callable[[], None]) -> None:
        """Save; run ``step`` (the navigation asked for) once saved, not if it fails."""
        self._after_save = step
        self.save()

    def discard_changes(self) -> None:
        self.enter(dict(self._params))

    def _continue(self) -> bool:
        """After a save: go where the operator asked to go, if they asked."""
        step, self._after_save = self._after_save, None
        if step is None:
            return False
        self._mark_saved()
        step()
        return True

    def _show_merchant(self, row: dict[str, Any] | None) -> None:
        if row is None:
            self._router.go("merchants")
            return
        for field, edit in self.edits.items():
            edit.setText(row.get(field) or "")
        self.edits["phone"].setText(national_phone(row.get("phone")))
        # Permits and email another kiosk wrote are on the server only (docs/privacy.md):
        # say so rather than show an empty field; typing a value replaces it.
        for field in held_on_server("merchant", row.get("clocks") or "{}"):
            self.edits[field].setPlaceholderText(self.tr("Kept on the server"))
        self.title.setText(row["business_name"])
        label = self.village.describe({"name": row["village"] or row["village_code"], **row})
        self.village.set_choice(row["village_code"], label)
        self.status.setCurrentIndex(max(0, self.status.findData(row["status"])))
        self._recorded_version = row.get("consent_version")
        self._show_consent_summary(row)
        self._mark_saved()
        self.delivery.follow(row["id"])

    def _got_controller(self, controller: tuple[str | None, str | None]) -> None:
        self.consent.set_controller(*controller)

    def _show_consent_summary(self, row: dict[str, Any]) -> None:
        has = bool(row.get("consent_version"))
        current = row.get("consent_version") == CURRENT_VERSION
        self.record_consent.setVisible(not current)
        self.record_consent.setText(
            self.tr("Read the new consent") if has else self.tr("Record consent")
        )
        if not has:
            self.consent_label.setText(self.tr("No consent recorded for this merchant yet."))
            return
        try:
            when = datetime.fromisoformat(row["consent_at"])
            day = format_date_id(when) if current_language() == "id" else when.date().isoformat()
        except (TypeError, ValueError):
            day = row.get("consent_at") or ""
        summary = self.tr("Consent recorded: {version}, {date}, by {operator}").format(
            version=row["consent_version"], date=day, operator=row.get("consent_operator")
        )
        if not current:
            summary += "\n" + self.tr(
                "A new consent text ({version}) is in use: read it to the owner at this visit."
            ).format(version=CURRENT_VERSION)
        self.consent_label.setText(summary)

    def _show_consent(self) -> None:
        earlier = self._recorded_version if self._merchant_id is not None else None
        self.consent.reset(earlier)
        self.steps.setCurrentIndex(0)

    def _agreed(self, _version: str) -> None:
        name = self._session.operator.name if self._session.operator else ""
        self._consent = consent_record(name)
        self._show_consent_summary(self._consent)
        self.steps.setCurrentIndex(1)
        self.edits["business_name"].setFocus()

    def _declined(self) -> None:
        if self._merchant_id is None:
            self._router.go("merchants")
        else:
            self.steps.setCurrentIndex(1)

    # -- saving ------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The form as merchant fields (blank optional fields clear them)."""
        fields: dict[str, Any] = {f: e.text() for f, e in self.edits.items()}
        fields["village_code"] = self.village.code() or (self.village.edit.text().strip() or None)
        if self._merchant_id is not None:
            fields["status"] = self.status.currentData()
        if self._consent:
            fields.update(self._consent)
        return fields

    def save(self) -> None:
        self.errors.clear()
        show_message(self.message, "")
        fields = self.values()
        fields["village_code"] = self.village.code()  # only a village picked from the list
        merchant_id = self._merchant_id
        self.save_button.setEnabled(False)
        self._runner.run_task(
            lambda store: save_merchant(store, merchant_id, fields),
            self._created if merchant_id is None else self._saved,
            self._failed,
            context=self,
        )

    def _created(self, merchant_id: str) -> None:
        self.save_button.setEnabled(True)
        self._merchant_id = merchant_id
        if self._continue():
            return
        self._mark_saved()
        self._router.go(
            "merchant_form", merchant_id=merchant_id, message=self.tr("Merchant registered.")
        )

    def _saved(self, merchant_id: str) -> None:
        self.save_button.setEnabled(True)
        self._consent = None
        if self._continue():
            return
        show_message(self.message, self.tr("Saved."))
        self._runner.run_task(
            lambda store: queries.merchant_detail(store, merchant_id),
            self._now(self._show_merchant),
            context=self,
        )

    def _failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        self._after_save = None  # stay: the operator fixes the fields first
        if not isinstance(error, ValidationError):
            raise error
        loose = self.errors.show(error)
        if self.village.code() is None and "village_code" in self.errors.fields_with_errors():
            show_message(
                self.errors.label("village_code"),
                self.tr("Type the village name, then choose it from the list."),
                error=True,
            )
        show_message(
            self.message,
            "\n".join([self.tr("Please fix the fields marked in red."), *loose]),
            error=True,
        )

    def _delete(self) -> None:
        merchant_id = self._merchant_id
        if merchant_id is None:
            return
        question = self.tr(
            "Delete this merchant and all their products and photos? Do this when the owner "
            "asks for their data to be deleted. It cannot be undone."
        )
        if not dialogs.confirm(
            self, self.tr("Delete merchant"), question, self.tr("Delete"), danger=True
        ):
            return
        self._runner.run_task(
            lambda store: refusals.delete_record(store, "merchant", merchant_id),
            lambda _none: self._deleted(),
            context=self,
        )

    def _deleted(self) -> None:
        self._mark_saved()  # nothing left to save
        self._router.go("merchants")

    def _share(self) -> None:
        if self._merchant_id is not None:
            from kiosk_app.ui.share import ShareDialog

            ShareDialog(self._runner, self._merchant_id, self).open()

    def _open_product(self, index: QModelIndex) -> None:
        self._router.go("product_editor", product_id=index.data(ID_ROLE))
