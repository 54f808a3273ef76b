"""Photo thumbnails decoded off the GUI thread and kept in a bounded in-memory cache.

A worker reads the blob and decodes it to a QImage (safe outside the GUI thread); the
GUI thread turns it into a QPixmap and announces ``loaded(sha)`` so models can repaint
just the rows showing that photo.

Thumbnails come from other kiosks too (pulled from the server), so their bytes are
untrusted: they go through the photo pipeline's safe decoder (``media.decode``: size and
format checked from the header, decompression bombs refused, JPEG/PNG/WebP/HEIC only),
never through Qt's image plug-ins, which read many more formats.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable

from PIL import Image
from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QImage, QPixmap

from kiosk_app.media.decode import decode_photo
from kiosk_app.media.errors import PhotoError
from kiosk_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
ReadBlob = Callable[[str], bytes | None]
THUMB_SIZE = QSize(180, 180)


def decode_image(data: bytes | None, size: QSize = THUMB_SIZE) -> QImage:
    """A QImage of ``data`` scaled to fit ``size`` (null when the bytes are no image we
    accept), decoded by the photo pipeline's safe decoder."""
    if not data:
        return QImage()
    try:
        decoded = decode_photo(data, keep_side=max(size.width(), size.height())).image
    except PhotoError as exc:
        log.info("thumbnail refused: %s", exc.message_en)
        return QImage()
    decoded.thumbnail((size.width(), size.height()), Image.Resampling.LANCZOS)
    raw = decoded.tobytes("raw", "RGB")
    image = QImage(
        raw, decoded.width, decoded.height, 3 * decoded.width, QImage.Format.Format_RGB888
    )
    return image.copy()  # own the pixels: ``raw`` goes away with this frame


class ThumbnailCache(QObject):
    """``pixmap(sha)`` returns the thumbnail if ready, else None and starts loading it."""

    loaded = Signal(str)

    def __init__(
        self,
        runner: TaskRunner,
        read_blob: ReadBlob,
        capacity: int = 800,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._read_blob = read_blob
        self._capacity = capacity
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._loading: set[str] = set()
        self._missing: set[str] = set()

    def pixmap(self, sha: str | None) -> QPixmap | None:
        if not sha or sha in self._missing:
            return None
        found = self._cache.get(sha)
        if found is not None:
            self._cache.move_to_end(sha)
            return found
        if sha not in self._loading:
            self._loading.add(sha)
            self._runner.run_in_worker(
                lambda: decode_image(self._read_blob(sha)),
                lambda image: self._arrived(sha, image),
                lambda error: self._arrived(sha, QImage(), error),
                context=self,
            )
        return None

    def put_image(self, sha: str, image: QImage) -> None:
        """Seed the cache with an image already in memory (a photo just processed)."""
        self._arrived(sha, image)

    def _arrived(self, sha: str, image: QImage, error: BaseException | None = None) -> None:
        self._loading.discard(sha)
        if error is not None or image.isNull():
            log.warning("thumbnail %s unreadable: %s", sha[:12], error or "not an image")
            self._missing.add(sha)
            return
        self._missing.discard(sha)
        self._cache[sha] = QPixmap.fromImage(image)
        while len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        self.loaded.emit(sha)
