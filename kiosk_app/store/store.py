"""The kiosk's local store: validated writes that commit with their outbox entry.

Every change to a merchant, product or photo stamps each changed field with the hybrid
logical clock and appends one outbox mutation, in one SQLite transaction. Stock moves
are recorded as additive deltas. Deletes are tombstones (``deleted = 1``).

A ``Store`` is bound to the thread that opened it (see ``owner.StoreThread``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from kiosk_app.domain import validation
from kiosk_app.domain.errors import FieldError, ValidationError
from kiosk_app.domain.hlc import HybridClock, WallClock, iso_utc, system_wall_ms
from kiosk_app.domain.record_ids import uuid7
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD, WITHHELD_MARK, EntitySpec
from kiosk_app.store import outbox, scope
from kiosk_app.store.connection import open_database
from kiosk_app.store.settings import Key, Settings


def utcnow() -> str:
    """The PC's time as ISO text, for code without a store at hand (``Store.now`` else)."""
    return iso_utc(system_wall_ms())


# Written into a new record's first mutation, so every replica holds the same values.
CREATE_DEFAULTS: dict[str, dict[str, Any]] = {
    "merchant": {"status": "active"},
    "product": {"status": "draft"},
}


class NotFoundError(LookupError):
    def __init__(self, entity: str, row_id: str) -> None:
        super().__init__(f"{entity} {row_id} not found")
        self.entity = entity
        self.row_id = row_id


class Store:
    """Validated reads and writes over one open kiosk database."""

    def __init__(self, db: Database, wall: WallClock = system_wall_ms) -> None:
        self.db = db
        self.settings = Settings(db)
        self.wall = wall  # the clock stamps and the times rows record come from here
        node = self.settings.get(Key.NODE_ID)
        if node is None:
            # A short random node id keeps every clock stamp small on the wire.
            node = secrets.token_hex(6)
            self.settings.set(Key.NODE_ID, node)
        self.clock = HybridClock(node, self.settings.get(Key.HLC), wall)

    @classmethod
    def open(cls, path: Path, wall: WallClock = system_wall_ms) -> Store:
        return cls(open_database(path), wall)

    def now(self) -> str:
        """The current time (this store's wall clock) as ISO text in UTC."""
        return iso_utc(self.wall())

    def close(self) -> None:
        self.db.close()

    @property
    def node_id(self) -> str:
        return self.clock.node

    # -- settings ---------------------------------------------------------------

    def get_setting(self, key: Key | str, default: str | None = None) -> str | None:
        """``settings.get``; the key must be one of ``Key``."""
        return self.settings.get(key, default)

    def set_setting(self, key: Key | str, value: str | None) -> None:
        """``settings.set``; the key must be one of ``Key``."""
        self.settings.set(key, value)

    # -- transactions -------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around several store calls: all of them commit, or none.
        Nests (an inner one is a savepoint)."""
        with self.db.atomic():
            yield

    # -- the write path -----------------------------------------------------------

    @contextmanager
    def change(self) -> Iterator[str]:
        """One transaction for a change and its outbox entries; yields the time."""
        with self.db.atomic():
            yield self.now()
            self.settings.set(Key.HLC, self.clock.last)

    def create(self, entity: str, fields: Mapping[str, Any], row_id: str | None = None) -> str:
        """Insert a new record; returns its id. ``stock`` (products) becomes a stock move."""
        spec = ENTITIES[entity]
        values = dict(fields)
        stock = values.pop(STOCK_FIELD, None) if entity == "product" else None
        for name, default in CREATE_DEFAULTS.get(entity, {}).items():
            values.setdefault(name, default)
        clean = validation.validate_fields(entity, values, partial=False)
        if stock is not None:
            stock = validation.validate_stock(stock)
        row_id = row_id or uuid7()
        self._check_references(spec, clean)
        with self.change() as now:
            hlc = self.clock.now()
            row = {"id": row_id, **clean, "clocks": json.dumps(dict.fromkeys(clean, hlc))}
            row.update(created_at=now, updated_at=now)
            self.db[spec.table].insert(row)  # type: ignore[union-attr]
            outbox.append(self.db, entity, row_id, "upsert", clean, hlc, now)
            if stock:
                self._move_stock(row_id, stock, now)
        return row_id

    def update(self, entity: str, row_id: str, changes: Mapping[str, Any]) -> bool:
        """Change some fields of a live record. Returns False when nothing changed."""
        spec = ENTITIES[entity]
        values = dict(changes)
        stock = values.pop(STOCK_FIELD, None) if entity == "product" else None
        clean = validation.validate_fields(entity, values, partial=True) if values else {}
        current = self.get(entity, row_id)
        if current is None or current["deleted"]:
            raise NotFoundError(entity, row_id)
        self._check_references(spec, clean)
        changed = {k: v for k, v in clean.items() if current.get(k) != v}
        delta = 0
        if stock is not None:
            delta = validation.validate_stock(stock) - int(current[STOCK_FIELD])
        if not changed and not delta:
            return False
        with self.change() as now:
            if changed:
                self._write_fields(spec, row_id, changed, now)
            if delta:
                self._move_stock(row_id, delta, now)
        return True

    def upsert(self, entity: str, row_id: str, fields: Mapping[str, Any]) -> bool:
        """Create the record if its id is new, else change just the fields given."""
        if self.get(entity, row_id) is None:
            self.create(entity, fields, row_id=row_id)
            return True
        return self.update(entity, row_id, fields)

    def move_stock(self, product_id: str, delta: int) -> int:
        """Add ``delta`` (may be negative) to a product's stock; returns the new stock."""
        delta = validation.validate_stock_delta(delta)
        current = self.get("product", product_id)
        if current is None or current["deleted"]:
            raise NotFoundError("product", product_id)
        new_stock = validation.validate_stock(int(current[STOCK_FIELD]) + delta)
        if delta:
            with self.change() as now:
                self._move_stock(product_id, delta, now)
        return new_stock

    def delete(self, entity: str, row_id: str) -> None:
        """Tombstone a record; a merchant takes its products and photos with it."""
        current = self.get(entity, row_id)
        if current is None:
            raise NotFoundError(entity, row_id)
        if current["deleted"]:
            return
        with self.change() as now:
            self._tombstone(entity, row_id, now)
            children: list[tuple[str, str]] = []
            if entity == "merchant":
                products = self.db.execute(
                    "SELECT id FROM product WHERE merchant_id = ? AND deleted = 0", [row_id]
                ).fetchall()
                children += [("product", p[0]) for p in products]
            if entity in ("merchant", "product"):
                parents = [row_id] if entity == "product" else [c[1] for c in children]
                for product_id in parents:
                    photos = self.db.execute(
                        "SELECT id FROM photo WHERE product_id = ? AND deleted = 0", [product_id]
                    ).fetchall()
                    children += [("photo", p[0]) for p in photos]
            for child_entity, child_id in children:
                self._tombstone(child_entity, child_id, now)

    def send_again(self, entity: str, row_id: str, names: Iterable[str], now: str) -> None:
        """Queue the current values of ``names`` once more at a fresh clock stamp.

        For changes the server refused (``refusals.resend``): the row keeps its values,
        its clocks move to the new stamp, and one new mutation (a new id, so the server
        does not answer it with the old refusal) carries them. ``deleted`` queues the
        tombstone again if the row is deleted. Call inside ``change()``.
        """
        spec = ENTITIES[entity]
        current = self.get(entity, row_id)
        if current is None:
            raise NotFoundError(entity, row_id)
        wanted = set(names)
        fields = {n: current[n] for n in spec.fields if n in wanted and n != "deleted"}
        if fields:
            self._write_fields(spec, row_id, fields, now)
        if "deleted" in wanted and current["deleted"]:
            self._tombstone(entity, row_id, now)

    def delete_one(self, entity: str, row_id: str, now: str) -> None:
        """Tombstone one record, not its children (``refusals.delete_record`` walks them).
        Call inside ``change()``."""
        self._tombstone(entity, row_id, now)

    def send_stock_again(self, product_id: str, delta: int, now: str) -> None:
        """Queue a refused stock move once more (the local total already holds it)."""
        outbox.append(
            self.db, "product", product_id, "stock", {STOCK_FIELD: delta}, self.clock.now(), now
        )

    # -- reads ---------------------------------------------------------------------

    def get(self, entity: str, row_id: str) -> dict[str, Any] | None:
        table = ENTITIES[entity].table
        rows = list(self.db.query(f"SELECT * FROM {table} WHERE id = ?", [row_id]))
        return rows[0] if rows else None

    def products_of(self, merchant_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT * FROM product WHERE merchant_id = ? AND deleted = 0 ORDER BY name",
                [merchant_id],
            )
        )

    def photos_of(self, product_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT * FROM photo WHERE product_id = ? AND deleted = 0 ORDER BY position",
                [product_id],
            )
        )

    def region_name(self, code: str) -> str | None:
        row = self.db.execute("SELECT name FROM region WHERE code = ?", [code]).fetchone()
        return None if row is None else str(row[0])

    def pending_count(self) -> int:
        return outbox.count(self.db)

    # -- internals -------------------------------------------------------------------

    def _write_fields(
        self, spec: EntitySpec, row_id: str, changed: dict[str, Any], now: str
    ) -> None:
        hlc = self.clock.now()
        row = self.db.execute(f"SELECT clocks FROM {spec.table} WHERE id = ?", [row_id])
        clocks = json.loads(row.fetchone()[0])
        base = {name: clocks[name] for name in changed if name in clocks}
        clocks.update(dict.fromkeys(changed, hlc))
        for name in changed:  # a value typed here replaces the one held on the server only
            clocks.pop(WITHHELD_MARK.format(field=name), None)
        assignments = ", ".join(f"{name} = ?" for name in changed)
        self.db.execute(
            f"UPDATE {spec.table} SET {assignments}, clocks = ?, updated_at = ? WHERE id = ?",
            [*changed.values(), json.dumps(clocks), now, row_id],
        )
        outbox.append(self.db, spec.name, row_id, "upsert", changed, hlc, now, base)

    def _tombstone(self, entity: str, row_id: str, now: str) -> None:
        spec = ENTITIES[entity]
        hlc = self.clock.now()
        row = self.db.execute(f"SELECT clocks FROM {spec.table} WHERE id = ?", [row_id])
        clocks = json.loads(row.fetchone()[0])
        base = {"deleted": clocks["deleted"]} if "deleted" in clocks else None
        clocks["deleted"] = hlc
        self.db.execute(
            f"UPDATE {spec.table} SET deleted = 1, clocks = ?, updated_at = ? WHERE id = ?",
            [json.dumps(clocks), now, row_id],
        )
        outbox.append(self.db, entity, row_id, "delete", {"deleted": 1}, hlc, now, base)

    def _move_stock(self, product_id: str, delta: int, now: str) -> None:
        self.db.execute(
            "UPDATE product SET stock = stock + ?, updated_at = ? WHERE id = ?",
            [delta, now, product_id],
        )
        outbox.append(
            self.db, "product", product_id, "stock", {STOCK_FIELD: delta}, self.clock.now(), now
        )

    def _check_references(self, spec: EntitySpec, clean: Mapping[str, Any]) -> None:
        errors: list[FieldError] = []
        if spec.parent and spec.parent[0] in clean:
            key, parent = spec.parent
            found = self.get(parent, clean[key])
            if found is None or found["deleted"]:
                errors.append(
                    FieldError(
                        key,
                        "reference.missing",
                        f"Data induk ({parent}) tidak ditemukan atau sudah dihapus.",
                        f"The {parent} this refers to does not exist or was deleted.",
                    )
                )
        code = clean.get("village_code")
        if spec.name == "merchant" and code is not None:
            level = self.db.execute("SELECT level FROM region WHERE code = ?", [code]).fetchone()
            if level is None or level[0] != "village":
                errors.append(
                    FieldError(
                        "village_code",
                        "village_code.unknown",
                        f"Kode desa {code} tidak ada dalam daftar wilayah. Pilih desa dari daftar.",
                        f"Village code {code} is not in the region list. "
                        "Pick a village from the list.",
                    )
                )
            elif not scope.inside(code, region := scope.kiosk_scope(self.db)):
                assert region is not None
                errors.append(scope.out_of_scope_error(self.db, code, region))
        if errors:
            raise ValidationError(errors)
