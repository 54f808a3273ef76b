"""Login: pick your name, type your PIN (keyboard or the on-screen pad)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from kiosk_app.store import operators
from kiosk_app.store.operators import Operator
from kiosk_app.ui.router import Router
from kiosk_app.ui.session import Session
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import hint_label, message_label, show_message, title_label
from kiosk_app.ui.widgets.inputs import PinEdit, PinPad

MAX_FAILURES = 5
PAUSE_MS = 30_000


class LoginPage(QWidget):
    """Operator list and PIN entry; five wrong PINs pause login for 30 seconds."""

    def __init__(self, runner: TaskRunner, session: Session, router: Router) -> None:
        super().__init__()
        self.setObjectName("loginPage")
        self._runner = runner
        self._session = session
        self._router = router
        self._failures = 0

        outer = QHBoxLayout(self)
        outer.addStretch(1)
        panel = QWidget()
        panel.setObjectName("loginPanel")
        panel.setMaximumWidth(760)
        outer.addWidget(panel, 3)
        outer.addStretch(1)
        column = QVBoxLayout(panel)
        column.setSpacing(12)
        column.addWidget(title_label(self.tr("Etalase Desa")))
        column.addWidget(hint_label(self.tr("Choose your name, then type your PIN.")))

        row = QHBoxLayout()
        self.operator_list = QListWidget()
        self.operator_list.setObjectName("operatorList")
        self.operator_list.setMinimumWidth(280)
        row.addWidget(self.operator_list, 1)
        pin_column = QVBoxLayout()
        self.pin_edit: PinEdit = PinEdit()
        self.operator_list.currentItemChanged.connect(lambda *_: self.pin_edit.setFocus())
        self.pin_edit.setObjectName("pinEdit")
        self.pin_edit.setPlaceholderText(self.tr("PIN"))
        self.pin_edit.returnPressed.connect(self.submit)
        pin_column.addWidget(self.pin_edit)
        self.pad = PinPad(self.pin_edit, self.tr("Log in"), self.tr("Clear"))
        self.pad.submitted.connect(self.submit)
        pin_column.addWidget(self.pad)
        row.addLayout(pin_column, 1)
        column.addLayout(row)
        self.message = message_label("loginMessage")
        column.addWidget(self.message)
        column.addStretch(1)
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.timeout.connect(self._end_pause)

    def enter(self, params: dict[str, Any]) -> None:
        self.pin_edit.clear()
        show_message(self.message, "")
        preselect = params.get("operator_id")
        self._runner.run_task(
            lambda store: (operators.has_operators(store), operators.list_operators(store)),
            lambda result: self._show_operators(*result, preselect),
            context=self,
        )

    def _show_operators(self, any_active: bool, people: list[Operator], preselect: Any) -> None:
        if not any_active:
            self._router.go("first_run")
            return
        self.operator_list.clear()
        for person in people:
            item = QListWidgetItem(person.name)
            item.setData(Qt.ItemDataRole.UserRole, person.id)
            self.operator_list.addItem(item)
            if person.id == preselect or len(people) == 1:
                self.operator_list.setCurrentItem(item)
        self.pin_edit.setFocus()

    def submit(self) -> None:
        if self._pause.isActive():
            return
        item = self.operator_list.currentItem()
        if item is None:
            show_message(self.message, self.tr("Choose your name first."), error=True)
            return
        pin = self.pin_edit.text()
        operator_id = item.data(Qt.ItemDataRole.UserRole)
        self.pad.setEnabled(False)
        self._runner.run_task(
            lambda store: operators.verify_pin(store, operator_id, pin),
            self._checked,
            context=self,
        )

    def _checked(self, operator: Operator | None) -> None:
        self.pad.setEnabled(True)
        self.pin_edit.clear()
        if operator is not None:
            self._failures = 0
            show_message(self.message, "")
            self._session.login(operator)
            return
        self._failures += 1
        if self._failures >= MAX_FAILURES:
            self._pause.start(PAUSE_MS)
            self.pad.setEnabled(False)
            self.pin_edit.setEnabled(False)
            text = self.tr("Wrong PIN too many times. Wait 30 seconds, then try again.")
        else:
            text = self.tr("Wrong PIN. Try again.")
        show_message(self.message, text, error=True)

    def _end_pause(self) -> None:
        self._failures = 0
        self.pad.setEnabled(True)
        self.pin_edit.setEnabled(True)
        show_message(self.message, "")
        self.pin_edit.setFocus()
