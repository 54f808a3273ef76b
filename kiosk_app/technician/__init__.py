"""Technician tools: diagnostics (doctor), backups, support bundles with redacted logs."""
