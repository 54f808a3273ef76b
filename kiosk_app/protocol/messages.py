"""The sync messages shared by the kiosk and the central server (DESIGN §5).

Pure Python, no I/O of its own: the server imports this package and the domain only.

Request  ``POST /v1/sync`` (gzip body allowed)::

    {"protocol": 2, "cursor": 0, "limit": 5000, "node": "a1b2c3d4e5f6",
     "mutations": [{"id", "entity", "row_id", "hlc", "op", "fields"}], "blobs": [sha256...],
     "telemetry": {"sent_at", "pending_changes", "pending_photos", ...}}  (optional)

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

Protocol 3 carries the same messages with ``mutations`` and ``changes`` laid out by
column and compressed with zstd (``compact``, ``columns``, ``encoding``); the server
decodes a protocol-3 request into these types, so everything past the wire is shared.

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

from typing import Annotated, Any

import msgspec
from msgspec import Meta

from kiosk_app.domain.hlc import is_stamp
from kiosk_app.domain.i18n import one_line
from kiosk_app.domain.record_ids import is_uuid
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD

PROTOCOL_VERSION = 3
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
REJECT_ERASED = "erased"  # the merchant was erased on request (UU PDP): nothing comes back
# Whole-request error codes (HTTP 4xx body ``{"detail": {"code", "message"}}``).
ERR_PROTOCOL_TOO_OLD = "protocol_too_old"
ERR_TOKEN_REVOKED = "token_revoked"
ERR_TOKEN_INVALID = "token_invalid"
# 503 with Retry-After: the server is at its limit and did nothing; send it again later.
ERR_SERVER_BUSY = "server_busy"


class Mutation(msgspec.Struct, frozen=True):
    """One write, as it goes over the network (and in a USB bundle's manifest). The
    types are checked on decoding; the values by ``parse_mutation``, one mutation at a
    time, so a bad one is rejected alone and the rest of the batch applies."""

    id: Annotated[str, Meta(description="UUID (lowercase): the idempotency key")]
    entity: Annotated[str, Meta(description="merchant, product or photo")]
    row_id: Annotated[str, Meta(description="UUID (lowercase) of the record")]
    hlc: Annotated[str, Meta(description="Hybrid logical clock stamp: 13-digit wall ms-4 hex-node")]
    op: Annotated[str, Meta(description="upsert, delete or stock")]
    fields: Annotated[
        dict[str, Any],
        Meta(description="Field values (upsert), {} (delete) or {'stock': delta} (stock)"),
    ] = {}

    def alone(self) -> Mutation:
        """This mutation without what a subclass adds (the outbox's own fields)."""
        if type(self) is Mutation:
            return self
        return Mutation(self.id, self.entity, self.row_id, self.hlc, self.op, self.fields)

    def to_wire(self) -> dict[str, Any]:
        """The mutation as a JSON object (what ``msgspec.json.encode`` writes of it)."""
        return {"id": self.id, "entity": self.entity, "row_id": self.row_id, "hlc": self.hlc,
                "op": self.op, "fields": self.fields}  # fmt: skip


class Telemetry(msgspec.Struct, frozen=True, omit_defaults=True):
    """A kiosk's small report about itself, sent with every sync request (optional: an
    older kiosk sends none, an older server ignores it), for the programme's fleet page.
    Counts are what waits after this request's mutations; the link figures come from the
    kiosk's own sync log."""

    sent_at: Annotated[
        int, Meta(ge=0, le=10**14, description="Kiosk wall clock (ms) as it sent: skew")
    ]
    pending_changes: Annotated[
        int, Meta(ge=0, le=10**9, description="Outbox entries after this batch")
    ] = 0
    pending_photos: Annotated[int, Meta(ge=0, le=10**9, description="Photos not yet uploaded")] = 0
    last_error: Annotated[str, Meta(max_length=300)] | None = None
    last_error_at: Annotated[str, Meta(max_length=40)] | None = None
    sync_median_ms: (
        Annotated[
            int,
            Meta(ge=0, le=10**9, description="Median duration of recent syncs that went through"),
        ]
        | None
    ) = None
    bytes_per_day: (
        Annotated[
            int, Meta(ge=0, le=2**62, description="Sync traffic, both ways, per day (last 7 days)")
        ]
        | None
    ) = None


MAX_CURSOR = 2**62
DEFAULT_LIMIT = 500  # changes, for a client that does not say (ours ask for a whole page)


class SyncRequest(msgspec.Struct, frozen=True):
    """``POST /v1/sync``'s body. ``protocol`` is checked first (``check_protocol_version``:
    an unsupported one is answered 426, not 422)."""

    protocol: Annotated[
        int,
        Meta(ge=MIN_PROTOCOL_VERSION, le=PROTOCOL_VERSION,
             description=f"Client protocol version (server speaks {PROTOCOL_VERSION}); "
             "others: 426"),
    ]  # fmt: skip
    cursor: Annotated[int, Meta(ge=0, le=MAX_CURSOR, description="Last seq the device holds")] = 0
    limit: (
        Annotated[
            int,
            Meta(
                ge=0,
                le=1_000_000,
                description=f"Changes wanted (default {DEFAULT_LIMIT}; "
                "at most the server's page size)",
            ),
        ]
        | None
    ) = None
    node: (
        Annotated[
            str,
            Meta(
                max_length=64,
                pattern=r"^[0-9A-Za-z._:-]+$",
                description="The kiosk's current clock node: rows it alone wrote are not echoed",
            ),
        ]
        | None
    ) = None
    mutations: Annotated[
        list[Mutation],
        Meta(max_length=MAX_MUTATIONS_PER_REQUEST,
             description=f"At most {MAX_MUTATIONS_PER_REQUEST}, each answered: accepted or "
             "rejected"),
    ] = []  # fmt: skip
    blobs: Annotated[
        list[Annotated[str, Meta(max_length=64)]],
        Meta(max_length=10_000, description="sha256 of photos the kiosk holds"),
    ] = []
    # An object (``Telemetry``'s fields); one that does not fit is ignored, never refused:
    # a report about the kiosk must not cost the kiosk its sync.
    telemetry: (
        Annotated[
            dict[str, Any],
            Meta(description="How the kiosk is doing (Telemetry); ignored when malformed"),
        ]
        | None
    ) = None

    def report(self) -> Telemetry | None:
        """The telemetry block as ``Telemetry``, or None (absent or malformed)."""
        return decode_telemetry(self.telemetry)


class Rejected(msgspec.Struct, frozen=True):
    id: str
    code: str
    message: str


class Change(msgspec.Struct, frozen=True):
    """One pulled row: the current value and stamp of each field that changed.

    ``erased`` (a merchant only, with no fields): the merchant was erased on request;
    the kiosk removes it, its products and photos, and their unsent changes, for good."""

    seq: int
    entity: str
    row_id: str
    fields: dict[str, Any]
    hlc: dict[str, str]
    erased: bool = False


class Conflict(msgspec.Struct, frozen=True):
    entity: str
    row_id: str
    field: str
    lost_hlc: str
    won_hlc: str
    lost_value: Any = None
    won_value: Any = None


class SyncAnswer(msgspec.Struct, frozen=True):
    """``POST /v1/sync``'s answer, laid out in lines (``protocol.lines``), or one part of
    it as the kiosk applies it. The server always sends ``ANSWER_ALWAYS``; the kiosk
    reads what is absent as nothing (no cursor: keep its own)."""

    protocol: Annotated[
        int, Meta(description="The protocol this answer follows: the request's")
    ] = PROTOCOL_VERSION
    accepted_count: (
        Annotated[
            int,
            Meta(
                ge=0,
                description="How many mutations of the request were accepted (sent, not rejected)",
            ),
        ]
        | None
    ) = None
    rejected: list[Rejected] = []
    conflicts: list[Conflict] = []
    changes: list[Change] = []
    cursor: int | None = None
    more: bool = False
    missing_blobs: list[str] = []
    accepted: (
        Annotated[
            list[str],
            Meta(
                description="Protocol 1 only: ids of the accepted mutations. From protocol 2 "
                "on, every mutation sent and not in rejected was accepted (absent then)"
            ),
        ]
        | None
    ) = None
    latest_app_version: Annotated[
        str | None,
        Meta(description="The newest app version announced to this kiosk (staged rollout)"),
    ] = None
    settings: Annotated[
        dict[str, int] | None,
        Meta(description="Settings of the kiosk's region (KIOSK_SETTINGS); absent: defaults"),
    ] = None
    controller: (
        Annotated[str, Meta(description="The data controller the consent text names")] | None
    ) = None
    controller_contact: (
        Annotated[str, Meta(description="Where merchants reach the data controller")] | None
    ) = None


# Settings a coordinator pushes to kiosks through sync, with their bounds (inclusive).
SYNC_INTERVAL_S = "sync_interval_s"  # seconds between syncs when nothing is pending
PHOTO_QUALITY = "photo_quality"  # JPEG quality a full photo starts at (its budget still holds)
KIOSK_SETTINGS: dict[str, tuple[int, int]] = {
    SYNC_INTERVAL_S: (60, 86_400),
    PHOTO_QUALITY: (40, 95),
}


def kiosk_settings(raw: object) -> dict[str, int]:
    """The known settings of an answer's ``settings``, within their bounds (others dropped)."""
    if not isinstance(raw, dict):
        return {}
    out: dict[str, int] = {}
    for key, (low, high) in KIOSK_SETTINGS.items():
        value = raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            out[key] = value
    return out


ANSWER_ALWAYS = ("protocol", "accepted_count", "rejected", "conflicts", "changes", "cursor",
                 "more", "missing_blobs")  # fmt: skip


def decode_request(payload: object) -> SyncRequest:
    """A sync request from its decoded JSON: the protocol version first (426), then the
    document's types and bounds (``ProtocolError`` with ``REJECT_INVALID``: 422). Lax as
    the JSON's numbers go (``2.0`` is 2), strict for strings."""
    if not isinstance(payload, dict):
        raise ProtocolError(REJECT_INVALID, "body must be a JSON object")
    check_protocol_version(payload.get("protocol"))
    try:
        return msgspec.convert(payload, SyncRequest, strict=False)
    except msgspec.ValidationError as exc:
        raise ProtocolError(REJECT_INVALID, str(exc)[:1000]) from exc


def decode_telemetry(raw: object) -> Telemetry | None:
    """A request's telemetry block, or None when it is absent or malformed: a report
    about the kiosk never costs the kiosk its sync."""
    if raw is None:
        return None
    try:
        return msgspec.convert(raw, Telemetry, strict=False)
    except msgspec.ValidationError:
        return None


def parse_mutation(raw: Mutation) -> Mutation:
    """Check a mutation's values as the protocol knows them (ids, entity, stamp, op, the
    field names; not the field values: that is the domain's job)."""
    mid, entity, row_id = raw.id, raw.entity, raw.row_id
    hlc, op, fields = raw.hlc, raw.op, raw.fields
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
    if fields is raw.fields:
        return raw
    return Mutation(mid, entity, row_id, hlc, op, fields)


def check_protocol_version(version: object) -> int:
    """The client's protocol version, if this side speaks it (JSON's 2.0 is 2)."""
    if isinstance(version, float) and version.is_integer():
        version = int(version)
    if not isinstance(version, int) or version < MIN_PROTOCOL_VERSION:
        raise ProtocolError(
            ERR_PROTOCOL_TOO_OLD,
            one_line(
                "This kiosk app's version is too old for the server. "
                "Ask a technician to update the app."
            ),
        )
    if version > PROTOCOL_VERSION:
        raise ProtocolError(
            ERR_PROTOCOL_TOO_OLD,
            f"Server only speaks protocol {PROTOCOL_VERSION}; update the server.",
        )
    return version
