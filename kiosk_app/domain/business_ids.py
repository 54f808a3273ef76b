"""Business identifiers of a merchant (NIB, NPWP, P-IRT, halal certificate, email).

Each function returns the value as we store it, or raises ValidationError. Numbers are
stored as digits only: people type them with dots, dashes and spaces in many shapes.
"""

from __future__ import annotations

import re

from kiosk_app.domain.i18n import both
from kiosk_app.domain.records import MERCHANT
from kiosk_app.domain.text import clean_text, fail

HALAL_LABEL = MERCHANT.label("halal_cert")

NIB_DIGITS = 13
NPWP_DIGITS = 16
NPWP_LEGACY_DIGITS = 15
PIRT_MIN_DIGITS = 15
PIRT_MAX_DIGITS = 17
HALAL_CERT_MAX = 64
EMAIL_MAX = 254

# Separators people put inside numbers; anything else (letters) means a wrong value.
_SEPARATORS_RE = re.compile(r"[\s.\-/]")
# "P-IRT No. 2063503010512-25", "SPP-IRT: …", "PIRT nomor …".
_PIRT_PREFIX_RE = re.compile(
    r"^(?:sp)?p\s*-?\s*irt\s*(?:no(?:mor)?\.?)?\s*:?\s*|^(?:no(?:mor)?\.?)\s*:?\s*",
    re.IGNORECASE,
)
_EMAIL_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_EMAIL_LOCAL_RE = re.compile(rf"{_EMAIL_ATOM}(?:\.{_EMAIL_ATOM})*")
_EMAIL_DOMAIN_RE = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _digits_only(text: object) -> str | None:
    """The digits of ``text`` once separators are dropped; None if anything else is in it."""
    if not isinstance(text, str):
        return None
    digits = _SEPARATORS_RE.sub("", text)
    return digits if digits.isascii() and digits.isdigit() else None


def normalize_nib(text: str, *, field: str = "nib") -> str:
    """NIB (Nomor Induk Berusaha, from OSS): exactly 13 digits."""
    digits = _digits_only(text)
    if digits is None or len(digits) != NIB_DIGITS:
        raise fail(
            field,
            "invalid",
            *both("NIB must be {nib_digits} digits. Example: 9120001234567", nib_digits=NIB_DIGITS),
        )
    return digits


def normalize_npwp(text: str, *, field: str = "npwp") -> str:
    """NPWP as 16 digits.

    Since 2024 the NPWP has 16 digits (PMK 112/PMK.03/2022). An old 15-digit NPWP
    (``01.234.567.8-901.000``) stays valid: DJP writes it as 16 digits by putting a 0
    in front, and so do we, so one taxpayer has one stored value.
    """
    digits = _digits_only(text)
    if digits is not None and len(digits) == NPWP_LEGACY_DIGITS:
        digits = "0" + digits
    if digits is None or len(digits) != NPWP_DIGITS:
        raise fail(
            field,
            "invalid",
            *both(
                "NPWP must be 16 digits (or an old 15-digit NPWP). Example: 01.234.567.8-901.000"
            ),
        )
    return digits


def normalize_pirt(text: str, *, field: str = "pirt") -> str:
    """P-IRT (home-industry food permit) number as digits: 15 to 17 of them.

    Usually 15 digits written ``P-IRT No. 2063503010512-25``; some regencies issue a
    few more digits, so 15-17 are accepted. The printed prefix is dropped.
    """
    digits = None
    if isinstance(text, str):
        digits = _digits_only(_PIRT_PREFIX_RE.sub("", text.strip()))
    if digits is None or not PIRT_MIN_DIGITS <= len(digits) <= PIRT_MAX_DIGITS:
        raise fail(
            field,
            "invalid",
            *both("P-IRT number must be 15 to 17 digits. Example: P-IRT No. 2063503010512-25"),
        )
    return digits


def normalize_halal_cert(text: str, *, field: str = "halal_cert") -> str:
    """Halal certificate number or note as typed (BPJPH numbers vary): one line, ≤ 64."""
    return clean_text(
        text,
        field=field,
        label_id=HALAL_LABEL.id,
        label_en=HALAL_LABEL.en,
        max_len=HALAL_CERT_MAX,
    )


def normalize_email(text: str, *, field: str = "email") -> str:
    """A plausible address (shape only, no DNS); the domain is lower-cased."""
    value = text.strip() if isinstance(text, str) else ""
    local, at, domain = value.rpartition("@")
    domain = domain.lower()
    if not (
        at
        and len(value) <= EMAIL_MAX
        and len(local) <= 64
        and _EMAIL_LOCAL_RE.fullmatch(local)
        and _EMAIL_DOMAIN_RE.fullmatch(domain)
    ):
        raise fail(
            field,
            "invalid",
            *both("Invalid email address. Example: myshop@gmail.com"),
        )
    return f"{local}@{domain}"
