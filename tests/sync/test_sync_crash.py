"""kill -9 of a syncing kiosk, at every failpoint and at random moments, loses nothing and
duplicates nothing.

Two kiosks share a region: the crash kiosk, whose ``kiosk-app sync`` (or ``bundle
export``) runs as a real process and dies by SIGKILL, and a peer in this process whose
changes the crash kiosk pulls, in several parts. Each trial both make changes (merchants
and products created, edited and deleted, stock moved, photos added and removed); then
the crash kiosk's process runs with one failpoint armed (``kiosk_app/sync/failpoints.py``:
it kills itself the n-th time it gets there), or is killed at a random moment after its
first request left. Failpoint trials go round the failpoints in turn, so each is hit
TRIALS / 7 times, at its first, second or third passage.

After every kill: the database is whole; a kill after the server committed leaves the
server holding mutations the kiosk has not acknowledged (the dangerous window, checked on
the server). Exit codes: -SIGKILL when killed, 0 when the process finished. At the end
one clean sync each, and the server and both kiosks hold the same rows on every field,
tombstones included, each stock total is exactly the sum of its moves, and every live
photo is on the server whole and its thumbnail on both kiosks.

A table of where the kills landed is printed (``-s`` shows it); on a failure the seed and
every trial's plan are printed too. ``SYNC_CRASH_TRIALS`` (default 50) and
``SYNC_CRASH_SEED`` choose a longer or another run.
"""

from __future__ import annotations

import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import bindparam, text

from kiosk_app.media.pipeline import ProcessedPhoto, process_photo
from kiosk_app.store import photos
from kiosk_app.store.store import Store
from kiosk_app.sync import failpoints as fp
from kiosk_app.sync.device import load_device
from tests.support import ROOT
from tests.support.kiosk import Kiosk
from tests.support.live import LiveServer
from tests.support.oracle import assert_photos_held, assert_same_everywhere
from tests.sync.kiosk_cli_small_parts import PART_CHANGES

TRIALS = int(os.environ.get("SYNC_CRASH_TRIALS", "50"))
SEED = int(os.environ.get("SYNC_CRASH_SEED", "4242"))
RANDOM = "random"
PLANS = (*fp.POINTS, RANDOM)
# A trial kills at hit 1..MAX_AT of its failpoint; each trial's changes make sure its
# failpoint is passed at least that often.
MAX_AT = {fp.BETWEEN_PARTS: 2, fp.MID_CHUNK: 3, fp.BEFORE_RECORD: 2, fp.MID_EXPORT: 3}
NEEDS_A_PHOTO = (fp.MID_CHUNK, fp.BEFORE_RECORD, fp.MID_EXPORT)
VILLAGES = ["35.07.12.2001", "35.07.12.2002", "35.07.12.2003"]
KILLED = -signal.SIGKILL


@dataclass
class Trial:
    n: int
    plan: str
    at: int = 1
    delay_s: float = 0.0  # random plan: after the first request left
    exit_code: int | None = None
    landed: str = ""  # the last failpoint passed before dying
    window: bool = False  # the server held mutations the kiosk had not acknowledged

    def __str__(self) -> str:
        how = f"after {self.delay_s:.3f} s" if self.plan == RANDOM else f"hit {self.at}"
        return (
            f"trial {self.n}: {self.plan} ({how}) -> exit {self.exit_code}, "
            f"landed after {self.landed or '-'}, window {self.window}"
        )


def noise_photo(rng: random.Random) -> ProcessedPhoto:
    """A distinct photo whose thumbnail is tens of kilobytes (noise does not compress),
    so every upload body takes several reads: a kill can land inside one."""
    size = (640, 480)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return process_photo(buffer.getvalue())


class Workload:
    """Random changes on one kiosk. Stock moves and deletes touch only the rows this
    kiosk created (so the totals are known exactly); edits touch anyone's rows."""

    def __init__(self, kiosk: Kiosk, rng: random.Random, stock: dict[str, int]) -> None:
        self.kiosk = kiosk
        self.rng = rng
        self.stock = stock  # expected total per product, shared by both workloads
        self.merchants: list[str] = []
        self.products: list[str] = []
        self.photos: list[str] = []

    @property
    def store(self) -> Store:
        return self.kiosk.store

    def live(self, entity: str) -> list[str]:
        rows = self.store.db.execute(f"SELECT id FROM {entity} WHERE deleted = 0 ORDER BY id")
        return [r[0] for r in rows]

    def my_live(self, entity: str) -> list[str]:
        """The live rows of ``entity`` this kiosk created."""
        live = set(self.live(entity))
        return [i for i in (self.products if entity == "product" else self.merchants) if i in live]

    def new_merchant(self) -> str:
        m = self.store.create("merchant", {
            "business_name": f"Toko {self.rng.randrange(1000)}", "owner_name": "Budi",
            "phone": "081234567890", "village_code": self.rng.choice(VILLAGES)})  # fmt: skip
        self.merchants.append(m)
        return m

    def new_product(self) -> str:
        merchants = self.my_live("merchant") or [self.new_merchant()]
        stock = self.rng.randrange(0, 50)
        p = self.store.create("product", {
            "merchant_id": self.rng.choice(merchants), "name": f"Barang {len(self.products)}",
            "price": self.rng.randrange(1, 90) * 1000, "stock": stock})  # fmt: skip
        self.products.append(p)
        self.stock[p] = stock
        return p

    def add_photo(self) -> None:
        products = self.my_live("product") or [self.new_product()]
        product = self.rng.choice(products)
        if len(self.store.photos_of(product)) >= 9:
            product = self.new_product()
        photo = photos.add_photo(self.store, product, noise_photo(self.rng), self.kiosk.blobs)
        self.photos.append(photo)

    def change(self) -> None:
        roll, rng = self.rng.random(), self.rng
        if roll < 0.08 or not self.live("merchant"):
            self.new_merchant()
        elif roll < 0.30 or not self.live("product"):
            self.new_product()
        elif roll < 0.40:
            field, value = rng.choice([("business_name", f"Warung {rng.randrange(99)}"),
                                       ("address", f"Dusun {rng.randrange(99)}")])  # fmt: skip
            self.store.update("merchant", rng.choice(self.live("merchant")), {field: value})
        elif roll < 0.60:
            field, value = rng.choice([("price", rng.randrange(1, 90) * 1000),
                                       ("name", f"Barang baru {rng.randrange(99)}"),
                                       ("status", rng.choice(["draft", "published"]))])  # fmt: skip
            self.store.update("product", rng.choice(self.live("product")), {field: value})
        elif roll < 0.85:
            products = self.my_live("product")
            if products:
                product = rng.choice(products)
                delta = rng.randrange(-3, 9)
                if self.stock[product] + delta >= 0:
                    self.store.move_stock(product, delta)
                    self.stock[product] += delta
        elif roll < 0.90:
            products = self.my_live("product")
            if len(products) > 3:
                self.store.delete("product", rng.choice(products))
        elif roll < 0.92:
            bare = [m for m in self.my_live("merchant") if not self.store.db.execute(
                "SELECT 1 FROM product WHERE merchant_id = ?", [m]).fetchone()]  # fmt: skip
            if bare:
                self.store.delete("merchant", rng.choice(bare))
        elif roll < 0.96:
            self.add_photo()
        else:
            live = set(self.live("photo"))
            mine = [p for p in self.photos if p in live]
            if mine:
                photos.remove_photo(self.store, rng.choice(mine))


def reopen(kiosk: Kiosk) -> None:
    """The kiosk starts again after the power cut: a fresh store on the same file."""
    kiosk.store = Store.open(kiosk.data_dir / "kiosk.db", kiosk.wall)


def unacknowledged_on_server(kiosk: Kiosk, server: LiveServer) -> set[str]:
    """Mutations still in the kiosk's outbox that the server has applied."""
    ids = [r[0] for r in kiosk.store.db.execute("SELECT id FROM outbox")]
    if not ids:
        return set()
    with server.engine.connect() as conn:
        query = text("SELECT id FROM applied_mutation WHERE id IN :ids")
        found = conn.execute(query.bindparams(bindparam("ids", expanding=True)), {"ids": ids})
        return {r[0] for r in found}


def run_child(kiosk: Kiosk, args: list[str], trial: Trial, trace: Path) -> None:
    """Run the kiosk's command line as a real process, armed as the trial says."""
    env = {**os.environ, fp.TRACE_ENV: str(trace)}
    env.pop(fp.ENV, None)
    if trial.plan in fp.POINTS:
        env[fp.ENV] = f"{trial.plan}={fp.KILL}@{trial.at}"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.sync.kiosk_cli_small_parts", *args,
         "--data-dir", str(kiosk.data_dir)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    if trial.plan == RANDOM:
        # Kill at a random moment once the first request is on its way (a kill before
        # any request tests nothing of the sync).
        deadline = time.monotonic() + 120
        while child.poll() is None and fp.BEFORE_REQUEST not in _read(trace):
            assert time.monotonic() < deadline, "the sync never sent its first request"
            time.sleep(0.002)
        time.sleep(trial.delay_s)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
    _, err = child.communicate(timeout=180)
    trial.exit_code = child.returncode
    passed = _read(trace).split()
    trial.landed = passed[-1] if passed else ""
    if trial.exit_code not in (0, KILLED):
        raise AssertionError(f"{trial}: exit {trial.exit_code}\n{err.decode()[-3000:]}")


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def plan_trials(rng: random.Random) -> list[Trial]:
    plans = [PLANS[n % len(PLANS)] for n in range(TRIALS)]
    rng.shuffle(plans)
    return [
        Trial(n, plan, at=rng.randint(1, MAX_AT.get(plan, 1)), delay_s=rng.uniform(0.0, 0.15))
        for n, plan in enumerate(plans)
    ]


def table(trials: list[Trial]) -> str:
    lines = [f"{'failpoint':<22}{'armed':>7}{'killed there':>14}{'in window':>11}"]
    for plan in PLANS:
        mine = [t for t in trials if t.plan == plan]
        landed = [t for t in mine if t.exit_code == KILLED and (plan == RANDOM or t.landed == plan)]
        window = sum(t.window for t in landed)
        lines.append(f"{plan:<22}{len(mine):>7}{len(landed):>14}{window:>11}")
    randoms = Counter(t.landed for t in trials if t.plan == RANDOM and t.exit_code == KILLED)
    finished = sum(1 for t in trials if t.plan == RANDOM and t.exit_code == 0)
    lines.append(f"random kills, by the last failpoint passed: {dict(sorted(randoms.items()))}")
    lines.append(f"random trials whose sync finished before the kill: {finished}")
    return "\n".join(lines)


@pytest.mark.slow
def test_sigkill_during_sync_loses_and_duplicates_nothing(make_kiosk, server, tmp_path):
    rng = random.Random(SEED)
    kiosk, peer = make_kiosk("crash"), make_kiosk("peer")
    assert kiosk.sync().ok and peer.sync().ok
    stock: dict[str, int] = {}
    mine, theirs = Workload(kiosk, rng, stock), Workload(peer, rng, stock)
    device = load_device(kiosk.store)
    assert device is not None
    stick = tmp_path / "stick" / "kios.etalase"
    stick.parent.mkdir()
    trials = plan_trials(rng)
    try:
        for trial in trials:
            # Given changes on both kiosks, the peer's already on the server
            for _ in range(rng.randrange(3, 15)):
                mine.change()
            if trial.plan in NEEDS_A_PHOTO:
                mine.add_photo()  # two blobs to upload (or to write to the stick)
            for _ in range(rng.randrange(2, 8)):
                theirs.change()
            if trial.plan == fp.BETWEEN_PARTS:  # enough for three parts of the pull
                for _ in range(2 * PART_CHANGES + 1):
                    theirs.new_product()
            if rng.random() < 0.1:
                theirs.add_photo()  # its thumbnail comes down to the crash kiosk
            assert peer.sync().ok
            before = unacknowledged_on_server(kiosk, server)
            kiosk.store.close()

            # When the kiosk's process dies where the trial says
            trace = tmp_path / f"trace-{trial.n}"
            if trial.plan == fp.MID_EXPORT:
                run_child(kiosk, ["bundle", "export", str(stick)], trial, trace)
            else:
                run_child(kiosk, ["sync"], trial, trace)

            # Then the database is whole, and the kill landed where it was meant to
            conn = sqlite3.connect(kiosk.data_dir / "kiosk.db")
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            conn.close()
            reopen(kiosk)
            trial.window = bool(unacknowledged_on_server(kiosk, server) - before)
            if trial.plan != RANDOM:
                assert (trial.exit_code, trial.landed) == (KILLED, trial.plan), str(trial)
            if trial.plan == fp.AFTER_COMMIT:
                assert trial.window, f"{trial}: the server had not committed the batch"
            if trial.plan == fp.MID_EXPORT:
                check_stick_and_import(kiosk, server, stick, trial)

        # When both kiosks sync once more, cleanly (the crash kiosk through its command line)
        kiosk.store.close()
        last = Trial(len(trials), "final")
        run_child(kiosk, ["sync"], last, tmp_path / "trace-final")
        assert last.exit_code == 0, "the clean sync left something pending"
        assert peer.sync().ok
        run_child(kiosk, ["sync"], last, tmp_path / "trace-final-2")
        assert last.exit_code == 0
        reopen(kiosk)

        # Then nothing was lost or counted twice, anywhere
        rows = assert_same_everywhere(server, [kiosk, peer])
        assert {p: rows["product"][p]["stock"] for p in stock} == stock
        assert set(mine.products) | set(theirs.products) == set(rows["product"])
        assert set(mine.photos) | set(theirs.photos) == set(rows["photo"])
        assert assert_photos_held(server, [kiosk, peer], rows) > 0
        assert kiosk.store.pending_count() == 0 and peer.store.pending_count() == 0
    except BaseException:
        print(f"SYNC_CRASH_SEED={SEED} SYNC_CRASH_TRIALS={TRIALS} ({server.backend})")
        for trial in trials:
            print(trial)
        raise
    finally:
        print(f"\nkill -9 during sync, {TRIALS} trials on {server.backend}, seed {SEED}")
        print(table(trials))


def check_stick_and_import(kiosk: Kiosk, server: LiveServer, stick: Path, trial: Trial) -> None:
    """A killed export leaves no half bundle where the technician looks; the next export
    is whole, and (as the technician would) it goes to the server, whose later network
    syncs of the same mutations must not count them twice."""
    from kiosk_server.config import Settings
    from kiosk_server.keys import keys_for
    from kiosk_server.usb_import import import_bundle, inspect_bundle

    settings = Settings(data_dir=server.data_dir, database_url=server.database)
    keys = keys_for(settings)
    if stick.exists():  # only ever a whole bundle, from an earlier trial
        inspect_bundle(server.engine, settings, keys, stick)  # raises unless whole and signed
    kiosk.store.close()
    again = Trial(trial.n, "bundle export again")
    run_child(kiosk, ["bundle", "export", str(stick)], again, stick.with_name(f"trace-{trial.n}"))
    reopen(kiosk)
    assert again.exit_code == 0
    manifest = inspect_bundle(server.engine, settings, keys, stick)
    assert len(manifest["mutations"]) == kiosk.store.pending_count()
    import_bundle(server.engine, settings, keys, stick)
