"""Rupiah amounts: parse what operators type into whole rupiah, format as ``Rp15.000``."""

from __future__ import annotations

import re
from functools import cache

from babel import Locale
from babel.numbers import format_currency

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.i18n import both
from kiosk_app.domain.text import fail

# Ten billion rupiah. No village product costs more; a bigger number is a typing slip
# (an extra zero or two), so it is refused rather than stored.
MAX_RUPIAH = 10_000_000_000

_FIELD = "price"
_EXAMPLE = "15.000"
# "Rp", "Rp.", "IDR", any case, with or without a space after.
_PREFIX_RE = re.compile(r"^(?:rp\.?|idr)\s*", re.IGNORECASE)
# "15.000,-" / "15.000.-" (no cents, written out) or ",00" / ",0" (zero cents).
_ZERO_CENTS_RE = re.compile(r"(?:[,.]-|,00?)$")
_WHOLE_RE = re.compile(r"[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+")
# "15,50", "15.5", "15.000,50": a fraction of a rupiah.
_FRACTION_RE = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+),[0-9]+|[0-9]+\.[0-9]{1,2}")
# "15,000": English-style grouping. Reading it as 15 rupiah would be a silent 1000x slip.
_COMMA_GROUPED_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")
_GROUPED_RE = re.compile(r"Rp[0-9]{1,3}(?:\.[0-9]{3})*")


def _invalid() -> ValidationError:
    return fail(
        _FIELD,
        "invalid",
        *both("Price must be a whole number of rupiah, e.g. {example}", example=_EXAMPLE),
    )


def _check_range(amount: int) -> int:
    if amount < 0:
        raise fail(
            _FIELD,
            "negative",
            *both("Price cannot be negative."),
        )
    if amount > MAX_RUPIAH:
        raise fail(
            _FIELD,
            "too_large",
            *both(
                "Price is too large: at most {value}. Check the zeros.",
                value=format_rupiah(MAX_RUPIAH),
            ),
        )
    return amount


def parse_rupiah(text: str | int) -> int:
    """Whole rupiah from ``15000``, ``15.000``, ``Rp 15.000,-``, ``rp. 15.000``, ``15.000,00``.

    The dot groups thousands (Indonesian usage) and the comma starts cents, which must
    be zero. Raises ValidationError (field ``price``) for anything else.
    """
    if isinstance(text, bool) or not isinstance(text, int | str):
        raise _invalid()
    if isinstance(text, int):
        return _check_range(text)
    body = text.strip()
    if not body:
        raise fail(
            _FIELD,
            "required",
            *both("Price is empty. Example: {example}", example=_EXAMPLE),
        )
    negative = body.startswith("-")
    body = _PREFIX_RE.sub("", body.lstrip("-").lstrip())
    if body.startswith("-"):  # "Rp -15.000"
        negative = True
        body = body[1:].lstrip()
    body = _ZERO_CENTS_RE.sub("", body)
    if _WHOLE_RE.fullmatch(body):
        digits = body.replace(".", "").lstrip("0") or "0"
        if len(digits) > len(str(MAX_RUPIAH)):  # int() of 5,000 digits would raise
            return _check_range(-(MAX_RUPIAH + 1) if negative else MAX_RUPIAH + 1)
        amount = int(digits)
        return _check_range(-amount if negative else amount)
    if _COMMA_GROUPED_RE.fullmatch(body):
        raise fail(
            _FIELD,
            "comma_grouping",
            *both(
                "Price: use a dot to group thousands, not a comma. Example: {example}",
                example=_EXAMPLE,
            ),
        )
    if _FRACTION_RE.fullmatch(body):
        raise fail(
            _FIELD,
            "fraction",
            *both("Price cannot have cents. Write whole rupiah, e.g. {example}", example=_EXAMPLE),
        )
    raise _invalid()


@cache
def _locale() -> Locale:
    return Locale.parse("id_ID")


def format_rupiah(amount: int) -> str:
    """``Rp15.000``: CLDR id_ID currency format, no decimals, no space after ``Rp``."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int of rupiah, not {type(amount).__name__}")
    if amount < 0:
        raise ValueError(f"amount must not be negative: {amount}")
    text = format_currency(amount, "IDR", locale=_locale(), format="¤#,##0", currency_digits=False)
    # Some CLDR/Babel versions put a (narrow) no-break space after the symbol or keep
    # ",00": the design fixes the shape to exactly Rp15.000.
    text = re.sub(r"[\s\u00a0\u202f]", "", text)
    text = re.sub(r",0+$", "", text)
    if not _GROUPED_RE.fullmatch(text):
        raise RuntimeError(f"unexpected rupiah format from Babel: {text!r}")
    return text
