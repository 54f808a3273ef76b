"""Clock stamps order the same everywhere; field merge converges in any delivery order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk_app.domain.hlc import MAX_DRIFT_MS, ClockError, HybridClock, Stamp
from kiosk_app.domain.merge import merge_fields
from kiosk_app.domain.record_ids import is_uuid, uuid7


def test_uuid7_is_canonical_and_ordered():
    ids = [uuid7() for _ in range(2000)]

    assert all(is_uuid(i) for i in ids)
    assert all(i[14] == "7" for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_clock_is_monotonic_even_when_the_wall_clock_stands_still_or_steps_back():
    wall = iter([1000, 1000, 900, 2000])
    clock = HybridClock("kioskA", wall=lambda: next(wall))

    stamps = [clock.now() for _ in range(4)]

    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 4
    assert Stamp.parse(stamps[2]) == Stamp(1000, 2, "kioskA")


def test_observe_moves_past_remote_stamps_but_refuses_absurd_future():
    clock = HybridClock("kioskA", wall=lambda: 5000)
    clock.observe("0000000009000-0003-kioskB")

    assert Stamp.parse(clock.now()) == Stamp(9000, 4, "kioskA")
    with pytest.raises(ClockError):
        clock.observe(f"{5000 + MAX_DRIFT_MS + 1:013d}-0000-kioskB")


def test_string_order_equals_stamp_order():
    a, b = "1748764800000-00ff-zzz", "1748764800000-0100-aaa"
    assert (a < b) == (Stamp.parse(a) < Stamp.parse(b))
    with pytest.raises(ClockError):
        Stamp.parse("not a stamp")


def test_losing_value_is_reported():
    result = merge_fields(
        {"price": 100}, {"price": "0000000000002-0000-a"}, {"price": 90}, "0000000000001-0000-b"
    )

    assert result.apply == {}
    [loser] = result.losers
    assert (loser.value, loser.winner_value) == (90, 100)


writes = st.lists(
    st.tuples(
        st.sampled_from(["name", "price", "unit"]),
        st.integers(0, 5),
        st.integers(0, 3),  # wall ms: many ties on purpose
        st.sampled_from(["kA", "kB", "kC"]),
    ),
    min_size=1,
    max_size=8,
)


@given(writes, st.randoms(use_true_random=False))
def test_any_delivery_order_gives_the_same_row(ws, rng):
    def apply_all(order):
        values: dict[str, object] = {}
        stamps: dict[str, str] = {}
        for field, value, ms, node in order:
            stamp = str(Stamp(ms, 0, node))
            r = merge_fields(values, stamps, {field: value}, stamp)
            values.update(r.apply)
            stamps.update(r.stamps)
        return sorted(values.items()), sorted(stamps.items())

    # Two writes with the same stamp would be the same write; keep stamps unique.
    unique = list({(f, ms, node): (f, v, ms, node) for f, v, ms, node in ws}.values())
    expected = apply_all(unique)
    for _ in range(10):
        order = unique[:]
        rng.shuffle(order)
        assert apply_all(order) == expected
