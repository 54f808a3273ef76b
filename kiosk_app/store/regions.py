"""Load the official region list (CSV ``code,name,level``) into the kiosk store.

All or nothing: a file with any bad row is refused whole, with the line numbers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.regions import parent_of, parse_region_row
from kiosk_app.store.connection import Source, StoreError, database_of

MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True)
class RegionImport:
    rows: int
    villages: int


def import_regions_csv(source: Source, path: Path) -> RegionImport:
    """Insert or replace every region in ``path`` in one transaction."""
    db = database_of(source)
    rows: list[tuple[str, str, str, str | None]] = []
    problems: list[str] = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = {"code", "name", "level"} - set(reader.fieldnames or [])
            if missing:
                raise StoreError(
                    f"Berkas wilayah harus punya kolom code,name,level "
                    f"(kurang: {', '.join(sorted(missing))}).",
                    f"The region file needs columns code,name,level "
                    f"(missing: {', '.join(sorted(missing))}).",
                )
            for line, raw in enumerate(reader, start=2):
                try:
                    region = parse_region_row(raw)
                except ValidationError as exc:
                    if len(problems) < MAX_REPORTED_ERRORS:
                        problems.append(f"line {line}: {exc}")
                    continue
                rows.append((region.code, region.name, region.level, parent_of(region.code)))
    except UnicodeDecodeError as exc:
        raise StoreError(
            "Berkas wilayah harus teks UTF-8.", f"The region file must be UTF-8 text ({exc})."
        ) from exc
    if problems:
        detail = "\n".join(problems)
        raise StoreError(
            f"Berkas wilayah ditolak, ada baris yang salah:\n{detail}",
            f"Region file refused, some rows are invalid:\n{detail}",
        )
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO region (code, name, level, parent_code) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(code) DO UPDATE SET name = excluded.name, level = excluded.level, "
            "parent_code = excluded.parent_code",
            rows,
        )
    return RegionImport(rows=len(rows), villages=sum(1 for r in rows if r[2] == "village"))
