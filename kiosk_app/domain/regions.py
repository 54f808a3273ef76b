"""Kemendagri region codes (``PP.RR.DD.VVVV``): shape, level, parents, and scope checks.

Looking a code up in the official list is the store's job; this module only knows the
shape of codes and how the four levels nest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk_app.domain.errors import FieldError, ValidationError
from kiosk_app.domain.i18n import both
from kiosk_app.domain.records import REGION_LEVELS
from kiosk_app.domain.text import clean_text, fail

# Digits per level: province 2, regency 2, district 2, village 4 (Permendagri 72/2019).
_CODE_RE = re.compile(r"[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{2}(?:\.[0-9]{4})?)?)?")
_EXAMPLES = {
    "province": "35",
    "regency": "35.07",
    "district": "35.07.12",
    "village": "35.07.12.2003",
}
_LEVEL_ID = {
    "province": "provinsi",
    "regency": "kabupaten/kota",
    "district": "kecamatan",
    "village": "desa/kelurahan",
}
REGION_NAME_MAX = 100


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str


def _bad_code(field: str, level: str | None, problem: str = "invalid") -> ValidationError:
    if level is None:
        return fail(
            field,
            problem,
            *both("Invalid region code. Examples: 35, 35.07, 35.07.12 or 35.07.12.2003"),
        )
    example = _EXAMPLES[level]
    return fail(
        field,
        problem,
        *both(
            "Invalid {level} code. Example: {example}",
            level=(_LEVEL_ID[level], level),
            example=example,
        ),
    )


def validate_region_code(
    code: object, level: str | None = None, *, field: str = "village_code"
) -> str:
    """The trimmed code if it has the shape of a region code (of ``level``, if given)."""
    if level is not None and level not in REGION_LEVELS:
        raise ValueError(f"unknown region level: {level!r}")
    text = code.strip() if isinstance(code, str) else ""
    if not _CODE_RE.fullmatch(text):
        raise _bad_code(field, level)
    if level is not None and _level(text) != level:
        raise _bad_code(field, level, "wrong_level")
    return text


def _level(code: str) -> str:
    return REGION_LEVELS[code.count(".")]


def level_of(code: str) -> str:
    """``province``, ``regency``, ``district`` or ``village``, from the code's shape."""
    return _level(validate_region_code(code, field="code"))


def parent_of(code: str) -> str | None:
    """The code one level up (``35.07.12.2003`` → ``35.07.12``); None for a province."""
    text = validate_region_code(code, field="code")
    head, dot, _ = text.rpartition(".")
    return head if dot else None


def ancestors(code: str) -> list[str]:
    """Codes above ``code``, province first: ``35.07.12.2003`` → ``35``, ``35.07``, ``35.07.12``."""
    parts = validate_region_code(code, field="code").split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def in_scope(code: str, scope: str) -> bool:
    """True when ``code`` is the region ``scope`` or lies inside it.

    Both are checked first: a malformed code such as ``35.07x`` must not pass for being
    inside ``35`` by a prefix test.
    """
    code = validate_region_code(code, field="code")
    scope = validate_region_code(scope, field="scope")
    return code == scope or code.startswith(scope + ".")


def parse_region_row(row: Mapping[str, Any]) -> Region:
    """One row of the official list (CSV ``code,name,level``), checked; all problems at once."""
    errors: list[FieldError] = []
    code = name = level = ""
    try:
        code = validate_region_code(row.get("code"), field="code")
    except ValidationError as exc:
        errors.extend(exc.errors)
    try:
        name = clean_text(
            row.get("name"),
            field="name",
            label_id="Nama wilayah",
            label_en="Region name",
            max_len=REGION_NAME_MAX,
        )
    except ValidationError as exc:
        errors.extend(exc.errors)
    raw_level = row.get("level")
    level = raw_level.strip().lower() if isinstance(raw_level, str) else ""
    if level not in REGION_LEVELS:
        errors.extend(
            fail(
                "level",
                "invalid",
                *both(
                    "Region level must be one of: {levels} (got {level!r}).",
                    levels=", ".join(REGION_LEVELS),
                    level=raw_level,
                ),
            ).errors
        )
    elif code and _level(code) != level:
        errors.extend(
            fail(
                "level",
                "mismatch",
                *both(
                    "Code {code} is a {actual} code, not a {level} code.",
                    code=code,
                    actual=(_LEVEL_ID[_level(code)], _level(code)),
                    level=(_LEVEL_ID[level], level),
                ),
            ).errors
        )
    if errors:
        raise ValidationError(errors)
    return Region(code=code, name=name, level=level)
