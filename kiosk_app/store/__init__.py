"""SQLite store through sqlite-utils: schema, migrations, writes with their outbox, search."""
