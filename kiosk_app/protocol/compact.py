"""Protocol 3's bodies: a request's mutations and an answer's changes laid out by column.

Everything else of a message is the same JSON as protocol 2 (whatever keys it carries),
so a field added to a request or an answer's head travels in both versions unchanged.

Request: the protocol-2 object whose ``mutations`` is ``columns.pack`` of them, each
without its ``id`` when that is the id its content makes (``ids.content_id``):
the server derives it again.

Answer, one JSON object a line (msgspec never writes a raw newline inside one): the head
(the push's outcomes, ``missing_blobs``, ...), then ``{"changes": <columns>}`` lines of
32 to 256 changes (``lines`` schedules the pieces), then the tail (``cursor``, ``more``)
ended by a newline. Compressed as a whole stream (``encoding``), flushed after each
piece, so the kiosk decompresses and applies a piece while the next is on the link.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import msgspec
from msgspec.structs import replace

from kiosk_app.protocol import columns
from kiosk_app.protocol.ids import content_id
from kiosk_app.protocol.lines import _pieces, marked_lines
from kiosk_app.protocol.messages import Change, SyncAnswer

COMPACT_VERSION = 3  # the first protocol with these bodies
COMPACT_MEDIA_TYPE = "application/x-ndjson"  # the answer: one JSON object a line
CHANGES = "changes"
MUTATIONS = "mutations"
_MUTATION_KEYS = ("entity", "row_id", "hlc", "op", "fields")
_json = msgspec.json.Encoder()


def _derived(m: Mapping[str, Any]) -> str | None:
    try:
        return content_id(*(m[k] for k in _MUTATION_KEYS))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def encode_request(payload: Mapping[str, Any]) -> bytes:
    """A protocol-3 request body (before compression) from its protocol-2 shape."""
    body = dict(payload)
    mutations = []
    for m in payload.get(MUTATIONS, []):
        row = dict(m)
        if row.get("id") is not None and row["id"] == _derived(row):
            del row["id"]
        mutations.append(row)
    body[MUTATIONS] = columns.pack(mutations)
    return _json.encode(body)


def expand_request(payload: Any) -> Any:
    """A decoded protocol-3 request in protocol 2's shape (mutations as objects, each
    with its id); anything else as it is. ``ValueError`` for a bad column layout."""
    if not isinstance(payload, dict) or not isinstance(payload.get(MUTATIONS), dict):
        return payload
    rows = columns.unpack(payload[MUTATIONS])
    for row in rows:
        if "id" not in row:
            row["id"] = _derived(row)
    return {**payload, MUTATIONS: rows}


# -- the answer ---------------------------------------------------------------------------


def answer_lines(
    head: Mapping[str, Any], changes: Iterable[dict[str, Any]], tail: Mapping[str, Any]
) -> Iterator[bytes]:
    """The answer's pieces (head with the first, tail with the last), each whole lines."""
    text = _json.encode(head) + b"\n"
    for piece in _pieces(changes):
        if piece:
            text += _json.encode({CHANGES: columns.pack(piece)}) + b"\n"
        yield text
        text = b""
    yield _json.encode(tail) + b"\n"


class _Tail(msgspec.Struct):
    cursor: int
    more: bool


_HEAD = msgspec.json.Decoder(SyncAnswer)
_TAIL = msgspec.json.Decoder(_Tail)
_BLOCK_START = b'{"' + CHANGES.encode() + b'":'


def answer_parts(batches: Iterator[list[bytes]], chunk: int, least: int) -> Iterator[SyncAnswer]:
    """Parts of a protocol-3 answer from its lines, typed as they are read: a part ends
    once it holds ``chunk`` changes, at the end of a read from the network holding
    ``least`` or more, and at the tail (the last part). ``ValueError`` for a line that
    is not the layout's, or an answer that ends before its tail."""
    lines = marked_lines(batches)
    first = next((line for line in lines if line is not None), None)
    if first is None:
        raise ValueError("the answer was empty")
    head = _HEAD.decode(first)
    later = replace(head, accepted=None if head.accepted is None else [], accepted_count=0,
                    rejected=[], conflicts=[])  # fmt: skip
    current, changes = head, list[Change]()
    for line in lines:
        if line is None:  # a read from the network ended
            if len(changes) < max(least, 1):
                continue
            cut = len(changes)
        elif line.startswith(_BLOCK_START):
            block = msgspec.json.decode(line)[CHANGES]
            changes += msgspec.convert(columns.unpack(block), list[Change])
            if len(changes) < chunk:
                continue
            cut = chunk
        else:
            tail = _TAIL.decode(line)
            while len(changes) > chunk:  # a block may hold more than a part
                yield replace(current, changes=changes[:chunk], cursor=changes[chunk - 1].seq,
                              more=True)  # fmt: skip
                current, changes = later, changes[chunk:]
            yield replace(current, changes=changes, cursor=tail.cursor, more=tail.more)
            return
        while len(changes) >= cut and changes:
            yield replace(current, changes=changes[:cut], cursor=changes[cut - 1].seq, more=True)
            current, changes = later, changes[cut:]
            cut = chunk
    raise ValueError("the answer ended before its last line")
