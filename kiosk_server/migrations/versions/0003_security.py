"""Security review (issue 14): bundle keys, blob holders and grants, imported bundles,
enrollment codes keyed with the server's secret, photo lookups by blob.

Existing data keeps what it allowed: every device that uploaded a blob holds it, and
every place a photo already shows a blob is granted it. Unused codes stored as bare
SHA-256 are marked ``sha256:`` (still redeemable) and expire within 7 days at most.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("bundle_key", sa.Text()))
    op.create_table(
        "blob_holder",
        sa.Column("sha256", sa.Text(), primary_key=True),
        sa.Column("device_id", sa.Text(), primary_key=True),
    )
    op.create_table(
        "blob_grant",
        sa.Column("sha256", sa.Text(), primary_key=True),
        sa.Column("scope_code", sa.Text(), primary_key=True),
    )
    op.create_table(
        "imported_bundle",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("device_id", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.Text(), nullable=False),
        sa.Column("mutations", sa.Integer(), nullable=False),
        sa.Column("blobs", sa.Integer(), nullable=False),
    )
    op.create_index("ix_photo_sha256", "photo", ["sha256"])
    op.create_index("ix_photo_thumb_sha256", "photo", ["thumb_sha256"])
    op.execute(
        "INSERT INTO blob_holder (sha256, device_id) "
        "SELECT sha256, uploaded_by FROM blob WHERE uploaded_by IS NOT NULL"
    )
    op.execute(
        "INSERT INTO blob_grant (sha256, scope_code) "
        "SELECT sha256, scope_code FROM photo WHERE sha256 IS NOT NULL "
        "UNION SELECT thumb_sha256, scope_code FROM photo WHERE thumb_sha256 IS NOT NULL"
    )
    cap = (datetime.now(UTC) + timedelta(days=7)).isoformat(timespec="milliseconds")
    op.execute(
        sa.text(
            "UPDATE enroll_code SET code_hash = 'sha256:' || code_hash "
            "WHERE used_at IS NULL AND code_hash NOT LIKE 'sha256:%'"
        )
    )
    op.execute(
        sa.text("UPDATE enroll_code SET expires_at = :cap WHERE expires_at > :cap").bindparams(
            cap=cap
        )
    )


def downgrade() -> None:
    op.drop_index("ix_photo_thumb_sha256", table_name="photo")
    op.drop_index("ix_photo_sha256", table_name="photo")
    for name in ("imported_bundle", "blob_grant", "blob_holder"):
        op.drop_table(name)
    with op.batch_alter_table("device") as batch:
        batch.drop_column("bundle_key")
