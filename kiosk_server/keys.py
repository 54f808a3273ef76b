"""The server's secret and the keys derived from it; the data folder kept private.

One 256-bit secret per deployment (``KIOSK_SERVER_SECRET_KEY``, or ``secret.key`` in the
data folder, made on first start) keys two things through HKDF, so neither is stored in
the database: the HMAC under which enrollment codes are stored (a copy of the database
does not let anyone try codes offline), and the X25519 key pair USB bundles are
encrypted to (a copy of the database does not open a bundle). Every API process of a
deployment must see the same secret; changing it voids the codes not yet used and makes
bundles exported before the change unreadable (the kiosks learn the new public key on
their next sync).

The data folder holds personal data (the SQLite file, photos, uploads): it is made
0700 and the files in it 0600, whatever the umask.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk_server.config import Settings

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SECRET_BYTES = 32


class SecretError(RuntimeError):
    """The configured secret is unusable (not 64 hex digits, unreadable file)."""


def private_folder(path: Path) -> Path:
    """``path`` as a folder only its owner can enter (made if missing)."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if os.name == "posix":
        os.chmod(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> None:
    """Make ``path`` (if missing: an empty file) readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    os.close(fd)
    if os.name == "posix":
        os.chmod(path, PRIVATE_FILE)


def prepare_data_dir(settings: Settings) -> None:
    """The data folder and its sub-folders 0700; the SQLite file (and its WAL and shared
    memory files, which SQLite creates with the database file's mode) 0600."""
    private_folder(settings.data_dir)
    if settings.local_blobs:  # a bucket leaves no photo bytes on this machine
        private_folder(settings.blob_dir)
    if settings.database_url is None:
        database = settings.data_dir / "server.db"
        private_file(database)
        for suffix in ("-wal", "-shm"):
            extra = database.with_name(database.name + suffix)
            if extra.exists():
                private_file(extra)


def _parse(text: str) -> bytes:
    text = text.strip()
    try:
        raw = bytes.fromhex(text)
    except ValueError as exc:
        raise SecretError("the server secret must be 64 hexadecimal digits") from exc
    if len(raw) != SECRET_BYTES:
        raise SecretError("the server secret must be 64 hexadecimal digits")
    return raw


def load_secret(settings: Settings) -> bytes:
    """The deployment's secret: the setting, else the data folder's file (made once,
    0600, atomically: two processes starting together end up with the same one)."""
    if settings.secret_key is not None:
        return _parse(settings.secret_key.get_secret_value())
    path = settings.secret_file
    if not path.exists():
        private_folder(path.parent)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails if another process made it first: keep theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    try:
        return _parse(path.read_text(encoding="ascii"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"cannot read the server secret {path}: {exc}") from exc


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"etalase-desa server " + purpose).derive(
        secret
    )


@dataclass(frozen=True)
class ServerKeys:
    """What the secret keys: code hashes and the bundle key pair."""

    code_key: bytes
    bundle_private: X25519PrivateKey

    @functools.cached_property
    def bundle_public(self) -> bytes:
        return self.bundle_private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def code_hash(self, normalized_code: str) -> str:
        """How an enrollment code is stored: HMAC-SHA256 under the server's key."""
        return hmac.new(self.code_key, normalized_code.encode(), hashlib.sha256).hexdigest()


def server_keys(secret: bytes) -> ServerKeys:
    return ServerKeys(
        code_key=_derive(secret, b"enrollment codes"),
        bundle_private=X25519PrivateKey.from_private_bytes(_derive(secret, b"bundle x25519")),
    )


def keys_for(settings: Settings) -> ServerKeys:
    return server_keys(load_secret(settings))
