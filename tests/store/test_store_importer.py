"""Import upserts by id in the shared vocabulary; export gives the same records back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from kiosk_app.store import outbox
from kiosk_app.store.importer import export_csv, export_jsonl, import_file
from kiosk_app.store.store import Store
from tests.support import ROOT

DEMO = ROOT / "resources" / "demo" / "demo_catalog.jsonl"
MERCHANT = "0193a000-0000-7000-8000-000000000001"
PRODUCT = "0193a000-0000-7000-8000-000000000101"


def test_demo_catalog_imports_once(store: Store):
    first = import_file(store, DEMO)
    pending = outbox.count(store.db)
    second = import_file(store, DEMO)

    assert (first.created, first.errors) == (9, [])
    assert (second.created, second.updated, second.unchanged) == (0, 0, 9)
    assert outbox.count(store.db) == pending  # re-import made no new changes
    assert store.get("product", PRODUCT)["stock"] == 24


def test_a_line_sets_only_the_fields_it_names(store: Store, tmp_path: Path):
    import_file(store, DEMO)
    update = tmp_path / "price.jsonl"
    update.write_text(
        json.dumps({"kind": "product", "id": PRODUCT, "price": "Rp 37.500,-", "stock": 20}) + "\n",
        encoding="utf-8",
    )

    report = import_file(store, update)

    row = store.get("product", PRODUCT)
    assert report.updated == 1
    assert (row["price"], row["stock"], row["name"]) == (37500, 20, "Kopi Robusta Dampit 250 g")
    last_two = outbox.pending(store.db)[-2:]
    assert [e.fields for e in last_two] == [{"price": 37500}, {"stock": -4}]


def test_bad_lines_are_reported_and_the_rest_load(store: Store, tmp_path: Path):
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        "\n".join(
            [
                "{not json",
                json.dumps({"kind": "order", "id": MERCHANT}),
                json.dumps({"kind": "merchant", "id": "123", "business_name": "X"}),
                json.dumps(
                    {
                        "kind": "merchant",
                        "business_name": "Toko Baru",
                        "owner_name": "Ani",
                        "phone": "0812 1111 2222",
                        "village_code": "35.07.12.2001",
                    }
                ),
                json.dumps({"kind": "merchant", "business_name": "Tanpa HP"}),
            ]
        ),
        encoding="utf-8",
    )

    report = import_file(store, mixed)

    assert report.created == 1
    assert [e.split(":")[0] for e in report.errors] == ["line 1", "line 2", "line 3", "line 5"]
    assert "phone" in report.errors[-1]


def copy_regions(store: Store, other: Store) -> None:
    """The region list of ``store`` on ``other`` (another kiosk with the same scope)."""
    other.db.conn.executescript(
        "".join(
            f"INSERT INTO region VALUES ('{r[0]}', '{r[1]}', '{r[2]}', NULL);"
            for r in store.db.execute("SELECT code, name, level FROM region")
            if "'" not in r[1]
        )
    )


def test_csv_round_trip(store: Store, tmp_path: Path):
    import_file(store, DEMO)
    out = tmp_path / "export"
    assert export_csv(store, out).records == 9

    other = Store.open(tmp_path / "other.db")
    copy_regions(store, other)
    assert import_file(other, out / "merchants.csv").created == 3
    assert import_file(other, out / "products.csv").created == 6
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    export_jsonl(store, a)
    export_jsonl(other, b)
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")
    with (out / "products.csv").open(encoding="utf-8") as handle:
        assert "stock" in next(csv.reader(handle))
    other.close()


def test_csv_export_writes_no_formula_and_import_reads_the_names_back(
    store: Store, merchant_fields, tmp_path: Path
):
    # Given products whose names a spreadsheet would run (issue 14)
    merchant_id = store.create("merchant", merchant_fields)
    names = ['=HYPERLINK("http://phish.example","Klik")', "+cmd|' /C calc'!A0",
             "@SUM(1+1)", "-2+3", "Kopi Robusta"]  # fmt: skip
    for name in names:
        store.create("product", {"merchant_id": merchant_id, "name": name, "price": 1000})
    out = tmp_path / "export"

    # When exported as CSV, then imported on another kiosk
    export_csv(store, out)
    with (out / "products.csv").open(encoding="utf-8", newline="") as handle:
        cells = [row["name"] for row in csv.DictReader(handle)]
    with (out / "merchants.csv").open(encoding="utf-8", newline="") as handle:
        phones = [row["phone"] for row in csv.DictReader(handle)]
    other = Store.open(tmp_path / "other.db")
    copy_regions(store, other)
    import_file(other, out / "merchants.csv")
    import_file(other, out / "products.csv")
    imported = sorted(r[0] for r in other.db.execute("SELECT name FROM product"))
    other.close()

    # Then no cell starts a formula, a phone is still a number, and the names come back
    assert sorted(cells) == sorted("'" + n if n[0] in "=+-@" else n for n in names)
    assert phones == [str(store.get("merchant", merchant_id)["phone"])]
    assert imported == sorted(names)
