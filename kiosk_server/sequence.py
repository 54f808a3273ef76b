"""The change sequence: consecutive numbers reserved from the counter row.

Every record and region row carries ``seq``, its place in one server-wide sequence (see
``pull``). A writer reserves its numbers by updating the counter row, and so holds that
row's lock until it commits: no other writer can number rows (or commit numbered rows)
meanwhile, and the counter's committed value is a high-water mark for readers.
PostgreSQL pushes reserve theirs inside their one write statement
(``push.postgres_writer``), with the same update.
"""

from __future__ import annotations

from sqlalchemy import Connection, update

from kiosk_server.db import counter


def reserve(conn: Connection, count: int) -> int:
    """Reserve ``count`` numbers in ``conn``'s transaction; the first of them."""
    last = conn.execute(
        update(counter)
        .where(counter.c.name == "seq")
        .values(value=counter.c.value + count)
        .returning(counter.c.value)
    ).scalar_one()
    return int(last) - count + 1
