"""Start the kiosk GUI: Qt application, translation, store thread, and the composed window.

``KioskApp`` is the composition root: it builds each page with what that page needs and
hands them to the main window. Nothing else creates pages or reaches for globals.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtWidgets import QApplication

from kiosk_app.media.blobs import BlobStore
from kiosk_app.paths import KioskPaths, resolve_paths
from kiosk_app.store.owner import StoreThread
from kiosk_app.store.settings import Key
from kiosk_app.store.store import Store
from kiosk_app.sync.scheduler import SYSTEM_TIMER, Timer
from kiosk_app.ui.enrollment import Enroller
from kiosk_app.ui.i18n import DEFAULT_LANGUAGE, RESOURCES, install_language
from kiosk_app.ui.main_window import MainWindow
from kiosk_app.ui.models.thumbnails import ThumbnailCache
from kiosk_app.ui.pages.dashboard import DashboardPage
from kiosk_app.ui.pages.first_run import FirstRunPage
from kiosk_app.ui.pages.login import LoginPage
from kiosk_app.ui.pages.merchant_form import MerchantFormPage
from kiosk_app.ui.pages.merchants import MerchantsPage
from kiosk_app.ui.pages.product_editor import ProductEditorPage
from kiosk_app.ui.pages.products import ProductsPage
from kiosk_app.ui.pages.settings import SettingsPage
from kiosk_app.ui.pages.sync import SyncPage
from kiosk_app.ui.router import Router
from kiosk_app.ui.session import DEFAULT_LOCK_MINUTES, Session
from kiosk_app.ui.sync_runner import SyncRunner
from kiosk_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
STYLE_SHEET = RESOURCES / "styles" / "kiosk.qss"
WINDOW_SIZE = (1366, 768)


def _read_settings(store: Store) -> tuple[str, float]:
    """The screen language and the minutes before the kiosk locks itself."""
    settings = store.settings
    return (
        settings.get(Key.LANGUAGE) or DEFAULT_LANGUAGE,
        settings.get_float(Key.LOCK_MINUTES, DEFAULT_LOCK_MINUTES),
    )


def _read_blob(blobs: BlobStore, sha: str) -> bytes | None:
    try:
        return blobs.read(sha)
    except FileNotFoundError:
        return None


class KioskApp(QObject):
    """Owns the store thread, the runner, the session and the window built from pages."""

    def __init__(
        self,
        qt_app: QApplication,
        paths: KioskPaths,
        sync_settle_s: float | None = None,
        sync_timer: Timer = SYSTEM_TIMER,
    ) -> None:
        super().__init__()
        self.qt_app = qt_app
        self.paths = paths.ensure()
        self.store_thread = StoreThread(paths.database)
        self.runner = TaskRunner(self.store_thread, parent=self)
        self.blobs = BlobStore(paths.blobs)
        # Read once before the first window exists: a few milliseconds at start-up.
        language, minutes = self.store_thread.call(_read_settings)
        self.session = Session(minutes, parent=self)
        qt_app.installEventFilter(self.session)
        self.router = Router(self)
        self.thumbnails = ThumbnailCache(
            self.runner, lambda sha: _read_blob(self.blobs, sha), parent=self
        )
        # The sync engine on its own thread once the kiosk is enrolled; every local
        # change (any store task that wrote to the outbox) asks it to sync soon.
        settle = {} if sync_settle_s is None else {"settle_s": sync_settle_s}
        self.sync = SyncRunner(
            self.runner, self.store_thread, self.blobs, timer=sync_timer, parent=self, **settle
        )
        self.sync_source = self.sync
        self.runner.local_change.connect(self.sync.local_change)
        self.enroller = Enroller(self.runner, self.store_thread, self.blobs, parent=self)
        self.enroller.enrolled.connect(self.sync.start)
        self.translator = install_language(qt_app, language, None)
        self.window = self.build_window()

    def build_window(self) -> MainWindow:
        """The main window with every page, in the current language."""
        runner, session, router, thumbs = self.runner, self.session, self.router, self.thumbnails
        window = MainWindow(router, session, runner)
        window.add_gate_page("login", LoginPage(runner, session, router))
        first_run = FirstRunPage(runner, session, self.enroller)
        first_run.language_chosen.connect(self.set_language)
        window.add_gate_page("first_run", first_run)
        window.add_page(
            "dashboard",
            DashboardPage(runner, session, router),
            title=QCoreApplication.translate("KioskApp", "Home"),
        )
        window.add_page(
            "merchants",
            MerchantsPage(runner, router),
            title=QCoreApplication.translate("KioskApp", "Merchants"),
        )
        window.add_page(
            "merchant_form",
            MerchantFormPage(runner, session, router, thumbs, self.sync_source),
            section="merchants",
        )
        window.add_page(
            "products",
            ProductsPage(runner, router, thumbs),
            title=QCoreApplication.translate("KioskApp", "Products"),
        )
        window.add_page(
            "product_editor",
            ProductEditorPage(runner, router, thumbs, self.blobs, self.sync_source),
            section="products",
        )
        window.add_page(
            "sync",
            SyncPage(runner, self.sync, self.blobs, router),
            title=QCoreApplication.translate("KioskApp", "Sync"),
        )
        settings = SettingsPage(runner, session, self.paths, self.enroller)
        settings.language_chosen.connect(self.set_language)
        window.add_page(
            "settings",
            settings,
            title=QCoreApplication.translate("KioskApp", "Settings"),
            technician_only=True,
        )
        window.set_sync_source(self.sync_source)
        window.resize(*WINDOW_SIZE)
        return window

    def start(self) -> None:
        self.window.show()
        self.window.show_gate("login")
        self.sync.start_if_enrolled()

    def set_language(self, lang: str) -> None:
        """Switch language: a fresh window is built in it, the session stays logged in."""
        self.translator = install_language(self.qt_app, lang, self.translator)
        old = self.window
        self.window = self.build_window()
        self.window.setGeometry(old.geometry())
        old.detach()
        old.hide()
        old.deleteLater()
        self.window.show()
        if self.session.operator is not None and not self.session.is_locked:
            self.window.resume(self.session.operator, "settings")
        else:
            self.window.show_gate("login")

    def close(self) -> None:
        self.window.detach()
        self.sync.stop()
        self.runner.shutdown()
        self.store_thread.close()


def setup_logging(paths: KioskPaths) -> None:
    """Warnings and errors (with tracebacks) to ``logs/kiosk.log``, rotated at 1 MB."""
    handler = RotatingFileHandler(
        paths.logs / "kiosk.log", maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def create_qt_app(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication with the kiosk's style sheet (reused if one exists)."""
    existing = QApplication.instance()
    qt_app = (
        existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv))
    )
    qt_app.setApplicationName("Etalase Desa")
    qt_app.setStyle("Fusion")
    if STYLE_SHEET.is_file():
        qt_app.setStyleSheet(STYLE_SHEET.read_text(encoding="utf-8"))
    qt_app.setAttribute(Qt.ApplicationAttribute.AA_SynthesizeMouseForUnhandledTouchEvents, True)
    return qt_app


def run_gui(paths: KioskPaths | None = None, argv: Sequence[str] | None = None) -> int:
    """Run the kiosk GUI until its window closes; returns the exit code."""
    paths = (paths or resolve_paths()).ensure()
    setup_logging(paths)
    qt_app = create_qt_app(argv)
    removed = BlobStore(paths.blobs).discard_partials()
    if removed:
        log.info("removed %d partial blob files left by a crash", removed)
    kiosk = KioskApp(qt_app, paths)
    kiosk.start()
    try:
        return qt_app.exec()
    finally:
        kiosk.close()
