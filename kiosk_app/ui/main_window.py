"""The main window: a login gate in front of a shell of navigation, top bar and pages.

It composes pages it is given (``add_page``); it does not build or contain their logic.
The sync screen plugs in the same way: ``add_page("sync", page, title=...)`` and
``set_sync_source(source)``; the badge then opens it.

Unsaved changes are never dropped in silence: a page with a form offers
``has_unsaved_changes()``, ``save_then(step)`` and ``discard_changes()``, and leaving it
any way (another page, "Back", the side bar, "Lock", closing the window) first asks
Save / Discard / Cancel. The idle lock cannot ask: it keeps the form as it is, and
whoever logs in next comes back to it.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk_app.store.operators import Operator
from kiosk_app.ui import dialogs
from kiosk_app.ui.i18n import pick
from kiosk_app.ui.router import Router, Step
from kiosk_app.ui.session import Session
from kiosk_app.ui.sync_status import SyncStatusSource
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.common import ElidedLabel, big_button, plain_label
from kiosk_app.ui.widgets.sync_badge import SyncBadge

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Gate (login / first run) and shell (top bar, side navigation, page stack)."""

    def __init__(self, router: Router, session: Session, runner: TaskRunner) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(self.tr("Etalase Desa"))
        self._router = router
        self._session = session
        self._pages: dict[str, QWidget] = {}
        self._sections: dict[str, str] = {}  # page key -> navigation key it belongs to
        self._nav_buttons: dict[str, QPushButton] = {}
        self._technician_only: set[str] = set()
        self._gate_pages: dict[str, QWidget] = {}

        self._outer = QStackedWidget()
        self._gate = QStackedWidget()
        self._gate.setObjectName("gate")
        self._outer.addWidget(self._gate)
        self._outer.addWidget(self._build_shell())
        self.setCentralWidget(self._outer)

        self._runner = runner
        self._detached = False
        self._resume: tuple[str, dict[str, Any]] | None = None
        self._resume_operator: str | None = None
        router.requested.connect(self._show_page)
        router.set_guard(self.leave_page)
        session.logged_in.connect(self._logged_in)
        session.locked.connect(self._locked)
        runner.failed.connect(self._task_failed)

    def detach(self) -> None:
        """Stop following the router and session (before this window is replaced or the
        app shuts down); closing it then asks nothing. Safe to call twice."""
        if self._detached:
            return
        self._detached = True  # being replaced or shut down: nothing left to ask about
        self._router.set_guard(None)
        self._router.requested.disconnect(self._show_page)
        self._session.logged_in.disconnect(self._logged_in)
        self._session.locked.disconnect(self._locked)
        self._runner.failed.disconnect(self._task_failed)

    # -- composition ---------------------------------------------------------------

    def _build_shell(self) -> QWidget:
        shell = QWidget()
        column = QVBoxLayout(shell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)

        top = QFrame()
        top.setObjectName("topBar")
        bar = QHBoxLayout(top)
        bar.setContentsMargins(16, 8, 16, 8)
        brand = QLabel(self.tr("Etalase Desa"))
        brand.setObjectName("brand")
        bar.addWidget(brand)
        bar.addStretch(1)
        self.sync_badge = SyncBadge()
        self.sync_badge.clicked.connect(self._open_sync)
        bar.addWidget(self.sync_badge)
        self.operator_label = ElidedLabel()  # plain text; a long name never pushes "Kunci" away
        self.operator_label.setObjectName("operatorLabel")
        self.operator_label.setMaximumWidth(220)
        bar.addWidget(self.operator_label)
        self.lock_button = big_button(self.tr("Lock"), name="lockButton")
        self.lock_button.clicked.connect(self.lock)
        bar.addWidget(self.lock_button)
        column.addWidget(top)

        self._error_row = QFrame()
        self._error_row.setObjectName("errorBanner")
        row = QHBoxLayout(self._error_row)
        row.setContentsMargins(16, 6, 16, 6)
        self.error_banner = plain_label()
        self.error_banner.setWordWrap(True)
        row.addWidget(self.error_banner, 1)
        close = big_button(self.tr("Close"), name="closeErrorBanner")
        close.clicked.connect(self._error_row.hide)
        row.addWidget(close)
        self._error_row.hide()
        column.addWidget(self._error_row)

        body = QHBoxLayout()
        body.setSpacing(0)
        self._nav = QFrame()
        self._nav.setObjectName("sideNav")
        self._nav_layout = QVBoxLayout(self._nav)
        self._nav_layout.setContentsMargins(8, 12, 8, 12)
        self._nav_layout.setSpacing(6)
        self._nav_layout.addStretch(1)
        self._nav_group = QButtonGroup(self)
        self._nav_group.setExclusive(True)
        body.addWidget(self._nav)
        self._stack = QStackedWidget()
        self._stack.setObjectName("pages")
        body.addWidget(self._stack, 1)
        column.addLayout(body, 1)
        return shell

    def add_gate_page(self, key: str, page: QWidget) -> None:
        """A page shown while nobody is logged in (login, first run)."""
        self._gate_pages[key] = page
        self._gate.addWidget(page)

    def add_page(
        self,
        key: str,
        page: QWidget,
        *,
        title: str | None = None,
        section: str | None = None,
        technician_only: bool = False,
    ) -> None:
        """Register a page; with ``title`` it gets a navigation button, else it belongs
        to the navigation ``section`` given (e.g. the merchant form to "merchants")."""
        self._pages[key] = page
        self._sections[key] = section or key
        self._stack.addWidget(page)
        if technician_only:
            self._technician_only.add(key)
        if title is not None:
            button = QPushButton(title)
            button.setObjectName(f"nav_{key}")
            button.setProperty("kind", "nav")
            button.setCheckable(True)
            button.setMinimumHeight(52)
            button.clicked.connect(lambda _=False, k=key: self._router.go(k))
            self._nav_group.addButton(button)
            self._nav_layout.insertWidget(self._nav_layout.count() - 1, button)
            self._nav_buttons[key] = button

    def page(self, key: str) -> QWidget:
        return self._pages.get(key) or self._gate_pages[key]

    def set_sync_source(self, source: SyncStatusSource) -> None:
        """Make the badge follow ``source`` (the sync engine's, once it exists)."""
        self.sync_badge.bind(source)

    def current_key(self) -> str | None:
        widget = self._stack.currentWidget()
        return next((k for k, p in self._pages.items() if p is widget), None)

    # -- unsaved changes ---------------------------------------------------------------

    def _shown_page(self) -> QWidget | None:
        """The shell's page in front of the operator (None behind the login gate)."""
        if self._outer.currentIndex() != 1 or self._session.is_locked:
            return None
        return self._stack.currentWidget()

    def leave_page(self, step: Step) -> bool:
        """The router's guard: True to go on now; otherwise ``step`` runs later, once the
        page's changes are saved, or never (the operator chose to stay)."""
        page = self._shown_page()
        unsaved = getattr(page, "has_unsaved_changes", None)
        if self._detached or page is None or unsaved is None or not unsaved():
            return True
        answer = dialogs.ask_unsaved(self)
        if answer == dialogs.SAVE:
            page.save_then(step)  # type: ignore[attr-defined]
            return False
        if answer == dialogs.DISCARD:
            page.discard_changes()  # type: ignore[attr-defined]
            return True
        self._check_nav_button()
        return False

    def _check_nav_button(self) -> None:
        key = self.current_key()
        button = self._nav_buttons.get(self._sections.get(key or "", ""))
        if button is not None:
            button.setChecked(True)

    def lock(self) -> None:
        """ "Lock": after the unsaved-changes question, if the form has changes."""
        if self.leave_page(self._session.lock):
            self._session.lock()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.leave_page(self.close):
            event.accept()
        else:
            event.ignore()

    # -- behaviour -------------------------------------------------------------------

    def show_gate(self, key: str, params: dict[str, Any] | None = None) -> None:
        page = self._gate_pages[key]
        self._gate.setCurrentWidget(page)
        self._outer.setCurrentIndex(0)
        page.enter(params or {})  # type: ignore[attr-defined]

    def _show_page(self, key: str, params: dict[str, Any]) -> None:
        if key in self._gate_pages:
            self.show_gate(key, params)
            return
        page = self._pages.get(key)
        if page is None or self._session.is_locked:
            log.warning("no page %s (or locked)", key)
            return
        if key in self._technician_only and not self._session.is_technician:
            return
        self._stack.setCurrentWidget(page)
        self._outer.setCurrentIndex(1)
        button = self._nav_buttons.get(self._sections[key])
        if button is not None:
            button.setChecked(True)
        page.enter(params)  # type: ignore[attr-defined]
        if self.sync_badge._source is not None:
            self.sync_badge._source.refresh()

    def resume(self, operator: Operator, key: str) -> None:
        """Show ``key`` for an operator already logged in (after a language switch)."""
        self._show_operator(operator)
        self._router.go(key)

    def _show_operator(self, operator: Operator) -> None:
        self.operator_label.setText(operator.name)
        for key, button in self._nav_buttons.items():
            button.setVisible(key not in self._technician_only or operator.is_technician)

    def _logged_in(self, operator: Operator) -> None:
        self._show_operator(operator)
        resume = self._resume if self._resume_operator == operator.id else None
        if self._resume is not None and self._has_draft(self._resume[0]):
            resume = self._resume  # a form left with changes comes back, whoever logs in
        self._resume = self._resume_operator = None
        if resume and resume[0] in self._pages:
            # Back to the page as it was left (its unsaved input included).
            self._stack.setCurrentWidget(self._pages[resume[0]])
            self._outer.setCurrentIndex(1)
        else:
            self._router.reset()
            self._router.go("dashboard")

    def _has_draft(self, key: str) -> bool:
        unsaved = getattr(self._pages.get(key), "has_unsaved_changes", None)
        return bool(unsaved is not None and unsaved())

    def _locked(self) -> None:
        # The same operator comes back to where they were; anyone else starts afresh.
        key = self.current_key()
        if self._session.operator is not None and key is not None:
            self._resume = (key, {})
            self._resume_operator = self._session.operator.id
        self.show_gate("login", {"operator_id": self._resume_operator})

    def _open_sync(self) -> None:
        if "sync" in self._pages:
            self._router.go("sync")

    def _task_failed(self, error: BaseException) -> None:
        """Errors nobody handled: a banner the operator can read and close (never modal)."""
        text = getattr(error, "message_id", None)
        if text is not None:
            text = pick(text, getattr(error, "message_en", str(error)))
        else:
            text = self.tr("Something went wrong: {error}").format(error=error)
        self.error_banner.setText(text)
        self._error_row.show()
