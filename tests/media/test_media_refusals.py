"""Hostile and unsupported files: refused with the right code, nothing stored, globals kept."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from kiosk_app.media.blobs import BlobStore
from kiosk_app.media.decode import MAX_FILE_BYTES, sniff_format
from kiosk_app.media.errors import PHOTO_ERROR_CODES, PhotoError
from kiosk_app.media.ingest import ingest_photo
from kiosk_app.media.pipeline import process_photo
from tests.media.media_samples import photo_like, png_bomb, png_header_only, to_bytes

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def pillow_globals_untouched() -> Iterator[None]:
    """Every test here must leave Pillow's process-wide safety settings as they were."""
    before = (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)
    yield
    assert before == (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES)


@pytest.fixture(scope="module")
def small_jpeg() -> bytes:
    return to_bytes(photo_like((800, 600)), "JPEG", quality=90)


@pytest.fixture(scope="module")
def small_png() -> bytes:
    return to_bytes(photo_like((400, 300)), "PNG")


def refused(source: Path | bytes, tmp_path: Path) -> PhotoError:
    """Ingest ``source`` into an empty store; return the refusal. Checks nothing was written."""
    store = BlobStore(tmp_path / "blobs")
    with pytest.raises(PhotoError) as caught:
        ingest_photo(source, store)
    assert not store.root.exists(), "a refused photo must leave no trace on disk"
    assert list(store.iter_shas()) == []
    error = caught.value
    assert error.code in PHOTO_ERROR_CODES
    assert error.message_id and error.message_en
    assert str(error) == error.message_en
    return error


# --- not a picture at all ------------------------------------------------------------------


def test_zero_bytes_is_empty(tmp_path: Path) -> None:
    assert refused(b"", tmp_path).code == "empty"
    empty_file = tmp_path / "kosong.jpg"
    empty_file.write_bytes(b"")
    assert refused(empty_file, tmp_path).code == "empty"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(random.Random(20250817).randbytes(64 * 1024), id="random-bytes"),
        pytest.param(b"Daftar harga:\nKeripik Rp15.000\n" * 40, id="text"),
        pytest.param(
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n", id="pdf"
        ),
        pytest.param(b"PK\x03\x04" + b"\x00" * 200, id="zip"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
    ],
)
def test_things_that_are_not_photos(data: bytes, tmp_path: Path) -> None:
    error = refused(data, tmp_path)
    assert error.code == "not_image"
    assert "bukan foto" in error.message_id
    assert "JPEG, PNG" in error.message_id


# --- damaged photos ------------------------------------------------------------------------


def test_truncated_jpeg(small_jpeg: bytes, tmp_path: Path) -> None:
    error = refused(small_jpeg[: len(small_jpeg) // 2], tmp_path)
    assert error.code == "truncated"
    assert "rusak atau tidak lengkap" in error.message_id


def test_truncated_png(small_png: bytes, tmp_path: Path) -> None:
    assert refused(small_png[: len(small_png) // 2], tmp_path).code == "truncated"


def test_photo_cut_inside_its_header_is_truncated_not_unknown(
    small_jpeg: bytes, small_png: bytes, tmp_path: Path
) -> None:
    assert refused(small_jpeg[:120], tmp_path).code == "truncated"
    assert refused(small_png[:30], tmp_path).code == "truncated"


def test_truncated_file_on_disk(small_jpeg: bytes, tmp_path: Path) -> None:
    source = tmp_path / "IMG_0002.jpg"
    source.write_bytes(small_jpeg[: len(small_jpeg) * 2 // 3])
    assert refused(source, tmp_path).code == "truncated"


# --- too big ---------------------------------------------------------------------------------


def test_bomb_header_claiming_400_megapixels(tmp_path: Path) -> None:
    # 20000x20000 is beyond twice Pillow's limit: Pillow raises DecompressionBombError.
    assert refused(png_header_only(20000, 20000), tmp_path).code == "too_large"


def test_bomb_header_in_pillows_warning_band_is_refused_without_a_warning(tmp_path: Path) -> None:
    # 10000x10000 (100 MP) is where Pillow only warns; we refuse, and the warning does not leak.
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert refused(png_header_only(10000, 10000), tmp_path).code == "too_large"
    assert not [w for w in seen if issubclass(w.category, Image.DecompressionBombWarning)]


def test_real_compressed_bomb_is_refused_before_any_pixel_is_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a valid 55 KB PNG that would decode to 8000x7000 (56 MP, under Pillow's own limit)
    bomb = png_bomb(8000, 7000)
    assert len(bomb) < 100_000
    decoded: list[object] = []
    real_load = ImageFile.ImageFile.load

    def spy_load(self: ImageFile.ImageFile) -> object:
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    # Then it is refused from the header alone
    error = refused(bomb, tmp_path)
    assert error.code == "too_large"
    assert "50 megapiksel" in error.message_id
    assert decoded == []


def test_just_under_the_pixel_limit_is_accepted() -> None:
    # 7000x7000 = 49 MP of one colour: decoded (slowly-ish) and downscaled, not refused.
    photo = process_photo(png_bomb(7000, 7000))
    assert (photo.width, photo.height) == (1600, 1600)


def test_file_over_40_mb_is_refused_before_reading(tmp_path: Path) -> None:
    big = b"\xff\xd8\xff\xe0" + bytes(MAX_FILE_BYTES)
    assert refused(big, tmp_path).code == "too_large"
    on_disk = tmp_path / "VID_0001.jpg"
    with on_disk.open("wb") as f:
        f.write(b"\xff\xd8\xff\xe0")
        f.truncate(MAX_FILE_BYTES + 1)  # sparse where the file system allows it
    error = refused(on_disk, tmp_path)
    assert error.code == "too_large"
    assert "40 MB" in error.message_id


# --- pictures we do not take ------------------------------------------------------------------


def _animated(fmt: str) -> bytes:
    frames = [photo_like((120, 90), seed=s) for s in (1, 2)]
    out = io.BytesIO()
    frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF"), ("JPEG2000", "JPEG2000")],
)
def test_other_image_formats_are_unsupported(fmt: str, name: str, tmp_path: Path) -> None:
    error = refused(to_bytes(photo_like((120, 90)), fmt), tmp_path)
    assert error.code == "unsupported"
    assert name in error.message_id


@pytest.mark.parametrize("fmt", ["GIF", "PNG", "WEBP"])
def test_animations_are_unsupported(fmt: str, tmp_path: Path) -> None:
    error = refused(_animated(fmt), tmp_path)
    assert error.code == "unsupported"
    if fmt != "GIF":
        assert "animasi" in error.message_id


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    error = refused(tmp_path / "sudah-dihapus.jpg", tmp_path)
    assert error.code == "unreadable"
    assert "flashdisk" in error.message_id


# --- the guards themselves --------------------------------------------------------------------


def test_sniffing_is_not_fooled_by_text_starting_like_a_bitmap() -> None:
    assert sniff_format(b"BMW 1-series, bekas, Rp95.000.000") is None
    assert sniff_format(b"GIF89a\x01\x00") == "GIF"


def test_importing_the_media_package_has_no_side_effects() -> None:
    # No Qt, nothing of ours but media and domain, and HEIF registered only when first needed.
    code = (
        "import sys\n"
        "import kiosk_app.media.pipeline, kiosk_app.media.blobs, kiosk_app.media.ingest\n"
        "from PIL import Image\n"
        "assert 'PySide6' not in sys.modules\n"
        "assert 'pi_heif' not in sys.modules and 'pillow_heif' not in sys.modules\n"
        "assert 'HEIF' not in Image.OPEN\n"
        "ours = [m for m in sys.modules if m.startswith('kiosk_app.')]\n"
        "bad = [m for m in ours if not m.startswith(('kiosk_app.media', 'kiosk_app.domain'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
