"""Camera capture through Qt Multimedia, and the explanation when there is no camera.

This machine has no webcam (QMediaDevices.videoInputs() is empty), so the camera test
attaches a stand-in video source: a QVideoFrameInput (Qt >= 6.8) fed generated frames
into the same QMediaCaptureSession, QImageCapture and QVideoWidget viewfinder the real
camera uses (``camera.attach_test_pattern``). Only the source differs from a real
webcam; the viewfinder, capture, retake and photo processing are the real ones.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QPushButton

from kiosk_app.ui.widgets.camera import CameraDialog, attach_test_pattern
from tests.ui.conftest import click, idle
from tests.ui.operator import create_first_technician, nav


def close(color, rgb: tuple[int, int, int], tolerance: int = 16) -> bool:
    got = (color.red(), color.green(), color.blue())
    return all(abs(a - b) <= tolerance for a, b in zip(got, rgb, strict=True))


def open_new_product(qtbot, kiosk):
    create_first_technician(qtbot, kiosk)
    nav(qtbot, kiosk, "products")
    click(qtbot, kiosk.window.page("products").findChild(QPushButton, "newProduct"))
    idle(qtbot, kiosk)
    return kiosk.window.page("product_editor")


def test_capture_retake_and_use_a_photo_from_a_stand_in_camera(kiosk, qtbot):
    editor = open_new_product(qtbot, kiosk)
    editor.photos.has_camera = lambda: False  # no real webcam here
    editor.photos.camera_source = attach_test_pattern

    click(qtbot, editor.photos.strip.camera)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), CameraDialog))
    dialog = QApplication.activeModalWidget()
    assert dialog.viewfinder.isVisible()

    click(qtbot, dialog.capture_button)
    qtbot.waitUntil(lambda: dialog.use_button.isVisible(), timeout=5000)
    # The still shows the frame taken: 4:3, the pattern's cream square in the middle
    # and its red-orange ground at the edge (colours pass through the video frame's
    # conversion, so within a tolerance).
    still = dialog.still.pixmap().toImage()
    assert not still.isNull() and abs(still.width() * 3 - still.height() * 4) <= 4
    assert close(still.pixelColor(still.width() // 2, still.height() // 2), (250, 246, 236))
    ground = still.pixelColor(3, 3)
    assert close(ground, (200, ground.green(), 40))
    click(qtbot, dialog.retake_button)
    assert dialog.viewfinder.isVisible() and not dialog.use_button.isVisible()
    click(qtbot, dialog.capture_button)
    qtbot.waitUntil(lambda: dialog.use_button.isVisible(), timeout=5000)
    click(qtbot, dialog.use_button)

    photos = editor.photos
    qtbot.waitUntil(lambda: len(photos.strip.items) == 1 and not photos.processing, timeout=10000)
    processed = photos.strip.items[0].processed
    assert (processed.width, processed.height) == (640, 480)
    assert processed.source_format == "JPEG"


def test_without_a_camera_the_button_explains(kiosk, qtbot):
    editor = open_new_product(qtbot, kiosk)
    editor.photos.has_camera = lambda: False

    click(qtbot, editor.photos.strip.camera)

    assert QApplication.activeModalWidget() is None
    assert editor.photos.errors.isVisible()
    assert editor.photos.errors.text()
