"""Protocol 3's batch layout: rows of any shape as columns, and back, losslessly.

A batch of mutations or changes is a list of JSON objects whose keys repeat on every row
and whose values repeat down each key (entity, op, merchant, clock node, unit). Laid out
by column, a compressor sees like next to like. Nothing here knows a field by name: a new
field or entity is a new column. What it knows is the protocol's shapes:

- a nested object (``fields``, a change's ``hlc``) is flattened into ``key.name`` columns;
- a change's ``hlc`` (field -> stamp) becomes one stamp for the row (the most common)
  plus the fields whose stamp differs (``hlc~`` columns) and those without one (``hlc-``);
- a change's field that is null and has no stamp (never set) is left out: the kiosk reads
  an absent field as unchanged, and a new row's column as empty;
- a column of canonical UUIDs is sent as millisecond deltas and the rest in hex, a column
  of clock stamps as millisecond deltas, counters and a node table, whole numbers as
  deltas when shorter, a column with few distinct values as a table and indexes.

A column present on only some rows says on which (gaps between their indexes). The
layout is decoded back into exactly the rows that were packed (tests/sync/
test_sync_protocol3.py checks it against every shape the protocol carries).
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise
from typing import Any

from kiosk_app.domain.hlc import is_stamp

_STAMP = re.compile(r"^(\d{13})-([0-9a-f]{4})-(.+)$")
_UUID = re.compile(r"^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$")
HLC = "hlc"
FIELDS = "fields"
SEP = "."
ROW_STAMP = "hlc="  # a change's stamp for all its fields but those below
DIFFERENT = "hlc~"  # fields whose stamp is not the row's
UNSTAMPED = "hlc-"  # fields without a stamp (a product's stock total, a region's name)


def _flatten(row: dict[str, Any]) -> dict[str, Any]:
    """One row as flat columns: nested objects as ``key.name``; a change's stamps as one
    per row; fields never set (null, no stamp) left out."""
    fields = row.get(FIELDS)
    stamps = row.get(HLC)
    flat: dict[str, Any] = {}
    if isinstance(fields, dict) and isinstance(stamps, dict):
        fields = {k: v for k, v in fields.items() if v is not None or k in stamps}
        common = Counter(stamps.values()).most_common(1)
        if common:
            row_stamp = common[0][0]
            flat[ROW_STAMP] = row_stamp
            for name, stamp in stamps.items():
                if stamp != row_stamp or name not in fields:
                    flat[f"{DIFFERENT}{SEP}{name}"] = stamp
            missing = [name for name in fields if name not in stamps]
            if missing:
                flat[UNSTAMPED] = missing
        else:
            flat[HLC + SEP] = 1  # an empty stamp map (no stamp at all)
    for key, value in row.items():
        if SEP in key:
            raise ValueError(f"a key of the protocol has no {SEP!r}: {key!r}")
        if key == HLC and isinstance(stamps, dict):
            continue
        if key == FIELDS and isinstance(fields, dict):
            value = fields
        if isinstance(value, dict) and value and SEP not in key:
            for name, inner in value.items():
                flat[f"{key}{SEP}{name}"] = inner
        elif isinstance(value, dict):
            flat[key + SEP] = 1  # an empty object
        else:
            flat[key] = value
    return flat


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    different: dict[str, str] = {}
    for key, value in flat.items():
        head, sep, name = key.partition(SEP)
        if key in (UNSTAMPED, ROW_STAMP):
            continue
        if head == DIFFERENT and sep:
            different[name] = value
        elif sep and not name:
            row.setdefault(head, {})
        elif sep:
            row.setdefault(head, {})[name] = value
        else:
            row[key] = value
    if ROW_STAMP in flat:
        unstamped = set(flat.get(UNSTAMPED, ()))
        names = row.get(FIELDS, {})
        stamps = {n: flat[ROW_STAMP] for n in names if n not in unstamped}
        stamps.update(different)
        row[HLC] = stamps
    return row


# -- one column ----------------------------------------------------------------------------


def _ints(values: list[Any]) -> bool:
    return all(type(v) is int for v in values)


def _deltas(values: list[int]) -> list[int]:
    return [values[0], *(b - a for a, b in pairwise(values))]


def _undelta(deltas: list[int]) -> list[int]:
    out, total = [], 0
    for d in deltas:
        total += d
        out.append(total)
    return out


def _stamp_parts(values: list[Any]) -> tuple[list[int], list[int], list[str]] | None:
    parts = []
    for v in values:
        m = _STAMP.match(v) if isinstance(v, str) and is_stamp(v) else None
        if m is None:
            return None
        parts.append((int(m.group(1)), int(m.group(2), 16), m.group(3)))
    return [p[0] for p in parts], [p[1] for p in parts], [p[2] for p in parts]


def _uuid_parts(values: list[Any]) -> dict[str, Any] | None:
    """UUIDs as runs (a row id repeats on a record's consecutive mutations): each run's
    milliseconds as deltas, the rest of its bits in hex, and the run lengths."""
    ms: list[int] = []
    rest: list[str] = []
    runs: list[int] = []
    for n, v in enumerate(values):
        if n and v == values[n - 1]:
            runs[-1] += 1
            continue
        m = _UUID.match(v) if isinstance(v, str) else None
        if m is None:
            return None
        ms.append(int(m.group(1) + m.group(2), 16))
        rest.append(m.group(3) + m.group(4) + m.group(5))
        runs.append(1)
    out = {"u": _deltas(ms), "r": "".join(rest)}
    if any(r > 1 for r in runs):
        out["k"] = runs
    return out


def _table(values: list[Any]) -> dict[str, Any] | None:
    """Few distinct values (strings, lists of strings): a table and indexes."""
    if not all(
        isinstance(v, str) or (isinstance(v, list) and all(isinstance(i, str) for i in v))
        for v in values
    ):
        return None
    keys = [tuple(v) if isinstance(v, list) else v for v in values]
    order: dict[Any, int] = {}
    for k in keys:
        order.setdefault(k, len(order))
    if len(order) * 2 > len(values):
        return None
    table = [list(k) if isinstance(k, tuple) else k for k in order]
    return {"t": table, "x": [order[k] for k in keys]}


def encode_column(values: list[Any]) -> Any:
    """One column's values in the smallest layout that decodes back to them exactly."""
    if values and _ints(values):
        deltas = _deltas(values)
        if sum(len(str(d)) for d in deltas) < sum(len(str(v)) for v in values):
            return {"d": deltas}
        return values
    uuids = _uuid_parts(values) if values else None
    if uuids is not None:
        return uuids
    stamps = _stamp_parts(values) if values else None
    if stamps is not None:
        return {"s": _deltas(stamps[0]), "c": stamps[1], "n": encode_column(stamps[2])}
    table = _table(values)
    if table is not None:
        return table
    return values


def decode_column(column: Any) -> list[Any]:
    if isinstance(column, list):
        return column
    if not isinstance(column, dict):
        raise ValueError("a column is a list or an object")
    if "d" in column:
        return _undelta(column["d"])
    if "u" in column:
        ms, rest = _undelta(column["u"]), column["r"]
        if len(rest) != 20 * len(ms):
            raise ValueError("uuid column: wrong length")
        runs = column.get("k") or [1] * len(ms)
        out = []
        for n, (t, run) in enumerate(zip(ms, runs, strict=True)):
            h, r = f"{t:012x}", rest[20 * n : 20 * n + 20]
            out += [f"{h[:8]}-{h[8:]}-{r[:4]}-{r[4:8]}-{r[8:]}"] * run
        return out
    if "s" in column:
        walls, counters, nodes = _undelta(column["s"]), column["c"], decode_column(column["n"])
        return [f"{w:013d}-{c:04x}-{n}" for w, c, n in zip(walls, counters, nodes, strict=True)]
    if "t" in column:
        table = column["t"]
        return [table[i] for i in column["x"]]
    raise ValueError("unknown column layout")


# -- a batch ---------------------------------------------------------------------------------


def pack(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``rows`` (mutations or changes) laid out by column: ``{"n": rows, "c": {key:
    column}}``; a key missing from some rows has ``{"at": gaps, "v": column}``."""
    flat = [_flatten(r) for r in rows]
    keys: dict[str, None] = {}
    for f in flat:
        keys.update(dict.fromkeys(f))
    columns: dict[str, Any] = {}
    for key in keys:
        at = [n for n, f in enumerate(flat) if key in f]
        values = [flat[n][key] for n in at]
        if len(at) == len(flat):
            columns[key] = encode_column(values)
        else:
            gaps = [b - a - 1 for a, b in pairwise([-1, *at])]
            columns[key] = {"at": gaps, "v": encode_column(values)}
    return {"n": len(rows), "c": columns}


def unpack(packed: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows ``pack`` laid out (``ValueError`` for a layout that is not one)."""
    try:
        n = int(packed["n"])
        flat: list[dict[str, Any]] = [{} for _ in range(n)]
        for key, column in packed["c"].items():
            if isinstance(column, dict) and "at" in column:
                at, pos = [], -1
                for gap in column["at"]:
                    pos += gap + 1
                    at.append(pos)
                values = decode_column(column["v"])
            else:
                at, values = list(range(n)), decode_column(column)
            if len(at) != len(values):
                raise ValueError(f"column {key}: {len(values)} values for {len(at)} rows")
            for pos, value in zip(at, values, strict=True):
                flat[pos][key] = value
    except (KeyError, TypeError, IndexError, AttributeError) as exc:
        raise ValueError(f"not a column layout: {exc!r}") from exc
    return [_unflatten(f) for f in flat]
