"""Downscale and encode JPEGs that fit a byte budget: the sizes the satellite link can afford.

At 1 Mbps down / 256 kbps up (DESIGN §1), a 250 KB full image is ~8 s of upload and a
20 KB thumbnail well under a second, so a product page with 9 photos stays usable.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

FULL_MAX_SIDE = 1600
THUMB_MAX_SIDE = 320
FULL_BUDGET_BYTES = 250_000  # "250 KB", counted in thousands to stay on the safe side
THUMB_BUDGET_BYTES = 20_000


@dataclass(frozen=True)
class QualityLadder:
    """JPEG qualities to try, best first: ``start``, down by ``step``, never below ``floor``."""

    start: int
    floor: int
    step: int

    def qualities(self) -> list[int]:
        steps = list(range(self.start, self.floor, -self.step))
        return [*steps, self.floor]


# 82 is visually indistinguishable from the camera JPEG at this size for most people;
# 60 still looks clean for product photos on a phone. Thumbnails are seen small.
FULL_LADDER = QualityLadder(start=82, floor=60, step=4)
THUMB_LADDER = QualityLadder(start=80, floor=55, step=5)


@dataclass(frozen=True)
class EncodedJpeg:
    data: bytes
    width: int
    height: int
    quality: int


def fit_within(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The size scaled so its long side is at most ``max_side``; never scaled up."""
    width, height = size
    long_side = max(width, height)
    if long_side <= max_side:
        return width, height
    scale = max_side / long_side
    return max(1, round(width * scale)), max(1, round(height * scale))


def downscale(image: Image.Image, max_side: int) -> Image.Image:
    """A new RGB image no longer than ``max_side``, with no metadata attached at all."""
    target = fit_within(image.size, max_side)
    if target == image.size:
        result = image.copy()
    else:
        # Lanczos for sharpness; reducing_gap lets Pillow box-reduce by whole factors
        # first when shrinking a lot, which is much faster and looks the same.
        result = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    # Image.resize/copy carry ``info`` over (EXIF, XMP, ICC, JPEG comment) and the JPEG
    # writer would put some of it back: start from nothing.
    result.info = {}
    return result


def encode_jpeg(image: Image.Image, quality: int) -> bytes:
    """A progressive, Huffman-optimised JPEG with 4:2:0 chroma and no metadata at all."""
    bare = image if not image.info else _without_info(image)
    out = io.BytesIO()
    bare.save(
        out,
        format="JPEG",
        quality=quality,
        optimize=True,
        progressive=True,
        subsampling="4:2:0",
    )
    return out.getvalue()


def encode_within_budget(image: Image.Image, budget: int, ladder: QualityLadder) -> EncodedJpeg:
    """Encode at the best quality on the ladder that fits ``budget`` bytes.

    If even the floor quality is over budget (an unusually detailed picture), the floor
    encoding is returned: a slightly large photo is better than none.
    """
    data = b""
    quality = ladder.floor
    for quality in ladder.qualities():
        data = encode_jpeg(image, quality)
        if len(data) <= budget:
            break
    width, height = image.size
    return EncodedJpeg(data=data, width=width, height=height, quality=quality)


def _without_info(image: Image.Image) -> Image.Image:
    bare = image.copy()
    bare.info = {}
    return bare
