"""Alembic migration scripts for the central server (SQLite and PostgreSQL alike)."""
