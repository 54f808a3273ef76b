"""The link simulator: rates, round trips, loss stalls, cuts and counters.

Times are checked on the schedule the simulator computes (``LinkProxy.schedule`` on a
clock the test moves), never on the wall clock: the test machine is shared and noisy.
Loopback tests check what must hold on real sockets: bytes in order, counters, cuts.
"""

from __future__ import annotations

import dataclasses
import itertools
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.support import ROOT
from tests.support.linksim import (
    MSS,
    PROFILES,
    RTO_MIN_S,
    LinkProfile,
    LinkProxy,
    LinkSimulator,
    _Lane,
    bound_seconds,
)

# 100 kB/s down, 50 kB/s up, 100 ms round trip: quick, yet slow enough to measure.
FAST = LinkProfile("test", down_bps=800_000, up_bps=400_000, rtt_ms=100)


class Clock:
    """The time a ``LinkProxy`` schedules on, moved by hand."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def scheduled(profile: LinkProfile, seed: int | None = None) -> tuple[LinkProxy, Clock]:
    """A simulator that is never started: only its schedule, on a clock the test moves."""
    clock = Clock()
    return LinkProxy(profile, target=("127.0.0.1", 9), seed=seed, clock=clock), clock


def last(segments: list[tuple[float, bytes]]) -> float:
    """When the last byte of a scheduled write reaches the far end."""
    return segments[-1][0]


class LoopbackServer(socketserver.ThreadingTCPServer):
    """A threaded TCP server on 127.0.0.1 for the simulator to sit in front of."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server_address[:2]
        return str(host), int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # cuts reset connections on purpose

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _LoadHandler(socketserver.StreamRequestHandler):
    """Tiny protocol: the client sends ``b"<up> <down>\\n"`` and ``up`` bytes; the server
    answers with ``down`` bytes, as often as asked on one connection."""

    def handle(self) -> None:
        while line := self.rfile.readline():
            up, down = (int(n) for n in line.split())
            assert len(self.rfile.read(up)) == up
            self.wfile.write(b"d" * down)


class _EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture
def load_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer(_LoadHandler)
    yield server
    server.stop()


@pytest.fixture
def echo_server() -> Iterator[LoopbackServer]:
    server = LoopbackServer(_EchoHandler)
    yield server
    server.stop()


def connect(sim: LinkSimulator) -> socket.socket:
    return socket.create_connection(("127.0.0.1", sim.port), timeout=10)


def exchange(sock: socket.socket, up: int, down: int) -> None:
    """Send a request of ``up`` bytes and read the ``down`` bytes of its answer."""
    sock.sendall(b"%d %d\n" % (up, down) + b"u" * up)
    got = 0
    while got < down:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("closed before the answer was complete")
        got += len(chunk)


def header(up: int, down: int) -> int:
    return len(b"%d %d\n" % (up, down))


def test_profiles_are_the_ones_of_the_design() -> None:
    vsat, bad, good = PROFILES["vsat"], PROFILES["vsat-bad"], PROFILES["good"]
    assert (vsat.down_bps, vsat.up_bps, vsat.rtt_ms, vsat.loss) == (1e6, 256e3, 700, 0.02)
    assert not vsat.has_cuts and not good.has_cuts
    assert (bad.down_bps, bad.up_bps, bad.rtt_ms, bad.rtt_jitter_ms) == (256e3, 64e3, 1200, 300)
    assert (bad.loss, bad.cut_every_s, bad.cut_for_s) == (0.05, 600, 30)
    assert (good.down_bps, good.up_bps, good.rtt_ms, good.loss) == (8e6, 3e6, 600, 0.005)
    # Scaling for tests shrinks the outages only, not the link.
    quick = bad.scaled(1 / 60)
    assert (quick.cut_every_s, quick.cut_for_s) == pytest.approx((10, 0.5))
    assert (quick.down_bps, quick.rtt_ms, quick.loss) == (bad.down_bps, bad.rtt_ms, bad.loss)


def test_bound_is_payload_over_rate_plus_round_trips() -> None:
    # 32 kB up at 256 kbit/s = 1 s, 125 kB down at 1 Mbit/s = 1 s, 2 × 700 ms.
    assert bound_seconds(PROFILES["vsat"], 32_000, 125_000, round_trips=2) == pytest.approx(3.4)


def test_only_loopback_is_allowed() -> None:
    with pytest.raises(ValueError, match="loopback"):
        LinkSimulator(FAST, target=("192.0.2.1", 80))
    with pytest.raises(ValueError, match="loopback"):
        LinkSimulator(FAST, target=("127.0.0.1", 80), listen=("0.0.0.0", 0))


def test_transfers_respect_the_rate_each_way() -> None:
    link, clock = scheduled(FAST)
    # 60 kB down at 100 kB/s leave the wire after 0.6 s and land half a round trip later.
    down = link.schedule(b"d" * 60_000, _Lane(), upward=False)
    assert b"".join(seg for _, seg in down) == b"d" * 60_000
    assert all(len(seg) <= MSS for _, seg in down)
    assert last(down) == pytest.approx(0.6 + FAST.rtt_s / 2)
    # 30 kB up at 50 kB/s: the same.
    assert last(link.schedule(b"u" * 30_000, _Lane(), upward=True)) == pytest.approx(0.65)
    # A request answered as soon as it lands takes the bound benchmarks compare with.
    link, clock = scheduled(FAST)
    clock.t = last(link.schedule(b"u" * 30_000, _Lane(), upward=True))
    answer = link.schedule(b"d" * 60_000, _Lane(), upward=False)
    assert last(answer) == pytest.approx(bound_seconds(FAST, 30_000, 60_000, round_trips=1))


def test_connections_share_the_link() -> None:
    # Two downloads at once share the modem: together no faster than one of both sizes.
    link, _ = scheduled(FAST)
    first = link.schedule(b"a" * 40_000, _Lane(), upward=False)
    second = link.schedule(b"b" * 40_000, _Lane(), upward=False)
    assert last(first) == pytest.approx(0.4 + FAST.rtt_s / 2)
    assert last(second) == pytest.approx(0.8 + FAST.rtt_s / 2)
    # The other direction has a wire of its own.
    assert last(link.schedule(b"c" * 20_000, _Lane(), upward=True)) == pytest.approx(0.45)


def test_a_new_connection_costs_a_handshake_then_each_exchange_a_round_trip() -> None:
    slow = dataclasses.replace(FAST, rtt_ms=300)
    link, clock = scheduled(slow)
    up, down = link.lanes()
    tx_up, tx_down = 10 * 8 / slow.up_bps, 10 * 8 / slow.down_bps

    def exchange_at(start: float) -> float:
        clock.t = start
        clock.t = last(link.schedule(b"q" * 10, up, upward=True))
        return last(link.schedule(b"r" * 10, down, upward=False))

    first = exchange_at(0.0)
    assert first == pytest.approx(0.3 + 0.3 + tx_up + tx_down)  # handshake + exchange
    second = exchange_at(first)
    assert second - first == pytest.approx(0.3 + tx_up + tx_down)


def test_jitter_never_reorders_bytes() -> None:
    shaky = dataclasses.replace(FAST, rtt_ms=200, rtt_jitter_ms=150)
    link, clock = scheduled(shaky, seed=3)
    lane = _Lane()
    sent, arrivals = [], []
    for i in range(150):  # small writes 2 ms apart: one burst, one jitter draw each
        clock.t = i * 0.002
        sent.append(clock.t)
        arrivals.append(last(link.schedule(b"<%05d>" % i, lane, upward=True)))
    assert arrivals == sorted(arrivals)
    # Each one-way delay lies in rtt/2 ± jitter/2, and some bursts drew a shorter delay
    # than the one before them, so in-order delivery held them back.
    tx = 7 * 8 / shaky.up_bps
    assert all(a - s >= (0.2 - 0.15) / 2 + tx - 1e-9 for s, a in zip(sent, arrivals, strict=True))
    assert max(a - s for s, a in zip(sent, arrivals, strict=True)) <= 0.175 + 150 * tx
    held = sum(1 for a, b in itertools.pairwise(arrivals) if a == b)
    assert held > 0


def test_jitter_keeps_bytes_in_order_on_the_wire(echo_server: LoopbackServer) -> None:
    shaky = dataclasses.replace(FAST, rtt_ms=200, rtt_jitter_ms=150)
    messages = [b"<%05d>" % i for i in range(150)]
    expected = b"".join(messages)
    with LinkSimulator(shaky, target=echo_server.address, seed=3) as sim, connect(sim) as sock:
        for message in messages:
            sock.sendall(message)
            time.sleep(0.002)
        received = b""
        while len(received) < len(expected):
            chunk = sock.recv(65536)
            assert chunk, "closed early"
            received += chunk
    assert received == expected


def test_loss_stalls_like_tcp_retransmissions() -> None:
    lossy = dataclasses.replace(FAST, loss=1.0)
    tx = MSS * 8 / lossy.down_bps
    # A lone segment gets no duplicate ACKs: it waits for the RTO (rtt + 200 ms floor).
    link, _ = scheduled(lossy, seed=1)
    alone = link.schedule(b"x" * 10, _Lane(), upward=False)
    assert last(alone) == pytest.approx(10 * 8 / lossy.down_bps + 0.05 + 0.1 + RTO_MIN_S)
    assert link.stats.loss_events == 1
    # With three or more behind it, a fast retransmit costs one round trip; the copy
    # takes the wire again, so the next segment leaves one segment's time later.
    link, _ = scheduled(lossy, seed=1)
    burst = link.schedule(b"x" * (5 * MSS), _Lane(), upward=False)
    assert burst[0][0] == pytest.approx(tx + 0.05 + 0.1)
    assert burst[1][0] == pytest.approx(3 * tx + 0.05 + 0.1)
    assert link.stats.loss_events == 5
    # Without loss the same segment lands half a round trip after it left.
    link, _ = scheduled(FAST, seed=1)
    assert last(link.schedule(b"x" * 10, _Lane(), upward=False)) == pytest.approx(
        10 * 8 / FAST.down_bps + 0.05
    )
    assert link.stats.loss_events == 0


def test_loss_is_counted_per_segment_on_the_wire(load_server: LoopbackServer) -> None:
    lossy = dataclasses.replace(FAST, loss=1.0)
    with LinkSimulator(lossy, target=load_server.address, seed=1) as sim, connect(sim) as sock:
        exchange(sock, 1, 1)
        exchange(sock, 10, 10)
        stats = sim.stats
    assert stats.loss_events == 4  # two messages each way, one segment each


def test_a_cut_lasts_its_length() -> None:
    link, clock = scheduled(FAST)
    clock.t = 5.0
    assert not link.is_cut
    link.cut_now(0.6)
    assert link.is_cut
    clock.t = 5.599
    assert link.is_cut
    clock.t = 5.6
    assert not link.is_cut
    assert (link.stats.cuts, link.stats.dropped) == (1, 0)
    link.cut_now(3600)
    link.restore_now()
    assert not link.is_cut


def test_byte_and_connection_counters_are_exact(load_server: LoopbackServer) -> None:
    fast = dataclasses.replace(FAST, down_bps=8e6, up_bps=3e6)
    with LinkSimulator(fast, target=load_server.address) as sim:
        with connect(sim) as a:
            exchange(a, 12_345, 54_321)
        with connect(sim) as b:
            exchange(b, 0, 7)
        deadline = time.monotonic() + 5
        while sim.stats.active and time.monotonic() < deadline:
            time.sleep(0.01)
        stats = sim.stats
    assert stats.connections == 2 and stats.active == 0
    assert stats.bytes_up == 12_345 + header(12_345, 54_321) + header(0, 7)
    assert stats.bytes_down == 54_321 + 7


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)


def carries_traffic(sim: LinkSimulator) -> bool:
    try:
        with connect(sim) as sock:
            exchange(sock, 1, 1)
    except OSError:
        return False
    return True


def test_a_scheduled_cut_drops_connections_and_refuses_new_ones(
    load_server: LoopbackServer,
) -> None:
    # Outages of 0.6 s every 1 s from start-up (a 1/600 scale of vsat-bad's timing
    # would be 50 ms, too short to observe reliably).
    cutting = dataclasses.replace(FAST, rtt_ms=50, cut_every_s=1.0, cut_for_s=0.6)
    with LinkSimulator(cutting, target=load_server.address) as sim:
        live = connect(sim)
        exchange(live, 1, 1)
        wait_until(lambda: sim.stats.cuts >= 1)
        # Then the open connection is gone, and a new one is reset at once.
        with pytest.raises(OSError):
            exchange(live, 1, 1)
        live.close()
        # The reset may reach us during connect() itself or on the first exchange,
        # depending on how the two threads interleave; either way, no traffic passes.
        with pytest.raises(OSError), connect(sim) as refused:
            exchange(refused, 1, 1)
        stats = sim.stats
        # And once the outage is over, the link carries traffic again.
        wait_until(lambda: carries_traffic(sim))
        assert carries_traffic(sim), "link never came back"
    assert (stats.cuts, stats.dropped) == (1, 1) and stats.refused >= 1


def test_a_manual_cut_drops_live_connections(load_server: LoopbackServer) -> None:
    with LinkSimulator(FAST, target=load_server.address) as sim, connect(sim) as sock:
        exchange(sock, 1, 1)
        sim.cut(0.3)
        with pytest.raises(OSError):
            exchange(sock, 1, 1)
        assert (sim.stats.cuts, sim.stats.dropped) == (1, 1)


class _SyncHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        reply = body[::-1] * 2
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_real_http_from_another_thread_is_bounded_by_the_link() -> None:
    http = ThreadingHTTPServer(("127.0.0.1", 0), _SyncHandler)
    threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True).start()
    body = bytes(range(256)) * 40  # 10 kB up, 20 kB down
    try:
        with LinkSimulator(FAST, target=("127.0.0.1", http.server_address[1])) as sim:
            result: dict[str, object] = {}

            def client() -> None:  # the benchmark side runs in its own thread
                response = requests.post(f"{sim.url}/v1/sync", data=body, timeout=10)
                result["content"] = response.content

            worker = threading.Thread(target=client)
            worker.start()
            worker.join(15)
            stats = sim.stats
    finally:
        http.shutdown()
        http.server_close()
    assert result["content"] == body[::-1] * 2
    assert stats.connections == 1
    assert stats.bytes_up > len(body) and stats.bytes_down > 2 * len(body)


def test_cli_proxies_until_interrupted(load_server: LoopbackServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = "{}:{}".format(*load_server.address)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "support" / "linksim.py"), "--profile", "good",
         "--listen", f"127.0.0.1:{port}", "--target", target],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert "linksim good" in proc.stdout.readline()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            exchange(sock, 100, 100)
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=10)
    # SIGTERM stops it cleanly, with the final counters.
    assert proc.returncode == 0
    assert "connections=1" in output
