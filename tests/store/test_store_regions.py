"""Region lists load all-or-nothing; villages know their district and regency."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_app.store.connection import StoreError
from kiosk_app.store.regions import import_regions_csv
from kiosk_app.store.store import Store
from tests.support import OFFICIAL_COUNTS, SAMPLE_REGIONS, official_regions


def test_sample_loads_with_parents(tmp_path: Path):
    store = Store.open(tmp_path / "k.db")

    result = import_regions_csv(store.db, SAMPLE_REGIONS)

    assert result.villages > 500
    row = store.db.execute(
        "SELECT name, level, parent_code FROM region WHERE code = '35.07.12.2001'"
    ).fetchone()
    assert row == ("Ternyang", "village", "35.07.12")
    assert store.region_name("35.07") == "Kabupaten Malang"
    store.close()


def test_reimport_is_idempotent(store: Store):
    count = store.db.execute("SELECT count(*) FROM region").fetchone()[0]

    import_regions_csv(store.db, SAMPLE_REGIONS)

    assert store.db.execute("SELECT count(*) FROM region").fetchone()[0] == count


def test_bad_rows_refuse_the_whole_file(tmp_path: Path, store: Store):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,level\n"
        "99,Provinsi Baru,province\n"
        "99.01.01.2001,Desa Salah,district\n"  # level disagrees with the code's shape
        "abc,Tanpa Kode,village\n",
        encoding="utf-8",
    )
    before = store.db.execute("SELECT count(*) FROM region").fetchone()[0]

    with pytest.raises(StoreError) as info:
        import_regions_csv(store.db, bad)

    assert "line 3" in info.value.message_en and "line 4" in info.value.message_en
    assert store.db.execute("SELECT count(*) FROM region").fetchone()[0] == before


def test_missing_columns_are_named(tmp_path: Path, store: Store):
    bad = tmp_path / "cols.csv"
    bad.write_text("kode,nama\n11,Aceh\n", encoding="utf-8")

    with pytest.raises(StoreError) as info:
        import_regions_csv(store.db, bad)

    assert "code" in info.value.message_id


def test_official_list_loads_completely(tmp_path: Path):
    """The official list where this machine has it; else a generated list of its shape."""
    source, official = official_regions(tmp_path)
    print(f"region list: {source} ({'official' if official else 'synthetic, same shape'})")
    store = Store.open(tmp_path / "k.db")

    result = import_regions_csv(store.db, source)

    assert result.villages == 83_762
    levels = dict(store.db.execute("SELECT level, count(*) FROM region GROUP BY level").fetchall())
    assert levels == OFFICIAL_COUNTS
    store.close()
