"""Moderation and UU PDP requests: find a merchant, hide from the catalog, erase, export.

Every function takes the acting coordinator's region ``scope`` (None: the whole
country) and treats a record outside it exactly like one that does not exist, so a
crafted request learns nothing about other regions.

Erasure (UU PDP No. 27/2022, a deletion on request must reach every copy): in one
transaction the merchant's products and photos are deleted, the conflicts recorded
about them too, and the merchant row keeps only its id and region, marked
``erased_at`` and renumbered in the change sequence, so the next pull of every kiosk
of that region carries ``{"erased": true}`` and the kiosk removes the merchant, its
products and photos. Pushes that would bring the merchant back are refused
(``push.rules``: code ``erased``). After the commit, blobs no photo refers to any more
are deleted with their files (no grace period: they showed the erased merchant's goods).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, or_, select

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.phone import normalize_phone
from kiosk_app.domain.records import ENTITIES
from kiosk_app.domain.regions import in_scope
from kiosk_server import housekeeping
from kiosk_server.db import RECORD_TABLES, conflict, read_only
from kiosk_server.devices import now_iso
from kiosk_server.sequence import reserve
from kiosk_server.storage import BlobStorage

merchant = RECORD_TABLES["merchant"]
product = RECORD_TABLES["product"]
photo = RECORD_TABLES["photo"]

SEARCH_LIMIT = 50
REASON_MAX = 500
HIDEABLE = ("merchant", "product")


class NotFound(LookupError):
    """No such record in the coordinator's region (or erased)."""


class BadReason(ValueError):
    """A hide needs a reason a person can read later."""


def _scoped(table: Any, scope: str | None) -> Any:
    if scope is None:
        return None
    return or_(table.c.scope_code == scope, table.c.scope_code.like(scope + ".%"))


def _visible(scope_code: str | None, scope: str | None) -> bool:
    return scope is None or (scope_code is not None and in_scope(scope_code, scope))


def _phone_digits(text: str) -> str | None:
    """The phone number's digits as stored (E.164 without '+'), if ``text`` is one."""
    if not re.fullmatch(r"[0-9+() .-]{6,20}", text):
        return None
    try:
        return normalize_phone(text).lstrip("+")
    except ValidationError:
        return None


def find_merchants(conn: Connection, text: str, scope: str | None) -> list[dict[str, Any]]:
    """Merchants (not erased) whose business or owner name holds ``text``, whose phone
    number is ``text`` (any common writing: 0812…, +62 812…), or whose NIB is it."""
    text = text.strip()[:100]
    if not text:
        return []
    literal = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = "%" + literal + "%"
    matches: list[ColumnElement[bool]] = [
        func.lower(merchant.c.business_name).like(like, escape="\\"),
        func.lower(merchant.c.owner_name).like(like, escape="\\"),
    ]
    digits = re.sub(r"\D", "", text)
    if len(digits) == 13 and digits == text:
        matches.append(merchant.c.nib == digits)
    phone = _phone_digits(text)
    if phone is not None:
        matches.append(merchant.c.phone == "+" + phone)
    query = (
        select(
            merchant.c.id,
            merchant.c.business_name,
            merchant.c.owner_name,
            merchant.c.phone,
            merchant.c.nib,
            merchant.c.village_code,
            merchant.c.status,
            merchant.c.deleted,
            merchant.c.hidden_at,
        )
        .where(merchant.c.erased_at.is_(None), or_(*matches))
        .order_by(merchant.c.business_name, merchant.c.id)
        .limit(SEARCH_LIMIT)
    )
    if (where := _scoped(merchant, scope)) is not None:
        query = query.where(where)
    return [dict(r._mapping) for r in read_only(conn).execute(query)]


def get_merchant(conn: Connection, merchant_id: str, scope: str | None) -> dict[str, Any]:
    """The merchant (all columns) with ``products`` (each with ``photos``); NotFound."""
    row = conn.execute(select(merchant).where(merchant.c.id == merchant_id)).first()
    if row is None or row.erased_at is not None or not _visible(row.scope_code, scope):
        raise NotFound(merchant_id)
    found = dict(row._mapping)
    products = [
        dict(r._mapping)
        for r in conn.execute(
            select(product).where(product.c.merchant_id == merchant_id).order_by(product.c.name)
        )
    ]
    photos: dict[str, list[dict[str, Any]]] = {}
    if products:
        ids = [p["id"] for p in products]
        for r in conn.execute(
            select(photo).where(photo.c.product_id.in_(ids)).order_by(photo.c.position)
        ):
            photos.setdefault(r.product_id, []).append(dict(r._mapping))
    for p in products:
        p["photos"] = photos.get(p["id"], [])
    found["products"] = products
    return found


def _target(conn: Connection, entity: str, row_id: str, scope: str | None) -> dict[str, Any]:
    if entity not in HIDEABLE:
        raise NotFound(row_id)
    table = RECORD_TABLES[entity]
    row = conn.execute(select(table).where(table.c.id == row_id)).first()
    if row is None or not _visible(row.scope_code, scope):
        raise NotFound(row_id)
    if entity == "merchant" and row.erased_at is not None:
        raise NotFound(row_id)
    return dict(row._mapping)


def hide(
    engine: Engine, entity: str, row_id: str, reason: str, actor: str, scope: str | None
) -> dict[str, Any]:
    """Hide a merchant or product from the public catalog, with the reason; the row as it
    was (its merchant's id for an audit line). The kiosks keep it: hiding is the catalog's."""
    reason = " ".join(reason.split())[:REASON_MAX]
    if len(reason) < 3:
        raise BadReason(reason)
    table = RECORD_TABLES[entity] if entity in HIDEABLE else None
    with engine.begin() as conn:
        row = _target(conn, entity, row_id, scope)
        assert table is not None
        conn.execute(
            table.update()
            .where(table.c.id == row_id)
            .values(hidden_at=now_iso(), hidden_reason=reason, hidden_by=actor)
        )
    return row


def unhide(engine: Engine, entity: str, row_id: str, scope: str | None) -> dict[str, Any]:
    """Show a hidden merchant or product in the catalog again (if it is otherwise public)."""
    with engine.begin() as conn:
        row = _target(conn, entity, row_id, scope)
        table = RECORD_TABLES[entity]
        conn.execute(
            table.update()
            .where(table.c.id == row_id)
            .values(hidden_at=None, hidden_reason=None, hidden_by=None)
        )
    return row


@dataclass(frozen=True)
class Erased:
    merchant_id: str
    region: str
    products: int
    photos: int
    blobs: int  # image files deleted from the server


def erase(engine: Engine, storage: BlobStorage, merchant_id: str, scope: str | None) -> Erased:
    """Carry out an erasure request (see the module's docstring). NotFound if the
    merchant is not in ``scope`` or already erased."""
    cleared: dict[str, Any] = {name: None for name in ENTITIES["merchant"].fields}
    cleared["deleted"] = 1
    with engine.begin() as conn:
        row = _target(conn, "merchant", merchant_id, scope)
        product_ids = [
            str(r[0])
            for r in conn.execute(select(product.c.id).where(product.c.merchant_id == merchant_id))
        ]
        photos = (
            conn.execute(
                select(photo.c.id, photo.c.sha256, photo.c.thumb_sha256).where(
                    photo.c.product_id.in_(product_ids)
                )
            ).all()
            if product_ids
            else []
        )
        shas = sorted({s for p in photos for s in (p.sha256, p.thumb_sha256) if s})
        photo_ids = [str(p.id) for p in photos]
        for start in range(0, len(photo_ids), 500):
            conn.execute(photo.delete().where(photo.c.id.in_(photo_ids[start : start + 500])))
        if product_ids:
            conn.execute(product.delete().where(product.c.merchant_id == merchant_id))
        row_ids = [merchant_id, *product_ids, *photo_ids]
        for start in range(0, len(row_ids), 500):
            conn.execute(
                conflict.delete().where(conflict.c.row_id.in_(row_ids[start : start + 500]))
            )
        now = now_iso()
        conn.execute(
            merchant.update()
            .where(merchant.c.id == merchant_id)
            .values(
                **cleared,
                clocks="{}",
                hidden_at=None,
                hidden_reason=None,
                hidden_by=None,
                erased_at=now,
                updated_at=now,
                seq=reserve(conn, 1),  # last: the counter's lock is held until commit
            )
        )
    blobs = housekeeping.remove_unreferenced(engine, storage, shas)
    return Erased(merchant_id, str(row["scope_code"]), len(product_ids), len(photo_ids), blobs)


def access_export(conn: Connection, merchant_id: str, scope: str | None) -> dict[str, Any]:
    """Everything the server holds about a merchant, for an access request (UU PDP):
    the record with its consent, moderation state, products and their photos' records."""
    found = get_merchant(conn, merchant_id, scope)
    products = found.pop("products")
    internal = ("clocks", "seq", "stock_nodes", "erased_at")

    def clean(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if k not in internal}

    return {
        "kind": "etalase-desa.access-request",
        "exported_at": now_iso(),
        "merchant": clean(found),
        "products": [
            {**clean(p), "photos": [clean(ph) for ph in p.pop("photos")]} for p in products
        ],
    }
