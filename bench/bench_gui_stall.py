"""Benchmark: the GUI thread's longest stall while a sync runs over the "vsat" link.

A real kiosk_server runs on loopback behind tests/support/linksim.py's "vsat" profile
(1 Mbps down / 256 kbps up, 700 ms round trip, 2 % loss). A kiosk holding M merchants,
P products and F photos (made beforehand through the store, not timed) is enrolled
through the simulated link; then the whole app starts (offscreen unless a display is
set), an operator is logged in with the sync screen open, and the sync scheduler sends
everything while a 10 ms QTimer (kiosk_app.ui.stall.StallProbe) measures how late the
event loop turns. Prints the longest stall and its ratio to the 100 ms target (<= 1.00
is within) and writes bench/results/gui_stall.json.

Usage: .venv/bin/python bench/bench_gui_stall.py [--merchants 20] [--products 300]
       [--photos 4] [--profile vsat] [--timeout 900]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


from kiosk_app.media.blobs import BlobStore  # noqa: E402
from kiosk_app.media.pipeline import process_photo  # noqa: E402
from kiosk_app.paths import resolve_paths  # noqa: E402
from kiosk_app.store import operators, photos, replica  # noqa: E402
from kiosk_app.store.regions import import_regions_csv  # noqa: E402
from kiosk_app.store.store import Store  # noqa: E402
from kiosk_app.sync.device import enroll  # noqa: E402
from tests.media.media_samples import photo_like, to_bytes  # noqa: E402
from tests.support import SAMPLE_REGIONS, VILLAGE  # noqa: E402
from tests.support.linksim import PROFILES, LinkSimulator  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "gui_stall.json"
TARGET_MS = 100.0
REGION = "35.07"


def fill_kiosk(store: Store, blobs: BlobStore, merchants: int, products: int, n_photos: int):
    """Merchants, products and photos as an operator would leave them after a day."""
    import_regions_csv(store.db, SAMPLE_REGIONS)
    merchant_ids = [
        store.create("merchant", {"business_name": f"Usaha Desa {i:03d}",
                                  "owner_name": f"Pemilik {i}", "phone": f"0812-3456-{i:04d}",
                                  "village_code": VILLAGE, "address": f"Dusun {i} RT 01"})
        for i in range(merchants)
    ]  # fmt: skip
    product_ids = [
        store.create("product", {"merchant_id": merchant_ids[i % merchants],
                                 "name": f"Produk {i:04d}", "price": 5000 + 500 * i,
                                 "stock": 10, "description": "Buatan tangan warga desa."})
        for i in range(products)
    ]  # fmt: skip
    for i in range(n_photos):
        source = to_bytes(photo_like((3000, 2250), seed=100 + i), "JPEG", quality=90)
        photos.add_photo(store, product_ids[i % products], process_photo(source), blobs)
    operators.create_operator(store, "Operator Bench", "123456", "operator")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, default=20)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--profile", default="vsat", choices=sorted(PROFILES))
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)

    from PySide6.QtCore import QTimer

    from kiosk_app.store.operators import list_operators
    from kiosk_app.ui.app import KioskApp, create_qt_app
    from kiosk_app.ui.stall import StallProbe

    with tempfile.TemporaryDirectory(prefix="gui-stall-") as tmp:
        tmp_path = Path(tmp)
        server = LiveServer(tmp_path / "server").start()
        sim = LinkSimulator(args.profile, target=("127.0.0.1", server.port), seed=1).start()
        try:
            paths = resolve_paths(tmp_path / "kiosk").ensure()
            store = Store.open(paths.database)
            blobs = BlobStore(paths.blobs)
            fill_kiosk(store, blobs, args.merchants, args.products, args.photos)
            enroll(store, sim.url, server.enroll_code(REGION), "kios-bench")
            before = replica.pending_summary(store)
            operator = list_operators(store)[0]
            store.close()

            qt_app = create_qt_app([sys.argv[0]])
            probe = StallProbe(interval_ms=10)
            results: list[object] = []
            kiosk = KioskApp(qt_app, paths)
            kiosk.session.login(operator)
            kiosk.window.show()
            kiosk.router.go("sync")
            # Let the window paint once first: start-up is not what is measured here.
            QTimer.singleShot(1500, qt_app.quit)
            qt_app.exec()
            probe.start()
            started = time.monotonic()

            def finished(result: object) -> None:
                results.append(result)
                if getattr(result, "ok", False):
                    qt_app.quit()

            kiosk.sync.finished.connect(finished)
            QTimer.singleShot(int(args.timeout * 1000), qt_app.quit)
            kiosk.sync.start_if_enrolled()  # the scheduler thread begins at once
            qt_app.exec()
            report = probe.stop()
            elapsed = time.monotonic() - started
            last = results[-1] if results else None
            kiosk.close()
        finally:
            sim.stop()
            server.stop()

    ok = bool(last is not None and getattr(last, "ok", False))
    result = {
        "benchmark": "gui_stall",
        "profile": args.profile,
        "link": PROFILES[args.profile].__dict__,
        "records_pending": before["pending_changes"],
        "blobs_pending": before["pending_blobs"],
        "merchants": args.merchants,
        "products": args.products,
        "photos": args.photos,
        "sync_ok": ok,
        "sync_attempts": len(results),
        "sync_seconds": round(elapsed, 1),
        "sync_requests": getattr(last, "requests", None),
        "bytes_up": getattr(last, "bytes_up", None),
        "probe_interval_ms": probe.interval_ms,
        "ticks": report.ticks,
        "longest_stall_ms": round(report.longest_ms, 1),
        "p99_stall_ms": round(report.p99_ms, 1),
        "stalls_over_50ms": report.over_50ms,
        "stalls_over_100ms": report.over_100ms,
        "stalls_over_50ms_at": [list(w) for w in report.worst],
        "target_ms": TARGET_MS,
        "ratio_to_target": round(report.longest_ms / TARGET_MS, 2),
        "qt_platform": os.environ.get("QT_QPA_PLATFORM"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"sync over {args.profile}: {result['records_pending']} records, "
        f"{result['blobs_pending']} images, {elapsed:.1f} s, ok={ok}"
    )
    print(
        f"longest GUI stall {report.longest_ms:.1f} ms (p99 {report.p99_ms:.1f} ms, "
        f"{report.over_100ms} over 100 ms, {report.ticks} ticks); "
        f"ratio to the {TARGET_MS:.0f} ms target: {report.longest_ms / TARGET_MS:.2f}"
    )
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
