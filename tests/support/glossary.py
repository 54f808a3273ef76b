"""The glossary (docs/glossary.md) as data, and every Indonesian text it applies to.

The texts are gathered from where they live, not from a list: every message of the Qt
``.ts`` files, every entry of the gettext ``.po`` files, every template under
``kiosk_server`` (text and the visible attributes), the consent wordings and the field
labels. A string added anywhere there is checked without touching the tests.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
TRANSLATIONS = ROOT / "resources" / "translations"
LOCALE = ROOT / "kiosk_app" / "domain" / "locale"
VISIBLE_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt", "content")


@dataclass(frozen=True)
class Term:
    indonesian: str
    english: str
    avoid: tuple[str, ...]


@dataclass(frozen=True)
class OneWording:
    marker: re.Pattern[str]
    wording: str
    english_marker: re.Pattern[str]
    english: str


@dataclass(frozen=True)
class Text:
    """One user-visible text: where it is, its English source (if known), its Indonesian."""

    where: str
    source: str | None
    indonesian: str
    context: str | None = None


def _cells(line: str) -> list[str]:
    body = line.strip().strip("|")
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", body)]


def _table(title: str) -> list[list[str]]:
    """The rows (without header) of the table under the ``## title`` heading."""
    lines = GLOSSARY.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"## {title}")
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            rows.append(_cells(line))
    return rows[2:]  # header and the --- line


def terms() -> list[Term]:
    return [
        Term(row[0], row[1], tuple(a.strip() for a in row[2].split(";") if a.strip()))
        for row in _table("Terms")
    ]


def allowed() -> list[str]:
    return [row[0] for row in _table("Allowed in context")]


def one_wordings() -> list[OneWording]:
    return [
        OneWording(re.compile(m, re.I), w, re.compile(em, re.I), e)
        for m, w, em, e in _table("One wording per message")
    ]


def avoid_pattern(term: str) -> re.Pattern[str]:
    """``term`` as a whole word or phrase, any case."""
    return re.compile(r"(?<![\w-])" + re.escape(term) + r"(?![\w-])", re.I)


def qt_texts() -> list[Text]:
    found = []
    for context in ET.parse(TRANSLATIONS / "etalase_id.ts").iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found.append(
                Text(
                    f"etalase_id.ts {name}",
                    message.findtext("source") or "",
                    message.findtext("translation") or "",
                    name,
                )
            )
    return found


def po_texts() -> list[Text]:
    with (LOCALE / "id" / "LC_MESSAGES" / "etalase.po").open("rb") as handle:
        catalog = read_po(handle, locale="id")
    return [
        Text("etalase.po", str(m.id), str(m.string), m.context)
        for m in catalog
        if m.id and isinstance(m.id, str)
    ]


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        for key, value in attrs:
            if key in VISIBLE_ATTRIBUTES and value and key != "content":
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def template_texts() -> list[Text]:
    """Visible text of every server template, the Jinja expressions taken out."""
    found = []
    for path in sorted((ROOT / "kiosk_server").rglob("templates/**/*.html")):
        raw = path.read_text(encoding="utf-8")
        raw = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", " ", raw, flags=re.S)
        parser = _Visible()
        parser.feed(raw)
        where = str(path.relative_to(ROOT))
        found += [Text(where, None, t) for t in parser.texts]
    return found


def data_texts() -> list[Text]:
    """Indonesian kept as data: field labels and consent wordings."""
    from kiosk_app.domain.records import ENTITIES, STOCK_LABEL
    from kiosk_app.ui.consent import TEXTS

    found = [Text("records.py", STOCK_LABEL.en, STOCK_LABEL.id)]
    for spec in ENTITIES.values():
        found += [Text(f"records.py {spec.name}", lb.en, lb.id) for lb in spec.labels.values()]
    found += [Text(f"consent.py {v}", t.get("en"), t["id"]) for v, t in TEXTS.items()]
    return found


def indonesian_texts() -> list[Text]:
    return qt_texts() + po_texts() + template_texts() + data_texts()
