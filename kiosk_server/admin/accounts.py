"""Program console accounts: roles, region scope, argon2 password hashes, enable/disable.

A ``national`` coordinator sees and acts everywhere; a ``region`` coordinator only inside
their region code (a Kemendagri code at any level: ``35`` a province, ``35.07`` a
regency); a ``viewer`` reads (everywhere, or inside a region when given one) and changes
nothing. Nothing here knows HTTP: the pages and the ``kiosk-server admin`` command share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, or_, select, update

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.record_ids import uuid7
from kiosk_app.domain.regions import in_scope, validate_region_code
from kiosk_server.db import admin_account, admin_session, region

ROLES = ("national", "region", "viewer")
WRITE_ROLES = frozenset({"national", "region"})
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_EMAIL = 254
_HASHER = PasswordHasher()  # argon2id, the library's current defaults
# Verified when an email is unknown, so an unknown account takes as long as a known one.
_DUMMY_HASH = _HASHER.hash("etalase-desa: no such account")


class AccountError(ValueError):
    """A bad account request, said for a person (Bahasa Indonesia, then English)."""


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    role: str
    region: str | None  # None: the whole country

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES

    def sees(self, code: str | None) -> bool:
        """True when the region ``code`` (a device's, a code's) lies inside this scope."""
        if self.region is None:
            return True
        return code is not None and in_scope(code, self.region)

    def scope_clause(self, column: Any) -> Any:
        """A SQL condition keeping ``column`` (a region code) inside this scope, or None."""
        if self.region is None:
            return None
        return or_(column == self.region, column.like(self.region + ".%"))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _check_email(email: str) -> str:
    email = normalize_email(email)
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > MAX_EMAIL or any(c.isspace() for c in email):
        raise AccountError(f"Alamat email tidak sah / Not a valid email address: {email!r}")
    return email


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(
            f"Kata sandi minimal {MIN_PASSWORD} karakter / "
            f"The password needs at least {MIN_PASSWORD} characters"
        )
    return password


def _check_scope(conn: Connection, role: str, code: str | None) -> str | None:
    if role not in ROLES:
        raise AccountError(f"Peran tidak dikenal / Unknown role: {role} ({', '.join(ROLES)})")
    if role == "national":
        if code:
            raise AccountError(
                "Admin pusat tidak punya wilayah; jangan beri --region / "
                "a national account has no region: leave out --region"
            )
        return None
    if not code:
        if role == "region":
            raise AccountError(
                "Koordinator wilayah perlu --region KODE / a region account needs --region CODE"
            )
        return None
    try:
        code = validate_region_code(code, field="region")
    except ValidationError as exc:
        raise AccountError(str(exc)) from exc
    if conn.execute(select(region.c.code).where(region.c.code == code)).first() is None:
        raise AccountError(
            f"Wilayah {code} tidak ada di daftar wilayah (impor dulu) / "
            f"region {code} is not in the region list (import it first)"
        )
    return code


def add_account(engine: Engine, email: str, password: str, role: str, code: str | None) -> Account:
    """Create an account; ``AccountError`` when the email is taken or a value is bad."""
    email = _check_email(email)
    hashed = _HASHER.hash(check_password(password))
    with engine.begin() as conn:
        scope = _check_scope(conn, role, code)
        taken = conn.execute(
            select(admin_account.c.id).where(admin_account.c.email == email)
        ).first()
        if taken is not None:
            raise AccountError(f"Email sudah dipakai / Email already has an account: {email}")
        account = Account(uuid7(), email, role, scope)
        conn.execute(
            admin_account.insert().values(
                id=account.id,
                email=email,
                password_hash=hashed,
                role=role,
                region=scope,
                created_at=now_iso(),
            )
        )
    return account


def list_accounts(engine: Engine) -> list[dict[str, Any]]:
    columns = [c for c in admin_account.c if c.name != "password_hash"]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).order_by(admin_account.c.email)).all()
    return [dict(r._mapping) for r in rows]


def disable_account(engine: Engine, email: str) -> None:
    """Disable an account and end its sessions at once; LookupError if there is none."""
    email = normalize_email(email)
    with engine.begin() as conn:
        found = conn.execute(
            select(admin_account.c.id).where(admin_account.c.email == email)
        ).first()
        if found is None:
            raise LookupError(email)
        conn.execute(
            update(admin_account)
            .where(admin_account.c.id == found.id, admin_account.c.disabled_at.is_(None))
            .values(disabled_at=now_iso())
        )
        conn.execute(admin_session.delete().where(admin_session.c.account_id == found.id))


def authenticate(engine: Engine, email: str, password: str) -> Account | None:
    """The active account whose password this is, else None (same work either way)."""
    email = normalize_email(email)[:MAX_EMAIL]
    with engine.connect() as conn:
        row = conn.execute(select(admin_account).where(admin_account.c.email == email)).first()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password[:MAX_PASSWORD])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled_at is not None:
        return None
    if _HASHER.check_needs_rehash(stored):
        with engine.begin() as conn:
            conn.execute(
                update(admin_account)
                .where(admin_account.c.id == row.id)
                .values(password_hash=_HASHER.hash(password))
            )
    return Account(row.id, row.email, row.role, row.region)


def account_from_row(row: Any) -> Account:
    return Account(str(row.id), str(row.email), str(row.role), row.region)
