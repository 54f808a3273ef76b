"""A sync answer applied in parts while it downloads (``ServerClient.sync_parts``).

The server lays its answer out in lines (``kiosk_app.protocol.lines.answer_lines``); the kiosk
applies them in parts (at most 500 changes, ending where a read from the network ends once
they are 64) in their own transaction, with the ``seq`` of the last as its cursor. A cut
between parts keeps what arrived whole, and the next sync goes on from there: nothing
lost, nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from kiosk_app.protocol.lines import answer_lines, answer_parts
from kiosk_app.store import replica
from tests.support import VILLAGE


def batches_of(head: dict, changes: list[dict], tail: dict) -> Iterator[list[bytes]]:
    """What the kiosk reads of a laid-out answer that came in one read from the network."""
    return iter([b"".join(answer_lines(head, changes, tail)).split(b"\n")[:-1]])


def change(seq: int) -> dict:
    return {"seq": seq, "entity": "region", "row_id": f"35.{seq:02d}", "fields": {"name": "x"},
            "hlc": {}}  # fmt: skip


def line(seq: int, last: bool = False) -> bytes:
    return json.dumps(change(seq)).encode() + (b"" if last else b",")


HEAD = {"protocol": 2, "accepted_count": 3, "rejected": [], "conflicts": [],
        "missing_blobs": ["a" * 64], "latest_app_version": None}  # fmt: skip
HEAD_LINE = json.dumps(HEAD, separators=(",", ":")).encode()[:-1] + b',"changes":['


def test_the_laid_out_answer_is_one_json_object_any_client_can_read():
    changes = [change(n) for n in (3, 5, 8)]
    text = b"".join(answer_lines(HEAD, changes, {"cursor": 9, "more": False}))

    assert json.loads(text) == {**HEAD, "changes": changes, "cursor": 9, "more": False}
    assert len(text.splitlines()) == 2 + len(changes)
    assert text.endswith(b"}\n")  # the tail is a whole line: no need to wait for the end


def test_the_head_goes_with_the_first_piece_and_the_tail_with_a_small_last_one():
    # Given a page of 1,000 changes, handed over lazily as pull.Changes does
    changes = [change(n) for n in range(1, 1001)]

    # When the server lays them out
    pieces = list(answer_lines(HEAD, iter(changes), {"cursor": 1000, "more": False}))

    # Then the first bytes go out after a few changes, with the head; pieces grow to 256
    # and shrink again, so the kiosk has little left to apply once the last byte is in
    counts = [piece.count(b'"seq"') for piece in pieces]
    assert pieces[0].startswith(HEAD_LINE) and counts[0] == 32
    assert max(counts) == 256 and counts[-3:] == [128, 64, 32]
    assert pieces[-1].endswith(b'],"cursor":1000,"more":false}\n')
    assert sum(counts) == 1000
    assert json.loads(b"".join(pieces))["changes"] == changes


def test_parts_carry_the_push_once_and_a_cursor_that_covers_exactly_what_they_hold():
    changes = [change(n) for n in (3, 5, 8, 11, 12)]
    parts = list(answer_parts(batches_of(HEAD, changes, {"cursor": 20, "more": True}), 2))

    assert [[c.seq for c in p.changes] for p in parts] == [[3, 5], [8, 11], [12]]
    assert [(p.cursor, p.more) for p in parts] == [(5, True), (11, True), (20, True)]
    assert parts[0].accepted_count == 3
    assert [p.accepted_count for p in parts[1:]] == [0, 0]
    assert all(p.missing_blobs == HEAD["missing_blobs"] for p in parts)


def test_a_part_ends_where_a_read_ends_once_it_holds_enough():
    # Given an answer that came in three reads from the network
    tail = b'],"cursor":9,"more":false}'
    reads = [[HEAD_LINE, line(1), line(2), line(3)], [line(4), line(5)], [line(6, True), tail]]

    # When the kiosk takes parts of at most 10 changes, ending a part after a read once
    # it holds 2, or 4
    by_two = list(answer_parts(iter(reads), 10, least=2))
    by_four = list(answer_parts(iter(reads), 10, least=4))

    # Then the last part holds only what the last read brought, when it can
    assert [[c.seq for c in p.changes] for p in by_two] == [[1, 2, 3], [4, 5], [6]]
    assert [p.cursor for p in by_two] == [3, 5, 9]
    assert [[c.seq for c in p.changes] for p in by_four] == [[1, 2, 3, 4, 5], [6]]


def test_the_last_part_comes_with_the_tail_line_before_the_stream_ends():
    def reads() -> Iterator[list[bytes]]:
        yield [HEAD_LINE, line(1, True), b'],"cursor":4,"more":false}']
        raise AssertionError("read on past the tail line")

    parts = list(answer_parts(reads(), 10))

    assert [(p.cursor, len(p.changes)) for p in parts] == [(4, 1)]


def test_an_empty_page_is_one_part_and_a_one_line_answer_too():
    empty = list(answer_parts(batches_of(HEAD, [], {"cursor": 4, "more": False}), 2))
    whole = {**HEAD, "changes": [change(1)], "cursor": 1, "more": False}
    old_server = list(answer_parts(iter([[json.dumps(whole).encode()]]), 2))

    assert empty == [replica.as_answer({**HEAD, "changes": [], "cursor": 4, "more": False})]
    assert old_server == [replica.as_answer(whole)]


def test_an_answer_cut_short_yields_its_whole_parts_then_fails():
    (lines,) = batches_of(HEAD, [change(n) for n in range(1, 6)], {"cursor": 9, "more": False})
    cut = iter([lines[:4], [lines[4][:7]]])  # head, three changes; then half of the fourth

    parts = answer_parts(cut, 2)
    assert [c.seq for c in next(parts).changes] == [1, 2]
    with pytest.raises(ValueError):
        next(parts)


class TailCutProxy:
    """Forwards one HTTP exchange, then all of the answer but its last ``keep_back``
    bytes, then resets: the kiosk gets most of the answer (streamed in chunks, or sent
    whole with its length) and a dead connection."""

    def __init__(self, target_port: int, keep_back: int) -> None:
        self.target_port = target_port
        self.keep_back = keep_back
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        client, _ = self.listener.accept()
        with client, socket.create_connection(("127.0.0.1", self.target_port)) as server:
            request = b""
            while b"\r\n\r\n" not in request:
                request += client.recv(65536)
            head, _, body = request.partition(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))  # fmt: skip
            while len(body) < length:
                body += client.recv(65536)
            server.sendall(head + b"\r\n\r\n" + body)
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += server.recv(65536)
            answer_head = answer.partition(b"\r\n\r\n")[0]
            sized = [int(line.split(b":")[1]) for line in answer_head.split(b"\r\n")
                     if line.lower().startswith(b"content-length:")]  # fmt: skip
            if sized:  # sent whole (a small answer: api/sync_asgi.py), with its length
                while len(answer) < len(answer_head) + 4 + sized[0]:
                    answer += server.recv(65536)
            else:  # streamed in chunks
                while not answer.endswith(b"0\r\n\r\n"):
                    answer += server.recv(65536)
            client.sendall(answer[: -self.keep_back])
            linger = struct.pack("ii", 1, 0)  # close with RST: a dead link, not an end
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)

    def close(self) -> None:
        self.listener.close()
        self.thread.join(5)


def test_a_cut_between_parts_keeps_what_arrived_and_the_next_sync_finishes(make_kiosk, server):
    # Given 1,200 products on the server and a fresh kiosk that holds the region list
    a, b = make_kiosk("a"), make_kiosk("b")
    assert a.sync().ok and b.sync().ok
    shop = {"business_name": "Toko Bu Ani", "owner_name": "Ani", "phone": "081234567890",
            "village_code": VILLAGE}  # fmt: skip
    merchant = a.store.create("merchant", shop)
    for n in range(1200):
        a.store.create("product", {"merchant_id": merchant, "name": f"Keripik {n}",
                                   # a code of its own: the answer stays larger than
                                   # one sent whole (api/sync_asgi.WHOLE_ANSWER) once
                                   # compressed, so it streams in parts
                                   "description": "Keripik singkong pedas manis, kode "
                                   + hashlib.sha256(str(n).encode()).hexdigest(),
                                   "price": 5000 + n, "unit": "bungkus"})  # fmt: skip
    assert a.sync().ok
    before = replica.cursor(b.store)

    # When its pull is cut just before the end of the answer
    proxy = TailCutProxy(server.port, keep_back=64)
    try:
        cut = b.sync(proxy.url)
    finally:
        proxy.close()

    # Then the parts that arrived whole are kept, with a cursor that covers them only
    held = b.store.db.execute("SELECT count(*) FROM product").fetchone()[0]
    assert not cut.ok and "Offline" in (cut.error or "")
    assert 500 <= held < 1200
    assert before < replica.cursor(b.store)
    # And the next sync brings exactly the rest, its bytes counted as they came
    # (compressed: protocol 3's columns in zstd are ~40-60 bytes a change here)
    rest = b.sync()
    assert rest.ok
    assert cut.bytes_down > 0 and 10 * (1200 - held) < rest.bytes_down < 200 * (1200 - held)
    assert b.export() == a.export()
    assert b.store.db.execute("SELECT count(*) FROM product").fetchone()[0] == 1200
