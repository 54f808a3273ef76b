"""Remove personal data from text leaving the kiosk (support bundles): UU PDP.

Patterns for what can be recognised anywhere (e-mail addresses, Indonesian phone
numbers, NIK-like 16-digit numbers, bearer tokens and token-like secrets, values of
personal fields in JSON or key=value text) plus the exact names this kiosk holds
(owners, consent operators, operator accounts), which no pattern can recognise.
Photo hashes (64 hex digits), ids and clock stamps stay: they carry no personal data
and are what a developer needs to follow a problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# +62 / 62 / 0 then 8xx (mobile) or an area code, in any common grouping.
PHONE = re.compile(
    r"(?<![\w+])(?:\+62|62|0)[\s.-]?(?:8\d{1,3}|[2-7]\d{1,3})(?:[\s.-]?\d{2,5}){1,3}(?!\w)"
)
INTERNATIONAL = re.compile(r"(?<![\w+])\+\d{1,3}[\s.-]?\d{2,4}(?:[\s.-]?\d{2,5}){1,3}(?!\w)")
LANDLINE = re.compile(r"\(0\d{2,3}\)\s?\d{2,4}(?:[\s.-]?\d{2,4}){0,2}(?!\w)")
NIK = re.compile(r"(?<![\d.])\d{16}(?![\d.])")
NPWP_FORMATTED = re.compile(r"(?<!\d)\d{2}\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}(?!\d)")
BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
TOKEN_FIELD = re.compile(
    r"""(?ix)((?:token|secret|password|pin|kode|code|authorization)["']?\s*[:=]\s*["']?)"""
    r"""(?!<)[^\s"',}]{4,}"""
)
# Random secrets (token_urlsafe): long runs of letters and digits with a non-hex letter
# (ids, clock stamps and hashes are hex and dashes, and stay).
SECRET_LIKE = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[g-zG-Z_])"
    r"(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])"
)
PERSONAL_KEYS = (
    "owner_name",
    "consent_operator",
    "operator_name",
    "phone",
    "email",
    "nik",
    "address",
    "npwp",
)
_KEYS = "|".join(PERSONAL_KEYS)
PERSONAL_FIELD = re.compile(
    rf"""(?ix)(["']?(?:{_KEYS})["']?\s*[:=]\s*)(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,}}]+)"""
)


@dataclass
class Redactor:
    """Replace personal data in text; ``names`` are exact strings to hide as well."""

    names: Iterable[str] = ()
    secrets: Iterable[str] = ()
    _names: re.Pattern[str] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        words = sorted(
            {n.strip() for n in self.names if n and len(n.strip()) >= 3}, key=len, reverse=True
        )
        self._names = (
            re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words), re.IGNORECASE)
            if words
            else None
        )
        self._secrets = [s for s in self.secrets if s and len(s) >= 6]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        text = BEARER.sub(r"\1<token>", text)
        text = TOKEN_FIELD.sub(r"\1<token>", text)
        text = PERSONAL_FIELD.sub(r'\1"<disembunyikan>"', text)
        text = EMAIL.sub("<email>", text)
        text = NPWP_FORMATTED.sub("<npwp>", text)
        text = NIK.sub("<nik>", text)
        text = LANDLINE.sub("<telepon>", text)
        text = PHONE.sub("<telepon>", text)
        text = INTERNATIONAL.sub("<telepon>", text)
        text = SECRET_LIKE.sub("<token>", text)
        if self._names is not None:
            text = self._names.sub("<nama>", text)
        return text
