"""Applying a pulled page on the kiosk: ``replica.apply_response`` of N changes.

Builds N products (and one merchant per 200) on one kiosk, turns its rows into the
changes a pull would carry (every field with its stamp, the product's stock total),
and applies them in one response to (1) a fresh kiosk, as after enrollment, and
(2) a kiosk that already holds every row, with newer stamps and 100 unsent local edits
it must keep. Prints the time of each apply (median of --runs). Writes
bench/results/pull_apply.json.

Usage: .venv/bin/python bench/bench_pull_apply.py [--products 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from kiosk_app.domain.hlc import HybridClock  # noqa: E402
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD  # noqa: E402
from kiosk_app.store import replica  # noqa: E402
from kiosk_app.store.store import Store  # noqa: E402

OTHER_NODE = "0123456789ab"


def source_changes(root: Path, products: int) -> list[dict[str, Any]]:
    """The rows of a kiosk that made ``products`` products, as pulled changes."""
    store = Store.open(root / "source.db")
    store.db.execute(
        "INSERT INTO region (code, name, level, parent_code) "
        "VALUES ('35.07.12.2001', 'Desa', 'village', '35.07.12')"
    )
    merchants = [
        store.create("merchant", {"business_name": f"Toko {n}", "owner_name": "Pemilik",
                                  "phone": "081234567890", "village_code": "35.07.12.2001"})
        for n in range(max(1, products // 200))
    ]  # fmt: skip
    for n in range(products):
        store.create("product", {
            "merchant_id": merchants[n % len(merchants)], "name": f"Kopi Gula {n}",
            "description": f"Produk desa nomor {n}, dibuat di kios.",
            "price": 500 * (n % 200 + 1), "stock": n % 100, "unit": "bungkus",
            "category": "makanan", "status": "published"})  # fmt: skip
    changes: list[dict[str, Any]] = []
    for entity in ("merchant", "product"):
        spec = ENTITIES[entity]
        for row in store.db.query(f"SELECT * FROM {spec.table} ORDER BY rowid"):
            fields = {k: row[k] for k in spec.fields}
            if entity == "product":
                fields[STOCK_FIELD] = row[STOCK_FIELD]
            changes.append({"seq": len(changes) + 1, "entity": entity, "row_id": row["id"],
                            "fields": fields, "hlc": json.loads(row["clocks"])})  # fmt: skip
    store.close()
    return changes


def restamped(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same rows edited later by another kiosk: every stamp newer, names changed."""
    clock = HybridClock(OTHER_NODE)
    out = []
    for c in changes:
        stamp = clock.now()
        fields = dict(c["fields"])
        if c["entity"] == "product":
            fields["name"] = fields["name"] + " baru"
        out.append({**c, "fields": fields, "hlc": dict.fromkeys(c["hlc"], stamp)})
    return out


def apply(store: Store, changes: list[dict[str, Any]]) -> float:
    batch = replica.PushBatch(replica.cursor(store), [], [])
    response = {"changes": changes, "cursor": len(changes), "more": False, "missing_blobs": []}
    started = time.perf_counter()
    replica.apply_response(store, batch, response)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    fresh_s, update_s = [], []
    for run in range(args.runs):
        root = Path(tempfile.mkdtemp(prefix="bench-pull-apply-"))
        changes = source_changes(root, args.products)
        store = Store.open(root / f"kiosk-{run}.db")
        fresh_s.append(apply(store, changes))
        later = restamped(changes)
        edited = [c["row_id"] for c in changes if c["entity"] == "product"][:100]
        for row_id in edited:
            store.update("product", row_id, {"description": "diubah di kios ini"})
        update_s.append(apply(store, later))
        kept = store.db.execute(
            "SELECT count(*) FROM product WHERE description = 'diubah di kios ini'"
        ).fetchone()[0]
        assert kept == len(edited), kept
        store.close()
    result = {
        "changes": len(changes),
        "fresh_s": round(statistics.median(fresh_s), 3),
        "update_s": round(statistics.median(update_s), 3),
        "note": "median of runs; 2 shared cores; SQLite WAL synchronous=FULL",
    }
    print(f"{len(changes)} changes: fresh kiosk {result['fresh_s']:.3f} s, "
          f"kiosk holding every row (100 unsent edits) {result['update_s']:.3f} s")  # fmt: skip
    out = ROOT / "bench" / "results" / "pull_apply.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
