"""``kiosk-app --self-test``: prove an installed build works, on a fresh data folder.

Opens a new database in a temporary folder (running every migration), builds the main
window offscreen, checks the Indonesian translation, the image formats, the photo
pipeline, printing to PDF and SVG, then prints a short report. Exit code 0 only when
every check passed. Also ``run_until_shown``: start the real GUI and quit as soon as the
window is on screen, printing the time (for the start-up benchmark).
"""

from __future__ import annotations

import io
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from kiosk_app import __version__
from kiosk_app.paths import KioskPaths, resolve_paths

log = logging.getLogger(__name__)
Check = Callable[[], str]


def _check_database(paths: KioskPaths) -> str:
    from kiosk_app.store.connection import schema_version
    from kiosk_app.store.migrations import SCHEMA_VERSION
    from kiosk_app.store.search import indexed_products
    from kiosk_app.store.store import Store

    store = Store.open(paths.ensure().database)
    try:
        found = schema_version(store)
        fts = indexed_products(store)
    finally:
        store.close()
    if found != SCHEMA_VERSION:
        raise AssertionError(f"schema {found}, expected {SCHEMA_VERSION}")
    return f"skema {found}, pencarian FTS5 siap ({fts} baris)"


def _check_translation() -> str:
    from PySide6.QtCore import QCoreApplication

    from kiosk_app.ui.i18n import install_language, translation_file

    app = QCoreApplication.instance()
    assert app is not None
    translator = install_language(app, "id", None)
    try:
        home = QCoreApplication.translate("KioskApp", "Home")
        if translator.isEmpty() or home != "Beranda":
            raise AssertionError(f"{translation_file('id')} not loaded ('Home' -> {home!r})")
    finally:
        app.removeTranslator(translator)
    return f"Bahasa Indonesia dimuat ('Home' -> '{home}')"


def _check_window(paths: KioskPaths) -> str:
    from PySide6.QtWidgets import QApplication

    from kiosk_app.ui.app import KioskApp

    qt_app = QApplication.instance()
    assert isinstance(qt_app, QApplication)
    kiosk = KioskApp(qt_app, paths)
    try:
        kiosk.start()
        deadline = time.monotonic() + 10
        while not kiosk.window.isVisible() and time.monotonic() < deadline:
            qt_app.processEvents()
        qt_app.processEvents()
        if not kiosk.window.isVisible():
            raise AssertionError("the main window did not show")
        title = kiosk.window.page("dashboard").objectName() or "dashboard"
        size = kiosk.window.size()
    finally:
        kiosk.close()
        kiosk.window.close()
        kiosk.window.deleteLater()
        qt_app.processEvents()
    platform = qt_app.platformName()
    return f"jendela utama {size.width()}x{size.height()} ({title}, platform {platform})"


def _check_image_formats() -> str:
    from PySide6.QtGui import QImageReader

    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    missing = {"jpeg", "png", "webp", "svg"} - formats
    if missing:
        raise AssertionError(f"Qt image formats missing: {sorted(missing)}")
    return "Qt membaca " + ", ".join(sorted(formats & {"jpeg", "png", "webp", "gif", "svg"}))


def _check_photo_pipeline() -> str:
    from PIL import Image

    from kiosk_app.media.decode import heif_available
    from kiosk_app.media.pipeline import process_photo

    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1500), (200, 120, 40)).save(buffer, "WEBP")
    photo = process_photo(buffer.getvalue())
    if not photo.full.startswith(b"\xff\xd8"):
        raise AssertionError("the photo pipeline did not produce a JPEG")
    heic = "ya" if heif_available() else "tidak"
    return f"foto WebP -> JPEG {photo.width}x{photo.height}, HEIC {heic}"


def _check_multimedia() -> str:
    from PySide6.QtMultimedia import QMediaDevices, QMediaFormat

    # With no backend plugin loaded (a missing library), Qt knows no formats at all and
    # the camera screen would stay black.
    decodable = QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)
    if not decodable:
        raise AssertionError("no Qt Multimedia backend could be loaded")
    cameras = len(QMediaDevices.videoInputs())
    return f"backend multimedia siap ({len(decodable)} format); kamera terdeteksi: {cameras}"


def _check_print(folder: Path) -> str:
    from PySide6.QtCore import QByteArray, QRectF
    from PySide6.QtGui import QPageSize, QPainter, QPdfWriter
    from PySide6.QtPrintSupport import QPrinter
    from PySide6.QtSvg import QSvgRenderer

    svg = QSvgRenderer(
        QByteArray(
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b'<rect width="10" height="10" fill="black"/></svg>'
        )
    )
    if not svg.isValid():
        raise AssertionError("QtSvg could not read a tiny SVG")
    pdf = folder / "poster.pdf"
    writer = QPdfWriter(str(pdf))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(writer)
    painter.drawText(100, 100, "Etalase Desa")
    svg.render(painter, QRectF(100, 200, 400, 400))
    painter.end()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(folder / "printer.pdf"))
    painter = QPainter(printer)
    painter.drawText(100, 100, "Etalase Desa")
    painter.end()
    head = pdf.read_bytes()[:5]
    if head != b"%PDF-" or (folder / "printer.pdf").read_bytes()[:5] != b"%PDF-":
        raise AssertionError("QPdfWriter/QPrinter did not write a PDF")
    return f"PDF (QPdfWriter {pdf.stat().st_size} B, QPrinter) dan SVG"


def run_self_test(out: TextIO | None = None) -> int:
    """Run every check on a fresh temporary data folder; 0 when all passed."""
    out = out or sys.stdout
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    frozen = bool(getattr(sys, "frozen", False))
    print(
        f"Uji mandiri Etalase Desa {__version__} ({'terpaket' if frozen else 'dari kode'})",
        file=out,
    )
    from kiosk_app.ui.app import create_qt_app

    qt_app = create_qt_app(["kiosk-app"])
    failures = 0
    with tempfile.TemporaryDirectory(prefix="kiosk-selftest-") as tmp:
        paths = resolve_paths(Path(tmp) / "data")
        checks: list[tuple[str, Check]] = [
            ("Basis data dan migrasi", lambda: _check_database(paths)),
            ("Terjemahan", _check_translation),
            ("Jendela utama", lambda: _check_window(paths)),
            ("Format gambar", _check_image_formats),
            ("Pengolah foto", _check_photo_pipeline),
            ("Kamera/multimedia", _check_multimedia),
            ("Cetak poster", lambda: _check_print(Path(tmp))),
        ]
        for name, check in checks:
            started = time.perf_counter()
            try:
                detail = check()
                status = "OK   "
            except Exception as exc:
                log.exception("self-test check %s failed", name)
                detail = f"{type(exc).__name__}: {exc}"
                status = "GAGAL"
                failures += 1
            took = (time.perf_counter() - started) * 1000
            print(f"  {status} {name}: {detail} [{took:.0f} ms]", file=out)
    qt_app.processEvents()
    if failures:
        print(f"Uji mandiri GAGAL: {failures} pemeriksaan bermasalah.", file=out)
        return 1
    print("Uji mandiri berhasil: semua pemeriksaan lolos.", file=out)
    return 0


def run_until_shown(paths: KioskPaths, out: TextIO | None = None) -> int:
    """Start the GUI as ``run_gui`` does; quit once the window is exposed on screen.

    Prints ``shown_ms=N`` (from the moment this process's Python started running the
    app's code) so a benchmark can also time the whole launch from outside.
    """
    from PySide6.QtCore import QTimer

    from kiosk_app.ui.app import KioskApp, create_qt_app, setup_logging

    out = out or sys.stdout
    started = time.perf_counter()
    paths = paths.ensure()
    setup_logging(paths)
    qt_app = create_qt_app(["kiosk-app"])
    kiosk = KioskApp(qt_app, paths)
    kiosk.start()

    def poll() -> None:
        handle = kiosk.window.windowHandle()
        if kiosk.window.isVisible() and handle is not None and handle.isExposed():
            print(f"shown_ms={(time.perf_counter() - started) * 1000:.1f}", file=out, flush=True)
            qt_app.quit()
        else:
            QTimer.singleShot(5, poll)

    QTimer.singleShot(0, poll)
    QTimer.singleShot(30_000, lambda: qt_app.exit(1))
    try:
        return qt_app.exec()
    finally:
        kiosk.close()
