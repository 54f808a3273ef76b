"""A burst: 200 kiosks' first syncs at once against ONE ``kiosk-server serve`` process on
PostgreSQL, with admission limits made small so the server must push back.

Each simulated kiosk is enrolled over HTTP, then pulls its whole region from cursor 0
(following ``more``) the way the kiosk's engine does: a 503 is waited out for its
Retry-After plus jitter (``kiosk_app.sync.engine.busy_delay``, from a seeded random
source) and the same request is sent again. The test holds when every kiosk ends with
exactly its region's rows (read from the database itself), no answer was a 5xx other
than 503, every 503 carried Retry-After, and 503s did happen, from the first-sync gate
at least (the gates are told apart by their Retry-After): without backpressure the last
assertions fail.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import or_, select

from kiosk_app.domain.hlc import HybridClock
from kiosk_app.domain.record_ids import uuid7
from kiosk_app.domain.regions import ancestors
from kiosk_app.protocol.messages import COUNTED_ACCEPTS_VERSION as PROTOCOL_2  # one JSON answer
from kiosk_app.sync.engine import busy_delay
from kiosk_server.db import RECORD_TABLES, region
from tests.support import databases as dbs
from tests.support.live import LiveServer

KIOSKS = 200
REGENCY = "35.07"
# The test's limits, small so 200 first syncs cannot all be admitted: the Retry-After of
# each gate differs, so the test can tell which one refused.
LIMITS = {
    "KIOSK_SERVER_SYNC_CONCURRENCY": "8",
    "KIOSK_SERVER_SYNC_WAIT_S": "0.2",
    "KIOSK_SERVER_FIRST_SYNC_CONCURRENCY": "2",
    "KIOSK_SERVER_FIRST_SYNC_WAIT_S": "0.2",
    "KIOSK_SERVER_BUSY_RETRY_AFTER_S": "1",
    "KIOSK_SERVER_FIRST_SYNC_RETRY_AFTER_S": "2",
    "KIOSK_SERVER_ENROLL_PER_ADDRESS_PER_MINUTE": "100000",
    "KIOSK_SERVER_ENROLL_PER_MINUTE": "100000",
}


@dataclass
class Outcome:
    statuses: Counter[int] = field(default_factory=Counter)
    retry_afters: Counter[str | None] = field(default_factory=Counter)
    rows: dict[str, set[tuple[str, str]]] = field(default_factory=dict)


@pytest.fixture
def server(pg, tmp_path: Path):
    name, url = dbs.pg_copy(pg, "burst")
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    (data_dir / ".regions-loaded").write_text("from the template")
    try:
        with LiveServer(data_dir, database=url, env=LIMITS) as live:
            yield live
    finally:
        pg.drop_database(name)


def _villages(server: LiveServer) -> list[str]:
    with server.engine.connect() as conn:
        found = conn.execute(
            select(region.c.code).where(region.c.level == "village", region.c.code.like("35.07.%"))
        )
        return sorted(found.scalars())


def _seed(server: LiveServer, villages: list[str]) -> None:
    """20 merchants and 400 products across the regency, pushed by one kiosk."""
    device = httpx.post(f"{server.url}/v1/enroll", json={
        "code": server.enroll_code(REGENCY), "device_name": "pengisi", "app_version": "t",
        "node_id": "seed"}).json()  # fmt: skip
    clock, rng = HybridClock("seed"), random.Random(5)
    mutations = []
    merchants = [uuid7() for _ in range(20)]
    for n, mid in enumerate(merchants):
        fields = {"business_name": f"Toko {n}", "owner_name": "Ani", "phone": "081234567890",
                  "village_code": villages[(n * 19) % len(villages)]}  # fmt: skip
        mutations.append({"id": uuid7(), "entity": "merchant", "row_id": mid,
                          "hlc": clock.now(), "op": "upsert", "fields": fields})  # fmt: skip
    for n in range(400):
        fields = {"merchant_id": rng.choice(merchants), "name": f"Keripik {n}",
                  "price": 1000 * (1 + n % 50), "description": "Renyah " * 20}  # fmt: skip
        mutations.append({"id": uuid7(), "entity": "product", "row_id": uuid7(),
                          "hlc": clock.now(), "op": "upsert", "fields": fields})  # fmt: skip
    body = {"protocol": PROTOCOL_2, "cursor": 0, "limit": 0, "mutations": mutations}
    answer = httpx.post(f"{server.url}/v1/sync", json=body, timeout=60,
                        headers={"Authorization": f"Bearer {device['token']}"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted_count"] == len(mutations)


def _expected(server: LiveServer, scope: str) -> set[tuple[str, str]]:
    """Every live row a kiosk enrolled for ``scope`` should hold, from the database."""
    out: set[tuple[str, str]] = set()
    with server.engine.connect() as conn:
        codes = conn.execute(select(region.c.code).where(or_(
            region.c.code == scope, region.c.code.like(scope + ".%"),
            region.c.code.in_(list(ancestors(scope))))))  # fmt: skip
        out |= {("region", c) for c in codes.scalars()}
        for entity, table in RECORD_TABLES.items():
            inside = or_(table.c.scope_code == scope, table.c.scope_code.like(scope + ".%"))
            ids = conn.execute(select(table.c.id).where(inside))
            out |= {(entity, i) for i in ids.scalars()}
    return out


async def _enroll(client: httpx.AsyncClient, code: str, n: int) -> str:
    body = {"code": code, "device_name": f"kios {n}", "app_version": "t", "node_id": f"k{n:03d}"}
    answer = await client.post("/v1/enroll", json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


async def _first_sync(
    client: httpx.AsyncClient, token: str, n: int, rng: random.Random, outcome: Outcome
) -> set[tuple[str, str]]:
    """Pull everything from cursor 0, honouring 503 + Retry-After as the kiosk does."""
    cursor, rows = 0, set()
    headers = {"Authorization": f"Bearer {token}", "Content-Encoding": "gzip",
               "Content-Type": "application/json", "Accept-Encoding": "gzip"}  # fmt: skip
    while True:
        body = {"protocol": PROTOCOL_2, "cursor": cursor, "limit": 5000,
                "node": f"k{n:03d}", "mutations": []}  # fmt: skip
        answer = await client.post("/v1/sync", content=gzip.compress(json.dumps(body).encode()),
                                   headers=headers)  # fmt: skip
        outcome.statuses[answer.status_code] += 1
        if answer.status_code == 503:
            retry_after = answer.headers.get("Retry-After")
            outcome.retry_afters[retry_after] += 1
            wait = float(retry_after) if retry_after and retry_after.isdigit() else 10.0
            await asyncio.sleep(busy_delay(wait, rng))
            continue
        assert answer.status_code == 200, (answer.status_code, answer.text[:300])
        data = answer.json()
        rows |= {(c["entity"], c["row_id"]) for c in data["changes"] if not c.get("deleted")}
        cursor = data["cursor"]
        if not data["more"]:
            return rows


async def _burst(server: LiveServer, scopes: list[str]) -> tuple[Outcome, list[set]]:
    outcome = Outcome()
    limits = httpx.Limits(max_connections=KIOSKS + 10, max_keepalive_connections=KIOSKS + 10)
    timeout = httpx.Timeout(120.0)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=timeout) as client:
        codes = [server.enroll_code(scope) for scope in scopes]
        tokens = [await _enroll(client, code, n) for n, code in enumerate(codes)]
        rngs = [random.Random(1000 + n) for n in range(KIOSKS)]
        syncs = [_first_sync(client, t, n, rngs[n], outcome) for n, t in enumerate(tokens)]
        got = await asyncio.gather(*syncs)
    return outcome, list(got)


def test_200_first_syncs_at_once_all_complete_and_every_503_says_when_to_return(server):
    # Given a regency with 20 merchants and 400 products, and 200 enrolled kiosks: half
    # for the whole regency, half for one of its districts
    villages = _villages(server)
    _seed(server, villages)
    districts = sorted({v.rsplit(".", 1)[0] for v in villages})
    scopes = [REGENCY if n % 2 == 0 else districts[n % len(districts)] for n in range(KIOSKS)]

    # When all 200 make their first sync at the same moment
    outcome, got = asyncio.run(_burst(server, scopes))

    # Then every kiosk holds exactly its region's rows
    expected = {scope: _expected(server, scope) for scope in set(scopes)}
    wrong = [n for n, scope in enumerate(scopes) if got[n] != expected[scope]]
    assert not wrong, f"{len(wrong)} kiosks did not get their whole region"
    assert len(expected[REGENCY]) > 800  # the regions and the seeded records: real pulls
    # and no answer was a 5xx other than 503, each 503 saying when to come back
    assert set(outcome.statuses) <= {200, 503}, outcome.statuses
    assert outcome.statuses[200] >= KIOSKS
    assert None not in outcome.retry_afters
    # and the server did push back: first syncs were admitted in turn, the rest told
    # when to come back (the all-syncs gate may or may not fill in a given run: the
    # first-sync gate turns most away first; test_server_backpressure.py tests it alone)
    print(f"\nstatuses {dict(outcome.statuses)}, Retry-After {dict(outcome.retry_afters)}")
    assert outcome.statuses[503] > 0
    assert outcome.retry_afters["2"] > 0  # the first-sync gate's answer
    assert set(outcome.retry_afters) <= {"1", "2"}  # each gate's own Retry-After
