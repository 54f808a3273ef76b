"""Enrollment codes as the console sees them: the region picker's steps (a place's path
and children), the codes made in an account's scope, and expiring one early. Codes are
made by ``devices.new_enroll_code``, the same as ``kiosk-server enroll-code``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import segno
from sqlalchemy import Connection, Engine, select, update

from kiosk_app.domain.regions import ancestors
from kiosk_server.admin import sessions
from kiosk_server.admin.accounts import Account
from kiosk_server.db import admin_account, enroll_code, region

LIST_LIMIT = 100
TTL_CHOICES = (24, 72, 168)  # hours; the server's limit is 7 days


def place(conn: Connection, code: str) -> dict[str, Any] | None:
    row = conn.execute(select(region).where(region.c.code == code)).first()
    return None if row is None else dict(row._mapping)


def path_to(conn: Connection, account: Account, code: str) -> list[dict[str, Any]]:
    """The picker's crumbs: from the top the account may see down to ``code``."""
    codes = [c for c in [*ancestors(code), code] if account.sees(c)]
    names = {r.code: r.name for r in conn.execute(select(region).where(region.c.code.in_(codes)))}
    return [{"code": c, "name": names.get(c, c)} for c in codes]


def children(conn: Connection, account: Account, code: str | None) -> list[dict[str, Any]]:
    """The places one level below ``code`` (the provinces for None) the account sees."""
    if code is None:
        if account.region is not None:
            found = place(conn, account.region)
            return [found] if found else []
        query = select(region).where(region.c.level == "province")
    else:
        query = select(region).where(region.c.parent_code == code)
    rows = conn.execute(query.order_by(region.c.name)).all()
    return [dict(r._mapping) for r in rows if account.sees(str(r.code))]


def list_codes(conn: Connection, account: Account, now: str) -> list[dict[str, Any]]:
    """The newest codes in the account's scope, each with its state."""
    query = (
        select(
            enroll_code,
            region.c.name.label("region_name"),
            admin_account.c.email.label("created_by_email"),
        )
        .select_from(
            enroll_code.outerjoin(region, region.c.code == enroll_code.c.region).outerjoin(
                admin_account, admin_account.c.id == enroll_code.c.created_by
            )
        )
        .order_by(enroll_code.c.created_at.desc())
        .limit(LIST_LIMIT)
    )
    scope = account.scope_clause(enroll_code.c.region)
    if scope is not None:
        query = query.where(scope)
    rows = []
    for r in conn.execute(query):
        row = dict(r._mapping)
        row["state"] = (
            "used" if row["used_at"] else "expired" if row["expires_at"] <= now else "open"
        )
        rows.append(row)
    return rows


def expire_code(engine: Engine, account: Account, code_hash: str, ip: str) -> bool:
    """End an unused code now (in the account's scope); False when there is none."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    with engine.begin() as conn:
        row = conn.execute(
            select(enroll_code.c.region).where(
                enroll_code.c.code_hash == code_hash,
                enroll_code.c.used_at.is_(None),
                enroll_code.c.expires_at > now,
            )
        ).first()
        if row is None or not account.sees(str(row.region)):
            return False
        conn.execute(
            update(enroll_code).where(enroll_code.c.code_hash == code_hash).values(expires_at=now)
        )
        sessions.record(
            conn, account, "code_expired", target=code_hash[:16], region=str(row.region), ip=ip
        )
    return True


def qr_payload(server_url: str, code: str) -> str:
    """What the sheet's QR code holds: the server and the code, as a URI a scanner (or
    a person reading a phone's scan) can take apart."""
    return f"etalase-desa:enroll?server={quote(server_url, safe='')}&code={code}"


def qr_svg(payload: str) -> str:
    """The QR code as inline SVG (segno), black on white, with its quiet zone."""
    svg: str = segno.make_qr(payload, error="m").svg_inline(
        scale=6, title="Kode QR pendaftaran / enrollment QR code"
    )
    return svg
