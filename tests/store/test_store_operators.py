"""Operator accounts: PINs are stored as slow salted hashes and checked in constant time."""

from __future__ import annotations

import pytest

from kiosk_app.domain.errors import ValidationError
from kiosk_app.store import operators
from kiosk_app.store.store import Store


def test_first_run_has_no_operators_then_a_technician_logs_in(store: Store):
    assert not operators.has_operators(store)

    tech = operators.create_operator(store, "Teknisi Desa", "123456", "technician")

    assert operators.has_operators(store)
    assert tech.is_technician
    assert operators.verify_pin(store, tech.id, "123456") == tech
    assert operators.verify_pin(store, tech.id, "654321") is None


def test_pin_is_stored_as_a_salted_slow_hash(store: Store):
    a = operators.create_operator(store, "Ani", "1234")
    b = operators.create_operator(store, "Budi", "1234")

    hashes = [r[0] for r in store.db.execute("SELECT pin_hash FROM operator").fetchall()]
    assert all("1234" not in h.split("$")[3] for h in hashes)
    assert hashes[0] != hashes[1]  # per-user salt
    algorithm, iterations, salt, _ = hashes[0].split("$")
    assert algorithm == "pbkdf2_sha256" and int(iterations) >= 200_000 and len(salt) == 32
    assert operators.verify_pin(store, a.id, "1234") and operators.verify_pin(store, b.id, "1234")


def test_bad_pins_and_duplicate_names_are_refused(store: Store):
    operators.create_operator(store, "Ani", "1234")

    with pytest.raises(ValidationError) as bad_pin:
        operators.create_operator(store, "Citra", "12a4")
    with pytest.raises(ValidationError) as taken:
        operators.create_operator(store, "ani", "5678")

    assert bad_pin.value.errors[0].field == "pin"
    assert taken.value.errors[0].code == "name.taken"
    assert [o.name for o in operators.list_operators(store)] == ["Ani"]


def test_disabled_operator_cannot_log_in_and_last_technician_stays(store: Store):
    tech = operators.create_operator(store, "Teknisi", "9999", "technician")
    op = operators.create_operator(store, "Ani", "1234")

    operators.disable_operator(store, op.id)
    with pytest.raises(ValidationError):
        operators.disable_operator(store, tech.id)

    assert operators.verify_pin(store, op.id, "1234") is None
    assert [o.name for o in operators.list_operators(store)] == ["Teknisi"]
    everyone = operators.list_operators(store, include_disabled=True)
    assert [(o.name, o.disabled) for o in everyone] == [("Ani", True), ("Teknisi", False)]


def test_change_pin(store: Store):
    op = operators.create_operator(store, "Ani", "1234")

    operators.change_pin(store, op.id, "87654321")

    assert operators.verify_pin(store, op.id, "1234") is None
    assert operators.verify_pin(store, op.id, "87654321") == op


def test_malformed_hash_never_matches():
    assert not operators.pin_matches("1234", "plain-text")
    assert not operators.pin_matches("1234", "md5$1$00$00")
