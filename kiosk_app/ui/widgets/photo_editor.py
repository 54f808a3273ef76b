"""Photos of a product being edited: choose from files or take with the camera, process
them off the GUI thread, and show them in order in a PhotoStrip."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk_app.media.errors import PhotoError
from kiosk_app.media.pipeline import ProcessedPhoto, process_photo
from kiosk_app.ui import dialogs
from kiosk_app.ui.i18n import pick
from kiosk_app.ui.models.thumbnails import ThumbnailCache, decode_image
from kiosk_app.ui.tasks import TaskRunner
from kiosk_app.ui.widgets.camera import AttachSource, CameraDialog, camera_available, image_to_jpeg
from kiosk_app.ui.widgets.common import message_label, show_message
from kiosk_app.ui.widgets.photo_strip import PhotoItem, PhotoStrip

Processed = tuple[ProcessedPhoto, QImage]


def _processed(source: Path | bytes, quality: int | None = None) -> Processed:
    photo = process_photo(source, quality)
    return photo, decode_image(photo.thumb)


class PhotoEditor(QWidget):
    """The strip plus photo intake; ``busy_changed(n)`` counts photos being processed.

    ``choose_files``, ``has_camera`` and ``camera_source`` can be replaced (tests, PCs
    without a camera): a camera source attaches any video input to the capture session.
    """

    busy_changed = Signal(int)

    def __init__(self, runner: TaskRunner, thumbnails: ThumbnailCache) -> None:
        super().__init__()
        self._runner = runner
        self._thumbnails = thumbnails
        self._waiting: dict[int, Processed | None] = {}
        self._next_ticket = 0
        self.choose_files: Callable[[QWidget, Callable[[list[str]], None]], object] = (
            dialogs.photo_file_dialog
        )
        self.has_camera: Callable[[], bool] = camera_available
        self.camera_source: AttachSource | None = None
        # JPEG quality a full photo starts at: the kiosk's region's (set by its page).
        self.quality: int | None = None
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.strip = PhotoStrip(thumbnails)
        self.strip.add_files_requested.connect(self._choose_files)
        self.strip.camera_requested.connect(self._open_camera)
        column.addWidget(self.strip)
        self.errors = message_label("error_photos")
        column.addWidget(self.errors)

    def clear_message(self) -> None:
        show_message(self.errors, "")

    def show_error(self, text: str) -> None:
        show_message(self.errors, text, error=True)

    def _choose_files(self) -> None:
        self.choose_files(self, self.add_photo_files)

    def add_photo_files(self, paths: list[str]) -> None:
        """Process chosen files in the background; each appears when ready."""
        room = self.strip.room() - self.processing
        if len(paths) > room:
            show_message(
                self.errors,
                self.tr("Only {n} more photos fit (at most 9 per product).").format(n=max(room, 0)),
                error=True,
            )
        else:
            show_message(self.errors, "")
        for path in paths[: max(room, 0)]:
            self._process(partial(_processed, Path(path), self.quality), Path(path).name)

    def _open_camera(self) -> None:
        if not self.has_camera() and self.camera_source is None:
            text = self.tr(
                "No camera is connected to this PC. Take the photo with a phone and copy "
                "it here with a cable or a flash drive, then use 'From file or flash drive'."
            )
            show_message(self.errors, text, error=True)
            return
        dialog = CameraDialog(self, self.camera_source)
        dialog.accepted.connect(lambda: self._camera_photo(dialog.photo))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _camera_photo(self, image: QImage | None) -> None:
        if image is not None and self.strip.room() - self.processing > 0:
            quality = self.quality
            self._process(
                lambda: _processed(image_to_jpeg(image), quality), self.tr("camera photo")
            )

    def _process(self, work: Callable[[], Processed], label: str) -> None:
        # Photos are processed in parallel but appear in the order they were chosen.
        ticket = self._next_ticket
        self._next_ticket += 1
        self._waiting[ticket] = None
        self._update_save()
        self._runner.run_in_worker(
            work,
            lambda result: self._photo_ready(ticket, result),
            lambda error: self._photo_failed(ticket, label, error),
            context=self,
        )

    def _photo_ready(self, ticket: int, result: Processed) -> None:
        if ticket in self._waiting:
            self._waiting[ticket] = result
        self._flush_ready()

    def _photo_failed(self, ticket: int, label: str, error: BaseException) -> None:
        self._waiting.pop(ticket, None)
        self._flush_ready()
        if isinstance(error, PhotoError):
            reason = pick(error.message_id, error.message_en)
        elif isinstance(error, OSError):
            reason = self.tr("The file could not be read.")
        else:
            raise error
        show_message(self.errors, f"{label}: {reason}", error=True)

    def _flush_ready(self) -> None:
        while self._waiting:
            first = min(self._waiting)
            result = self._waiting[first]
            if result is None:
                break
            del self._waiting[first]
            photo, image = result
            self._thumbnails.put_image(photo.thumb_sha256, image)
            self.strip.add_item(PhotoItem(photo.thumb_sha256, processed=photo))
        self._update_save()

    def _update_save(self) -> None:
        self.busy_changed.emit(len(self._waiting))

    @property
    def processing(self) -> int:
        """Photos chosen and still being processed."""
        return len(self._waiting)
