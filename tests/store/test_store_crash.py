"""Atomic outbox: a writer killed with SIGKILL at random points never leaves a change
without its outbox entry, or an outbox entry without its change (DESIGN §5.1).

Each trial kills the writer after a random number of committed writes (it prints one
line per write) plus a random moment, so every trial lands inside real writing however
slow the machine is. ``CRASH_TRIALS`` (default 50) for a longer run, ``CRASH_SEED`` for
another; a failure names the seed, the trial and its kill.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import ROOT

TRIALS = int(os.environ.get("CRASH_TRIALS", "50"))
SEED = int(os.environ.get("CRASH_SEED", "20261128"))


def replay_outbox(conn: sqlite3.Connection) -> dict[tuple[str, str], dict[str, object]]:
    """Rebuild every record from the outbox alone (nothing has been synced)."""
    state: dict[tuple[str, str], dict[str, object]] = {}
    for entity, row_id, op, fields in conn.execute(
        "SELECT entity, row_id, op, fields FROM outbox ORDER BY seq"
    ):
        row = state.setdefault((entity, row_id), {"deleted": 0, "stock": 0})
        values = json.loads(fields)
        if op == "stock":
            row["stock"] = int(row["stock"]) + values["stock"]  # type: ignore[call-overload]
        else:
            row.update(values)
    return state


def check_database(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        expected = replay_outbox(conn)
        actual: dict[tuple[str, str], dict[str, object]] = {}
        conn.row_factory = sqlite3.Row
        for table in ("merchant", "product"):
            for row in conn.execute(f"SELECT * FROM {table}"):
                actual[(table, row["id"])] = dict(row)
        # Every row has its outbox history and every outbox entry has its row...
        assert set(actual) == set(expected)
        # ...and replaying that history gives exactly the row's current values.
        for key, replayed in expected.items():
            row = actual[key]
            for field, value in replayed.items():
                if field == "stock" and key[0] != "product":
                    continue
                assert row[field] == value, (key, field, row[field], value)
        # The search index committed with its rows (raises if they disagree).
        conn.execute("INSERT INTO product_fts(product_fts) VALUES ('integrity-check')")
        conn.execute("INSERT INTO merchant_fts(merchant_fts) VALUES ('integrity-check')")
        return conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_at_random_points_keeps_rows_and_outbox_together(tmp_path: Path):
    rng = random.Random(SEED)
    db = tmp_path / "kiosk.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    total_entries = []
    for trial in range(TRIALS):
        child = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("crash_writer.py")), str(db), str(trial)],
            stdout=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        # Kill it after a random number of committed writes, then a random moment more,
        # so it dies inside a later write (a count, not a time: on a slow machine the
        # kill still comes after real writes).
        writes = rng.randrange(1, 60)
        for _ in range(writes):
            assert child.stdout.readline(), "the writer stopped on its own"
        pause = rng.uniform(0.0, 0.01)
        time.sleep(pause)
        child.send_signal(signal.SIGKILL)
        child.wait()
        plan = f"seed {SEED}, trial {trial}: killed {pause * 1000:.1f} ms after {writes} writes"
        assert child.returncode == -signal.SIGKILL, plan
        try:
            total_entries.append(check_database(db))
        except AssertionError as exc:
            raise AssertionError(f"{plan}: {exc}") from exc
        # every write the writer reported committed is still there, and more than before
        before = total_entries[-2] if len(total_entries) > 1 else 0
        assert total_entries[-1] >= before + writes, f"{plan}: {total_entries}"
