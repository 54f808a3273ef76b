"""Import a kiosk's signed USB bundle: its mutations as if synced, its photos by hash.

The bundle format is the kiosk's (``kiosk_app/sync/bundle.py``, format 1): a zip with
``manifest.json`` (device id, mutations as sent over the network, blob hashes),
``blobs/<sha256>`` and ``signature`` = HMAC-SHA256 of the manifest bytes keyed with the
SHA-256 of the device token, which is exactly what the server stores. The server reads
it here itself: it may import only the domain and the wire protocol of the app.
A revoked or unknown device is refused; mutation ids make a second import a no-op.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from kiosk_server import blobstore, sync_service
from kiosk_server.config import Settings
from kiosk_server.db import device
from kiosk_server.devices import now_iso

BUNDLE_FORMAT = 1
MANIFEST = "manifest.json"
SIGNATURE = "signature"
MAX_MANIFEST = 64 * 1024 * 1024


class BundleImportError(ValueError):
    pass


def _read(path: Path) -> tuple[dict[str, Any], bytes, str]:
    try:
        with zipfile.ZipFile(path) as archive:
            if archive.getinfo(MANIFEST).file_size > MAX_MANIFEST:
                raise BundleImportError("bundle manifest is too large")
            raw = archive.read(MANIFEST)
            signature = archive.read(SIGNATURE).decode().strip()
    except (zipfile.BadZipFile, KeyError, OSError, UnicodeDecodeError) as exc:
        raise BundleImportError(f"not a readable bundle: {exc}") from exc
    try:
        manifest = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BundleImportError("bundle manifest is not JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        raise BundleImportError("unknown bundle format")
    if not isinstance(manifest.get("mutations"), list) or not isinstance(
        manifest.get("blobs"), list
    ):
        raise BundleImportError("bundle manifest lacks mutations or blobs")
    return manifest, raw, signature


def _signed_by(raw: bytes, signature: str, token_hash: str) -> bool:
    expected = hmac.new(bytes.fromhex(token_hash), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def import_bundle(engine: Engine, settings: Settings, path: Path) -> dict[str, Any]:
    """Check the signature, store the blobs (each checked by its hash), apply mutations."""
    manifest, raw, signature = _read(path)
    with engine.connect() as conn:
        row = conn.execute(
            select(device).where(device.c.id == str(manifest.get("device_id")))
        ).first()
    if row is None:
        raise BundleImportError(f"unknown device {manifest.get('device_id')}")
    if row.revoked_at is not None:
        raise BundleImportError(f"device {row.id} was revoked")
    if not _signed_by(raw, signature, row.token_hash):
        raise BundleImportError("bundle signature does not match its device: refused")
    stored = 0
    with zipfile.ZipFile(path) as archive:
        for item in manifest["blobs"]:
            sha = str(item.get("sha256")) if isinstance(item, dict) else ""
            if not blobstore.is_sha256(sha):
                raise BundleImportError(f"bad blob entry {item!r}")
            try:
                data = archive.read(f"blobs/{sha}")
            except KeyError as exc:
                raise BundleImportError(f"blob {sha} is listed but missing") from exc
            if hashlib.sha256(data).hexdigest() != sha:
                raise BundleImportError(f"blob {sha} is damaged")
            blobstore.put_bytes(settings.blob_dir, sha, data)
            with engine.begin() as conn:
                stored += blobstore.record(conn, sha, len(data), row.id, now_iso())
    scope = sync_service.DeviceScope(row.id, row.region)
    mutations = manifest["mutations"]
    result = sync_service.push(engine, scope, mutations, time.time_ns() // 1_000_000)
    return {
        "device_id": row.id,
        "mutations": len(mutations),
        "accepted": len(result.accepted),
        "rejected": len(result.rejected),
        "new_blobs": stored,
    }
