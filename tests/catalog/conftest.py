"""Catalog test fixtures: the app on a fresh SQLite file with the sample regions, and a
device that writes merchants, products and photos through the real sync API."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk_app.domain.record_ids import uuid7
from kiosk_server import blobstore
from kiosk_server.config import Settings

# The server tests' database fixtures: a SQLite template copy, or a PostgreSQL database.
from tests.server.conftest import database_url  # noqa: F401
from tests.server.helpers import Api, Device, merchant_fields, photo_fields, product_fields

CONSENT = {
    "consent_version": "persetujuan-v1",
    "consent_at": "2026-11-20T09:00:00+07:00",
    "consent_operator": "Operator Uji",
}


@pytest.fixture
def api(tmp_path: Path, database_url: str) -> Iterator[Api]:  # noqa: F811
    """The app under a TestClient on a migrated database holding the sample regions, on
    SQLite and on a private PostgreSQL (``database_url`` from the server tests)."""
    from fastapi.testclient import TestClient

    from kiosk_server.app import create_app

    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    app = create_app(settings, run_migrations=False)
    with TestClient(app) as client:
        yield Api(client, app.state.ctx.engine, settings)
    app.state.ctx.engine.dispose()


class Seller:
    """Writes records as a kiosk would: one sync request per change, checked accepted."""

    def __init__(self, api: Api, device: Device) -> None:
        self.api = api
        self.device = device

    def push(self, entity: str, row_id: str, op: str = "upsert", **fields: Any) -> str:
        answer = self.api.sync(self.device, [self.device.mutation(entity, row_id, op, **fields)])
        assert answer["rejected"] == [], answer["rejected"]
        return row_id

    def merchant(self, consent: bool = True, **over: Any) -> str:
        fields = merchant_fields(**over)
        if consent:
            fields.update(CONSENT)
        return self.push("merchant", uuid7(), **fields)

    def product(self, merchant_id: str, **over: Any) -> str:
        fields = product_fields(merchant_id, **{"status": "published", **over})
        return self.push("product", uuid7(), **fields)

    def photo(self, product_id: str, seed: str = "foto", **over: Any) -> tuple[str, str]:
        """A photo whose bytes (full and thumbnail) are in the server's blob store, held
        by this seller's device as if it had uploaded them."""
        full, thumb = f"{seed}-besar".encode(), f"{seed}-kecil".encode()
        shas = []
        for data in (full, thumb):
            sha = hashlib.sha256(data).hexdigest()
            self.api.blobs.put(sha, data)
            with self.api.engine.begin() as conn:
                blobstore.record(conn, sha, len(data), self.device.id, "2026-11-20T00:00:00Z")
                blobstore.hold(conn, sha, {"id": self.device.id, "region": self.device.region})
            shas.append(sha)
        self.push("photo", uuid7(), **photo_fields(product_id, shas[0], shas[1], **over))
        return shas[0], shas[1]

    def delete(self, entity: str, row_id: str) -> None:
        self.push(entity, row_id, "delete", deleted=1)


@pytest.fixture
def seller(api: Api) -> Seller:
    return Seller(api, api.enroll("35.07"))


@pytest.fixture
def page(api: Api) -> Callable[..., str]:
    """The HTML of a public page, checked to be 200."""

    def get(path: str, **params: Any) -> str:
        response = api.client.get(path, params=params)
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers["content-type"].startswith("text/html")
        return str(response.text)

    return get
