"""The entities every layer speaks of (DESIGN §3): their synced fields and relations.

Field names here are the vocabulary of the schema, the wire protocol, import/export
files and the API. ``stock`` travels only as additive deltas (op ``stock``), never as
an overwrite; ``deleted`` is the tombstone field, merged like any other field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple


class Label(NamedTuple):
    """A field's name as operators know it: Bahasa Indonesia, English."""

    id: str
    en: str


@dataclass(frozen=True)
class EntitySpec:
    name: str
    table: str
    fields: tuple[str, ...]  # synced, last-writer-wins per field
    parent: tuple[str, str] | None = None  # (foreign key field, parent entity)
    integer_fields: frozenset[str] = frozenset()
    labels: Mapping[str, Label] = field(default_factory=dict)

    def label(self, name: str) -> Label:
        """The label of ``name``; KeyError for a field this entity does not have."""
        return self.labels[name]


def _entity(
    name: str,
    fields: tuple[tuple[str, str, str], ...],
    *,
    parent: tuple[str, str] | None = None,
    integer_fields: frozenset[str] = frozenset(),
) -> EntitySpec:
    """An entity from its ``(field, label in Bahasa Indonesia, label in English)`` list:
    the one place a synced field is named and labelled."""
    return EntitySpec(
        name=name,
        table=name,
        fields=tuple(f for f, _, _ in fields),
        parent=parent,
        integer_fields=integer_fields,
        labels={f: Label(label_id, label_en) for f, label_id, label_en in fields},
    )


MERCHANT = _entity(
    "merchant",
    (
        ("business_name", "Nama usaha", "Business name"),
        ("owner_name", "Nama pemilik", "Owner name"),
        ("phone", "Nomor HP", "Phone number"),
        ("village_code", "Desa", "Village"),
        ("address", "Alamat", "Address"),
        ("nib", "NIB", "NIB"),
        ("npwp", "NPWP", "NPWP"),
        ("pirt", "Nomor P-IRT", "P-IRT number"),
        ("halal_cert", "Nomor sertifikat halal", "Halal certificate number"),
        ("email", "Email", "Email"),
        ("consent_version", "Versi persetujuan", "Consent version"),
        ("consent_at", "Waktu persetujuan", "Consent time"),
        ("consent_operator", "Petugas yang mencatat persetujuan", "Consent operator"),
        ("status", "Status", "Status"),
        ("deleted", "Dihapus atau tidak", "Deleted or not"),
    ),
    integer_fields=frozenset({"deleted"}),
)

PRODUCT = _entity(
    "product",
    (
        ("merchant_id", "Penjual", "Merchant"),
        ("name", "Nama produk", "Product name"),
        ("description", "Keterangan", "Description"),
        ("price", "Harga", "Price"),
        ("unit", "Satuan", "Unit"),
        ("category", "Kategori", "Category"),
        ("weight_g", "Berat (gram)", "Weight (grams)"),
        ("status", "Status", "Status"),
        ("deleted", "Dihapus atau tidak", "Deleted or not"),
    ),
    parent=("merchant_id", "merchant"),
    integer_fields=frozenset({"price", "weight_g", "deleted"}),
)

PHOTO = _entity(
    "photo",
    (
        ("product_id", "Produk", "Product"),
        ("position", "Urutan foto", "Photo order"),
        ("sha256", "Sidik foto", "Photo hash"),
        ("thumb_sha256", "Sidik foto kecil", "Thumbnail hash"),
        ("width", "Lebar foto", "Photo width"),
        ("height", "Tinggi foto", "Photo height"),
        ("bytes", "Ukuran foto", "Photo size"),
        ("thumb_bytes", "Ukuran foto kecil", "Thumbnail size"),
        ("deleted", "Dihapus atau tidak", "Deleted or not"),
    ),
    parent=("product_id", "product"),
    integer_fields=frozenset({"position", "width", "height", "bytes", "thumb_bytes", "deleted"}),
)

ENTITIES: dict[str, EntitySpec] = {s.name: s for s in (MERCHANT, PRODUCT, PHOTO)}

# Data minimisation (docs/privacy.md): a merchant's permits and email are kept on the
# server and on the kiosk that wrote them, and never sent to the region's other kiosks.
# The server's pull leaves their values out and sends only their clock stamps, so a kiosk
# knows a newer value exists ("tersimpan di server") without holding it.
WITHHELD_FIELDS: dict[str, frozenset[str]] = {
    "merchant": frozenset({"nib", "npwp", "pirt", "halal_cert", "email"}),
}
# Clock key a kiosk keeps for a withheld field whose value is on the server only.
WITHHELD_MARK = "{field}@server"


def withheld_fields(entity: str) -> frozenset[str]:
    """``entity``'s fields the server does not send to kiosks (empty for most)."""
    return WITHHELD_FIELDS.get(entity, frozenset())


def held_on_server(entity: str, clocks: Mapping[str, str] | str) -> frozenset[str]:
    """The withheld fields of a kiosk's row (its ``clocks``, parsed or as stored) whose
    value is on the server only: shown as "tersimpan di server", not as empty."""
    if isinstance(clocks, str):
        clocks = json.loads(clocks or "{}")
    return frozenset(f for f in withheld_fields(entity) if WITHHELD_MARK.format(field=f) in clocks)


# Field holding additive stock moves; lives on product but is never last-writer-wins.
STOCK_FIELD = "stock"
STOCK_LABEL = Label("Stok", "Stock")
MERCHANT_STATUSES = ("active", "inactive")
PRODUCT_STATUSES = ("draft", "published")
OPERATOR_ROLES = ("operator", "technician")
# What a stored choice means, in the glossary's words (a message never shows a bare value).
CHOICE_LABELS: dict[str, Label] = {
    "active": Label("aktif", "active"),
    "inactive": Label("tidak aktif", "inactive"),
    "draft": Label("draf", "draft"),
    "published": Label("tampil di katalog", "published"),
    "operator": Label("petugas", "operator"),
    "technician": Label("teknisi", "technician"),
}
REGION_LEVELS = ("province", "regency", "district", "village")
MAX_PHOTOS_PER_PRODUCT = 9
PRODUCT_NAME_MAX = 80


def field_label(entity: str, name: str) -> Label:
    """The label of ``entity``'s field ``name`` (``stock`` included, for products)."""
    if entity == "product" and name == STOCK_FIELD:
        return STOCK_LABEL
    return ENTITIES[entity].label(name)
