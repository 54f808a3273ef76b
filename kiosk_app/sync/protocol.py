"""The sync wire protocol shared by the kiosk and the central server (DESIGN §5).

Pure Python, no I/O: the server imports this module and nothing else of ``sync``.

Request  ``POST /v1/sync`` (gzip body allowed)::

    {"protocol": 2, "cursor": 0, "limit": 5000, "node": "a1b2c3d4e5f6",
     "mutations": [{"id", "entity", "row_id", "hlc", "op", "fields"}], "blobs": [sha256...]}

Response::

    {"protocol": 2, "accepted_count": 3, "rejected": [{"id", "code", "message"}],
     "changes": [{"seq", "entity", "row_id", "fields", "hlc"}], "cursor": 123,
     "more": false, "missing_blobs": [sha256...], "conflicts": [...]}

The server answers every mutation of a request in one transaction (all or nothing): each
is accepted or listed in ``rejected``. So since protocol 2 it does not echo the accepted
ids (4,000 of them were 60 KiB of gzip on a 1 Mbit/s link) but counts them; the client
takes "sent and not rejected" as accepted and, when the count disagrees, acknowledges
nothing and treats the answer as an error. A protocol-1 client (``"protocol": 1``) still
gets ``"accepted": [mutation ids]``; the server keeps accepting protocol 1.

A mutation's ``op`` is ``upsert`` (``fields`` maps field -> value, all stamped with
``hlc``), ``delete`` (sets the tombstone field ``deleted`` to 1 at ``hlc``) or ``stock``
(``fields == {"stock": delta}``, an additive move applied exactly once). Pulled
``changes`` carry, for one row, the current value and stamp of each field that changed;
for a product, ``fields["stock"]`` is the server's total of all stock moves.

A request carries at most ``MAX_MUTATIONS_PER_REQUEST`` mutations; the kiosk sizes its
batches below that from the measured link. A response carries at most
``MAX_CHANGES_PER_RESPONSE`` changes (``more`` says whether others wait), so a fresh
kiosk in a region of a few thousand products pulls them in one request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk_app.domain.hlc import is_stamp
from kiosk_app.domain.ids import is_uuid
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD

PROTOCOL_VERSION = 2
# Oldest client protocol the current server still accepts.
MIN_PROTOCOL_VERSION = 1
# The first version whose answers count the accepted mutations instead of listing them.
COUNTED_ACCEPTS_VERSION = 2
OPS = ("upsert", "delete", "stock")
# 5,000 typical mutations are ~200 KiB of gzip, ~6 s up at 256 kbit/s; the kiosk sends
# fewer when its link is slower or its mutations larger (see ``sync.engine``).
MAX_MUTATIONS_PER_REQUEST = 5000
MAX_CHANGES_PER_RESPONSE = 5000
MAX_STOCK_DELTA = 1_000_000_000


class ProtocolError(ValueError):
    """A request or response does not follow the protocol."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# Rejection codes the server may give a single mutation (the rest of a batch applies).
REJECT_INVALID = "invalid"  # malformed mutation or field values fail validation
REJECT_OUT_OF_SCOPE = "out_of_scope"  # row lies outside the device's region
REJECT_UNKNOWN_PARENT = "unknown_parent"  # product/photo whose parent the server lacks
# Whole-request error codes (HTTP 4xx body ``{"detail": {"code", "message"}}``).
ERR_PROTOCOL_TOO_OLD = "protocol_too_old"
ERR_TOKEN_REVOKED = "token_revoked"
ERR_TOKEN_INVALID = "token_invalid"


@dataclass(frozen=True)
class Mutation:
    id: str
    entity: str
    row_id: str
    hlc: str
    op: str
    fields: dict[str, Any] = field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "entity": self.entity,
            "row_id": self.row_id,
            "hlc": self.hlc,
            "op": self.op,
            "fields": self.fields,
        }


def parse_mutation(raw: object) -> Mutation:
    """Check a mutation's shape (not its field values: that is the domain's job)."""
    if not isinstance(raw, dict):
        raise ProtocolError(REJECT_INVALID, "mutation must be an object")
    mid, entity, row_id = raw.get("id"), raw.get("entity"), raw.get("row_id")
    hlc, op, fields = raw.get("hlc"), raw.get("op"), raw.get("fields", {})
    if not is_uuid(mid):
        raise ProtocolError(REJECT_INVALID, "mutation id must be a UUID")
    if entity not in ENTITIES:
        raise ProtocolError(REJECT_INVALID, f"unknown entity {entity!r}")
    if not is_uuid(row_id):
        raise ProtocolError(REJECT_INVALID, "row_id must be a UUID")
    if not is_stamp(hlc):
        raise ProtocolError(REJECT_INVALID, "hlc must be a clock stamp")
    if op not in OPS:
        raise ProtocolError(REJECT_INVALID, f"unknown op {op!r}")
    if not isinstance(fields, dict):
        raise ProtocolError(REJECT_INVALID, "fields must be an object")
    spec = ENTITIES[str(entity)]
    if op == "stock":
        delta = fields.get(STOCK_FIELD)
        if entity != "product" or set(fields) != {STOCK_FIELD}:
            raise ProtocolError(REJECT_INVALID, "stock moves are {'stock': delta} on products")
        if not isinstance(delta, int) or isinstance(delta, bool) or abs(delta) > MAX_STOCK_DELTA:
            raise ProtocolError(REJECT_INVALID, "stock delta must be a whole number")
    elif op == "delete":
        fields = {"deleted": 1}
    else:
        unknown = set(fields) - set(spec.fields)
        if unknown:
            raise ProtocolError(REJECT_INVALID, f"unknown fields: {', '.join(sorted(unknown))}")
    return Mutation(str(mid), str(entity), str(row_id), str(hlc), str(op), dict(fields))


def check_protocol_version(version: object) -> int:
    """The client's protocol version, if this side speaks it (JSON's 2.0 is 2)."""
    if isinstance(version, float) and version.is_integer():
        version = int(version)
    if not isinstance(version, int) or version < MIN_PROTOCOL_VERSION:
        raise ProtocolError(
            ERR_PROTOCOL_TOO_OLD,
            "Versi aplikasi kios terlalu lama; minta teknisi memperbarui aplikasi. "
            "(Kiosk app protocol too old: ask a technician to update the app.)",
        )
    if version > PROTOCOL_VERSION:
        raise ProtocolError(
            ERR_PROTOCOL_TOO_OLD,
            f"Server only speaks protocol {PROTOCOL_VERSION}; update the server.",
        )
    return version
