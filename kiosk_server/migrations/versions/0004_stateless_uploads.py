"""Stateless uploads (issue 16): an upload's offset and expiry in its row, its bytes in
``upload_chunk`` rows, so any server process can continue an upload another began.

Unfinished uploads of before kept their bytes in ``uploads/*.part`` files of one
machine, which no process reads any more: their rows go, and a kiosk asking for one
(HEAD: 404) creates it again and sends the photo whole. Finished rows stay.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM upload WHERE completed_at IS NULL")
    with op.batch_alter_table("upload") as batch:
        batch.add_column(sa.Column("received", sa.BigInteger(), nullable=False,
                                   server_default="0"))  # fmt: skip
        batch.add_column(sa.Column("expires_at", sa.Text()))
    op.execute("UPDATE upload SET received = length, expires_at = completed_at")
    op.create_table(
        "upload_chunk",
        sa.Column("upload_id", sa.Text(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("upload_id", "start"),
    )


def downgrade() -> None:
    op.drop_table("upload_chunk")
    with op.batch_alter_table("upload") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("received")
