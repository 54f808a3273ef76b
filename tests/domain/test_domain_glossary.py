"""Every Indonesian text follows docs/glossary.md: no avoided term, one wording per message.

The texts come from the catalogs themselves (tests/support/glossary.py), so a string
another screen adds later is checked too.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from tests.support import glossary


def _cleaned(text: str, allowed: list[str]) -> str:
    """``text`` without placeholders (``{merchant}`` is a name filled in) and allowed phrases."""
    text = re.sub(r"\{[^{}]*\}", " ", text)
    for phrase in allowed:
        text = re.sub(re.escape(phrase), " ", text, flags=re.I)
    return text


def avoided_terms_in(texts: list[glossary.Text]) -> list[str]:
    """``where: term in 'text'`` for every avoided term found."""
    allowed = glossary.allowed()
    patterns = [
        (term, avoid, glossary.avoid_pattern(avoid))
        for term in glossary.terms()
        for avoid in term.avoid
    ]
    found = []
    for item in texts:
        text = _cleaned(item.indonesian, allowed)
        for term, avoid, pattern in patterns:
            if pattern.search(text):
                found.append(f"{item.where}: '{avoid}' (say '{term.indonesian}') in {text!r}")
    return found


def test_the_glossary_has_its_core_terms_and_parses() -> None:
    words = {t.indonesian for t in glossary.terms()}
    core = {
        *("penjual", "pemilik usaha", "usaha", "petugas", "teknisi", "admin pusat", "kios"),
        *("foto", "foto kecil", "foto utama", "sinkronisasi", "sinkronkan", "menunggu dikirim"),
        *("data bentrok", "kode pendaftaran", "akses dicabut", "tampil di katalog", "draf"),
        *("hapus", "tersambung", "tidak tersambung", "periksa", "pesan lewat WhatsApp"),
    }
    assert core <= words
    assert all(t.english for t in glossary.terms())
    assert glossary.one_wordings()


def test_texts_are_gathered_from_every_catalog() -> None:
    texts = glossary.indonesian_texts()
    places = {t.where.split()[0] for t in texts}
    assert {"etalase_id.ts", "etalase.po", "records.py", "consent.py"} <= places
    assert any(p.endswith(".html") for p in places)
    assert len(texts) > 400


def test_no_indonesian_text_uses_an_avoided_term() -> None:
    found = avoided_terms_in(glossary.indonesian_texts())
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("Sinkron terakhir: kemarin", "sinkron"),
        ("Pesan via WhatsApp", "via"),
        ("Daring · semua data terkirim", "daring"),
        ("Buang foto", "buang"),
        ("Sertifikat server tidak dipercaya.", "dipercaya"),
        ("Jalankan kiosk-app enroll", None),  # a command's name is allowed
        ("Buang perubahan", None),  # discarding edits is not deleting
        ("Sinkronisasi gagal.", None),  # the noun is the right word
    ],
)
def test_the_avoid_check_catches_what_it_should(text: str, hit: str | None) -> None:
    found = avoided_terms_in([glossary.Text("sample", None, text)])
    if hit is None:
        assert not found
    else:
        assert found and f"'{hit}'" in found[0]


def test_one_english_source_has_one_indonesian_wording() -> None:
    """No two places (Qt contexts, the gettext catalog) carry different Indonesian for the
    same English; a gettext context (msgctxt) is the one deliberate exception."""
    wordings: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    places: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    for item in glossary.qt_texts():
        key = (item.source or "", None)
        wordings[key].add(item.indonesian)
        places[key].add(item.where)
    for item in glossary.po_texts():
        key = (item.source or "", item.context)
        wordings[key].add(item.indonesian)
        places[key].add(item.where)
    split = {k: (v, places[k]) for k, v in wordings.items() if len(v) > 1}
    assert not split, "\n".join(f"{k[0]!r}: {v} in {p}" for k, (v, p) in split.items())


def test_each_shared_message_has_its_one_wording_everywhere() -> None:
    """A message said in several places (an outdated app, revoked access, an untrusted
    certificate) reads the same in every catalog, in both languages."""
    problems = []
    texts = glossary.qt_texts() + glossary.po_texts()
    for rule in glossary.one_wordings():
        for item in texts:
            if rule.marker.search(item.indonesian) and rule.wording not in item.indonesian:
                problems.append(f"{item.where}: {item.indonesian!r} lacks {rule.wording!r}")
            source = item.source or ""
            if rule.english_marker.search(source) and rule.english not in source:
                problems.append(f"{item.where}: {source!r} lacks {rule.english!r}")
    assert not problems, "\n".join(problems)


def test_a_second_wording_would_be_caught() -> None:
    rule = next(r for r in glossary.one_wordings() if "dicabut" in r.wording)
    stray = "Kios ini sudah dicabut dari server. Hubungi teknisi."
    assert rule.marker.search(stray) and rule.wording not in stray
