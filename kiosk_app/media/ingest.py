"""Take a photo into the kiosk: process it fully in memory, then store thumbnail and full image.

Nothing is written unless the whole photo was accepted, so a refused file leaves no trace
in the blob folder. The caller records the photo row (sha256, thumb_sha256, sizes) after
this returns, so a row never points at a blob that is not on disk.
"""

from __future__ import annotations

from pathlib import Path

from kiosk_app.media.blobs import BlobStore
from kiosk_app.media.pipeline import ProcessedPhoto, process_photo


def ingest_photo(
    source: Path | bytes, store: BlobStore, quality: int | None = None
) -> ProcessedPhoto:
    """Process ``source`` and put both JPEGs into ``store``. Raises PhotoError, OSError."""
    photo = process_photo(source, quality)
    store.put(photo.thumb)  # thumbnails first, as they are synced first (DESIGN §5.8)
    store.put(photo.full)
    return photo
