"""A kiosk for end-to-end tests: its own data folder, store, blob folder and engine."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kiosk_app.domain.hlc import WallClock, system_wall_ms
from kiosk_app.media.blobs import BlobStore
from kiosk_app.store.importer import export_records
from kiosk_app.store.settings import Key
from kiosk_app.store.store import Store
from kiosk_app.sync.device import enroll, load_device
from kiosk_app.sync.engine import SyncEngine, SyncResult


class Kiosk:
    def __init__(self, data_dir: Path, wall: WallClock = system_wall_ms) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self.wall = wall  # kiosks of one test share the test's clock: edits order as made
        self.store = Store.open(data_dir / "kiosk.db", wall)
        self.blobs = BlobStore(data_dir / "blobs")
        # One engine (one HTTP session, so one kept-alive connection) per server address:
        # a new session per sync would pay a TCP handshake (a 700 ms round trip on a
        # satellite link) every time.
        self._engines: dict[str | None, SyncEngine] = {}

    def enroll(self, server_url: str, code: str, name: str = "kios-uji") -> None:
        enroll(self.store, server_url, code, name)
        for engine in self._engines.values():  # they hold the old token
            engine.client.close()
        self._engines.clear()

    @contextmanager
    def before_enrollment(self) -> Iterator[None]:
        """What is saved inside is saved as on a kiosk not enrolled yet (no region scope):
        how a merchant outside the region a kiosk is later enrolled for reaches it."""
        scope = self.store.get_setting(Key.REGION)
        self.store.set_setting(Key.REGION, None)
        try:
            yield
        finally:
            self.store.set_setting(Key.REGION, scope)

    def engine(self, server_url: str | None = None) -> SyncEngine:
        device = load_device(self.store)
        assert device is not None, "enroll first"
        if server_url is not None:  # e.g. through a fault-injecting proxy
            device = dataclasses.replace(device, server_url=server_url)
        return SyncEngine(lambda fn, *a: fn(self.store, *a), device.client(), self.blobs)

    def engine_for(self, server_url: str | None = None) -> SyncEngine:
        """The kiosk's one engine (one kept-alive connection) for ``server_url``."""
        if server_url not in self._engines:
            self._engines[server_url] = self.engine(server_url)
        return self._engines[server_url]

    def forget(self, server_url: str | None = None) -> None:
        """Drop the engine (and its open connections) for ``server_url``."""
        engine = self._engines.pop(server_url, None)
        if engine is not None:
            engine.client.close()

    def sync(self, server_url: str | None = None) -> SyncResult:
        return self.engine_for(server_url).sync_once()

    def export(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for kind in ("merchant", "product"):
            out[kind] = sorted(
                (json.loads(json.dumps(r)) for r in export_records(self.store, kind)),
                key=lambda r: r["id"],
            )
        return out

    def close(self) -> None:
        for engine in self._engines.values():
            engine.client.close()
        self._engines.clear()
        self.store.close()
