"""Extract the messages spoken outside Qt into gettext catalogs and compile them (Babel).

    .venv/bin/python scripts/build_catalogs.py           # update the .po files, build .mo
    .venv/bin/python scripts/build_catalogs.py --check   # fail if anything is stale or missing

Every ``both``/``both_in``/``one_line``/``N_`` call (``kiosk_app.domain.i18n``)
in the domain, the protocol, sync, the technician commands and the server is a message;
its English source is the msgid. ``id/…/etalase.po`` carries Bahasa Indonesia (a new
message is added empty: write its translation there, then run this again);
``en/…/etalase.po`` is the identity, filled in here. Messages no longer used are dropped.
"""

from __future__ import annotations

import argparse
import io
import string
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk_app.domain.i18n import DOMAIN, LANGUAGES, catalog_path  # noqa: E402

SOURCES = (
    "kiosk_app/domain",
    "kiosk_app/protocol",
    "kiosk_app/sync",
    "kiosk_app/technician",
    "kiosk_server",
)
KEYWORDS = {
    "both": None,
    "one_line": None,
    "N_": None,
    "both_in": ((1, "c"), 2),
}
# Fixed dates: the files change only when a message does.
STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def extract() -> Catalog:
    """Every message in the sources, as a template."""
    template = Catalog(domain=DOMAIN, project="Etalase Desa", creation_date=STAMP)
    for folder in SOURCES:
        found = extract_from_dir(ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS)
        for _file, _line, message, _comments, context in found:
            if isinstance(message, tuple):
                message = message[0]
            template.add(message, context=context)
    return template


def _read(path: Path, lang: str) -> Catalog | None:
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def updated(template: Catalog, lang: str) -> Catalog:
    """``lang``'s catalog for ``template``: known translations kept, English the identity."""
    old = _read(catalog_path(lang, ".po"), lang)
    catalog = Catalog(
        locale=lang,
        domain=DOMAIN,
        project="Etalase Desa",
        creation_date=STAMP,
        revision_date=STAMP,
        fuzzy=False,
    )
    for message in template:
        if not message.id:
            continue
        if lang == "en":
            string = message.id
        else:
            before = old.get(message.id, message.context) if old is not None else None
            string = before.string if before is not None and not before.fuzzy else ""
        catalog.add(message.id, string, context=message.context)
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, no_location=True, sort_output=True, omit_header=False)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def untranslated(catalog: Catalog) -> list[str]:
    return [str(m.id) for m in catalog if m.id and not m.string]


def placeholders_differ(catalog: Catalog) -> list[str]:
    """Translations using a ``{name}`` the source does not give (a KeyError later); a
    translation may leave one out."""
    return [
        str(m.id)
        for m in catalog
        if m.id and m.string and not _names(str(m.string)) <= _names(str(m.id))
    ]


def _names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def problems() -> list[str]:
    """What ``--check`` fails on: stale .po/.mo files and messages without a translation."""
    template = extract()
    found: list[str] = []
    for lang in LANGUAGES:
        catalog = updated(template, lang)
        po, mo = catalog_path(lang, ".po"), catalog_path(lang)
        if not po.is_file() or po.read_bytes() != po_bytes(catalog):
            found.append(f"{_shown(po)} is stale: run scripts/build_catalogs.py")
        if not mo.is_file() or mo.read_bytes() != mo_bytes(catalog):
            found.append(f"{_shown(mo)} is stale: run scripts/build_catalogs.py")
        found += [f"{lang}: untranslated: {msgid!r}" for msgid in untranslated(catalog)]
        found += [f"{lang}: placeholders differ: {m!r}" for m in placeholders_differ(catalog)]
    return found


def build() -> list[str]:
    """Write the .po and .mo files; returns the messages still untranslated."""
    template = extract()
    missing: list[str] = []
    for lang in LANGUAGES:
        catalog = updated(template, lang)
        po = catalog_path(lang, ".po")
        po.parent.mkdir(parents=True, exist_ok=True)
        po.write_bytes(po_bytes(catalog))
        catalog_path(lang).write_bytes(mo_bytes(catalog))
        missing += [f"{lang}: untranslated: {msgid!r}" for msgid in untranslated(catalog)]
        print(f"{_shown(po)}: {len(catalog)} messages")
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail if stale")
    args = parser.parse_args(argv)
    found = problems() if args.check else build()
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
