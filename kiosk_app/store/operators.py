"""Local operator accounts: create, list, disable, and check a PIN against a slow hash.

Operators never sync: a PIN opens this kiosk only. The PIN is stored as PBKDF2-HMAC-SHA256
with a per-operator random salt and enough iterations that guessing all 10^4..10^8 PINs
from a stolen database file is slow; the hash records its own parameters so they can be
raised later without breaking old accounts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from kiosk_app.domain.errors import FieldError, ValidationError
from kiosk_app.domain.record_ids import uuid7
from kiosk_app.domain.validation import validate_operator, validate_pin
from kiosk_app.store.store import NotFoundError, Store

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 240_000
SALT_BYTES = 16


@dataclass(frozen=True)
class Operator:
    """An operator account as the UI sees it (never the PIN hash)."""

    id: str
    name: str
    role: str
    disabled: bool

    @property
    def is_technician(self) -> bool:
        return self.role == "technician"


def hash_pin(pin: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>`` of a valid PIN."""
    pin = validate_pin(pin)
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, iterations)
    return f"{ALGORITHM}${iterations}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    """True when ``pin`` hashes to ``stored``; compares in constant time."""
    try:
        algorithm, iterations, salt_hex, digest_hex = stored.split("$")
        if algorithm != ALGORITHM:
            return False
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(digest_hex)
        rounds = int(iterations)
    except ValueError:
        return False
    if not (isinstance(pin, str) and pin.isascii()):
        return False
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("ascii"), salt, rounds)
    return hmac.compare_digest(digest, expected)


def _operator(row: dict[str, Any]) -> Operator:
    return Operator(row["id"], row["name"], row["role"], bool(row["disabled"]))


def create_operator(store: Store, name: str, pin: str, role: str = "operator") -> Operator:
    """A new account; names are unique among active operators (case-insensitive)."""
    clean_name, clean_role = validate_operator(name, role)
    pin_hash = hash_pin(pin)
    taken = store.db.execute(
        "SELECT 1 FROM operator WHERE lower(name) = lower(?) AND disabled = 0", [clean_name]
    ).fetchone()
    if taken:
        raise ValidationError(
            [
                FieldError(
                    "name",
                    "name.taken",
                    f"Nama petugas '{clean_name}' sudah dipakai.",
                    f"Operator name '{clean_name}' is already taken.",
                )
            ]
        )
    row = {
        "id": uuid7(),
        "name": clean_name,
        "pin_hash": pin_hash,
        "role": clean_role,
        "disabled": 0,
        "created_at": store.now(),
    }
    with store.db.atomic():
        store.db["operator"].insert(row)  # type: ignore[union-attr]
    return _operator(row)


def list_operators(store: Store, *, include_disabled: bool = False) -> list[Operator]:
    """Accounts ordered by name; disabled ones only when asked."""
    where = "" if include_disabled else "WHERE disabled = 0"
    rows = store.db.query(
        f"SELECT id, name, role, disabled FROM operator {where} ORDER BY lower(name)"
    )
    return [_operator(r) for r in rows]


def has_operators(store: Store) -> bool:
    """False on first run, before any active account exists."""
    row = store.db.execute("SELECT 1 FROM operator WHERE disabled = 0 LIMIT 1").fetchone()
    return row is not None


def verify_pin(store: Store, operator_id: str, pin: str) -> Operator | None:
    """The operator when ``pin`` is theirs and the account is active, else None."""
    rows = list(
        store.db.query(
            "SELECT id, name, role, disabled, pin_hash FROM operator WHERE id = ?", [operator_id]
        )
    )
    if not rows or rows[0]["disabled"]:
        return None
    return _operator(rows[0]) if pin_matches(pin, rows[0]["pin_hash"]) else None


def change_pin(store: Store, operator_id: str, pin: str) -> None:
    """Set a new PIN for an account."""
    pin_hash = hash_pin(pin)
    with store.db.atomic():
        cursor = store.db.execute(
            "UPDATE operator SET pin_hash = ? WHERE id = ?", [pin_hash, operator_id]
        )
    if cursor.rowcount == 0:
        raise NotFoundError("operator", operator_id)


def disable_operator(store: Store, operator_id: str) -> None:
    """Disable an account. The last active technician cannot be disabled (no lock-out)."""
    rows = list(store.db.query("SELECT role FROM operator WHERE id = ?", [operator_id]))
    if not rows:
        raise NotFoundError("operator", operator_id)
    if rows[0]["role"] == "technician":
        others = store.db.execute(
            "SELECT count(*) FROM operator WHERE role = 'technician' AND disabled = 0 AND id != ?",
            [operator_id],
        ).fetchone()[0]
        if not others:
            raise ValidationError(
                [
                    FieldError(
                        "role",
                        "technician.last",
                        "Teknisi terakhir tidak bisa dinonaktifkan.",
                        "The last technician account cannot be disabled.",
                    )
                ]
            )
    with store.db.atomic():
        store.db.execute("UPDATE operator SET disabled = 1 WHERE id = ?", [operator_id])
