"""Sync over a simulated geostationary satellite link (DESIGN §1 ``vsat`` profile).

A real kiosk_server process on loopback, reached only through bench/linksim.py (delay,
rate per direction, loss as retransmission stalls). Three phases:

1. push: a kiosk sends N products (and their merchants) it made offline;
2. pull: a freshly enrolled kiosk in the same region receives them all;
3. photos: the first kiosk uploads P photos (full image + thumbnail each, tus).

Each phase prints wall time, bytes each way on the wire (as the simulator delivered
them: headers, TCP handshakes and retransmissions included), requests, and the ratio to
the link's bound = compressed payload ÷ rate each way + one round trip. Target: ≤ 1.25.
Region lists are pulled over loopback before timing, so the phases measure only their
own data. Writes bench/results/sync_vsat.json.

Usage: .venv/bin/python bench/bench_sync.py [--products 2000] [--photos 20] [--profile vsat]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from linksim import PROFILES, LinkSimulator, bound_seconds  # noqa: E402

from kiosk_app.media.pipeline import process_photo  # noqa: E402
from kiosk_app.store import photos  # noqa: E402
from tests.media.media_samples import photo_like, to_bytes  # noqa: E402
from tests.support.kiosk import Kiosk  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

TARGET_RATIO = 1.25
VILLAGES = ["35.07.12.2001", "35.07.12.2002", "35.07.12.2003"]
WORDS = ["Kopi", "Gula Aren", "Keripik", "Teh", "Madu", "Sambal", "Tenun", "Abon", "Jahe"]


def until_done(kiosk: Kiosk, url: str) -> dict[str, int]:
    """Sync until nothing is pending; the engine's own counters summed over the syncs."""
    totals = {"syncs": 0, "requests": 0, "payload_up": 0, "payload_down": 0}
    for _ in range(50):
        result = kiosk.sync(url)
        totals["syncs"] += 1
        totals["requests"] += result.requests
        totals["payload_up"] += result.bytes_up
        totals["payload_down"] += result.bytes_down
        if result.ok and kiosk.store.pending_count() == 0 and result.pending_blobs == 0:
            return totals
    raise RuntimeError(f"sync did not finish: {result.error}")


def phase(name: str, sim: LinkSimulator, run: Any) -> dict[str, Any]:
    before = sim.stats
    started = time.perf_counter()
    totals = run()
    wall = time.perf_counter() - started
    after = sim.stats
    wire_up, wire_down = after.bytes_up - before.bytes_up, after.bytes_down - before.bytes_down
    bound = bound_seconds(sim.profile, totals["payload_up"], totals["payload_down"])
    out = {
        "phase": name,
        "wall_s": round(wall, 2),
        **totals,
        "wire_up": wire_up,
        "wire_down": wire_down,
        "connections": after.connections - before.connections,
        "loss_events": after.loss_events - before.loss_events,
        "bound_s": round(bound, 2),
        "ratio_to_bound": round(wall / bound, 3),
    }
    print(
        f"{name:7} {wall:7.1f} s  up {wire_up / 1024:8.1f} KiB  down {wire_down / 1024:8.1f} KiB"
        f"  requests {totals['requests']:3}  bound {bound:6.1f} s  ratio {wall / bound:5.2f}"
        f"  (target <= {TARGET_RATIO})"
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="vsat")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    results: list[dict[str, Any]] = []
    with LiveServer(root / "server") as server:
        port = int(server.url.rsplit(":", 1)[1])
        a, b = Kiosk(root / "kiosk-a"), Kiosk(root / "kiosk-b")
        for kiosk, name in ((a, "kios-a"), (b, "kios-b")):
            kiosk.enroll(server.url, server.enroll_code("35.07"), name)
            assert kiosk.sync().ok  # the region list, over loopback
        merchants = []
        for n in range(max(1, args.products // 200)):
            merchant = {"business_name": f"Toko {n}", "owner_name": "Pemilik",
                        "phone": "081234567890", "village_code": VILLAGES[n % 3]}  # fmt: skip
            merchants.append(a.store.create("merchant", merchant))
        made = []
        for n in range(args.products):
            made.append(a.store.create("product", {
                "merchant_id": merchants[n % len(merchants)],
                "name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}",
                "description": f"Produk desa nomor {n}, dibuat di kios.",
                "price": rng.randrange(1, 200) * 500, "stock": rng.randrange(0, 100),
                "unit": rng.choice(["bungkus", "botol", "kg"]), "category": "makanan",
                "status": "published"}))  # fmt: skip
        pictures = [
            process_photo(to_bytes(photo_like((4000, 3000), seed=n), "JPEG", quality=90))
            for n in range(args.photos)
        ]
        print(f"{args.products} products, {len(merchants)} merchants, {args.photos} photos; "
              f"link {args.profile}: {sim_desc(PROFILES[args.profile])}")  # fmt: skip
        with LinkSimulator(PROFILES[args.profile], target=("127.0.0.1", port), seed=7) as sim:
            results.append(phase("push", sim, lambda: until_done(a, sim.url)))
            results.append(phase("pull", sim, lambda: until_done(b, sim.url)))
            for n, picture in enumerate(pictures):
                photos.add_photo(a.store, made[n], picture, a.blobs)
            results.append(phase("photos", sim, lambda: until_done(a, sim.url)))
        same = b.store.db.execute("SELECT count(*) FROM product").fetchone()[0] == args.products
        a.close()
        b.close()
    worst = max(r["ratio_to_bound"] for r in results)
    print(f"worst ratio to the link's bound: {worst:.2f} (target <= {TARGET_RATIO}); "
          f"fresh kiosk has every product: {same}")  # fmt: skip
    out = ROOT / "bench" / "results" / "sync_vsat.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "profile": args.profile, "products": args.products, "photos": args.photos,
        "phases": results, "target_ratio": TARGET_RATIO, "worst_ratio": worst,
        "pulled_everything": same,
        "note": "2 shared cores; bound = compressed payload / rate each way + one RTT",
    }, indent=2) + "\n")  # fmt: skip
    print(f"written {out.relative_to(ROOT)}")
    return 0 if same else 1


def sim_desc(p: Any) -> str:
    return (
        f"down {p.down_bps / 1e6:g} Mbit/s, up {p.up_bps / 1e3:g} kbit/s, "
        f"RTT {p.rtt_ms:g} ms, loss {p.loss:.0%}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
