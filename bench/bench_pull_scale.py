"""Benchmark: what a district kiosk's pull reads while the rest of the country changes.

A kiosk's pull asks for the rows of its region numbered after its cursor. Read through
the ``seq`` index alone (the "wide" statement, still a province's or a regency's), it
walks every row numbered since the cursor, in every region, to keep its own: its cost
follows the whole country's changes between two syncs, not its district's. Read through
``(substr(scope_code, 1, 8), seq)`` (the "narrow" statement, a district's or a
village's kiosk since issue 16), it reads its district's rows and stops.

A private PostgreSQL cluster holds a country's worth of products: 200,000 rows of
history spread over every village of the official list (``../shared/data``, read here,
not copied), then a district's 34 new rows (what a pushing sync pulled in
``bench_server_sync.py``) and, step by step, more and more rows numbered in other
districts after the kiosk's cursor. At each step both statements pull the district's
page as the server runs them (prepared, in the read pool's plan mode); printed and
written: the rows each statement's scans read (``EXPLAIN ANALYZE``: rows returned plus
rows removed by a filter, an exact count, not a timing), and the median time of a pull.

At the fleet of issue 16 (7,634 kiosks, a sync every 10 minutes, 10 % of them pushing
12.3 mutations) the country numbers about 9,400 rows between two syncs of a kiosk.

Usage: .venv/bin/python bench/bench_pull_scale.py [--elsewhere 0,1000,10000,100000]
       [--repeat 200] [--out FILE]
Writes bench/results/pull_scale.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk_server import pull  # noqa: E402
from kiosk_server.db import POSTGRES_READS, make_engine, migrate  # noqa: E402
from kiosk_server.loop_reads import libpq_url  # noqa: E402
from tests.support.pgcluster import PgCluster  # noqa: E402

OFFICIAL_REGIONS = ROOT.parent / "shared" / "data" / "wilayah_kemendagri_2025.csv"
DISTRICT = "35.07.12"  # Wagir, Malang: the kiosk's
HISTORY = 200_000
OWN = 34
FLEET_ROWS_PER_INTERVAL = round(7634 / 600 * 0.10 * 12.3 * 600)


def villages() -> list[str]:
    with OFFICIAL_REGIONS.open(newline="", encoding="utf-8") as f:
        return [row["code"] for row in csv.DictReader(f) if row["level"] == "village"]


def insert_products(conn: psycopg.Connection[Any], places: list[str], first_seq: int) -> int:
    """One product per place, numbered from ``first_seq`` on; the next free number."""
    rows = [(f"p{first_seq + n}", place, first_seq + n) for n, place in enumerate(places)]
    columns = ("id, scope_code, seq, merchant_id, name, price, unit, status, deleted, clocks, "
               "created_at, updated_at")  # fmt: skip
    with conn.cursor() as cursor, cursor.copy(f"COPY product ({columns}) FROM STDIN") as copy:
        for row_id, place, seq in rows:
            copy.write_row((row_id, place, seq, "m0", "Kopi", 15000, "bungkus", "active",
                            0, '{"name": "1@node"}', "2026-12-03", "2026-12-03"))  # fmt: skip
    last = first_seq + len(places)
    conn.execute("UPDATE counter SET value = %s WHERE name = 'seq'", [last - 1])
    return last


def scanned(plan: dict[str, Any]) -> int:
    """Rows the plan's scans read: returned plus removed by a filter, every loop."""
    own = 0
    if "Scan" in plan["Node Type"]:
        loops = plan.get("Actual Loops", 1)
        own = (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)) * loops
    return own + sum(scanned(child) for child in plan.get("Plans", []))


def numbered(sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
    """A psycopg statement with PostgreSQL's ``$n`` parameters, and their values in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"%\((\w+)\)s", number, sql), [params[name] for name in names]


def measure(url: str, cursor: int, repeat: int) -> dict[str, Any]:
    """Both statements, prepared and run as the read pool runs them (its plan mode:
    after five runs PostgreSQL may keep a generic plan), their rows scanned by that
    plan (``EXPLAIN ANALYZE EXECUTE``) and the median time of a run."""
    params = pull._params(DISTRICT, cursor, 500)
    found: dict[str, Any] = {}
    options = POSTGRES_READS["options"]
    with psycopg.connect(url, autocommit=True, options=options) as conn:
        for name, narrow in (("narrow", True), ("wide", False)):
            sql, values = numbered(pull._PG_PULL[narrow], params)
            conn.execute(f"PREPARE {name} AS {sql}")
            run = psycopg.ClientCursor(conn)
            execute = f"EXECUTE {name}({', '.join(['%s'] * len(values))})"
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                rows = run.execute(execute, values).fetchall()
                times.append((time.perf_counter() - start) * 1000)
            (plan,) = (
                run.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + execute, values).fetchone() or ()
            )
            found[name] = {
                "changes": sum(1 for r in rows if r[1] == "product"),
                "rows_scanned": scanned(plan[0]["Plan"]),
                "median_ms": round(statistics.median(times), 3),
            }
    assert found["narrow"]["changes"] == found["wide"]["changes"] == OWN, found
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--elsewhere", default="0,1000,10000,100000",
        help="rows numbered in other districts since the cursor, cumulative steps",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "pull_scale.json"))
    args = parser.parse_args()
    steps = [int(n) for n in args.elsewhere.split(",")]
    everywhere = villages()
    ours = [v for v in everywhere if v.startswith(DISTRICT + ".")]
    others = [v for v in everywhere if not v.startswith(DISTRICT + ".")]
    rng = random.Random(16)
    print(f"{len(everywhere):,} villages, {len(ours)} of them in district {DISTRICT}; "
          f"{HISTORY:,} rows of history; the fleet numbers ~{FLEET_ROWS_PER_INTERVAL:,} "
          "rows between two syncs of a kiosk")  # fmt: skip
    results = []
    with PgCluster() as pg:
        url = pg.create_database("kiosk")
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        url = libpq_url(url)
        with psycopg.connect(url, autocommit=True) as conn:
            seq = insert_products(conn, [rng.choice(everywhere) for _ in range(HISTORY)], 1)
            cursor = seq - 1  # the kiosk synced here
            seq = insert_products(conn, [rng.choice(ours) for _ in range(OWN)], seq)
            conn.execute("ANALYZE product")
        added = 0
        for step in steps:
            with psycopg.connect(url, autocommit=True) as conn:
                seq = insert_products(conn, [rng.choice(others) for _ in range(step - added)], seq)
                conn.execute("ANALYZE product")
            added = step
            found = measure(url, cursor, args.repeat)
            narrow, wide = found["narrow"], found["wide"]
            ratio = wide["median_ms"] / narrow["median_ms"]
            print(f"{step:>7,} rows elsewhere since the cursor: rows scanned narrow "
                  f"{narrow['rows_scanned']:,} / wide {wide['rows_scanned']:,}; pull "
                  f"{narrow['median_ms']:.2f} / {wide['median_ms']:.2f} ms (wide / narrow "
                  f"{ratio:.1f}x)")  # fmt: skip
            results.append({"rows_elsewhere": step, "narrow": narrow, "wide": wide,
                            "time_ratio_wide_to_narrow": round(ratio, 2)})  # fmt: skip
    report = {
        "scenario": f"a district's pull of its {OWN} new rows while other districts number "
        "more and more rows after its cursor",
        "district": DISTRICT,
        "history_rows": HISTORY,
        "fleet_rows_between_syncs": FLEET_ROWS_PER_INTERVAL,
        "repeat": args.repeat,
        "machine": {"cores": os.cpu_count(), "loadavg_after": os.getloadavg()},
        "steps": results,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
