"""Benchmark: import the full official region list into a fresh kiosk store.

Prints the time and its ratio to the 5 s target; writes bench/results/regions_import.json.
Usage: .venv/bin/python bench/bench_regions_import.py [CSV]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk_app.store.regions import import_regions_csv  # noqa: E402
from kiosk_app.store.store import Store  # noqa: E402

TARGET_S = 5.0


def main() -> None:
    csv_path = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else (ROOT.parent / "shared" / "data" / "wilayah_kemendagri_2025.csv")
    )
    if not csv_path.exists():
        sys.exit(f"region list not found: {csv_path}")
    runs = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            store = Store.open(Path(tmp) / "kiosk.db")
            start = time.perf_counter()
            result = import_regions_csv(store.db, csv_path)
            runs.append(time.perf_counter() - start)
            store.close()
    best, worst = min(runs), max(runs)
    print(f"regions imported: {result.rows} rows, {result.villages} villages")
    print(f"time: best {best:.2f} s, worst {worst:.2f} s over {len(runs)} runs")
    print(f"ratio to the {TARGET_S:.0f} s target: {worst / TARGET_S:.2f}x (below 1 is within)")
    out = ROOT / "bench" / "results" / "regions_import.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "rows": result.rows,
                "villages": result.villages,
                "runs_s": runs,
                "target_s": TARGET_S,
                "ratio_worst_to_target": worst / TARGET_S,
            },
            indent=2,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
