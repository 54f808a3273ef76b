"""What the server refused, record by record, and the ways out: fix and send again, or delete.

The sync engine keeps every mutation the server refused in ``sync_rejection`` (its id,
record, fields, the server's code and bilingual message) and takes it out of the outbox.
Here those rows become one ``Refusal`` per record, for the screens, ``kiosk-app status``
and ``sync``, and the doctor. A record stays refused until what was refused is sent
again (``resend``: new mutations at a fresh clock stamp, after which the server's answer
decides) or the record is deleted (``delete_record``). A record the server never held
(its creation was refused, or never sent) is deleted on this kiosk only: there is
nothing to delete on the server, and a tombstone for it would only be refused in turn.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kiosk_app.domain.records import ENTITIES, STOCK_FIELD
from kiosk_app.domain.validation import RULES
from kiosk_app.protocol.messages import REJECT_INVALID, REJECT_OUT_OF_SCOPE, REJECT_UNKNOWN_PARENT
from kiosk_app.store.scope import kiosk_scope, region_label
from kiosk_app.store.store import Store

Key = tuple[str, str]  # (entity, row_id)


@dataclass(frozen=True)
class _Rejected:
    id: str
    entity: str
    row_id: str
    op: str
    fields: dict[str, Any]
    hlc: str
    code: str
    message: str
    rejected_at: str


@dataclass(frozen=True)
class Refusal:
    """One record the server refused (all its refused changes together)."""

    entity: str  # merchant | product | photo
    row_id: str
    label: str  # the record as the operator knows it: a business or product name
    merchant_id: str | None
    merchant_name: str | None
    code: str  # the server's code of the latest refusal (``protocol.messages.REJECT_*``)
    message_id: str  # the server's reason, in Bahasa Indonesia when it gave one
    message_en: str
    fields: tuple[str, ...]  # fields of the refused changes
    rejected_at: str
    deleted: bool  # deleted on this kiosk since
    never_on_server: bool  # its creation was refused: the server does not hold it

    @property
    def advice(self) -> tuple[str, str]:
        """The way out that fits, in Bahasa Indonesia and English."""
        return advice(self.entity, self.code)

    def to_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "row_id": self.row_id,
            "label": self.label,
            "merchant_id": self.merchant_id,
            "merchant_name": self.merchant_name,
            "code": self.code,
            "message_id": self.message_id,
            "message_en": self.message_en,
            "advice_id": self.advice[0],
            "advice_en": self.advice[1],
            "fields": list(self.fields),
            "rejected_at": self.rejected_at,
        }


def split_message(message: str) -> tuple[str, str]:
    """The server writes ``Bahasa Indonesia (English)``: the two halves (or both the whole)."""
    text = message.strip()
    if text.endswith(")"):
        depth = 0
        for index in range(len(text) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(text[index], 0)
            if depth == 0:
                head, tail = text[:index].strip(), text[index + 1 : -1].strip()
                if head and tail:
                    return head, tail
                break
    return text, text


_PARENT_MISSING = {
    "product": (
        "Penjualnya belum ada di server (ditolak atau belum terkirim).",
        "Its merchant is not on the server (refused, or not sent yet).",
    ),
    "photo": (
        "Produknya belum ada di server (ditolak atau belum terkirim).",
        "Its product is not on the server (refused, or not sent yet).",
    ),
}


def advice(entity: str, code: str) -> tuple[str, str]:
    if code == REJECT_OUT_OF_SCOPE and entity == "merchant":
        return (
            "Ganti desanya dengan desa di wilayah kios ini lalu tekan Simpan (data dikirim "
            "lagi), atau hapus penjual ini dari kios ini.",
            "Change the village to one in this kiosk's region and press Save (it is sent "
            "again), or delete this merchant from this kiosk.",
        )
    if code in (REJECT_OUT_OF_SCOPE, REJECT_UNKNOWN_PARENT):
        return (
            "Perbaiki dulu penjualnya (ditolak atau belum terkirim); data ini ikut dikirim "
            "lagi. Atau hapus data ini dari kios ini.",
            "Fix its merchant first (refused or not sent yet); this is sent again with it. "
            "Or delete this from this kiosk.",
        )
    if code == REJECT_INVALID:
        return (
            "Perbaiki isian yang disebut lalu tekan Simpan (data dikirim lagi), atau hapus "
            "data ini dari kios ini.",
            "Fix the field named and press Save (it is sent again), or delete this from "
            "this kiosk.",
        )
    return (
        "Tekan Kirim lagi; jika ditolak lagi, hubungi teknisi. Atau hapus data ini dari kios.",
        "Press Send again; if it is refused again, call the technician. Or delete this "
        "from this kiosk.",
    )


# -- reading --------------------------------------------------------------------------

_REJECTED = """
SELECT r.id, r.entity, r.row_id, r.op, r.fields, r.hlc, r.code, r.message, r.rejected_at,
       CASE r.entity WHEN 'merchant' THEN r.row_id
                     WHEN 'product' THEN p.merchant_id ELSE pp.merchant_id END AS merchant_id
FROM sync_rejection r
LEFT JOIN product p ON r.entity = 'product' AND p.id = r.row_id
LEFT JOIN photo ph ON r.entity = 'photo' AND ph.id = r.row_id
LEFT JOIN product pp ON pp.id = ph.product_id
"""


def _rejected(store: Store, where: str = "", params: Iterable[Any] = ()) -> list[_Rejected]:
    sql = f"SELECT * FROM ({_REJECTED}) {where} ORDER BY rejected_at, hlc"
    found = []
    for r in store.db.execute(sql, list(params)).fetchall():
        fields = json.loads(r[4])
        found.append(_Rejected(str(r[0]), str(r[1]), str(r[2]), str(r[3]), fields, str(r[5]),
                               str(r[6]), str(r[7] or ""), str(r[8])))  # fmt: skip
    return found


def _by_record(rows: Iterable[_Rejected]) -> dict[Key, list[_Rejected]]:
    grouped: dict[Key, list[_Rejected]] = {}
    for row in rows:
        grouped.setdefault((row.entity, row.row_id), []).append(row)
    return grouped


def _required(entity: str) -> set[str]:
    return {name for name, rule in RULES[entity].items() if rule.required}


def _creation_refused(store: Store, key: Key, rows: list[_Rejected]) -> bool:
    """Whether the server refused this record's creation (so it never held it).

    A creation carries every required field; so may, rarely, an edit of a record the
    server holds, but an edit is stamped after the record's first values, whose stamps
    are still in its clocks unless every one of them was overwritten since.
    """
    current = store.get(*key)
    clocks: dict[str, str] = json.loads(current["clocks"]) if current else {}
    required = _required(key[0])
    for row in rows:
        creation = row.op == "upsert" and required <= set(row.fields)
        if creation and not any(stamp < row.hlc for stamp in clocks.values()):
            return True
    return False


def _never_sent(store: Store, key: Key) -> bool:
    """Whether the record's creation is still in the outbox, never sent yet."""
    entity, row_id = key
    required = _required(entity)
    for fields, attempts in store.db.execute(
        "SELECT fields, attempts FROM outbox WHERE entity = ? AND row_id = ? AND op = 'upsert' "
        "AND base IS NULL ORDER BY seq",
        [entity, row_id],
    ).fetchall():
        if required <= set(json.loads(fields)):
            return int(attempts) == 0
    return False


def _label(store: Store, entity: str, row_id: str) -> tuple[str, bool]:
    """(what the operator calls the record, deleted)."""
    row = store.get(entity, row_id)
    if row is None:
        return row_id, True
    if entity == "merchant":
        return str(row["business_name"] or row_id), bool(row["deleted"])
    if entity == "product":
        return str(row["name"] or row_id), bool(row["deleted"])
    product = store.get("product", row["product_id"]) or {}
    name = product.get("name") or row["product_id"]
    return f"Foto {int(row['position'] or 0) + 1} — {name}", bool(row["deleted"])


def _refusals(
    store: Store, rows: list[_Rejected], merchants: dict[str, str | None]
) -> list[Refusal]:
    found: list[Refusal] = []
    for key, group in _by_record(rows).items():
        last = group[-1]
        message_id, message_en = split_message(last.message) if last.message else ("", "")
        if last.code == REJECT_UNKNOWN_PARENT and key[0] in _PARENT_MISSING:
            # The server names the parent by its id; the operator knows it by its name.
            message_id, message_en = _PARENT_MISSING[key[0]]
        if not message_id:
            message_id = message_en = last.code
        label, deleted = _label(store, *key)
        merchant_id = _merchant_of(store, *key)
        fields = sorted({f for r in group for f in r.fields})
        refusal = Refusal(
            entity=key[0], row_id=key[1], label=label, merchant_id=merchant_id,
            merchant_name=merchants.get(merchant_id or "") if merchant_id else None,
            code=last.code, message_id=message_id, message_en=message_en,
            fields=tuple(fields), rejected_at=last.rejected_at, deleted=deleted,
            never_on_server=_creation_refused(store, key, group),
        )  # fmt: skip
        found.append(refusal)
    return found


def _merchant_of(store: Store, entity: str, row_id: str) -> str | None:
    if entity == "merchant":
        return row_id
    if entity == "photo":
        photo = store.get("photo", row_id)
        if photo is None:
            return None
        entity, row_id = "product", str(photo["product_id"])
    product = store.get("product", row_id)
    return str(product["merchant_id"]) if product else None


def _merchant_names(store: Store) -> dict[str, str | None]:
    rows = store.db.execute(
        "SELECT id, business_name FROM merchant WHERE id IN (SELECT merchant_id FROM "
        f"({_REJECTED}))"
    ).fetchall()
    return {str(r[0]): r[1] for r in rows}


def open_refusals(store: Store, merchant_id: str | None = None) -> list[Refusal]:
    """Every refused record (of one merchant, its products and photos, if given),
    oldest refusal first."""
    if merchant_id is None:
        rows = _rejected(store)
    else:
        rows = _rejected(store, "WHERE merchant_id = ?", [merchant_id])
    return _refusals(store, rows, _merchant_names(store))


def refusals_of(store: Store, entity: str, row_id: str) -> list[Refusal]:
    """The refusals of one record and the records under it (a product's photos)."""
    keys = set(_tree(store, entity, row_id))
    rows = [r for r in _rejected(store) if (r.entity, r.row_id) in keys]
    return _refusals(store, rows, _merchant_names(store))


def refused_count(store: Store) -> int:
    """How many records the server refused (and are not sent again or deleted yet)."""
    row = store.db.execute(
        "SELECT count(*) FROM (SELECT DISTINCT entity, row_id FROM sync_rejection)"
    ).fetchone()
    return int(row[0])


def scope_words(store: Store) -> str | None:
    """The kiosk's region as people say it (``Kabupaten Malang (35.07)``), if enrolled."""
    scope = kiosk_scope(store.db)
    return region_label(store.db, scope) if scope else None


# -- the ways out ---------------------------------------------------------------------


def _tree(store: Store, entity: str, row_id: str) -> list[Key]:
    """The record and every record under it, parents first."""
    keys: list[Key] = [(entity, row_id)]
    products: list[str] = []
    if entity == "merchant":
        products = [
            str(r[0])
            for r in store.db.execute(
                "SELECT id FROM product WHERE merchant_id = ? ORDER BY rowid", [row_id]
            )
        ]
        keys += [("product", p) for p in products]
    elif entity == "product":
        products = [row_id]
    for product_id in products:
        keys += [
            ("photo", str(r[0]))
            for r in store.db.execute(
                "SELECT id FROM photo WHERE product_id = ? ORDER BY position, rowid", [product_id]
            )
        ]
    return keys


def _forget(store: Store, keys: list[Key]) -> None:
    store.db.conn.executemany(
        "DELETE FROM sync_rejection WHERE entity = ? AND row_id = ?", [list(k) for k in keys]
    )


def _move_to_end(store: Store, keys: list[Key], up_to: int) -> None:
    """Put the records' outbox entries up to seq ``up_to`` after everything queued since,
    in their order: a record's edits must reach the server after its creation sent again."""
    wanted = set(keys)
    found: list[tuple[Any, ...]] = []
    ids = sorted({row_id for _, row_id in keys})
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found += store.db.execute(
            "SELECT seq, id, entity, row_id, op, fields, hlc, created_at, attempts, last_error, "
            f"base FROM outbox WHERE row_id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
    rows = [r[1:] for r in sorted(found) if (r[2], r[3]) in wanted and r[0] <= up_to]
    if not rows:
        return
    store.db.conn.executemany("DELETE FROM outbox WHERE id = ?", [[r[0]] for r in rows])
    store.db.conn.executemany(
        "INSERT INTO outbox (id, entity, row_id, op, fields, hlc, created_at, attempts, "
        "last_error, base) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _last_seq(store: Store) -> int:
    row = store.db.execute("SELECT max(seq) FROM outbox").fetchone()
    return int(row[0] or 0)


def resend(store: Store, entity: str, row_id: str) -> int:
    """Queue again what the server refused of this record and the records under it.

    Each refused record gets one new mutation with the current values of every refused
    field (all its fields when its creation was refused) at a fresh clock stamp, and its
    refused stock moves again; the refusals are then forgotten, so the record shows as
    waiting until the server answers. Returns how many mutations were queued.
    """
    queued = 0
    with store.change() as now:
        mark = _last_seq(store)
        keys = _tree(store, entity, row_id)
        refused = _by_record(r for r in _rejected(store) if (r.entity, r.row_id) in set(keys))
        for key in keys:
            rows = refused.get(key)
            current = store.get(*key)
            if not rows or current is None:
                continue
            created = _creation_refused(store, key, rows)
            if current["deleted"]:
                if not created:  # the server holds it: its tombstone must reach it
                    store.send_again(*key, ["deleted"], now)
                    queued += 1
                continue
            names = {f for r in rows if r.op == "upsert" for f in r.fields}
            if created:
                names |= {f for f in ENTITIES[key[0]].fields if current[f] is not None}
            names.discard("deleted")
            if names:
                store.send_again(*key, names, now)
                queued += 1
            for r in rows:
                if r.op == "stock":
                    store.send_stock_again(key[1], int(r.fields[STOCK_FIELD]), now)
                    queued += 1
        if queued:
            _move_to_end(store, keys, mark)
        _forget(store, keys)
    return queued


def delete_record(store: Store, entity: str, row_id: str) -> None:
    """Delete a record and the records under it, on the server too when it holds them.

    A record the server never held (its creation was refused, or is still waiting in
    the outbox unsent) is deleted here only, and its waiting changes are dropped: its
    data never leaves this kiosk. Every refusal of these records is forgotten.
    """
    with store.change() as now:
        keys = _tree(store, entity, row_id)
        refused = _by_record(r for r in _rejected(store) if (r.entity, r.row_id) in set(keys))
        for key in keys:
            current = store.get(*key)
            if current is None or current["deleted"]:
                continue
            refused_creation = key in refused and _creation_refused(store, key, refused[key])
            if refused_creation or _never_sent(store, key):
                _delete_here_only(store, key, now)
            else:
                store.delete_one(*key, now)
        _forget(store, keys)


def _delete_here_only(store: Store, key: Key, now: str) -> None:
    entity, row_id = key
    table = ENTITIES[entity].table
    clocks = json.loads(
        store.db.execute(f"SELECT clocks FROM {table} WHERE id = ?", [row_id]).fetchone()[0]
    )
    clocks["deleted"] = store.clock.now()
    store.db.execute(
        f"UPDATE {table} SET deleted = 1, clocks = ?, updated_at = ? WHERE id = ?",
        [json.dumps(clocks), now, row_id],
    )
    store.db.execute("DELETE FROM outbox WHERE entity = ? AND row_id = ?", [entity, row_id])
