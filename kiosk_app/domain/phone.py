"""Indonesian phone numbers: normalise to E.164 (``+62…``) and build WhatsApp links."""

from __future__ import annotations

import re
from urllib.parse import quote

import phonenumbers

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.i18n import both
from kiosk_app.domain.text import fail

REGION = "ID"
_FIELD = "phone"
_EXAMPLE = "0812-3456-7890"
# phonenumbers gives up on longer input anyway; this keeps the error ours.
_MAX_INPUT = 40
_SEPARATORS_RE = re.compile(r"[\s().\-]")


def _invalid(field: str) -> ValidationError:
    return fail(
        field,
        "invalid",
        *both("Invalid phone number. Example: {example}", example=_EXAMPLE),
    )


def normalize_phone(text: str, *, field: str = _FIELD) -> str:
    """E.164 text (``+6281234567890``) of an Indonesian number written any usual way.

    Accepts ``0812-3456-7890``, ``+62 812 3456 7890``, ``6281234567890``,
    ``(0812) 3456 7890``; digits starting with 62 are always read as +62. Refuses
    numbers that are not valid Indonesian numbers under the ``phonenumbers`` rules for
    region ID, and numbers with an extension (E.164 cannot carry it: it would be lost).
    """
    if not isinstance(text, str):
        raise _invalid(field)
    raw = text.strip()
    if not raw:
        raise fail(
            field,
            "required",
            *both("Phone number is empty. Example: {example}", example=_EXAMPLE),
        )
    if len(raw) > _MAX_INPUT:
        raise _invalid(field)
    compact = _SEPARATORS_RE.sub("", raw)
    if compact.startswith("62"):
        # "62812…" is the international form without its plus. Read as a national
        # number it can also look valid (+62 62812…), which would be a wrong number.
        raw = "+" + compact
    try:
        number = phonenumbers.parse(raw, REGION)
    except phonenumbers.NumberParseException as exc:
        raise _invalid(field) from exc
    if number.extension:
        raise _invalid(field)
    if not phonenumbers.is_valid_number(number):
        raise _invalid(field)
    if phonenumbers.region_code_for_number(number) != REGION:
        raise fail(
            field,
            "not_indonesian",
            *both(
                "The phone number must be Indonesian (+62). Example: {example}", example=_EXAMPLE
            ),
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def whatsapp_link(e164: str, text: str | None = None) -> str:
    """``https://wa.me/6281234567890`` (no plus), with ``?text=`` URL-encoded if given."""
    if normalize_phone(e164) != e164:
        raise ValueError(f"not a normalised E.164 Indonesian number: {e164!r}")
    link = f"https://wa.me/{e164.removeprefix('+')}"
    if text:
        link += "?text=" + quote(text, safe="")
    return link
