"""Update the Qt Linguist files from the screens' source and compile them to .qm.

    .venv/bin/python scripts/build_translations.py            # update .ts, build .qm
    .venv/bin/python scripts/build_translations.py --check    # fail if anything is untranslated

Source strings in ``kiosk_app/ui`` are English. ``etalase_id.ts`` carries Bahasa Indonesia
(translate new entries with ``pyside6-linguist``); ``etalase_en.ts`` is the identity, filled
in here. ``pyside6-lupdate`` keeps existing translations and drops strings no longer used.
``qtbase_id.ts`` is our Indonesian for Qt's own dialogs (Qt ships none); it is written by
hand, only compiled here.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "kiosk_app" / "ui"
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("id", "en")
QT_OWN = ("qtbase_id",)  # hand-written translations of Qt's own strings


def _tool(name: str) -> str:
    """A PySide6 tool next to this Python (the virtualenv), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install pyside6-essentials")
    return found


def ts_file(lang: str) -> Path:
    return TRANSLATIONS / f"etalase_{lang}.ts"


def update_ts(lang: str, target: Path | None = None) -> Path:
    """Run lupdate over every UI module (relative paths keep the .ts stable)."""
    target = target or ts_file(lang)
    sources = sorted(str(p.relative_to(ROOT)) for p in SOURCES.rglob("*.py"))
    subprocess.run(
        [_tool("pyside6-lupdate"), "-no-obsolete", "-locations", "none", *sources,
         "-target-language", lang, "-ts", str(target)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )  # fmt: skip
    return target


def messages(path: Path) -> dict[tuple[str, str], str | None]:
    """(context, source) -> finished translation (None when unfinished) of a .ts file."""
    found: dict[tuple[str, str], str | None] = {}
    for context in ET.parse(path).iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            done = translation is not None and translation.get("type") is None
            text = translation.text if done and translation is not None else None
            found[(name, message.findtext("source") or "")] = text
    return found


def fill_identity(path: Path) -> int:
    """English: the source text is the translation. Returns how many were filled."""
    tree = ET.parse(path)
    filled = 0
    for message in tree.iter("message"):
        translation = message.find("translation")
        source = message.findtext("source") or ""
        if translation is not None and translation.get("type") == "unfinished":
            translation.text = source
            del translation.attrib["type"]
            filled += 1
    if filled:
        _write(tree, path)
    return filled


def unfinished(path: Path) -> list[str]:
    """Source texts whose translation is missing or marked unfinished."""
    tree = ET.parse(path)
    missing = []
    for message in tree.iter("message"):
        translation = message.find("translation")
        if (
            translation is None
            or translation.get("type") in ("unfinished", "vanished")
            or not (translation.text or "").strip()
        ):
            missing.append(message.findtext("source") or "")
    return missing


def _write(tree: ET.ElementTree, path: Path) -> None:
    ET.indent(tree, space="    ")
    body = ET.tostring(tree.getroot(), encoding="unicode")
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n", encoding="utf-8"
    )


def release(lang: str, source: Path | None = None) -> Path:
    source = source or ts_file(lang)
    target = source.with_suffix(".qm")
    subprocess.run(
        [_tool("pyside6-lrelease"), str(source), "-qm", str(target)],
        check=True,
        capture_output=True,
    )
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on untranslated strings")
    parser.add_argument("--no-update", action="store_true", help="only compile the .ts files")
    args = parser.parse_args(argv)
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    problems = 0
    for lang in LANGUAGES:
        if not args.no_update:
            update_ts(lang)
        if lang == "en" and fill_identity(ts_file(lang)) and not args.no_update:
            update_ts(lang)  # lupdate's own layout again, so the file's diff stays small
        missing = unfinished(ts_file(lang))
        for text in missing:
            print(f"{lang}: untranslated: {text!r}", file=sys.stderr)
        problems += len(missing)
        print(f"{release(lang).relative_to(ROOT)}: {len(missing)} untranslated")
    for name in QT_OWN:
        source = TRANSLATIONS / f"{name}.ts"
        missing = unfinished(source)
        problems += len(missing)
        print(f"{release(name, source).relative_to(ROOT)}: {len(missing)} untranslated")
    return 1 if args.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
