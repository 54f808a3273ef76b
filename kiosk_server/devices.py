"""Devices: one-time enrollment codes, hashed tokens, revocation.

Codes are short enough to type from a phone call, single-use and expiring; tokens are
random, shown once, and stored only as their SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.ids import uuid7
from kiosk_app.domain.regions import validate_region_code
from kiosk_server.db import device, enroll_code, read_only, region

# No 0/O, 1/I/L, 5/S, 2/Z: easy to read aloud and type.
CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
CODE_LENGTH = 10
TOUCH_INTERVAL_S = 60


class EnrollError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_enroll_code(engine: Engine, region_code: str, ttl_hours: float) -> str:
    """Create a one-time code for a device scoped to ``region_code`` (any level)."""
    try:
        region_code = validate_region_code(region_code, field="region")
    except ValidationError as exc:
        raise EnrollError("invalid_region", str(exc)) from exc
    with engine.begin() as conn:
        known = conn.execute(select(region.c.code).where(region.c.code == region_code)).first()
        if known is None:
            raise EnrollError(
                "unknown_region",
                f"region {region_code} is not in the region list (import it first)",
            )
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        created = datetime.now(UTC)
        conn.execute(
            insert(enroll_code).values(
                code_hash=sha256_hex(raw),
                region=region_code,
                created_at=created.isoformat(timespec="milliseconds"),
                expires_at=(created + timedelta(hours=ttl_hours)).isoformat(
                    timespec="milliseconds"
                ),
            )
        )
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@dataclass(frozen=True)
class Enrolled:
    device_id: str
    token: str
    region: str


def enroll(
    engine: Engine, code: str, device_name: str, app_version: str | None, node_id: str | None
) -> Enrolled:
    """Redeem a code: exactly one device per code, even under concurrent attempts."""
    code_hash = sha256_hex(normalize_code(code))
    token = secrets.token_urlsafe(32)
    device_id = uuid7()
    now = now_iso()
    with engine.begin() as conn:
        # The conditional UPDATE claims the code atomically: a second, concurrent use
        # finds used_at already set and changes no row.
        claimed = conn.execute(
            update(enroll_code)
            .where(enroll_code.c.code_hash == code_hash)
            .where(enroll_code.c.used_at.is_(None))
            .where(enroll_code.c.expires_at > now)
            .values(used_at=now, device_id=device_id)
            .returning(enroll_code.c.region)
        ).first()
        if claimed is None:
            row = conn.execute(
                select(enroll_code.c.used_at, enroll_code.c.expires_at).where(
                    enroll_code.c.code_hash == code_hash
                )
            ).first()
            if row is None:
                raise EnrollError(
                    "code_invalid", "Kode pendaftaran salah. (Wrong enrollment code.)"
                )
            if row.used_at is not None:
                raise EnrollError(
                    "code_used",
                    "Kode pendaftaran sudah dipakai; minta kode baru. "
                    "(This enrollment code was already used.)",
                )
            raise EnrollError(
                "code_expired",
                "Kode pendaftaran sudah kedaluwarsa; minta kode baru. "
                "(This enrollment code has expired.)",
            )
        conn.execute(
            insert(device).values(
                id=device_id,
                name=device_name[:100],
                region=claimed.region,
                node_id=node_id,
                token_hash=sha256_hex(token),
                app_version=app_version,
                created_at=now,
                last_seen=now,
            )
        )
    return Enrolled(device_id, token, str(claimed.region))


def device_for_token(engine: Engine, token: str) -> dict[str, Any] | None:
    # A read (``read_only``): SQLite takes no write lock, PostgreSQL runs it in autocommit.
    # Closing an open transaction would roll it back, and a rollback makes psycopg forget
    # the connection's prepared statements.
    with engine.connect() as raw, read_only(raw).begin() as tx:
        row = tx.connection.execute(
            select(device).where(device.c.token_hash == sha256_hex(token))
        ).first()
    return None if row is None else dict(row._mapping)


def touch(engine: Engine, found: dict[str, Any], app_version: str | None) -> None:
    """Note that a device was seen (and its app version): at most one write a minute."""
    version = app_version or found["app_version"]
    last = found["last_seen"]
    now = datetime.now(UTC)
    if (
        version == found["app_version"]
        and last
        and now - datetime.fromisoformat(last) < timedelta(seconds=TOUCH_INTERVAL_S)
    ):
        return
    with engine.begin() as conn:
        conn.execute(
            update(device)
            .where(device.c.id == found["id"])
            .values(last_seen=now.isoformat(timespec="milliseconds"), app_version=version)
        )


def list_devices(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(device).order_by(device.c.created_at)).all()
    return [{k: v for k, v in r._mapping.items() if k != "token_hash"} for r in rows]


def revoke(engine: Engine, device_id: str) -> bool:
    with engine.begin() as conn:
        result = conn.execute(
            update(device)
            .where(device.c.id == device_id)
            .where(device.c.revoked_at.is_(None))
            .values(revoked_at=now_iso())
        )
    return bool(result.rowcount)
