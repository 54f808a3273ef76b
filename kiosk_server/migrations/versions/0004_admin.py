"""Program console (issue 17): admin accounts, sessions, the audit log, the kiosks'
telemetry on ``device`` with the fleet page's indexes, and who made an enrollment code.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TELEMETRY = [
    ("app_version_key", sa.Text()),
    ("telemetry_at", sa.Text()),
    ("pending_changes", sa.Integer()),
    ("pending_photos", sa.Integer()),
    ("last_error", sa.Text()),
    ("last_error_at", sa.Text()),
    ("clock_skew_s", sa.Integer()),
    ("sync_median_ms", sa.Integer()),
    ("bytes_per_day", sa.BigInteger()),
]
DEVICE_INDEXES = {
    "ix_device_last_seen": ["last_seen", "id"],
    "ix_device_region": ["region", "id"],
    "ix_device_name": ["name", "id"],
    "ix_device_version": ["app_version_key", "id"],
}


def version_key(version: str | None) -> str:
    numbers = re.findall(r"\d+", version or "")[:4]
    if not numbers:
        return ""
    return ".".join(n[-9:].zfill(9) for n in numbers + ["0"] * (4 - len(numbers)))


def upgrade() -> None:
    with op.batch_alter_table("device") as batch:
        for name, kind in TELEMETRY:
            batch.add_column(sa.Column(name, kind))
    # Every device's sortable version (the fleet page sorts and compares by it), as
    # ``devices.version_key`` made it when this was written (a migration keeps its copy).
    conn = op.get_bind()
    for device_id, version in conn.execute(sa.text("SELECT id, app_version FROM device")).all():
        conn.execute(
            sa.text("UPDATE device SET app_version_key = :key WHERE id = :id"),
            {"key": version_key(version), "id": device_id},
        )
    for name, columns in DEVICE_INDEXES.items():
        op.create_index(name, "device", columns)
    with op.batch_alter_table("enroll_code") as batch:
        batch.add_column(sa.Column("created_by", sa.Text()))
    op.create_index("ix_enroll_code_created_at", "enroll_code", ["created_at"])
    op.create_table(
        "admin_account",
        sa.Column("id", sa.Text(), primary_key=True),
        sa.Column("email", sa.Text(), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("region", sa.Text()),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("disabled_at", sa.Text()),
        sa.Column("last_login_at", sa.Text()),
    )
    op.create_table(
        "admin_session",
        sa.Column("token_hash", sa.Text(), primary_key=True),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("csrf", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Text(), nullable=False),
    )
    op.create_index("ix_admin_session_account_id", "admin_session", ["account_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text()),
        sa.Column("email", sa.Text()),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("target", sa.Text()),
        sa.Column("region", sa.Text()),
        sa.Column("detail", sa.Text()),
        sa.Column("ip", sa.Text()),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("admin_session")
    op.drop_table("admin_account")
    op.drop_index("ix_enroll_code_created_at", table_name="enroll_code")
    with op.batch_alter_table("enroll_code") as batch:
        batch.drop_column("created_by")
    for name in DEVICE_INDEXES:
        op.drop_index(name, table_name="device")
    with op.batch_alter_table("device") as batch:
        for name, _kind in reversed(TELEMETRY):
            batch.drop_column(name)
