"""Translations: Indonesian loads, nothing is unfinished, every visible string is in both
languages, placeholders survive translation, and the committed .qm files are current."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator

from kiosk_app.ui.i18n import LANGUAGES, translation_file
from tests.support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_translations

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def test_indonesian_translation_loads(qapp):
    translator = QTranslator()
    assert translator.load(str(translation_file("id")))
    assert translator.translate("LoginPage", "Log in") == "Masuk"
    assert translator.translate("SyncBadge", "Not connected to the server yet") == (
        "Belum tersambung ke server"
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_entry_is_unfinished_and_placeholders_match(lang):
    entries = build_translations.messages(translation_file(lang, ".ts"))
    assert entries
    unfinished = [source for (_ctx, source), text in entries.items() if not text]
    assert unfinished == []
    for (_ctx, source), text in entries.items():
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(text or ""))


def test_every_string_in_the_code_is_in_both_files(tmp_path: Path):
    fresh = build_translations.messages(build_translations.update_ts("id", tmp_path / "x.ts"))
    for lang in LANGUAGES:
        assert set(fresh) == set(build_translations.messages(translation_file(lang, ".ts")))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_committed_qm_matches_the_ts(qapp, lang):
    translator = QTranslator()
    assert translator.load(str(translation_file(lang)))
    for (context, source), text in build_translations.messages(
        translation_file(lang, ".ts")
    ).items():
        assert translator.translate(context, source) == text, (context, source)
