"""Enrollment, the one call anyone can make (issue 14): rate limits, one answer for every
bad code, at most 7 days of validity, codes stored under the server's secret.

The rate limiter's clock is the test's own (``FakeClock``): no test waits for time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging

import pytest
from sqlalchemy import insert, select, update

from kiosk_server import cli, devices
from kiosk_server.config import Settings
from kiosk_server.db import enroll_code
from kiosk_server.keys import keys_for
from kiosk_server.ratelimit import EnrollLimits, KeyedBuckets, TokenBucket
from tests.server.helpers import Api


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def enroll(api: Api, code: str, **headers: str):
    return api.client.post(
        "/v1/enroll",
        json={"code": code, "device_name": "Kios", "app_version": "0.1.0"},
        headers=headers,
    )


def test_fifty_wrong_guesses_in_a_row_are_stopped_after_ten(api: Api):
    # Given the default limits on a clock that does not move
    clock = FakeClock()
    state = api.client.app.state
    settings = api.settings
    state.ctx = dataclasses.replace(
        state.ctx,
        enroll_limits=EnrollLimits.make(
            settings.enroll_per_address_per_minute, settings.enroll_per_minute, clock
        ),
    )

    # When one address sends 50 wrong codes at once
    statuses = [enroll(api, f"AAAA-BBBB-{n:02d}").status_code for n in range(50)]
    refused = enroll(api, "AAAA-BBBB-XX")
    wait = int(refused.headers["retry-after"])
    clock.now += wait  # the time it was told to wait, and not a moment less
    again = enroll(api, api.code())

    # Then ten are looked at, the rest refused with 429 and a time to wait
    assert statuses == [403] * 10 + [429] * 40
    assert refused.status_code == 429 and 1 <= wait <= 6
    assert refused.json()["detail"]["code"] == "rate_limited"
    assert again.status_code == 200


def test_the_overall_limit_holds_across_addresses():
    clock = FakeClock()
    limits = EnrollLimits.make(per_address_per_minute=10, per_minute=60, clock=clock)

    waits = [limits.wait(f"10.0.{n // 250}.{n % 250}") for n in range(100)]

    assert waits[:60] == [0.0] * 60
    assert all(w > 0 for w in waits[60:])
    clock.now += 60
    assert limits.wait("10.9.9.9") == 0.0


def test_buckets_refill_at_their_rate_and_forget_nothing_they_need():
    clock = FakeClock()
    bucket = TokenBucket(per_minute=6, burst=2, clock=clock)
    keyed = KeyedBuckets(per_minute=6, burst=1, clock=clock)

    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, pytest.approx(10.0)]
    clock.now += 10
    assert bucket.take() == 0.0
    assert keyed.take("a") == 0.0 and keyed.take("a") == pytest.approx(10.0)
    assert keyed.take("b") == 0.0


def test_every_unusable_code_gets_one_answer_and_the_reason_goes_to_the_log(
    api: Api, caplog: pytest.LogCaptureFixture
):
    used, expired = api.code(), api.code()
    assert enroll(api, used).status_code == 200
    with api.engine.begin() as conn:
        conn.execute(
            update(enroll_code)
            .where(enroll_code.c.code_hash == api.keys.code_hash(expired.replace("-", "")))
            .values(expires_at="2000-01-01T00:00:00.000+00:00")
        )

    with caplog.at_level(logging.INFO, logger="kiosk_server.devices"):
        answers = [enroll(api, c) for c in (used, expired, "AAAA-BBBB-CC")]

    assert [a.status_code for a in answers] == [403, 403, 403]
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert answers[0].json()["detail"]["code"] == "code_invalid"
    reasons = [r.fields["reason"] for r in caplog.records if hasattr(r, "fields")]
    assert reasons == ["used", "expired", "unknown"]
    assert not any(used.replace("-", "") in r.getMessage() for r in caplog.records)


def test_a_code_lives_seven_days_at_most(api: Api, capsys: pytest.CaptureFixture[str]):
    args = ["--data-dir", str(api.settings.data_dir), "--database", api.settings.db_url]

    too_long = cli.main(["enroll-code", "--region", "35.07", "--ttl-hours", "100000", *args])
    too_long_err = capsys.readouterr().err
    negative = cli.main(["enroll-code", "--region", "35.07", "--ttl-hours", "-1", *args])
    capsys.readouterr()
    week = cli.main(["enroll-code", "--region", "35.07", "--ttl-hours", "168", *args])

    assert too_long == negative == 1 and week == 0
    assert "7 hari" in too_long_err and "168" in too_long_err
    with pytest.raises(ValueError):
        Settings(enroll_ttl_hours=200)


def test_codes_are_stored_keyed_with_the_servers_secret_not_as_bare_sha256(api: Api):
    code = api.code()
    normalized = code.replace("-", "")

    with api.engine.connect() as conn:
        stored = conn.execute(select(enroll_code.c.code_hash)).scalar_one()

    assert stored != hashlib.sha256(normalized.encode()).hexdigest()
    secret = (api.settings.data_dir / "secret.key").read_text().strip()
    assert secret not in stored and len(secret) == 64
    # The key is derived from the secret, which is not in the database: a copy of the
    # database alone cannot check a guess.
    assert stored == keys_for(api.settings).code_hash(normalized)
    assert stored != hmac.new(bytes.fromhex(secret), normalized.encode(), "sha256").hexdigest()


def test_an_unused_code_stored_before_the_upgrade_still_works_once(api: Api):
    raw = "KKKKMMMMPP"
    with api.engine.begin() as conn:  # as migration 0003 marks a bare SHA-256 code
        conn.execute(
            insert(enroll_code).values(
                code_hash=devices.LEGACY_PREFIX + hashlib.sha256(raw.encode()).hexdigest(),
                region="35.07",
                created_at="2026-01-01T00:00:00.000+00:00",
                expires_at="2999-01-01T00:00:00.000+00:00",
            )
        )

    first, second = enroll(api, "KKKK-MMMM-PP"), enroll(api, "KKKK-MMMM-PP")

    assert first.status_code == 200 and first.json()["region"] == "35.07"
    assert second.status_code == 403
