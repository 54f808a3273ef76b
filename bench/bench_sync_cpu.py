"""What protocol 3's layout and compression cost in CPU, on the kiosk and on the server.

- kiosk: encoding a push of N products (and their merchants) as the engine sends it:
  protocol 3 (columns, then zstd or brotli) against protocol 2 (JSON, gzip 6);
- server: building and compressing the answer of a pull of those N products for a fresh
  kiosk (protocol 3 in zstd against protocol 2 in gzip as Starlette's middleware does);
  the whole server's CPU per pull is measured by bench_sync.py (``server_cpu_s``);
- a zstd dictionary trained on other product records: bytes with and without it, for a
  small sync (10 products) and for the N-product push: kept only if it helps.

Compared with the server's CPU per sync under load (bench/results/server_sync_issue15_
merged_after_*.json: a sync pushing 5-20 mutations and pulling the others').
Writes bench/results/sync_cpu.json.

Usage: .venv/bin/python bench/bench_sync_cpu.py [--products 2000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import zstandard  # noqa: E402

from kiosk_app.protocol import compact, encoding, lines  # noqa: E402
from kiosk_app.store import outbox  # noqa: E402
from kiosk_app.store.regions import import_regions_csv  # noqa: E402
from kiosk_app.store.store import Store  # noqa: E402
from kiosk_server import pull  # noqa: E402
from tests.support import SAMPLE_REGIONS  # noqa: E402
from tests.support.kiosk import Kiosk  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

WORDS = ["Kopi", "Gula Aren", "Keripik", "Teh", "Madu", "Sambal", "Tenun", "Abon", "Jahe"]
VILLAGES = ["35.07.01.2001", "35.07.01.2002", "35.07.01.2003"]


def fill(store: Store, products: int, seed: int) -> None:
    """Merchants and products as bench_sync.py makes them."""
    rng = random.Random(seed)
    merchants = [store.create("merchant", {
        "business_name": f"Toko {seed}-{n}", "owner_name": "Pemilik", "phone": "081234567890",
        "village_code": VILLAGES[n % 3]}) for n in range(max(1, products // 200))]  # fmt: skip
    for n in range(products):
        store.create("product", {
            "merchant_id": merchants[n % len(merchants)],
            "name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}",
            "description": f"Produk desa nomor {n}, dibuat di kios.",
            "price": rng.randrange(1, 200) * 500, "stock": rng.randrange(0, 100),
            "unit": rng.choice(["bungkus", "botol", "kg"]), "category": "makanan",
            "status": "published"})  # fmt: skip


def payload_of(store: Store) -> dict[str, Any]:
    mutations = [e.alone().to_wire() for e in outbox.pending(store.db, limit=1_000_000)]
    return {"protocol": 3, "cursor": 0, "limit": 5000, "node": store.node_id,
            "mutations": mutations, "blobs": []}  # fmt: skip


def timed(fn: Any, repeat: int) -> tuple[float, Any]:
    """Median seconds of ``fn()`` over ``repeat`` runs (process CPU time), and its result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.process_time()
        result = fn()
        times.append(time.process_time() - started)
    return statistics.median(times), result


def p2_body(payload: dict[str, Any]) -> bytes:
    raw = json.dumps({**payload, "protocol": 2}, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(raw.encode(), compresslevel=6, mtime=0)


def p3_body(payload: dict[str, Any], coding: str) -> bytes:
    return encoding.compress(compact.encode_request(payload), coding)


def p3_answer(changes: Any, coding: str) -> int:
    packer = encoding.StreamCompressor(coding)
    head = {"protocol": 3, "accepted_count": 0, "rejected": [], "conflicts": [],
            "missing_blobs": []}  # fmt: skip
    pieces = compact.answer_lines(head, changes, {"cursor": 1, "more": False})
    return sum(len(packer.piece(p)) for p in pieces) + len(packer.end())


def p2_answer(changes: Any) -> int:
    # Starlette's GZipMiddleware: level 9, one flush per piece handed to it.
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = {"protocol": 2, "accepted_count": 0, "rejected": [], "conflicts": [],
            "missing_blobs": []}  # fmt: skip
    pieces = lines.answer_lines(head, changes, {"cursor": 1, "more": False})
    size = sum(len(deflate.compress(p)) + len(deflate.flush(zlib.Z_SYNC_FLUSH)) for p in pieces)
    return size + len(deflate.flush())


def server_cost_per_sync() -> dict[str, Any]:
    """The server's CPU per sync under load, from the bench_server_sync.py results."""
    found = []
    for path in sorted(
        (ROOT / "bench" / "results").glob("server_sync_issue15_merged_after_*.json")
    ):
        data = json.loads(path.read_text())
        found += [p["server_cpu_ms_per_request"] for p in data["phases"]
                  if p.get("server_cpu_ms_per_request")]  # fmt: skip
    return {
        "median_ms": round(statistics.median(found), 2) if found else None,
        "runs": len(found),
        "source": "bench/results/server_sync_issue15_merged_after_*.json",
    }


def dictionary(folder: Path, payload: dict[str, Any], repeat: int) -> dict[str, Any]:
    """A zstd dictionary trained on small pushes of other products, tried on a small push
    and on the big one."""
    store = Store.open(folder / "train.db")
    import_regions_csv(store, SAMPLE_REGIONS)
    fill(store, 600, seed=99)
    entries = [e.alone().to_wire() for e in outbox.pending(store.db, limit=1_000_000)]
    samples = [compact.encode_request({"protocol": 3, "mutations": entries[n : n + 20]})
               for n in range(0, len(entries), 20)]  # fmt: skip
    trained = zstandard.train_dictionary(16 * 1024, samples)
    store.close()
    small = compact.encode_request({**payload, "mutations": payload["mutations"][:21]})
    big = compact.encode_request(payload)
    plain = zstandard.ZstdCompressor(level=encoding.ZSTD_LEVEL)
    with_dict = zstandard.ZstdCompressor(level=encoding.ZSTD_LEVEL, dict_data=trained)
    out = {}
    for name, raw in (("small_push_10_products", small), ("push", big)):
        out[name] = {"raw": len(raw), "zstd": len(plain.compress(raw)),
                     "zstd_with_dictionary": len(with_dict.compress(raw))}  # fmt: skip
    out["dictionary_bytes"] = len(trained.as_bytes())
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "sync_cpu.json"))
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-sync-cpu-"))
    results: dict[str, Any] = {"products": args.products, "repeat": args.repeat}

    with LiveServer(root / "server") as server:
        kiosk = Kiosk(root / "kiosk")
        kiosk.enroll(server.url, server.enroll_code("35.07"), "kios-cpu")
        assert kiosk.sync().ok  # the region list
        fill(kiosk.store, args.products, seed=1)
        payload = payload_of(kiosk.store)
        kiosk_side: dict[str, Any] = {"mutations": len(payload["mutations"])}
        bodies = {
            "protocol 2, gzip 6": lambda: p2_body(payload),
            "protocol 3, zstd": lambda: p3_body(payload, encoding.ZSTD),
            "protocol 3, brotli": lambda: p3_body(payload, encoding.BROTLI),
            "protocol 3, gzip 6": lambda: p3_body(payload, encoding.GZIP),
        }
        for name, fn in bodies.items():
            seconds, body = timed(fn, args.repeat)
            kiosk_side[name] = {"encode_ms": round(seconds * 1000, 1), "bytes": len(body)}
            print(f"kiosk push of {args.products} products, {name:20}: "
                  f"{seconds * 1000:6.1f} ms CPU, {len(body) / 1024:6.1f} KiB")  # fmt: skip
        results["kiosk_encode_push"] = kiosk_side
        assert kiosk.sync().ok  # now the server holds them
        results["dictionary"] = dictionary(root, payload, args.repeat)
        kiosk.close()

        pulled = pull.pull(server.engine, "35.07", 0, 5000, None)
        changes = list(pulled.changes)
        server_side: dict[str, Any] = {"changes": len(changes)}
        answers = {
            "protocol 2, gzip 9 (middleware)": lambda: p2_answer(changes),
            "protocol 3, zstd": lambda: p3_answer(changes, encoding.ZSTD),
            "protocol 3, brotli": lambda: p3_answer(changes, encoding.BROTLI),
        }
        for name, fn in answers.items():
            seconds, size = timed(fn, args.repeat)
            server_side[name] = {"encode_ms": round(seconds * 1000, 1), "bytes": size}
            print(f"server answer of {len(changes)} changes, {name:32}: "
                  f"{seconds * 1000:6.1f} ms CPU, {size / 1024:6.1f} KiB")  # fmt: skip
        results["server_encode_pull"] = server_side
        # A typical sync's answer: the 60 changes of a few others' edits.
        small: dict[str, Any] = {"changes": 60}
        few = changes[-60:]
        for name, fn in (("protocol 2, gzip 9 (middleware)", lambda: p2_answer(few)),
                         ("protocol 3, zstd", lambda: p3_answer(few, encoding.ZSTD))):  # fmt: skip
            seconds, size = timed(fn, args.repeat * 5)
            small[name] = {"encode_ms": round(seconds * 1000, 2), "bytes": size}
            print(f"server answer of 60 changes, {name:32}: {seconds * 1000:6.2f} ms CPU, "
                  f"{size} bytes")  # fmt: skip
        results["server_encode_small_answer"] = small
    results["server_cpu_per_sync_under_load"] = server_cost_per_sync()
    print(f"dictionary: {json.dumps(results['dictionary'])}")
    print(f"server CPU per sync under load: {results['server_cpu_per_sync_under_load']}")
    results["note"] = ("CPU is process time of this process (2 shared cores), median of "
                       "--repeat runs; the server's whole CPU per pull is in sync_vsat*.json "
                       "(server_cpu_s)")  # fmt: skip
    out = Path(args.out)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
