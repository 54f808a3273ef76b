"""Benchmark: the region feeds stream with flat memory, 10,000 products against 100,000.

For each size a server database is filled directly (SQLAlchemy bulk inserts, as the sync
would leave it: consenting active merchants of 20 products each, every product published
with one stored and granted photo, plus a tenth as many products in another province
that the region filter must skip). Then, for /feed/meta.csv?wilayah=35.07 and
/feed/google.xml?wilayah=35.07:

- in process: the body iterator (``feed_pages`` + encoder) consumed chunk by chunk under
  tracemalloc: time and peak Python allocation;
- over HTTP: a real ``kiosk-server serve`` on loopback, the feed read in 64 KiB pieces and
  dropped; the server's peak RSS (VmHWM) before and after the fetch, time to the first
  byte and to the last.

Memory that stays flat: the peak at 100,000 is close to the peak at 10,000 (the ratio is
printed), while the bytes grow tenfold. Writes bench/results/feeds.json.
Usage: .venv/bin/python bench/bench_feeds.py [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk_server.catalog.feed_rows import Filters, feed_pages  # noqa: E402
from kiosk_server.catalog.feeds import google_xml, meta_csv  # noqa: E402
from kiosk_server.db import (  # noqa: E402
    RECORD_TABLES,
    blob,
    blob_grant,
    counter,
    make_engine,
)

REGIONS = ROOT / "resources" / "demo" / "regions_sample.csv"
VILLAGE = "35.07.12.2001"
FAR_VILLAGE = "53.10.01.2001"
REGION = "35.07"
PER_MERCHANT = 20
NOW = "2026-12-01T08:00:00.000+00:00"
CONSENT = {
    "consent_version": "persetujuan-v1",
    "consent_at": "2026-11-20T09:00:00+07:00",
    "consent_operator": "Operator Bench",
}
DESCRIPTION = (
    "Keripik singkong dari kebun sendiri, diiris tipis, digoreng renyah dengan bumbu "
    "balado pedas manis. Tanpa pengawet, tahan dua bulan dalam kemasan tertutup."
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def uid(kind: int, n: int) -> str:
    """A UUIDv7-shaped id, ordered by ``n`` (ids of one kind sort as they were made)."""
    middle = f"{n >> 32 & 0xFFFF:04x}-7{n >> 20 & 0xFFF:03x}-8{n >> 8 & 0xFFF:03x}"
    return f"0193{kind:04x}-{middle}-{n:012x}"


def fill(data: Path, products: int) -> dict[str, int]:
    """A migrated server database with the sample regions and ``products`` public
    products in the region (and a tenth as many outside it)."""
    subprocess.run(
        [sys.executable, "-m", "kiosk_server.cli", "regions", "import", str(REGIONS),
         "--data-dir", str(data)],
        cwd=ROOT, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    engine = make_engine(f"sqlite:///{data / 'server.db'}")
    merchant, product, photo = (RECORD_TABLES[k] for k in ("merchant", "product", "photo"))
    far = products // 10
    seq = 0
    with engine.begin() as conn:
        for start in range(0, products + far, 5000):
            ms, ps, phs, bs, gs = [], [], [], [], []
            for n in range(start, min(start + 5000, products + far)):
                village = VILLAGE if n < products else FAR_VILLAGE
                m_id = uid(1, n // PER_MERCHANT)
                if n % PER_MERCHANT == 0:
                    seq += 1
                    ms.append({
                        "id": m_id, "business_name": f"Usaha Desa {n // PER_MERCHANT}",
                        "owner_name": "Pemilik", "phone": "+6281234567890",
                        "village_code": village, "address": "Jl. Desa", "status": "active",
                        **CONSENT, "deleted": 0, "clocks": "{}", "scope_code": village,
                        "seq": seq, "created_at": NOW, "updated_at": NOW,
                    })  # fmt: skip
                p_id = uid(2, n)
                sha = hashlib.sha256(p_id.encode()).hexdigest()
                seq += 2
                ps.append({
                    "id": p_id, "merchant_id": m_id, "status": "published", "deleted": 0,
                    "name": f"Keripik Singkong Balado Kemasan {n} (250 gram)",
                    "description": DESCRIPTION, "price": 12500 + n % 40 * 500,
                    "unit": "bungkus", "category": "Makanan", "stock": n % 3,
                    "stock_nodes": "[]", "clocks": "{}", "scope_code": village, "seq": seq - 1,
                    "created_at": NOW, "updated_at": NOW,
                })  # fmt: skip
                phs.append({
                    "id": uid(3, n), "product_id": p_id, "position": 0, "sha256": sha,
                    "thumb_sha256": sha, "width": 1600, "height": 1200, "bytes": 1,
                    "thumb_bytes": 1, "deleted": 0, "clocks": "{}", "scope_code": village,
                    "seq": seq, "created_at": NOW, "updated_at": NOW,
                })  # fmt: skip
                bs.append({"sha256": sha, "size": 1, "uploaded_by": None, "created_at": NOW})
                gs.append({"sha256": sha, "scope_code": village})
            for table, rows in ((merchant, ms), (product, ps), (photo, phs), (blob, bs),
                                (blob_grant, gs)):  # fmt: skip
                if rows:
                    conn.execute(table.insert(), rows)
        conn.execute(counter.update().where(counter.c.name == "seq").values(value=seq))
    engine.dispose()
    return {"in_region": products, "outside": far}


def in_process(data: Path, document: str) -> dict[str, Any]:
    """Once untraced for the time, once under tracemalloc for the peak allocation."""
    engine = make_engine(f"sqlite:///{data / 'server.db'}")
    encode = meta_csv if document == "meta" else google_xml
    began = time.perf_counter()
    for _chunk in encode(feed_pages(engine, Filters(region=REGION)), "https://k.example.id"):
        pass
    untraced = time.perf_counter() - began
    tracemalloc.start()
    began = time.perf_counter()
    size = chunks = 0
    for chunk in encode(feed_pages(engine, Filters(region=REGION)), "https://katalog.example.id"):
        size += len(chunk)
        chunks += 1
    elapsed = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    engine.dispose()
    return {"seconds": round(untraced, 3), "seconds_traced": round(elapsed, 3),
            "bytes": size, "chunks": chunks, "tracemalloc_peak_bytes": peak}  # fmt: skip


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def over_http(data: Path, documents: tuple[str, ...]) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "kiosk_server.cli", "serve", "--data-dir", str(data),
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
        # Warm up: imports, templates, the first connection; a feed of an empty region.
        requests.get(f"{base}/feed/meta.csv", params={"wilayah": "11"}, timeout=30)
        requests.get(f"{base}/feed/google.xml", params={"wilayah": "11"}, timeout=30)
        out: dict[str, Any] = {}
        for document in documents:
            path = "/feed/meta.csv" if document == "meta" else "/feed/google.xml"
            before = vm_hwm_kib(server.pid)
            began = time.perf_counter()
            first = None
            size = 0
            plain = {"Accept-Encoding": "identity"}
            with requests.get(f"{base}{path}", params={"wilayah": REGION}, stream=True,
                              headers=plain, timeout=600) as answer:  # fmt: skip
                answer.raise_for_status()
                for piece in answer.iter_content(65536):
                    first = first or time.perf_counter() - began
                    size += len(piece)
                tag = answer.headers["etag"]
            elapsed = time.perf_counter() - began
            again = requests.get(f"{base}{path}", params={"wilayah": REGION},
                                 headers={"If-None-Match": tag}, timeout=60)  # fmt: skip
            out[document] = {
                "seconds": round(elapsed, 3),
                "first_byte_seconds": round(first or 0.0, 4),
                "bytes": size,
                "server_peak_rss_kib_before": before,
                "server_peak_rss_kib_after": vm_hwm_kib(server.pid),
                "server_peak_rss_growth_kib": vm_hwm_kib(server.pid) - before,
                "revalidation_status": again.status_code,
                "revalidation_seconds": round(again.elapsed.total_seconds(), 4),
            }
        return out
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, Any] = {
        # Times depend on what else the machine runs (the load average is noted, before
        # and after); the memory figures do not.
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_before": [round(v, 2) for v in os.getloadavg()],
        },
        "region": REGION,
        "sizes": {},
    }
    for products in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-feeds-") as tmp:
            data = Path(tmp) / "data"
            began = time.perf_counter()
            counts = fill(data, products)
            filled = time.perf_counter() - began
            entry: dict[str, Any] = {"rows": counts, "fill_seconds": round(filled, 1)}
            for document in ("meta", "google"):
                entry[f"{document}_in_process"] = in_process(data, document)
            entry["http"] = over_http(data, ("meta", "google"))
            results["sizes"][str(products)] = entry
            print(f"{products:>7} products: "
                  + "; ".join(
                      f"{d}: {entry[f'{d}_in_process']['seconds']} s, "
                      f"peak {entry[f'{d}_in_process']['tracemalloc_peak_bytes'] / 1e6:.2f} MB "
                      f"(HTTP {entry['http'][d]['seconds']} s, first byte "
                      f"{entry['http'][d]['first_byte_seconds'] * 1000:.0f} ms, server RSS "
                      f"+{entry['http'][d]['server_peak_rss_growth_kib'] / 1024:.1f} MiB, "
                      f"{entry['http'][d]['bytes'] / 1e6:.1f} MB)"
                      for d in ("meta", "google")
                  ))  # fmt: skip
    if len(sizes) >= 2:
        small, large = (results["sizes"][str(s)] for s in (sizes[0], sizes[-1]))
        ratios = {}
        for d in ("meta", "google"):
            ratios[d] = {
                "bytes": round(large[f"{d}_in_process"]["bytes"]
                               / small[f"{d}_in_process"]["bytes"], 2),
                "tracemalloc_peak": round(large[f"{d}_in_process"]["tracemalloc_peak_bytes"]
                                          / small[f"{d}_in_process"]["tracemalloc_peak_bytes"], 2),
                "seconds": round(large[f"{d}_in_process"]["seconds"]
                                 / small[f"{d}_in_process"]["seconds"], 2),
            }  # fmt: skip
            print(f"{d}: {sizes[-1]}/{sizes[0]} products -> bytes x{ratios[d]['bytes']}, "
                  f"time x{ratios[d]['seconds']}, "
                  f"peak memory x{ratios[d]['tracemalloc_peak']}")  # fmt: skip
        results["ratios_large_over_small"] = ratios
    results["machine"]["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    out = ROOT / "bench" / "results" / "feeds.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
