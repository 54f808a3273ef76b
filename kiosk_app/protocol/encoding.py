"""Content codings of sync bodies: zstd, brotli and gzip, chosen by HTTP negotiation.

The kiosk says what it reads (``Accept-Encoding: zstd, br, gzip``); the server answers
in the first of those it speaks and says in its own ``Accept-Encoding`` (RFC 7694) what
it reads in requests. Answers are compressed as they stream: each piece is flushed, so
the kiosk decompresses and applies it while the next is on the link. Request bodies are
decompressed never more than one byte past a limit, so a small bomb cannot fill memory.

zstd by default: on a 2,000-product batch it is as small as brotli's middle qualities at
a fraction of their CPU (bench/bench_sync.py reports both sides' cost).
"""

from __future__ import annotations

import zlib

import brotli
import zstandard

ZSTD, BROTLI, GZIP, IDENTITY = "zstd", "br", "gzip", "identity"
# Best first: what this side reads and writes.
SUPPORTED = (ZSTD, BROTLI, GZIP)
ACCEPT = ", ".join(SUPPORTED)
ZSTD_LEVEL = 9  # ~6 ms for 2,000 products; 19 saves <1 % for 10x the CPU
BROTLI_QUALITY = 9
GZIP_LEVEL = 6


class EncodingError(ValueError):
    """A body is not valid in its coding, or expands past the limit."""

    def __init__(self, message: str, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def choose(accept: str, offered: tuple[str, ...] = SUPPORTED) -> str:
    """The first of ``offered`` that an ``Accept-Encoding`` value allows (q > 0), else
    identity. Our own preference decides among accepted codings."""
    allowed: set[str] = set()
    for item in accept.lower().split(","):
        name, _, params = item.strip().partition(";")
        q = params.strip()
        if q.startswith("q="):
            try:
                if float(q[2:]) <= 0:
                    continue
            except ValueError:
                continue
        allowed.add(name.strip())
    for name in offered:
        if name in allowed or "*" in allowed:
            return name
    return IDENTITY


def compress(data: bytes, coding: str) -> bytes:
    """``data`` whole in ``coding``."""
    if coding == ZSTD:
        return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(data)
    if coding == BROTLI:
        return bytes(brotli.compress(data, quality=BROTLI_QUALITY))
    if coding == GZIP:
        import gzip

        return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    if coding == IDENTITY:
        return data
    raise EncodingError(f"unknown coding {coding!r}")


# Idle zstd compressors: making one at level 9 allocates and clears its tables (~0.1 ms,
# as much as compressing a small answer 15 times over), so a stream takes one from here
# and puts it back when it ends. A compressor serves one stream at a time (streams of
# concurrent answers interleave on one event loop); list.pop and append are atomic.
_IDLE_ZSTD: list[zstandard.ZstdCompressor] = []
_IDLE_ZSTD_MAX = 16


class StreamCompressor:
    """One answer's stream: ``piece`` returns the compressed bytes of a piece, flushed
    so the far side can read it whole; ``end`` closes the stream."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        if coding == ZSTD:
            try:
                self._zstd_owner = _IDLE_ZSTD.pop()
            except IndexError:
                self._zstd_owner = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
            self._zstd = self._zstd_owner.compressobj()
        elif coding == BROTLI:
            self._br = brotli.Compressor(quality=BROTLI_QUALITY)
        elif coding == GZIP:
            self._gz = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        elif coding != IDENTITY:
            raise EncodingError(f"unknown coding {coding!r}")

    def piece(self, data: bytes) -> bytes:
        if self.coding == ZSTD:
            out = self._zstd.compress(data)
            return out + self._zstd.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        if self.coding == BROTLI:
            return bytes(self._br.process(data)) + bytes(self._br.flush())
        if self.coding == GZIP:
            return self._gz.compress(data) + self._gz.flush(zlib.Z_SYNC_FLUSH)
        return data

    def end(self) -> bytes:
        if self.coding == ZSTD:
            out = bytes(self._zstd.flush(zstandard.COMPRESSOBJ_FLUSH_FINISH))
            if len(_IDLE_ZSTD) < _IDLE_ZSTD_MAX:  # the frame is whole: free for the next
                _IDLE_ZSTD.append(self._zstd_owner)
            return out
        if self.coding == BROTLI:
            return bytes(self._br.finish())
        if self.coding == GZIP:
            return self._gz.flush()
        return b""


STEP = 1 << 20  # bytes a decompressor produces at a time, at most


class StreamDecompressor:
    """The reverse of ``StreamCompressor``, fed the bytes as they arrive. ``limit``: the
    most bytes it will produce in all (``EncodingError`` with ``too_large`` past it)."""

    def __init__(self, coding: str, limit: int | None = None) -> None:
        self.coding = coding
        self.limit = limit
        self.produced = 0
        self._finished = coding == IDENTITY
        if coding == ZSTD:
            self._zstd = zstandard.ZstdDecompressor().decompressobj()
        elif coding == BROTLI:
            self._br = brotli.Decompressor()
        elif coding == GZIP:
            self._gz = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding != IDENTITY:
            raise EncodingError(f"unknown coding {coding!r}")

    def _count(self, out: bytes) -> bytes:
        self.produced += len(out)
        if self.limit is not None and self.produced > self.limit:
            raise EncodingError(f"body over {self.limit} bytes expanded", too_large=True)
        return out

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        try:
            if self.coding == ZSTD:
                # Fed in small slices: one slice expands at most ~2 MiB, checked each time.
                for at in range(0, len(data), 64):
                    out += self._count(self._zstd.decompress(data[at : at + 64]))
                self._finished = self._zstd.eof
            elif self.coding == BROTLI:
                out += self._count(bytes(self._br.process(data, output_buffer_limit=STEP)))
                while not self._br.can_accept_more_data():
                    out += self._count(bytes(self._br.process(b"", output_buffer_limit=STEP)))
                self._finished = self._br.is_finished()
            elif self.coding == GZIP:
                chunk = data
                while chunk:
                    out += self._count(self._gz.decompress(chunk, STEP))
                    chunk = self._gz.unconsumed_tail
                self._finished = self._gz.eof
            else:
                out += self._count(data)
        except (zstandard.ZstdError, brotli.error, zlib.error) as exc:
            raise EncodingError(f"body is not valid {self.coding}: {exc}") from exc
        return bytes(out)

    def done(self) -> bool:
        """Whether the compressed stream ended (identity: always)."""
        return self._finished


def decompress(raw: bytes, coding: str, limit: int) -> bytes:
    """A whole body in ``coding``, at most ``limit`` bytes expanded; ``EncodingError``
    when it is not valid, truncated or too large."""
    inflater = StreamDecompressor(coding, limit)
    out = inflater.feed(raw)
    if not inflater.done():
        raise EncodingError(f"{coding} body is truncated")
    return out
