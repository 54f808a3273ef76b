"""Rupiah parsing and formatting: what operators type, and the Rp15.000 shape we show."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.money import MAX_RUPIAH, format_rupiah, parse_rupiah


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("15000", 15000),
        ("15.000", 15000),
        ("Rp15.000", 15000),
        ("Rp 15.000,-", 15000),
        ("rp. 15.000", 15000),
        ("RP15.000", 15000),
        ("15.000,00", 15000),
        ("15.000,0", 15000),
        ("Rp 15.000.-", 15000),
        ("IDR 15000", 15000),
        ("  2.500  ", 2500),
        ("1.250.000", 1_250_000),
        ("0", 0),
        (15000, 15000),
        (0, 0),
        ("10.000.000.000", MAX_RUPIAH),
    ],
)
def test_parse_accepts_usual_ways_of_writing_a_price(typed: str | int, amount: int) -> None:
    # Given a price written the way operators write it / When parsed / Then whole rupiah
    assert parse_rupiah(typed) == amount


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("15.000,50", "price.fraction"),
        ("15,5", "price.fraction"),
        ("15.5", "price.fraction"),
        ("15.50", "price.fraction"),
        ("-15.000", "price.negative"),
        ("Rp -15.000", "price.negative"),
        ("-Rp15.000", "price.negative"),
        (-1, "price.negative"),
        ("", "price.required"),
        ("   ", "price.required"),
        ("abc", "price.invalid"),
        ("Rp", "price.invalid"),
        ("15rb", "price.invalid"),
        ("15 000", "price.invalid"),
        ("1.5000", "price.invalid"),
        ("15.00.0", "price.invalid"),
        ("１５０００", "price.invalid"),  # full-width digits
        ("15,000", "price.comma_grouping"),  # English grouping: not 15 rupiah
        ("1,000,000", "price.comma_grouping"),
        ("10.000.000.001", "price.too_large"),
        (MAX_RUPIAH + 1, "price.too_large"),
        ("9" * 5000, "price.too_large"),
    ],
)
def test_parse_refuses_bad_prices_naming_the_price_field(typed: str | int, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_rupiah(typed)
    [error] = caught.value.errors
    assert error.field == "price"
    assert error.code == code
    assert "Harga" in error.message_id
    assert "rice" in error.message_en


@pytest.mark.parametrize("wrong_type", [True, 15.0, None, b"15000", [15000]])
def test_parse_refuses_values_that_are_not_text_or_int(wrong_type: object) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_rupiah(wrong_type)  # type: ignore[arg-type]
    assert caught.value.errors[0].code == "price.invalid"


def test_invalid_price_message_gives_an_example() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_rupiah("lima belas ribu")
    assert caught.value.message("id") == "Harga harus angka bulat, contoh: 15.000"


def test_too_large_message_names_the_limit() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_rupiah("150.000.000.000")
    assert "Rp10.000.000.000" in caught.value.message("id")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "Rp0"),
        (500, "Rp500"),
        (15000, "Rp15.000"),
        (1_250_000, "Rp1.250.000"),
        (MAX_RUPIAH, "Rp10.000.000.000"),
    ],
)
def test_format_is_exactly_rp_with_dot_groups_and_no_decimals(amount: int, text: str) -> None:
    assert format_rupiah(amount) == text


def test_format_refuses_negative_amounts() -> None:
    with pytest.raises(ValueError):
        format_rupiah(-1)


@pytest.mark.parametrize("wrong_type", [1.5, "15000", True])
def test_format_refuses_non_int(wrong_type: object) -> None:
    with pytest.raises(TypeError):
        format_rupiah(wrong_type)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=MAX_RUPIAH))
def test_format_then_parse_round_trips(amount: int) -> None:
    assert parse_rupiah(format_rupiah(amount)) == amount


@given(
    st.integers(min_value=0, max_value=MAX_RUPIAH),
    st.sampled_from(["", "Rp", "Rp ", "rp. ", "IDR "]),
    st.sampled_from(["", ",-", ",00", ".-"]),
)
def test_usual_spellings_of_an_amount_parse_to_it(amount: int, prefix: str, suffix: str) -> None:
    grouped = f"{amount:,}".replace(",", ".")
    assert parse_rupiah(f"{prefix}{grouped}{suffix}") == amount
    assert parse_rupiah(f"{prefix}{amount}{suffix}") == amount


@given(st.text(max_size=30))
def test_arbitrary_text_gives_an_amount_in_range_or_a_validation_error(text: str) -> None:
    try:
        amount = parse_rupiah(text)
    except ValidationError as exc:
        assert exc.errors[0].field == "price"
    else:
        assert 0 <= amount <= MAX_RUPIAH
