"""The entities every layer speaks of (DESIGN §3): their synced fields and relations.

Field names here are the vocabulary of the schema, the wire protocol, import/export
files and the API. ``stock`` travels only as additive deltas (op ``stock``), never as
an overwrite; ``deleted`` is the tombstone field, merged like any other field.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EntitySpec:
    name: str
    table: str
    fields: tuple[str, ...]  # synced, last-writer-wins per field
    parent: tuple[str, str] | None = None  # (foreign key field, parent entity)
    integer_fields: frozenset[str] = frozenset()


MERCHANT = EntitySpec(
    name="merchant",
    table="merchant",
    fields=(
        "business_name",
        "owner_name",
        "phone",
        "village_code",
        "address",
        "nib",
        "npwp",
        "pirt",
        "halal_cert",
        "email",
        "consent_version",
        "consent_at",
        "consent_operator",
        "status",
        "deleted",
    ),
    integer_fields=frozenset({"deleted"}),
)

PRODUCT = EntitySpec(
    name="product",
    table="product",
    fields=(
        "merchant_id",
        "name",
        "description",
        "price",
        "unit",
        "category",
        "weight_g",
        "status",
        "deleted",
    ),
    parent=("merchant_id", "merchant"),
    integer_fields=frozenset({"price", "weight_g", "deleted"}),
)

PHOTO = EntitySpec(
    name="photo",
    table="photo",
    fields=(
        "product_id",
        "position",
        "sha256",
        "thumb_sha256",
        "width",
        "height",
        "bytes",
        "thumb_bytes",
        "deleted",
    ),
    parent=("product_id", "product"),
    integer_fields=frozenset({"position", "width", "height", "bytes", "thumb_bytes", "deleted"}),
)

ENTITIES: dict[str, EntitySpec] = {s.name: s for s in (MERCHANT, PRODUCT, PHOTO)}

# Field holding additive stock moves; lives on product but is never last-writer-wins.
STOCK_FIELD = "stock"
MERCHANT_STATUSES = ("active", "inactive")
PRODUCT_STATUSES = ("draft", "published")
OPERATOR_ROLES = ("operator", "technician")
REGION_LEVELS = ("province", "regency", "district", "village")
MAX_PHOTOS_PER_PRODUCT = 9
PRODUCT_NAME_MAX = 80
