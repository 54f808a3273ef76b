"""Pushes that really overlap, through a real uvicorn on loopback: several devices at
once on the same rows, and a retry sent while its first try is still running. Stock
moves must add up exactly once, every touched row must get one number of its own, and
the counter must end at the last number handed out (SQLite and PostgreSQL)."""

from __future__ import annotations

import gzip
import json
import random
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from kiosk_app.domain.record_ids import uuid7
from kiosk_server.config import Settings
from kiosk_server.db import applied_mutation, counter, merchant, product
from tests.server.conftest import LiveApp
from tests.server.helpers import Api, Device, merchant_fields, product_fields

DEVICES = 4
ROUNDS = 12


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Every batch must reach the database at once: admission (which would turn some
    away with 503, test_server_backpressure.py) lets them all in here."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url,
                    sync_concurrency=1000, sync_wait_s=120.0)  # fmt: skip


def post(url: str, device: Device, mutations: list[dict[str, Any]]) -> dict[str, Any]:
    body = {"protocol": 2, "cursor": 0, "limit": 0, "mutations": mutations}
    response = requests.post(
        f"{url}/v1/sync",
        data=gzip.compress(json.dumps(body).encode()),
        headers={**device.headers, "Content-Type": "application/json",
                 "Content-Encoding": "gzip"},
        timeout=60,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_overlapping_pushes_on_the_same_rows_apply_each_mutation_once(api: Api, live: LiveApp):
    # Given a merchant and a product every device edits
    owner = api.enroll()
    m, shared = uuid7(), uuid7()
    api.sync(owner, [owner.mutation("merchant", m, **merchant_fields()),
                     owner.mutation("product", shared, **product_fields(m))])  # fmt: skip
    devices = [api.enroll() for _ in range(DEVICES)]
    expected_stock = 0
    made: list[str] = []
    batches: list[tuple[Device, list[dict[str, Any]]]] = []
    rng = random.Random(7)
    for _ in range(ROUNDS):
        for device in devices:
            delta = rng.randrange(1, 9)
            expected_stock += delta
            new = uuid7()
            made.append(new)
            batches.append((device, [
                device.mutation("product", shared, op="stock", stock=delta),
                device.mutation("product", shared, price=rng.randrange(1, 90) * 1000),
                device.mutation("product", new, **product_fields(m, name="Gula Aren")),
                device.mutation("merchant", m, address=f"Dusun {rng.randrange(100)}"),
            ]))  # fmt: skip
    answers: list[dict[str, Any]] = []
    lock = threading.Lock()

    def send(device: Device, mutations: list[dict[str, Any]]) -> None:
        answer = post(live.url, device, mutations)
        with lock:
            answers.append(answer)

    # When every batch is sent at once, and every third one twice at the same time
    # (a retry racing its first try)
    threads = []
    for n, (device, mutations) in enumerate(batches):
        for _ in range(2 if n % 3 == 0 else 1):
            threads.append(threading.Thread(target=send, args=(device, mutations)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    # Then every answer accepted its whole batch, and the data counts each mutation once
    assert len(answers) == len(threads)
    assert all(a["rejected"] == [] and a["accepted_count"] == 4 for a in answers)
    with api.engine.connect() as conn:
        stock = conn.execute(select(product.c.stock).where(product.c.id == shared)).scalar_one()
        ids = set(conn.execute(select(product.c.id)).scalars())
        outcomes = conn.execute(select(func.count()).select_from(applied_mutation)).scalar_one()
        seqs = [
            *conn.execute(select(product.c.seq)).scalars(),
            *conn.execute(select(merchant.c.seq)).scalars(),
        ]
        last = conn.execute(select(counter.c.value)).scalar_one()
    assert stock == expected_stock
    assert ids == {shared, *made}
    assert outcomes == 2 + 4 * len(batches)
    assert None not in seqs and len(set(seqs)) == len(seqs)
    assert max(seqs) == last  # the last numbers handed out are held by rows
    pulled = {c["row_id"]: c for c in api.pull_all(api.enroll()) if c["entity"] == "product"}
    assert set(pulled) == ids and pulled[shared]["fields"]["stock"] == expected_stock
