"""Index uploads by device and hash: a kiosk whose creation POST was cut asks for its
unfinished upload by the blob's sha256 (tus creation-with-upload, then resume).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_upload_device_sha256", "upload", ["device_id", "sha256"])


def downgrade() -> None:
    op.drop_index("ix_upload_device_sha256", table_name="upload")
