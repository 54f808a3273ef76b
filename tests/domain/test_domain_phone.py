"""Indonesian phone numbers to E.164, and WhatsApp links built from them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.phone import normalize_phone, whatsapp_link

E164 = "+6281234567890"


@pytest.mark.parametrize(
    "typed",
    [
        "0812-3456-7890",
        "+62 812 3456 7890",
        "6281234567890",
        "62-812-3456-7890",
        "(0812) 3456 7890",
        "0812 3456 7890",
        "081234567890",
        "+62 (0)812 3456 7890",
        "  0812.3456.7890  ",
        "WA: 0812-3456-7890",
    ],
)
def test_usual_ways_of_writing_a_mobile_number_give_one_e164(typed: str) -> None:
    assert normalize_phone(typed) == E164


def test_a_landline_with_area_code_is_accepted() -> None:
    # Given a Jakarta office number (some merchants use WhatsApp Business on a landline)
    assert normalize_phone("021-5551234") == "+62215551234"


@pytest.mark.parametrize(
    "typed",
    [
        "081234567",  # too short
        "08123456789012",  # too long
        "0812-3456-7890 ext 12",  # E.164 cannot keep an extension
        "12345",
        "halo",
        "0" * 60,
        "+62",
    ],
)
def test_invalid_numbers_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(typed)
    [error] = caught.value.errors
    assert error.field == "phone"
    assert error.code == "phone.invalid"
    assert error.message_id == "Nomor HP tidak valid. Contoh: 0812-3456-7890"
    assert "phone" in error.message_en.lower()


@pytest.mark.parametrize("typed", ["+1 650 253 0000", "+60 12-345 6789", "+44 20 7946 0958"])
def test_valid_foreign_numbers_are_refused_as_not_indonesian(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(typed)
    [error] = caught.value.errors
    assert error.code == "phone.not_indonesian"
    assert "+62" in error.message_id


@pytest.mark.parametrize("typed", ["", "   "])
def test_empty_number_is_reported_as_missing(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(typed)
    assert caught.value.errors[0].code == "phone.required"


def test_non_text_is_refused() -> None:
    with pytest.raises(ValidationError):
        normalize_phone(81234567890)  # type: ignore[arg-type]


def test_the_error_can_name_another_field() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone("123", field="owner_phone")
    assert caught.value.errors[0].field == "owner_phone"


def test_whatsapp_link_drops_the_plus() -> None:
    assert whatsapp_link(E164) == "https://wa.me/6281234567890"


def test_whatsapp_link_url_encodes_the_message() -> None:
    text = "Halo Bu Sri, saya mau pesan Kopi & Gula (2 kg)? 100%"
    link = whatsapp_link(E164, text)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281234567890")
    assert " " not in link and "&" not in parts.query.removeprefix("text=")
    assert parse_qs(parts.query) == {"text": [text]}


def test_whatsapp_link_without_text_has_no_query() -> None:
    assert "?" not in whatsapp_link(E164, "")


@pytest.mark.parametrize("bad", ["0812-3456-7890", "6281234567890", "+16502530000", "x"])
def test_whatsapp_link_needs_a_normalised_number(bad: str) -> None:
    with pytest.raises(ValueError):
        whatsapp_link(bad)


# Indonesian mobile numbers: 8, then an operator digit (not 4), then 7 to 10 digits
# (phonenumbers metadata for ID: 8[1-35-9]\d{7,10}).
national_mobile = st.builds(
    lambda op, rest: f"8{op}{rest}",
    st.sampled_from("1235789"),
    st.text(alphabet="0123456789", min_size=7, max_size=10),
)


def _groups(digits: str, size: int = 4) -> list[str]:
    head = len(digits) % size or size
    return [digits[:head]] + [digits[i : i + size] for i in range(head, len(digits), size)]


def _written_forms(nsn: str) -> list[str]:
    local = "0" + nsn
    return [
        local,
        "+62" + nsn,
        "62" + nsn,
        "+62 " + " ".join(_groups(nsn)),
        "-".join([local[:4], *_groups(local[4:])]),
        f"({local[:4]}) " + " ".join(_groups(local[4:])),
        " ".join([local[:4], *_groups(local[4:])]),
    ]


@given(national_mobile)
def test_every_written_form_gives_the_same_e164_and_is_idempotent(nsn: str) -> None:
    expected = "+62" + nsn
    for typed in _written_forms(nsn):
        e164 = normalize_phone(typed)
        assert e164 == expected, typed
        assert normalize_phone(e164) == e164
        assert whatsapp_link(e164) == "https://wa.me/62" + nsn


@given(st.text(max_size=30))
def test_arbitrary_text_gives_e164_or_a_validation_error(text: str) -> None:
    try:
        e164 = normalize_phone(text)
    except ValidationError as exc:
        assert exc.errors[0].field == "phone"
    else:
        assert e164.startswith("+62") and e164[1:].isdigit()
        assert normalize_phone(e164) == e164


def test_62_without_plus_is_read_as_the_country_code_not_as_an_area_code() -> None:
    # Given a number that would also be valid read as a national number "62810000000"
    # When normalised / Then it is +62 810000000, not +62 62810000000
    assert normalize_phone("62810000000") == "+62810000000"
