"""Sync over a simulated geostationary satellite link (DESIGN §1 ``vsat`` profile).

A real kiosk_server process on loopback, reached only through tests/support/linksim.py (delay,
rate per direction, loss as retransmission stalls). Three phases:

1. push: a kiosk sends N products (and their merchants) it made offline;
2. pull: a freshly enrolled kiosk in the same region receives them all;
3. photos: the first kiosk uploads P photos (full image + thumbnail each, tus).

Each phase prints wall time, bytes each way on the wire (as the simulator delivered
them: headers, TCP handshakes and retransmissions included), requests, and the ratio to
the link's bound = compressed payload ÷ rate each way + one round trip. Target: ≤ 1.25.

A connection's TCP handshake is a round trip of its own, which that bound leaves out. So
push and pull run twice: ``cold``, the first sync on a new connection (the kiosk had not
talked to the server for longer than the server's 75 s keep-alive), with a second ratio
whose bound counts one more round trip per connection opened; and ``warm``, on a
connection a recent request left open (the scheduler syncs shortly after each local
change, so while an operator works the connection stays up), against the bound as the
issue defines it. The warm push sends a second set of N products; the warm pull is a third
fresh kiosk receiving all 2N. Losses (2 % on vsat) make single runs vary by up to a
round trip, so push and pull run in ``--rounds`` rounds (each in its own district, so each
pulls the same amount) and the target is judged on the median. Nine by default: a pull
whose last round trip holds a lost segment ends up to one RTT later, which happens to
most pulls but not all, so a median of three moves by 0.1 between runs of the same code.
Photos follow on the first kiosk's open connection (its upload workers open their own).
Region lists are pulled over loopback before timing, so the phases measure only their own
data.
Each push and pull is also judged against the data itself (issue 19): the gzip (-6) of
the records as ``kiosk-app export`` writes them (push: the pushed records; pull: what the
fresh kiosk then holds): wire bytes both ways ÷ that (target <= 0.7), and time ÷ (that ÷
the link's rate + one round trip) (target <= 0.9); with the round trips taken (new
connections + client flights, linksim) and the server process's CPU. ``--tls`` runs it
over HTTPS: a CA and certificate made at run time, the kiosks told to trust the CA through
their CA setting; round 0's cold phases make full TLS handshakes, later rounds resume.
Writes bench/results/sync_vsat.json.

Usage: .venv/bin/python bench/bench_sync.py [--products 2000] [--photos 20] [--rounds 9]
       [--profile vsat] [--loss P] [--link-seed S] [--tls]   (--loss 0: no losses)
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import gzip
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from kiosk_app.media.pipeline import process_photo  # noqa: E402
from kiosk_app.store import outbox, photos  # noqa: E402
from kiosk_app.store.importer import export_jsonl  # noqa: E402
from kiosk_app.sync import tls  # noqa: E402
from kiosk_app.sync.device import enroll  # noqa: E402
from tests.media.media_samples import photo_like, to_bytes  # noqa: E402
from tests.support import SAMPLE_REGIONS  # noqa: E402
from tests.support.kiosk import Kiosk  # noqa: E402
from tests.support.linksim import PROFILES, LinkSimulator, bound_seconds  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

TARGET_RATIO = 1.25
# Issue 19: against the data itself (its gzip as ``kiosk-app export`` writes it), on a
# cold connection: wire bytes at most 0.7 of it, time within 0.9 of its bound.
TARGET_DATA_BYTES = 0.7
TARGET_DATA_TIME = 0.9
WORDS = ["Kopi", "Gula Aren", "Keripik", "Teh", "Madu", "Sambal", "Tenun", "Abon", "Jahe"]


def until_done(kiosk: Kiosk, url: str) -> dict[str, int]:
    """Sync until nothing is pending; the engine's own counters summed over the syncs."""
    totals = {"syncs": 0, "requests": 0, "payload_up": 0, "payload_down": 0}
    for _ in range(50):
        result = kiosk.sync(url)
        totals["syncs"] += 1
        totals["requests"] += result.requests
        totals["payload_up"] += result.bytes_up
        totals["payload_down"] += result.bytes_down
        if result.ok and kiosk.store.pending_count() == 0 and result.pending_blobs == 0:
            return totals
    raise RuntimeError(f"sync did not finish: {result.error}")


def warm(kiosk: Kiosk, url: str) -> None:
    """Open the kiosk's connection to ``url`` with a small request, untimed."""
    kiosk.engine_for(url).client.health()


def export_lines(kiosk: Kiosk, folder: Path) -> list[bytes]:
    """The kiosk's records as ``kiosk-app export`` writes them (JSON lines)."""
    path = folder / f"export-{time.monotonic_ns()}.jsonl"
    export_jsonl(kiosk.store, path)
    lines = path.read_bytes().splitlines(keepends=True)
    path.unlink()
    return lines


def data_gzip(lines: list[bytes]) -> int:
    """The data's size as ``gzip`` (level 6, its default) makes it."""
    return len(gzip.compress(b"".join(lines), compresslevel=6, mtime=0))


def held(kiosk: Kiosk, folder: Path) -> int:
    """The gzip bytes of what the kiosk holds, as exported."""
    return data_gzip(export_lines(kiosk, folder))


def pushed_lines(kiosk: Kiosk, folder: Path) -> list[bytes]:
    """The export lines of the records the kiosk's outbox is about to push."""
    ids = {e.row_id for e in outbox.pending(kiosk.store.db, limit=1_000_000)}
    return [line for line in export_lines(kiosk, folder) if json.loads(line)["id"] in ids]


def server_cpu_s(pid: int) -> float:
    """The server process's CPU time (user + system), from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def phase(
    name: str, sim: LinkSimulator, run: Any, round_: int, data: Any = None, server: Any = None
) -> dict[str, Any]:
    """One timed phase; ``data()`` gives the gzip bytes of the data it moved (called
    after the phase: a pull's data is what the fresh kiosk then holds)."""
    context = getattr(sim, "tls_context", None)
    tls_before = (context.handshakes, context.resumed) if context else (0, 0)
    cpu_before = server_cpu_s(server.process.pid) if server else 0.0
    before = sim.stats
    started = time.perf_counter()
    totals = run()
    wall = time.perf_counter() - started
    after = sim.stats
    cpu = server_cpu_s(server.process.pid) - cpu_before if server else None
    wire_up, wire_down = after.bytes_up - before.bytes_up, after.bytes_down - before.bytes_down
    bound = bound_seconds(sim.profile, totals["payload_up"], totals["payload_down"])
    opened = after.connections - before.connections
    with_handshakes = bound + opened * sim.profile.rtt_s
    out = {
        "phase": name,
        "round": round_,
        "wall_s": round(wall, 2),
        **totals,
        "wire_up": wire_up,
        "wire_down": wire_down,
        "connections": opened,
        "loss_events": after.loss_events - before.loss_events,
        "bound_s": round(bound, 2),
        "ratio_to_bound": round(wall / bound, 3),
        "bound_with_handshakes_s": round(with_handshakes, 2),
        "ratio_to_bound_with_handshakes": round(wall / with_handshakes, 3),
        "round_trips": opened + (after.flights_up - before.flights_up),
        "server_cpu_s": None if cpu is None else round(cpu, 3),
    }
    if context:
        out["tls_handshakes"] = context.handshakes - tls_before[0]
        out["tls_resumed"] = context.resumed - tls_before[1]
    if data is not None:
        gz = data()
        up = "push" in name
        rate = sim.profile.up_bps if up else sim.profile.down_bps
        data_bound = gz * 8 / rate + sim.profile.rtt_s
        out.update(
            data_gzip=gz,
            wire_to_data=round((wire_up + wire_down) / gz, 3),
            data_bound_s=round(data_bound, 2),
            time_to_data_bound=round(wall / data_bound, 3),
        )
        print(
            f"{'':10} data gzip {gz / 1024:6.1f} KiB: wire/data {out['wire_to_data']:.2f} "
            f"(target <= {TARGET_DATA_BYTES}), time/data bound {out['time_to_data_bound']:.2f} "
            f"(bound {data_bound:.2f} s, target <= {TARGET_DATA_TIME}); round trips "
            f"{out['round_trips']}" + (f", server CPU {cpu * 1000:.0f} ms" if cpu else "")
        )
    print(
        f"{name:10} {wall:6.1f} s  up {wire_up / 1024:7.1f} KiB  down {wire_down / 1024:7.1f} KiB"
        f"  requests {totals['requests']:3}  new connections {opened}  bound {bound:5.1f} s"
        f"  ratio {wall / bound:4.2f}  (with handshakes {wall / with_handshakes:4.2f};"
        f" target <= {TARGET_RATIO})"
    )
    return out


def districts_with_villages(prefix: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with SAMPLE_REGIONS.open(newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["code"]
            if row["level"] == "village" and code.startswith(prefix + "."):
                out.setdefault(code.rsplit(".", 1)[0], []).append(code)
    return dict(sorted(out.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="vsat")
    parser.add_argument("--loss", type=float, default=None, help="override the profile's loss")
    parser.add_argument("--rounds", type=int, default=9, help="push/pull rounds (median)")
    parser.add_argument("--seed", type=int, default=1)
    # The link's drops and jitter come from one generator drawn per segment in both
    # directions, so a change in any body's size moves every later drop: compare two
    # versions over several link seeds, not over one.
    parser.add_argument("--link-seed", type=int, default=7, help="the link simulator's seed")
    parser.add_argument(
        "--tls",
        action="store_true",
        help="HTTPS: a CA and certificate made now, the kiosks told to trust it",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "sync_vsat.json"))
    args = parser.parse_args()
    profile = PROFILES[args.profile]
    if args.loss is not None:
        profile = dataclasses.replace(profile, name=f"{profile.name}, loss {args.loss:g}",
                                      loss=args.loss)  # fmt: skip
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    results: list[dict[str, Any]] = []
    districts = list(districts_with_villages("35.07").items())[: args.rounds]
    certs = make_certificates(root / "tls") if args.tls else None
    ca_bundle = str(certs[2]) if certs else None
    with LiveServer(root / "server", tls=certs) as server:
        port = int(server.url.rsplit(":", 1)[1])
        # Kiosk a makes everything (its region: the regency); each round's fresh kiosks
        # b (cold pull) and c (warm pull) serve one district, so every round pulls the
        # same amount: N and 2N products.
        a = Kiosk(root / "kiosk-a")
        pullers = [(Kiosk(root / f"kiosk-b{r}"), Kiosk(root / f"kiosk-c{r}"))
                   for r in range(len(districts))]  # fmt: skip
        # The CA setting the kiosk has for its server (HTTPS: verification stays on).
        enroll(a.store, server.url, server.enroll_code("35.07"), "kios-a", ca_bundle)
        assert a.sync().ok  # the region list, over loopback
        for (b, c), (district, _) in zip(pullers, districts, strict=True):
            for kiosk in (b, c):
                enroll(kiosk.store, server.url, server.enroll_code(district), "kios-pull",
                       ca_bundle)  # fmt: skip
                assert kiosk.sync().ok

        def make_products(merchants: list[str], first: int) -> list[str]:
            return [a.store.create("product", {
                "merchant_id": merchants[n % len(merchants)],
                "name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}",
                "description": f"Produk desa nomor {n}, dibuat di kios.",
                "price": rng.randrange(1, 200) * 500, "stock": rng.randrange(0, 100),
                "unit": rng.choice(["bungkus", "botol", "kg"]), "category": "makanan",
                "status": "published"}) for n in range(first, first + args.products)]  # fmt: skip

        pictures = [
            process_photo(to_bytes(photo_like((4000, 3000), seed=n), "JPEG", quality=90))
            for n in range(args.photos)
        ]
        print(f"{args.products} products per push, {args.rounds} rounds, {args.photos} photos; "
              f"link {profile.name}: {sim_desc(profile)}")  # fmt: skip
        made: list[str] = []
        with LinkSimulator(profile, target=("127.0.0.1", port), seed=args.link_seed) as sim:
            url = sim.url.replace("http://", "https://") if certs else sim.url
            context = tls.context_for(ca_bundle) if ca_bundle else None
            sim.tls_context = context  # type: ignore[attr-defined]
            for r, ((b, c), (_, villages)) in enumerate(zip(pullers, districts, strict=True)):
                merchants = [a.store.create("merchant", {
                    "business_name": f"Toko {r}-{n}", "owner_name": "Pemilik",
                    "phone": "081234567890", "village_code": villages[n % len(villages)]})
                    for n in range(max(1, args.products // 200))]  # fmt: skip
                made = made or make_products(merchants, 0)
                if r:
                    make_products(merchants, 0)
                a.forget(url)  # a new connection, as after a long pause
                if context is not None and r == 0:
                    context.forget_sessions()  # round 0: a first TLS handshake, in full
                pushed = data_gzip(pushed_lines(a, root))
                results.append(phase("push cold", sim, lambda: until_done(a, url), r,
                                     lambda p=pushed: p, server))  # fmt: skip
                if context is not None and r == 0:
                    context.forget_sessions()
                results.append(phase("pull cold", sim, lambda b=b: until_done(b, url), r,
                                     lambda b=b: held(b, root), server))  # fmt: skip
                make_products(merchants, args.products)
                warm(a, url)
                pushed = data_gzip(pushed_lines(a, root))
                results.append(phase("push warm", sim, lambda: until_done(a, url), r,
                                     lambda p=pushed: p, server))  # fmt: skip
                warm(c, url)
                results.append(phase("pull warm", sim, lambda c=c: until_done(c, url), r,
                                     lambda c=c: held(c, root), server))  # fmt: skip
            for n, picture in enumerate(pictures):
                photos.add_photo(a.store, made[n], picture, a.blobs)
            if pictures:
                warm(a, url)
                results.append(phase("photos", sim, lambda: until_done(a, url), 0))
        count = "SELECT count(*) FROM product"
        same = all(b.store.db.execute(count).fetchone()[0] == args.products
                   and c.store.db.execute(count).fetchone()[0] == 2 * args.products
                   for b, c in pullers)  # fmt: skip
        a.close()
        for b, c in pullers:
            b.close()
            c.close()

    # The target, phase by phase, on the median round: a warm phase against the bound as
    # defined; a cold one against the bound counting its TCP handshakes (a round trip no
    # request can avoid).
    def judged(r: dict[str, Any]) -> float:
        key = "ratio_to_bound_with_handshakes" if "cold" in r["phase"] else "ratio_to_bound"
        return float(r[key])

    summary = {}
    for name in dict.fromkeys(r["phase"] for r in results):
        rows = [r for r in results if r["phase"] == name]
        summary[name] = {
            "median_wall_s": round(statistics.median(r["wall_s"] for r in rows), 2),
            **{
                f"median_{key}": round(statistics.median(r[key] for r in rows), 3)
                for key in (
                    "wire_to_data",
                    "time_to_data_bound",
                    "round_trips",
                    "data_gzip",
                    "server_cpu_s",
                )
                if all(r.get(key) is not None for r in rows)
            },
            "median_ratio_to_bound": round(statistics.median(r["ratio_to_bound"] for r in rows), 3),
            "median_ratio_judged": round(statistics.median(judged(r) for r in rows), 3),
            "rounds": len(rows),
        }
        if "median_wire_to_data" in summary[name]:
            print(f"{name:10} median: wire/data {summary[name]['median_wire_to_data']:.2f} "
                  f"(<= {TARGET_DATA_BYTES}), time/data bound "
                  f"{summary[name]['median_time_to_data_bound']:.2f} (<= {TARGET_DATA_TIME}), "
                  f"round trips {summary[name]['median_round_trips']:g}")  # fmt: skip
        print(f"{name:10} median of {len(rows)}: {summary[name]['median_wall_s']:6.1f} s, "
              f"ratio {summary[name]['median_ratio_to_bound']:.2f}, judged "
              f"{summary[name]['median_ratio_judged']:.2f} (target <= {TARGET_RATIO})")  # fmt: skip
    worst = max(v["median_ratio_judged"] for v in summary.values())
    print(f"worst median ratio: {worst:.2f} (cold phases with their handshakes counted; "
          f"target <= {TARGET_RATIO}); fresh kiosks have every product: {same}")  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "profile": profile.name, "link": sim_desc(profile), "products": args.products,
        "photos": args.photos, "rounds": args.rounds, "summary": summary, "phases": results,
        "target_ratio": TARGET_RATIO, "worst_median_ratio": worst, "pulled_everything": same,
        "tls": args.tls, "link_seed": args.link_seed,
        "target_wire_to_data": TARGET_DATA_BYTES, "target_time_to_data_bound": TARGET_DATA_TIME,
        "data_note": "data_gzip: gzip -6 of the records as kiosk-app export writes them (push: "
        "the pushed records; pull: what the fresh kiosk holds); wire_to_data: bytes both ways "
        "on the link / data_gzip; time_to_data_bound: wall / (data_gzip / rate + one RTT); "
        "round_trips: new connections (TCP handshakes) + client flights",
        "note": "2 shared cores; bound = compressed payload / rate each way + one RTT; "
        "cold phases also judged with one more RTT per new connection (TCP handshake)",
    }, indent=2) + "\n")  # fmt: skip
    print(f"written {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0 if same else 1


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for 127.0.0.1, made now: chain, key, CA."""
    import trustme

    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    chain, key, bundle = folder / "chain.pem", folder / "key.pem", folder / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(chain))
    cert.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(bundle))
    return chain, key, bundle


def sim_desc(p: Any) -> str:
    return (
        f"down {p.down_bps / 1e6:g} Mbit/s, up {p.up_bps / 1e3:g} kbit/s, "
        f"RTT {p.rtt_ms:g} ms, loss {p.loss:.0%}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
