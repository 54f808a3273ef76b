"""The hot reads of every sync on PostgreSQL (token lookup, pull, a push's reads of the
rows and mutation ids it names), run on psycopg itself.

SQLAlchemy's result machinery (a ``CursorResult``, its metadata from the cursor's
description, ``Row`` objects) cost a sync more of the server's CPU than these statements'
own round trips (py-spy with the GIL held, ``bench/bench_server_sync.py --cost``: ~14 %
of an idle sync, ~19 % of a pushing one). These reads run on the connection SQLAlchemy
checked out (in its transaction, or in the read-only autocommit mode of
``db.read_only``), prepared by psycopg as the pool's settings say, and fetch plain
tuples. A psycopg error is raised as SQLAlchemy's (``DBAPIError`` and its subclasses,
``.orig`` the driver's), so a push still retries a deadlock whole. SQLite keeps
SQLAlchemy's Core path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, StatementError


def pg_rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of one statement on ``conn``'s psycopg connection (``%(name)s``
    parameters). A connection broken under it is invalidated, as SQLAlchemy does on a
    disconnect, so the pool does not hand it out again."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    except psycopg.Error as exc:
        raise _wrapped(conn, driver, sql, exc) from exc


def _wrapped(
    conn: Connection, driver: psycopg.Connection[Any], sql: str, exc: psycopg.Error
) -> StatementError:
    """``exc`` as SQLAlchemy raises it; a connection broken under it is invalidated."""
    broken = driver.broken or driver.closed
    wrapped = DBAPIError.instance(
        sql, None, exc, psycopg.Error, hide_parameters=True, connection_invalidated=broken
    )
    if broken:
        conn.invalidate()
    return wrapped


# Sent by the caller with its own statements, in ``pg_transaction``.
BEGIN = "BEGIN ISOLATION LEVEL READ COMMITTED"
COMMIT = "COMMIT"


def pg_pipeline(
    conn: Connection,
    statements: Sequence[tuple[str, dict[str, Any]]],
    *,
    begin: bool = False,
    commit: bool = False,
    then: Sequence[tuple[str, dict[str, Any]]] = (),
) -> list[list[tuple[Any, ...]]]:
    """The rows of each statement, all sent at once and answered in one round trip
    (psycopg's pipeline mode), run in order; errors as ``pg_rows``'. ``begin``: the
    transaction's BEGIN goes first (``pg_transaction``'s connection only). ``commit``:
    its COMMIT goes last, as a statement: psycopg's own ``commit()`` in a pipeline waits
    for its answer, and the pipeline's end then costs a round trip more. SQLAlchemy's
    commit after it finds no transaction open and sends nothing; a statement that fails
    leaves the transaction to roll back. ``then``: statements sent after that COMMIT, in a
    transaction of their own, still in the same round trip (a read of what was just
    committed); their rows follow the statements'."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    assert driver.autocommit or not (begin or then), "BEGIN is sent by psycopg itself here"
    assert commit or not then
    sent: list[tuple[str, dict[str, Any]]] = [(BEGIN, {})] * begin + list(statements)
    sent += [(COMMIT, {})] * commit
    wanted = list(range(begin, begin + len(statements)))
    if then:
        wanted += range(len(sent) + 1, len(sent) + 1 + len(then))
        sent += [(BEGIN, {}), *then, (COMMIT, {})]
    cursors = [driver.cursor() for _ in sent]
    try:
        with driver.pipeline():
            for cursor, (sql, params) in zip(cursors, sent, strict=True):
                cursor.execute(sql, params)
        return [cursors[n].fetchall() for n in wanted]
    except psycopg.Error as exc:
        raise _wrapped(conn, driver, statements[0][0] if statements else "", exc) from exc
    finally:
        for cursor in cursors:
            cursor.close()


def pg_rows_then_commit(
    conn: Connection, sql: str, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """``pg_rows``, and the transaction's commit sent with the statement: one round trip
    (``pg_pipeline``)."""
    return pg_pipeline(conn, [(sql, params)], commit=True)[0]


@contextmanager
def pg_transaction(conn: Connection) -> Iterator[Connection]:
    """``conn`` for a transaction whose BEGIN the caller sends with its first statements
    (``pg_pipeline(begin=True)``) and whose COMMIT with its last (``commit=True``).

    psycopg, left to open the transaction itself, sends BEGIN alone and waits for its
    answer: a round trip before the first pipeline. So the connection runs in autocommit
    meanwhile (psycopg then sends neither), and this ends what is left open: a commit
    after a block that did not send its own (one round trip: the rare batches that write
    no row), a rollback after an error (the database's or ours)."""
    conn.execution_options(isolation_level="AUTOCOMMIT")
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)

    def open_() -> bool:
        usable = not (driver.closed or driver.broken)
        return usable and driver.pgconn.transaction_status != TransactionStatus.IDLE

    try:
        yield conn
    except BaseException:
        if open_():
            driver.rollback()
        raise
    if open_():
        try:
            driver.commit()
        except psycopg.Error as exc:
            raise _wrapped(conn, driver, COMMIT, exc) from exc


def pg_dicts(
    conn: Connection, sql: str, names: tuple[str, ...], params: dict[str, Any]
) -> list[dict[str, Any]]:
    """``pg_rows`` as dicts of ``names`` (the statement's columns, in order)."""
    return [dict(zip(names, row, strict=True)) for row in pg_rows(conn, sql, params)]
