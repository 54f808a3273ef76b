"""The fleet page's query: every kiosk in an account's scope, filtered, sorted and paged
by key (``(sort value, id)`` after the last row shown), so page 600 of 30,000 kiosks
costs what page 1 does: an index walk, never an OFFSET over the rows before it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from kiosk_server.admin.accounts import Account
from kiosk_server.db import device, region
from kiosk_server.devices import version_key

SORTS = {
    "last_seen": device.c.last_seen,
    "name": device.c.name,
    "region": device.c.region,
    "version": device.c.app_version_key,  # "" for an unknown version (never NULL)
}
PAGE_SIZES = (50, 100, 200)
SILENT_DAYS = 3  # "silent" filter default; the page marks every kiosk silent this long


@dataclass(frozen=True)
class FleetQuery:
    region: str | None = None  # a code prefix, inside the account's scope
    silent_days: int | None = None  # only kiosks not seen for this many days
    outdated: bool = False
    errors: bool = False
    revoked: bool = False  # show revoked kiosks instead of active ones
    sort: str = "last_seen"
    descending: bool = False
    size: int = 50
    after: str | None = None  # an opaque key: the page after this row
    before: str | None = None  # ... or the page before it


@dataclass
class FleetPage:
    rows: list[dict[str, Any]]
    total: int
    next_key: str | None
    prev_key: str | None
    latest_version: str | None
    counts: dict[str, int] = field(default_factory=dict)


def encode_key(value: Any, row_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([value, row_id]).encode()).decode().rstrip("=")


def decode_key(key: str | None) -> tuple[Any, str] | None:
    if not key or len(key) > 400:
        return None
    try:
        value, row_id = json.loads(base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(row_id, str) or not isinstance(value, (str, type(None))):
        return None
    return value, row_id


def _region_clause(code: str) -> ColumnElement[bool]:
    return or_(device.c.region == code, device.c.region.like(code + ".%"))


def _filters(account: Account, q: FleetQuery, now: datetime, latest_key: str | None) -> list[Any]:
    where: list[Any] = [
        device.c.revoked_at.is_not(None) if q.revoked else device.c.revoked_at.is_(None)
    ]
    scope = account.scope_clause(device.c.region)
    if scope is not None:
        where.append(scope)
    if q.region:
        where.append(_region_clause(q.region))
    if q.silent_days is not None:
        where.append(device.c.last_seen < _iso(now - timedelta(days=q.silent_days)))
    if q.outdated:
        where.append(
            or_(device.c.app_version_key < latest_key, device.c.app_version_key.is_(None))
            if latest_key
            else device.c.id.is_(None)  # nothing to be behind of
        )
    if q.errors:
        where.append(device.c.last_error.is_not(None))
    return where


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def latest_version(conn: Connection, announced: str | None) -> str | None:
    """What "outdated" is measured against: the announced version, else the newest any
    kiosk runs."""
    if announced:
        return announced
    newest = conn.execute(
        select(device.c.app_version)
        .where(device.c.app_version_key.is_not(None))
        .order_by(device.c.app_version_key.desc())
        .limit(1)
    ).scalar()
    return str(newest) if newest else None


def fleet_page(
    conn: Connection,
    account: Account,
    q: FleetQuery,
    announced: str | None,
    now: datetime | None = None,
) -> FleetPage:
    now = now or datetime.now(UTC)
    latest = latest_version(conn, announced)
    latest_key = version_key(latest)
    where = _filters(account, q, now, latest_key)
    sort = SORTS.get(q.sort, device.c.last_seen)
    backwards = q.before is not None and q.after is None
    key = decode_key(q.before if backwards else q.after)
    ascending = q.descending == backwards  # walking back flips the order, then the rows
    page_where = list(where)
    if key is not None:
        value, row_id = key
        if ascending:
            page_where.append(or_(sort > value, and_(sort == value, device.c.id > row_id)))
        else:
            page_where.append(or_(sort < value, and_(sort == value, device.c.id < row_id)))
    order = (sort.asc(), device.c.id.asc()) if ascending else (sort.desc(), device.c.id.desc())
    query = (
        select(device, region.c.name.label("region_name"), sort.label("sort_value"))
        .select_from(device.outerjoin(region, region.c.code == device.c.region))
        .where(and_(true(), *page_where))
        .order_by(*order)
        .limit(q.size + 1)
    )
    rows = [dict(r._mapping) for r in conn.execute(query)]
    more = len(rows) > q.size
    rows = rows[: q.size]
    if backwards:
        rows.reverse()
    total = int(conn.execute(select(func.count()).select_from(device).where(*where)).scalar() or 0)
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    has_next = more if not backwards else key is not None
    has_prev = (key is not None) if not backwards else more
    for row in rows:
        row.pop("token_hash", None)
        row["silent_days"] = _days_since(row["last_seen"], now)
        row["outdated"] = bool(latest_key) and (row["app_version_key"] or "") < (latest_key or "")
    return FleetPage(
        rows=rows,
        total=total,
        next_key=encode_key(last["sort_value"], last["id"]) if last and has_next else None,
        prev_key=encode_key(first["sort_value"], first["id"]) if first and has_prev else None,
        latest_version=latest,
        counts=_counts(conn, account, now, latest_key),
    )


def _days_since(when: str | None, now: datetime) -> int | None:
    if not when:
        return None
    return max(0, (now - datetime.fromisoformat(when)).days)


def _counts(
    conn: Connection, account: Account, now: datetime, latest_key: str | None
) -> dict[str, int]:
    """Active kiosks in scope: all, silent (``SILENT_DAYS``), with errors, outdated."""
    silent_before = _iso(now - timedelta(days=SILENT_DAYS))
    where = [device.c.revoked_at.is_(None)]
    scope = account.scope_clause(device.c.region)
    if scope is not None:
        where.append(scope)

    def counted(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    outdated = (
        or_(device.c.app_version_key < latest_key, device.c.app_version_key.is_(None))
        if latest_key
        else device.c.id.is_(None)
    )
    row = conn.execute(
        select(
            func.count(),
            counted(device.c.last_seen < silent_before),
            counted(device.c.last_error.is_not(None)),
            counted(outdated),
        ).where(*where)
    ).one()
    return {
        "all": int(row[0]),
        "silent": int(row[1]),
        "errors": int(row[2]),
        "outdated": int(row[3]),
    }


def device_in_scope(conn: Connection, account: Account, device_id: str) -> dict[str, Any] | None:
    """One device, if the account may see it (else None, as if it did not exist)."""
    row = conn.execute(select(device).where(device.c.id == device_id)).first()
    if row is None or not account.sees(str(row.region)):
        return None
    return {k: v for k, v in row._mapping.items() if k != "token_hash"}
