"""The fault proxy: each fault kind reaches a real HTTP client, and no fault means no change."""

from __future__ import annotations

import hashlib
import http.client
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.support.faultproxy import (
    DELAY,
    DROP_REQUEST,
    DROP_RESPONSE,
    FAULT_KINDS,
    PASS,
    TRUNCATE,
    FaultProxy,
    cut_point,
    request_cut_point,
)

BODY = bytes(range(256)) * 64  # 16 KiB, enough for the response to span several reads


class EchoServer(ThreadingHTTPServer):
    """POST answers with BODY + the request body; ``handled`` counts requests fully read,
    ``cut`` lists the body bytes of requests whose body ended short (a dropped request)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.handled = 0
        self.cut: list[int] = []
        self.lock = threading.Condition()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the resets are the point of these tests; no tracebacks for them


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so bursts on one connection are exercised
    server: EchoServer

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = b""
        try:
            while len(body) < length and (more := self.rfile.read1(length - len(body))):
                body += more
        except OSError:
            pass  # reset by the peer
        with self.server.lock:
            if len(body) < length:
                self.server.cut.append(len(body))
                self.server.lock.notify_all()
                self.close_connection = True
                return
            self.server.handled += 1
            self.server.lock.notify_all()
        reply = BODY + body
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(reply)))
        self.send_header("X-Sha256", hashlib.sha256(body).hexdigest())
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def server() -> Iterator[EchoServer]:
    srv = EchoServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def post(url: str, payload: bytes, session: requests.Session | None = None) -> bytes:
    response = (session or requests).post(f"{url}/echo", data=payload, timeout=10)
    response.raise_for_status()
    return response.content


def wait_for_handled(server: EchoServer, at_least: int) -> int:
    """The server may finish its handler a moment after the client saw the failure
    (30 s only keeps a broken proxy from hanging the run)."""
    with server.lock:
        server.lock.wait_for(lambda: server.handled >= at_least, timeout=30)
        return server.handled


def test_no_faults_pass_bytes_unchanged_over_keep_alive(server: EchoServer) -> None:
    # Given a proxy that never injects
    with FaultProxy(server.port, fault_rate=0.0, seed=1) as proxy, requests.Session() as s:
        # When several requests, one of 1 MiB, go through one keep-alive session
        payloads = [b"", b"halo", bytes(range(256)) * 4096, b"x" * 70_000]
        replies = [post(proxy.url, p, s) for p in payloads]
        counts = proxy.counts
    # Then every byte comes back as the server sent it, and each burst counts as a pass
    assert replies == [BODY + p for p in payloads]
    assert server.handled == len(payloads)
    assert counts == {PASS: 4, **dict.fromkeys(FAULT_KINDS, 0)}


def test_a_dropped_request_is_cut_inside_its_body(server: EchoServer) -> None:
    with FaultProxy(server.port, fault_rate=1.0, seed=1, kinds=[DROP_REQUEST]) as proxy:
        with pytest.raises(requests.ConnectionError):
            post(proxy.url, b"m" * 50_000)
        assert proxy.counts[DROP_REQUEST] == 1
    with server.lock:  # the handler read the whole head, then a body that stopped short
        assert server.lock.wait_for(lambda: server.cut, timeout=30)
        assert server.cut == [25_000] and server.handled == 0


def test_a_dropped_request_without_a_body_is_cut_inside_its_head(server: EchoServer) -> None:
    with (
        FaultProxy(server.port, fault_rate=1.0, seed=1, kinds=[DROP_REQUEST]) as proxy,
        pytest.raises(requests.ConnectionError),
    ):
        requests.get(f"{proxy.url}/echo", timeout=10)
    assert server.handled == 0 and server.cut == []


def test_drop_mid_response_after_the_server_processed_it(server: EchoServer) -> None:
    with FaultProxy(server.port, fault_rate=1.0, seed=1, kinds=[DROP_RESPONSE]) as proxy:
        with pytest.raises(requests.RequestException):
            post(proxy.url, b"m" * 5000)
        assert proxy.counts[DROP_RESPONSE] == 1
    # The request was whole, so the server applied it: a retry must be idempotent.
    assert wait_for_handled(server, 1) == 1


def test_drop_mid_response_is_a_reset_for_a_raw_client(server: EchoServer) -> None:
    with FaultProxy(server.port, fault_rate=1.0, seed=1, kinds=[DROP_RESPONSE]) as proxy:
        conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
        conn.request("POST", "/echo", body=b"m" * 100)
        with pytest.raises((ConnectionError, http.client.HTTPException)):
            conn.getresponse().read()
        conn.close()


def test_truncated_response_is_an_incomplete_read(server: EchoServer) -> None:
    with FaultProxy(server.port, fault_rate=1.0, seed=1, kinds=[TRUNCATE]) as proxy:
        conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
        conn.request("POST", "/echo", body=b"m" * 100)
        response = conn.getresponse()
        # The status line and headers arrived intact; the body stops short with a FIN.
        assert response.status == 200
        with pytest.raises(http.client.IncompleteRead) as info:
            response.read()
        assert 0 < len(info.value.partial) < len(BODY) + 100
        conn.close()
        with pytest.raises(requests.RequestException):
            post(proxy.url, b"m" * 100)
        assert proxy.counts[TRUNCATE] == 2
    assert wait_for_handled(server, 2) == 2


def test_delay_slows_each_burst_but_delivers_it(server: EchoServer) -> None:
    with (
        FaultProxy(server.port, 1.0, seed=1, kinds=[DELAY], delay_ms=(150, 200)) as proxy,
        requests.Session() as s,
    ):
        started = time.monotonic()
        replies = [post(proxy.url, b"%d" % i, s) for i in range(3)]
        elapsed = time.monotonic() - started
        counts = proxy.counts
    assert replies == [BODY + b"%d" % i for i in range(3)]
    # One keep-alive connection, three bursts: each drew (and paid) its own fault.
    assert counts[DELAY] == 3
    assert elapsed >= 3 * 0.150


def test_faults_are_drawn_per_burst_and_repeat_with_the_seed(server: EchoServer) -> None:
    def run() -> tuple[list[str], dict[str, int]]:
        outcomes = []
        with FaultProxy(server.port, fault_rate=0.5, seed=7) as proxy, requests.Session() as s:
            for i in range(20):
                try:
                    outcomes.append("ok" if post(proxy.url, b"%d" % i, s) else "empty")
                except requests.RequestException:
                    outcomes.append("failed")
            return outcomes, proxy.counts

    first, counts = run()
    second, again = run()
    assert sum(counts.values()) == 20
    assert counts[PASS] not in (0, 20)
    assert (first, counts) == (second, again)


def test_dead_target_and_exit_with_open_connections_do_not_hang(server: EchoServer) -> None:
    # A held-open idle connection must not keep the proxy from stopping.
    proxy = FaultProxy(server.port, fault_rate=0.0).start()
    idle = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=5)
    idle.connect()
    proxy.stop()  # returns (the run's timeout is the guard against a hang)
    assert proxy._thread is not None and not proxy._thread.is_alive()
    idle.close()
    # A target that refuses connections is a connection error, not a hang.
    server.shutdown()
    server.server_close()
    with FaultProxy(server.port, fault_rate=0.0) as proxy, pytest.raises(requests.ConnectionError):
        post(proxy.url, b"x")


@pytest.mark.parametrize(
    ("response", "complete", "expected"),
    [
        (b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n0123456789", False, 25 + 5),
        (b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n0", False, 25),
        (b"HTTP/1.1 200 OK\r\nA: b\r\n", False, None),
        (b"HTTP/1.1 204 No Content\r\n\r\n", True, 13),
    ],
)
def test_cut_point_lands_in_the_body_when_it_can(
    response: bytes, complete: bool, expected: int | None
) -> None:
    assert cut_point(response, complete) == expected


HEAD = b"POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n"
H = len(HEAD)


@pytest.mark.parametrize(
    ("request_", "complete", "expected"),
    [
        (HEAD + b"0123456789", False, H + 5),  # half the body
        (HEAD + b"01234", False, H + 5),
        (HEAD + b"0123", False, None),  # wait for half the body
        (HEAD + b"0123", True, H + 3),  # the client stopped: cut in what came
        (HEAD, True, H),
        (b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n", False, 14),  # no body: in the head
        (b"POST /x HTTP/1.1\r\nConte", False, None),
        (b"POST /x HTTP/1.1\r\nConte", True, 11),
    ],
)
def test_a_request_is_cut_in_its_body_when_it_has_one(
    request_: bytes, complete: bool, expected: int | None
) -> None:
    assert request_cut_point(request_, complete) == expected
