"""Benchmark: N simulated kiosks syncing small batches against the server on PostgreSQL.

A private PostgreSQL cluster (tests/support/pgcluster.py, durable settings: fsync and
synchronous_commit on, as a deployment runs) holds the sample regions. The server runs as
a real process, ``kiosk-server serve --workers W``, on loopback: one worker process per
core is how a deployment runs it (stateless API processes, DESIGN §6). Each simulated
kiosk enrolls over HTTP with its own one-time code and region (a district, shared by a
few kiosks so pulls carry the others' changes), then loops: one ``POST /v1/sync`` that
pushes 5-20 mutations (new merchants and products, price edits, stock moves) gzipped and
pulls what changed since its cursor, following ``more``.

Two phases: ``max`` (closed loop, each kiosk sends its next sync as soon as the last one
answers: throughput) and ``target`` (open loop paced at the target rate: latency at the
load 10,000 kiosks syncing every 30 s would put on the server; a late request is timed
from when it should have been sent). Target: 300 requests/s with p95 under 100 ms.

``--push-share F`` models a fleet in which only a share F of the syncs carries new
data (the rest are the idle pulls of kiosks with nothing pending); the target is judged
on the default, F = 1: every sync pushes.

``--cost`` measures instead what one sync costs the machine, the load generator left
out: the CPU time (user + system, from ``/proc/<pid>/stat``) of the server's processes
(the ``serve`` process and its workers) and of PostgreSQL (the postmaster and every
child of it: the backends serving the server's connections, the WAL writer, the
checkpointer), divided by the syncs answered, in two paced phases: idle syncs (nothing
to push) and pushing syncs (5-20 mutations, and the ~34 changes the district's other
kiosks made meanwhile pulled). From them follows the capacity: kiosks per core when
each syncs every 10 minutes and 10 % of the syncs push. Target: a pushing sync at most
5 ms of server CPU + 2 ms of PostgreSQL, an idle sync at most 1.5 ms in all.

Usage: .venv/bin/python bench/bench_server_sync.py [--devices N] [--workers W]
       [--seconds S] [--rate R] [--idle] [--push-share F]   (--idle: F = 0)
       .venv/bin/python bench/bench_server_sync.py --cost [--idle-rate R] [--push-rate R]
       [--protocol 2|3] [--code DIR] [--out FILE]   (--code: another checkout's server,
       for before/after; --protocol 3: columns and zstd, as kiosks send since issue 19)
Writes bench/results/server_sync.json (``--cost``: server_sync_cost.json).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import http.client
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk_app.domain.hlc import HybridClock  # noqa: E402
from kiosk_app.protocol import columns, compact  # noqa: E402
from kiosk_app.protocol.compact import COMPACT_VERSION  # noqa: E402
from kiosk_app.protocol.encoding import ACCEPT, ZSTD, compress, decompress  # noqa: E402
from kiosk_app.protocol.messages import COUNTED_ACCEPTS_VERSION  # noqa: E402
from kiosk_server.db import make_engine, migrate  # noqa: E402
from kiosk_server.devices import new_enroll_code  # noqa: E402
from kiosk_server.keys import server_keys  # noqa: E402
from kiosk_server.regions import import_regions  # noqa: E402
from tests.support.pgcluster import PgCluster, free_port  # noqa: E402

TARGET_RPS = 300.0
TARGET_P95_MS = 100.0
SAMPLE_REGIONS = ROOT / "resources" / "demo" / "regions_sample.csv"
DURABLE = {"fsync": "on", "synchronous_commit": "on", "max_connections": "200"}
KIOSKS_PER_DISTRICT = 4
# The cost targets (ms of CPU per sync) and the fleet the capacity is stated for.
TARGET_PUSH_SERVER_MS = 5.0
TARGET_PUSH_POSTGRES_MS = 2.0
TARGET_IDLE_TOTAL_MS = 1.5
SYNC_INTERVAL_S = 600.0
FLEET_PUSH_SHARE = 0.10
# The protocol the simulated kiosks speak (``--protocol``): 3 is what kiosks send since
# issue 19 (columns, zstd); 2 (JSON, gzip) is what issues 14-16 measured.
PROTOCOL = [COUNTED_ACCEPTS_VERSION]


def villages_by_district() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with SAMPLE_REGIONS.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["level"] == "village":
                out.setdefault(row["code"].rsplit(".", 1)[0], []).append(row["code"])
    return out


@dataclass
class Kiosk:
    """One simulated kiosk: its token, clock, cursor and the records it has made."""

    token: str
    region: str
    villages: list[str]
    clock: HybridClock
    rng: random.Random
    cursor: int = 0
    merchants: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)

    def mutation(self, entity: str, row_id: str, op: str, fields: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(uuid.uuid4()), "entity": entity, "row_id": row_id,
                "hlc": self.clock.now(), "op": op, "fields": fields}  # fmt: skip

    def batch(self, size: int) -> list[dict[str, Any]]:
        rng = self.rng
        out = []
        if not self.merchants or rng.random() < 0.1:
            mid = str(uuid.uuid4())
            self.merchants.append(mid)
            out.append(self.mutation("merchant", mid, "upsert", {
                "business_name": f"Warung {rng.randrange(10**6)}", "owner_name": "Siti Aminah",
                "phone": "+6281234567890", "village_code": rng.choice(self.villages),
                "address": "Jl. Desa No. 1", "status": "active"}))  # fmt: skip
        while len(out) < size:
            roll = rng.random()
            if not self.products or roll < 0.4:
                pid = str(uuid.uuid4())
                self.products.append(pid)
                out.append(self.mutation("product", pid, "upsert", {
                    "merchant_id": rng.choice(self.merchants), "name": "Keripik Tempe",
                    "price": rng.randrange(1, 500) * 1000, "status": "published"}))  # fmt: skip
            elif roll < 0.7:
                out.append(self.mutation("product", rng.choice(self.products), "upsert",
                                         {"price": rng.randrange(1, 500) * 1000}))  # fmt: skip
            else:
                out.append(self.mutation("product", rng.choice(self.products), "stock",
                                         {"stock": rng.randrange(-3, 10)}))  # fmt: skip
        return out


@dataclass
class Recorder:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    mutations: int = 0
    changes: int = 0
    elapsed: float = 0.0
    server_cpu_s: float | None = None  # the server processes' CPU time in the phase
    postgres_cpu_s: float | None = None  # the cluster's processes' CPU time in the phase
    server_system_s: float | None = None  # of which in the kernel (system time)
    postgres_system_s: float | None = None

    def add(self, ms: float, status: int, pushed: int, pulled: int) -> None:
        with self.lock:
            self.latencies_ms.append(ms)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.mutations += pushed
            self.changes += pulled


def request(conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]):
    conn.request("POST", path, body=body, headers=headers)
    answer = conn.getresponse()
    data = answer.read()
    coding = answer.getheader("content-encoding")
    if coding == "gzip":
        data = gzip.decompress(data)
    elif coding == "zstd":
        data = decompress(data, ZSTD, 1 << 30)
    return answer.status, data


def sync_request(
    kiosk: Kiosk, protocol: int, mutations: list[dict[str, Any]]
) -> tuple[bytes, dict[str, str]]:
    """A sync's body and headers as a kiosk of ``protocol`` sends them: protocol 2, JSON
    gzipped; protocol 3 (what kiosks send since issue 19), columns zstd-compressed."""
    # As a kiosk sends it (``kiosk_app.sync.engine``): its photos to ask about (none
    # here) and its telemetry, the same each time (the server writes it once a minute).
    telemetry = {
        "sent_at": time.time_ns() // 1_000_000,
        "pending_changes": 0,
        "pending_photos": 0,
        "sync_median_ms": 2400,
        "bytes_per_day": 150_000,
    }
    payload = {"protocol": protocol, "cursor": kiosk.cursor, "node": kiosk.clock.node,
               "limit": 500, "mutations": mutations, "blobs": [],
               "telemetry": telemetry}  # fmt: skip
    auth = f"Bearer {kiosk.token}"
    if protocol >= COMPACT_VERSION:
        body = compress(compact.encode_request(payload), ZSTD)
        return body, {"Content-Type": "application/json", "Content-Encoding": ZSTD,
                      "Accept-Encoding": ACCEPT, "Authorization": auth}  # fmt: skip
    body = gzip.compress(json.dumps(payload).encode(), 1)
    return body, {"Content-Type": "application/json", "Content-Encoding": "gzip",
                  "Accept-Encoding": "gzip", "Authorization": auth}  # fmt: skip


def read_answer(protocol: int, data: bytes) -> tuple[int, bool, int]:
    """An answer's cursor, ``more`` and number of changes (protocol 3: its lines)."""
    if protocol < COMPACT_VERSION:
        answer = json.loads(data)
        return answer["cursor"], answer["more"], len(answer["changes"])
    lines = data.decode().splitlines()
    json.loads(lines[0])  # the head: it must be whole JSON
    changes = sum(len(columns.unpack(json.loads(line)["changes"])) for line in lines[1:-1])
    tail = json.loads(lines[-1])
    return tail["cursor"], tail["more"], changes


def enroll(port: int, code: str, name: str, node: str) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = json.dumps({"code": code, "device_name": name, "app_version": "bench",
                       "node_id": node}).encode()  # fmt: skip
    status, data = request(conn, "/v1/enroll", body, {"Content-Type": "application/json"})
    conn.close()
    if status != 200:
        raise RuntimeError(f"enroll failed: {status} {data[:200]!r}")
    answer: dict[str, Any] = json.loads(data)
    return answer


def sync_once(
    conn: http.client.HTTPConnection, kiosk: Kiosk, push_share: float
) -> tuple[int, int, int]:
    """One sync step (push + pull, then more pulls while ``more``): status, pushed, pulled.
    It pushes 5-20 mutations with probability ``push_share``, else nothing."""
    pushes = push_share >= 1 or kiosk.rng.random() < push_share
    mutations = kiosk.batch(kiosk.rng.randint(5, 20)) if pushes else []
    pulled = 0
    while True:
        body, headers = sync_request(kiosk, PROTOCOL[0], mutations)
        status, data = request(conn, "/v1/sync", body, headers)
        if status != 200:
            return status, len(mutations), pulled
        kiosk.cursor, more, changes = read_answer(PROTOCOL[0], data)
        pulled += changes
        if not more:
            return status, len(mutations), pulled
        mutations = []


def run_phase(
    port: int, kiosks: list[Kiosk], seconds: float, rate: float, push_share: float
) -> Recorder:
    """Closed loop (rate 0) or paced at ``rate`` requests/s over all kiosks."""
    recorder = Recorder()
    start = time.perf_counter() + 0.5
    stop_at = start + seconds
    interval = len(kiosks) / rate if rate else 0.0

    def drive(index: int, kiosk: Kiosk) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        due = start + (interval * index / len(kiosks) if interval else 0.0)
        while True:
            now = time.perf_counter()
            if interval:
                if due > now:
                    time.sleep(due - now)
                sent_at = due  # a late send counts its wait (no coordinated omission)
                due += interval
            else:
                sent_at = now
            if sent_at >= stop_at or (interval and now >= stop_at):
                break
            try:
                status, pushed, pulled = sync_once(conn, kiosk, push_share)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status, pushed, pulled = 0, 0, 0
            recorder.add((time.perf_counter() - sent_at) * 1000, status, pushed, pulled)
        conn.close()

    threads = [threading.Thread(target=drive, args=(i, k)) for i, k in enumerate(kiosks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recorder.elapsed = time.perf_counter() - start
    return recorder


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) of a process and its descendants, from /proc: what the
    server itself spent, whatever else the shared machine was doing (Linux only)."""
    user, system = tree_cpu_split(root)
    return user + system


def tree_cpu_split(root: int) -> tuple[float, float]:
    """``tree_cpu_seconds`` as (user, system). Each process of the tree counts its own
    time and that of its children it has waited for (``cutime``, ``cstime``): a child
    that ends during a phase (an autovacuum worker, a backend whose connection closed)
    is counted by its parent, not lost."""
    parents: dict[int, int] = {}
    ticks: dict[int, tuple[int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = (
            int(fields[11]) + int(fields[13]),
            int(fields[12]) + int(fields[14]),
        )
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    hz = os.sysconf("SC_CLK_TCK")
    user = sum(ticks.get(pid, (0, 0))[0] for pid in tree) / hz
    system = sum(ticks.get(pid, (0, 0))[1] for pid in tree) / hz
    return user, system


def measured(server_pid: int, run: Any, postgres_pid: int | None = None) -> Recorder:
    """Run a phase, noting the server's (and PostgreSQL's) CPU seconds spent in it."""
    before = tree_cpu_split(server_pid)
    pg_before = tree_cpu_split(postgres_pid) if postgres_pid else (0.0, 0.0)
    recorder: Recorder = run()
    after = tree_cpu_split(server_pid)
    recorder.server_cpu_s = sum(after) - sum(before)
    recorder.server_system_s = after[1] - before[1]
    if postgres_pid:
        pg_after = tree_cpu_split(postgres_pid)
        recorder.postgres_cpu_s = sum(pg_after) - sum(pg_before)
        recorder.postgres_system_s = pg_after[1] - pg_before[1]
    return recorder


def postmaster_pid(pg: PgCluster) -> int:
    """The cluster's postmaster: every PostgreSQL process of it is its child."""
    return int((pg.data / "postmaster.pid").read_text().splitlines()[0])


def summary(name: str, recorder: Recorder) -> dict[str, Any]:
    lat = sorted(recorder.latencies_ms)
    n = len(lat)

    def pct(p: float) -> float:
        return lat[min(n - 1, int(n * p))] if n else float("nan")

    seconds = recorder.elapsed  # the wall time the phase took, late answers included
    rps = n / seconds
    out = {
        "phase": name,
        "seconds": seconds,
        "requests": n,
        "requests_per_s": rps,
        "mutations_per_s": recorder.mutations / seconds,
        "changes_pulled_per_s": recorder.changes / seconds,
        "p50_ms": statistics.median(lat) if lat else float("nan"),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": lat[-1] if lat else float("nan"),
        "statuses": {str(k): v for k, v in sorted(recorder.statuses.items())},
        "ratio_rps_to_target": rps / TARGET_RPS,
        "ratio_p95_to_target": pct(0.95) / TARGET_P95_MS,
        "server_cpu_s": recorder.server_cpu_s,
        "server_cpu_ms_per_request": (recorder.server_cpu_s or 0.0) * 1000 / n if n else None,
    }
    print(
        f"{name:>6}: {rps:7.1f} req/s ({out['mutations_per_s']:.0f} mutations/s), "
        f"p50 {out['p50_ms']:.1f} ms, p95 {out['p95_ms']:.1f} ms, p99 {out['p99_ms']:.1f} ms, "
        f"statuses {out['statuses']}, server CPU {out['server_cpu_ms_per_request'] or 0:.2f} "
        "ms/request"
    )
    print(
        f"        ratio to target: throughput {out['ratio_rps_to_target']:.2f}x of "
        f"{TARGET_RPS:.0f} req/s, p95 {out['ratio_p95_to_target']:.2f}x of {TARGET_P95_MS:.0f} ms"
    )
    return out


def cost(name: str, recorder: Recorder) -> dict[str, Any]:
    """What one sync of a phase cost: CPU ms of the server and of PostgreSQL."""
    n = len(recorder.latencies_ms)
    server_ms = (recorder.server_cpu_s or 0.0) * 1000 / n
    postgres_ms = (recorder.postgres_cpu_s or 0.0) * 1000 / n
    lat = sorted(recorder.latencies_ms)
    out = {
        "phase": name,
        "seconds": recorder.elapsed,
        "syncs": n,
        "syncs_per_s": n / recorder.elapsed,
        "mutations_per_sync": recorder.mutations / n,
        "changes_pulled_per_sync": recorder.changes / n,
        "statuses": {str(k): v for k, v in sorted(recorder.statuses.items())},
        "p50_ms": statistics.median(lat),
        "p95_ms": lat[min(n - 1, int(n * 0.95))],
        "server_cpu_s": recorder.server_cpu_s,
        "postgres_cpu_s": recorder.postgres_cpu_s,
        "server_cpu_ms_per_sync": server_ms,
        "postgres_cpu_ms_per_sync": postgres_ms,
        "server_system_ms_per_sync": (recorder.server_system_s or 0.0) * 1000 / n,
        "postgres_system_ms_per_sync": (recorder.postgres_system_s or 0.0) * 1000 / n,
        "total_cpu_ms_per_sync": server_ms + postgres_ms,
    }
    print(
        f"{name:>5}: {n / recorder.elapsed:6.1f} syncs/s, {out['mutations_per_sync']:.1f} "
        f"mutations and {out['changes_pulled_per_sync']:.1f} changes per sync, statuses "
        f"{out['statuses']}, p95 {out['p95_ms']:.1f} ms; CPU per sync: server "
        f"{server_ms:.2f} ms + PostgreSQL {postgres_ms:.2f} ms = {server_ms + postgres_ms:.2f} ms"
        f" (in the kernel: {out['server_system_ms_per_sync']:.2f} + "
        f"{out['postgres_system_ms_per_sync']:.2f} ms)"
    )
    return out


def capacity(idle: dict[str, Any], pushing: dict[str, Any]) -> dict[str, Any]:
    """Kiosks one core carries when each syncs every ``SYNC_INTERVAL_S`` and a share
    ``FLEET_PUSH_SHARE`` of the syncs push: for the server's processes, for
    PostgreSQL's, and for both on the same cores."""

    def mix(key: str) -> float:
        return float((1 - FLEET_PUSH_SHARE) * idle[key] + FLEET_PUSH_SHARE * pushing[key])

    out: dict[str, Any] = {
        "sync_interval_s": SYNC_INTERVAL_S,
        "push_share": FLEET_PUSH_SHARE,
    }
    for part in ("server", "postgres", "total"):
        ms = mix(f"{part}_cpu_ms_per_sync")
        out[f"{part}_cpu_ms_per_sync"] = ms
        out[f"{part}_syncs_per_core_s"] = 1000.0 / ms
        out[f"{part}_kiosks_per_core"] = 1000.0 / ms * SYNC_INTERVAL_S
    out["targets"] = {
        "push_server_ms": TARGET_PUSH_SERVER_MS,
        "push_postgres_ms": TARGET_PUSH_POSTGRES_MS,
        "idle_total_ms": TARGET_IDLE_TOTAL_MS,
        "push_server_ratio": pushing["server_cpu_ms_per_sync"] / TARGET_PUSH_SERVER_MS,
        "push_postgres_ratio": pushing["postgres_cpu_ms_per_sync"] / TARGET_PUSH_POSTGRES_MS,
        "idle_total_ratio": idle["total_cpu_ms_per_sync"] / TARGET_IDLE_TOTAL_MS,
    }
    t = out["targets"]
    print(
        f"capacity at a sync every {SYNC_INTERVAL_S / 60:.0f} min, "
        f"{FLEET_PUSH_SHARE:.0%} pushing: {out['total_cpu_ms_per_sync']:.2f} ms per sync -> "
        f"{out['total_kiosks_per_core']:,.0f} kiosks per core (server alone "
        f"{out['server_kiosks_per_core']:,.0f}, PostgreSQL alone "
        f"{out['postgres_kiosks_per_core']:,.0f})"
    )
    print(
        f"ratio to target: pushing server {t['push_server_ratio']:.2f}x of "
        f"{TARGET_PUSH_SERVER_MS} ms, pushing PostgreSQL {t['push_postgres_ratio']:.2f}x of "
        f"{TARGET_PUSH_POSTGRES_MS} ms, idle total {t['idle_total_ratio']:.2f}x of "
        f"{TARGET_IDLE_TOTAL_MS} ms"
    )
    return out


# The server's secret (it keys enrollment codes): the bench makes the codes itself.
SECRET = secrets.token_hex(32)
# The bench enrolls all its kiosks from one address within seconds.
SERVER_ENV = {
    "KIOSK_SERVER_SECRET_KEY": SECRET,
    "KIOSK_SERVER_ENROLL_PER_ADDRESS_PER_MINUTE": "100000",
    "KIOSK_SERVER_ENROLL_PER_MINUTE": "100000",
    # No JSON line per request (a server without this setting ignores it).
    "KIOSK_SERVER_ACCESS_LOG": "false",
}


def server_path(code: Path) -> str:
    """The server's PYTHONPATH: its checkout, then ``BENCH_SERVER_PYTHONPATH`` (e.g. a
    folder whose ``uvloop`` and ``httptools`` fail to import, to run a checkout that did
    not depend on them as it ran before)."""
    extra = os.environ.get("BENCH_SERVER_PYTHONPATH", "")
    return os.pathsep.join(p for p in (str(code), extra) if p)


def start_server(
    url: str, data_dir: Path, workers: int, log: Path, code: Path
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [sys.executable, "-m", "kiosk_server.cli", "serve", "--database", url,
               "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    # ``python -m`` imports kiosk_server from its working folder: --code runs another
    # checkout's server (before/after comparisons) against the same load.
    server = subprocess.Popen(
        command,
        cwd=code,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, **SERVER_ENV, "PYTHONPATH": server_path(code)},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("server did not answer /healthz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=TARGET_RPS, help="paced phase, req/s")
    parser.add_argument("--idle", action="store_true", help="syncs that push nothing")
    parser.add_argument(
        "--push-share", type=float, default=1.0, help="share of syncs that push (0-1)"
    )
    parser.add_argument("--code", default=str(ROOT), help="folder holding the kiosk_server to run")
    parser.add_argument("--out", default=None, help="JSON file to write")
    parser.add_argument("--cost", action="store_true", help="CPU ms per sync, idle and pushing")
    parser.add_argument("--idle-rate", type=float, default=100.0, help="--cost: idle syncs/s")
    parser.add_argument("--push-rate", type=float, default=30.0, help="--cost: pushing syncs/s")
    parser.add_argument(
        "--protocol", type=int, choices=(COUNTED_ACCEPTS_VERSION, COMPACT_VERSION),
        default=COUNTED_ACCEPTS_VERSION,
        help="the kiosks' protocol: 2 (JSON, gzip) or 3 (columns, zstd: real kiosks)",
    )  # fmt: skip
    args = parser.parse_args()
    PROTOCOL[0] = args.protocol
    name = "server_sync_cost.json" if args.cost else "server_sync.json"
    args.out = args.out or str(ROOT / "bench" / "results" / name)

    share = 0.0 if args.idle else min(1.0, max(0.0, args.push_share))
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-server-"))
    with PgCluster(settings=dict(DURABLE)) as pg:
        url = pg.create_database("kiosk")
        engine = make_engine(url)
        migrate(engine)
        import_regions(engine, SAMPLE_REGIONS)
        districts = sorted(villages_by_district().items())
        codes = []
        for i in range(args.devices):
            district, villages = districts[(i // KIOSKS_PER_DISTRICT) % len(districts)]
            code = new_enroll_code(engine, server_keys(bytes.fromhex(SECRET)), district, 1.0)
            codes.append((code, district, villages))
        engine.dispose()
        server, port = start_server(
            url, work / "data", args.workers, work / "server.log", Path(args.code)
        )
        try:
            kiosks = []
            for i, (code, district, villages) in enumerate(codes):
                node = f"bench{i:04d}"
                done = enroll(port, code, f"Kios bench {i}", node)
                assert done["region"] == district
                kiosks.append(Kiosk(done["token"], district, villages, HybridClock(node),
                                    random.Random(i)))  # fmt: skip
            print(f"{args.devices} kiosks enrolled over {len(set(k.region for k in kiosks))} "
                  f"districts; server: {args.workers} uvicorn workers on PostgreSQL "
                  f"(fsync on); machine: {os.cpu_count()} cores, load before "
                  f"{load_before[0]:.2f}")  # fmt: skip
            if args.cost:
                costs = cost_report(args, port, server.pid, postmaster_pid(pg), kiosks)
                costs["machine"]["loadavg_before"] = load_before
                results = []
            else:
                costs = None
                run_phase(port, kiosks, 5.0, 0.0, share)  # warm-up: connections, caches
                results = [
                    summary("max", measured(server.pid, lambda: run_phase(
                        port, kiosks, args.seconds, 0.0, share))),
                    summary("target", measured(server.pid, lambda: run_phase(
                        port, kiosks, args.seconds, args.rate, share))),
                ]  # fmt: skip
        finally:
            server.terminate()
            server.wait(30)
    if costs is not None:
        finish(args, costs, work)
        return
    report = {
        "scenario": (
            "idle syncs (nothing to push)"
            if share == 0
            else "every sync pushes 5-20 mutations + pull"
            if share == 1
            else f"{share:.0%} of syncs push 5-20 mutations, the rest only pull"
        ),
        "push_share": share,
        "devices": args.devices,
        "kiosks_per_district": KIOSKS_PER_DISTRICT,
        "server_workers": args.workers,
        "server_code": str(args.code),
        "database": "PostgreSQL (private cluster, fsync on, synchronous_commit on)",
        "seconds_per_phase": args.seconds,
        "paced_rate": args.rate,
        "target_rps": TARGET_RPS,
        "target_p95_ms": TARGET_P95_MS,
        "machine": {
            "cores": os.cpu_count(),
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
            "note": "2 cores shared with other engineers' work; the load generator runs "
            "on the same cores as the server and PostgreSQL",
        },
        "phases": results,
    }
    finish(args, report, work)


def cost_report(
    args: argparse.Namespace, port: int, server_pid: int, pg_pid: int, kiosks: list[Kiosk]
) -> dict[str, Any]:
    """``--cost``: a pushing warm-up, then idle syncs, then pushing syncs, each paced
    well below what the machine can do, so what is measured is work, not queueing."""
    run_phase(port, kiosks, 5.0, args.push_rate, 1.0)  # warm-up: connections, plans, data
    idle = cost("idle", measured(server_pid, lambda: run_phase(
        port, kiosks, args.seconds, args.idle_rate, 0.0), pg_pid))  # fmt: skip
    pushing = cost("push", measured(server_pid, lambda: run_phase(
        port, kiosks, args.seconds, args.push_rate, 1.0), pg_pid))  # fmt: skip
    return {
        "scenario": "cost per sync: idle syncs, then pushing syncs (5-20 mutations + pull)",
        "protocol": args.protocol,
        "devices": args.devices,
        "kiosks_per_district": KIOSKS_PER_DISTRICT,
        "server_workers": args.workers,
        "server_code": str(args.code),
        "server_pythonpath": server_path(Path(args.code)),
        "database": "PostgreSQL (private cluster, fsync on, synchronous_commit on)",
        "seconds_per_phase": args.seconds,
        "rates": {"idle": args.idle_rate, "push": args.push_rate},
        "method": "CPU time (utime + stime) from /proc/<pid>/stat of the serve process and "
        "its descendants, and of the postmaster and its descendants, before and after each "
        "phase, divided by the syncs answered; the load generator is not counted",
        "machine": {
            "cores": os.cpu_count(),
            "cpu": _cpu_model(),
            "loadavg_after": os.getloadavg(),
            "note": "2 cores shared with other engineers' work and with the load generator",
        },
        "phases": [idle, pushing],
        "capacity": capacity(idle, pushing),
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def finish(args: argparse.Namespace, report: dict[str, Any], work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
