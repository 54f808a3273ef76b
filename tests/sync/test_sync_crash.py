"""kill -9 of a syncing kiosk at random moments loses nothing and duplicates nothing.

Each trial adds changes (new products, price edits, stock moves), starts ``kiosk-app
sync`` as a real process and kills it with SIGKILL at a random moment. After all trials
one clean sync must leave the server with exactly the kiosk's data: a stock move
applied twice, or lost, would show in the totals.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.support import ROOT, VILLAGE

TRIALS = int(os.environ.get("SYNC_CRASH_TRIALS", "50"))


@pytest.mark.slow
def test_sigkill_during_sync_loses_and_duplicates_nothing(make_kiosk, server, tmp_path):
    rng = random.Random(4242)
    kiosk = make_kiosk("crash")
    assert kiosk.sync().ok
    merchant = kiosk.store.create(
        "merchant", {"business_name": "Toko Uji", "owner_name": "Budi",
                     "phone": "081234567890", "village_code": VILLAGE},
    )  # fmt: skip
    products: list[str] = []
    expected_stock: dict[str, int] = {}
    kills = 0
    for trial in range(TRIALS):
        for _ in range(rng.randrange(5, 40)):
            roll = rng.random()
            if roll < 0.4 or not products:
                stock = rng.randrange(0, 50)
                pid = kiosk.store.create(
                    "product", {"merchant_id": merchant, "name": f"Barang {trial}",
                                "price": rng.randrange(1000, 90000), "stock": stock},
                )  # fmt: skip
                products.append(pid)
                expected_stock[pid] = stock
            elif roll < 0.7:
                pid = rng.choice(products)
                kiosk.store.update("product", pid, {"price": rng.randrange(1000, 90000)})
            else:
                pid = rng.choice(products)
                delta = rng.randrange(1, 9)
                kiosk.store.move_stock(pid, delta)
                expected_stock[pid] += delta
        child = subprocess.Popen(
            [sys.executable, "-m", "kiosk_app", "sync", "--data-dir", str(kiosk.data_dir)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(rng.uniform(0.05, 0.9))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            kills += 1
        child.wait()
        conn = sqlite3.connect(kiosk.data_dir / "kiosk.db")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()

    final = kiosk.sync()
    exported = server.export(tmp_path / "server")

    assert final.ok, final.error
    assert kills >= TRIALS // 3  # most trials really were cut mid-sync
    server_products = {p["id"]: p for p in exported["product"]}
    assert set(server_products) == set(products)
    assert {pid: server_products[pid]["stock"] for pid in products} == expected_stock
    assert kiosk.export()["product"] == sorted(exported["product"], key=lambda r: r["id"])
