"""Convergence (DESIGN §5.7): three kiosks and one server, any interleaving of edits and
syncs, end with the same data everywhere once all have synced.

Hypothesis drives random edits to the same and to different fields, deletes, stock
moves, photos and syncs, in random order across three kiosks (three data folders)
against a real server on loopback. Every example starts from a fresh world (its own
server database and blob folder, three kiosks' own folders), so a failing example
shrinks and replays on its own. It ends with each kiosk syncing twice in turn; then the
server and every kiosk must hold the same rows on every field, tombstones included
(tests/support/oracle.py), every live photo must be on the server whole and its
thumbnail on every kiosk, and nothing may be left to send.

A fresh world is a copy: once per backend, a server with three enrolled kiosks that
share a few merchants, products and photos (so the first operation of an example can
already edit what another kiosk edits) is made and put aside; each example copies the
server's database (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL), its
blobs and the kiosks' folders, and serves it with uvicorn in a thread
(tests/support/live.py: ThreadServer). ``CONVERGENCE_EXAMPLES`` (default 100 per
database) chooses a longer run; a failure prints Hypothesis's reproduce blob.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from kiosk_app.domain.errors import ValidationError
from kiosk_app.media.pipeline import ProcessedPhoto, process_photo
from kiosk_app.store import photos
from kiosk_app.store.store import NotFoundError
from kiosk_app.sync.engine import SyncResult
from tests.support import databases as dbs
from tests.support.clock import SteppingWall
from tests.support.kiosk import Kiosk
from tests.support.live import ThreadServer
from tests.support.oracle import assert_photos_held, assert_same_everywhere
from tests.support.pgcluster import PgCluster

EXAMPLES = int(os.environ.get("CONVERGENCE_EXAMPLES", "100"))
REGION = "35.07"
VILLAGES = ["35.07.12.2001", "35.07.12.2002", "35.07.12.2003"]
FIELDS = {
    "merchant": {
        "business_name": st.sampled_from(["Toko Ani", "Warung Budi", "Kopi Sri"]),
        "address": st.sampled_from(["Dusun Krajan", "Jl. Raya 1", None]),
        "village_code": st.sampled_from(VILLAGES),
    },
    "product": {
        "name": st.sampled_from(["Kopi", "Teh Tubruk", "Gula Aren", "Keripik"]),
        "price": st.integers(1000, 99000),
        "status": st.sampled_from(["draft", "published"]),
        "unit": st.sampled_from(["bungkus", "botol", None]),
    },
}
PHOTO_SEEDS = 8
_photo_cache: dict[int, ProcessedPhoto] = {}


def tiny_photo(seed: int) -> ProcessedPhoto:
    if seed not in _photo_cache:
        image = Image.new("RGB", (64, 48), (seed * 40 % 256, 120, 200 - seed * 30 % 200))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG")
        _photo_cache[seed] = process_photo(buffer.getvalue())
    return _photo_cache[seed]


kiosk_index = st.integers(0, 2)
operation = st.one_of(
    st.tuples(st.just("merchant"), kiosk_index, st.sampled_from(VILLAGES)),
    st.tuples(st.just("product"), kiosk_index, st.integers(0, 50), st.integers(0, 20)),
    st.tuples(st.just("sync"), kiosk_index),
    st.tuples(st.just("sync"), kiosk_index),
    st.tuples(st.just("edit"), kiosk_index, st.sampled_from(["merchant", "product"]),
              st.integers(0, 50), st.data()),
    st.tuples(st.just("edit"), kiosk_index, st.sampled_from(["merchant", "product"]),
              st.integers(0, 50), st.data()),
    st.tuples(st.just("stock"), kiosk_index, st.integers(0, 50), st.integers(-5, 9)),
    st.tuples(st.just("delete"), kiosk_index, st.sampled_from(["merchant", "product", "photo"]),
              st.integers(0, 50)),
    st.tuples(st.just("photo"), kiosk_index, st.integers(0, 50),
              st.integers(0, PHOTO_SEEDS - 1)),
)  # fmt: skip


@dataclass
class World:
    server: ThreadServer
    kiosks: list[Kiosk]

    def sync(self, kiosk: Kiosk) -> SyncResult:
        return kiosk.sync(self.server.url)


@dataclass
class Template:
    """A server database with three enrolled kiosks sharing a few records, and those
    kiosks' folders."""

    folder: Path
    database: str | None  # the PostgreSQL template's URL; None: SQLite in folder/server
    pg_name: str | None = None


def seed_shared_records(kiosk: Kiosk) -> None:
    """Two merchants, four products with stock, two of them with a photo."""
    for m in range(2):
        merchant = kiosk.store.create("merchant", {
            "business_name": f"Toko Awal {m}", "owner_name": "Pemilik", "phone": "081234567890",
            "village_code": VILLAGES[m]})  # fmt: skip
        for p in range(2):
            product = kiosk.store.create(
                "product", {"merchant_id": merchant, "name": f"Barang {p}", "price": 5000,
                            "stock": 10})  # fmt: skip
            if p == 0:
                photos.add_photo(kiosk.store, product, tiny_photo(m), kiosk.blobs)


def make_template(backend: str, folder: Path, cluster: PgCluster | None, sqlite: Path) -> Template:
    if backend == "sqlite":
        dbs.sqlite_copy(sqlite, folder / "server")
        template = Template(folder, None)
    else:
        assert cluster is not None
        name, url = dbs.pg_copy(cluster, "world")
        template = Template(folder, url, name)
    with ThreadServer(folder / "server", template.database) as server:
        kiosks = [Kiosk(folder / f"kiosk{n}") for n in range(3)]
        for n, kiosk in enumerate(kiosks):
            kiosk.enroll(server.url, server.enroll_code(REGION), f"kios-{n}")
            assert kiosk.sync().ok  # the regions of its scope
        seed_shared_records(kiosks[0])
        for kiosk in kiosks:
            assert kiosk.sync().ok
        assert kiosks[0].sync().ok  # every thumbnail is on every kiosk now
        rows = assert_same_everywhere(server, kiosks)
        assert assert_photos_held(server, kiosks, rows) == 2
        for kiosk in kiosks:
            kiosk.close()
    return template


@pytest.fixture(scope="module")
def worlds(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[Callable[[str], Any]]:
    """``with worlds(backend) as world``: a fresh server and three kiosks.

    The next example's PostgreSQL database is cloned, and the last example's server
    stopped and its database dropped, on helper threads while an example runs (they
    wait on PostgreSQL and uvicorn, not on Python): a clone costs 0.1-0.3 s here."""
    templates: dict[str, Template] = {}
    root = tmp_path_factory.mktemp("convergence")
    cleaner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="world-cleanup")
    cloner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="world-clone")
    spares: deque[Future[tuple[str, str]]] = deque()
    # Worlds being stopped. Each server holds a pool of PostgreSQL connections until it
    # is stopped: on a busy machine the cleaner fell behind the examples, the servers
    # piled up and PostgreSQL ran out of connections ("too many clients already", then
    # 500s and a FlakyStrategyDefinition). So a new world waits until at most one
    # earlier world is still being cleaned up.
    cleaning: deque[Future[None]] = deque()

    def cluster() -> PgCluster:
        found: PgCluster = request.getfixturevalue("pg")
        return found

    def clone(template: Template) -> tuple[str, str]:
        if not spares:
            spares.append(cloner.submit(dbs.pg_copy, cluster(), "ex", template.pg_name))
        ready = spares.popleft()
        spares.append(cloner.submit(dbs.pg_copy, cluster(), "ex", template.pg_name))
        return ready.result()

    def clean(server: ThreadServer, pg_name: str | None, folder: Path) -> None:
        server.stop()
        if pg_name is not None:
            cluster().drop_database(pg_name)
        shutil.rmtree(folder, ignore_errors=True)

    @contextmanager
    def fresh(backend: str) -> Iterator[World]:
        while len(cleaning) > 1:
            cleaning.popleft().result()
        if backend not in templates:
            pg = cluster() if backend == "postgres" else None
            templates[backend] = make_template(backend, root / backend, pg, sqlite_template)
        template = templates[backend]
        folder = Path(tempfile.mkdtemp(prefix="world-", dir=root))
        pg_name = None
        if template.database is None:
            dbs.sqlite_copy(template.folder / "server" / dbs.SQLITE_NAME, folder / "server")
            database = None
        else:
            pg_name, database = clone(template)
        shutil.copytree(template.folder / "server" / "blobs", folder / "server" / "blobs")
        wall = SteppingWall()  # the three kiosks' shared clock
        kiosks = []
        for n in range(3):
            shutil.copytree(template.folder / f"kiosk{n}", folder / f"kiosk{n}")
            kiosks.append(Kiosk(folder / f"kiosk{n}", wall))
        server = ThreadServer(folder / "server", database).start()
        try:
            yield World(server, kiosks)
        finally:
            for kiosk in kiosks:
                kiosk.close()
            cleaning.append(cleaner.submit(clean, server, pg_name, folder))

    yield fresh
    cleaner.shutdown(wait=True)
    for done in cleaning:
        done.result()
    for spare in spares:
        cluster().drop_database(spare.result()[0])
    cloner.shutdown(wait=True)
    for template in templates.values():
        if template.pg_name is not None:
            cluster().drop_database(template.pg_name)


def live_ids(kiosk: Kiosk, entity: str) -> list[str]:
    rows = kiosk.store.db.execute(f"SELECT id FROM {entity} WHERE deleted = 0 ORDER BY id")
    return [r[0] for r in rows]


def pick(ids: list[str], n: int) -> str | None:
    return ids[n % len(ids)] if ids else None


def apply(world: World, op: tuple[Any, ...]) -> None:
    kind = op[0]
    kiosk = world.kiosks[op[1]]
    store = kiosk.store
    try:
        if kind == "merchant":
            store.create("merchant", {"business_name": "Toko Baru", "owner_name": "Pemilik",
                                      "phone": "081234567890", "village_code": op[2]})  # fmt: skip
        elif kind == "product":
            merchant = pick(live_ids(kiosk, "merchant"), op[2])
            if merchant:
                store.create("product", {"merchant_id": merchant, "name": "Barang",
                                         "price": 5000, "stock": op[3]})  # fmt: skip
        elif kind == "edit":
            entity, data = op[2], op[4]
            row = pick(live_ids(kiosk, entity), op[3])
            if row:
                field = data.draw(st.sampled_from(sorted(FIELDS[entity])))
                store.update(entity, row, {field: data.draw(FIELDS[entity][field])})
        elif kind == "stock":
            product = pick(live_ids(kiosk, "product"), op[2])
            if product:
                store.move_stock(product, op[3])
        elif kind == "delete":
            row = pick(live_ids(kiosk, op[2]), op[3])
            if row and op[2] == "photo":
                photos.remove_photo(store, row)
            elif row:
                store.delete(op[2], row)
        elif kind == "photo":
            product = pick(live_ids(kiosk, "product"), op[2])
            if product:
                photos.add_photo(store, product, tiny_photo(op[3]), kiosk.blobs)
        elif kind == "sync":
            world.sync(kiosk)
    except (ValidationError, NotFoundError):
        pass  # e.g. stock below zero, or a full photo set: refused locally, nothing written


@pytest.mark.slow
@pytest.mark.parametrize("backend", dbs.SERVER_BACKENDS)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=16))
def test_any_interleaving_converges(worlds, backend, ops):
    with worlds(backend) as world:
        for op in ops:
            apply(world, op)
        for _ in range(2):
            for kiosk in world.kiosks:
                result = world.sync(kiosk)
                assert result.error is None, result.error

        rows = assert_same_everywhere(world.server, world.kiosks)
        assert_photos_held(world.server, world.kiosks, rows)
        for kiosk in world.kiosks:
            assert kiosk.store.pending_count() == 0
