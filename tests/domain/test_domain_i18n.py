"""Messages outside Qt: gettext catalogs (Babel) in Bahasa Indonesia and English, kept
current with the code by ``scripts/build_catalogs.py --check``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from kiosk_app.domain import i18n
from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.records import MERCHANT
from kiosk_app.domain.validation import validate_fields
from tests.support import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import build_catalogs


def test_the_committed_catalogs_are_current_and_complete():
    # Every message in the code is in both catalogs, translated, and the .mo compiled.
    assert build_catalogs.problems() == []


def test_a_stale_or_untranslated_catalog_is_caught(tmp_path: Path, monkeypatch):
    # Given a copy of the catalogs where one Indonesian entry was never written
    copy = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, copy)
    monkeypatch.setattr(
        build_catalogs,
        "catalog_path",
        lambda lang, suffix=".mo": copy / lang / "LC_MESSAGES" / f"etalase{suffix}",
    )
    po = copy / "id" / "LC_MESSAGES" / "etalase.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="id")
    catalog["{label} is required."].string = ""
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100, no_location=True, sort_output=True)

    # Then the check names it, and says the files are stale
    found = build_catalogs.problems()
    assert "id: untranslated: '{label} is required.'" in found
    assert any("etalase.mo is stale" in line for line in found)


def test_both_languages_come_from_the_catalogs():
    label = MERCHANT.label("owner_name")
    assert i18n.both("{label} is required.", label=label) == (
        "Nama pemilik wajib diisi.",
        "Owner name is required.",
    )
    with pytest.raises(ValidationError) as caught:
        validate_fields("merchant", {"business_name": "Kopi", "status": "draft"}, partial=True)
    (error,) = caught.value.errors
    assert error.message_id == (
        'Status harus salah satu dari "active" (aktif), "inactive" (tidak aktif).'
    )
    assert error.message_en == 'Status must be one of: "active", "inactive".'


def test_the_catalogs_ship_inside_the_package():
    for lang in i18n.LANGUAGES:
        assert i18n.catalog_path(lang).is_file()
        assert i18n.catalog_path(lang).is_relative_to(ROOT / "kiosk_app")
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"*.mo"' in pyproject and '"*.po"' in pyproject
