"""A kiosk for end-to-end tests: its own data folder, store, blob folder and engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kiosk_app.media.blobs import BlobStore
from kiosk_app.store.importer import export_records
from kiosk_app.store.store import Store
from kiosk_app.sync.device import enroll, load_device
from kiosk_app.sync.engine import SyncEngine, SyncResult


class Kiosk:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.store = Store.open(data_dir / "kiosk.db")
        self.blobs = BlobStore(data_dir / "blobs")
        self._engine: SyncEngine | None = None

    def enroll(self, server_url: str, code: str, name: str = "kios-uji") -> None:
        enroll(self.store, server_url, code, name)

    def engine(self, server_url: str | None = None) -> SyncEngine:
        device = load_device(self.store)
        assert device is not None, "enroll first"
        if server_url is not None:  # e.g. through a fault-injecting proxy
            device = type(device)(server_url, device.device_id, device.token, device.region)
        return SyncEngine(lambda fn, *a: fn(self.store, *a), device.client(), self.blobs)

    def sync(self, server_url: str | None = None) -> SyncResult:
        if server_url is not None:
            return self.engine(server_url).sync_once()
        if self._engine is None:
            self._engine = self.engine()
        return self._engine.sync_once()

    def export(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for kind in ("merchant", "product"):
            out[kind] = sorted(
                (json.loads(json.dumps(r)) for r in export_records(self.store, kind)),
                key=lambda r: r["id"],
            )
        return out

    def close(self) -> None:
        if self._engine is not None:
            self._engine.client.close()
        self.store.close()
