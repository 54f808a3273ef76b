"""The USB bundle format, written by the kiosk and read by the server with one set of checks.

Inside the sealed file (``protocol.sealed``, sealed to the server's X25519 key) is a zip
holding ``manifest.json`` (format 2: a random bundle id, the device id, the fingerprint
of the server key it is sealed to, the mutations exactly as they would go over the
network, the blobs' hashes and sizes), ``signature`` (Ed25519 over the manifest bytes,
base64) and the blobs under ``blobs/<sha256>``, each bound to the manifest by its hash.
Who may sign, replays and what a blob must hold are the server's to check.
"""

from __future__ import annotations

import base64
import binascii
import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from msgspec import Meta

from kiosk_app.domain.i18n import both, both_in
from kiosk_app.domain.record_ids import is_uuid
from kiosk_app.protocol.messages import Mutation

BUNDLE_FORMAT = 2
MANIFEST = "manifest.json"
SIGNATURE = "signature"
MAX_MANIFEST = 64 * 1024 * 1024
MAX_BLOB = 25 * 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BundleFormatError(ValueError):
    """The archive is not a bundle of this format; the message is Bahasa Indonesia, then
    English in parentheses."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(f"{message_id} ({message_en})")


class BlobEntry(msgspec.Struct, frozen=True):
    sha256: Annotated[str, Meta(pattern=_SHA256.pattern)]
    size: int


class Manifest(msgspec.Struct, frozen=True, kw_only=True):
    """What a bundle holds. The kiosk writes every field; the server needs only some to
    decide (a missing device or server key is refused as an unknown one)."""

    format: int
    bundle_id: str
    mutations: list[Mutation]
    blobs: list[BlobEntry]
    device_id: str = ""
    server_key: str = ""  # the fingerprint of the server key the bundle is sealed to
    protocol: int | None = None
    node_id: str | None = None
    created_at: str | None = None


_DECODE = msgspec.json.Decoder(Manifest)


def blob_name(sha256: str) -> str:
    return f"blobs/{sha256}"


def write_archive(
    target: Path,
    manifest: Manifest,
    signing_key: Ed25519PrivateKey,
    blob_paths: Iterable[tuple[str, Path]],
    step: Callable[[], None] = lambda: None,
) -> None:
    """The bundle's zip at ``target``: the manifest, its signature, then each blob
    (``step`` is called after each entry: the kiosk's failpoints)."""
    raw = msgspec.json.encode(manifest)
    signature = base64.b64encode(signing_key.sign(raw)).decode()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, raw)
        archive.writestr(SIGNATURE, signature)
        step()
        for sha, path in blob_paths:
            # Photos are JPEG already: storing them uncompressed saves CPU.
            archive.write(path, blob_name(sha), compress_type=zipfile.ZIP_STORED)
            step()


def read_manifest(archive: zipfile.ZipFile) -> tuple[Manifest, bytes, bytes]:
    """The archive's manifest, typed, with its raw bytes and its signature (not checked
    yet: that needs the signer's key, ``verify``)."""
    try:
        if archive.getinfo(MANIFEST).file_size > MAX_MANIFEST:
            raise BundleFormatError(*both("The bundle's manifest is too large."))
        raw = archive.read(MANIFEST)
        signature = base64.b64decode(archive.read(SIGNATURE), validate=True)
        loose = msgspec.json.decode(raw)
    except (KeyError, binascii.Error, ValueError, zipfile.BadZipFile) as exc:
        raise BundleFormatError(
            *both_in("manifest", "The bundle's contents are damaged: {exc}", exc=exc)
        ) from exc
    if not isinstance(loose, dict) or loose.get("format") != BUNDLE_FORMAT:
        raise BundleFormatError(*both("Unknown bundle format."))
    try:
        manifest = _DECODE.decode(raw)
    except msgspec.ValidationError as exc:
        raise BundleFormatError(*both("The manifest is malformed: {exc}", exc=exc)) from exc
    if not is_uuid(manifest.bundle_id):
        raise BundleFormatError(*both("The manifest lacks its bundle id."))
    return manifest, raw, signature


def verify(public_key: str, raw: bytes, signature: bytes) -> None:
    """``BundleFormatError`` unless ``signature`` is ``public_key``'s (base64 Ed25519)
    over the manifest bytes ``raw``."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(signature, raw)
    except (InvalidSignature, ValueError) as exc:
        raise BundleFormatError(
            *both("The bundle's signature does not match its device: forged or altered, refused.")
        ) from exc
