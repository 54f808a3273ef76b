"""Is this a JPEG? Its structure checked from the markers, no pixel decoded.

The server stores and serves photos as ``image/jpeg``; a kiosk sends only JPEGs its
photo pipeline wrote. So an upload must be one: the start-of-image marker, well-formed
segments (each length inside the file), quantisation tables, exactly one frame header
with a sane size and component count before the first scan, scan headers that fit,
entropy-coded data whose markers are only stuffing and restarts, and the end-of-image
marker as the last two bytes. Everything is read with ``bytes.find`` and slices, so a
25 MiB file is checked in milliseconds, and nothing here can run a decoder's bugs.
"""

from __future__ import annotations

MAX_SIDE = 8192  # the kiosk sends at most 1,600 px; a generous bound for other clients
SOF_MARKERS = frozenset({*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC),
                         *range(0xCD, 0xD0)})  # fmt: skip
SOS, EOI, SOI, DQT = 0xDA, 0xD9, 0xD8, 0xDB
RESTARTS = frozenset(range(0xD0, 0xD8))


class NotJpeg(ValueError):
    """The bytes are not a well-formed JPEG; the message says where."""


def _frame(segment: bytes) -> None:
    if len(segment) < 6:
        raise NotJpeg("frame header too short")
    precision = segment[0]
    height = int.from_bytes(segment[1:3], "big")
    width = int.from_bytes(segment[3:5], "big")
    components = segment[5]
    if precision not in (8, 12):
        raise NotJpeg(f"sample precision {precision}")
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise NotJpeg(f"size {width}x{height}")
    if components not in (1, 3, 4) or len(segment) != 6 + 3 * components:
        raise NotJpeg("frame header components")


def _scan_header(segment: bytes) -> None:
    if not segment or not 1 <= segment[0] <= 4 or len(segment) != 4 + 2 * segment[0]:
        raise NotJpeg("scan header")


def _entropy_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data starting at ``pos`` ends: the next real marker."""
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= len(data):
            raise NotJpeg("scan data runs to the end of the file")
        following = data[pos + 1]
        if following == 0x00 or following in RESTARTS:
            pos += 2
        elif following == 0xFF:
            pos += 1  # fill bytes before a marker
        else:
            return pos


def check_jpeg(data: bytes) -> None:
    """Raise NotJpeg unless ``data`` is a well-formed JPEG (see the module's docstring)."""
    if len(data) < 4 or data[:2] != b"\xff\xd8":
        raise NotJpeg("no start-of-image marker")
    pos, frames, tables, scans = 2, 0, 0, 0
    size = len(data)
    while True:
        if pos >= size or data[pos] != 0xFF:
            raise NotJpeg(f"expected a marker at byte {pos}")
        while pos < size and data[pos] == 0xFF:
            pos += 1
        if pos >= size:
            raise NotJpeg("file ends inside a marker")
        marker = data[pos]
        pos += 1
        if marker == EOI:
            if scans == 0:
                raise NotJpeg("end of image before any scan")
            if pos != size:
                raise NotJpeg("bytes after the end-of-image marker")
            return
        if marker in (SOI, 0x01) or marker in RESTARTS or marker == 0x00:
            raise NotJpeg(f"marker {marker:#04x} out of place")
        if pos + 2 > size:
            raise NotJpeg("segment length past the end")
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > size:
            raise NotJpeg(f"segment {marker:#04x} length {length}")
        segment = data[pos + 2 : pos + length]
        pos += length
        if marker in SOF_MARKERS:
            frames += 1
            if frames > 1:
                raise NotJpeg("more than one frame")
            _frame(segment)
        elif marker == DQT:
            tables += 1
        elif marker == SOS:
            if frames != 1 or tables == 0:
                raise NotJpeg("scan before its frame or quantisation tables")
            _scan_header(segment)
            scans += 1
            pos = _entropy_end(data, pos)
