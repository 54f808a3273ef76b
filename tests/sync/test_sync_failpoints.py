"""Failpoints: armed only on purpose, they kill a real process where they are, and every
one of them is on the path a real sync takes."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk_app.store import photos
from kiosk_app.sync import client, failpoints
from kiosk_app.sync.device import load_device
from kiosk_app.sync.usb_export import export_bundle
from tests.support import ROOT, VILLAGE
from tests.sync.test_sync_crash import noise_photo

PROBE = """
import os, sys
from kiosk_app.sync import failpoints
failpoints.load(os.environ)
for n in range(3):
    failpoints.hit("sync.after_commit")
    print("passed", n + 1, flush=True)
"""


@pytest.fixture(autouse=True)
def disarmed() -> Iterator[None]:
    failpoints.disarm()
    yield
    failpoints.disarm()


def probe(tmp_path: Path, armed: str | None) -> subprocess.CompletedProcess[str]:
    env = {failpoints.TRACE_ENV: str(tmp_path / "trace"), "PATH": "/usr/bin:/bin"}
    if armed is not None:
        env[failpoints.ENV] = armed
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_an_armed_failpoint_kills_the_process_at_the_hit_it_names(tmp_path: Path):
    done = probe(tmp_path, "sync.after_commit=kill@2")

    assert done.returncode == -signal.SIGKILL  # no clean exit, no exception: a power cut
    assert done.stdout.split("\n")[:-1] == ["passed 1"]
    assert (tmp_path / "trace").read_text() == "sync.after_commit\n" * 2


def test_unarmed_the_process_runs_through(tmp_path: Path):
    done = probe(tmp_path, None)

    assert done.returncode == 0 and done.stdout.count("passed") == 3
    assert (tmp_path / "trace").read_text() == "sync.after_commit\n" * 3


@pytest.mark.parametrize(
    "armed",
    ["sync.no_such_place=kill", "sync.after_commit=explode", "sync.after_commit=kill@x",
     "sync.after_commit=kill@0"],
)  # fmt: skip
def test_a_misspelt_failpoint_is_refused_not_ignored(armed: str):
    with pytest.raises(failpoints.FailpointError):
        failpoints.load({failpoints.ENV: armed})


def test_a_test_can_arm_its_own_action_in_process():
    class Cut(Exception):
        pass

    def cut() -> None:
        raise Cut

    failpoints.arm(failpoints.BEFORE_RECORD, cut, at=3)
    failpoints.hit(failpoints.BEFORE_RECORD)
    failpoints.hit(failpoints.MID_EXPORT)
    failpoints.hit(failpoints.BEFORE_RECORD)
    with pytest.raises(Cut):
        failpoints.hit(failpoints.BEFORE_RECORD)
    failpoints.hit(failpoints.BEFORE_RECORD)  # only the third hit acts
    failpoints.disarm()
    failpoints.hit(failpoints.BEFORE_RECORD)


def test_every_failpoint_is_on_the_path_of_a_real_sync(make_kiosk, tmp_path, monkeypatch):
    # Given a kiosk with a photo to upload, and another kiosk's changes to pull in parts
    monkeypatch.setattr(client, "PART_CHANGES", 4)
    kiosk, other = make_kiosk("a"), make_kiosk("b")
    assert kiosk.sync().ok and other.sync().ok
    merchant = other.store.create("merchant", {
        "business_name": "Toko Ani", "owner_name": "Ani", "phone": "081234567890",
        "village_code": VILLAGE})  # fmt: skip
    for n in range(10):
        other.store.create("product", {"merchant_id": merchant, "name": f"B{n}", "price": 1000})
    assert other.sync().ok
    mine = kiosk.store.create("merchant", {
        "business_name": "Toko Budi", "owner_name": "Budi", "phone": "081234567890",
        "village_code": VILLAGE})  # fmt: skip
    product = kiosk.store.create("product", {"merchant_id": mine, "name": "Tikar", "price": 1})
    photos.add_photo(kiosk.store, product, noise_photo(random.Random(1)), kiosk.blobs)
    passed: Counter[str] = Counter()
    for name in failpoints.POINTS:
        failpoints.arm(name, lambda name=name: passed.update([name]), at=1)

    # When it exports a bundle and syncs
    device = load_device(kiosk.store)
    assert device is not None
    export_bundle(kiosk.store, kiosk.blobs, device.device_id, tmp_path / "b.zip")
    result = kiosk.sync()

    # Then it passed every failpoint on the way (each acts on its first hit only)
    assert result.ok, result.error
    assert set(passed) == set(failpoints.POINTS), passed
