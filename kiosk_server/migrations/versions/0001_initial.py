"""Initial schema: devices, enrollment codes, records, regions, uploads, the change sequence.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TEXT: Any = sa.Text()
BIG: Any = sa.BigInteger()
MERCHANT_FIELDS = [
    ("business_name", TEXT),
    ("owner_name", TEXT),
    ("phone", TEXT),
    ("village_code", TEXT),
    ("address", TEXT),
    ("nib", TEXT),
    ("npwp", TEXT),
    ("pirt", TEXT),
    ("halal_cert", TEXT),
    ("email", TEXT),
    ("consent_version", TEXT),
    ("consent_at", TEXT),
    ("consent_operator", TEXT),
    ("status", TEXT),
    ("deleted", BIG),
]
PRODUCT_FIELDS = [
    ("merchant_id", TEXT),
    ("name", TEXT),
    ("description", TEXT),
    ("price", BIG),
    ("unit", TEXT),
    ("category", TEXT),
    ("weight_g", BIG),
    ("status", TEXT),
    ("deleted", BIG),
]
PHOTO_FIELDS = [
    ("product_id", TEXT),
    ("position", BIG),
    ("sha256", TEXT),
    ("thumb_sha256", TEXT),
    ("width", BIG),
    ("height", BIG),
    ("bytes", BIG),
    ("thumb_bytes", BIG),
    ("deleted", BIG),
]


def _record(name: str, fields: list[tuple[str, Any]], *extra: sa.Column[Any]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Text(), primary_key=True),
        *[sa.Column(f, t) for f, t in fields],
        sa.Column("clocks", sa.Text(), nullable=False),
        sa.Column("scope_code", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger()),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        *extra,
    )
    op.create_index(f"ix_{name}_scope_code", name, ["scope_code"])
    op.create_index(f"ix_{name}_seq", name, ["seq"])


def upgrade() -> None:
    _record("merchant", MERCHANT_FIELDS)
    _record(
        "product",
        PRODUCT_FIELDS,
        sa.Column("stock", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("stock_nodes", sa.Text(), nullable=False, server_default="[]"),
    )
    op.create_index("ix_product_merchant_id", "product", ["merchant_id"])
    _record("photo", PHOTO_FIELDS)
    op.create_index("ix_photo_product_id", "photo", ["product_id"])
    op.create_table(
        "region",
        sa.Column("code", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("parent_code", sa.Text()),
        sa.Column("seq", sa.BigInteger()),
    )
    op.create_index("ix_region_seq", "region", ["seq"])
    op.create_table(
        "device",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("node_id", sa.Text()),
        sa.Column("token_hash", sa.Text(), nullable=False, unique=True),
        sa.Column("app_version", sa.Text()),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("last_seen", sa.Text()),
        sa.Column("revoked_at", sa.Text()),
    )
    op.create_table(
        "enroll_code",
        sa.Column("code_hash", sa.Text(), primary_key=True),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Text(), nullable=False),
        sa.Column("used_at", sa.Text()),
        sa.Column("device_id", sa.Text()),
    )
    op.create_table(
        "applied_mutation",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("message", sa.Text()),
        sa.Column("applied_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "conflict",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("row_id", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("lost_value", sa.Text()),
        sa.Column("lost_hlc", sa.Text(), nullable=False),
        sa.Column("won_value", sa.Text()),
        sa.Column("won_hlc", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Text()),
        sa.Column("created_at", sa.Text(), nullable=False),
    )
    op.create_index("ix_conflict_row_id", "conflict", ["row_id"])
    op.create_table(
        "blob",
        sa.Column("sha256", sa.Text(), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.Text()),
        sa.Column("created_at", sa.Text(), nullable=False),
    )
    op.create_table(
        "upload",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Text()),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("completed_at", sa.Text()),
    )
    counter = op.create_table(
        "counter",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(counter, [{"name": "seq", "value": 0}])


def downgrade() -> None:
    for name in (
        "counter",
        "upload",
        "blob",
        "conflict",
        "applied_mutation",
        "enroll_code",
        "device",
        "region",
        "photo",
        "product",
        "merchant",
    ):
        op.drop_table(name)
