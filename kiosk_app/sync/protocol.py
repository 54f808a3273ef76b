"""The sync wire protocol shared by the kiosk and the central server (DESIGN §5).

Pure Python, no I/O of its own: the server imports this module and nothing else of
``sync``. Besides the sync request it holds the sealed-file format (at the end) that
USB bundles travel in, which the server must read, and kiosk backups are written in.

Request  ``POST /v1/sync`` (gzip body allowed)::

    {"protocol": 2, "cursor": 0, "limit": 5000, "node": "a1b2c3d4e5f6",
     "mutations": [{"id", "entity", "row_id", "hlc", "op", "fields"}], "blobs": [sha256...]}

Response::

    {"protocol": 2, "accepted_count": 3, "rejected": [{"id", "code", "message"}],
     "changes": [{"seq", "entity", "row_id", "fields", "hlc"}], "cursor": 123,
     "more": false, "missing_blobs": [sha256...], "conflicts": [...]}

The server answers every mutation of a request in one transaction (all or nothing): each
is accepted or listed in ``rejected``. So since protocol 2 it does not echo the accepted
ids (4,000 of them were 60 KiB of gzip on a 1 Mbit/s link) but counts them; the client
takes "sent and not rejected" as accepted and, when the count disagrees, acknowledges
nothing and treats the answer as an error. A protocol-1 client (``"protocol": 1``) still
gets ``"accepted": [mutation ids]``; the server keeps accepting protocol 1.

A mutation's ``op`` is ``upsert`` (``fields`` maps field -> value, all stamped with
``hlc``), ``delete`` (sets the tombstone field ``deleted`` to 1 at ``hlc``) or ``stock``
(``fields == {"stock": delta}``, an additive move applied exactly once). Pulled
``changes`` carry, for one row, the current value and stamp of each field that changed;
for a product, ``fields["stock"]`` is the server's total of all stock moves.

A request carries at most ``MAX_MUTATIONS_PER_REQUEST`` mutations; the kiosk sizes its
batches below that from the measured link. A response carries at most
``MAX_CHANGES_PER_RESPONSE`` changes (``more`` says whether others wait), so a fresh
kiosk in a region of a few thousand products pulls them in one request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk_app.domain.hlc import is_stamp
from kiosk_app.domain.ids import is_uuid
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD

PROTOCOL_VERSION = 2
# Oldest client protocol the current server still accepts.
MIN_PROTOCOL_VERSION = 1
# The first version whose answers count the accepted mutations instead of listing them.
COUNTED_ACCEPTS_VERSION = 2
OPS = ("upsert", "delete", "stock")
# 5,000 typical mutations are ~200 KiB of gzip, ~6 s up at 256 kbit/s; the kiosk sends
# fewer when its link is slower or its mutations larger (see ``sync.engine``).
MAX_MUTATIONS_PER_REQUEST = 5000
MAX_CHANGES_PER_RESPONSE = 5000
MAX_STOCK_DELTA = 1_000_000_000


class ProtocolError(ValueError):
    """A request or response does not follow the protocol."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# Rejection codes the server may give a single mutation (the rest of a batch applies).
REJECT_INVALID = "invalid"  # malformed mutation or field values fail validation
REJECT_OUT_OF_SCOPE = "out_of_scope"  # row lies outside the device's region
REJECT_UNKNOWN_PARENT = "unknown_parent"  # product/photo whose parent the server lacks
# Whole-request error codes (HTTP 4xx body ``{"detail": {"code", "message"}}``).
ERR_PROTOCOL_TOO_OLD = "protocol_too_old"
ERR_TOKEN_REVOKED = "token_revoked"
ERR_TOKEN_INVALID = "token_invalid"


@dataclass(frozen=True)
class Mutation:
    id: str
    entity: str
    row_id: str
    hlc: str
    op: str
    fields: dict[str, Any] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "entity": self.entity,
            "row_id": self.row_id,
            "hlc": self.hlc,
            "op": self.op,
            "fields": self.fields,
        }


def parse_mutation(raw: object) -> Mutation:
    """Check a mutation's shape (not its field values: that is the domain's job)."""
    if not isinstance(raw, dict):
        raise ProtocolError(REJECT_INVALID, "mutation must be an object")
    mid, entity, row_id = raw.get("id"), raw.get("entity"), raw.get("row_id")
    hlc, op, fields = raw.get("hlc"), raw.get("op"), raw.get("fields", {})
    if not is_uuid(mid):
        raise ProtocolError(REJECT_INVALID, "mutation id must be a UUID")
    if entity not in ENTITIES:
        raise ProtocolError(REJECT_INVALID, f"unknown entity {entity!r}")
    if not is_uuid(row_id):
        raise ProtocolError(REJECT_INVALID, "row_id must be a UUID")
    if not is_stamp(hlc):
        raise ProtocolError(REJECT_INVALID, "hlc must be a clock stamp")
    if op not in OPS:
        raise ProtocolError(REJECT_INVALID, f"unknown op {op!r}")
    if not isinstance(fields, dict):
        raise ProtocolError(REJECT_INVALID, "fields must be an object")
    spec = ENTITIES[str(entity)]
    if op == "stock":
        delta = fields.get(STOCK_FIELD)
        if entity != "product" or set(fields) != {STOCK_FIELD}:
            raise ProtocolError(REJECT_INVALID, "stock moves are {'stock': delta} on products")
        if not isinstance(delta, int) or isinstance(delta, bool) or abs(delta) > MAX_STOCK_DELTA:
            raise ProtocolError(REJECT_INVALID, "stock delta must be a whole number")
    elif op == "delete":
        fields = {"deleted": 1}
    else:
        unknown = set(fields) - set(spec.fields)
        if unknown:
            raise ProtocolError(REJECT_INVALID, f"unknown fields: {', '.join(sorted(unknown))}")
    return Mutation(str(mid), str(entity), str(row_id), str(hlc), str(op), dict(fields))


def check_protocol_version(version: object) -> int:
    """The client's protocol version, if this side speaks it (JSON's 2.0 is 2)."""
    if isinstance(version, float) and version.is_integer():
        version = int(version)
    if not isinstance(version, int) or version < MIN_PROTOCOL_VERSION:
        raise ProtocolError(
            ERR_PROTOCOL_TOO_OLD,
            "Versi aplikasi kios terlalu lama; minta teknisi memperbarui aplikasi. "
            "(Kiosk app protocol too old: ask a technician to update the app.)",
        )
    if version > PROTOCOL_VERSION:
        raise ProtocolError(
            ERR_PROTOCOL_TOO_OLD,
            f"Server only speaks protocol {PROTOCOL_VERSION}; update the server.",
        )
    return version


# -- Sealed files: USB bundles and backups ---------------------------------------------
#
# A sealed file is a preamble and then the content in 1 MiB chunks, each encrypted and
# authenticated with AES-256-GCM (``cryptography``), so a file of any size is written and
# read with 1 MiB of memory (a kiosk PC has 4 GB; a backup with its photos can pass a
# gigabyte). The construction is the "STREAM" online AEAD (Hoang, Reyhanitabar, Rogaway,
# Vizár 2015, as in Tink and age): chunk ``i`` has the nonce ``prefix(7) || i (4 bytes) ||
# last (1 byte)``, so chunks cannot be reordered, dropped or cut off at the end unseen,
# and every chunk authenticates the whole preamble (a changed header fails too).
#
# The preamble is ``SEAL_MAGIC``, a 2-byte length and a JSON header saying how the key
# is found: a passphrase through scrypt (``kdf``: backups), or an ephemeral X25519 key
# agreed with the recipient's public key through HKDF-SHA256 (``epk``, ``recipient``:
# USB bundles to the server). Each file has its own key (a fresh salt or ephemeral key).
# The server reads bundles with these same functions: it may import only this module.

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
