"""The store owns its tables: no database access in ``kiosk_app`` outside ``kiosk_app/store``.

Every module is parsed and searched for what touches the database: importing
``sqlite3`` or ``sqlite_utils``, calling ``.execute(``/``.executemany(``/``.query(``/
``.atomic(``, a raw handle (``something.db``, ``something.conn``) or a table by
subscript (``db["merchant"]``). No module is exempt.
"""

from __future__ import annotations

import ast

import pytest

from tests.support import ROOT

PACKAGE = ROOT / "kiosk_app"
STORE = PACKAGE / "store"
DB_MODULES = ("sqlite3", "sqlite_utils")
DB_CALLS = {"execute", "executemany", "executescript", "query", "atomic"}
RAW_HANDLES = {"db", "conn"}


def db_accesses(source: str) -> list[tuple[int, str]]:
    """(line, what) for each database access in a module's source."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names
                      if a.name.split(".")[0] in DB_MODULES]  # fmt: skip
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in DB_MODULES:
                found.append((node.lineno, f"from {node.module} import"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in DB_CALLS:
                found.append((node.lineno, f".{node.func.attr}("))
        elif isinstance(node, ast.Attribute) and node.attr in RAW_HANDLES:
            found.append((node.lineno, f".{node.attr}"))
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in RAW_HANDLES
        ):
            found.append((node.lineno, f"{node.value.id}[...]"))
    return sorted(set(found))


def accesses_outside_store() -> dict[str, list[tuple[int, str]]]:
    result = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if STORE in path.parents:
            continue
        found = db_accesses(path.read_text(encoding="utf-8"))
        if found:
            result[path.relative_to(ROOT).as_posix()] = found
    return result


def test_no_database_access_outside_the_store() -> None:
    leaks = accesses_outside_store()
    assert leaks == {}, "use (or add) a helper in kiosk_app/store instead:\n" + "\n".join(
        f"  {f}:{line}: {what}" for f, hits in leaks.items() for line, what in hits
    )


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("import sqlite3", "import sqlite3"),
        ("import sqlite_utils.db as d", "import sqlite_utils.db"),
        ("from sqlite_utils import Database", "from sqlite_utils import"),
        ("store.db.execute('SELECT 1')", ".execute("),
        ("conn.executemany(sql, rows)", ".executemany("),
        ("list(db.query('SELECT 1'))", ".query("),
        ("with store.db.atomic():\n    pass", ".atomic("),
        ("x = store.db", ".db"),
        ("handle = self.conn", ".conn"),
        ("db['merchant'].insert({})", "db[...]"),
    ],
)
def test_every_kind_of_access_is_seen(source: str, what: str) -> None:
    assert what in [w for _, w in db_accesses(source)]


def test_store_calls_are_not_database_access() -> None:
    source = (
        "from kiosk_app.store.search import search_merchants\n"
        "with store.transaction():\n"
        "    store.update('merchant', row_id, fields)\n"
        "found = search_merchants(store, text)\n"
        "url = store.settings.get(Key.SERVER_URL)\n"
        "path = paths.database\n"
    )
    assert db_accesses(source) == []
