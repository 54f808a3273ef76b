"""The photo pipeline (DESIGN §5.8): untrusted file in, small clean content-addressed JPEGs out.

    photo = process_photo(Path("IMG_0042.HEIC"))   # or raw bytes from a webcam
    store.put(photo.thumb); store.put(photo.full)

Decode (limits checked before pixels), apply EXIF orientation, flatten to RGB in sRGB,
downscale (full <= 1600 px, thumbnail <= 320 px, never up), re-encode as JPEG within byte
budgets, hash. Nothing from the source file's metadata survives: no EXIF (GPS!), no XMP,
no ICC profile, no comments. Same input, same bytes, same hashes.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from kiosk_app.media.decode import (
    MAX_FILE_BYTES,
    decode_photo,
    refuse_empty,
    refuse_file_too_large,
)
from kiosk_app.media.encode import (
    FULL_BUDGET_BYTES,
    FULL_LADDER,
    FULL_MAX_SIDE,
    THUMB_BUDGET_BYTES,
    THUMB_LADDER,
    THUMB_MAX_SIDE,
    QualityLadder,
    downscale,
    encode_within_budget,
)
from kiosk_app.media.errors import PhotoError

__all__ = ["PhotoError", "ProcessedPhoto", "process_photo"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProcessedPhoto:
    """The two JPEGs to store and sync, their sha256 (lowercase hex) and pixel sizes."""

    full: bytes
    thumb: bytes
    sha256: str
    thumb_sha256: str
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    source_format: str  # "JPEG", "PNG", "WEBP" or "HEIF"
    full_quality: int = 0  # JPEG quality the budget allowed; for logs and benchmarks
    thumb_quality: int = 0

    def __repr__(self) -> str:  # the default would print kilobytes of JPEG
        return (
            f"ProcessedPhoto({self.source_format} -> {self.width}x{self.height} "
            f"{len(self.full)} B q{self.full_quality}, thumb {self.thumb_width}x"
            f"{self.thumb_height} {len(self.thumb)} B q{self.thumb_quality}, "
            f"sha256={self.sha256[:12]}...)"
        )


def full_ladder(quality: int | None) -> QualityLadder:
    """The full image's qualities: the default ladder, or one starting at ``quality`` (a
    region's setting pushed by the server, 40-95); the byte budget holds either way."""
    if quality is None:
        return FULL_LADDER
    start = max(40, min(95, quality))
    return QualityLadder(start=start, floor=min(start, FULL_LADDER.floor), step=FULL_LADDER.step)


def process_photo(source: Path | bytes, quality: int | None = None) -> ProcessedPhoto:
    """Turn a photo file (or its bytes) into a full image and a thumbnail. Raises PhotoError.

    Accepts JPEG, PNG, WebP, and HEIC when ``pi-heif`` is installed. Pure: it reads
    the source and writes nothing anywhere. ``quality``: see ``full_ladder``.
    """
    try:
        decoded = decode_photo(_read_source(source), keep_side=FULL_MAX_SIDE)
    except PhotoError as exc:
        log.info("photo refused (%s): %s", exc.code, exc.message_en)
        raise
    full_image = downscale(decoded.image, FULL_MAX_SIDE)
    decoded.image.close()  # free the big decoded bitmap before encoding
    thumb_image = downscale(full_image, THUMB_MAX_SIDE)
    full = encode_within_budget(full_image, FULL_BUDGET_BYTES, full_ladder(quality))
    thumb = encode_within_budget(thumb_image, THUMB_BUDGET_BYTES, THUMB_LADDER)
    if len(full.data) > FULL_BUDGET_BYTES or len(thumb.data) > THUMB_BUDGET_BYTES:
        log.info(
            "photo over budget at the floor quality: full %d B, thumb %d B",
            len(full.data),
            len(thumb.data),
        )
    return ProcessedPhoto(
        full=full.data,
        thumb=thumb.data,
        sha256=hashlib.sha256(full.data).hexdigest(),
        thumb_sha256=hashlib.sha256(thumb.data).hexdigest(),
        width=full.width,
        height=full.height,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
        source_format=decoded.source_format,
        full_quality=full.quality,
        thumb_quality=thumb.quality,
    )


def _read_source(source: Path | bytes) -> bytes:
    """The source's bytes, refusing empty and oversized files before reading them."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    try:
        size = source.stat().st_size
        if size == 0:
            raise refuse_empty()
        if size > MAX_FILE_BYTES:
            raise refuse_file_too_large(size)
        with source.open("rb") as f:
            # Read at most one byte past the limit: the file may grow after stat().
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise PhotoError(
            "unreadable",
            "Berkas foto tidak bisa dibuka. Periksa apakah flashdisk masih terpasang, "
            "lalu coba lagi.",
            f"Could not read the photo file: {exc}",
        ) from exc
    if len(data) > MAX_FILE_BYTES:
        raise refuse_file_too_large(len(data))
    return data
