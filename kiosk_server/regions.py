"""Load the official region list (CSV code,name,level); rows join the change sequence so
kiosks receive the regions of their scope through sync."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.regions import parent_of, parse_region_row
from kiosk_server.db import region
from kiosk_server.sequence import reserve

BATCH = 5000


def import_regions(engine: Engine, path: Path) -> int:
    """Insert or update every region; all or nothing. Returns rows changed."""
    rows: list[dict[str, str | None]] = []
    problems: list[str] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line, raw in enumerate(csv.DictReader(handle), start=2):
            try:
                r = parse_region_row(raw)
            except ValidationError as exc:
                problems.append(f"line {line}: {exc}")
                continue
            rows.append(
                {"code": r.code, "name": r.name, "level": r.level, "parent_code": parent_of(r.code)}
            )
    if problems:
        raise ValueError("region file refused:\n" + "\n".join(problems[:20]))
    with engine.begin() as conn:
        existing = {
            r.code: (r.name, r.level)
            for r in conn.execute(select(region.c.code, region.c.name, region.c.level))
        }
        changed = [r for r in rows if existing.get(str(r["code"])) != (r["name"], r["level"])]
        if not changed:
            return 0
        first = reserve(conn, len(changed))
        for i, row in enumerate(changed):
            row["seq"] = first + i  # type: ignore[assignment]
        insert_fn = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        for start in range(0, len(changed), BATCH):
            stmt = insert_fn(region).values(changed[start : start + BATCH])
            stmt = stmt.on_conflict_do_update(
                index_elements=[region.c.code],
                set_={
                    "name": stmt.excluded.name,
                    "level": stmt.excluded.level,
                    "seq": stmt.excluded.seq,
                    "parent_code": stmt.excluded.parent_code,
                },
            )
            conn.execute(stmt)
    return len(changed)
