"""process_photo on good input: orientation, sizes, byte budgets, metadata stripped, determinism."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from kiosk_app.media.encode import (
    FULL_BUDGET_BYTES,
    FULL_LADDER,
    THUMB_BUDGET_BYTES,
    QualityLadder,
    fit_within,
)
from kiosk_app.media.pipeline import ProcessedPhoto, process_photo
from tests.media.media_samples import (
    COMMENT,
    MARKER_SIZE,
    jpeg_header_segments,
    phone_exif,
    phone_jpeg,
    photo_like,
    srgb_icc,
    to_bytes,
    wide_gamut_icc,
)

APP1, APP2, COM = 0xE1, 0xE2, 0xFE


@pytest.fixture(scope="module")
def phone_photo() -> ProcessedPhoto:
    """The typical 12 MP portrait phone photo (EXIF orientation 6, GPS), processed once."""
    return process_photo(phone_jpeg(6))


def open_jpeg(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    image.load()
    return image


# --- the typical 12 MP phone photo ---------------------------------------------------------


def test_phone_photo_is_turned_upright(phone_photo: ProcessedPhoto) -> None:
    # Given a 4000x3000 sensor image with EXIF orientation 6 (shot holding the phone upright)
    # Then the output is portrait, and the stored top-left corner (red) is now top-right.
    assert (phone_photo.width, phone_photo.height) == (1200, 1600)
    assert (phone_photo.thumb_width, phone_photo.thumb_height) == (240, 320)
    full = open_jpeg(phone_photo.full)
    assert full.size == (1200, 1600)
    assert open_jpeg(phone_photo.thumb).size == (240, 320)
    inset = MARKER_SIZE * 1200 // 3000 // 2  # the middle of the red square, scaled
    red, green, blue = full.getpixel((1200 - inset, inset))  # type: ignore[misc]
    assert red > 200 and green < 60 and blue < 60
    assert full.getpixel((inset, inset)) != full.getpixel((1200 - inset, inset))


def test_phone_photo_meets_byte_budgets(phone_photo: ProcessedPhoto) -> None:
    assert len(phone_photo.full) <= FULL_BUDGET_BYTES
    assert len(phone_photo.thumb) <= THUMB_BUDGET_BYTES
    # The fixture is photo-like, not trivially compressible: the budget was a real constraint
    # (a flat colour would give ~20 KB, random noise ~1 MB).
    assert len(phone_photo.full) > 100_000
    assert phone_photo.full_quality in FULL_LADDER.qualities()


def test_phone_photo_has_no_metadata_left(phone_photo: ProcessedPhoto) -> None:
    for data in (phone_photo.full, phone_photo.thumb):
        image = open_jpeg(data)
        assert len(image.getexif()) == 0
        assert image.getexif().get_ifd(0x8825) == {}
        assert "exif" not in image.info
        assert "xmp" not in image.info
        assert "icc_profile" not in image.info
        assert "comment" not in image.info
        header = b"".join(payload for _, payload in jpeg_header_segments(data))
        markers = {marker for marker, _ in jpeg_header_segments(data)}
        assert not markers & {APP1, APP2, COM}, "no EXIF/XMP, no ICC, no comment segment"
        assert b"Exif" not in data
        assert b"GPS" not in header
        assert b"http://ns.adobe.com/xap" not in data
        assert b"ICC_PROFILE" not in data
        assert COMMENT not in data
        assert b"SAMSUNG" not in data


def test_phone_photo_is_deterministic(phone_photo: ProcessedPhoto, tmp_path: Path) -> None:
    # Same input, same bytes: from bytes again and from a file on disk.
    source = tmp_path / "IMG_0001.jpg"
    source.write_bytes(phone_jpeg(6))
    again = process_photo(source)
    assert again == phone_photo
    assert again.sha256 == phone_photo.sha256 == hashlib.sha256(phone_photo.full).hexdigest()
    assert again.thumb_sha256 == hashlib.sha256(phone_photo.thumb).hexdigest()
    assert len(again.sha256) == 64 and again.sha256 == again.sha256.lower()
    assert again.source_format == "JPEG"


def test_output_jpeg_is_progressive_and_420(phone_photo: ProcessedPhoto) -> None:
    image = open_jpeg(phone_photo.full)
    assert image.info.get("progressive") or image.info.get("progression")
    assert image.mode == "RGB"
    from PIL import JpegImagePlugin

    assert JpegImagePlugin.get_sampling(image) == 2  # 4:2:0


# --- other formats and shapes --------------------------------------------------------------


def test_png_with_alpha_is_flattened_on_white() -> None:
    # Given a PNG whose left half is fully transparent and right half opaque blue
    image = Image.new("RGBA", (1000, 800), (0, 0, 255, 255))
    image.paste((255, 0, 0, 0), (0, 0, 500, 800))  # transparent red: must not show
    photo = process_photo(to_bytes(image, "PNG"))
    assert photo.source_format == "PNG"
    assert (photo.width, photo.height) == (1000, 800)
    full = open_jpeg(photo.full).convert("RGB")
    assert all(c > 245 for c in full.getpixel((100, 400)))  # type: ignore[union-attr]
    red, green, blue = full.getpixel((900, 400))  # type: ignore[misc]
    assert blue > 230 and red < 20 and green < 20


def test_palette_png_with_transparency() -> None:
    image = Image.new("P", (400, 300), 0)
    image.putpalette([0, 0, 0, 0, 200, 0] + [0] * 762)
    image.paste(1, (200, 0, 400, 300))
    photo = process_photo(to_bytes(image, "PNG", transparency=0))
    full = open_jpeg(photo.full)
    assert all(c > 245 for c in full.getpixel((50, 150)))  # type: ignore[union-attr]
    assert full.getpixel((350, 150))[1] > 180  # type: ignore[index]


def test_webp_is_accepted_and_downscaled() -> None:
    photo = process_photo(to_bytes(photo_like((2000, 1500)), "WEBP", quality=85))
    assert photo.source_format == "WEBP"
    assert (photo.width, photo.height) == (1600, 1200)
    assert (photo.thumb_width, photo.thumb_height) == (320, 240)


def test_small_image_is_never_upscaled() -> None:
    photo = process_photo(to_bytes(photo_like((300, 200)), "PNG"))
    assert (photo.width, photo.height) == (300, 200)
    assert (photo.thumb_width, photo.thumb_height) == (300, 200)
    assert open_jpeg(photo.full).size == (300, 200)


def test_medium_image_keeps_full_size_but_gets_a_thumbnail() -> None:
    photo = process_photo(to_bytes(photo_like((1000, 500)), "JPEG"))
    assert (photo.width, photo.height) == (1000, 500)
    assert (photo.thumb_width, photo.thumb_height) == (320, 160)


def test_large_jpeg_decoded_at_reduced_scale_still_gives_exact_sizes() -> None:
    # 6400x4800 (31 MP): libjpeg decodes at 1/2 scale (3200x2400), then Lanczos to 1600.
    image = Image.linear_gradient("L").resize((6400, 4800)).convert("RGB")
    photo = process_photo(to_bytes(image, "JPEG", quality=80))
    assert (photo.width, photo.height) == (1600, 1200)


@pytest.mark.parametrize(
    ("orientation", "size"),
    [(1, (400, 300)), (3, (400, 300)), (6, (300, 400)), (8, (300, 400)), (5, (300, 400))],
)
def test_every_orientation_gives_the_upright_size(orientation: int, size: tuple[int, int]) -> None:
    image = photo_like((400, 300))
    photo = process_photo(to_bytes(image, "JPEG", exif=phone_exif(orientation)))
    assert (photo.width, photo.height) == size


def test_multi_picture_jpeg_from_a_phone_takes_the_first_picture() -> None:
    # Many phones save MPO: a JPEG with a second picture (preview or depth) appended.
    main, extra = photo_like((800, 600)), photo_like((400, 300), seed=9)
    out = io.BytesIO()
    main.save(out, format="MPO", save_all=True, append_images=[extra])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    photo = process_photo(out.getvalue())
    assert photo.source_format == "JPEG"
    assert (photo.width, photo.height) == (800, 600)


def test_greyscale_and_cmyk_become_rgb() -> None:
    grey = process_photo(to_bytes(photo_like((300, 200)).convert("L"), "JPEG"))
    cmyk = process_photo(to_bytes(photo_like((300, 200)).convert("CMYK"), "JPEG"))
    assert open_jpeg(grey.full).mode == "RGB"
    assert open_jpeg(cmyk.full).mode == "RGB"


def test_16_bit_greyscale_png_is_scaled_not_clipped() -> None:
    # A mid-grey 16-bit PNG must come out mid-grey, not white.
    image = Image.new("I;16", (200, 100), 32768)
    photo = process_photo(to_bytes(image, "PNG"))
    value = open_jpeg(photo.full).getpixel((100, 50))
    assert all(120 <= c <= 136 for c in value)  # type: ignore[union-attr]


def test_wide_gamut_profile_is_converted_to_srgb_then_dropped() -> None:
    # Given an iPhone-like Display P3 photo of a brick-red surface and a neutral grey
    def through_pipeline(colour: tuple[int, int, int], icc: bytes) -> tuple[int, int, int]:
        image = Image.new("RGB", (64, 64), colour)
        full = open_jpeg(process_photo(to_bytes(image, "PNG", icc_profile=icc)).full)
        assert "icc_profile" not in full.info  # no profile written: untagged means sRGB
        pixel = full.getpixel((32, 32))
        assert isinstance(pixel, tuple)
        return pixel[0], pixel[1], pixel[2]

    # Then P3 red is more saturated once expressed in sRGB (it would look dull if the
    # profile were simply dropped), grey stays grey, and sRGB input is left as it is.
    red, green, blue = through_pipeline((200, 50, 50), wide_gamut_icc())
    assert red >= 210 and green <= 30 and blue <= 45
    assert all(abs(c - 128) <= 3 for c in through_pipeline((128, 128, 128), wide_gamut_icc()))
    same = through_pipeline((10, 200, 30), srgb_icc())
    assert all(abs(a - b) <= 4 for a, b in zip(same, (10, 200, 30), strict=True))


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_broken_icc_profile_and_broken_exif_do_not_refuse_the_photo() -> None:
    image = photo_like((320, 240))
    bad_icc = to_bytes(image, "PNG", icc_profile=b"not really a profile" * 10)
    bad_exif = to_bytes(image, "JPEG", exif=b"Exif\x00\x00II*\x00\xff\xff\xff\x7f" + b"\x00" * 20)
    assert process_photo(bad_icc).width == 320
    assert process_photo(bad_exif).width == 320


def test_heic_from_an_iphone_is_accepted_and_turned_upright() -> None:
    from kiosk_app.media.decode import heif_available

    assert heif_available()
    # Like an iPhone: landscape pixels, an "irot" rotation box and EXIF orientation 6.
    # Written once with pillow-heif (pi-heif, which we ship, only decodes).
    source = (Path(__file__).parent / "fixtures" / "iphone_orientation6.heic").read_bytes()
    assert b"irot" in source and b"Exif" in source
    photo = process_photo(source)
    assert photo.source_format == "HEIF"
    assert (photo.width, photo.height) == (600, 800)
    assert b"Exif" not in photo.full


# --- the size arithmetic --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "limit", "expected"),
    [
        ((4000, 3000), 1600, (1600, 1200)),
        ((3000, 4000), 1600, (1200, 1600)),
        ((1600, 1600), 1600, (1600, 1600)),
        ((1601, 10), 1600, (1600, 10)),
        ((10000, 3), 320, (320, 1)),
        ((100, 50), 320, (100, 50)),
    ],
)
def test_fit_within(size: tuple[int, int], limit: int, expected: tuple[int, int]) -> None:
    assert fit_within(size, limit) == expected


def test_quality_ladder_steps_down_to_the_floor() -> None:
    assert QualityLadder(start=82, floor=60, step=4).qualities() == [82, 78, 74, 70, 66, 62, 60]
    assert QualityLadder(start=60, floor=60, step=4).qualities() == [60]


def test_sample_profile_is_not_linear() -> None:
    # Guard for the sample helper itself: the profile Pillow builds is a real sRGB profile.
    profile = ImageCms.ImageCmsProfile(io.BytesIO(srgb_icc()))
    assert "srgb" in ImageCms.getProfileDescription(profile).lower()
