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

from collections.abc import Sequence
from typing import Any

import psycopg
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


def pg_pipeline(
    conn: Connection, statements: Sequence[tuple[str, dict[str, Any]]], *, commit: bool = False
) -> list[list[tuple[Any, ...]]]:
    """The rows of each statement, all sent at once and answered in one round trip
    (psycopg's pipeline mode), run in order; errors as ``pg_rows``'. With ``commit``,
    the transaction's commit goes with them: SQLAlchemy's own commit after it finds no
    transaction open (psycopg sends nothing then); a statement that fails leaves the
    transaction to roll back."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    cursors = [driver.cursor() for _ in statements]
    try:
        with driver.pipeline():
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
            if commit:
                driver.commit()
        return [cursor.fetchall() for cursor in cursors]
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


def pg_dicts(
    conn: Connection, sql: str, names: tuple[str, ...], params: dict[str, Any]
) -> list[dict[str, Any]]:
    """``pg_rows`` as dicts of ``names`` (the statement's columns, in order)."""
    return [dict(zip(names, row, strict=True)) for row in pg_rows(conn, sql, params)]
