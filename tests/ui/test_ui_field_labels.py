"""Field labels: every field a conflict card can show is named by its ``records`` label,
in Bahasa Indonesia and in English, never by its raw key."""

from __future__ import annotations

import pytest

from kiosk_app.domain.records import ENTITIES, field_label
from kiosk_app.store.conflicts import Conflict
from kiosk_app.ui.i18n import install_language
from kiosk_app.ui.pages.sync import ConflictCard

CONFLICT_FIELDS = [(spec.name, name) for spec in ENTITIES.values() for name in spec.fields]


def _conflict(entity: str, name: str) -> Conflict:
    return Conflict(
        id="c1",
        entity=entity,
        row_id="r1",
        field=name,
        mine="a",
        theirs="b",
        mine_won=False,
        record="Toko Contoh",
        merchant=None,
        created_at="2025-08-17T10:30:00+07:00",
    )


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_conflict_card_names_every_field_by_its_label(qapp, qtbot, kiosk, lang):
    # Given the screens in ``lang``
    kiosk.translator = install_language(qapp, lang, kiosk.translator)
    page = kiosk.window.page("sync")
    try:
        for entity, name in CONFLICT_FIELDS:
            # When a conflict on that field is shown
            card = ConflictCard(_conflict(entity, name), page)
            qtbot.addWidget(card)
            heading = card.heading.text()

            # Then its heading starts with the field's human label in that language
            label = field_label(entity, name)
            text = label.id if lang == "id" else label.en
            assert text.strip() and text != name and "_" not in text, (entity, name, text)
            assert heading.startswith(text), (entity, name, heading)
            assert not heading.startswith(name + " "), (entity, name, heading)
            assert "Toko Contoh" in heading
    finally:
        kiosk.translator = install_language(qapp, "id", kiosk.translator)


def test_labels_differ_by_language_where_the_words_do():
    # The Indonesian and English labels are both filled in; most differ (a shared
    # abbreviation such as NIB is the same in both).
    same = {(e, n) for e, n in CONFLICT_FIELDS if field_label(e, n).id == field_label(e, n).en}
    assert same <= {(e, n) for e, n in CONFLICT_FIELDS if n in {"nib", "npwp", "email", "status"}}
