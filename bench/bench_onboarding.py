"""Benchmark: the console's onboarding figures on a large database (SQLite and PostgreSQL).

Fills a migrated database with the sample regions (821 villages) and N merchants (default
100,000), 4 products each and a photo per product (rows inserted directly, with a
seeded generator), then times the queries behind ``/admin/``: the breakdown at the
national, province, regency and district level and the running totals over time, each
the median of 5 runs. Prints the times and writes bench/results/onboarding.json.

Usage: .venv/bin/python bench/bench_onboarding.py [--merchants N] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from kiosk_server import onboarding  # noqa: E402
from kiosk_server.db import RECORD_TABLES, make_engine, migrate, region  # noqa: E402
from kiosk_server.regions import import_regions  # noqa: E402
from tests.support.pgcluster import PgCluster  # noqa: E402

SAMPLE_REGIONS = ROOT / "resources" / "demo" / "regions_sample.csv"


def fill(engine: Any, merchants: int, rng: random.Random) -> None:
    with engine.connect() as conn:
        villages = [
            r[0] for r in conn.execute(select(region.c.code).where(region.c.level == "village"))
        ]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    m_rows: list[dict[str, Any]] = []
    p_rows: list[dict[str, Any]] = []
    f_rows: list[dict[str, Any]] = []
    seq = 0

    def flush() -> None:
        with engine.begin() as conn:
            for table, rows in (("merchant", m_rows), ("product", p_rows), ("photo", f_rows)):
                if rows:
                    conn.execute(insert(RECORD_TABLES[table]), rows)
                    rows.clear()

    for n in range(merchants):
        village = rng.choice(villages)
        mid = f"m{n:08d}"
        when = (start + timedelta(minutes=rng.randrange(0, 330 * 24 * 60))).isoformat()
        consent = rng.random() < 0.85
        seq += 1
        m_rows.append({"id": mid, "business_name": f"Usaha {n}", "owner_name": f"Pemilik {n}",
                       "phone": f"+62812{n:08d}", "village_code": village, "status": "active",
                       "consent_version": "v1" if consent else None,
                       "consent_at": when if consent else None,
                       "consent_operator": "op" if consent else None, "deleted": 0,
                       "clocks": "{}", "scope_code": village, "seq": seq, "created_at": when,
                       "updated_at": when})  # fmt: skip
        for k in range(4):
            pid = f"{mid}p{k}"
            seq += 1
            p_rows.append({"id": pid, "merchant_id": mid, "name": f"Produk {k}", "price": 10000,
                           "status": "published" if rng.random() < 0.6 else "draft",
                           "deleted": 0, "clocks": "{}", "scope_code": village, "seq": seq,
                           "created_at": when, "updated_at": when, "stock": 0,
                           "stock_nodes": "[]"})  # fmt: skip
            seq += 1
            f_rows.append({"id": f"{pid}f", "product_id": pid, "position": 0, "sha256": "a" * 64,
                           "thumb_sha256": "b" * 64, "deleted": 0, "clocks": "{}",
                           "scope_code": village, "seq": seq, "created_at": when,
                           "updated_at": when})  # fmt: skip
        if len(m_rows) >= 2000:
            flush()
    flush()


def timed(fn: Any, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def measure(engine: Any) -> dict[str, float]:
    today = date(2026, 12, 1)
    out: dict[str, float] = {}
    with engine.connect() as conn:
        for label, code in (("national", None), ("province 35", "35"), ("regency 35.07", "35.07"),
                            ("district 35.07.12", "35.07.12")):  # fmt: skip
            out[f"breakdown {label}"] = timed(lambda c=code: onboarding.breakdown(conn, c))
        out["over time national"] = timed(lambda: onboarding.over_time(conn, None, today))
        out["over time regency 35.07"] = timed(lambda: onboarding.over_time(conn, "35.07", today))
    return out


def run(backend: str, merchants: int) -> dict[str, Any]:
    rng = random.Random(17)
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/server.db")
            migrate(engine)
            import_regions(engine, SAMPLE_REGIONS)
            fill(engine, merchants, rng)
            with engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
            result = measure(engine)
            engine.dispose()
            return result
    with PgCluster() as pg:
        engine = make_engine(pg.create_database("bench"))
        migrate(engine)
        import_regions(engine, SAMPLE_REGIONS)
        fill(engine, merchants, rng)
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        result = measure(engine)
        engine.dispose()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--merchants", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "onboarding.json"))
    args = parser.parse_args()
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    results = {}
    for backend in backends:
        results[backend] = run(backend, args.merchants)
        for name, ms in results[backend].items():
            print(f"{backend:8} {name:28} {ms:8.1f} ms (median of 5)")
    summary = {"merchants": args.merchants, "products_per_merchant": 4, "photos_per_product": 1,
               "ms": results}  # fmt: skip
    Path(args.out).write_text(json.dumps(summary, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
