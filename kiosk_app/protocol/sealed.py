"""Sealed files: USB bundles (sealed to the server) and kiosk backups (a passphrase).

A sealed file is a preamble and then the content in 1 MiB chunks, each encrypted and
authenticated with AES-256-GCM (``cryptography``), so a file of any size is written and
read with 1 MiB of memory (a kiosk PC has 4 GB; a backup with its photos can pass a
gigabyte). The construction is the "STREAM" online AEAD (Hoang, Reyhanitabar, Rogaway,
Vizár 2015, as in Tink and age): chunk ``i`` has the nonce ``prefix(7) || i (4 bytes) ||
last (1 byte)``, so chunks cannot be reordered, dropped or cut off at the end unseen,
and every chunk authenticates the whole preamble (a changed header fails too).

The preamble is ``SEAL_MAGIC``, a 2-byte length and a JSON header saying how the key
is found: a passphrase through scrypt (``kdf``: backups), or an ephemeral X25519 key
agreed with the recipient's public key through HKDF-SHA256 (``epk``, ``recipient``:
USB bundles to the server). Each file has its own key (a fresh salt or ephemeral key).
The server reads bundles with these same functions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any, BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SEAL_MAGIC = b"ETALASE-SEALED\x00\x01"
SEAL_CHUNK = 1 << 20
_TAG = 16
_PREFIX = 7
SCRYPT = {"n": 2**17, "r": 8, "p": 1}  # 128 MiB, about half a second on a kiosk PC
_BUNDLE_INFO = b"etalase-desa bundle seal v1"


class Writer(Protocol):
    """Where sealed or unsealed bytes go: a file, or anything with ``write``."""

    def write(self, data: bytes, /) -> int: ...


class SealError(ValueError):
    """A sealed file that is not one, was changed or cut, or whose key is wrong."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise SealError("sealed file header is damaged")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SealError("sealed file header is damaged") from exc


def key_fingerprint(public_key: bytes) -> str:
    """A short name for a public key (which server a bundle is sealed to)."""
    return hashlib.sha256(public_key).hexdigest()[:32]


def passphrase_header(kind: str) -> dict[str, Any]:
    """A new header for a file sealed with a passphrase (fresh salt and nonce prefix)."""
    return {"kind": kind, "kdf": {"name": "scrypt", **SCRYPT, "salt": _b64(os.urandom(16))}}


def passphrase_key(passphrase: str, header: Mapping[str, Any]) -> bytes:
    """The key of a file sealed with ``passphrase`` (scrypt with the header's salt)."""
    kdf = header.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        raise SealError("this sealed file is not protected by a passphrase")
    n, r, p = kdf.get("n"), kdf.get("r"), kdf.get("p")
    if not (isinstance(n, int) and isinstance(r, int) and isinstance(p, int)):
        raise SealError("sealed file header is damaged")
    if not (2**14 <= n <= 2**20 and 1 <= r <= 16 and 1 <= p <= 4):  # a header may lie
        raise SealError("sealed file header is damaged")
    scrypt = Scrypt(salt=_unb64(kdf.get("salt")), length=32, n=n, r=r, p=p)
    return scrypt.derive(passphrase.encode("utf-8"))


def _bundle_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=ephemeral + recipient, info=_BUNDLE_INFO).derive(shared)


def recipient_header(
    kind: str, recipient_public: bytes, **clear: Any
) -> tuple[dict[str, Any], bytes]:
    """A new header for a file sealed to ``recipient_public`` (an X25519 key), and its
    key. ``clear`` adds fields anyone may read (authenticated, not secret)."""
    ephemeral = X25519PrivateKey.generate()
    epk = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    header = {
        "kind": kind,
        "epk": _b64(epk),
        "recipient": key_fingerprint(recipient_public),
        **clear,
    }
    return header, _bundle_key(shared, epk, recipient_public)


def recipient_key(private: X25519PrivateKey, header: Mapping[str, Any]) -> bytes:
    """The key of a file sealed to ``private``'s public key; SealError if it was sealed
    to another key."""
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    if header.get("recipient") != key_fingerprint(public):
        raise SealError("sealed to another recipient")
    epk = _unb64(header.get("epk"))
    if len(epk) != 32:
        raise SealError("sealed file header is damaged")
    return _bundle_key(private.exchange(X25519PublicKey.from_public_bytes(epk)), epk, public)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def seal(source: BinaryIO, target: Writer, key: bytes, header: Mapping[str, Any]) -> None:
    """Write ``source``'s bytes to ``target`` sealed under ``key`` (see above)."""
    prefix = os.urandom(_PREFIX)
    text = json.dumps({**header, "nonce": _b64(prefix), "chunk": SEAL_CHUNK}).encode()
    preamble = SEAL_MAGIC + len(text).to_bytes(2, "big") + text
    target.write(preamble)
    aead = AESGCM(key)
    current, index = source.read(SEAL_CHUNK), 0
    while True:
        following = source.read(SEAL_CHUNK)
        last = not following
        target.write(aead.encrypt(_nonce(prefix, index, last), current, preamble))
        if last:
            return
        current, index = following, index + 1


def is_sealed(head: bytes) -> bool:
    return head.startswith(SEAL_MAGIC)


def read_seal_header(source: BinaryIO) -> tuple[dict[str, Any], bytes]:
    """The header of the sealed file at ``source``'s position, and its whole preamble
    (pass both to ``unseal``)."""
    magic = source.read(len(SEAL_MAGIC))
    if magic != SEAL_MAGIC:
        raise SealError("not a sealed file")
    size = int.from_bytes(source.read(2), "big")
    text = source.read(size)
    try:
        header = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SealError("sealed file header is damaged") from exc
    if not isinstance(header, dict) or len(text) != size:
        raise SealError("sealed file header is damaged")
    return header, magic + size.to_bytes(2, "big") + text


def unseal(
    source: BinaryIO, target: Writer, key: bytes, header: Mapping[str, Any], preamble: bytes
) -> None:
    """Write the content of the sealed file (``source`` just past its preamble) to
    ``target``; SealError when the key is wrong or anything was changed or cut. What was
    written before the error must be thrown away by the caller."""
    prefix = _unb64(header.get("nonce"))
    if len(prefix) != _PREFIX or header.get("chunk") != SEAL_CHUNK:
        raise SealError("sealed file header is damaged")
    aead = AESGCM(key)
    size = SEAL_CHUNK + _TAG
    current, index = source.read(size), 0
    while True:
        following = source.read(size)
        last = not following
        try:
            target.write(aead.decrypt(_nonce(prefix, index, last), current, preamble))
        except InvalidTag as exc:
            raise SealError("wrong key, or the file was changed or cut short") from exc
        if last:
            return
        current, index = following, index + 1
