"""Apply a device's pushed mutations (DESIGN §5), without HTTP; pairs with ``pull``.

A push is one transaction. Each mutation is applied at most once: its id is recorded
with its outcome, and a mutation sent again is answered from that record. The batch
reads the rows it names in a few queries (``cache``), runs each mutation through the
rules (``rules``: scope, validation, merge) on that working copy, and hands the result
to its database's writer (``writer``), which numbers the touched rows from the change
sequence last, so sequence order equals commit order and a reader walking
``seq > cursor`` never skips a row that commits later (see ``pull``).

On PostgreSQL, rows are read ``FOR UPDATE`` (the clock map is read, merged and written
back), a device's own pushes are serialised by an advisory lock (a retried request may
overlap its first try), and a deadlock between two devices' batches is retried whole.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from kiosk_app.domain.record_ids import is_uuid
from kiosk_app.protocol.messages import REJECT_INVALID, Mutation, ProtocolError, parse_mutation
from kiosk_server import blobstore
from kiosk_server.db import RECORD_TABLES, applied_mutation, one_of
from kiosk_server.devices import now_iso
from kiosk_server.driver_reads import pg_transaction
from kiosk_server.push.cache import (
    Batch,
    DeviceScope,
    PushResult,
    RowCache,
    ignore_rows,
    postgres_reads,
    prefetch,
)
from kiosk_server.push.rules import (
    TRANSIENT_REJECTIONS,
    Rejection,
    apply_mutation,
    printable,
    text_problem,
)
from kiosk_server.push.writer import writer_for

__all__ = ["DeviceScope", "PushResult", "push"]

log = logging.getLogger(__name__)
PUSH_ATTEMPTS = 5
# SQLSTATEs worth retrying a whole push for: deadlock, serialization failure.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})


def _push_once(
    engine: Engine,
    scope: DeviceScope,
    raw_mutations: Sequence[Mutation],
    server_ms: int,
    then: Sequence[tuple[str, dict[str, Any]]],
) -> PushResult:
    if engine.dialect.name == "postgresql":
        # BEGIN, the lock and every read in one round trip; the write, COMMIT and ``then``
        # in one
        with engine.connect() as raw, pg_transaction(raw) as conn:
            b = Batch(scope, now_iso(), server_ms, RowCache(conn), then=then)
            postgres_reads(b, raw_mutations, _lock_and_seen(b, raw_mutations))
            _apply(b, raw_mutations)
        return b.result
    with engine.begin() as conn:
        b = Batch(scope, now_iso(), server_ms, RowCache(conn))
        _read_seen(conn, b, raw_mutations)
        _apply(b, raw_mutations)
    return b.result


def _apply(b: Batch, raw_mutations: Sequence[Mutation]) -> None:
    """The batch's mutations, in order, on its rows; then its photos' grants and its writes."""
    prefetch(b, raw_mutations)
    for raw in raw_mutations:
        _push_one(b, raw)
    _grant_photos(b)
    writer_for(b).write(b)


def _grant_photos(b: Batch) -> None:
    """Grant the places of the photos this batch wrote their blobs, where the device is
    entitled to them (``blobstore``): two reads and an insert, only for batches that
    touch photos."""
    ids = sorted(row_id for entity, row_id in b.touched if entity == "photo")
    if not ids:
        return
    cache = b.rows.rows["photo"]
    rows = [cache.get(i) for i in ids]
    unread = [i for i, row in zip(ids, rows, strict=True) if row is None]
    if unread:  # moved with their product in the database itself (``_rescope_children``)
        table = RECORD_TABLES["photo"]
        query = select(table.c.sha256, table.c.thumb_sha256, table.c.scope_code).where(
            table.c.id.in_(unread)
        )
        rows += [dict(r._mapping) for r in b.rows.conn.execute(query)]
    pairs = {
        (str(row[key]), str(row["scope_code"]))
        for row in rows
        if row is not None
        for key in ("sha256", "thumb_sha256")
        if row.get(key)
    }
    device = {"id": b.scope.device_id, "region": b.scope.region}
    allowed = blobstore.entitled(b.rows.conn, {sha for sha, _ in pairs}, device)
    blobstore.grant(b.rows.conn, [(sha, place) for sha, place in pairs if sha in allowed])


# PostgreSQL: a device's pushes one at a time (a retried request may overlap its first
# try), on psycopg itself as the reads below (``driver_reads``).
_DEVICE_LOCK = "SELECT pg_advisory_xact_lock(1, hashtext(%(d)s))"
# PostgreSQL: the same read on psycopg itself (``driver_reads``).
_SEEN_PG = (
    "SELECT id, status, message FROM applied_mutation WHERE id = ANY(CAST(%(ids)s AS text[]))"
)


def _seen_ids(raw_mutations: Sequence[Mutation]) -> list[str]:
    return sorted({r.id for r in raw_mutations if is_uuid(r.id)})


def _lock_and_seen(b: Batch, raw_mutations: Sequence[Mutation]) -> list[Any]:
    """PostgreSQL: the device's lock, then the outcomes of the mutation ids it sent before
    (statements for ``cache.postgres_reads``, each with what takes its rows)."""

    def seen(rows: list[tuple[Any, ...]]) -> None:
        for row_id, status, message in rows:
            b.seen[row_id] = (status, message)

    ids = _seen_ids(raw_mutations)
    statements: list[Any] = [(_DEVICE_LOCK, {"d": b.scope.device_id}, ignore_rows)]
    statements += [(_SEEN_PG, {"ids": ids[i : i + 500]}, seen) for i in range(0, len(ids), 500)]
    return statements


def _read_seen(conn: Connection, b: Batch, raw_mutations: Sequence[Mutation]) -> None:
    """SQLite: the outcomes of the mutation ids sent before."""
    ids = _seen_ids(raw_mutations)
    for start in range(0, len(ids), 500):
        query = select(
            applied_mutation.c.id, applied_mutation.c.status, applied_mutation.c.message
        ).where(one_of(applied_mutation.c.id, ids[start : start + 500], postgres=b.rows.postgres))
        for row in conn.execute(query):
            b.seen[row.id] = (row.status, row.message)


def _push_one(b: Batch, raw: Mutation) -> None:
    result = b.result
    mutation_id = raw.id
    try:
        if (problem := text_problem(raw.to_wire())) is not None:
            raise ProtocolError(REJECT_INVALID, problem)
        m = parse_mutation(raw)
    except ProtocolError as exc:
        rejection = {"id": printable(mutation_id), "code": exc.code, "message": str(exc)}
        result.rejected.append(rejection)
        return
    seen = b.seen.get(m.id)
    if seen is not None:  # sent before: report the same outcome, change nothing
        if seen[0] == "accepted":
            result.accepted.append(m.id)
        else:
            result.rejected.append({"id": m.id, "code": seen[0], "message": seen[1] or ""})
        return
    b.wrote = False
    try:
        apply_mutation(b, m)
        status, message = "accepted", None
    except Rejection as exc:
        if b.wrote:  # a bug: refuse the whole request rather than keep half a mutation
            raise RuntimeError(f"mutation {m.id} rejected after it began writing") from exc
        status, message = exc.code, exc.message
    if status not in TRANSIENT_REJECTIONS:
        b.seen[m.id] = (status, message)
        b.outcomes.append(
            {
                "id": m.id,
                "device_id": b.scope.device_id,
                "status": status,
                "message": message,
                "applied_at": b.now,
            }
        )
    if status == "accepted":
        result.accepted.append(m.id)
    else:
        result.rejected.append({"id": m.id, "code": status, "message": message or ""})


def _retryable(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True  # a concurrent first insert of the same row or mutation id
    return getattr(exc.orig, "sqlstate", None) in RETRY_SQLSTATES


def push(
    engine: Engine,
    scope: DeviceScope,
    raw_mutations: Sequence[Mutation],
    server_ms: int,
    then: Sequence[tuple[str, dict[str, Any]]] = (),
) -> PushResult:
    """Apply a batch in order (typed: ``messages.decode_request`` checked the document);
    a mutation whose values are bad is rejected, the rest still apply.

    ``then`` (PostgreSQL): reads to send after the commit, with the write, in one round
    trip (the sync's pull); their rows come back in ``then_rows``, unless the batch
    wrote no row (all sent before, or all rejected), when they are not sent."""
    if not raw_mutations:
        return PushResult()
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        try:
            return _push_once(engine, scope, raw_mutations, server_ms, then)
        except DBAPIError as exc:
            if attempt == PUSH_ATTEMPTS or not _retryable(exc):
                raise
            log.info("push retried after %s", type(exc.orig).__name__)
    raise AssertionError("unreachable")
