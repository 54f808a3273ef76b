"""Shared text helpers: trimming, NFC, control characters, whole numbers."""

from __future__ import annotations

import pytest

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.text import clean_text, is_blank, parse_whole_number


def clean(value: object, **kw: object) -> str:
    args: dict[str, object] = {"field": "name", "label_id": "Nama", "label_en": "Name"}
    args["max_len"] = 10
    args.update(kw)
    return clean_text(value, **args)  # type: ignore[arg-type]


def whole(value: object, minimum: int = 0, maximum: int = 100) -> int:
    return parse_whole_number(
        value, field="n", label_id="Jumlah", label_en="Amount", minimum=minimum, maximum=maximum
    )


def test_blank_means_none_or_only_spaces() -> None:
    assert is_blank(None) and is_blank("") and is_blank(" \t\n")
    assert not is_blank("a") and not is_blank(0)


def test_text_is_trimmed_and_nfc_normalised() -> None:
    # Given "é" typed as e + combining accent (two code points)
    decomposed = "  Cafe\u0301  "
    # Then it is stored as one code point, so search and length limits agree
    assert clean(decomposed) == "Caf\u00e9"


def test_length_is_counted_after_trimming() -> None:
    assert clean("   " + "x" * 10 + "   ") == "x" * 10
    with pytest.raises(ValidationError) as caught:
        clean("x" * 11)
    assert caught.value.errors[0].code == "name.too_long"
    assert "10" in caught.value.errors[0].message_id


def test_single_line_text_refuses_line_breaks_and_tabs() -> None:
    for bad in ("a\nb", "a\tb", "a\x00b"):
        with pytest.raises(ValidationError) as caught:
            clean(bad)
        assert caught.value.errors[0].code == "name.control_chars"


def test_multiline_text_keeps_newlines_and_unifies_them() -> None:
    assert clean("a\r\nb\rc\td", multiline=True) == "a\nb\nc\td"
    with pytest.raises(ValidationError):
        clean("a\x1bb", multiline=True)


def test_empty_and_non_text_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        clean("   ")
    assert caught.value.errors[0].code == "name.required"
    with pytest.raises(ValidationError) as caught:
        clean(5)
    assert caught.value.errors[0].code == "name.type"


@pytest.mark.parametrize(
    ("typed", "n"), [(7, 7), ("7", 7), (" 42 ", 42), ("1.000", 1000), ("+3", 3)]
)
def test_whole_numbers(typed: object, n: int) -> None:
    assert whole(typed, maximum=10_000) == n


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1,5", "n.invalid"),
        ("1.5", "n.invalid"),
        ("10.00", "n.invalid"),
        (2.0, "n.invalid"),
        (False, "n.invalid"),
        ("", "n.invalid"),
        ("-1", "n.too_small"),
        (101, "n.too_large"),
        ("9" * 5000, "n.too_large"),
        ("-" + "9" * 5000, "n.too_small"),
    ],
)
def test_bad_whole_numbers(typed: object, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        whole(typed)
    [error] = caught.value.errors
    assert error.code == code
    assert "Jumlah" in error.message_id


def test_too_large_message_groups_thousands_the_indonesian_way() -> None:
    with pytest.raises(ValidationError) as caught:
        whole(2_000_000, maximum=1_000_000)
    assert caught.value.errors[0].message_id == "Jumlah terlalu besar, paling banyak 1.000.000."
