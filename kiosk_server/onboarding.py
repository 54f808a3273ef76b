"""Onboarding figures for the programme console: merchants and products by region, over time.

One level at a time (province → regency → district → village): the rows of a region
are grouped by the first characters of their ``scope_code`` (the merchant's village
code; a product's and a photo's are their merchant's), so each figure is one grouped
query over the ``scope_code`` index, the same SQL on SQLite and PostgreSQL.

- registered: merchants not deleted (nor erased);
- consented: of those, with their consent recorded whole (version, time, operator);
- in catalog: merchants with at least one product the public catalog shows
  (``catalog.queries.public_product``: published, consenting, active, not hidden);
- products: not deleted; published: shown in the catalog; photos: not deleted.

Over time: merchants and products by the day the server first received them
(``created_at``: when a kiosk brought them online), in days, weeks or months.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, func, literal_column, or_, select

from kiosk_app.domain.regions import in_scope
from kiosk_server.catalog.queries import public_product, region_names
from kiosk_server.db import RECORD_TABLES, read_only
from kiosk_server.export import csv_cell

merchant = RECORD_TABLES["merchant"]
product = RECORD_TABLES["product"]
photo = RECORD_TABLES["photo"]

LEVELS = ("province", "regency", "district", "village")
CODE_LENGTH = {"province": 2, "regency": 5, "district": 8, "village": 13}
FIGURES = ("merchants", "consented", "in_catalog", "products", "published", "photos")
LABELS = {
    "merchants": ("Penjual terdaftar", "Merchants registered"),
    "consented": ("Dengan persetujuan", "With consent"),
    "in_catalog": ("Tampil di katalog", "In the catalog"),
    "products": ("Produk", "Products"),
    "published": ("Produk tampil", "Products shown"),
    "photos": ("Foto", "Photos"),
}


@dataclass
class RegionRow:
    code: str
    name: str
    merchants: int = 0
    consented: int = 0
    in_catalog: int = 0
    products: int = 0
    published: int = 0
    photos: int = 0


def child_level(parent: str | None) -> str:
    """The level shown below ``parent`` (a village shows itself)."""
    if parent is None:
        return "province"
    depth = parent.count(".")
    return LEVELS[min(depth + 1, len(LEVELS) - 1)]


def _live(table: Any) -> ColumnElement[bool]:
    return or_(table.c.deleted.is_(None), table.c.deleted == 0)


def _filled(column: Any) -> ColumnElement[bool]:
    return and_(column.is_not(None), func.length(func.trim(column)) > 0)


def _inside(table: Any, parent: str | None) -> ColumnElement[bool] | None:
    if parent is None:
        return None
    return or_(table.c.scope_code == parent, table.c.scope_code.like(parent + ".%"))


def _grouped(conn: Connection, table: Any, parent: str | None, length: int,
             counts: dict[str, Any], where: Any = None, join: Any = None) -> list[Any]:  # fmt: skip
    # The length inline, not bound: PostgreSQL must see the same expression in GROUP BY.
    key = func.substr(table.c.scope_code, 1, literal_column(str(length)))
    query = select(key.label("code"), *(v.label(k) for k, v in counts.items()))
    if join is not None:
        query = query.select_from(join)
    conditions = [c for c in (_inside(table, parent), where) if c is not None]
    if conditions:
        query = query.where(*conditions)
    return list(conn.execute(query.group_by(key)))


def breakdown(conn: Connection, parent: str | None) -> list[RegionRow]:
    """The figures of each region one level below ``parent`` (None: provinces)."""
    conn = read_only(conn)
    length = CODE_LENGTH[child_level(parent)]
    rows: dict[str, RegionRow] = {}

    def row(code: str) -> RegionRow:
        return rows.setdefault(code, RegionRow(code, code))

    consented = and_(
        _filled(merchant.c.consent_version),
        _filled(merchant.c.consent_at),
        _filled(merchant.c.consent_operator),
    )
    for r in _grouped(
        conn, merchant, parent, length,
        {"n": func.count(), "c": func.count(case((consented, 1)))},
        where=and_(_live(merchant), merchant.c.erased_at.is_(None)),
    ):  # fmt: skip
        row(r.code).merchants = int(r.n)
        row(r.code).consented = int(r.c or 0)
    for r in _grouped(conn, product, parent, length, {"n": func.count()}, where=_live(product)):
        row(r.code).products = int(r.n)
    for r in _grouped(
        conn, product, parent, length,
        {"n": func.count(), "m": func.count(func.distinct(product.c.merchant_id))},
        where=public_product(),
        join=product.join(merchant, merchant.c.id == product.c.merchant_id),
    ):  # fmt: skip
        row(r.code).published = int(r.n)
        row(r.code).in_catalog = int(r.m)
    for r in _grouped(conn, photo, parent, length, {"n": func.count()}, where=_live(photo)):
        row(r.code).photos = int(r.n)
    names = region_names(conn, list(rows))
    for code, found in rows.items():
        found.name = names.get(code, code)
    return sorted(rows.values(), key=lambda r: (r.name, r.code))


def totals(rows: list[RegionRow], code: str, name: str) -> RegionRow:
    total = RegionRow(code, name)
    for r in rows:
        for figure in FIGURES:
            setattr(total, figure, getattr(total, figure) + getattr(r, figure))
    return total


@dataclass
class Series:
    """Cumulative counts at the end of each period (``labels``: its first day)."""

    labels: list[str]
    merchants: list[int]
    products: list[int]
    unit: str  # "day", "week" or "month"


def _daily(conn: Connection, table: Any, parent: str | None) -> dict[str, int]:
    day = func.substr(table.c.created_at, 1, literal_column("10"))
    query = select(day.label("day"), func.count().label("n")).where(_live(table))
    if table is merchant:
        query = query.where(merchant.c.erased_at.is_(None))
    if (inside := _inside(table, parent)) is not None:
        query = query.where(inside)
    return {str(r.day): int(r.n) for r in conn.execute(query.group_by(day))}


def _period(day: date, unit: str) -> date:
    if unit == "month":
        return day.replace(day=1)
    if unit == "week":
        return day - timedelta(days=day.weekday())
    return day


def over_time(conn: Connection, parent: str | None, today: date, max_points: int = 30) -> Series:
    """Merchants and products received so far, cumulated by day, week or month (the
    finest unit that keeps the chart within ``max_points`` periods)."""
    conn = read_only(conn)
    merchants = _daily(conn, merchant, parent)
    products = _daily(conn, product, parent)
    days = sorted({date.fromisoformat(d) for d in [*merchants, *products]})
    if not days:
        return Series([], [], [], "day")
    first = days[0]
    span = (today - first).days + 1
    unit = "day" if span <= max_points else "week" if span <= max_points * 7 else "month"
    periods: list[date] = []
    cursor = _period(first, unit)
    while cursor <= today:
        periods.append(cursor)
        if unit == "month":
            cursor = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            cursor += timedelta(days=1 if unit == "day" else 7)
    periods = periods[-max_points:]
    series = Series([p.isoformat() for p in periods], [], [], unit)
    for counts, out in ((merchants, series.merchants), (products, series.products)):
        for n in range(len(periods)):
            end = periods[n + 1] if n + 1 < len(periods) else today + timedelta(days=1)
            out.append(sum(v for d, v in counts.items() if date.fromisoformat(d) < end))
    return series


def to_csv(rows: list[RegionRow]) -> str:
    """The breakdown as CSV (spreadsheet-safe cells), header in English field names."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "name", *FIGURES])
    for r in rows:
        values = asdict(r)
        writer.writerow([csv_cell(values["code"]), csv_cell(values["name"]),
                         *(values[f] for f in FIGURES)])  # fmt: skip
    return out.getvalue()


def allowed(code: str | None, scope: str | None) -> bool:
    """May a coordinator of ``scope`` (None: national) look at region ``code``?"""
    if scope is None:
        return True
    return code is not None and in_scope(code, scope)
