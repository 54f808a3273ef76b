"""Staged rollouts and region settings: which kiosks see a version, which settings a
kiosk gets, the bounds a coordinator's input must keep, and the per-process cache."""

from __future__ import annotations

import pytest

from kiosk_app.domain.record_ids import uuid7
from kiosk_server import rollout
from tests.server.helpers import Api

DEVICES = [uuid7() for _ in range(2000)]


def test_a_share_is_that_share_of_kiosks_and_growing_it_keeps_the_first_ones():
    ten = {d for d in DEVICES if rollout.in_share(d, "1.4.0", 10)}
    fifty = {d for d in DEVICES if rollout.in_share(d, "1.4.0", 50)}
    assert 150 <= len(ten) <= 250 and 900 <= len(fifty) <= 1100
    assert ten <= fifty
    assert {d for d in DEVICES if rollout.in_share(d, "1.4.0", 100)} == set(DEVICES)
    # Another version picks other kiosks first, so the same ones are not always the testers
    other = {d for d in DEVICES if rollout.in_share(d, "1.5.0", 10)}
    assert len(other & ten) < len(ten) / 2


def test_versions_order_by_their_numbers():
    assert max(["1.9.2", "1.10.0", "1.2"], key=rollout.version_key) == "1.10.0"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_what_a_device_sees(api: Api):
    engine = api.engine
    rollout.announce(engine, "2.0.0", "35.07", None, "35.07.12", "a@example.id", None)
    rollout.announce(engine, "1.9.0", "", 100, "", "a@example.id", None)
    rollout.set_settings(engine, "", {"sync_interval_s": 3600}, "a@example.id", None)
    rollout.set_settings(engine, "35.07", {"photo_quality": 70, "sync_interval_s": 900},
                         "a@example.id", "35")  # fmt: skip
    clock = Clock()
    seen = rollout.Announcements("1.0.0", ttl=30.0, clock=clock)
    assert seen.for_device(engine, "d1", "35.07.12.2001") == (
        "2.0.0", {"sync_interval_s": 900, "photo_quality": 70})  # fmt: skip
    assert seen.for_device(engine, "d1", "35.07.01") == (
        "1.9.0", {"sync_interval_s": 900, "photo_quality": 70})  # fmt: skip
    assert seen.for_device(engine, "d2", "53.10") == ("1.9.0", {"sync_interval_s": 3600})

    # A change by another process shows after the cache's time, one by this one at once
    rollout.set_settings(engine, "", {"sync_interval_s": None}, "a@example.id", None)
    assert seen.for_device(engine, "d2", "53.10")[1] == {"sync_interval_s": 3600}
    clock.now = 31.0
    assert seen.for_device(engine, "d2", "53.10") == ("1.9.0", None)
    with engine.connect() as conn:
        newest = rollout.list_rollouts(conn, None)[0]  # newest first: 1.9.0 to everyone
    assert newest["version"] == "1.9.0"
    withdrawn = newest["id"]
    assert rollout.withdraw(engine, withdrawn, None)
    seen.changed()
    assert seen.for_device(engine, "d2", "53.10") == ("1.0.0", None)


@pytest.mark.parametrize(
    ("version", "region", "share", "regions", "scope"),
    [
        ("versi baru", "", 10, "", None),  # not a version
        ("1.4.0", "", 0, "", None),  # no share and no regions
        ("1.4.0", "", 101, "", None),
        ("1.4.0", "", 10, "", "35.07"),  # the whole country, from a region account
        ("1.4.0", "53", 10, "", "35.07"),  # another region
        ("1.4.0", "35.07", None, "35.08", "35.07"),  # a chosen region outside it
        ("1.4.0", "35.07", None, "bukan-kode", "35.07"),
    ],
)
def test_bad_announcements_are_refused(api: Api, version, region, share, regions, scope):
    with pytest.raises(rollout.BadRollout):
        rollout.announce(api.engine, version, region, share, regions, "a@example.id", scope)


def test_settings_keep_their_bounds_and_the_scope(api: Api):
    for values, region, scope in (
        ({"photo_quality": 20}, "35.07", None),
        ({"sync_interval_s": 10}, "35.07", None),
        ({"photo_quality": 60}, "53", "35.07"),
        ({"photo_quality": 60}, "", "35.07"),
    ):
        with pytest.raises(rollout.BadRollout):
            rollout.set_settings(api.engine, region, values, "a@example.id", scope)
    with api.engine.connect() as conn:
        assert rollout.list_settings(conn, None) == []
