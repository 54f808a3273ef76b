"""Fixtures for the screens: a real kiosk app on a temporary data folder, offscreen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from kiosk_app.paths import KioskPaths, resolve_paths
from tests.support import SAMPLE_REGIONS


@pytest.fixture
def kiosk_paths(tmp_path: Path) -> KioskPaths:
    """A data folder with the sample regions loaded (the technician's set-up step)."""
    from kiosk_app.store.regions import import_regions_csv
    from kiosk_app.store.store import Store

    paths = resolve_paths(tmp_path / "kiosk").ensure()
    store = Store.open(paths.database)
    import_regions_csv(store.db, SAMPLE_REGIONS)
    store.close()
    return paths


def running_app(qapp, qtbot, paths: KioskPaths, **options) -> Iterator:
    """The whole app on ``paths``, started on its gate, closed afterwards (for fixtures)."""
    from kiosk_app.ui.app import KioskApp, create_qt_app

    create_qt_app()
    app = KioskApp(qapp, paths, **options)
    app.start()
    idle(qtbot, app)
    yield app
    idle(qtbot, app)
    close_app(qapp, app)


def close_app(qapp, app) -> None:
    """Stop the app, then close and delete its window.

    Not ``qtbot.addWidget(app.window)``: pytest-qt deletes registered widgets before
    fixtures are torn down, and the window was then gone (or not, depending on whether
    ``idle`` had to spin an event loop, which runs deferred deletes) when ``app.close()``
    detached it: a teardown error about 1 run in 10."""
    app.close()
    app.window.close()
    app.window.deleteLater()
    qapp.removeEventFilter(app.session)


@pytest.fixture
def kiosk(qapp, qtbot, kiosk_paths: KioskPaths) -> Iterator:
    """The whole app, started on the login gate, using the real store thread."""
    yield from running_app(qapp, qtbot, kiosk_paths)


def idle(qtbot, app, timeout: int = 5000) -> None:
    """Wait until every store/worker job has called back on the GUI thread."""
    qtbot.waitUntil(lambda: app.runner.pending == 0, timeout=timeout)


def click(qtbot, widget: QWidget) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def answer_next_question(qtbot, yes: bool) -> Callable[[], None]:
    """Click yes/no in the next modal question box as soon as it appears."""
    from PySide6.QtCore import QTimer

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        button = box.findChild(QPushButton, "confirmYes" if yes else "confirmNo")
        button.click()

    QTimer.singleShot(0, press)
    return press


def make_jpeg(path: Path, color: tuple[int, int, int], size=(1200, 900), label: str = "") -> Path:
    """A real JPEG file, as a phone would leave on a flash drive."""
    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle([size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4], fill="white")
    if label:
        draw.text((size[0] // 3, size[1] // 2), label, fill="black")
    image.save(path, "JPEG", quality=90)
    return path


class Question:
    """Answers the next unsaved-changes question (Save / Discard / Cancel) once it shows,
    and remembers that it was asked and its text."""

    def __init__(self, choice: str) -> None:
        from PySide6.QtCore import QTimer

        self.choice = choice  # "save", "discard" or "cancel"
        self.asked = False
        self.text = ""
        self._timer = QTimer()
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._press)
        self._timer.start()

    def _press(self) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "unsavedBox":
            return
        self._timer.stop()
        self.asked, self.text = True, box.text()
        name = {"save": "unsavedSave", "discard": "unsavedDiscard", "cancel": "unsavedCancel"}
        box.findChild(QPushButton, name[self.choice]).click()

    def stop(self) -> None:
        self._timer.stop()
