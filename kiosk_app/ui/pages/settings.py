"""Settings for the technician: server enrollment, folders, language, lock time, accounts.

Backup/restore joins this page when its screen exists.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.domain.errors import ValidationError
from kiosk_app.paths import KioskPaths
from kiosk_app.store import operators
from kiosk_app.store.operators import Operator
from kiosk_app.store.settings import Key
from kiosk_app.sync.device import Device, load_device
from kiosk_app.ui.enrollment import Enroller
from kiosk_app.ui.i18n import current_language
from kiosk_app.ui.session import Session
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import (
    FieldErrors,
    big_button,
    message_label,
    page_layout,
    plain_label,
    show_message,
    title_label,
)
from kiosk_app.ui.widgets.inputs import PinEdit


class SettingsPage(QWidget):
    """Emits ``language_chosen(lang)``; the application swaps the translation."""

    language_chosen = Signal(str)

    def __init__(
        self, runner: TaskRunner, session: Session, paths: KioskPaths, enroller: Enroller
    ) -> None:
        super().__init__()
        self.setObjectName("settingsPage")
        self._runner = runner
        self._session = session
        self._enroller = enroller
        layout = page_layout(self)
        layout.addWidget(title_label(self.tr("Settings")))
        columns = QHBoxLayout()
        layout.addLayout(columns, 1)
        left = QVBoxLayout()
        columns.addLayout(left, 1)
        left.addWidget(self._build_server())

        folders = QGroupBox(self.tr("Folders"))
        form = QFormLayout(folders)
        for label, path, name in (
            (self.tr("Data folder"), paths.data, "dataFolder"),
            (self.tr("Log folder"), paths.logs, "logFolder"),
        ):
            row = QHBoxLayout()
            shown = plain_label(str(path))
            shown.setObjectName(name)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setWordWrap(True)
            row.addWidget(shown, 1)
            open_button = big_button(self.tr("Open"), name=f"open_{name}")
            open_button.clicked.connect(
                lambda _=False, p=path: QDesktopServices.openUrl(QUrl.fromLocalFile(str(p)))
            )
            row.addWidget(open_button)
            form.addRow(label, row)
        left.addWidget(folders)

        kiosk = QGroupBox(self.tr("This kiosk"))
        form = QFormLayout(kiosk)
        self.language = QComboBox()
        self.language.setObjectName("languageCombo")
        self.language.addItem("Bahasa Indonesia", "id")
        self.language.addItem("English", "en")
        form.addRow(self.tr("Language"), self.language)
        self.lock_minutes = QSpinBox()
        self.lock_minutes.setObjectName("lockMinutes")
        self.lock_minutes.setRange(1, 240)
        self.lock_minutes.setSuffix(self.tr(" minutes"))
        form.addRow(self.tr("Lock after no use for"), self.lock_minutes)
        apply = big_button(self.tr("Apply"), kind="primary", name="applySettings")
        apply.clicked.connect(self._apply)
        form.addRow("", apply)
        self.message = message_label("settingsMessage")
        form.addRow(self.message)
        left.addWidget(kiosk)
        left.addStretch(1)
        columns.addWidget(self._build_operators(), 1)

    def _build_server(self) -> QWidget:
        box = QGroupBox(self.tr("Central server"))
        form = QFormLayout(box)
        self.server_state = plain_label()
        self.server_state.setObjectName("serverState")
        self.server_state.setWordWrap(True)
        form.addRow(self.server_state)
        self.server_edit = QLineEdit()
        self.server_edit.setObjectName("serverUrlEdit")
        self.server_edit.setPlaceholderText("https://etalase.example.id")
        form.addRow(self.tr("Server address"), self.server_edit)
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("enrollCodeEdit")
        form.addRow(self.tr("Enrollment code"), self.code_edit)
        self.enroll_button = big_button(
            self.tr("Enroll this kiosk"), kind="primary", name="enrollButton"
        )
        self.enroll_button.clicked.connect(self._enroll)
        form.addRow("", self.enroll_button)
        self.server_message = message_label("serverMessage")
        form.addRow(self.server_message)
        self._enroller.enrolled.connect(self._enrolled)
        self._enroller.failed.connect(self._enroll_failed)
        return box

    def _show_device(self, device: Device | None) -> None:
        if device is None:
            self.server_state.setText(
                self.tr("Not enrolled yet: the data stays on this kiosk until it is.")
            )
            return
        self.server_state.setText(
            self.tr("Enrolled at {url} for region {region} (device {device}).").format(
                url=device.server_url, region=device.region, device=device.device_id
            )
        )
        if not self.server_edit.text():
            self.server_edit.setText(device.server_url)

    def _enroll(self) -> None:
        show_message(self.server_message, self.tr("Contacting the server…"))
        self.enroll_button.setEnabled(False)
        self._enroller.enroll(self.server_edit.text(), self.code_edit.text())

    def _enrolled(self, device: Device) -> None:
        self.enroll_button.setEnabled(True)
        self.code_edit.clear()
        self._show_device(device)
        show_message(self.server_message, self.tr("Enrolled. Sending the data starts now."))

    def _enroll_failed(self, text: str) -> None:
        self.enroll_button.setEnabled(True)
        show_message(self.server_message, text, error=True)

    def _build_operators(self) -> QWidget:
        box = QGroupBox(self.tr("Operator accounts"))
        column = QVBoxLayout(box)
        self.operator_list = QListWidget()
        self.operator_list.setObjectName("settingsOperators")
        column.addWidget(self.operator_list, 1)
        disable = big_button(
            self.tr("Disable selected account"), kind="danger", name="disableOperator"
        )
        disable.clicked.connect(self._disable)
        column.addWidget(disable)
        form = QFormLayout()
        self.errors = FieldErrors()
        self.new_name = QLineEdit()
        self.new_name.setObjectName("newOperatorName")
        self.errors.add_row(form, self.tr("Name"), self.new_name, "name")
        self.new_pin = PinEdit()
        self.new_pin.setObjectName("newOperatorPin")
        self.errors.add_row(form, self.tr("PIN"), self.new_pin, "pin")
        self.new_role = QComboBox()
        self.new_role.setObjectName("newOperatorRole")
        self.new_role.addItem(self.tr("Operator"), "operator")
        self.new_role.addItem(self.tr("Technician"), "technician")
        self.errors.add_row(form, self.tr("Role"), self.new_role, "role")
        column.addLayout(form)
        add = big_button(self.tr("Add account"), kind="primary", name="addOperator")
        add.clicked.connect(self._add_operator)
        column.addWidget(add)
        self.operator_message = message_label("operatorMessage")
        column.addWidget(self.operator_message)
        return box

    def enter(self, params: dict[str, Any]) -> None:
        self.language.setCurrentIndex(max(0, self.language.findData(current_language())))
        self.lock_minutes.setValue(round(self._session.lock_minutes))
        show_message(self.message, "")
        show_message(self.server_message, "")
        self._runner.run_task(load_device, self._show_device, context=self)
        self._load_operators()

    def _load_operators(self) -> None:
        self._runner.run_task(
            lambda store: operators.list_operators(store, include_disabled=True),
            self._show_operators,
            context=self,
        )

    def _show_operators(self, people: list[Operator]) -> None:
        self.operator_list.clear()
        for person in people:
            role = self.tr("technician") if person.is_technician else self.tr("operator")
            text = f"{person.name} — {role}"
            if person.disabled:
                text += " " + self.tr("(disabled)")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            if person.disabled:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.operator_list.addItem(item)

    def _apply(self) -> None:
        minutes = self.lock_minutes.value()
        lang = self.language.currentData()
        self._session.set_lock_minutes(minutes)

        def store_settings(store: Any) -> None:
            store.settings.set_many({Key.LOCK_MINUTES: minutes, Key.LANGUAGE: lang})

        def done(_none: None) -> None:
            show_message(self.message, self.tr("Settings saved."))
            if lang != current_language():
                self.language_chosen.emit(lang)

        self._runner.run_task(store_settings, done, context=self)

    def _add_operator(self) -> None:
        self.errors.clear()
        name, pin, role = self.new_name.text(), self.new_pin.text(), self.new_role.currentData()

        def added(person: Operator) -> None:
            self.new_name.clear()
            self.new_pin.clear()
            show_message(
                self.operator_message, self.tr("Account {name} added.").format(name=person.name)
            )
            self._load_operators()

        self._runner.run_task(
            lambda store: operators.create_operator(store, name, pin, role),
            added,
            self._operator_failed,
            context=self,
        )

    def _disable(self) -> None:
        item = self.operator_list.currentItem()
        if item is None:
            return
        operator_id = item.data(Qt.ItemDataRole.UserRole)
        if self._session.operator is not None and operator_id == self._session.operator.id:
            show_message(
                self.operator_message, self.tr("You cannot disable your own account."), error=True
            )
            return
        self._runner.run_task(
            lambda store: operators.disable_operator(store, operator_id),
            lambda _none: self._load_operators(),
            self._operator_failed,
            context=self,
        )

    def _operator_failed(self, error: BaseException) -> None:
        if not isinstance(error, ValidationError):
            raise error
        loose = self.errors.show(error)
        show_message(self.operator_message, "\n".join(loose), error=bool(loose))
