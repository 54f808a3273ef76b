"""The link simulator: rates, round trips, loss stalls, cuts and counters hold on loopback.

Times are checked from below only (the physics the simulator must impose), with
generous upper bounds as sanity checks: the test machine is shared and noisy. Profiles
are fast made-up ones so the whole file stays well under 20 seconds.
"""

from __future__ import annotations

import dataclasses
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

from bench.linksim import PROFILES, LinkProfile, LinkSimulator, bound_seconds
from tests.support import ROOT

# 100 kB/s down, 50 kB/s up, 100 ms round trip: quick, yet slow enough to measure.
FAST = LinkProfile("test", down_bps=800_000, up_bps=400_000, rtt_ms=100)
SLACK = 0.98  # loop timers may fire a hair early relative to time.monotonic()


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


def exchange(sock: socket.socket, up: int, down: int) -> float:
    """Send a request of ``up`` bytes, read ``down`` back; returns the seconds it took."""
    started = time.monotonic()
    sock.sendall(b"%d %d\n" % (up, down) + b"u" * up)
    got = 0
    while got < down:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("closed before the answer was complete")
        got += len(chunk)
    return time.monotonic() - started


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


def test_transfers_respect_the_rate_each_way(load_server: LoopbackServer) -> None:
    with LinkSimulator(FAST, target=load_server.address) as sim, connect(sim) as sock:
        exchange(sock, 1, 1)  # pay the handshake first
        # 60 kB down at 100 kB/s cannot take less than 0.6 s (plus a round trip).
        down = exchange(sock, 1, 60_000)
        # 30 kB up at 50 kB/s: same.
        up = exchange(sock, 30_000, 1)
    assert down >= SLACK * bound_seconds(FAST, 0, 60_000, round_trips=1)
    assert up >= SLACK * bound_seconds(FAST, 30_000, 0, round_trips=1)
    assert down < 5 and up < 5


def test_connections_share_the_link(load_server: LoopbackServer) -> None:
    # Two downloads at once share the modem: together no faster than one of both sizes.
    with LinkSimulator(FAST, target=load_server.address) as sim:
        socks = [connect(sim), connect(sim)]
        for s in socks:
            exchange(s, 1, 1)
        started = time.monotonic()
        threads = [threading.Thread(target=exchange, args=(s, 1, 40_000)) for s in socks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        elapsed = time.monotonic() - started
        for s in socks:
            s.close()
    assert elapsed >= SLACK * bound_seconds(FAST, 0, 80_000, round_trips=1)
    assert elapsed < 6


def test_a_new_connection_costs_a_handshake_then_each_exchange_a_round_trip(
    load_server: LoopbackServer,
) -> None:
    slow = dataclasses.replace(FAST, rtt_ms=300)
    with LinkSimulator(slow, target=load_server.address) as sim, connect(sim) as sock:
        first = exchange(sock, 10, 10)
        second = exchange(sock, 10, 10)
    assert first >= SLACK * 2 * 0.3
    assert second >= SLACK * 0.3
    assert first < 3 and second < 3


def test_jitter_keeps_bytes_in_order(echo_server: LoopbackServer) -> None:
    shaky = dataclasses.replace(FAST, rtt_ms=200, rtt_jitter_ms=150)
    messages = [b"<%05d>" % i for i in range(150)]
    expected = b"".join(messages)
    with LinkSimulator(shaky, target=echo_server.address, seed=3) as sim, connect(sim) as sock:
        started = time.monotonic()
        # Small writes a little apart: each is its own burst with its own jitter draw,
        # so a later one often draws a shorter delay than the one before it.
        for message in messages:
            sock.sendall(message)
            time.sleep(0.002)
        received = b""
        while len(received) < len(expected):
            chunk = sock.recv(65536)
            assert chunk, "closed early"
            received += chunk
        elapsed = time.monotonic() - started
    assert received == expected
    # Handshake plus one round trip, each at least rtt - jitter.
    assert elapsed >= SLACK * 2 * (0.2 - 0.15)
    assert elapsed < 5


def test_loss_stalls_like_tcp_retransmissions(load_server: LoopbackServer) -> None:
    # Every segment is lost once: each one-segment message waits for an RTO
    # (rtt + 200 ms floor) on top of the lossless round trip.
    lossy = dataclasses.replace(FAST, loss=1.0)
    with LinkSimulator(FAST, target=load_server.address) as sim, connect(sim) as sock:
        exchange(sock, 1, 1)
        clean = exchange(sock, 10, 10)
    with LinkSimulator(lossy, target=load_server.address, seed=1) as sim, connect(sim) as sock:
        exchange(sock, 1, 1)
        stalled = exchange(sock, 10, 10)
        stats = sim.stats
    assert stalled >= clean + SLACK * 2 * (0.1 + 0.2)
    assert stats.loss_events == 4  # two messages each way, one segment each
    assert stalled < 5


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
        cut_seen = time.monotonic()
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
        while True:
            try:
                with connect(sim) as again:
                    exchange(again, 1, 1)
                break
            except OSError:
                assert time.monotonic() - cut_seen < 5, "link never came back"
                time.sleep(0.05)
        back = time.monotonic() - cut_seen
    assert (stats.cuts, stats.dropped) == (1, 1) and stats.refused >= 1
    assert back >= 0.6 - 0.15  # the cut lasted its length (less our polling slop)


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
                started = time.monotonic()
                response = requests.post(f"{sim.url}/v1/sync", data=body, timeout=10)
                result["elapsed"] = time.monotonic() - started
                result["content"] = response.content

            worker = threading.Thread(target=client)
            worker.start()
            worker.join(15)
            stats = sim.stats
    finally:
        http.shutdown()
        http.server_close()
    assert result["content"] == body[::-1] * 2
    elapsed = result["elapsed"]
    assert isinstance(elapsed, float)
    # Handshake + request/response: two round trips, plus the payload each way.
    assert elapsed >= SLACK * bound_seconds(FAST, len(body), 2 * len(body), round_trips=2)
    assert elapsed < 10
    assert stats.bytes_up > len(body) and stats.bytes_down > 2 * len(body)


def test_cli_proxies_until_interrupted(load_server: LoopbackServer) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = "{}:{}".format(*load_server.address)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "linksim.py"), "--profile", "good",
         "--listen", f"127.0.0.1:{port}", "--target", target],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert "linksim good" in proc.stdout.readline()
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            elapsed = exchange(sock, 100, 100)
        assert elapsed >= SLACK * 2 * 0.6  # handshake and exchange at 600 ms each
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=10)
    # SIGTERM stops it cleanly, with the final counters.
    assert proc.returncode == 0
    assert "connections=1" in output
