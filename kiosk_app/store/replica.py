"""The kiosk as a replica: what to push, and applying the server's answer atomically.

``prepare_push`` picks the oldest outbox entries; ``apply_response`` acknowledges them,
records what the server refused or what lost a concurrent edit, merges the pulled
changes field by field (never over a local edit that is still unsent) and advances the
cursor — all in one transaction, so a crash leaves either the old state or the new.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from kiosk_app.domain.hlc import ClockError, Stamp
from kiosk_app.domain.record_ids import uuid7
from kiosk_app.domain.records import ENTITIES
from kiosk_app.protocol.messages import (
    PHOTO_QUALITY,
    SYNC_INTERVAL_S,
    Change,
    Conflict,
    Rejected,
    SyncAnswer,
    kiosk_settings,
)
from kiosk_app.store import outbox
from kiosk_app.store.erasure import erase_merchants
from kiosk_app.store.outbox import OutboxEntry
from kiosk_app.store.pulled import PulledRows
from kiosk_app.store.refusals import refused_count
from kiosk_app.store.settings import Key
from kiosk_app.store.store import Store


@dataclass(frozen=True)
class PushBatch:
    cursor: int
    mutations: list[OutboxEntry]
    blobs: list[str]  # hashes referenced by live photos not yet confirmed on the server
    node: str = ""  # this kiosk's clock node: the server does not echo rows it alone wrote
    more: bool = False  # the outbox may hold more than this batch


@dataclass
class ApplyReport:
    accepted: int = 0
    rejected: int = 0
    changes: int = 0
    conflicts: int = 0
    cursor: int = 0
    missing_blobs: list[str] = field(default_factory=list)
    # Image hashes of erased merchants no photo refers to any more: files to delete.
    freed_blobs: list[str] = field(default_factory=list)


def cursor(store: Store) -> int:
    return int(store.get_setting(Key.CURSOR) or 0)


def unconfirmed_blobs(store: Store, limit: int = 1000) -> list[str]:
    """Blobs our live photos reference that the server has not confirmed holding."""
    rows = store.db.execute(
        """SELECT sha FROM (
               SELECT thumb_sha256 AS sha, 0 AS pass FROM photo WHERE deleted = 0
               UNION SELECT sha256, 1 FROM photo WHERE deleted = 0)
           WHERE sha IS NOT NULL AND sha NOT IN (SELECT sha256 FROM blob_remote)
           GROUP BY sha ORDER BY min(pass), sha LIMIT ?""",
        [limit],
    ).fetchall()
    return [r[0] for r in rows]


# JSON around a mutation's fields on the wire: ids, entity, stamp, op, keys.
WIRE_OVERHEAD = 200


def prepare_push(store: Store, limit: int, max_bytes: int | None = None) -> PushBatch:
    """The next batch: the oldest ``limit`` entries, fewer if their JSON would pass
    ``max_bytes`` (always at least one). Each attempt is counted before it leaves."""
    # One past the limit tells whether more wait, so a backlog of exactly ``limit``
    # entries does not cost an empty request (a round trip) to find out.
    entries = outbox.pending(store.db, limit=limit + 1) if limit > 0 else []
    more = len(entries) > limit
    entries = entries[:limit]
    if max_bytes is not None:
        size = 0
        for n, entry in enumerate(entries):
            size += entry.size + WIRE_OVERHEAD
            if size > max_bytes and n > 0:
                entries, more = entries[:n], True
                break
    if entries:  # the oldest entries in order: a range of seq
        outbox.mark_attempt_range(store.db, entries[0].seq, entries[-1].seq)
    return PushBatch(cursor(store), entries, unconfirmed_blobs(store), store.node_id, more)


def confirm_blobs(store: Store, shas: Iterable[str]) -> None:
    now = store.now()
    with store.db.atomic():
        store.db.conn.executemany(
            "INSERT OR IGNORE INTO blob_remote (sha256, confirmed_at) VALUES (?, ?)",
            [(s, now) for s in shas],
        )


def _record_conflict(
    store: Store,
    entity: str,
    row_id: str,
    name: str,
    kept: tuple[Any, str],
    lost: tuple[Any, str],
    now: str,
) -> None:
    store.db.execute(
        "INSERT INTO conflict (id, entity, row_id, field, kept_value, kept_hlc, lost_value, "
        "lost_hlc, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [uuid7(), entity, row_id, name, json.dumps(kept[0]), kept[1],
         json.dumps(lost[0]), lost[1], now],
    )  # fmt: skip


def _note_server_conflicts(
    store: Store, conflicts: Iterable[Conflict], sent: Mapping[tuple[str, str], Any]
) -> int:
    """Keep the losers of concurrent edits the server reports for our mutations.

    Our value lost to another kiosk's: always a conflict (we never saw the winner, or our
    stamp would be newer); to our own later edit: none. Our value won over another: a
    conflict only when the value we replaced was not the one we had seen (``base``) —
    otherwise it was an ordinary later edit.
    """
    now = store.now()
    count = 0
    node = store.node_id
    for c in conflicts:
        entity, row_id, name = c.entity, c.row_id, c.field
        lost_hlc, won_hlc = c.lost_hlc, c.won_hlc
        try:
            ours_lost = Stamp.parse(lost_hlc).node == node
            ours_won = Stamp.parse(won_hlc).node == node
        except ClockError:
            continue
        if ours_lost and ours_won:
            continue  # our newer edit replaced our own older value: no one else involved
        if not ours_lost:
            base = sent.get((entity, row_id), {}).get(name)
            if base == lost_hlc:
                continue
        _record_conflict(
            store, entity, row_id, name, (c.won_value, won_hlc), (c.lost_value, lost_hlc), now,
        )  # fmt: skip
        count += 1
    return count


def as_answer(response: Mapping[str, Any]) -> SyncAnswer:
    """A sync answer decoded as plain JSON values, typed (``ValueError`` if it is not one)."""
    return msgspec.convert(response, SyncAnswer)


class ResponseMismatchError(ValueError):
    """The server's answer does not account for what was sent: nothing is acknowledged."""


def acknowledged(batch: PushBatch, answer: SyncAnswer) -> tuple[list[str], list[Rejected]]:
    """The ids of sent mutations the server took, and its rejections of sent ones.

    Protocol 1 lists the accepted ids. Protocol 2 only counts them: the server answers
    every mutation of a request (all or nothing), so what was sent and not rejected was
    accepted, and the count must agree, or the answer is not about this batch.
    """
    sent = [e.id for e in batch.mutations]
    known = set(sent)
    given = answer.rejected
    rejected = [r for r in given if r.id in known]
    if answer.accepted is not None:
        return [i for i in answer.accepted if i in known], rejected
    count = answer.accepted_count
    if count is None and not sent:
        return [], rejected
    refused = {r.id for r in rejected}
    accepted = [i for i in sent if i not in refused]
    if count is None or count != len(accepted) or len(rejected) != len(given):
        raise ResponseMismatchError(
            f"server counted {count!r} accepted and {len(given)} rejected of {len(sent)} "
            f"sent; {len(accepted)} sent were not rejected"
        )
    return accepted, rejected


def _outbox_bases(store: Store, batch: PushBatch) -> dict[tuple[str, str], dict[str, str]]:
    """Per row, the stamps of the values our sent edits replaced (``outbox.base``)."""
    found: dict[str, str] = {}
    ids = [e.id for e in batch.mutations]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        query = f"SELECT id, base FROM outbox WHERE id IN ({marks}) AND base IS NOT NULL"
        found.update(store.db.execute(query, chunk).fetchall())
    bases: dict[tuple[str, str], dict[str, str]] = {}
    for entry in batch.mutations:
        if found.get(entry.id):
            bases.setdefault((entry.entity, entry.row_id), {}).update(json.loads(found[entry.id]))
    return bases


def apply_response(
    store: Store, batch: PushBatch, response: SyncAnswer | Mapping[str, Any]
) -> ApplyReport:
    """Apply one ``/v1/sync`` answer (or part of one) in a single transaction; a plain
    mapping is typed first (``ValueError`` if it is not an answer).

    Raises ``ResponseMismatchError`` (changing nothing) when a protocol-2 answer's
    ``accepted_count`` does not match what was sent and not rejected.
    """
    answer = response if isinstance(response, SyncAnswer) else as_answer(response)
    report = ApplyReport()
    sent = {e.id: e for e in batch.mutations}
    accepted, rejected = acknowledged(batch, answer)
    changes, conflicts = answer.changes, answer.conflicts
    now = store.now()
    with store.change():
        report.conflicts = _note_server_conflicts(store, conflicts, _outbox_bases(store, batch))
        store.db.conn.executemany(
            "INSERT OR REPLACE INTO sync_rejection (id, entity, row_id, op, fields, hlc, "
            "code, message, rejected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(e.id, e.entity, e.row_id, e.op, json.dumps(e.fields, ensure_ascii=False),
              e.hlc, r.code, r.message, now)
             for r in rejected for e in (sent[r.id],)],
        )  # fmt: skip
        report.accepted = outbox.acknowledge(store.db, accepted)
        report.rejected = outbox.acknowledge(store.db, [r.id for r in rejected])
        # Read after acknowledging: only what is still unsent is protected from the pull.
        keys = [(c.entity, c.row_id) for c in changes]
        keys += [(c.entity, c.row_id) for c in conflicts]
        rows = PulledRows(store, keys, now)
        erased: list[str] = []
        for change in changes:
            if change.erased:
                erased += [change.row_id] if change.entity == "merchant" else []
            else:
                rows.apply(change)
            report.changes += 1
        # Losers' winners: the pull may not carry the row again, so take the winner here.
        for c in conflicts:
            if c.entity in ENTITIES and rows.holds(c.entity, c.row_id):
                rows.apply(Change(0, c.entity, c.row_id, {c.field: c.won_value},
                                  {c.field: c.won_hlc}))  # fmt: skip
        rows.write()
        # After the other changes: an erasure removes whatever they wrote of the merchant.
        report.freed_blobs = erase_merchants(store, erased)
        missing = set(answer.missing_blobs)
        confirmed = [s for s in batch.blobs if s not in missing]
        store.db.conn.executemany(
            "INSERT OR IGNORE INTO blob_remote (sha256, confirmed_at) VALUES (?, ?)",
            [(s, now) for s in confirmed],
        )
        report.missing_blobs = sorted(missing)
        report.cursor = batch.cursor if answer.cursor is None else answer.cursor
        store.set_setting(Key.CURSOR, str(report.cursor))
        # The newest app version the server knows of: status and doctor tell the technician.
        latest = answer.latest_app_version
        store.set_setting(Key.LATEST_APP_VERSION, str(latest) if latest else None)
        # The deployment's data controller, for the consent text (ui/consent.py).
        store.set_setting(Key.CONTROLLER, answer.controller or None)
        store.set_setting(Key.CONTROLLER_CONTACT, answer.controller_contact or None)
        # The region's settings, pushed by the coordinators; absent ones go back to defaults.
        pushed = kiosk_settings(answer.settings)
        store.settings.set(Key.REMOTE_SYNC_INTERVAL, pushed.get(SYNC_INTERVAL_S))
        store.settings.set(Key.REMOTE_PHOTO_QUALITY, pushed.get(PHOTO_QUALITY))
    return report


def pending_photos(store: Store) -> int:
    """Live photos with an image (full or thumbnail) the server has not confirmed: what
    an operator counts as photos waiting (one photo, not its two files)."""
    row = store.db.execute(
        """SELECT count(*) FROM photo WHERE deleted = 0 AND (
               (sha256 IS NOT NULL AND sha256 NOT IN (SELECT sha256 FROM blob_remote))
            OR (thumb_sha256 IS NOT NULL
                AND thumb_sha256 NOT IN (SELECT sha256 FROM blob_remote)))"""
    ).fetchone()
    return int(row[0])


def pending_summary(store: Store) -> dict[str, int]:
    """Counts for the sync badge and ``kiosk-app status``.

    ``pending_blobs`` counts image files (a photo has two), ``pending_photos`` photos;
    ``rejected`` counts records the server refused (``refusals``), not their mutations.
    """
    db = store.db
    return {
        "pending_changes": outbox.count(db),
        "pending_blobs": len(unconfirmed_blobs(store, limit=100_000)),
        "pending_photos": pending_photos(store),
        "rejected": refused_count(store),
        "open_conflicts": int(
            db.execute("SELECT count(*) FROM conflict WHERE resolved_at IS NULL").fetchone()[0]
        ),
    }
