"""A hostile link and other roads to the server: faults, resumed uploads, USB bundles.

- Faults: every sync goes through a fault-injecting proxy (tests/support/faultproxy.py)
  that drops connections inside request bodies and mid-response, delays and truncates,
  at a 20 % rate, while the kiosks edit, move stock and add photos; they still end equal
  to the server on every field (tests/support/oracle.py), with every photo whole on the
  server, and no stock move counts twice. The seeds are printed when it fails.
- Resume: a photo upload cut at about 90 % sends only the rest when resumed, counted in
  bytes on the wire.
- Bundles: changes carried on a USB bundle, imported (a second import is refused as a
  replay), then also synced over the network, change the server once.
"""

from __future__ import annotations

import contextlib
import random
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from kiosk_app.domain.errors import ValidationError
from kiosk_app.media.pipeline import process_photo
from kiosk_app.store import photos
from kiosk_app.sync import uploads
from kiosk_app.sync.device import load_device
from kiosk_app.sync.uploads import Uploader
from tests.media.media_samples import photo_like, to_bytes
from tests.support import ROOT, VILLAGE
from tests.support.faultproxy import DROP_REQUEST, FaultProxy
from tests.support.oracle import assert_photos_held, assert_same_everywhere

FAULT_ROUNDS = 12
SEED, PROXY_SEED = 2026, 7


def merchant(name: str = "Toko Ani") -> dict[str, object]:
    return {"business_name": name, "owner_name": "Ani", "phone": "081234567890",
            "village_code": VILLAGE}  # fmt: skip


def a_photo(seed: int):  # a real phone-like picture: the full image is ~200 KB
    return process_photo(to_bytes(photo_like((2000, 1500), seed=seed), "JPEG", quality=92))


def sync_until_done(kiosk, url: str, attempts: int = 40) -> int:
    """Sync through ``url`` until a sync completes with nothing pending; returns failures."""
    for failures in range(attempts):
        result = kiosk.sync(url)
        if result.ok and kiosk.store.pending_count() == 0:
            return failures
    raise AssertionError(f"no complete sync in {attempts} attempts: {result.error}")


@pytest.mark.slow
def test_kiosks_converge_through_a_link_that_fails_a_fifth_of_the_time(
    make_kiosk, server, tmp_path
):
    rng = random.Random(SEED)
    kiosks = [make_kiosk(f"f{n}") for n in range(3)]
    stock: dict[str, int] = {}
    port = int(server.url.rsplit(":", 1)[1])
    with FaultProxy(port, fault_rate=0.2, seed=PROXY_SEED) as proxy:
        for kiosk in kiosks:
            sync_until_done(kiosk, proxy.url)
        m = kiosks[0].store.create("merchant", merchant())
        p = kiosks[0].store.create("product", {"merchant_id": m, "name": "Kopi", "price": 30000,
                                               "stock": 100})  # fmt: skip
        stock[p] = 100
        photos.add_photo(kiosks[0].store, p, a_photo(1), kiosks[0].blobs)
        sync_until_done(kiosks[0], proxy.url)
        for round_ in range(FAULT_ROUNDS):
            kiosk = kiosks[round_ % 3]
            sync_until_done(kiosk, proxy.url)
            products = [r[0] for r in kiosk.store.db.execute(
                "SELECT id FROM product WHERE deleted = 0")]  # fmt: skip
            for _ in range(rng.randrange(1, 6)):
                target = rng.choice(products)
                roll = rng.random()
                if roll < 0.4:
                    delta = rng.randrange(-3, 6)
                    if kiosk.store.get("product", target)["stock"] + delta >= 0:
                        kiosk.store.move_stock(target, delta)
                        stock[target] += delta
                elif roll < 0.7:
                    kiosk.store.update("product", target, {"price": rng.randrange(1, 90) * 1000})
                else:
                    new = kiosk.store.create("product", {"merchant_id": m, "name": f"B{round_}",
                                                         "price": 5000, "stock": 3})  # fmt: skip
                    stock[new] = 3
            if round_ % 4 == 1:  # a photo to upload through the faults
                with contextlib.suppress(ValidationError):  # nine photos at most
                    photos.add_photo(kiosk.store, rng.choice(products), a_photo(100 + round_),
                                     kiosk.blobs)  # fmt: skip
            # a sync cut short is simply tried again, as the scheduler would
            kiosk.sync(proxy.url)
        for _ in range(2):
            for kiosk in kiosks:
                sync_until_done(kiosk, proxy.url)
        counts = proxy.counts

    print(f"fault test seeds: rng {SEED}, proxy {PROXY_SEED}; faults drawn: {counts}")
    assert sum(v for k, v in counts.items() if k != "pass") >= 10  # faults really happened
    assert counts[DROP_REQUEST] >= 2
    rows = assert_same_everywhere(server, kiosks)
    assert {p: rows["product"][p]["stock"] for p in stock} == stock  # nothing twice
    assert assert_photos_held(server, kiosks, rows) >= 3
    for kiosk in kiosks:
        assert kiosk.store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_upload_cut_at_ninety_percent_sends_only_the_rest(make_kiosk, monkeypatch):
    kiosk = make_kiosk("resume")
    assert kiosk.sync().ok  # brings the region list
    m = kiosk.store.create("merchant", merchant())
    p = kiosk.store.create("product", {"merchant_id": m, "name": "Tikar", "price": 50000})
    photo = a_photo(5)
    photos.add_photo(kiosk.store, p, photo, kiosk.blobs)
    length = kiosk.blobs.size(photo.sha256)
    # chunks of 5 % (loopback is fast; on the satellite link chunks are this small anyway)
    monkeypatch.setattr(uploads, "MIN_CHUNK", length // 20)
    monkeypatch.setattr(uploads, "MAX_CHUNK", length // 20)
    device = load_device(kiosk.store)
    assert device is not None

    class PowerCut(Exception):
        pass

    def cut_at_ninety(sha: str, kind: str, sent: int, confirmed: int, total: int) -> None:
        if confirmed >= 0.89 * total and confirmed < total:
            raise PowerCut

    def run(fn, *args):
        return fn(kiosk.store, *args)

    first_client = device.client()
    first = Uploader(run, first_client, kiosk.blobs, on_bytes=cut_at_ninety)
    with pytest.raises(PowerCut):
        first.upload(photo.sha256, "full")
    sent_before = first_client.traffic.bytes_up

    second_client = device.client()  # a new process after the restart
    second = Uploader(run, second_client, kiosk.blobs)
    second.upload(photo.sha256, "full")
    resumed = second_client.traffic.bytes_up

    print(f"resume: length {length} B, sent before the cut {sent_before} B, after {resumed} B")
    assert 0.89 * length <= sent_before < 0.95 * length
    assert 0 < resumed <= length - sent_before + 2048  # the rest, plus small request bodies
    got = requests.get(f"{device.server_url}/v1/blobs/{photo.sha256}",
                       headers={"Authorization": f"Bearer {device.token}"}, timeout=30)  # fmt: skip
    assert got.status_code == 200 and got.content == kiosk.blobs.path(photo.sha256).read_bytes()
    first_client.close()
    second_client.close()


def test_a_bundle_imported_twice_and_synced_too_changes_the_server_once(
    make_kiosk, server, tmp_path: Path
):
    kiosk = make_kiosk("usb")
    assert kiosk.sync().ok
    m = kiosk.store.create("merchant", merchant("Warung USB"))
    p = kiosk.store.create("product", {"merchant_id": m, "name": "Gula Aren", "price": 20000,
                                       "stock": 10})  # fmt: skip
    kiosk.store.move_stock(p, 5)
    kiosk.store.move_stock(p, -2)
    photo = a_photo(9)
    photos.add_photo(kiosk.store, p, photo, kiosk.blobs)
    bundle = tmp_path / "flashdisk" / "kios.etalase"
    bundle.parent.mkdir()
    kiosk.store.close()  # the CLI is another process on the same data folder
    made = subprocess.run(
        [sys.executable, "-m", "kiosk_app", "bundle", "export", str(bundle),
         "--data-dir", str(kiosk.data_dir)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    kiosk.store = type(kiosk.store).open(kiosk.data_dir / "kiosk.db")
    assert made.returncode == 0, made.stderr

    server.cli("bundle", "import", str(bundle))
    once = server.export(tmp_path / "once")
    with pytest.raises(RuntimeError, match="sudah diimpor"):
        server.cli("bundle", "import", str(bundle))  # a replay: refused, exit 1
    twice = server.export(tmp_path / "twice")
    synced = kiosk.sync()  # the same changes over the network as well
    after = server.export(tmp_path / "after")

    assert [r["stock"] for r in once["product"] if r["id"] == p] == [13]
    assert once == twice == after
    assert synced.ok and kiosk.store.pending_count() == 0
    assert synced.uploaded == 0  # the photos came on the bundle
    assert kiosk.export() == after
