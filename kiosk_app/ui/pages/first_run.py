"""First run: create the kiosk's first account, a technician, before anything else."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk_app.domain.errors import ValidationError
from kiosk_app.store import operators
from kiosk_app.store.operators import Operator
from kiosk_app.ui.session import Session
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import (
    FieldErrors,
    big_button,
    button_row,
    hint_label,
    message_label,
    show_message,
    title_label,
)
from kiosk_app.ui.widgets.inputs import PinEdit


class FirstRunPage(QWidget):
    """Name and PIN (twice) of the first technician; logs them in when created."""

    def __init__(self, runner: TaskRunner, session: Session) -> None:
        super().__init__()
        self.setObjectName("firstRunPage")
        self._runner = runner
        self._session = session

        outer = QHBoxLayout(self)
        outer.addStretch(1)
        panel = QWidget()
        panel.setMaximumWidth(640)
        outer.addWidget(panel, 3)
        outer.addStretch(1)
        column = QVBoxLayout(panel)
        column.addWidget(title_label(self.tr("Welcome to Etalase Desa")))
        column.addWidget(
            hint_label(
                self.tr(
                    "This kiosk has no accounts yet. Create the first one: the technician "
                    "who looks after this kiosk. The technician can add operators later."
                )
            )
        )
        form = QFormLayout()
        self.errors = FieldErrors()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("nameEdit")
        self.errors.add_row(form, self.tr("Your name"), self.name_edit, "name")
        self.pin_edit = PinEdit()
        self.pin_edit.setObjectName("pinEdit")
        self.errors.add_row(form, self.tr("PIN (4 to 8 digits)"), self.pin_edit, "pin")
        self.pin_again = PinEdit()
        self.pin_again.setObjectName("pinAgainEdit")
        self.errors.add_row(form, self.tr("PIN again"), self.pin_again, "pin_again")
        column.addLayout(form)
        self.message = message_label("firstRunMessage")
        column.addWidget(self.message)
        self.create_button = big_button(
            self.tr("Create technician account"), kind="primary", name="createAccount"
        )
        self.create_button.clicked.connect(self.submit)
        self.pin_again.returnPressed.connect(self.submit)
        column.addLayout(button_row(self.create_button))
        column.addStretch(1)

    def enter(self, params: dict[str, Any]) -> None:
        self.errors.clear()
        self.name_edit.setFocus()

    def submit(self) -> None:
        self.errors.clear()
        name, pin = self.name_edit.text(), self.pin_edit.text()
        if pin != self.pin_again.text():
            show_message(
                self.errors.label("pin_again"),
                self.tr("The two PINs are not the same."),
                error=True,
            )
            return
        self.create_button.setEnabled(False)
        self._runner.run_task(
            lambda store: operators.create_operator(store, name, pin, "technician"),
            self._created,
            self._failed,
            context=self,
        )

    def _created(self, operator: Operator) -> None:
        self.create_button.setEnabled(True)
        for edit in (self.name_edit, self.pin_edit, self.pin_again):
            edit.clear()
        self._session.login(operator)

    def _failed(self, error: BaseException) -> None:
        self.create_button.setEnabled(True)
        if not isinstance(error, ValidationError):
            raise error
        loose = self.errors.show(error)
        show_message(self.message, "\n".join(loose), error=bool(loose))
