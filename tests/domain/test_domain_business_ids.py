"""Merchant identifiers: NIB, NPWP, P-IRT, halal certificate and email."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk_app.domain.business_ids import (
    normalize_email,
    normalize_halal_cert,
    normalize_nib,
    normalize_npwp,
    normalize_pirt,
)
from kiosk_app.domain.errors import ValidationError


def _only_error(exc: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str, str]:
    [error] = exc.value.errors
    return error.field, error.code, error.message_id


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("9120001234567", "9120001234567"),
        (" 9120 0012 34567 ", "9120001234567"),
        ("912-000-123-4567", "9120001234567"),
    ],
)
def test_nib_is_stored_as_13_digits(typed: str, stored: str) -> None:
    assert normalize_nib(typed) == stored


@pytest.mark.parametrize("typed", ["912000123456", "91200012345678", "NIB9120001234", "", 123])
def test_bad_nib_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_nib(typed)
    field, code, message = _only_error(caught)
    assert (field, code) == ("nib", "nib.invalid")
    assert "NIB harus 13 angka" in message


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("3507121708900001", "3507121708900001"),  # 16 digits (NIK as NPWP)
        ("3507 1217 0890 0001", "3507121708900001"),
        ("01.234.567.8-901.000", "0012345678901000"),  # legacy 15 digits: 0 in front
        ("012345678901000", "0012345678901000"),
    ],
)
def test_npwp_is_stored_as_16_digits(typed: str, stored: str) -> None:
    assert normalize_npwp(typed) == stored


@pytest.mark.parametrize("typed", ["01.234.567.8-901.00", "12345678901234567", "NPWP 01.234", ""])
def test_bad_npwp_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_npwp(typed)
    field, code, message = _only_error(caught)
    assert (field, code) == ("npwp", "npwp.invalid")
    assert "NPWP" in message and "16" in message


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("P-IRT No. 2063503010512-25", "206350301051225"),
        ("p-irt no 2063503010512-25", "206350301051225"),
        ("PIRT: 2063503010512-25", "206350301051225"),
        ("SPP-IRT No. 2063503010512-25", "206350301051225"),
        ("P-IRT Nomor: 2063503010512-25", "206350301051225"),
        ("No. 2063503010512-25", "206350301051225"),
        ("206350301051225", "206350301051225"),
        ("2063503010512-2529", "20635030105122529"),  # 17 digits
    ],
)
def test_pirt_is_stored_as_its_digits(typed: str, stored: str) -> None:
    assert normalize_pirt(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["P-IRT No. 20635030105", "206350301051225251", "P-IRT No. 2063503010512-2X", "halal", ""],
)
def test_bad_pirt_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_pirt(typed)
    field, code, message = _only_error(caught)
    assert (field, code) == ("pirt", "pirt.invalid")
    assert "P-IRT" in message and "15 sampai 17" in message


def test_halal_certificate_is_trimmed_free_text() -> None:
    assert normalize_halal_cert("  ID35110000123450123  ") == "ID35110000123450123"


def test_halal_certificate_longer_than_64_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_halal_cert("H" * 65)
    field, code, message = _only_error(caught)
    assert (field, code) == ("halal_cert", "halal_cert.too_long")
    assert "64" in message and "sertifikat halal" in message.lower()


def test_halal_certificate_of_exactly_64_is_accepted() -> None:
    assert normalize_halal_cert("H" * 64) == "H" * 64


def test_halal_certificate_on_two_lines_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_halal_cert("ID351\n10000")
    assert caught.value.errors[0].code == "halal_cert.control_chars"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("tokosri@gmail.com", "tokosri@gmail.com"),
        ("  Toko.Sri+kopi@Gmail.COM ", "Toko.Sri+kopi@gmail.com"),
        ("bu_sri@desa-ternyang.id", "bu_sri@desa-ternyang.id"),
        ("a@b.co.id", "a@b.co.id"),
    ],
)
def test_plausible_emails_are_accepted_with_lowercase_domain(typed: str, stored: str) -> None:
    assert normalize_email(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "tokosri",
        "tokosri@",
        "@gmail.com",
        "toko sri@gmail.com",
        "tokosri@gmail",
        "toko..sri@gmail.com",
        ".tokosri@gmail.com",
        "tokosri@gmail..com",
        "tokosri@-gmail.com",
        "toko@sri@gmail.com",
        "x" * 65 + "@gmail.com",
        "",
    ],
)
def test_implausible_emails_are_refused(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_email(typed)
    field, code, message = _only_error(caught)
    assert (field, code) == ("email", "email.invalid")
    assert "email" in message.lower() and "Contoh" in message


def test_identifier_errors_can_name_the_field_of_the_caller() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_nib("1", field="merchant_nib")
    assert caught.value.errors[0].field == "merchant_nib"


@given(st.text(alphabet="0123456789", min_size=15, max_size=16), st.sampled_from([".", "-", " "]))
def test_npwp_punctuation_never_changes_the_stored_digits(digits: str, sep: str) -> None:
    written = sep.join(digits[i : i + 3] for i in range(0, len(digits), 3))
    stored = normalize_npwp(written)
    assert stored == digits.rjust(16, "0")
    assert normalize_npwp(stored) == stored
