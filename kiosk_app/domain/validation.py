"""Field validation for merchants, products and photos, stock, operators and PINs.

Every write (typed on the kiosk, imported from a file, received by the server) goes
through ``validate_fields``: it returns clean values to store, or one ValidationError
listing every bad field so the operator can fix them all at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk_app.domain.business_ids import (
    normalize_email,
    normalize_halal_cert,
    normalize_nib,
    normalize_npwp,
    normalize_pirt,
)
from kiosk_app.domain.errors import FieldError, ValidationError
from kiosk_app.domain.i18n import both
from kiosk_app.domain.money import parse_rupiah
from kiosk_app.domain.phone import normalize_phone
from kiosk_app.domain.record_ids import is_uuid
from kiosk_app.domain.records import (
    CHOICE_LABELS,
    ENTITIES,
    MAX_PHOTOS_PER_PRODUCT,
    MERCHANT_STATUSES,
    OPERATOR_ROLES,
    PRODUCT_NAME_MAX,
    PRODUCT_STATUSES,
    STOCK_FIELD,
    STOCK_LABEL,
    Label,
)
from kiosk_app.domain.regions import validate_region_code
from kiosk_app.domain.text import clean_text, fail, is_blank, parse_whole_number

NAME_MIN, NAME_MAX = 2, 100
ADDRESS_MAX = 300
DESCRIPTION_MAX = 2000
UNIT_MAX = 20
CATEGORY_MAX = 40
CONSENT_VERSION_MAX = 32
CONSENT_OPERATOR_MAX = 100
WEIGHT_G_MAX = 1_000_000
MAX_STOCK = 1_000_000_000
OPERATOR_NAME_MIN, OPERATOR_NAME_MAX = 2, 50
PIN_MIN, PIN_MAX = 4, 8
# Largest value an SQLite INTEGER holds: the only real bound on sizes and byte counts.
SQLITE_INT_MAX = 2**63 - 1
CONSENT_FIELDS = ("consent_version", "consent_at", "consent_operator")

# Field labels come from ``records``; a name shared by entities (status, deleted) has
# one label. Fields checked here that are not synced record fields:
_OTHER_LABELS = {"role": Label("Peran", "Role")}
LABELS: dict[str, Label] = {
    **_OTHER_LABELS,
    **{name: spec.label(name) for spec in ENTITIES.values() for name in spec.fields},
}
_ENTITY_ID = {"merchant": "penjual", "product": "produk", "photo": "foto"}

Check = Callable[[Any, str], Any]  # (raw value, field) -> clean value, or raises


@dataclass(frozen=True)
class Rule:
    check: Check
    required: bool = False  # must be given, and not blank, for a new record
    clearable: bool = True  # None / "" clears it (stored as None)


def _label(field: str) -> Label:
    return LABELS[field]


def _text(max_len: int, min_len: int = 1, *, multiline: bool = False) -> Check:
    def check(value: Any, field: str) -> str:
        label_id, label_en = _label(field)
        return clean_text(
            value,
            field=field,
            label_id=label_id,
            label_en=label_en,
            min_len=min_len,
            max_len=max_len,
            multiline=multiline,
        )

    return check


def _whole(minimum: int, maximum: int) -> Check:
    def check(value: Any, field: str) -> int:
        label_id, label_en = _label(field)
        return parse_whole_number(
            value,
            field=field,
            label_id=label_id,
            label_en=label_en,
            minimum=minimum,
            maximum=maximum,
        )

    return check


def _options(options: tuple[str, ...]) -> tuple[str, str]:
    """The allowed values with what each means: ``"active" (aktif), …`` in Indonesian."""
    meaning = [(v, CHOICE_LABELS.get(v, Label(v, v))) for v in options]
    return (
        ", ".join(f'"{v}" ({m.id})' for v, m in meaning),
        ", ".join(f'"{v}"' for v, _ in meaning),
    )


def _choice(options: tuple[str, ...]) -> Check:
    def check(value: Any, field: str) -> str:
        choice = value.strip().lower() if isinstance(value, str) else None
        if choice not in options:
            label_id, label_en = _label(field)
            raise fail(
                field,
                "invalid",
                *both(
                    "{label} must be one of: {options}.",
                    label=(label_id, label_en),
                    options=_options(options),
                ),
            )
        return choice

    return check


def _flag(value: Any, field: str) -> int:
    if isinstance(value, bool):
        return int(value)
    if value in (0, 1) and isinstance(value, int):
        return int(value)
    if isinstance(value, str) and value.strip() in ("0", "1"):
        return int(value.strip())
    label_id, label_en = _label(field)
    raise fail(field, "invalid", *both("{label} must be 0 or 1.", label=(label_id, label_en)))


def _uuid(value: Any, field: str) -> str:
    text = value.strip().lower() if isinstance(value, str) else ""
    if not is_uuid(text):
        label_id, label_en = _label(field)
        raise fail(
            field,
            "invalid",
            *both("{label} id must be a UUID.", label=(label_id.lower(), label_en)),
        )
    return text


def _sha256(value: Any, field: str) -> str:
    ok = isinstance(value, str) and len(value) == 64
    if not (ok and all(ch in "0123456789abcdef" for ch in value)):
        label_id, label_en = _label(field)
        raise fail(
            field,
            "invalid",
            *both(
                "{label} must be 64 lowercase hex characters (sha256).", label=(label_id, label_en)
            ),
        )
    return str(value)


def _aware_datetime(value: Any, field: str) -> str:
    """ISO-8601 with a time zone. Text is kept as written, so the stored value is the
    one the consent screen recorded; a datetime becomes ISO text."""
    moment: datetime | None = None
    text = ""
    if isinstance(value, datetime):
        moment = value
        text = value.isoformat(timespec="milliseconds")
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        label_id, label_en = _label(field)
        raise fail(
            field,
            "invalid",
            *both(
                "{label} must be an ISO-8601 date and time with a time zone, "
                "e.g. 2025-08-17T10:30:00+07:00",
                label=(label_id, label_en),
            ),
        )
    return text


def _phone(value: Any, field: str) -> str:
    return normalize_phone(value, field=field)


def _village(value: Any, field: str) -> str:
    return validate_region_code(value, "village", field=field)


def _price(value: Any, field: str) -> int:
    return parse_rupiah(value)


def _id_number(normalize: Callable[..., str]) -> Check:
    def check(value: Any, field: str) -> str:
        return normalize(value, field=field)

    return check


RULES: dict[str, dict[str, Rule]] = {
    "merchant": {
        "business_name": Rule(_text(NAME_MAX, NAME_MIN), required=True),
        "owner_name": Rule(_text(NAME_MAX, NAME_MIN), required=True),
        "phone": Rule(_phone, required=True),
        "village_code": Rule(_village, required=True),
        "address": Rule(_text(ADDRESS_MAX, multiline=True)),
        "nib": Rule(_id_number(normalize_nib)),
        "npwp": Rule(_id_number(normalize_npwp)),
        "pirt": Rule(_id_number(normalize_pirt)),
        "halal_cert": Rule(_id_number(normalize_halal_cert)),
        "email": Rule(_id_number(normalize_email)),
        "consent_version": Rule(_text(CONSENT_VERSION_MAX)),
        "consent_at": Rule(_aware_datetime),
        "consent_operator": Rule(_text(CONSENT_OPERATOR_MAX)),
        "status": Rule(_choice(MERCHANT_STATUSES), clearable=False),
        "deleted": Rule(_flag, clearable=False),
    },
    "product": {
        "merchant_id": Rule(_uuid, required=True),
        "name": Rule(_text(PRODUCT_NAME_MAX), required=True),
        "description": Rule(_text(DESCRIPTION_MAX, multiline=True)),
        "price": Rule(_price, required=True),
        "unit": Rule(_text(UNIT_MAX)),
        "category": Rule(_text(CATEGORY_MAX)),
        "weight_g": Rule(_whole(0, WEIGHT_G_MAX)),
        "status": Rule(_choice(PRODUCT_STATUSES), clearable=False),
        "deleted": Rule(_flag, clearable=False),
    },
    "photo": {
        "product_id": Rule(_uuid, required=True),
        "position": Rule(_whole(0, MAX_PHOTOS_PER_PRODUCT - 1), required=True),
        "sha256": Rule(_sha256, required=True),
        "thumb_sha256": Rule(_sha256),
        "width": Rule(_whole(0, SQLITE_INT_MAX)),
        "height": Rule(_whole(0, SQLITE_INT_MAX)),
        "bytes": Rule(_whole(0, SQLITE_INT_MAX)),
        "thumb_bytes": Rule(_whole(0, SQLITE_INT_MAX)),
        "deleted": Rule(_flag, clearable=False),
    },
}


def _missing(field: str) -> FieldError:
    label_id, label_en = _label(field)
    return FieldError(
        field, f"{field}.required", *both("{label} is required.", label=(label_id, label_en))
    )


def _unknown(entity: str, field: str) -> FieldError:
    if entity == "product" and field == STOCK_FIELD:
        return FieldError(
            field,
            f"{field}.not_a_field",
            *both("Stock changes travel as stock moves, not as a field."),
        )
    return FieldError(
        field,
        f"{field}.unknown",
        *both(
            "Unknown field '{field}' for {entity}.",
            field=field,
            entity=(_ENTITY_ID[entity], entity),
        ),
    )


def validate_fields(
    entity: str, fields: Mapping[str, Any], *, partial: bool = False
) -> dict[str, Any]:
    """Clean values of ``fields`` for ``entity`` (``merchant``, ``product``, ``photo``).

    ``partial=False`` checks a new record: required fields must be present. With
    ``partial=True`` only the given fields are checked (an update). Optional fields
    given as None or blank text become None ("clear it"). Raises one ValidationError
    listing every problem, in the entity's field order.
    """
    if entity not in RULES:
        raise ValidationError(
            [
                FieldError(
                    "entity",
                    "entity.unknown",
                    *both(
                        "Unknown entity {entity!r}; expected one of: {entities}.",
                        entity=entity,
                        entities=", ".join(RULES),
                    ),
                )
            ]
        )
    rules = RULES[entity]
    clean: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field in ENTITIES[entity].fields:
        rule = rules[field]
        if field not in fields:
            if rule.required and not partial:
                errors.append(_missing(field))
            continue
        value = fields[field]
        if is_blank(value):
            if rule.required or not rule.clearable:
                errors.append(_missing(field))
            else:
                clean[field] = None
            continue
        try:
            clean[field] = rule.check(value, field)
        except ValidationError as exc:
            errors.extend(exc.errors)
    errors.extend(_unknown(entity, f) for f in fields if f not in rules)
    if entity == "merchant" and not partial:
        errors.extend(_consent_incomplete(fields, clean))
    if errors:
        raise ValidationError(errors)
    return clean


def _consent_incomplete(fields: Mapping[str, Any], clean: Mapping[str, Any]) -> list[FieldError]:
    """UU PDP: consent is recorded whole (which text, when, who) or not at all."""
    given = [f for f in CONSENT_FIELDS if not is_blank(fields.get(f))]
    if not given or len(given) == len(CONSENT_FIELDS):
        return []
    return [
        FieldError(
            f,
            f"{f}.required",
            *both("Consent must be recorded whole: text version, time and operator."),
        )
        for f in CONSENT_FIELDS
        if f not in given
    ]


def validate_stock(n: object) -> int:
    """A stock level: whole number from 0 to ``MAX_STOCK``."""
    return parse_whole_number(
        n,
        field=STOCK_FIELD,
        label_id=STOCK_LABEL.id,
        label_en=STOCK_LABEL.en,
        minimum=0,
        maximum=MAX_STOCK,
    )


def validate_stock_delta(n: object) -> int:
    """A stock move (may be negative): whole number within ±``MAX_STOCK``."""
    return parse_whole_number(
        n,
        field=STOCK_FIELD,
        label_id="Perubahan stok",
        label_en="Stock change",
        minimum=-MAX_STOCK,
        maximum=MAX_STOCK,
    )


def validate_operator(name: object, role: object) -> tuple[str, str]:
    """Clean (name, role) of a kiosk operator account."""
    errors: list[FieldError] = []
    clean_name = clean_role = ""
    try:
        clean_name = clean_text(
            name,
            field="name",
            label_id="Nama petugas",
            label_en="Operator name",
            min_len=OPERATOR_NAME_MIN,
            max_len=OPERATOR_NAME_MAX,
        )
    except ValidationError as exc:
        errors.extend(exc.errors)
    try:
        clean_role = _choice(OPERATOR_ROLES)(role, "role")
    except ValidationError as exc:
        errors.extend(exc.errors)
    if errors:
        raise ValidationError(errors)
    return clean_name, clean_role


def validate_pin(pin: object) -> str:
    """A login PIN: 4 to 8 digits, as text (an int would lose leading zeros)."""
    ok = isinstance(pin, str) and pin.isascii() and pin.isdigit()
    if not (ok and PIN_MIN <= len(str(pin)) <= PIN_MAX):
        raise fail(
            "pin",
            "invalid",
            *both("PIN must be {pin_min} to {pin_max} digits.", pin_min=PIN_MIN, pin_max=PIN_MAX),
        )
    return str(pin)
