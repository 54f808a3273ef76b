"""Indonesian date formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from kiosk_app.domain.formatting import format_date_id

MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


def test_independence_day() -> None:
    assert format_date_id(date(2025, 8, 17)) == "17 Agustus 2025"


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_has_its_indonesian_name_and_no_leading_zero(month: int) -> None:
    assert format_date_id(date(2024, month, 5)) == f"5 {MONTHS[month - 1]} 2024"


def test_a_datetime_shows_the_date_in_its_own_zone() -> None:
    # Given 05:00 WIB on 18 August, which is still 17 August in UTC
    wib = timezone(timedelta(hours=7))
    early_morning = datetime(2025, 8, 18, 5, 0, tzinfo=wib)
    # Then each shows the date of its own zone: converting is the caller's choice
    assert format_date_id(early_morning) == "18 Agustus 2025"
    assert format_date_id(early_morning.astimezone(UTC)) == "17 Agustus 2025"


def test_a_naive_datetime_shows_its_date() -> None:
    assert format_date_id(datetime(2025, 1, 1, 0, 0)) == "1 Januari 2025"
