"""Photo-like test images made at run time with Pillow, shared by the media tests and bench.

Why not random noise or a flat colour: JPEG cost depends on content. Pure random noise
is the worst case no codec compresses (a 1600 px version would be ~1 MB at any quality),
and a flat colour is trivially tiny; either would make the byte budgets meaningless.
A phone photo of a product on a table is mostly smooth light falloff and soft colour
fields, some texture (cloth, wood grain), hard edges and printed text on the products,
and a little sensor noise. Each layer below adds one of these, seeded, so the same seed
gives the same image. Calibrated so the 12 MP source JPEG is ~3 MB at quality 92, like
a real 12 MP phone photo (2.5-5 MB).
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib

from PIL import ExifTags, Image, ImageChops, ImageCms, ImageDraw, ImageFilter, ImageFont

PHONE_SIZE = (4000, 3000)  # 12 MP, landscape as stored by the sensor


def photo_like(size: tuple[int, int] = PHONE_SIZE, seed: int = 7) -> Image.Image:
    """An RGB image with the statistics of an ordinary product photo (see module docstring)."""
    rnd = random.Random(seed)
    width, height = size

    # 1. Light and colour fields: a few random colours blown up smoothly.
    field = Image.frombytes("RGB", (6, 5), rnd.randbytes(6 * 5 * 3))
    image = field.resize(size, Image.Resampling.BICUBIC)

    # 2. Mid-frequency texture (cloth, wood): coarse noise upscaled, mixed in gently.
    tex_size = (max(1, width // 6), max(1, height // 6))
    texture = Image.frombytes("L", tex_size, rnd.randbytes(tex_size[0] * tex_size[1]))
    texture = texture.resize(size, Image.Resampling.BICUBIC).convert("RGB")
    image = Image.blend(image, texture, 0.12)

    # 3. Objects with hard edges, and printed labels with text.
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(12, height // 40))
    for _ in range(14):
        x0, y0 = rnd.randrange(width), rnd.randrange(height)
        x1 = x0 + rnd.randrange(width // 12, width // 3)
        y1 = y0 + rnd.randrange(height // 12, height // 3)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        if rnd.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour, outline=(20, 20, 20), width=4)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour, outline=(240, 240, 240), width=6)
        draw.text((x0 + 20, y0 + 20), "Keripik Pisang Rp15.000", fill=(10, 10, 10), font=font)
    image = image.filter(ImageFilter.GaussianBlur(1.0))  # lens softness

    # 4. Mild sensor noise, the same on all channels (luminance noise).
    noise = Image.frombytes("L", size, rnd.randbytes(width * height)).point(lambda v: v // 24)
    return ImageChops.add(image, Image.merge("RGB", (noise, noise, noise)), offset=-5)


def to_bytes(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


# --- phone-style metadata -------------------------------------------------------------

XMP_PACKET = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:GPSLatitude="7,15.5S"/></rdf:RDF></x:xmpmeta>'
)
COMMENT = b"Kamera Bu Sri, Desa Ternyang"


def phone_exif(orientation: int) -> Image.Exif:
    """EXIF as a phone writes it: camera make/model, orientation and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SAMSUNG"
    exif[ExifTags.Base.Model] = "Galaxy A14"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.DateTime] = "2025:08:17 10:00:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (7.0, 15.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (112.0, 45.0, 10.0)
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


MARKER_SIZE = 400  # a red square in the stored top-left corner, to see where it ends up


@functools.cache
def phone_jpeg(orientation: int = 6) -> bytes:
    """A 12 MP JPEG as a phone saves it: quality 92, EXIF with GPS, XMP, ICC and a comment.

    The sensor stores landscape 4000x3000; orientation 6 says "rotate 90° clockwise to
    show", i.e. the photo was taken holding the phone upright (portrait).
    """
    image = photo_like()
    image.paste((255, 0, 0), (0, 0, MARKER_SIZE, MARKER_SIZE))
    return to_bytes(
        image,
        "JPEG",
        quality=92,
        exif=phone_exif(orientation),
        xmp=XMP_PACKET,
        icc_profile=srgb_icc(),
        comment=COMMENT,
    )


# --- looking inside JPEGs ---------------------------------------------------------------


def jpeg_header_segments(data: bytes) -> list[tuple[int, bytes]]:
    """The (marker, payload) segments before the first scan: where all metadata lives."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    segments = []
    pos = 2
    while pos < len(data):
        assert data[pos] == 0xFF, f"bad marker at {pos}"
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        segments.append((marker, data[pos + 4 : pos + 2 + length]))
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        pos += 2 + length
    return segments


# --- hostile files ------------------------------------------------------------------------


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` RGB pixels, with no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IEND", b"")


def png_bomb(width: int, height: int) -> bytes:
    """A valid, tiny (~50 KB) greyscale PNG that really decodes to width x height pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    packer = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + one black row
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz_tag(x: float, y: float, z: float) -> bytes:
    return b"XYZ \x00\x00\x00\x00" + _s15f16(x) + _s15f16(y) + _s15f16(z)


def wide_gamut_icc() -> bytes:
    """A minimal ICC v2 RGB profile with Display P3 primaries (what iPhones embed).

    Pillow can only build sRGB, Lab and XYZ profiles, so this one is assembled by hand:
    matrix/TRC form, D50-adapted P3 colourants, gamma 2.2 curves.
    """
    desc_text = b"Display P3 (test)\x00"
    desc = (
        b"desc\x00\x00\x00\x00"
        + struct.pack(">I", len(desc_text))
        + desc_text
        + b"\x00" * 8  # no Unicode description
        + b"\x00" * 3  # no ScriptCode description
        + b"\x00" * 67
    )
    curve = b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, 0x0233) + b"\x00\x00"  # 2.2
    tags = [
        (b"desc", desc),
        (b"wtpt", _xyz_tag(0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz_tag(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", _xyz_tag(0.2920, 0.6922, 0.0419)),
        (b"bXYZ", _xyz_tag(0.1571, 0.0666, 0.7841)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\x00\x00\x00\x00test\x00\x00\x00\x00"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        padded = data + b"\x00" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += padded
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + b"\x00" * 12  # date
        + b"acsp"
        + b"\x00" * 24  # platform, flags, manufacturer, model, attributes
        + b"\x00" * 4  # rendering intent
        + _s15f16(0.9642)
        + _s15f16(1.0)
        + _s15f16(0.8249)
        + b"\x00" * 48  # creator, profile id, reserved
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body
