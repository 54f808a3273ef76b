"""Devices: one-time enrollment codes, hashed tokens, revocation, bundle keys.

Codes are short enough to type from a phone call, single-use and expiring (7 days at
most), stored as an HMAC under the server's secret (``keys``): a copy of the database
does not let anyone try codes offline. Every refused code gets the same answer; which
case it was (unknown, used, expired) goes to the server log. Tokens are random, shown
once, and stored only as their SHA-256. A device may register the public half of the
Ed25519 key pair it signs USB bundles with, once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.i18n import one_line
from kiosk_app.domain.record_ids import uuid7
from kiosk_app.domain.regions import validate_region_code
from kiosk_app.protocol.messages import Telemetry
from kiosk_server import upload_state
from kiosk_server.config import MAX_ENROLL_TTL_HOURS
from kiosk_server.db import device, enroll_code, is_postgres, read_only, region, upload
from kiosk_server.driver_reads import pg_rows
from kiosk_server.keys import ServerKeys

log = logging.getLogger(__name__)

# No 0/O, 1/I/L, 5/S, 2/Z: easy to read aloud and type.
CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
CODE_LENGTH = 10
TOUCH_INTERVAL_S = 60
MAX_SKEW_S = 10 * 365 * 86400  # a clock years off is "years off": fits the column
# Codes stored before codes were keyed with the server's secret (migration 0003).
LEGACY_PREFIX = "sha256:"
BUNDLE_KEY_BYTES = 32  # a raw Ed25519 public key


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


def new_enroll_code(
    engine: Engine,
    keys: ServerKeys,
    region_code: str,
    ttl_hours: float,
    created_by: str | None = None,
) -> str:
    """Create a one-time code for a device scoped to ``region_code`` (any level), valid
    ``ttl_hours`` (more than 0, at most 7 days); ``created_by``: the console account."""
    if not 0 < ttl_hours <= MAX_ENROLL_TTL_HOURS:
        raise EnrollError(
            "invalid_ttl",
            one_line(
                "--ttl-hours must be more than 0 and at most {max_enroll_ttl_hours:g}",
                max_enroll_ttl_hours=MAX_ENROLL_TTL_HOURS,
            ),
        )
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
                code_hash=keys.code_hash(raw),
                region=region_code,
                created_by=created_by,
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


def parse_bundle_key(text: str) -> bytes:
    """A device's bundle public key from its base64 text; ValueError if it is not one."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("bundle_key must be base64") from exc
    if len(raw) != BUNDLE_KEY_BYTES:
        raise ValueError(f"bundle_key must be {BUNDLE_KEY_BYTES} bytes (Ed25519)")
    Ed25519PublicKey.from_public_bytes(raw)  # ValueError if it is not a key
    return raw


def enroll(
    engine: Engine,
    keys: ServerKeys,
    code: str,
    device_name: str,
    app_version: str | None,
    node_id: str | None,
    bundle_key: str | None = None,
) -> Enrolled:
    """Redeem a code: exactly one device per code, even under concurrent attempts.

    Every refusal raises the same ``EnrollError``; the reason is logged."""
    normalized = normalize_code(code)
    hashes = [keys.code_hash(normalized), LEGACY_PREFIX + sha256_hex(normalized)]
    token = secrets.token_urlsafe(32)
    device_id = uuid7()
    now = now_iso()
    with engine.begin() as conn:
        # The conditional UPDATE claims the code atomically: a second, concurrent use
        # finds used_at already set and changes no row.
        claimed = conn.execute(
            update(enroll_code)
            .where(enroll_code.c.code_hash.in_(hashes))
            .where(enroll_code.c.used_at.is_(None))
            .where(enroll_code.c.expires_at > now)
            .values(used_at=now, device_id=device_id)
            .returning(enroll_code.c.region)
        ).first()
        if claimed is None:
            row = conn.execute(
                select(enroll_code.c.used_at, enroll_code.c.expires_at).where(
                    enroll_code.c.code_hash.in_(hashes)
                )
            ).first()
            reason = "unknown" if row is None else "used" if row.used_at else "expired"
            log.info("enrollment refused: %s code", reason, extra={"fields": {"reason": reason}})
            raise EnrollError(
                "code_invalid",
                one_line("This enrollment code cannot be used: mistyped, already used or expired."),
            )
        conn.execute(
            insert(device).values(
                id=device_id,
                name=device_name[:100],
                region=claimed.region,
                node_id=node_id,
                token_hash=sha256_hex(token),
                bundle_key=bundle_key,
                app_version=app_version,
                app_version_key=version_key(app_version),
                created_at=now,
                last_seen=now,
            )
        )
    return Enrolled(device_id, token, str(claimed.region))


# Built once: every request of a device runs it, and building and keying a new
# statement object each time cost more than the query (bench_server_sync.py --cost).
_BY_TOKEN = select(device).where(device.c.token_hash == bindparam("token_hash"))
# PostgreSQL: the same read on psycopg itself (``driver_reads``), its row zipped with
# the column names.
_DEVICE_COLUMNS = tuple(c.name for c in device.c)
_BY_TOKEN_PG = f"SELECT {', '.join(_DEVICE_COLUMNS)} FROM device WHERE token_hash = %(token_hash)s"


def version_key(version: str | None) -> str:
    """A text that sorts as versions do (``0.10.0`` after ``0.9.2``): the first four
    numbers, each zero-padded; empty (before every version) without a number."""
    numbers = re.findall(r"\d+", version or "")[:4]
    if not numbers:
        return ""
    return ".".join(n[-9:].zfill(9) for n in numbers + ["0"] * (4 - len(numbers)))


def device_for_token(engine: Engine, token: str) -> dict[str, Any] | None:
    # A read (``read_only``): SQLite takes no write lock, PostgreSQL runs it in autocommit.
    # Closing an open transaction would roll it back, and a rollback makes psycopg forget
    # the connection's prepared statements.
    params = {"token_hash": sha256_hex(token)}
    with engine.connect() as raw, read_only(raw).begin() as tx:
        if is_postgres(raw):
            rows = pg_rows(tx.connection, _BY_TOKEN_PG, params)
            return dict(zip(_DEVICE_COLUMNS, rows[0], strict=True)) if rows else None
        row = tx.connection.execute(_BY_TOKEN, params).first()
    return None if row is None else dict(row._mapping)


def touch_due(found: dict[str, Any], app_version: str | None) -> bool:
    """Whether ``touch`` would write: a minute since the last sighting, or a new version."""
    version = app_version or found["app_version"]
    last = found["last_seen"]
    return not (
        version == found["app_version"]
        and last
        and datetime.now(UTC) - datetime.fromisoformat(last) < timedelta(seconds=TOUCH_INTERVAL_S)
    )


def touch(engine: Engine, found: dict[str, Any], app_version: str | None) -> None:
    """Note that a device was seen (and its app version): at most one write a minute."""
    if not touch_due(found, app_version):
        return
    version = app_version or found["app_version"]
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            update(device)
            .where(device.c.id == found["id"])
            .values(
                last_seen=now.isoformat(timespec="milliseconds"),
                app_version=version,
                app_version_key=version_key(version),
            )
        )


def telemetry_due(found: dict[str, Any], report: Telemetry, now_ms: int) -> bool:
    """Whether ``record_telemetry`` would write (see there)."""
    error = report.last_error[:300] if report.last_error else None
    changed = (
        found.get("pending_changes") != report.pending_changes
        or found.get("pending_photos") != report.pending_photos
        or found.get("last_error") != error
    )
    last = found.get("telemetry_at")
    if not changed and last:
        age_ms = now_ms - int(datetime.fromisoformat(last).timestamp() * 1000)
        if age_ms < TOUCH_INTERVAL_S * 1000:
            return False
    return True


def record_telemetry(engine: Engine, found: dict[str, Any], report: Telemetry, now_ms: int) -> bool:
    """Keep a device's telemetry (the fleet page shows it). Written when what waits or
    the last error changed, else at most once a minute: an idle kiosk's sync every ten
    minutes costs one small write, a busy one's batches do not each cost one. Returns
    whether it wrote."""
    if not telemetry_due(found, report, now_ms):
        return False
    error = report.last_error[:300] if report.last_error else None
    at = datetime.fromtimestamp(now_ms / 1000, UTC).isoformat(timespec="milliseconds")
    with engine.begin() as conn:
        conn.execute(
            update(device)
            .where(device.c.id == found["id"])
            .values(
                telemetry_at=at,
                pending_changes=report.pending_changes,
                pending_photos=report.pending_photos,
                last_error=error,
                last_error_at=report.last_error_at if error else None,
                clock_skew_s=max(-MAX_SKEW_S, min(MAX_SKEW_S, (report.sent_at - now_ms) // 1000)),
                sync_median_ms=report.sync_median_ms,
                bytes_per_day=report.bytes_per_day,
            )
        )
    return True


def list_devices(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(device).order_by(device.c.created_at)).all()
    return [{k: v for k, v in r._mapping.items() if k != "token_hash"} for r in rows]


def revoke(
    engine: Engine, device_id: str, also: Callable[[Connection, list[str]], None] | None = None
) -> list[str]:
    """Revoke a device at once: its next request is refused, and its unfinished uploads
    are removed with their bytes (a PATCH still running finds its upload gone). Returns
    the ids of those uploads; raises LookupError when there is no such active device.
    ``also(conn, upload_ids)`` runs in the same transaction (the console's audit row)."""
    with engine.begin() as conn:
        result = conn.execute(
            update(device)
            .where(device.c.id == device_id)
            .where(device.c.revoked_at.is_(None))
            .values(revoked_at=now_iso())
        )
        if not result.rowcount:
            raise LookupError(device_id)
        ids = [
            str(r[0])
            for r in conn.execute(
                select(upload.c.id).where(
                    upload.c.device_id == device_id, upload.c.completed_at.is_(None)
                )
            )
        ]
        upload_state.forget(conn, ids)
        if also is not None:
            also(conn, ids)
    return ids


class BundleKeyError(ValueError):
    pass


def register_bundle_key(engine: Engine, device_id: str, key: str) -> None:
    """Record the device's bundle public key; the same key again is fine, another one is
    refused (BundleKeyError): a stolen token must not let anyone sign bundles as it."""
    parse_bundle_key(key)
    with engine.begin() as conn:
        done = conn.execute(
            update(device)
            .where(device.c.id == device_id, device.c.bundle_key.is_(None))
            .values(bundle_key=key)
        )
        if done.rowcount:
            return
        held = conn.execute(select(device.c.bundle_key).where(device.c.id == device_id)).scalar()
    if held != key:
        raise BundleKeyError("this device already has another bundle key")
