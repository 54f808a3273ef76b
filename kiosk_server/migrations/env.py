"""Alembic environment: run with the connection the server hands over (see db.migrate)."""

from __future__ import annotations

from alembic import context

from kiosk_server.db import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
