"""The doctor's and the support bundle's read-only view of a kiosk database: what it
reads, that it writes nothing, and that damage is a finding (``UnreadableDatabase``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kiosk_app.store import health
from kiosk_app.store.health import ReadOnlyDatabase, UnreadableDatabase
from kiosk_app.store.migrations import SCHEMA_VERSION
from tests.support import ROOT

SQL = re.compile(
    r"(?i)\bselect\b.*\bfrom\b|\bpragma\s+[a-z_]+\s*[(=]|\binsert\s+into\b"
    r"|\bupdate\s+\w+\s+set\b|\bdelete\s+from\b"
)


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("kiosk.db*")}


def test_a_sound_database_is_read_and_left_as_it_was(store, merchant_fields, tmp_path):
    # Given a kiosk with one merchant (unsent), a token, and the app closed
    store.create("merchant", {**merchant_fields, "nib": "1234567890123"})
    store.set_setting("server.token", "tok-secret-123456")
    store.close()
    before = files(tmp_path)

    # When the doctor's view reads it
    with ReadOnlyDatabase(tmp_path / "kiosk.db") as db:
        errors, schema = db.integrity_errors(), db.schema_version()
        settings, pending, refused = db.settings(), db.pending(), db.open_refusals()
        personal = db.personal_values()

    # Then it sees what the kiosk holds, and the files are byte for byte the same
    assert errors == [] and schema == SCHEMA_VERSION
    assert settings["server.token"] == "tok-secret-123456"
    assert pending["pending_changes"] == 1 and pending["rejected"] == 0
    assert refused == []
    assert {"Kopi Bu Sri", "Sri Wahyuni", "Jl. Raya Ternyang No. 5"} <= set(personal.texts)
    assert {"+6281234567890", "1234567890123"} <= set(personal.numbers)
    assert personal.secrets == ["tok-secret-123456"]
    assert files(tmp_path) == before


def test_a_damaged_file_is_unreadable_not_a_crash(tmp_path):
    path = tmp_path / "kiosk.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x13" * 4000)
    db = ReadOnlyDatabase(path)
    try:
        with pytest.raises(UnreadableDatabase):
            db.integrity_errors()
        with pytest.raises(UnreadableDatabase):
            db.pending()
        assert db.settings() == {}
    finally:
        db.close()
    assert health.personal_values(path) == health.PersonalValues()
    assert health.personal_values(tmp_path / "absent.db") == health.PersonalValues()


def test_a_missing_table_gives_what_the_others_hold(store, merchant_fields, tmp_path):
    store.create("merchant", merchant_fields)
    store.db.execute("DROP TABLE operator")
    store.close()
    found = health.personal_values(tmp_path / "kiosk.db")
    assert "Kopi Bu Sri" in found.texts and "+6281234567890" in found.numbers


@pytest.mark.parametrize("module", ["doctor.py", "support.py"])
def test_the_doctor_and_the_support_bundle_hold_no_sql(module):
    # They read through store helpers: no SQLite module, no SQL text.
    source = (ROOT / "kiosk_app" / "technician" / module).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"sqlite3", "sqlite_utils", "sqlalchemy"}
    strings = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant)]
    sql = [s for s in strings if isinstance(s, str) and SQL.search(s)]
    assert sql == []
