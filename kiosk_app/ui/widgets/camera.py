"""Take a product photo with the PC's webcam: live viewfinder, capture, retake, use.

Built on Qt Multimedia (QMediaCaptureSession + QCamera + QImageCapture + QVideoWidget).
The video source is injectable: by default the first camera of QMediaDevices; tests
(and PCs without a camera) attach a QVideoFrameInput fed with generated frames instead.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtMultimedia import (
    QCamera,
    QImageCapture,
    QMediaCaptureSession,
    QMediaDevices,
    QVideoFrame,
    QVideoFrameInput,
)
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QDialog, QLabel, QStackedWidget, QVBoxLayout, QWidget

from kiosk_app.ui.widgets.common import (
    big_button,
    button_row,
    hint_label,
    message_label,
    show_message,
)

# Attaches a video source to the session and returns an object to keep alive (or None).
AttachSource = Callable[[QMediaCaptureSession], object]


def camera_available() -> bool:
    return bool(QMediaDevices.videoInputs())


def attach_default_camera(session: QMediaCaptureSession) -> object:
    """The PC's default camera as the session's source (started)."""
    camera = QCamera(QMediaDevices.defaultVideoInput())
    session.setCamera(camera)
    camera.start()
    return camera


def attach_test_pattern(session: QMediaCaptureSession) -> object:
    """A stand-in camera: generated 640x480 frames every 30 ms through a QVideoFrameInput.

    For tests and screenshots on PCs without a webcam; everything after the source
    (viewfinder, QImageCapture, retake) is the same as with a real camera.
    """
    frame_input = QVideoFrameInput(session)
    session.setVideoFrameInput(frame_input)
    timer = QTimer(session)
    count = [0]

    def feed() -> None:
        image = QImage(640, 480, QImage.Format.Format_RGB32)
        image.fill(QColor(200, (count[0] * 7) % 255, 40))
        painter = QPainter(image)
        painter.fillRect(220, 140, 200, 200, QColor(250, 246, 236))
        painter.end()
        frame_input.sendVideoFrame(QVideoFrame(image))
        count[0] += 1

    timer.timeout.connect(feed)
    timer.start(30)
    return frame_input


def image_to_jpeg(image: QImage, quality: int = 92) -> bytes:
    """Encode a captured frame as JPEG bytes for the photo pipeline."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPEG", quality)  # type: ignore[call-overload]  # stubs want bytes
    buffer.close()
    return bytes(data.data())


class CameraDialog(QDialog):
    """Viewfinder, then the captured still; ``photo`` holds the image once accepted."""

    def __init__(self, parent: QWidget | None = None, attach: AttachSource | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cameraDialog")
        self.setWindowTitle(self.tr("Take a photo"))
        self.resize(900, 640)
        self.photo: QImage | None = None
        self._image: QImage | None = None
        column = QVBoxLayout(self)
        column.addWidget(hint_label(self.tr("Put the product in good light, then press Capture.")))
        self.views = QStackedWidget()
        self.viewfinder = QVideoWidget()
        self.viewfinder.setObjectName("viewfinder")
        self.views.addWidget(self.viewfinder)
        self.still = QLabel()
        self.still.setObjectName("capturedStill")
        self.still.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.views.addWidget(self.still)
        column.addWidget(self.views, 1)
        self.message = message_label("cameraMessage")
        column.addWidget(self.message)
        self.cancel_button = big_button(self.tr("Cancel"), name="cameraCancel")
        self.cancel_button.clicked.connect(self.reject)
        self.retake_button = big_button(self.tr("Retake"), name="cameraRetake")
        self.retake_button.clicked.connect(self.retake)
        self.capture_button = big_button(self.tr("Capture"), kind="primary", name="cameraCapture")
        self.capture_button.clicked.connect(self.capture)
        self.use_button = big_button(self.tr("Use this photo"), kind="primary", name="cameraUse")
        self.use_button.clicked.connect(self._use)
        column.addLayout(
            button_row(self.cancel_button, self.retake_button, self.capture_button, self.use_button)
        )

        self.session = QMediaCaptureSession(self)
        self.image_capture = QImageCapture(self)
        self.session.setImageCapture(self.image_capture)
        self.session.setVideoOutput(self.viewfinder)
        self.image_capture.imageCaptured.connect(self._captured)
        self.image_capture.errorOccurred.connect(self._capture_failed)
        self._source = (attach or attach_default_camera)(self.session)
        self.retake()

    def capture(self) -> None:
        self.capture_button.setEnabled(False)
        show_message(self.message, self.tr("Taking the photo…"))
        self.image_capture.capture()

    def retake(self) -> None:
        self._image = None
        self.views.setCurrentIndex(0)
        self.capture_button.setVisible(True)
        self.capture_button.setEnabled(True)
        self.capture_button.setDefault(True)
        self.capture_button.setFocus()
        self.retake_button.setVisible(False)
        self.use_button.setVisible(False)
        show_message(self.message, "")

    def _captured(self, _request_id: int, image: QImage) -> None:
        self._image = image
        shown = QPixmap.fromImage(image).scaled(
            self.views.size(),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.still.setPixmap(shown)
        self.views.setCurrentIndex(1)
        self.capture_button.setVisible(False)
        self.retake_button.setVisible(True)
        self.use_button.setVisible(True)
        show_message(self.message, "")
        self.use_button.setFocus()

    def _capture_failed(self, _request_id: int, _error: object, text: str) -> None:
        self.capture_button.setEnabled(True)
        text = self.tr("The camera did not take a photo: {error}").format(error=text)
        show_message(self.message, text, error=True)

    def _use(self) -> None:
        if self._image is not None:
            self.photo = self._image  # encoded to JPEG off the GUI thread by the caller
            self.accept()

    def done(self, result: int) -> None:
        camera = self._source
        if isinstance(camera, QCamera):
            camera.stop()
        super().done(result)
