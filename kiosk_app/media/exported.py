"""Photos in a kiosk's export: written as the kiosk keeps them, taken back byte for byte.

``kiosk-app export`` writes each photo's two JPEGs next to the data, named by content:
``photos/<sha256>.jpg`` (the full image) and ``photos/<sha256>.thumb.jpg`` (its
thumbnail). Re-encoding them on import would change every hash, so ``load_photo``
takes such a pair as it is, after checking it is exactly what the photo pipeline makes:
its name is its hash, a JPEG with no metadata at all (no EXIF, XMP, ICC or comment),
RGB, within the pipeline's sizes. Anything else, a phone's photo included, goes through
the whole pipeline (``process_photo``).
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

from PIL import Image

from kiosk_app.media.encode import FULL_MAX_SIDE, THUMB_MAX_SIDE
from kiosk_app.media.pipeline import ProcessedPhoto, process_photo

THUMB_SUFFIX = ".thumb.jpg"
_NAME = re.compile(r"[0-9a-f]{64}\.jpg")
# What Pillow reports for the pipeline's JPEGs: the JFIF header and progressive coding.
_HARMLESS_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "progressive",
                  "progression"}  # fmt: skip
_MAX_READ = 8 * 1024 * 1024


def export_names(sha256: str) -> tuple[str, str]:
    """File names of a photo's full image and thumbnail in an export."""
    return f"{sha256}.jpg", f"{sha256}{THUMB_SUFFIX}"


def _clean_jpeg(data: bytes, max_side: int) -> tuple[int, int] | None:
    """The size of ``data`` if it is a pipeline-made JPEG, else None."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG" or image.mode != "RGB":
                return None
            segments = [a[0] for a in getattr(image, "applist", [])]  # JPEG APPn markers
            if set(image.info) - _HARMLESS_INFO or segments != ["APP0"]:
                return None
            width, height = image.size
            if max(width, height) > max_side or min(width, height) < 1:
                return None
            image.load()  # the whole image decodes: not truncated
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return width, height


def restore_photo(full: bytes, thumb: bytes) -> ProcessedPhoto | None:
    """The photo as the pipeline made it, or None when the pair is not such a photo."""
    full_size = _clean_jpeg(full, FULL_MAX_SIDE)
    thumb_size = _clean_jpeg(thumb, THUMB_MAX_SIDE)
    if full_size is None or thumb_size is None:
        return None
    return ProcessedPhoto(
        full=full,
        thumb=thumb,
        sha256=hashlib.sha256(full).hexdigest(),
        thumb_sha256=hashlib.sha256(thumb).hexdigest(),
        width=full_size[0],
        height=full_size[1],
        thumb_width=thumb_size[0],
        thumb_height=thumb_size[1],
        source_format="JPEG",
    )


def _read(path: Path) -> bytes | None:
    try:
        if path.stat().st_size > _MAX_READ:
            return None
        return path.read_bytes()
    except OSError:
        return None


def load_photo(path: Path) -> ProcessedPhoto:
    """A photo file for import: an exported pair as it is, anything else through the
    pipeline. Raises PhotoError like ``process_photo``."""
    if _NAME.fullmatch(path.name):
        full = _read(path)
        thumb = _read(path.with_name(path.name[: -len(".jpg")] + THUMB_SUFFIX))
        named = full is not None and hashlib.sha256(full).hexdigest() == path.name[:64]
        if named and full is not None and thumb is not None:
            restored = restore_photo(full, thumb)
            if restored is not None:
                return restored
    return process_photo(path)
