"""Console sessions and the audit log: random session tokens stored hashed, a CSRF token
per session, and one audit row per action (who, what, when, where from).

A session lives ``SESSION_HOURS`` from login; logging out, disabling the account or its
expiry ends it. Only the SHA-256 of a session token is stored, like a device token.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from kiosk_server.admin.accounts import Account, account_from_row, now_iso
from kiosk_server.db import admin_account, admin_session, audit_log, read_only

SESSION_HOURS = 12.0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    account: Account
    csrf: str
    token_hash: str


def open_session(engine: Engine, account: Account, ip: str | None) -> tuple[str, Session]:
    """A new session for ``account`` (just authenticated): its cookie token and itself."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            admin_session.insert().values(
                token_hash=token_hash(token),
                account_id=account.id,
                csrf=csrf,
                created_at=now.isoformat(timespec="milliseconds"),
                expires_at=(now + timedelta(hours=SESSION_HOURS)).isoformat(
                    timespec="milliseconds"
                ),
            )
        )
        conn.execute(
            update(admin_account)
            .where(admin_account.c.id == account.id)
            .values(last_login_at=now.isoformat(timespec="milliseconds"))
        )
        record(conn, account, "login", ip=ip)
        # Sessions past their time go when anyone logs in: the table stays small.
        conn.execute(admin_session.delete().where(admin_session.c.expires_at <= now_iso()))
    return token, Session(account, csrf, token_hash(token))


def find_session(engine: Engine, token: str) -> Session | None:
    """The live session of an active account that ``token`` opens, else None."""
    if not token or len(token) > 100:
        return None
    hashed = token_hash(token)
    with engine.connect() as raw, read_only(raw).begin() as tx:
        row = tx.connection.execute(
            select(admin_account, admin_session.c.csrf)
            .join(admin_session, admin_session.c.account_id == admin_account.c.id)
            .where(
                admin_session.c.token_hash == hashed,
                admin_session.c.expires_at > now_iso(),
                admin_account.c.disabled_at.is_(None),
            )
        ).first()
    if row is None:
        return None
    return Session(account_from_row(row), str(row.csrf), hashed)


def close_session(engine: Engine, session: Session, ip: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(admin_session.delete().where(admin_session.c.token_hash == session.token_hash))
        record(conn, session.account, "logout", ip=ip)


def record(
    conn: Connection,
    who: Account | None,
    action: str,
    *,
    target: str | None = None,
    region: str | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
    email: str | None = None,
) -> None:
    """One audit row, in the caller's transaction (so the action and its record commit
    together). ``email`` names the person when there is no account (a failed login)."""
    conn.execute(
        audit_log.insert().values(
            at=now_iso(),
            account_id=who.id if who else None,
            email=who.email if who else email,
            action=action,
            target=target,
            region=region,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
            ip=ip,
        )
    )


def audit(engine: Engine, who: Account | None, action: str, **fields: Any) -> None:
    """``record`` in a transaction of its own."""
    with engine.begin() as conn:
        record(conn, who, action, **fields)


def recent_actions(
    engine: Engine, who: Account | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest audit rows (of one account when given), newest first."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if who is not None:
        query = query.where(audit_log.c.account_id == who.id)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
