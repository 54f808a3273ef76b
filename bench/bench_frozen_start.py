"""Frozen start: launch the packaged app and time it until its main window is shown.

Needs the bundle (``bash build/build.sh``). Each run starts ``kiosk-app gui
--quit-when-shown`` on a data folder holding the demo catalog and times, from outside,
the launch to the ``shown_ms=`` line (the window exposed on screen). Under X (Xvfb via
``xvfb-run`` when there is no display) the real ``xcb`` platform plugin is used;
``--offscreen`` uses Qt's offscreen platform instead. Writes bench/results/frozen_start.json
with the bundle size, and ratios to the budgets (3 s to a shown window, 200 MB).

    .venv/bin/python bench/bench_frozen_start.py [--runs 5] [--offscreen]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "build" / "out" / "etalase-desa"
EXE = BUNDLE / ("kiosk-app.exe" if sys.platform == "win32" else "kiosk-app")
RESULT = ROOT / "bench" / "results" / "frozen_start.json"
START_TARGET_S = 3.0
SIZE_TARGET_MB = 200.0


def folder_mb(folder: Path) -> float:
    """Bytes of the files themselves (a symlink to a library is not a second copy)."""
    files = (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return sum(p.stat().st_size for p in files) / 1024 / 1024


def launch(data: Path, env: dict[str, str]) -> tuple[float, float]:
    """One start; returns (seconds from launch to shown, the app's own shown_ms / 1000)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(EXE), "gui", "--quit-when-shown", "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    inner = None
    for line in proc.stdout:
        if line.startswith("shown_ms="):
            outer = time.perf_counter() - started
            inner = float(line.split("=", 1)[1]) / 1000
            break
    proc.wait(60)
    if inner is None or proc.returncode != 0:
        raise SystemExit(f"the frozen app did not show its window (exit {proc.returncode})")
    return outer, inner


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--offscreen", action="store_true", help="Qt offscreen, no X server")
    args = parser.parse_args()
    if not EXE.exists():
        raise SystemExit(f"no bundle at {BUNDLE}: run bash build/build.sh first")
    if not args.offscreen and sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            raise SystemExit("no display and no xvfb-run: pass --offscreen")
        # Re-run this script inside a virtual X server; its start-up is not timed.
        return subprocess.call(
            [
                xvfb,
                "-a",
                "-s",
                "-screen 0 1366x768x24",
                sys.executable,
                __file__,
                "--runs",
                str(args.runs),
            ]
        )
    env = {**os.environ}
    if args.offscreen:
        env["QT_QPA_PLATFORM"] = "offscreen"
    else:
        env.pop("QT_QPA_PLATFORM", None)
    with tempfile.TemporaryDirectory(prefix="bench-frozen-") as tmp:
        data = Path(tmp) / "kiosk"
        demo = subprocess.run(
            [str(EXE), "demo", "--data-dir", str(data)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        if demo.returncode != 0:
            raise SystemExit(f"frozen 'demo' failed: {demo.stderr}")
        runs = [launch(data, env) for _ in range(args.runs)]
    outer = [r[0] for r in runs]
    median = statistics.median(outer)
    size = folder_mb(BUNDLE)
    info_path = BUNDLE.parent / "build-info.json"
    build = json.loads(info_path.read_text()) if info_path.exists() else None
    result = {
        "platform": "offscreen" if args.offscreen else env.get("QT_QPA_PLATFORM", "xcb"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        "runs_s": [round(s, 3) for s in outer],
        "in_app_s": [round(r[1], 3) for r in runs],
        "first_s": round(outer[0], 3),
        "median_s": round(median, 3),
        "start_target_s": START_TARGET_S,
        "start_ratio": round(median / START_TARGET_S, 3),
        "bundle_mb": round(size, 1),
        "bundle_target_mb": SIZE_TARGET_MB,
        "bundle_ratio": round(size / SIZE_TARGET_MB, 3),
        "build": build,
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"frozen start to a shown window: median {median:.2f} s over {len(outer)} runs "
        f"(first {outer[0]:.2f} s) = {median / START_TARGET_S:.2f} x the 3 s budget"
    )
    print(f"bundle: {size:.0f} MB = {size / SIZE_TARGET_MB:.2f} x the 200 MB budget")
    print(f"written {RESULT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
