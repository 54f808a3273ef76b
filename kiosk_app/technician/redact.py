"""Remove personal data from text leaving the kiosk (support bundles): UU PDP.

Two nets. Patterns catch what can be recognised anywhere: e-mail addresses, Indonesian
phone numbers, long identity numbers (NIK, NPWP with or without punctuation, NIB,
P-IRT) in any grouping, halal certificate numbers, street addresses, bearer tokens and
token-like secrets, and the values of personal fields in JSON or ``key=value`` text.
And the exact values this kiosk holds (``Redactor(texts=…, numbers=…)``: every personal
field of DESIGN §3 of every merchant, and the operators' names), which no pattern can
recognise, in every form a log line may carry them: any letter case and spacing, JSON-
or Python-escaped, URL-encoded; numbers in any grouping (``0812-3456-7890``,
``+62 812 3456 7890``, ``01.234.567.8-901.000``); and each word of a name.

Photo hashes (64 hex digits), ids, clock stamps, region codes, prices and counts stay:
they carry no personal data and are what a developer needs to follow a problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# +62 / 62 / 0 then 8xx (mobile) or an area code, in any common grouping.
PHONE = re.compile(
    r"(?<![\w+])(?:\+62|62|0)[\s.-]?(?:8\d{1,3}|[2-7]\d{1,3})(?:[\s.-]?\d{2,5}){1,3}(?!\w)"
)
INTERNATIONAL = re.compile(r"(?<![\w+])\+\d{1,3}[\s.-]?\d{2,4}(?:[\s.-]?\d{2,5}){1,3}(?!\w)")
LANDLINE = re.compile(r"\(0\d{2,3}\)\s?\d{2,4}(?:[\s.-]?\d{2,4}){0,2}(?!\w)")
# 13 to 17 digits, grouped any way (NIB 13, NPWP 15/16, NIK 16, P-IRT 15-17), except a
# clock stamp's wall time (13 digits, then "-" and 4 hex digits) and the groups of a
# UUID (hex groups joined by dashes).
LONG_NUMBER = re.compile(
    r"(?<![\w.-])(?!\d{13}-[0-9a-f]{4}-)\d(?:[\s./-]?\d){12,16}(?![\w]|\.\d|-[0-9a-f])"
)
# BPJPH (ID + digits) and older MUI/LPPOM halal certificate numbers.
HALAL = re.compile(r"(?i)(?<!\w)(?:ID|LPPOM|MUI)[\s./-]?\d{6,20}(?:[\s./-]\d{2,6})*(?!\w)")
# A street address written out: "Jl. Raya Ternyang No. 5", "Dusun Krajan RT 05 RW 02".
ADDRESS = re.compile(
    r"(?i)(?<!\w)(?:jl|jln|jalan|gg|gang|dusun|dsn|kp|kampung|perum|perumahan|komplek|"
    r"kompleks|blok)\.?\s+[^\n,;\"'<>{}]{1,60}"
)
RT_RW = re.compile(r"(?i)(?<!\w)RT\.?\s*\d{1,3}\s*/?\s*RW\.?\s*\d{1,3}(?!\w)")
BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
TOKEN_FIELD = re.compile(
    r"""(?ix)((?:token|secret|password|passphrase|pin|kode|code|authorization|signing_key)"""
    r"""["']?\s*[:=]\s*["']?)(?!<)[^\s"',}]{4,}"""
)
# Random secrets (token_urlsafe): long runs of letters and digits with a non-hex letter
# (ids, clock stamps and hashes are hex and dashes, and stay).
SECRET_LIKE = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[g-zG-Z_])"
    r"(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])"
)
PERSONAL_KEYS = (
    "business_name",
    "owner_name",
    "consent_operator",
    "operator_name",
    "phone",
    "email",
    "nik",
    "nib",
    "npwp",
    "pirt",
    "halal_cert",
    "address",
)
_KEYS = "|".join(PERSONAL_KEYS)
PERSONAL_FIELD = re.compile(
    rf"""(?ix)(["']?(?:{_KEYS})["']?\s*[:=]\s*)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,}}]+)"""
)
MIN_TEXT = 3  # shorter values (initials) would hide half of every log line
MIN_WORD = 4  # each word of a name or an address, from this length
_SEPARATOR = r"[\s./\-]*"


def _forms(value: str) -> set[str]:
    """The ways a log line may carry ``value``: as is, JSON- and Python-escaped (with
    and without non-ASCII escapes), URL-encoded."""
    forms = {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        value.encode("unicode_escape").decode("ascii"),
        quote(value, safe=""),
        quote_plus(value, safe=""),
    }
    forms |= {f.replace("\\u", "\\U") for f in forms if "\\u" in f}  # either hex case
    return {f for f in forms if f}


def _trie_pattern(literals: Iterable[str], gap: str) -> str:
    """One regex matching any of ``literals`` (a space in a literal matches ``gap``),
    laid out as a trie: a kiosk holds thousands of values, and an alternation of them
    all would be tried one by one at every position of every log line."""
    trie: dict[str, Any] = {}
    for literal in literals:
        node = trie
        for ch in literal:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [
            (gap if ch == " " else re.escape(ch)) + emit(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return emit(trie)


def number_forms(digits: str) -> set[str]:
    """The digit strings that stand for one number: an Indonesian phone number in E.164
    (+62…) also as 62…, 0… and the bare national number; a 16-digit NPWP that was a
    15-digit one (leading 0) also without it."""
    digits = "".join(ch for ch in digits if ch.isdigit())
    forms = {digits}
    if digits.startswith("62") and len(digits) >= 9:
        national = digits[2:]
        forms |= {national, "0" + national}
    if digits.startswith("0") and len(digits) == 16:
        forms.add(digits[1:])
    return {f for f in forms if len(f) >= 6}


@dataclass
class Redactor:
    """Replace personal data in text.

    ``texts``: personal text values (names, business names, addresses, e-mail,
    certificate numbers) to hide in every form; ``numbers``: personal numbers (phone,
    NIB, NPWP, P-IRT) to hide in any grouping; ``secrets``: exact strings (tokens,
    keys). ``names`` is the older name for ``texts``.
    """

    names: Iterable[str] = ()
    secrets: Iterable[str] = ()
    texts: Iterable[str] = ()
    numbers: Iterable[str] = ()
    _exact: re.Pattern[str] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        values = {" ".join(v.split()) for v in (*self.names, *self.texts) if v}
        values = {v for v in values if len(v) >= MIN_TEXT}
        words = {w for v in values for w in re.findall(r"\w+", v) if len(w) >= MIN_WORD}
        # Letter case is the flag's job: one lowercase form of each is enough.
        literals = {" ".join(f.split()).casefold() for v in values for f in _forms(v)} | {
            w.casefold() for w in words
        }
        numbers = {f for n in self.numbers if n for f in number_forms(n)}
        parts = []
        if literals:
            parts.append(r"(?<!\w)" + _trie_pattern(literals, r"\s+") + r"(?!\w)")
        if numbers:
            # Digits with any separators between them: each digit is a trie step.
            spaced = {" ".join(n) for n in numbers}
            parts.append(r"(?<!\d)" + _trie_pattern(spaced, _SEPARATOR) + r"(?!\d)")
        self._exact = re.compile("|".join(parts), re.IGNORECASE) if parts else None
        secrets = {s for s in self.secrets if s and len(s) >= 6}
        self._secrets = sorted(secrets, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        text = BEARER.sub(r"\1<token>", text)
        text = TOKEN_FIELD.sub(r"\1<token>", text)
        text = PERSONAL_FIELD.sub(r'\1"<disembunyikan>"', text)
        if self._exact is not None:
            text = self._exact.sub("<data-pribadi>", text)
        text = EMAIL.sub("<email>", text)
        text = HALAL.sub("<sertifikat>", text)
        text = LONG_NUMBER.sub("<nomor>", text)
        text = LANDLINE.sub("<telepon>", text)
        text = PHONE.sub("<telepon>", text)
        text = INTERNATIONAL.sub("<telepon>", text)
        text = RT_RW.sub("<alamat>", text)
        text = ADDRESS.sub("<alamat>", text)
        text = SECRET_LIKE.sub("<token>", text)
        return text
