"""A pull finds its district's changes by index (issue 16): ``(substr(scope_code, 1, 8),
seq)`` on each record table, so a district's or a village's kiosk no longer walks every
region's changes since its cursor.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TABLES = ("merchant", "product", "photo")
_DISTRICT_OF_SCOPE = "substr(scope_code, 1, 8)"  # db.DISTRICT_OF_SCOPE, as it was here


def upgrade() -> None:
    for name in _TABLES:
        op.create_index(f"ix_{name}_district_seq", name, [sa.text(_DISTRICT_OF_SCOPE), "seq"])


def downgrade() -> None:
    for name in _TABLES:
        op.drop_index(f"ix_{name}_district_seq", table_name=name)
