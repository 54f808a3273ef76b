"""Helpers for server tests: enrolled devices, mutations stamped by the test's clock, sync."""

from __future__ import annotations

import gzip
import io
import json
import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, MetaData, select

from kiosk_app.domain.hlc import HybridClock
from kiosk_app.domain.record_ids import uuid7
from kiosk_server import devices
from kiosk_server.config import Settings
from tests.support import VILLAGE
from tests.support.clock import SteppingWall

# Tests read the ids of accepted mutations, which only protocol 1 answers list; protocol
# 2 (counts only) is tested on its own in test_server_sync_protocol.py and end to end.
LISTING_PROTOCOL = 1
OTHER_VILLAGE = "53.10.01.2001"  # Manggarai, outside 35.07
NEAR_VILLAGE = "35.07.12.2002"  # Senggreng, same district as VILLAGE


def _smallest_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, "JPEG", quality=50)
    return out.getvalue()


SMALLEST_JPEG = _smallest_jpeg()  # 332 bytes with Pillow 11


def jpeg_bytes(size: int, seed: int = 1) -> bytes:
    """A well-formed JPEG of exactly ``size`` bytes: a real 1x1 image (Pillow) padded
    with comment segments of random bytes from ``seed``, so every size and seed gives
    different bytes (and hashes) that the server's JPEG check accepts."""
    base = SMALLEST_JPEG
    rest = size - len(base)
    if rest != 0 and rest < 4:
        raise ValueError(f"a JPEG of {size} bytes cannot be made; ask for at least {len(base) + 4}")
    rng = random.Random(seed)
    segments = b""
    while rest > 0:
        body = min(rest - 4, 65533)
        if 0 < rest - (body + 4) < 4:  # leave room for one more whole segment
            body -= 4
        segments += b"\xff\xfe" + (body + 2).to_bytes(2, "big") + rng.randbytes(body)
        rest -= body + 4
    return base[:2] + segments + base[2:]


def merchant_fields(**over: Any) -> dict[str, Any]:
    return {
        "business_name": "Kopi Bu Sri",
        "owner_name": "Sri Wahyuni",
        "phone": "+6281234567890",
        "village_code": VILLAGE,
        "address": "Jl. Raya Ternyang No. 5",
        "status": "active",
        **over,
    }


def product_fields(merchant_id: str, **over: Any) -> dict[str, Any]:
    return {
        "merchant_id": merchant_id,
        "name": "Kopi Robusta",
        "price": 35000,
        "status": "draft",
        **over,
    }


def photo_fields(product_id: str, sha: str, thumb: str, **over: Any) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "position": 0,
        "sha256": sha,
        "thumb_sha256": thumb,
        "width": 1600,
        "height": 1200,
        "bytes": 1000,
        "thumb_bytes": 100,
        **over,
    }


@dataclass
class Device:
    id: str
    token: str
    region: str
    clock: HybridClock

    @property
    def node(self) -> str:
        return self.clock.node

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def mutation(
        self, entity: str, row_id: str, op: str = "upsert", **fields: Any
    ) -> dict[str, Any]:
        return {
            "id": uuid7(),
            "entity": entity,
            "row_id": row_id,
            "hlc": self.clock.now(),
            "op": op,
            "fields": fields,
        }


@dataclass
class Api:
    client: Any  # fastapi.testclient.TestClient
    engine: Engine
    settings: Settings
    _made: int = field(default=0)
    # The devices' shared clock, one millisecond later at every stamp: a mutation made
    # after another is later, whatever the machine's speed (not a tie left to node ids).
    wall: SteppingWall = field(default_factory=SteppingWall)

    @property
    def keys(self) -> Any:
        return self.client.app.state.ctx.keys

    @property
    def blobs(self) -> Any:
        """The app's blob storage (kiosk_server.storage)."""
        return self.client.app.state.ctx.blobs

    def blob(self, sha: str) -> bytes | None:
        """The bytes the server stores under ``sha``, or None."""
        data: bytes | None = self.blobs.read(sha)
        return data

    def pieces(self) -> int:
        """Pieces of unfinished uploads held in the database (upload_chunk rows)."""
        from sqlalchemy import func, select

        from kiosk_server.db import upload_chunk

        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(upload_chunk)).scalar_one())

    def code(self, region: str = "35.07", ttl_hours: float = 72.0) -> str:
        return devices.new_enroll_code(self.engine, self.keys, region, ttl_hours)

    def enroll(self, region: str = "35.07", name: str = "Kios Ternyang") -> Device:
        self._made += 1
        node = f"node{self._made}"
        response = self.client.post(
            "/v1/enroll",
            json={"code": self.code(region), "device_name": name, "app_version": "0.1.0",
                  "node_id": node},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        body = response.json()
        clock = HybridClock(node, wall=self.wall)
        return Device(body["device_id"], body["token"], body["region"], clock)

    def post_sync(
        self, device: Device | None, body: dict[str, Any], *, compress: bool = True
    ) -> Any:
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if device is not None:
            headers.update(device.headers)
        if compress:
            raw = gzip.compress(raw)
            headers["Content-Encoding"] = "gzip"
        return self.client.post("/v1/sync", content=raw, headers=headers)

    def sync(
        self,
        device: Device,
        mutations: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
        cursor: int = 0,
        protocol: int = LISTING_PROTOCOL,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {"protocol": protocol, "cursor": cursor, "mutations": list(mutations)}
        body.update(extra)
        response = self.post_sync(device, body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def pull_all(self, device: Device, **extra: Any) -> list[dict[str, Any]]:
        """Every change for the device from cursor 0, following ``more``."""
        cursor, changes = 0, []
        while True:
            answer = self.sync(device, cursor=cursor, **extra)
            changes += answer["changes"]
            cursor = answer["cursor"]
            if not answer["more"]:
                return changes


def dump(engine: Engine, *, skip: tuple[str, ...] = ("device",)) -> dict[str, list[Any]]:
    """Every row of every table (sorted), for comparing whole database states."""
    meta = MetaData()
    meta.reflect(engine)
    out: dict[str, list[Any]] = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            if name in skip or name == "alembic_version":
                continue
            rows = [tuple(r) for r in conn.execute(select(table))]
            out[name] = sorted(rows, key=repr)
    return out
