"""validate_fields for merchants, products and photos; stock, operators and PINs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.record_ids import uuid7
from kiosk_app.domain.records import ENTITIES
from kiosk_app.domain.validation import (
    MAX_STOCK,
    RULES,
    validate_fields,
    validate_operator,
    validate_pin,
    validate_stock,
    validate_stock_delta,
)

MERCHANT_ID = uuid7()
PRODUCT_ID = uuid7()
SHA = "ab" * 32


def merchant(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "business_name": "Kopi Bu Sri",
        "owner_name": "Sri Wahyuni",
        "phone": "0812-3456-7890",
        "village_code": "35.07.12.2003",
    }
    fields.update(changes)
    return fields


def product(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"merchant_id": MERCHANT_ID, "name": "Kopi bubuk", "price": "15.000"}
    fields.update(changes)
    return fields


def photo(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"product_id": PRODUCT_ID, "position": 0, "sha256": SHA}
    fields.update(changes)
    return fields


CONSENT = {
    "consent_version": "v1",
    "consent_at": "2025-08-17T10:30:00+07:00",
    "consent_operator": "Budi",
}


def consenting_merchant(**changes: Any) -> dict[str, Any]:
    return merchant(**{**CONSENT, **changes})


# A good new record of each entity, to spoil one field of.
BASE = {"merchant": consenting_merchant, "product": product, "photo": photo}


def errors_of(entity: str, fields: dict[str, Any], partial: bool = False) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        validate_fields(entity, fields, partial=partial)
    return [(e.field, e.code) for e in caught.value.errors]


def test_rules_cover_exactly_the_synced_fields_of_each_entity() -> None:
    for name, spec in ENTITIES.items():
        assert set(RULES[name]) == set(spec.fields), name


def test_a_new_merchant_is_normalised_into_a_new_dict() -> None:
    # Given a merchant typed by an operator
    typed = merchant(
        business_name="  Kopi Bu Sri ",
        address="Jl. Raya Ternyang No. 5\r\nRT 02 / RW 01",
        nib="9120 0012 34567",
        npwp="01.234.567.8-901.000",
        pirt="P-IRT No. 2063503010512-25",
        halal_cert=" ID35110000123450123 ",
        email="Sri@Gmail.com",
        consent_version="v1",
        consent_at="2025-08-17T10:30:00+07:00",
        consent_operator="Budi",
        status="Active",
        deleted="0",
    )
    before = dict(typed)
    # When validated
    clean = validate_fields("merchant", typed)
    # Then every value is in its stored shape, and the input is untouched
    assert clean == {
        "business_name": "Kopi Bu Sri",
        "owner_name": "Sri Wahyuni",
        "phone": "+6281234567890",
        "village_code": "35.07.12.2003",
        "address": "Jl. Raya Ternyang No. 5\nRT 02 / RW 01",
        "nib": "9120001234567",
        "npwp": "0012345678901000",
        "pirt": "206350301051225",
        "halal_cert": "ID35110000123450123",
        "email": "Sri@gmail.com",
        "consent_version": "v1",
        "consent_at": "2025-08-17T10:30:00+07:00",
        "consent_operator": "Budi",
        "status": "active",
        "deleted": 0,
    }
    assert typed == before
    assert clean is not typed


def test_a_new_product_and_photo_are_normalised() -> None:
    assert validate_fields(
        "product",
        product(merchant_id=MERCHANT_ID.upper(), price="Rp 15.000,-", weight_g="250", unit=" kg "),
    ) == {
        "merchant_id": MERCHANT_ID,
        "name": "Kopi bubuk",
        "price": 15000,
        "unit": "kg",
        "weight_g": 250,
    }
    assert validate_fields("photo", photo(position="8", width=1600, bytes="123456")) == {
        "product_id": PRODUCT_ID,
        "position": 8,
        "sha256": SHA,
        "width": 1600,
        "bytes": 123456,
    }


@pytest.mark.parametrize(
    ("entity", "required"),
    [
        ("merchant", ["business_name", "owner_name", "phone", "village_code"]),
        ("product", ["merchant_id", "name", "price"]),
        ("photo", ["product_id", "position", "sha256"]),
    ],
)
def test_a_new_record_lists_every_missing_required_field(entity: str, required: list[str]) -> None:
    assert errors_of(entity, {}) == [(f, f"{f}.required") for f in required]


def test_required_message_names_the_field_in_both_languages() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_fields("merchant", merchant(owner_name=None))
    [error] = caught.value.errors
    assert error.message_id == "Nama pemilik wajib diisi."
    assert error.message_en == "Owner name is required."


def test_partial_update_checks_only_given_fields() -> None:
    assert validate_fields("product", {"price": "20.000"}, partial=True) == {"price": 20000}
    assert validate_fields("merchant", {}, partial=True) == {}


def test_partial_update_cannot_blank_a_required_field() -> None:
    assert errors_of("product", {"name": "  "}, partial=True) == [("name", "name.required")]


@pytest.mark.parametrize(
    ("entity", "field"),
    [
        ("merchant", "address"),
        ("merchant", "email"),
        ("merchant", "nib"),
        ("merchant", "npwp"),
        ("merchant", "pirt"),
        ("merchant", "halal_cert"),
        ("product", "description"),
        ("product", "weight_g"),
        ("product", "unit"),
        ("photo", "thumb_sha256"),
        ("photo", "width"),
    ],
)
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_optional_fields_are_cleared_by_none_or_blank(entity: str, field: str, blank: Any) -> None:
    assert validate_fields(entity, {field: blank}, partial=True) == {field: None}


@pytest.mark.parametrize(("entity", "field"), [("merchant", "status"), ("product", "deleted")])
def test_status_and_deleted_cannot_be_cleared(entity: str, field: str) -> None:
    assert errors_of(entity, {field: None}, partial=True) == [(field, f"{field}.required")]


def test_unknown_fields_are_refused() -> None:
    assert errors_of("merchant", merchant(id=uuid7(), colour="red")) == [
        ("id", "id.unknown"),
        ("colour", "colour.unknown"),
    ]


def test_stock_is_not_a_product_field_and_says_how_to_change_it() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_fields("product", product(stock=5))
    [error] = caught.value.errors
    assert error.code == "stock.not_a_field"
    assert "Stok" in error.message_id


def test_unknown_entity_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_fields("order", {})
    assert caught.value.errors[0].field == "entity"


def test_every_bad_field_is_reported_in_one_error_in_field_order() -> None:
    # Given a merchant with four mistakes
    fields = merchant(phone="123", business_name="K", email="sri", village_code="35.07")
    # When validated / Then one ValidationError names all four, in the entity's order
    with pytest.raises(ValidationError) as caught:
        validate_fields("merchant", fields)
    assert [e.field for e in caught.value.errors] == [
        "business_name",
        "phone",
        "village_code",
        "email",
    ]
    text = caught.value.message("id")
    assert "Nama usaha" in text and "Nomor HP" in text and "email" in text.lower()


GOOD = [
    ("merchant", "business_name", "Ab", "Ab"),
    ("merchant", "business_name", "x" * 100, "x" * 100),
    ("merchant", "owner_name", "Sri", "Sri"),
    ("merchant", "phone", "+62 812 3456 7890", "+6281234567890"),
    ("merchant", "village_code", " 35.07.12.2003", "35.07.12.2003"),
    ("merchant", "address", "a" * 300, "a" * 300),
    ("merchant", "consent_at", "2025-08-17T03:30:00Z", "2025-08-17T03:30:00Z"),
    (
        "merchant",
        "consent_at",
        datetime(2025, 8, 17, 3, 30, tzinfo=UTC),
        "2025-08-17T03:30:00.000+00:00",
    ),
    ("merchant", "status", "inactive", "inactive"),
    ("merchant", "deleted", 1, 1),
    ("merchant", "deleted", True, 1),
    ("product", "name", "K", "K"),
    ("product", "name", "k" * 80, "k" * 80),
    ("product", "description", "baris 1\nbaris 2\tdan tab", "baris 1\nbaris 2\tdan tab"),
    ("product", "description", "d" * 2000, "d" * 2000),
    ("product", "price", 0, 0),
    ("product", "price", "Rp10.000.000.000", 10_000_000_000),
    ("product", "unit", "u" * 20, "u" * 20),
    ("product", "category", "c" * 40, "c" * 40),
    ("product", "weight_g", 0, 0),
    ("product", "weight_g", "1.000.000", 1_000_000),
    ("product", "status", " Published ", "published"),
    ("photo", "position", 0, 0),
    ("photo", "sha256", "0" * 64, "0" * 64),
    ("photo", "thumb_sha256", "f" * 64, "f" * 64),
    ("photo", "height", 0, 0),
    ("photo", "thumb_bytes", 2**40, 2**40),
]


@pytest.mark.parametrize(("entity", "field", "typed", "stored"), GOOD)
def test_good_values(entity: str, field: str, typed: Any, stored: Any) -> None:
    assert validate_fields(entity, {field: typed}, partial=True) == {field: stored}


BAD = [
    ("merchant", "business_name", "K", "too_short"),
    ("merchant", "business_name", "x" * 101, "too_long"),
    ("merchant", "business_name", "Kopi\nBu Sri", "control_chars"),
    ("merchant", "business_name", 42, "type"),
    ("merchant", "owner_name", "S", "too_short"),
    ("merchant", "phone", "0812", "invalid"),
    ("merchant", "phone", "+1 650 253 0000", "not_indonesian"),
    ("merchant", "village_code", "35.07.12", "wrong_level"),
    ("merchant", "village_code", "Ternyang", "invalid"),
    ("merchant", "address", "a" * 301, "too_long"),
    ("merchant", "nib", "123", "invalid"),
    ("merchant", "npwp", "123", "invalid"),
    ("merchant", "pirt", "123", "invalid"),
    ("merchant", "halal_cert", "h" * 65, "too_long"),
    ("merchant", "email", "sri@", "invalid"),
    ("merchant", "consent_version", "v" * 33, "too_long"),
    ("merchant", "consent_at", "2025-08-17T10:30:00", "invalid"),  # no time zone
    ("merchant", "consent_at", "2025-08-17", "invalid"),
    ("merchant", "consent_at", "17 Agustus 2025", "invalid"),
    ("merchant", "consent_at", datetime(2025, 8, 17, 10, 30), "invalid"),
    ("merchant", "consent_operator", "o" * 101, "too_long"),
    ("merchant", "status", "draft", "invalid"),
    ("merchant", "deleted", 2, "invalid"),
    ("merchant", "deleted", "yes", "invalid"),
    ("product", "merchant_id", "123", "invalid"),
    ("product", "merchant_id", 7, "invalid"),
    ("product", "name", "k" * 81, "too_long"),
    ("product", "description", "d" * 2001, "too_long"),
    ("product", "description", "bel\x07l", "control_chars"),
    ("product", "price", "15.000,50", "fraction"),
    ("product", "price", "-1", "negative"),
    ("product", "price", "Rp10.000.000.001", "too_large"),
    ("product", "unit", "u" * 21, "too_long"),
    ("product", "category", "c" * 41, "too_long"),
    ("product", "weight_g", -1, "too_small"),
    ("product", "weight_g", 1_000_001, "too_large"),
    ("product", "weight_g", "2,5", "invalid"),
    ("product", "weight_g", 2.5, "invalid"),
    ("product", "weight_g", True, "invalid"),
    ("product", "status", "active", "invalid"),
    ("photo", "product_id", "not-a-uuid", "invalid"),
    ("photo", "position", 9, "too_large"),
    ("photo", "position", -1, "too_small"),
    ("photo", "sha256", "AB" * 32, "invalid"),
    ("photo", "sha256", "ab" * 31, "invalid"),
    ("photo", "thumb_sha256", "g" * 64, "invalid"),
    ("photo", "width", -1, "too_small"),
    ("photo", "bytes", "banyak", "invalid"),
    ("photo", "deleted", -1, "invalid"),
]


@pytest.mark.parametrize(("entity", "field", "typed", "problem"), BAD)
def test_bad_values_name_the_field(entity: str, field: str, typed: Any, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_fields(entity, BASE[entity](**{field: typed}))
    [error] = caught.value.errors
    assert (error.field, error.code) == (field, f"{field}.{problem}")
    assert error.message_id and error.message_en
    assert error.message_id != error.message_en


def test_price_message_is_simple_and_gives_an_example() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_fields("product", product(price="lima ribu"))
    assert caught.value.message("id") == "Harga harus angka bulat, contoh: 15.000"


def test_too_long_message_says_the_limit_and_the_length() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_fields("product", product(name="k" * 85))
    assert caught.value.message("id") == (
        "Nama produk terlalu panjang, paling banyak 80 huruf (sekarang 85)."
    )


@pytest.mark.parametrize("left_out", sorted(CONSENT))
def test_consent_of_a_new_merchant_is_recorded_whole_or_not_at_all(left_out: str) -> None:
    fields = merchant(**{k: v for k, v in CONSENT.items() if k != left_out})
    assert errors_of("merchant", fields) == [(left_out, f"{left_out}.required")]


def test_a_new_merchant_without_any_consent_fields_is_accepted() -> None:
    assert "consent_at" not in validate_fields("merchant", merchant())


def test_stock_levels() -> None:
    assert validate_stock(0) == 0
    assert validate_stock("1.000") == 1000
    assert validate_stock(MAX_STOCK) == MAX_STOCK
    for bad in (-1, MAX_STOCK + 1, "dua", 1.5, None, True):
        with pytest.raises(ValidationError) as caught:
            validate_stock(bad)
        assert caught.value.errors[0].field == "stock"


def test_stock_moves_may_be_negative_but_bounded() -> None:
    assert validate_stock_delta(-5) == -5
    assert validate_stock_delta("+12") == 12
    assert validate_stock_delta("-3") == -3
    assert validate_stock_delta(0) == 0
    for bad in (MAX_STOCK + 1, -MAX_STOCK - 1, "x", 0.5):
        with pytest.raises(ValidationError):
            validate_stock_delta(bad)


def test_operator_name_and_role() -> None:
    assert validate_operator("  Budi  ", "Operator") == ("Budi", "operator")
    assert validate_operator("Sari", "technician") == ("Sari", "technician")
    with pytest.raises(ValidationError) as caught:
        validate_operator("B", "admin")
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("name", "name.too_short"),
        ("role", "role.invalid"),
    ]
    assert '"operator" (petugas), "technician" (teknisi)' in caught.value.errors[1].message_id


@pytest.mark.parametrize("pin", ["1234", "0000", "12345678", "0042"])
def test_good_pins(pin: str) -> None:
    assert validate_pin(pin) == pin


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", " 1234", "", 1234, None, "١٢٣٤"])
def test_bad_pins(pin: object) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_pin(pin)
    [error] = caught.value.errors
    assert error.field == "pin"
    assert error.message_id == "PIN harus 4 sampai 8 angka."


# Products as a form or an import file could hold them.
products = st.fixed_dictionaries(
    {
        "merchant_id": st.just(MERCHANT_ID),
        "name": st.text(min_size=1, max_size=80).filter(lambda s: s.strip()),
        "price": st.one_of(
            st.integers(0, 10**10),
            st.integers(0, 10**10).map(lambda n: f"Rp{n:,}".replace(",", ".")),
        ),
    },
    optional={
        "description": st.text(max_size=200),
        "unit": st.sampled_from(["kg", "bungkus", " botol ", ""]),
        "weight_g": st.one_of(st.integers(0, 10**6), st.integers(0, 10**6).map(str)),
        "status": st.sampled_from(["draft", "published", "Published"]),
    },
)


@given(products)
def test_clean_values_validate_again_to_themselves(fields: dict[str, Any]) -> None:
    # The store writes clean values and the server validates them again: no drift.
    try:
        clean = validate_fields("product", fields)
    except ValidationError as exc:
        # only text with control characters, or that is too long after NFC, may fail
        assert {e.field for e in exc.errors} <= {"name", "description"}
        return
    assert validate_fields("product", clean) == clean
    assert set(clean) <= set(fields)


@given(st.dictionaries(st.sampled_from([*ENTITIES["merchant"].fields, "x"]), st.text(max_size=20)))
def test_arbitrary_merchant_input_never_crashes(fields: dict[str, str]) -> None:
    try:
        clean = validate_fields("merchant", fields, partial=True)
    except ValidationError as exc:
        assert all(e.field in fields for e in exc.errors)
    else:
        assert set(clean) == set(fields)
