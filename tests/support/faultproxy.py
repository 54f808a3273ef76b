"""Fault-injecting TCP proxy for tests: drops, delays and truncates HTTP exchanges.

Put it in front of a real HTTP server on loopback and point the client at ``proxy.url``::

    with FaultProxy(server_port, fault_rate=0.2, seed=1) as proxy:
        sync_all(proxy.url)
        print(proxy.counts)

Faults are drawn per request burst, not just per connection, so keep-alive clients meet
them too: a burst starts with the first client bytes on a connection, and again with the
first client bytes after the server has answered. The proxy never parses HTTP except to
find where the headers end (and, for a request, its Content-Length), so that a dropped
request and a cut response land inside the body when there is one: the server has read
the whole head and part of the body, the worst moment for a handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

PASS = "pass"
DROP_REQUEST = "drop_request"  # the head and part of the body reach the server, then resets
DROP_RESPONSE = "drop_response"  # the server gets it all and answers; the client gets part
DELAY = "delay"  # the request waits a while before it is forwarded
TRUNCATE = "truncate"  # the client gets the start of the response, then a clean FIN
FAULT_KINDS: tuple[str, ...] = (DROP_REQUEST, DROP_RESPONSE, DELAY, TRUNCATE)

# How long a truncating fault waits for response bytes to complete the headers (or bring
# the first body bytes) before it cuts with what it has.
_SETTLE_S = 0.3


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST, as a peer sees a connection that died rather than one that ended."""
    transport = writer.transport
    if transport.is_closing():
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        fmt = "HH" if sys.platform == "win32" else "ii"  # struct linger differs on Windows
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(fmt, 1, 0))
    transport.abort()


def cut_point(response: bytes, complete: bool) -> int | None:
    """Where to cut a response prefix so the client notices, or None to wait for more.

    Inside the body when the headers are all there (the nasty case: status 200 and a
    Content-Length arrived, the body falls short); inside the headers otherwise, or
    when the response has no body to cut into.
    """
    end = response.find(b"\r\n\r\n")
    if end >= 0:
        body = len(response) - (end + 4)
        if body > 0:
            return end + 4 + body // 2
    if complete:
        return len(response) // 2
    return None


def request_cut_point(request: bytes, complete: bool) -> int | None:
    """Where to cut a request prefix, or None to wait for more bytes.

    Inside the body, half way through what its Content-Length announces, once that much
    has arrived; inside the head when the request has no body, or when the client has
    sent all it will and the head never ended.
    """
    end = request.find(b"\r\n\r\n")
    if end < 0:
        return len(request) // 2 if complete else None
    body_at = end + 4
    length = 0
    for line in request[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
    if length <= 0:
        return body_at // 2  # nothing to cut into but the head
    cut = body_at + length // 2  # for a body of two bytes or more: strictly inside it
    if len(request) >= cut:
        return cut
    return max(body_at, len(request) - 1) if complete else None


class FaultProxy:
    """A loopback proxy to ``127.0.0.1:target_port`` that injects faults at ``fault_rate``.

    ``kinds`` chooses among ``FAULT_KINDS``; ``counts`` tells how many bursts got each
    kind (``"pass"`` included). Reads time out after ``idle_timeout_s`` so a stuck peer
    never hangs a test; leaving the ``with`` block resets whatever is still open.
    """

    def __init__(
        self,
        target_port: int,
        fault_rate: float = 0.2,
        seed: int = 0,
        kinds: Sequence[str] = FAULT_KINDS,
        delay_ms: tuple[int, int] = (50, 300),
        idle_timeout_s: float = 30.0,
    ) -> None:
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown or not kinds:
            raise ValueError(f"kinds must be some of {FAULT_KINDS}, got {kinds}")
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError("fault_rate is a probability")
        self.target_port = target_port
        self.fault_rate = fault_rate
        self.kinds = tuple(kinds)
        self.delay_ms = delay_ms
        self.idle_timeout_s = idle_timeout_s
        self.port = 0
        self._rng = random.Random(seed)
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def counts(self) -> dict[str, int]:
        """Bursts per fault kind so far, ``"pass"`` included, zeros for kinds not drawn."""
        with self._lock:
            return {kind: self._counts[kind] for kind in (PASS, *self.kinds)}

    def draw(self) -> str:
        """Choose the fate of one request burst (and count it)."""
        with self._lock:
            kind = PASS
            if self._rng.random() < self.fault_rate:
                kind = self._rng.choice(self.kinds)
            self._counts[kind] += 1
            return kind

    def delay_s(self) -> float:
        with self._lock:
            return self._rng.uniform(*self.delay_ms) / 1000.0

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> FaultProxy:
        """Start the proxy thread; returns once it is listening."""
        self._thread = threading.Thread(target=self._run, name="faultproxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError("fault proxy failed to start") from self._error
        return self

    def stop(self) -> None:
        """Reset every open connection, stop the loop and join the thread."""
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            server = loop.run_until_complete(asyncio.start_server(self._accept, "127.0.0.1", 0))
        except BaseException as exc:  # handed to start() in the caller's thread
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self.port = int(server.sockets[0].getsockname()[1])
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            for writer in list(self._writers):
                _reset(writer)
            for task in list(self._handlers):
                task.cancel()
            if self._handlers:
                loop.run_until_complete(asyncio.wait(list(self._handlers), timeout=5))
            loop.run_until_complete(server.wait_closed())
            loop.close()

    # -- one connection ---------------------------------------------------------

    async def _accept(self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(c_writer)
        try:
            try:
                s_reader, s_writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.target_port), timeout=5
                )
            except OSError:  # refused or timed out: the client sees the same
                _reset(c_writer)
                return
            self._writers.add(s_writer)
            try:
                await _Exchange(self, c_reader, c_writer, s_reader, s_writer).run()
            finally:
                self._writers.discard(s_writer)
        except asyncio.CancelledError:
            # Only stop() cancels handlers; ending quietly keeps asyncio from logging
            # every connection that was still open as an error.
            pass
        finally:
            self._writers.discard(c_writer)
            self._handlers.discard(task)


class _Exchange:
    """The two pumps of one proxied connection and the fault of its current burst."""

    def __init__(
        self,
        proxy: FaultProxy,
        c_reader: asyncio.StreamReader,
        c_writer: asyncio.StreamWriter,
        s_reader: asyncio.StreamReader,
        s_writer: asyncio.StreamWriter,
    ) -> None:
        self.proxy = proxy
        self.c_reader, self.c_writer = c_reader, c_writer
        self.s_reader, self.s_writer = s_reader, s_writer
        self.fault = PASS
        # True when the next client bytes start a new burst (none sent yet, or the
        # server has answered since). An interim "100 Continue" also counts as an
        # answer; our clients do not send Expect: 100-continue.
        self.answered = True
        self.faulted = asyncio.Event()  # a fault has ended the connection

    async def run(self) -> None:
        """Pump both ways until both sides are done or a fault ends it all."""
        up = asyncio.create_task(self._upstream())
        down = asyncio.create_task(self._downstream())
        pumps = asyncio.gather(up, down)
        faulted = asyncio.create_task(self.faulted.wait())
        either: list[asyncio.Future[Any]] = [pumps, faulted]
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            self.kill()
            raise
        finally:
            for task in (up, down, faulted):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumps
            for writer in (self.c_writer, self.s_writer):
                writer.close()

    def kill(self) -> None:
        """Reset both sides: the connection died mid-flight."""
        _reset(self.c_writer)
        _reset(self.s_writer)
        self.faulted.set()

    async def _read(self, reader: asyncio.StreamReader, timeout: float) -> bytes:
        """Next bytes, or b"" at end of stream, reset or timeout (never hang)."""
        try:
            return await asyncio.wait_for(reader.read(65536), timeout)
        except OSError:  # TimeoutError included
            return b""

    async def _upstream(self) -> None:
        try:
            while data := await self._read(self.c_reader, self.proxy.idle_timeout_s):
                if self.answered:
                    self.answered = False
                    self.fault = self.proxy.draw()
                    if self.fault == DELAY:
                        await asyncio.sleep(self.proxy.delay_s())
                    elif self.fault == DROP_REQUEST:
                        await self._drop_request(data)
                        return
                self.s_writer.write(data)
                await self.s_writer.drain()
            # The client closed its half (or went idle): pass the FIN on.
            if self.s_writer.can_write_eof():
                self.s_writer.write_eof()
        except (OSError, RuntimeError):
            self.kill()

    async def _drop_request(self, first: bytes) -> None:
        """Forward the head and part of the body, then reset both sides."""
        request = first
        while (cut := request_cut_point(request, complete=False)) is None:
            more = await self._read(self.c_reader, _SETTLE_S)
            if not more:
                cut = request_cut_point(request, complete=True)
                break
            request += more
        assert cut is not None
        self.s_writer.write(request[:cut])
        await self.s_writer.drain()
        self.kill()

    async def _downstream(self) -> None:
        try:
            while data := await self._read(self.s_reader, self.proxy.idle_timeout_s):
                if self.fault in (DROP_RESPONSE, TRUNCATE):
                    await self._cut_response(data)
                    return
                self.c_writer.write(data)
                await self.c_writer.drain()
                self.answered = True
            if self.c_writer.can_write_eof():
                self.c_writer.write_eof()
        except (OSError, RuntimeError):
            self.kill()

    async def _cut_response(self, first: bytes) -> None:
        """Forward a prefix of the response, then reset (drop) or FIN (truncate)."""
        response = first
        while (cut := cut_point(response, complete=False)) is None:
            more = await self._read(self.s_reader, _SETTLE_S)
            if not more:
                cut = cut_point(response, complete=True)
                break
            response += more
        assert cut is not None
        self.c_writer.write(response[:cut])
        await self.c_writer.drain()
        if self.fault == DROP_RESPONSE:
            self.kill()
            return
        # A clean end: FIN to the client after the prefix, and let the server go.
        if self.c_writer.can_write_eof():
            self.c_writer.write_eof()
        self.s_writer.close()
        self.faulted.set()
