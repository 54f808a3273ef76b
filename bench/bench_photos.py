"""Benchmark: the photo pipeline on N generated 12 MP phone photos; time and size vs budgets.

Each photo is a photo-like 4000x3000 JPEG at quality 92 with EXIF orientation 6 and GPS
(tests/media/media_samples.py explains how it is made). Generation is not timed.
Prints per-photo time, full/thumbnail KB and their ratio to the budgets (<= 1.00 is within),
and writes bench/results/photos.json. Usage: .venv/bin/python bench/bench_photos.py [N]
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import PIL  # noqa: E402

from kiosk_app.media.encode import FULL_BUDGET_BYTES, THUMB_BUDGET_BYTES  # noqa: E402
from kiosk_app.media.pipeline import process_photo  # noqa: E402
from tests.media.media_samples import phone_exif, photo_like, to_bytes  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "photos.json"


@dataclass(frozen=True)
class PhotoRun:
    seed: int
    source_bytes: int
    time_ms: float
    full_bytes: int
    full_ratio_to_budget: float
    full_quality: int
    thumb_bytes: int
    thumb_ratio_to_budget: float
    thumb_quality: int
    size: tuple[int, int]
    thumb_size: tuple[int, int]


def run_one(seed: int) -> PhotoRun:
    source = to_bytes(photo_like(seed=seed), "JPEG", quality=92, exif=phone_exif(6))
    started = time.perf_counter()
    photo = process_photo(source)
    elapsed_ms = (time.perf_counter() - started) * 1000
    return PhotoRun(
        seed=seed,
        source_bytes=len(source),
        time_ms=round(elapsed_ms, 1),
        full_bytes=len(photo.full),
        full_ratio_to_budget=round(len(photo.full) / FULL_BUDGET_BYTES, 3),
        full_quality=photo.full_quality,
        thumb_bytes=len(photo.thumb),
        thumb_ratio_to_budget=round(len(photo.thumb) / THUMB_BUDGET_BYTES, 3),
        thumb_quality=photo.thumb_quality,
        size=(photo.width, photo.height),
        thumb_size=(photo.thumb_width, photo.thumb_height),
    )


def main(n: int) -> None:
    print(
        f"{'#':>2} {'source KB':>9} {'time ms':>8} {'full KB':>8} {'ratio':>6} {'q':>3}"
        f" {'thumb KB':>9} {'ratio':>6} {'q':>3}  size"
    )
    runs = []
    for i in range(n):
        run = run_one(seed=100 + i)
        runs.append(run)
        print(
            f"{i + 1:>2} {run.source_bytes / 1000:>9.0f} {run.time_ms:>8.0f}"
            f" {run.full_bytes / 1000:>8.1f} {run.full_ratio_to_budget:>6.2f}"
            f" {run.full_quality:>3} {run.thumb_bytes / 1000:>9.1f}"
            f" {run.thumb_ratio_to_budget:>6.2f} {run.thumb_quality:>3}"
            f"  {run.size[0]}x{run.size[1]}"
        )

    times = [run.time_ms for run in runs]
    summary = {
        "photos": n,
        "time_ms_median": round(statistics.median(times), 1),
        "time_ms_max": max(times),
        "full_ratio_max": max(run.full_ratio_to_budget for run in runs),
        "thumb_ratio_max": max(run.thumb_ratio_to_budget for run in runs),
        "all_within_budget": all(
            run.full_ratio_to_budget <= 1 and run.thumb_ratio_to_budget <= 1 for run in runs
        ),
    }
    print(
        f"median {summary['time_ms_median']} ms, max {summary['time_ms_max']} ms per photo; "
        f"worst full {summary['full_ratio_max']:.2f}x budget, "
        f"worst thumb {summary['thumb_ratio_max']:.2f}x budget"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": "photos",
        "budgets": {"full_bytes": FULL_BUDGET_BYTES, "thumb_bytes": THUMB_BUDGET_BYTES},
        "environment": {
            "python": platform.python_version(),
            "pillow": PIL.__version__,
            "machine": platform.machine(),
            "system": platform.system(),
            "cpus": os.cpu_count(),
        },
        "summary": summary,
        "photos": [asdict(run) for run in runs],
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
