"""Import a kiosk's signed USB bundle: its mutations as if synced, its photos by hash.

The signature is checked with the device's stored token hash; a revoked or unknown
device is refused. Mutation ids make a second import (or the same changes arriving
over the network too) change nothing more.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from kiosk_app.sync.bundle import BundleError, read_bundle, verify
from kiosk_server import sync_service
from kiosk_server.api_uploads import blob_path
from kiosk_server.config import Settings
from kiosk_server.db import blob, device
from kiosk_server.devices import now_iso


class BundleImportError(ValueError):
    pass


def import_bundle(engine: Engine, settings: Settings, path: Path) -> dict[str, Any]:
    try:
        bundle, raw, signature = read_bundle(path)
    except BundleError as exc:
        raise BundleImportError(str(exc)) from exc
    with engine.connect() as conn:
        row = conn.execute(select(device).where(device.c.id == bundle.device_id)).first()
    if row is None:
        raise BundleImportError(f"unknown device {bundle.device_id}")
    if row.revoked_at is not None:
        raise BundleImportError(f"device {bundle.device_id} was revoked")
    if not verify(raw, signature, row.token_hash):
        raise BundleImportError("bundle signature does not match its device: refused")
    stored = 0
    try:
        for sha, data in bundle.blobs():
            target = blob_path(settings.blob_dir, sha)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(".tmp")
                tmp.write_bytes(data)
                tmp.replace(target)
            with engine.begin() as conn:
                if conn.execute(select(blob.c.sha256).where(blob.c.sha256 == sha)).first() is None:
                    conn.execute(
                        insert(blob).values(
                            sha256=sha, size=len(data), uploaded_by=row.id, created_at=now_iso()
                        )
                    )
                    stored += 1
    except BundleError as exc:
        raise BundleImportError(str(exc)) from exc
    scope = sync_service.DeviceScope(row.id, row.region, row.node_id)
    result = sync_service.push(engine, scope, bundle.mutations, time.time_ns() // 1_000_000)
    return {
        "device_id": row.id,
        "mutations": len(bundle.mutations),
        "accepted": len(result.accepted),
        "rejected": len(result.rejected),
        "new_blobs": stored,
    }
