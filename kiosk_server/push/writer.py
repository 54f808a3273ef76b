"""The one writer interface: a push's rows, numbers, outcomes and conflicts, written.

After its mutations have run on the working copy, a push hands the batch to the writer
of its database (``writer_for``): ``sqlite_writer`` or ``postgres_writer``. Either
numbers the touched rows from the change sequence last, holding the counter's lock for
the end of the transaction alone, so sequence order equals commit order (see ``pull``).
"""

from __future__ import annotations

from typing import Protocol

from kiosk_server.push.cache import Batch


class Writer(Protocol):
    def write(self, b: Batch) -> None:
        """Write everything the batch changed, in its transaction."""


def writer_for(b: Batch) -> Writer:
    from kiosk_server.push.postgres_writer import PostgresWriter
    from kiosk_server.push.sqlite_writer import SqliteWriter

    return PostgresWriter() if b.rows.postgres else SqliteWriter()
