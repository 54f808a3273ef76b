"""Export live merchants and products as JSON lines or CSV, in the shared vocabulary."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from kiosk_app.domain.records import ENTITIES, STOCK_FIELD
from kiosk_server.db import RECORD_TABLES

KINDS = ("merchant", "product")


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
                writer.writerow(row)
                count += 1
    return count
