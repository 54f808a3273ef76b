"""First run: the language, the server (or "continue offline"), then the first account.

Each step's outcome is stored as soon as it is chosen, so a power cut (or the window
being rebuilt in the chosen language) brings the technician back to the next step.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.domain.errors import ValidationError
from kiosk_app.store import operators
from kiosk_app.store.operators import Operator
from kiosk_app.store.settings import Key
from kiosk_app.store.store import Store
from kiosk_app.sync.device import load_device
from kiosk_app.ui.enrollment import Enrolled, Enroller
from kiosk_app.ui.i18n import current_language
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

LANGUAGE, SERVER, ACCOUNT = "language", "server", "account"


def _progress(store: Store) -> tuple[str | None, bool, bool]:
    """(language chosen, enrolled, offline chosen)."""
    return (
        store.settings.get(Key.LANGUAGE),
        load_device(store) is not None,
        store.settings.get_flag(Key.FIRST_RUN_OFFLINE),
    )


class FirstRunPage(QWidget):
    """Language, server connection, then name and PIN (twice) of the first technician.

    Emits ``language_chosen(lang)`` when another language is picked: the application
    rebuilds its window in it and this page comes back at the next step.
    """

    language_chosen = Signal(str)

    def __init__(self, runner: TaskRunner, session: Session, enroller: Enroller) -> None:
        super().__init__()
        self.setObjectName("firstRunPage")
        self._runner = runner
        self._session = session
        self._enroller = enroller
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        self.steps = QStackedWidget()
        self.steps.setMaximumWidth(680)
        outer.addWidget(self.steps, 3)
        outer.addStretch(1)
        self._step_widgets = {
            LANGUAGE: self._build_language(),
            SERVER: self._build_server(),
            ACCOUNT: self._build_account(),
        }
        for widget in self._step_widgets.values():
            self.steps.addWidget(widget)
        enroller.ready.connect(self._enrolled)
        enroller.failed.connect(self._enroll_failed)

    @property
    def step(self) -> str:
        current = self.steps.currentWidget()
        return next(k for k, w in self._step_widgets.items() if w is current)

    def show_step(self, step: str) -> None:
        self.steps.setCurrentWidget(self._step_widgets[step])
        if step == SERVER:
            self.server_edit.setFocus()
        elif step == ACCOUNT:
            self.name_edit.setFocus()

    # -- step 1: language -------------------------------------------------------------

    def _build_language(self) -> QWidget:
        panel = QWidget()
        column = QVBoxLayout(panel)
        column.addWidget(title_label(self.tr("Welcome to Etalase Desa")))
        # Both languages in one line: whoever reads this has not chosen yet.
        column.addWidget(hint_label("Pilih bahasa layar · Choose the language of the screens"))
        self.indonesian = big_button("Bahasa Indonesia", kind="primary", name="chooseIndonesian")
        self.english = big_button("English", name="chooseEnglish")
        self.indonesian.clicked.connect(lambda: self.choose_language("id"))
        self.english.clicked.connect(lambda: self.choose_language("en"))
        for button in (self.indonesian, self.english):
            button.setMinimumHeight(72)
            column.addWidget(button)
        column.addStretch(1)
        return panel

    def choose_language(self, lang: str) -> None:
        def saved(_none: None) -> None:
            if lang != current_language():
                self.language_chosen.emit(lang)  # the window is rebuilt in it
            else:
                self.enter({})

        self._runner.run_task(
            lambda store: store.settings.set(Key.LANGUAGE, lang), saved, context=self
        )

    # -- step 2: server -------------------------------------------------------------

    def _build_server(self) -> QWidget:
        panel = QWidget()
        column = QVBoxLayout(panel)
        column.addWidget(title_label(self.tr("Connect to the central server")))
        column.addWidget(
            hint_label(
                self.tr(
                    "With the server's address and a one-time enrollment code from the "
                    "central admin, this kiosk sends its merchants and products to the "
                    "public catalog. No internet now? Continue without it and enroll later "
                    "in Settings: everything is kept on this kiosk meanwhile."
                )
            )
        )
        form = QFormLayout()
        self.server_edit = QLineEdit()
        self.server_edit.setObjectName("serverUrlEdit")
        self.server_edit.setPlaceholderText("https://etalase.example.id")
        form.addRow(self.tr("Server address"), self.server_edit)
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("enrollCodeEdit")
        form.addRow(self.tr("Enrollment code"), self.code_edit)
        column.addLayout(form)
        self.server_message = message_label("serverMessage")
        column.addWidget(self.server_message)
        self.enroll_button = big_button(
            self.tr("Enroll this kiosk"), kind="primary", name="enrollButton"
        )
        self.enroll_button.clicked.connect(self.enroll)
        self.code_edit.returnPressed.connect(self.enroll)
        self.offline_button = big_button(
            self.tr("Continue without internet, enroll later"), name="continueOffline"
        )
        self.offline_button.clicked.connect(self.continue_offline)
        column.addLayout(button_row(self.offline_button, self.enroll_button))
        column.addStretch(1)
        return panel

    def enroll(self) -> None:
        show_message(
            self.server_message,
            self.tr("Contacting the server and fetching this kiosk's region list…"),
        )
        self.enroll_button.setEnabled(False)
        self._enroller.enroll(self.server_edit.text(), self.code_edit.text())

    def _enrolled(self, outcome: Enrolled) -> None:
        self.enroll_button.setEnabled(True)
        self.code_edit.clear()
        if self.step != SERVER:
            return
        self.show_step(ACCOUNT)
        if outcome.error is None and outcome.villages:
            text = self.tr(
                "This kiosk is enrolled for {region}: {n} villages are ready to choose from."
            ).format(region=outcome.region, n=outcome.villages)
            problem = False
        else:
            text = self.tr(
                "This kiosk is enrolled for {region}, but its region list could not be "
                "fetched yet (no connection to the server). Merchants can be registered once "
                "it arrives: it is fetched by itself when the link is back."
            ).format(region=outcome.region)
            problem = True
        if outcome.refused:
            text += " " + self.tr(
                "The server refused {n} records saved before: see the Sync page."
            ).format(n=outcome.refused)
        show_message(self.message, text, error=problem)

    def _enroll_failed(self, text: str) -> None:
        self.enroll_button.setEnabled(True)
        show_message(self.server_message, text, error=True)

    def continue_offline(self) -> None:
        self._runner.run_task(
            lambda store: store.settings.set(Key.FIRST_RUN_OFFLINE, True),
            lambda _none: self.show_step(ACCOUNT),
            context=self,
        )

    # -- step 3: the first account ----------------------------------------------------

    def _build_account(self) -> QWidget:
        panel = QWidget()
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
        return panel

    def enter(self, params: dict[str, Any]) -> None:
        self.errors.clear()
        show_message(self.server_message, "")
        self._runner.run_task(_progress, self._resume, context=self)

    def _resume(self, progress: tuple[str | None, bool, bool]) -> None:
        language, enrolled, offline = progress
        if language is None:
            self.show_step(LANGUAGE)
        elif not (enrolled or offline):
            self.show_step(SERVER)
        else:
            self.show_step(ACCOUNT)

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
