"""The wire protocol refuses malformed mutations and old clients with clear codes."""

from __future__ import annotations

import pytest

from kiosk_app.domain.ids import uuid7
from kiosk_app.sync.protocol import (
    ERR_PROTOCOL_TOO_OLD,
    PROTOCOL_VERSION,
    REJECT_INVALID,
    ProtocolError,
    check_protocol_version,
    parse_mutation,
)

STAMP = "1764300000000-0000-a1b2c3"


def mutation(**over):
    base = {
        "id": uuid7(),
        "entity": "product",
        "row_id": uuid7(),
        "hlc": STAMP,
        "op": "upsert",
        "fields": {"name": "Kopi"},
    }
    return {**base, **over}


def test_good_mutations_parse():
    m = parse_mutation(mutation())
    assert m.fields == {"name": "Kopi"}
    assert parse_mutation(mutation(op="delete", fields={})).fields == {"deleted": 1}
    assert parse_mutation(mutation(op="stock", fields={"stock": -3})).fields == {"stock": -3}


@pytest.mark.parametrize(
    "over",
    [
        {"id": "1"},
        {"entity": "operator"},
        {"row_id": "../etc"},
        {"hlc": "yesterday"},
        {"op": "drop"},
        {"fields": []},
        {"fields": {"pin_hash": "x"}},
        {"op": "stock", "fields": {"stock": 1.5}},
        {"op": "stock", "fields": {"stock": True}},
        {"op": "stock", "fields": {"stock": 1, "name": "x"}},
        {"op": "stock", "entity": "merchant", "fields": {"stock": 1}},
    ],
)
def test_malformed_mutations_are_refused(over):
    with pytest.raises(ProtocolError) as info:
        parse_mutation(mutation(**over))
    assert info.value.code == REJECT_INVALID


def test_old_and_unknown_protocols_are_refused():
    check_protocol_version(PROTOCOL_VERSION)
    for bad in (0, "1", None, PROTOCOL_VERSION + 1):
        with pytest.raises(ProtocolError) as info:
            check_protocol_version(bad)
        assert info.value.code == ERR_PROTOCOL_TOO_OLD
