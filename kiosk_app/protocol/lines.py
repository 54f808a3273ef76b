"""The sync answer's line layout: its encoder (server) and decoder (kiosk) side by side.

An answer is one JSON object laid out in lines: the head (everything but the changes and
the cursor) and ``"changes":[`` on the first line, one change per line, then the tail
``],"cursor":…,"more":…}``. Any JSON client reads it whole; the server encodes pieces
while the first bytes travel, and the kiosk applies changes as their lines arrive.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
from msgspec.structs import replace

from kiosk_app.protocol.messages import Change, SyncAnswer

# The encoder (server): changes per piece handed to the network.
ANSWER_CHUNK = 256  # changes encoded per piece handed to the network, at most
FIRST_PIECE = 32  # the first piece (with the head): bytes on the link while more encode
LAST_PIECES = (128, 64, 32)  # the end: what the kiosk applies after the last byte is small


def _pieces(changes: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """``changes`` in pieces growing from 32 to 256 and shrinking to 32 at the end: at
    least one piece, empty if there are no changes.

    The link is idle until the first compressed bytes leave; the kiosk applies a piece
    while the next, half its size, is on the link, so what it applies after the last
    byte arrives is only the last few changes."""
    held = sum(LAST_PIECES)  # held back: they may be the end
    size, piece = FIRST_PIECE, []
    for change in changes:
        piece.append(change)
        if len(piece) == size + held:
            yield piece[:size]
            piece, size = piece[size:], min(2 * size, ANSWER_CHUNK)
    ends = []
    for n in reversed(LAST_PIECES):
        if len(piece) > n:
            ends.append(piece[-n:])
            piece = piece[:-n]
    if piece or not ends:
        yield piece
    yield from reversed(ends)


def answer_lines(
    head: dict[str, Any], changes: Iterable[dict[str, Any]], tail: dict[str, Any]
) -> Iterator[bytes]:
    """The answer as one JSON object laid out in lines:
    the head and ``"changes":[`` on the first line, one change per line, then the tail
    (``],"cursor":…,"more":…}``, ended by a newline so the kiosk need not wait for the
    end of the stream to read it). Any JSON client reads it whole; the kiosk applies
    changes as their lines arrive, and the server encodes while the first bytes travel.

    Encoded here rather than through the answer's type: thousands of changes would each
    be built into a struct first. The shapes are ``SyncAnswer``'s and ``Change``'s
    (tests/server/test_server_openapi.py checks them). ``changes`` may be
    lazy (``pull.Changes``): each piece is built as it is encoded. The head goes with the
    first piece and the tail with the last, so neither is a lone packet on the link."""
    dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
    text = dumps(head)[:-1] + ',"changes":[\n'
    pieces = _pieces(changes)
    piece = next(pieces)
    for later in pieces:
        yield (text + "".join(dumps(c) + ",\n" for c in piece)).encode()
        text, piece = "", later
    lines = [dumps(c) for c in piece]
    yield (
        text + ",\n".join(lines) + ("\n" if lines else "") + "]," + dumps(tail)[1:] + "\n"
    ).encode()


# -- The decoder (kiosk) ----------------------------------------------------------------


class _Tail(msgspec.Struct):
    cursor: int
    more: bool


# A part ends where a read from the network ends once it holds ``PART_LEAST`` changes,
# so the last part, applied after the last byte, is small.
PART_LEAST = 64
HEAD_END = b'"changes":['


_HEAD = msgspec.json.Decoder(SyncAnswer)
_CHANGE = msgspec.json.Decoder(Change)
_TAIL = msgspec.json.Decoder(_Tail)


def answer_parts(
    batches: Iterator[list[bytes]], chunk: int, least: int = PART_LEAST
) -> Iterator[SyncAnswer]:
    """Parts of an answer from its lines (see ``answer_lines``), typed as they are read:
    a part ends at ``chunk`` changes, at the end of a batch holding ``least`` or more,
    and at the tail line (the last part: the generator returns without reading on).
    ``ValueError`` (``msgspec.DecodeError``) for a line that is not the layout's."""
    lines = marked_lines(batches)
    first = next((line for line in lines if line is not None), b"")
    if not first.endswith(HEAD_END):  # one line, or a layout we do not know
        rest = [line for line in lines if line is not None]
        yield _HEAD.decode(b"\n".join([first, *rest]))
        return
    head = _HEAD.decode(first + b"]}")
    # What parts after the first say of the push: nothing more.
    later = replace(head, accepted=None if head.accepted is None else [], accepted_count=0,
                    rejected=[], conflicts=[])  # fmt: skip
    current = head
    changes: list[Change] = []
    for line in lines:
        if line is None:  # a read from the network ended
            if len(changes) < least:
                continue
        elif line.startswith(b"]"):
            tail = _TAIL.decode(b"{" + line[2:])
            yield replace(current, changes=changes, cursor=tail.cursor, more=tail.more)
            return
        else:
            changes.append(_CHANGE.decode(line.rstrip(b",")))
            if len(changes) < chunk:
                continue
        yield replace(current, changes=changes, cursor=changes[-1].seq, more=True)
        current, changes = later, []
    raise ValueError("the answer ended before its last line")


def marked_lines(batches: Iterator[list[bytes]]) -> Iterator[bytes | None]:
    """The lines of ``batches``, with ``None`` where each batch ends."""
    for batch in batches:
        yield from batch
        yield None
