"""Where photo bytes live: a local folder (the default) or an S3-compatible bucket.

One interface, ``BlobStorage``, over content-addressed bytes (the key is the SHA-256 of
the bytes, checked before anything is stored): the API, the catalog, USB import and the
collector use it and never a path. ``open_storage(settings)`` picks the kind from
``--blobs`` / ``KIOSK_SERVER_BLOBS``: ``s3://BUCKET[/PREFIX]`` for a bucket (endpoint and
keys from the standard ``AWS_*`` variables, read by boto3), anything else a folder, and
nothing the ``blobs`` folder in the data folder.

A stored object never changes (its name is its hash), so writes are idempotent and the
processes of one deployment need no coordination to share a bucket.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kiosk_server.config import Settings

CHUNK = 64 * 1024  # bytes per piece when streaming a blob to a client


class StorageError(Exception):
    """The storage could not be reached or refused an operation (not "no such blob")."""


@dataclass
class Opened:
    """A blob ready to be sent: a local file (sent with the web server's file response)
    or a stream of pieces (from a bucket, never read whole into memory)."""

    size: int
    path: Path | None = None
    pieces: Iterator[bytes] | None = None
    _close: Any = field(default=None, repr=False)

    def close(self) -> None:
        if self._close is not None:
            self._close()


class BlobStorage(Protocol):
    """Content-addressed bytes. ``sha`` is always 64 lowercase hex digits, checked by
    the caller (``blobstore.is_sha256``) before it reaches a storage."""

    description: str  # where the bytes are, for logs and readiness (no secrets)

    def put(self, sha: str, data: bytes) -> None:
        """Store ``data`` (already verified to hash to ``sha``) under ``sha``."""

    def open(self, sha: str) -> Opened | None:
        """The blob, ready to stream; None when it is not stored."""

    def read(self, sha: str) -> bytes | None:
        """The whole blob (small files: bundles, tests); None when it is not stored."""

    def size(self, sha: str) -> int | None:
        """Its size, or None when it is not stored."""

    def delete(self, sha: str) -> None:
        """Remove it; no error when it is not there."""

    def names(self) -> Iterator[tuple[str, float]]:
        """Every stored name (a hash, or a leftover of a crash) with its modification
        time (seconds since the epoch), for the collector of files no row knows."""

    def remove_name(self, name: str) -> None:
        """Remove what ``names`` listed as ``name``."""

    def check(self) -> None:
        """Raise StorageError unless the storage answers (readiness)."""


class LocalStorage:
    """``root/ab/abcdef…`` files, 0600 in 0700 folders, written under a temporary name,
    fsynced, then renamed into place: a crash never leaves half a file under a hash."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = f"folder {root}"

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def put(self, sha: str, data: bytes) -> None:
        target = self.path(sha)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = target.with_name(f"{sha}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)

    def open(self, sha: str) -> Opened | None:
        target = self.path(sha)
        try:
            return Opened(size=target.stat().st_size, path=target)
        except FileNotFoundError:
            return None

    def read(self, sha: str) -> bytes | None:
        try:
            return self.path(sha).read_bytes()
        except FileNotFoundError:
            return None

    def size(self, sha: str) -> int | None:
        try:
            return self.path(sha).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, sha: str) -> None:
        self.path(sha).unlink(missing_ok=True)

    def names(self) -> Iterator[tuple[str, float]]:
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            try:
                if path.is_file():
                    yield str(path.relative_to(self.root)), path.stat().st_mtime
            except OSError:
                continue

    def remove_name(self, name: str) -> None:
        (self.root / name).unlink(missing_ok=True)

    def check(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError(f"blob folder {self.root} is missing or not writable")


class S3Storage:
    """Objects ``PREFIX/<sha256>`` in a bucket, through boto3 (thread-safe client, one
    per process). Endpoint, keys and region come from the standard ``AWS_*`` variables
    (``AWS_ENDPOINT_URL`` for a non-AWS service such as MinIO, Garage, Ceph)."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.description = f"s3://{bucket}/{self.prefix}"
        self.client = client if client is not None else _s3_client()
        from botocore.exceptions import BotoCoreError, ClientError

        self._errors: tuple[type[Exception], ...] = (BotoCoreError, ClientError)

    def key(self, sha: str) -> str:
        return self.prefix + sha

    @staticmethod
    def _missing(exc: Exception) -> bool:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def put(self, sha: str, data: bytes) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self.key(sha), Body=data, ContentType="image/jpeg"
            )
        except self._errors as exc:
            raise StorageError(f"{self.description}: put {sha}: {exc}") from exc

    def open(self, sha: str) -> Opened | None:
        try:
            got = self.client.get_object(Bucket=self.bucket, Key=self.key(sha))
        except self._errors as exc:
            if self._missing(exc):
                return None
            raise StorageError(f"{self.description}: get {sha}: {exc}") from exc
        body = got["Body"]
        return Opened(size=int(got["ContentLength"]), pieces=_pieces(body), _close=body.close)

    def read(self, sha: str) -> bytes | None:
        opened = self.open(sha)
        if opened is None or opened.pieces is None:
            return None
        try:
            return b"".join(opened.pieces)
        finally:
            opened.close()

    def size(self, sha: str) -> int | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(sha))
        except self._errors as exc:
            if self._missing(exc):
                return None
            raise StorageError(f"{self.description}: head {sha}: {exc}") from exc
        return int(head["ContentLength"])

    def delete(self, sha: str) -> None:
        self.remove_name(sha)

    def names(self) -> Iterator[tuple[str, float]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    modified: datetime = item["LastModified"]
                    yield str(item["Key"])[len(self.prefix) :], modified.timestamp()
        except self._errors as exc:
            raise StorageError(f"{self.description}: list: {exc}") from exc

    def remove_name(self, name: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)
        except self._errors as exc:
            if not self._missing(exc):
                raise StorageError(f"{self.description}: delete {name}: {exc}") from exc

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except self._errors as exc:
            raise StorageError(f"{self.description}: {exc}") from exc


def _pieces(body: Any) -> Iterator[bytes]:
    """The object's bytes as they arrive; its connection goes back to the pool at the end
    (or when a client that went away drops the iterator)."""
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()


def _s3_client() -> Any:
    import boto3
    from botocore.config import Config

    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    config = Config(
        # Most S3-compatible services (MinIO, Garage, moto) want bucket names in the path.
        s3={"addressing_style": "path" if endpoint else "auto"},
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=5,
        read_timeout=30,
        max_pool_connections=32,
        # The bytes were hashed by us before they are stored; extra CRC checksums are
        # not understood by every S3-compatible service.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client("s3", config=config)


def parse_s3(location: str) -> tuple[str, str] | None:
    """``s3://BUCKET[/PREFIX]`` as (bucket, prefix); None for anything else."""
    if not location.startswith("s3://"):
        return None
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    if not bucket:
        raise ValueError("s3:// needs a bucket name: s3://BUCKET[/PREFIX]")
    return bucket, prefix


def storage_for(location: str | None, default_folder: Path) -> BlobStorage:
    """The storage ``location`` names (see the module docstring)."""
    if not location:
        return LocalStorage(default_folder)
    s3 = parse_s3(location)
    if s3 is not None:
        return S3Storage(*s3)
    return LocalStorage(Path(location).expanduser())


def open_storage(settings: Settings) -> BlobStorage:
    """The blob storage ``settings`` name."""
    return storage_for(settings.blobs, settings.blob_dir)
