"""Small helpers that turn raw typed text into clean values, with bilingual errors."""

from __future__ import annotations

import re
import unicodedata

from kiosk_app.domain.errors import FieldError, ValidationError
from kiosk_app.domain.i18n import both, both_in

_WHOLE_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)")
# Unicode's control characters (category Cc) are exactly U+0000-U+001F and U+007F-U+009F;
# a regex finds them at C speed (the server checks thousands of values per sync).
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _grouped(n: int) -> str:
    """1000000 → 1.000.000, the Indonesian way of grouping thousands."""
    return f"{n:,}".replace(",", ".")


def fail(field: str, problem: str, message_id: str, message_en: str) -> ValidationError:
    """One-field error with the code ``<field>.<problem>``, ready to raise."""
    return ValidationError([FieldError(field, f"{field}.{problem}", message_id, message_en)])


def is_blank(value: object) -> bool:
    """True for None and for text that is empty once trimmed: "clear this field"."""
    return value is None or (isinstance(value, str) and not value.strip())


def clean_text(
    value: object,
    *,
    field: str,
    label_id: str,
    label_en: str,
    min_len: int = 1,
    max_len: int,
    multiline: bool = False,
) -> str:
    """Trim, NFC-normalise and length-check one text value.

    Control characters are refused (tab and newline are allowed in multi-line text):
    they are invisible on screen and break CSV exports and search.
    """
    label = (label_id, label_en)
    if not isinstance(value, str):
        raise fail(field, "type", *both("{label} must be text.", label=label))
    text = unicodedata.normalize("NFC", value.strip())
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if (_CONTROL_MULTILINE_RE if multiline else _CONTROL_RE).search(text):
        if multiline:
            message = both("{label} contains control characters.", label=label)
        else:
            message = both(
                "{label} contains control characters or line breaks; use one line.",
                label=label,
            )
        raise fail(field, "control_chars", *message)
    if not text:
        raise fail(field, "required", *both("{label} is empty.", label=label))
    if len(text) < min_len:
        raise fail(
            field,
            "too_short",
            *both(
                "{label} is too short: at least {min_len} characters.", label=label, min_len=min_len
            ),
        )
    if len(text) > max_len:
        raise fail(
            field,
            "too_long",
            *both(
                "{label} is too long: at most {max_len} characters (now {length}).",
                label=label,
                max_len=max_len,
                length=len(text),
            ),
        )
    return text


def parse_whole_number(
    value: object,
    *,
    field: str,
    label_id: str,
    label_en: str,
    minimum: int,
    maximum: int,
) -> int:
    """An int, or text of a whole number (``250``, ``1.000``), checked against a range.

    Booleans and floats are refused: ``True`` or ``2.5`` reaching here is a mistake.
    """
    label = (label_id, label_en)
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if _WHOLE_NUMBER_RE.fullmatch(text):
            sign = -1 if text.startswith("-") else 1
            digits = text.lstrip("+-").replace(".", "").lstrip("0") or "0"
            # int() refuses more than 4,300 digits; anything past 30 is out of range anyway.
            number = sign * (int(digits) if len(digits) <= 30 else 10**30)
    if number is None:
        raise fail(
            field,
            "invalid",
            *both(
                "{label} must be a whole number, e.g. {example}.",
                label=label,
                example=max(minimum, 0) + 1,
            ),
        )
    if number < minimum:
        # Indonesian says "not below 0" for zero, "at least n" otherwise.
        amount = (_grouped(minimum), str(minimum))
        if minimum == 0:
            message = both_in(
                "zero", "{label} must be at least {minimum}.", label=label, minimum=amount
            )
        else:
            message = both_in(
                "minimum", "{label} must be at least {minimum}.", label=label, minimum=amount
            )
        raise fail(field, "too_small", *message)
    if number > maximum:
        raise fail(
            field,
            "too_large",
            *both(
                "{label} is too large: at most {maximum}.",
                label=label,
                maximum=(_grouped(maximum), f"{maximum:,}"),
            ),
        )
    return number


# Spreadsheets run a cell that starts with one of these as a formula (``=HYPERLINK(…)``
# is a link anywhere, DDE formulas run programs): CSV exports write such text with a
# leading ``'``, the spreadsheet convention for "this is text" (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def spreadsheet_safe(value: object) -> object:
    """``value`` as a CSV cell no spreadsheet runs. A cell that is only a number
    (``+6281234567890``, ``-5``) is left alone: nothing runs it, and a phone stays a phone."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def from_spreadsheet(value: object) -> object:
    """A CSV cell as ``spreadsheet_safe`` wrote it, back to the value (import)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
