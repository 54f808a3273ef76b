"""Link simulator: a loopback TCP proxy that behaves like a geostationary satellite link.

The kernel in our build and test machines has no netem, so the link of DESIGN.md §1 is
simulated in user space: every byte between a client and a server crosses an asyncio
proxy that adds one-way delay (with jitter), a serialisation rate limit per direction,
TCP-style retransmission stalls for lost segments, the round trip of the TCP handshake,
and periodic outages. It only listens on and connects to loopback addresses.

CLI:    .venv/bin/python tests/support/linksim.py --profile vsat --listen 127.0.0.1:9000 \\
            --target 127.0.0.1:8000
Python: with LinkSimulator(PROFILES["vsat"], target=("127.0.0.1", port)) as sim:
            requests.get(sim.url + "/healthz"); print(sim.stats)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import ipaddress
import logging
import random
import signal
import socket
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("linksim")

# One TCP segment of payload on an Ethernet-sized path; loss is drawn per segment.
MSS = 1460
# Segments the proxy holds per connection and direction before it stops reading, so a
# fast sender feels back-pressure instead of the proxy buffering a whole upload.
QUEUE_SEGMENTS = 64
# Linux's floor for the retransmission timeout (tcp_rto_min).
RTO_MIN_S = 0.2


@dataclass(frozen=True)
class LinkProfile:
    """A link as DESIGN.md §1 describes one: rates in bit/s, times in ms or s."""

    name: str
    down_bps: float
    up_bps: float
    rtt_ms: float
    rtt_jitter_ms: float = 0.0
    loss: float = 0.0
    cut_every_s: float = 0.0  # 0: the link never goes down
    cut_for_s: float = 0.0

    def __post_init__(self) -> None:
        if self.down_bps <= 0 or self.up_bps <= 0:
            raise ValueError("rates must be positive")
        if not 0.0 <= self.loss <= 1.0:
            raise ValueError("loss is a probability")
        if self.rtt_ms < 0 or self.rtt_jitter_ms < 0 or self.rtt_jitter_ms > self.rtt_ms:
            raise ValueError("need 0 <= rtt_jitter_ms <= rtt_ms")

    @property
    def rtt_s(self) -> float:
        return self.rtt_ms / 1000.0

    @property
    def has_cuts(self) -> bool:
        return self.cut_every_s > 0 and self.cut_for_s > 0

    def scaled(self, factor: float) -> LinkProfile:
        """The same link with its outage timings multiplied by ``factor`` (for tests)."""
        return dataclasses.replace(
            self,
            name=f"{self.name}×{factor:g}",
            cut_every_s=self.cut_every_s * factor,
            cut_for_s=self.cut_for_s * factor,
        )


PROFILES: dict[str, LinkProfile] = {
    p.name: p
    for p in (
        LinkProfile("vsat", down_bps=1_000_000, up_bps=256_000, rtt_ms=700, loss=0.02),
        LinkProfile(
            "vsat-bad",
            down_bps=256_000,
            up_bps=64_000,
            rtt_ms=1200,
            rtt_jitter_ms=300,
            loss=0.05,
            cut_every_s=600,
            cut_for_s=30,
        ),
        LinkProfile("good", down_bps=8_000_000, up_bps=3_000_000, rtt_ms=600, loss=0.005),
    )
}


def bound_seconds(
    profile: LinkProfile, up_bytes: int, down_bytes: int, round_trips: int = 1
) -> float:
    """The link's theoretical best time: payload ÷ rate each way, plus round trips × RTT.

    It assumes the request is sent before the response starts, as in one HTTP exchange;
    count the TCP handshake of a new connection as one more round trip.
    """
    return (
        up_bytes * 8 / profile.up_bps
        + down_bytes * 8 / profile.down_bps
        + round_trips * profile.rtt_s
    )


@dataclass
class LinkStats:
    """Counters of one simulator; ``LinkSimulator.stats`` hands out copies."""

    connections: int = 0  # accepted while the link was up
    active: int = 0
    refused: int = 0  # reset at once because the link was cut
    dropped: int = 0  # live connections killed by a cut
    bytes_up: int = 0  # client → server, counted as delivered to the server
    bytes_down: int = 0  # server → client, counted as delivered to the client
    loss_events: int = 0  # segments that paid a retransmission stall
    cuts: int = 0
    # Times a client started sending after the server had last sent (or first sent) on a
    # connection: each is a round trip, like each connection's TCP handshake.
    flights_up: int = 0


def require_loopback(host: str) -> None:
    """Refuse anything but loopback: this tool must never become an open proxy."""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"linksim only works on loopback, not {host!r}")


def reset_transport(transport: asyncio.WriteTransport | None) -> None:
    """Close with RST rather than FIN, as a peer sees a connection that died."""
    if transport is None or transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # struct linger is two ints on POSIX, two unsigned shorts on Windows.
        fmt = "HH" if sys.platform == "win32" else "ii"
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(fmt, 1, 0))
    transport.abort()


class _Wire:
    """One direction of the link, shared by every connection (they share the modem).

    ``free_at`` is the serialisation clock: the loop time at which the last scheduled
    byte has left, so bytes never leave faster than ``bps`` however many connections
    push at once.
    """

    def __init__(self, bps: float) -> None:
        self.bps = bps
        self.free_at = 0.0

    def transmit(self, ready_at: float, nbytes: int) -> float:
        """Reserve the wire for ``nbytes`` from ``ready_at`` on; returns when they have left."""
        self.free_at = max(ready_at, self.free_at) + nbytes * 8 / self.bps
        return self.free_at


@dataclass
class _Lane:
    """One direction of one connection: in-order delivery needs the last delivery time."""

    not_before: float = 0.0  # no data may leave before this (handshake not finished)
    last_delivery: float = 0.0


class LinkProxy:
    """The simulator itself, on whatever asyncio loop runs it (CLI or background thread)."""

    def __init__(
        self,
        profile: LinkProfile,
        target: tuple[str, int],
        listen: tuple[str, int] = ("127.0.0.1", 0),
        seed: int | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        require_loopback(target[0])
        require_loopback(listen[0])
        self.profile = profile
        self.target = target
        self.listen = listen
        self._rng = random.Random(seed)
        # The time every schedule is computed on: the running loop's, unless a test
        # drives ``schedule()`` on a clock of its own (no sockets, no waiting).
        self._clock = clock
        self._up = _Wire(profile.up_bps)
        self._down = _Wire(profile.down_bps)
        self._stats = LinkStats()
        self._lock = threading.Lock()  # stats are read from other threads
        self._server: asyncio.Server | None = None
        self._conns: set[_Connection] = set()
        self._cut_until = 0.0
        self._cut_task: asyncio.Task[None] | None = None
        self.port = 0

    # -- lifecycle --------------------------------------------------------------

    async def start(self) -> None:
        """Start listening (and the outage schedule, if the profile has one)."""
        self._server = await asyncio.start_server(self._accept, *self.listen)
        self.port = int(self._server.sockets[0].getsockname()[1])
        if self.profile.has_cuts:
            self._cut_task = asyncio.create_task(self._cut_schedule())

    async def close(self) -> None:
        """Stop listening and reset every live connection."""
        if self._cut_task is not None:
            self._cut_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._cut_task
        if self._server is not None:
            self._server.close()
        for conn in list(self._conns):
            conn.abort()
        for conn in list(self._conns):
            await conn.finished.wait()
        if self._server is not None:
            await self._server.wait_closed()

    @property
    def stats(self) -> LinkStats:
        with self._lock:
            return dataclasses.replace(self._stats)

    def now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def lanes(self) -> tuple[_Lane, _Lane]:
        """A new connection's (up, down) lanes.

        The kernel completed the handshake on loopback at once; on the real link the
        client could not send its first byte before SYN and SYN-ACK crossed: one RTT.
        """
        return _Lane(not_before=self.now() + self.profile.rtt_s), _Lane()

    def count(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self._stats, name, getattr(self._stats, name) + delta)

    # -- outages ----------------------------------------------------------------

    @property
    def is_cut(self) -> bool:
        return self.now() < self._cut_until

    def cut_now(self, for_s: float) -> None:
        """Take the link down now for ``for_s`` seconds: live connections are reset."""
        self._cut_until = max(self._cut_until, self.now() + for_s)
        self.count(cuts=1, dropped=len(self._conns))
        log.info("link cut for %.1f s, %d connection(s) dropped", for_s, len(self._conns))
        for conn in list(self._conns):
            conn.abort()

    def restore_now(self) -> None:
        """End a cut now: new connections get through again."""
        self._cut_until = 0.0
        log.info("link restored")

    async def _cut_schedule(self) -> None:
        # Outages start every cut_every_s after start-up, so the first one does not
        # hit the very first connection of a run.
        loop = asyncio.get_running_loop()
        start = loop.time()
        k = 1
        while True:
            await asyncio.sleep(max(0.0, start + k * self.profile.cut_every_s - loop.time()))
            self.cut_now(self.profile.cut_for_s)
            k += 1

    # -- connections ------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.is_cut:
            # A listening socket cannot refuse after the kernel accepted, so the client
            # gets the next best thing: a reset on its first read or write.
            self.count(refused=1)
            reset_transport(writer.transport)
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(*self.target), timeout=10
            )
        except OSError as exc:  # TimeoutError is one since 3.11
            log.warning("target %s:%d unreachable: %s", *self.target, exc)
            reset_transport(writer.transport)
            return
        conn = _Connection(self, reader, writer, up_reader, up_writer)
        self._conns.add(conn)
        self.count(connections=1, active=1)
        try:
            await conn.run()
        finally:
            self._conns.discard(conn)
            self.count(active=-1)
            conn.finished.set()

    def schedule(self, data: bytes, lane: _Lane, upward: bool) -> list[tuple[float, bytes]]:
        """Cut ``data`` into segments and give each the loop time it reaches the far end."""
        p = self.profile
        wire = self._up if upward else self._down
        now = self.now()
        # Jitter on a VSAT link comes from the hub's queues and slot scheduling, which
        # change over many packets, so one draw covers a whole burst; each direction
        # takes half of the ± so that a round trip spans rtt ± jitter.
        jitter = self._rng.uniform(-1.0, 1.0) * p.rtt_jitter_ms / 2000.0
        one_way = max(0.0, p.rtt_s / 2 + jitter)
        segments = [data[i : i + MSS] for i in range(0, len(data), MSS)]
        out = []
        for i, seg in enumerate(segments):
            left = wire.transmit(max(now, lane.not_before), len(seg))
            arrive = left + one_way
            if p.loss and self._rng.random() < p.loss:
                arrive += self._loss_stall(followers=len(segments) - 1 - i)
                wire.transmit(left, len(seg))  # the retransmission uses the wire again
                self.count(loss_events=1)
            # TCP hands bytes over in order: a segment that arrived early waits for the
            # one before it (head-of-line blocking after a loss, reordering after jitter).
            arrive = max(arrive, lane.last_delivery)
            lane.last_delivery = arrive
            out.append((arrive, seg))
        return out

    def _loss_stall(self, followers: int) -> float:
        """Extra delay TCP pays to recover one lost segment.

        With three or more segments behind it, the receiver's duplicate ACKs trigger a
        fast retransmit: the sender learns of the loss one RTT after sending, and the
        copy lands half an RTT later, i.e. about one RTT after the original would have.
        A lone or tail segment (most API requests and responses are one or two
        segments) gets no duplicate ACKs and waits for the retransmission timeout,
        RTO = SRTT + max(tcp_rto_min, 4·RTTVAR) as Linux computes it; RTTVAR is taken as
        half the jitter (the mean deviation of a uniform ± jitter). Not modelled: the
        congestion window halving after a loss, slow start, and losing the
        retransmission too (p², 0.25 % at 5 % loss), so the simulator is optimistic for
        long bulk transfers and close for short exchanges.
        """
        rtt = self.profile.rtt_s
        if followers >= 3:
            return rtt
        return rtt + max(RTO_MIN_S, 2 * self.profile.rtt_jitter_ms / 1000.0)


class _Connection:
    """One proxied TCP connection: two lanes, each a reader feeding a timed writer."""

    def __init__(
        self,
        link: LinkProxy,
        client_reader: asyncio.StreamReader,
        client_writer: asyncio.StreamWriter,
        server_reader: asyncio.StreamReader,
        server_writer: asyncio.StreamWriter,
    ) -> None:
        self.link = link
        self.client = (client_reader, client_writer)
        self.server = (server_reader, server_writer)
        self.up, self.down = link.lanes()
        self.finished = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._aborted = False
        self._client_turn = False  # the client sent last (for counting round trips)

    async def run(self) -> None:
        self._tasks = [
            asyncio.create_task(self._pump(self.client[0], self.server[1], self.up, True)),
            asyncio.create_task(self._pump(self.server[0], self.client[1], self.down, False)),
        ]
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if not self._aborted:
            for _, writer in (self.client, self.server):
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()

    def abort(self) -> None:
        """Drop the connection both ways with a reset, discarding bytes in flight."""
        if self._aborted:
            return
        self._aborted = True
        for task in self._tasks:
            task.cancel()
        reset_transport(self.client[1].transport)
        reset_transport(self.server[1].transport)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        lane: _Lane,
        upward: bool,
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue(QUEUE_SEGMENTS)
        deliver = asyncio.create_task(self._deliver(queue, writer, upward))
        try:
            while data := await reader.read(65536):
                if upward and not self._client_turn:
                    self.link.count(flights_up=1)
                self._client_turn = upward
                for item in self.link.schedule(data, lane, upward):
                    await queue.put(item)
            await queue.put(None)
            await deliver
        except (OSError, asyncio.IncompleteReadError):
            self.abort()  # one side reset: the other must see the connection die too
        finally:
            deliver.cancel()

    async def _deliver(
        self,
        queue: asyncio.Queue[tuple[float, bytes] | None],
        writer: asyncio.StreamWriter,
        upward: bool,
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            while (item := await queue.get()) is not None:
                arrive, seg = item
                delay = arrive - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if upward:
                    self.link.count(bytes_up=len(seg))
                else:
                    self.link.count(bytes_down=len(seg))
                writer.write(seg)
                await writer.drain()
            # The sender closed its half: pass the FIN on once everything has arrived.
            if writer.can_write_eof():
                writer.write_eof()
        except (OSError, RuntimeError):
            # The receiver went away; without this the reader would block on a full
            # queue forever.
            self.abort()


class LinkSimulator:
    """A ``LinkProxy`` on its own thread and event loop, for benchmarks and tests.

    ``with LinkSimulator(profile, target=("127.0.0.1", port)) as sim:`` then talk to
    ``sim.url`` (or ``sim.port``) from any thread; ``sim.stats`` is a snapshot.
    """

    def __init__(
        self,
        profile: LinkProfile | str,
        target: tuple[str, int],
        listen: tuple[str, int] = ("127.0.0.1", 0),
        seed: int | None = None,
    ) -> None:
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.proxy = LinkProxy(self.profile, target, listen, seed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def port(self) -> int:
        return self.proxy.port

    @property
    def url(self) -> str:
        return f"http://{self.proxy.listen[0]}:{self.port}"

    @property
    def stats(self) -> LinkStats:
        return self.proxy.stats

    def start(self) -> LinkSimulator:
        """Start the proxy thread; returns once it is listening."""
        self._thread = threading.Thread(target=self._run, name="linksim", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise RuntimeError("link simulator failed to start") from self._error
        return self

    def stop(self) -> None:
        """Reset live connections, stop the loop and join the thread."""
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def cut(self, for_s: float) -> None:
        """Take the link down now for ``for_s`` seconds (on top of the profile's cuts)."""
        assert self._loop is not None, "start() first"
        done = threading.Event()

        def cut() -> None:
            self.proxy.cut_now(for_s)
            done.set()

        self._loop.call_soon_threadsafe(cut)
        done.wait(5)

    def restore(self) -> None:
        """End a cut now (``cut(3600)`` then ``restore()``: down until the caller says)."""
        assert self._loop is not None, "start() first"
        done = threading.Event()

        def restore() -> None:
            self.proxy.restore_now()
            done.set()

        self._loop.call_soon_threadsafe(restore)
        done.wait(5)

    def __enter__(self) -> LinkSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self.proxy.start())
        except BaseException as exc:  # handed to start() in the caller's thread
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self.proxy.close())
            loop.close()


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def _serve(proxy: LinkProxy, report_every_s: float) -> None:
    await proxy.start()
    print(
        f"linksim {proxy.profile.name}: 127.0.0.1:{proxy.port} -> {proxy.target[0]}:"
        f"{proxy.target[1]}",
        flush=True,
    )
    try:
        while True:
            await asyncio.sleep(report_every_s)
            print(proxy.stats, flush=True)
    finally:
        await proxy.close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the simulator in the foreground until Ctrl-C or SIGTERM; prints final stats."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="vsat")
    parser.add_argument("--listen", type=_address, default=("127.0.0.1", 9000))
    parser.add_argument("--target", type=_address, required=True)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--cut-scale", type=float, default=1.0, help="multiply outage timings (e.g. 0.1)"
    )
    parser.add_argument("--report-every", type=float, default=10.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    profile = PROFILES[args.profile]
    if args.cut_scale != 1.0:
        profile = profile.scaled(args.cut_scale)
    try:
        proxy = LinkProxy(profile, args.target, args.listen, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    # Scripts stop background tools with SIGTERM (shells start them with SIGINT ignored).
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        asyncio.run(_serve(proxy, args.report_every))
    except KeyboardInterrupt:
        print(proxy.stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
