"""Dates written the Indonesian way for screens, posters and exports: ``17 Agustus 2025``."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from babel import Locale
from babel.dates import format_date

# CLDR pattern: day without leading zero, full month name, full year.
_DATE_PATTERN = "d MMMM y"


@cache
def _locale() -> Locale:
    return Locale.parse("id_ID")


def format_date_id(d: date | datetime) -> str:
    """``17 Agustus 2025``. A datetime is shown as the date it carries, in its own zone:
    convert to the kiosk's local time first if it is in UTC."""
    day = d.date() if isinstance(d, datetime) else d
    return format_date(day, _DATE_PATTERN, locale=_locale())
