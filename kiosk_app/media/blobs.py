"""Content-addressed blob folder for photo bytes: ``root/ab/abcdef…`` named by sha256.

Writes are crash-safe: bytes go to a temporary file in the same folder, are flushed and
fsynced, then renamed over the final name with ``os.replace`` (atomic on NTFS and POSIX
file systems). A power cut leaves either no blob or the whole blob, plus at worst a
stray temporary file that ``discard_partials`` removes and ``iter_shas`` never lists.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_FANOUT_DIR = re.compile(r"[0-9a-f]{2}")
_CHUNK = 1024 * 1024
_TEMP_PREFIX = ".partial-"
_TEMP_SUFFIX = ".tmp"


class InvalidBlobId(ValueError):
    """The argument is not a sha256 as 64 lowercase hex characters."""


def check_sha(sha: str) -> str:
    """Return ``sha`` if it is 64 lowercase hex characters; raise InvalidBlobId otherwise.

    This is what keeps ids like ``../../etc/passwd`` or ``C:\\x`` out of file paths.
    """
    if not isinstance(sha, str) or _SHA256_HEX.fullmatch(sha) is None:
        raise InvalidBlobId(f"not a sha256 hex digest: {sha!r}")
    return sha


class BlobStore:
    """Files named by the sha256 of their content under ``root``.

    Nothing touches the disk until the first write: constructing a store creates no folder.
    Concurrent puts (even of the same bytes) are safe: each writes its own temporary file.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"BlobStore({str(self.root)!r})"

    def path(self, sha: str) -> Path:
        """Where the blob with this sha256 lives (whether or not it exists)."""
        check_sha(sha)
        return self.root / sha[:2] / sha

    def has(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its sha256. Storing the same bytes again is a no-op."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if self._is_complete(target, len(data)):
            return sha
        folder = self._make_folder(target.parent)
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp_name, target)
        except BaseException:
            _unlink_quietly(Path(temp_name))
            raise
        _fsync_folder(folder)
        return sha

    def put_file(self, source: Path) -> str:
        """Stream a file into the store (hashing as it copies) and return its sha256."""
        self._make_folder(self.root)
        # The name is known only at the end, so the temporary file sits in ``root``: the
        # same file system as its final folder, which is what os.replace needs.
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=self.root)
        temp = Path(temp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out, Path(source).open("rb") as src:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            target = self.path(sha)
            if self._is_complete(target, size):
                _unlink_quietly(temp)
                return sha
            folder = self._make_folder(target.parent)
            os.replace(temp, target)
        except BaseException:
            _unlink_quietly(temp)
            raise
        _fsync_folder(folder)
        return sha

    def open(self, sha: str) -> BinaryIO:
        """Open the blob for reading. Raises FileNotFoundError if it is not stored."""
        return self.path(sha).open("rb")

    def read(self, sha: str) -> bytes:
        """The blob's bytes. Raises FileNotFoundError if it is not stored."""
        return self.path(sha).read_bytes()

    def size(self, sha: str) -> int:
        """The blob's size in bytes. Raises FileNotFoundError if it is not stored."""
        return self.path(sha).stat().st_size

    def verify(self, sha: str) -> bool:
        """Re-hash the stored bytes: False if the blob is missing or its content is damaged."""
        digest = hashlib.sha256()
        try:
            with self.open(sha) as f:
                while chunk := f.read(_CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            return False
        return digest.hexdigest() == sha

    def delete(self, sha: str) -> bool:
        """Remove the blob; True if it was there. The (maybe empty) folder is kept."""
        try:
            self.path(sha).unlink()
        except FileNotFoundError:
            return False
        return True

    def iter_shas(self) -> Iterator[str]:
        """Every stored sha256, in sorted order; temporary and foreign files are skipped."""
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if not (folder.is_dir() and _FANOUT_DIR.fullmatch(folder.name)):
                continue
            for entry in sorted(folder.iterdir()):
                name = entry.name
                if _SHA256_HEX.fullmatch(name) and name[:2] == folder.name and entry.is_file():
                    yield name

    def discard_partials(self) -> int:
        """Remove temporary files left by a crash mid-write; returns how many.

        Call it at start-up, before any other thread writes to this store.
        """
        if not self.root.is_dir():
            return 0
        removed = 0
        folders = [self.root] + [
            d for d in self.root.iterdir() if d.is_dir() and _FANOUT_DIR.fullmatch(d.name)
        ]
        for folder in folders:
            for entry in folder.glob(f"{_TEMP_PREFIX}*{_TEMP_SUFFIX}"):
                if entry.is_file():
                    _unlink_quietly(entry)
                    removed += 1
        return removed

    def _is_complete(self, target: Path, size: int) -> bool:
        # A file of the right size under its own hash is taken as present: re-hashing
        # on every put would be slow, and verify() is there for the paranoid. A wrong
        # size (damaged copy) is simply overwritten by the new, good bytes.
        try:
            return target.stat().st_size == size
        except FileNotFoundError:
            return False

    def _make_folder(self, folder: Path) -> Path:
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            _fsync_folder(folder.parent)  # make the new folder's name durable too
        return folder


def _fsync_folder(folder: Path) -> None:
    """Make a rename or new entry in ``folder`` durable across a power cut.

    POSIX needs the directory itself fsynced; Windows cannot open a directory this way
    and NTFS journals the rename, so there it is skipped.
    """
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (network shares) do not support it; the data is written
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    path.unlink(missing_ok=True)
