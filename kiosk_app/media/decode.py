"""Turn untrusted photo bytes into an upright 8-bit RGB image in sRGB, or refuse with a PhotoError.

Order matters for safety: size limits and the format are checked from the header before
any pixel is decoded, then the whole image is decoded (so a truncated file fails here, not
later), then EXIF orientation, transparency and colour profile are dealt with.

Pillow's process-wide settings (``MAX_IMAGE_PIXELS``, ``LOAD_TRUNCATED_IMAGES``) are read
but never changed: other callers in the same process keep their own behaviour.
"""

from __future__ import annotations

import functools
import importlib
import io
import logging
import struct
import warnings
import zlib
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from kiosk_app.media.errors import PhotoError

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 40 * 1024 * 1024  # 40 MB: a 50 MP JPEG straight from a camera is ~25 MB
MAX_PIXELS = 50_000_000  # 50 MP: decoding takes ~200 MB as RGBA; kiosks have 4 GB RAM

BASE_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP")
HEIF_FORMAT = "HEIF"  # the format id pi-heif (decode-only pillow-heif) registers with Pillow

# Brands in an ISO-BMFF "ftyp" box. HEIC is what iPhones (and some Androids) shoot.
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})

# Errors Pillow's decoders raise on cut-short or damaged data.
_DECODE_ERRORS = (OSError, SyntaxError, EOFError, ValueError, struct.error, zlib.error)


@dataclass(frozen=True)
class DecodedPhoto:
    """An upright RGB image (no alpha, sRGB) and the format it came in."""

    image: Image.Image
    source_format: str  # "JPEG", "PNG", "WEBP" or "HEIF"


@functools.cache
def heif_available() -> bool:
    """Whether HEIC/HEIF can be decoded; registers the HEIF opener with Pillow on first call.

    We depend on ``pi-heif``, the decode-only build of pillow-heif (no HEVC encoder: the
    packaged build is 20 MB smaller and ships no GPL encoder); ``pillow-heif`` works too.
    Done lazily (not at import) so importing the pipeline has no side effect on Pillow,
    and a kiosk without either package still works, without HEIC.
    """
    for name in ("pi_heif", "pillow_heif"):
        try:
            pillow_heif = importlib.import_module(name)
            break
        except ImportError:
            continue
    else:
        return False
    # No thumbnails, depth or auxiliary images: we only ever want the primary picture.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    return True


def accepted_formats() -> tuple[str, ...]:
    """Pillow format ids the pipeline accepts, HEIF included when pi-heif is there."""
    return (*BASE_FORMATS, HEIF_FORMAT) if heif_available() else BASE_FORMATS


def format_list_id() -> str:
    """The accepted formats as the operator reads them, e.g. "JPEG, PNG atau WebP"."""
    names = ["JPEG", "PNG", "WebP"] + (["HEIC"] if heif_available() else [])
    return ", ".join(names[:-1]) + " atau " + names[-1]


def _format_list_en() -> str:
    return format_list_id().replace(" atau ", " or ")


def sniff_format(head: bytes) -> str | None:
    """Name the image format from its first bytes, or None if it is not one we know.

    Only used to choose a clear refusal: Pillow itself decides what it can open.
    Recognising GIF, TIFF and friends lets us say "format not supported" instead of
    "not a photo"; we do not ask Pillow's other plugins, because some (TGA) accept
    almost any random bytes.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        box_size = int.from_bytes(head[:4], "big")
        brands = {head[8:12]} | {
            head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)
        }
        if brands & _AVIF_BRANDS:
            return "AVIF"
        if brands & _HEIF_BRANDS:
            return HEIF_FORMAT
        return None
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return "BMP"
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xffO\xffQ"):
        return "JPEG2000"
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return "JPEGXL"
    if head.startswith(b"8BPS"):
        return "PSD"
    return None


def refuse_empty() -> PhotoError:
    return PhotoError(
        "empty",
        "Berkas ini kosong (0 byte). Pilih foto yang lain.",
        "The file is empty (0 bytes).",
    )


def refuse_file_too_large(size: int) -> PhotoError:
    return PhotoError(
        "too_large",
        "Berkas foto ini terlalu besar (lebih dari 40 MB). Pilih foto yang lebih kecil.",
        f"The file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes (40 MB).",
    )


def _refuse_not_image() -> PhotoError:
    return PhotoError(
        "not_image",
        f"Berkas ini bukan foto yang bisa dibaca ({format_list_id()}).",
        f"The file is not a readable photo ({_format_list_en()}).",
    )


def _refuse_truncated(detail: str) -> PhotoError:
    return PhotoError(
        "truncated",
        "Foto ini rusak atau tidak lengkap. Salin ulang fotonya, lalu coba lagi.",
        f"The photo is truncated or damaged: {detail}",
    )


def _refuse_too_many_pixels(width: int, height: int) -> PhotoError:
    return PhotoError(
        "too_large",
        "Ukuran foto ini terlalu besar (lebih dari 50 megapiksel). Pilih foto yang lebih kecil.",
        f"The photo is {width}x{height} pixels; the limit is {MAX_PIXELS} pixels (50 MP).",
    )


def _refuse_bomb(detail: str) -> PhotoError:
    return PhotoError(
        "too_large",
        "Ukuran foto ini terlalu besar (lebih dari 50 megapiksel). Pilih foto yang lebih kecil.",
        f"The photo claims too many pixels (decompression bomb guard): {detail}",
    )


def _display_name(fmt: str) -> str:
    return {"WEBP": "WebP", HEIF_FORMAT: "HEIC"}.get(fmt, fmt)


def _refuse_format(fmt: str) -> PhotoError:
    shown = _display_name(fmt)
    return PhotoError(
        "unsupported",
        f"Format foto {shown} tidak didukung. Gunakan foto {format_list_id()}.",
        f"Photo format {shown} is not supported; use {_format_list_en()}.",
    )


def _refuse_animation(fmt: str) -> PhotoError:
    return PhotoError(
        "unsupported",
        f"Foto bergerak (animasi) tidak didukung. Gunakan foto biasa ({format_list_id()}).",
        f"Animated {_display_name(fmt)} is not supported; use a still photo.",
    )


def decode_photo(data: bytes, *, keep_side: int | None = None) -> DecodedPhoto:
    """Decode untrusted bytes into an upright sRGB RGB image. Raises PhotoError.

    ``keep_side`` is the long side the caller will downscale to: a JPEG may then be
    decoded at a reduced scale, never below twice that size.
    """
    if not data:
        raise refuse_empty()
    if len(data) > MAX_FILE_BYTES:
        raise refuse_file_too_large(len(data))

    sniffed = sniff_format(data[:64])
    formats = accepted_formats()
    if sniffed is not None and sniffed not in formats:
        raise _refuse_format(sniffed)

    image = _open_header(data, formats, sniffed)
    try:
        return _decode_opened(image, keep_side)
    except PhotoError:
        image.close()
        raise


def _decode_opened(image: Image.Image, keep_side: int | None) -> DecodedPhoto:
    """Check the header's size and frames, then decode, orient and normalise the pixels."""
    source_format = "JPEG" if image.format == "MPO" else str(image.format)
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _refuse_too_many_pixels(width, height)
    # PNG (APNG) and WebP can hold animations. A JPEG "MPO" from a phone also has
    # several frames (a depth map or a preview): there we simply take the first one.
    if source_format in ("PNG", "WEBP") and getattr(image, "n_frames", 1) > 1:
        raise _refuse_animation(source_format)

    if source_format == "JPEG" and keep_side is not None:
        # Let libjpeg scale by 1/2, 1/4 or 1/8 while decoding, like Image.thumbnail does,
        # but only while the result stays twice the size we keep (so quality is unchanged):
        # this saves most of the memory and time on 48 MP phone photos.
        scale = 2 * keep_side / max(width, height)
        if scale < 1:
            image.draft(None, (max(1, int(width * scale)), max(1, int(height * scale))))

    try:
        image.load()  # the full decode: a cut-short file fails here
    except Image.DecompressionBombError as exc:
        raise _refuse_bomb(str(exc)) from exc
    except _DECODE_ERRORS as exc:
        raise _refuse_truncated(str(exc) or type(exc).__name__) from exc

    upright = _apply_orientation(image)
    return DecodedPhoto(image=_to_srgb_rgb(upright), source_format=source_format)


def _open_header(data: bytes, formats: tuple[str, ...], sniffed: str | None) -> Image.Image:
    """Parse the header only (no pixels yet), limited to the formats we accept."""
    try:
        # Pillow warns (and does not refuse) between MAX_IMAGE_PIXELS and twice that;
        # turn that warning into a refusal for this call only, without touching the
        # global limit. catch_warnings is process-wide for its short span: harmless here.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=list(formats))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse_bomb(str(exc)) from exc
    except UnidentifiedImageError as exc:
        if sniffed is not None:
            # It starts like a JPEG/PNG/WebP/HEIC but the header does not parse.
            raise _refuse_truncated(f"unreadable {sniffed} header") from exc
        raise _refuse_not_image() from exc
    except _DECODE_ERRORS as exc:
        if sniffed is not None:
            raise _refuse_truncated(str(exc) or type(exc).__name__) from exc
        raise _refuse_not_image() from exc


def _apply_orientation(image: Image.Image) -> Image.Image:
    """Rotate/flip as the EXIF orientation says; a broken EXIF block is ignored, not fatal."""
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except (SyntaxError, ValueError, TypeError, KeyError, struct.error, OSError) as exc:
        log.warning("ignoring unreadable EXIF orientation: %s", exc)
    return image


def _to_srgb_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB without alpha (flattened on white), converted to sRGB when it has a profile."""
    icc = image.info.get("icc_profile")
    image = _to_plain_mode(image)
    if isinstance(icc, bytes) and icc:
        image = _convert_profile(image, icc)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image


def _to_plain_mode(image: Image.Image) -> Image.Image:
    """Reduce any mode to L, RGB or CMYK; transparency is flattened onto white."""
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        # 16-bit greyscale PNG: scale to 8 bits (a plain convert would clip to white).
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if mode == "F":
        return image.convert("L")
    if mode == "1":
        return image.convert("L")
    has_alpha = mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info
    if mode == "P" or has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        return background.convert("RGB")
    if mode in ("L", "RGB", "CMYK"):
        return image
    return image.convert("RGB")


def _convert_profile(image: Image.Image, icc: bytes) -> Image.Image:
    """Convert from the embedded ICC profile to sRGB; a bad or mismatched profile is ignored.

    Output JPEGs carry no profile at all: untagged images are read as sRGB everywhere
    (browsers, Qt, WhatsApp), and a profile costs 0.5 to 3 KB, too much for a 20 KB
    thumbnail. Wide-gamut sources (iPhone Display P3, Adobe RGB) are converted first so
    their colours survive the drop.
    """
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = source.profile.xcolor_space.strip()
        expected = {"L": "GRAY", "RGB": "RGB", "CMYK": "CMYK"}.get(image.mode)
        if space != expected:
            log.info("ignoring ICC profile for %s on a %s image", space, image.mode)
            return image
        if image.mode == "RGB" and "srgb" in ImageCms.getProfileDescription(source).lower():
            return image
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        converted = ImageCms.profileToProfile(
            image,
            source,
            srgb,
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode="RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        log.warning("ignoring unusable ICC profile: %s", exc)
        return image
    return converted if converted is not None else image
