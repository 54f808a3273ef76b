"""Moderation and rollouts (issue 17, part B): hidden merchants and products, erased
merchants (tombstones without personal data), announced app versions, per-region settings.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_HIDDEN = ("hidden_at", "hidden_reason", "hidden_by")


def upgrade() -> None:
    with op.batch_alter_table("merchant") as batch:
        for name in (*_HIDDEN, "erased_at"):
            batch.add_column(sa.Column(name, sa.Text()))
    with op.batch_alter_table("product") as batch:
        for name in _HIDDEN:
            batch.add_column(sa.Column(name, sa.Text()))
    op.create_table(
        "rollout",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("version", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("share", sa.Integer()),
        sa.Column("regions", sa.Text()),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text()),
        sa.Column("withdrawn_at", sa.Text()),
    )
    op.create_table(
        "region_setting",
        sa.Column("region", sa.Text(), primary_key=True),
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Text()),
    )


def downgrade() -> None:
    op.drop_table("region_setting")
    op.drop_table("rollout")
    with op.batch_alter_table("product") as batch:
        for name in _HIDDEN:
            batch.drop_column(name)
    with op.batch_alter_table("merchant") as batch:
        for name in ("erased_at", *reversed(_HIDDEN)):
            batch.drop_column(name)
