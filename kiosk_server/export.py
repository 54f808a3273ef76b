"""Export live merchants and products as JSON lines or CSV, in the shared vocabulary.

CSV files are opened in spreadsheets, which run a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return as a formula (``=HYPERLINK(…)`` in a product
name is a link to anywhere; DDE formulas run programs). Such text cells get a leading
``'``, the spreadsheet convention for "this is text" (OWASP, CSV injection). A cell that
is only a number (``+6281234567890``, ``-5``) is left alone: no spreadsheet runs it.
JSON lines carry the values as they are.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from kiosk_app.domain.records import ENTITIES, STOCK_FIELD
from kiosk_app.domain.text import spreadsheet_safe
from kiosk_server.db import RECORD_TABLES

KINDS = ("merchant", "product")
csv_cell = spreadsheet_safe  # the kiosk's CSV export uses the same rule


def columns(kind: str) -> list[str]:
    names = ["id", *[f for f in ENTITIES[kind].fields if f != "deleted"]]
    return [*names, STOCK_FIELD] if kind == "product" else names


def records(engine: Engine, kind: str) -> list[dict[str, Any]]:
    table = RECORD_TABLES[kind]
    wanted = [table.c[name] for name in columns(kind)]
    with engine.connect() as conn:
        rows = conn.execute(
            select(*wanted)
            .where(table.c.deleted.is_(None) | (table.c.deleted == 0))
            .order_by(table.c.id)
        )
        return [dict(r._mapping) for r in rows]


def export(engine: Engine, fmt: str, out: Path) -> int:
    """Write ``out/records.jsonl`` or ``out/merchants.csv`` + ``out/products.csv``."""
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    if fmt == "jsonl":
        with (out / "records.jsonl").open("w", encoding="utf-8", newline="\n") as handle:
            for kind in KINDS:
                for row in records(engine, kind):
                    handle.write(json.dumps({"kind": kind, **row}, ensure_ascii=False) + "\n")
                    count += 1
        return count
    for kind in KINDS:
        with (out / f"{kind}s.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns(kind))
            writer.writeheader()
            for row in records(engine, kind):
                writer.writerow({k: csv_cell(v) for k, v in row.items()})
                count += 1
    return count
