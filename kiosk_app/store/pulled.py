"""Merging a pulled page of changes into the local rows, in a few set-based statements.

A page can hold thousands of changes (a fresh kiosk's first pull). Reading each row, its
unsent outbox entries and writing it back one statement at a time cost ~0.4 ms a change,
so this reads every row the page names and their pending outbox entries in one query
per 500 ids, merges on that working copy, and writes the result back with one
``executemany`` per table and column set (the FTS triggers fire in the same statements).

The rules are the replica's (DESIGN §5.4): each field merges by its clock stamp; a field
with an unsent local edit is never overwritten; a product's stock is the server's total
plus the sum of our unsent stock moves. Call inside the transaction applying the answer.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from typing import Any

from kiosk_app.domain.hlc import ClockError, is_stamp
from kiosk_app.domain.merge import merge_fields
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD, WITHHELD_MARK, withheld_fields
from kiosk_app.domain.regions import parent_of
from kiosk_app.protocol.messages import Change
from kiosk_app.store.store import Store

CHUNK = 500  # ids per IN (...) list: well under SQLite's bound-parameter limit
Key = tuple[str, str]  # (entity, row_id)


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


class PulledRows:
    """A working copy of the rows a page touches: read once, merged, written once."""

    def __init__(self, store: Store, keys: Iterable[Key], now: str) -> None:
        self.store = store
        self.now = now
        by_entity: dict[str, set[str]] = {}
        for entity, row_id in keys:
            if entity in ENTITIES:
                by_entity.setdefault(entity, set()).add(row_id)
        # Rows as stored (``clocks`` parsed), None for rows we do not hold.
        self.rows: dict[Key, dict[str, Any] | None] = {}
        self.pending: dict[Key, tuple[set[str], int]] = {}
        self.new: dict[Key, None] = {}  # rows to insert, in the order they came
        self.changed: dict[Key, dict[str, Any]] = {}  # column -> value, rows to update
        self.regions: dict[str, tuple[Any, Any]] = {}
        self.blobs: list[tuple[str, str]] = []
        self._stamps: set[str] = set()
        for entity, ids in by_entity.items():
            self._read(entity, sorted(ids))

    def _read(self, entity: str, ids: list[str]) -> None:
        db = self.store.db
        for key in ((entity, i) for i in ids):
            self.rows[key] = None
            self.pending[key] = (set(), 0)
        for chunk in _chunks(ids):
            query = f"SELECT * FROM {ENTITIES[entity].table} WHERE id IN ({_marks(len(chunk))})"
            for row in db.query(query, chunk):
                row["clocks"] = json.loads(row["clocks"])
                self.rows[(entity, row["id"])] = row
            pending = db.execute(
                f"SELECT row_id, op, fields FROM outbox WHERE entity = ? "
                f"AND row_id IN ({_marks(len(chunk))})",
                [entity, *chunk],
            )
            for row_id, op, raw in pending:
                names, stock = self.pending[(entity, row_id)]
                fields = json.loads(raw)
                if op == "stock":
                    stock += int(fields[STOCK_FIELD])
                else:
                    names.update(fields)
                self.pending[(entity, row_id)] = (names, stock)

    def holds(self, entity: str, row_id: str) -> bool:
        return self.rows.get((entity, row_id)) is not None

    def apply(self, change: Change) -> None:
        """Merge one pulled change (a region, or a record's fields with their stamps)."""
        entity, row_id = change.entity, change.row_id
        values: dict[str, Any] = dict(change.fields)
        stamps: dict[str, str] = dict(change.hlc)
        if entity == "region":
            self.regions[row_id] = (values.get("name"), values.get("level"))
            return
        spec = ENTITIES[entity]
        if entity == "photo":
            # Another kiosk's photo: its blobs are that kiosk's to upload, not ours.
            shas = (values.get(k) for k in ("sha256", "thumb_sha256"))
            self.blobs += [(sha, self.now) for sha in shas if sha]
        total_stock = values.pop(STOCK_FIELD, None) if entity == "product" else None
        values = {k: v for k, v in values.items() if k in spec.fields}
        # A withheld field comes as a stamp without a value: a value we may not hold is
        # on the server (records.WITHHELD_FIELDS). It merges as "no value here" plus a mark.
        withheld = sorted(k for k in withheld_fields(entity) if k in stamps and k not in values)
        values.update(dict.fromkeys(withheld, None))
        self._stamps.update(stamps.values())
        key = (entity, row_id)
        pending, pending_stock = self.pending[key]
        current = self.rows[key]
        if current is None:
            # Columns with a schema default keep it rather than an explicit NULL.
            values = {
                k: v for k, v in values.items() if v is not None or k not in ("status", "deleted")
            }
            marks = {WITHHELD_MARK.format(field=k): stamps[k] for k in withheld}
            row = {"id": row_id, **values, "clocks": {**stamps, **marks}}
            row.update(created_at=self.now, updated_at=self.now)
            if total_stock is not None:
                row[STOCK_FIELD] = int(total_stock) + pending_stock
            self.rows[key] = row
            self.new[key] = None
            return
        clocks: dict[str, str] = current["clocks"]
        incoming = {k: v for k, v in values.items() if k not in pending and k in stamps}
        updates: dict[str, Any] = {}
        for name, value in incoming.items():
            result = merge_fields(current, clocks, {name: value}, stamps[name])
            updates.update(result.apply)
            clocks.update(result.stamps)
            if name in result.apply and name in withheld_fields(entity):
                mark = WITHHELD_MARK.format(field=name)
                if name in withheld:
                    clocks[mark] = stamps[name]
                elif clocks.pop(mark, None) is not None:
                    updates.setdefault(name, value)  # the clocks column is written with it
        if total_stock is not None:
            updates[STOCK_FIELD] = int(total_stock) + pending_stock
        if updates:
            current.update(updates)
            current["updated_at"] = self.now
            if key not in self.new:
                self.changed.setdefault(key, {}).update(updates)

    def observe_stamps(self) -> None:
        """Move our clock past the newest stamp seen (a far-future one does not count)."""
        for stamp in sorted((s for s in self._stamps if is_stamp(s)), reverse=True):
            with contextlib.suppress(ClockError):
                self.store.clock.observe(stamp)
                break  # the newest acceptable stamp covers every older one
        self._stamps.clear()

    def write(self) -> None:
        """Write the merged rows back: one executemany per table and column set."""
        conn = self.store.db.conn
        self.observe_stamps()
        if self.regions:
            conn.executemany(
                "INSERT INTO region (code, name, level, parent_code) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(code) DO UPDATE SET name = excluded.name, level = excluded.level",
                [(code, n, lvl, parent_of(code)) for code, (n, lvl) in self.regions.items()],
            )
        if self.blobs:
            conn.executemany(
                "INSERT OR IGNORE INTO blob_remote (sha256, confirmed_at) VALUES (?, ?)",
                self.blobs,
            )
        inserts: dict[tuple[str, tuple[str, ...]], list[list[Any]]] = {}
        for key in self.new:
            row = dict(self.rows[key] or {})
            row["clocks"] = json.dumps(row["clocks"])
            row = {k: v for k, v in row.items() if v is not None or k not in ("status", "deleted")}
            columns = tuple(row)
            inserts.setdefault((key[0], columns), []).append(list(row.values()))
        for (entity, columns), params in inserts.items():
            table = ENTITIES[entity].table
            conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({_marks(len(columns))})",
                params,
            )
        updates: dict[tuple[str, tuple[str, ...]], list[list[Any]]] = {}
        for key, changed in self.changed.items():
            row = self.rows[key] or {}
            columns = tuple(changed)
            values = [*(row[c] for c in columns), json.dumps(row["clocks"]), self.now, key[1]]
            updates.setdefault((key[0], columns), []).append(values)
        for (entity, columns), params in updates.items():
            assignments = ", ".join(f"{c} = ?" for c in columns)
            conn.executemany(
                f"UPDATE {ENTITIES[entity].table} SET {assignments}, clocks = ?, "
                "updated_at = ? WHERE id = ?",
                params,
            )
