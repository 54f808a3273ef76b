"""USB bundles: the pending mutations and their photos in one signed file.

A bundle is a zip holding ``manifest.json`` (device id, protocol, the mutations exactly
as they would go over the network, the blobs' hashes and sizes), the blobs under
``blobs/<sha256>``, and ``signature``: HMAC-SHA256 over the manifest bytes, keyed with
the SHA-256 of the device token — the server stores exactly that hash, so it can check
the bundle came from this device without ever holding the token in clear. Blobs are
checked by their content hash. Importing is idempotent because mutation ids are.
Nothing is removed from the outbox by exporting: the changes stay pending until the
server acknowledges them (a later network sync sends them again and the server, which
applies each mutation id once, answers them accepted). The bundle's ``protocol`` names
the shape of its mutations, which protocol 2 did not change; an import's answer goes to
the technician at the server, never back to the kiosk.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk_app.media.blobs import BlobStore
from kiosk_app.store import outbox, replica
from kiosk_app.store.store import Store
from kiosk_app.sync import failpoints
from kiosk_app.sync.protocol import PROTOCOL_VERSION

BUNDLE_FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "signature"


class BundleError(ValueError):
    """A bundle file is damaged, forged or not a bundle."""


@dataclass(frozen=True)
class Bundle:
    manifest: dict[str, Any]
    path: Path

    @property
    def device_id(self) -> str:
        return str(self.manifest["device_id"])

    @property
    def mutations(self) -> list[dict[str, Any]]:
        return list(self.manifest["mutations"])

    def blobs(self) -> Iterator[tuple[str, bytes]]:
        """Each blob's hash and bytes, verified against the hash."""
        with zipfile.ZipFile(self.path) as archive:
            for item in self.manifest["blobs"]:
                sha = str(item["sha256"])
                data = archive.read(f"blobs/{sha}")
                if hashlib.sha256(data).hexdigest() != sha:
                    raise BundleError(f"blob {sha} is damaged")
                yield sha, data


def signing_key(token_sha256_hex: str) -> bytes:
    return bytes.fromhex(token_sha256_hex)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def export_bundle(
    store: Store, blobs: BlobStore, device_id: str, token: str, path: Path
) -> dict[str, int]:
    """Write every pending mutation and every unconfirmed blob to ``path``."""
    entries = outbox.pending(store.db, limit=1_000_000)
    shas = [s for s in replica.unconfirmed_blobs(store, limit=1_000_000) if blobs.has(s)]
    manifest = {
        "format": BUNDLE_FORMAT,
        "protocol": PROTOCOL_VERSION,
        "device_id": device_id,
        "node_id": store.node_id,
        "created_at": store.now(),
        "mutations": [e.to_wire() for e in entries],
        "blobs": [{"sha256": s, "size": blobs.size(s)} for s in shas],
    }
    raw = json.dumps(manifest, ensure_ascii=False, separators=(",", ":")).encode()
    signature = hmac.new(signing_key(token_hash(token)), raw, hashlib.sha256).hexdigest()
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, raw)
        failpoints.hit(failpoints.MID_EXPORT)
        for sha in shas:
            # Photos are JPEG already: storing them uncompressed saves CPU, costs nothing.
            archive.write(blobs.path(sha), f"blobs/{sha}", compress_type=zipfile.ZIP_STORED)
            failpoints.hit(failpoints.MID_EXPORT)
        archive.writestr(SIGNATURE, signature)
    tmp.replace(path)
    return {"mutations": len(entries), "blobs": len(shas)}


def read_bundle(path: Path) -> tuple[Bundle, bytes, str]:
    """Open a bundle: (bundle, manifest bytes, signature). Verify with ``verify``."""
    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read(MANIFEST)
            signature = archive.read(SIGNATURE).decode().strip()
    except (zipfile.BadZipFile, KeyError, OSError, UnicodeDecodeError) as exc:
        raise BundleError(f"not a readable bundle: {exc}") from exc
    try:
        manifest = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BundleError("bundle manifest is not JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise BundleError("unknown bundle format")
    return Bundle(manifest, path), raw, signature


def verify(raw: bytes, signature: str, token_sha256_hex: str) -> bool:
    expected = hmac.new(signing_key(token_sha256_hex), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
