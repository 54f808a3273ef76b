"""Devices on SQLite and PostgreSQL: enrollment codes, hashed tokens, revocation, the CLI."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import MetaData, select, update

from kiosk_server import cli
from kiosk_server.db import device, enroll_code
from tests.server.helpers import Api


def run_cli(capsys: pytest.CaptureFixture[str], api: Api, *args: str) -> tuple[int, str, str]:
    code = cli.main(
        [*args, "--data-dir", str(api.settings.data_dir), "--database", api.settings.db_url]
    )
    out, err = capsys.readouterr()
    return code, out, err


def enroll(api: Api, code: str, name: str = "Kios Ternyang", **extra: str):
    return api.client.post("/v1/enroll", json={"code": code, "device_name": name,
                                                 "app_version": "0.1.0", **extra})  # fmt: skip


def test_enroll_code_prints_the_code_alone_on_the_last_line(api: Api, capsys):
    status, out, _ = run_cli(capsys, api, "enroll-code", "--region", "35.07.12", "--ttl-hours", "2")

    code = out.rstrip("\n").splitlines()[-1]
    assert status == 0
    assert len(code) == 12 and code.count("-") == 2 and code == code.strip()
    answer = enroll(api, code)
    assert answer.status_code == 200
    assert answer.json()["region"] == "35.07.12"


@pytest.mark.parametrize("region", ["35", "35.07", "35.07.12", "35.07.12.2003"])
def test_a_code_may_scope_a_device_to_any_level(api: Api, region: str):
    answer = enroll(api, api.code(region)).json()

    assert answer["region"] == region
    assert len(answer["token"]) >= 40


def test_codes_for_unknown_or_malformed_regions_are_refused(api: Api, capsys):
    for region in ("99.99", "35.7", "abc"):
        status, out, err = run_cli(capsys, api, "enroll-code", "--region", region)
        assert status == 1 and out == "" and "error" in err


def test_a_code_is_single_use(api: Api):
    code = api.code()

    first = enroll(api, code)
    again = enroll(api, code.lower().replace("-", ""))  # typed without care: same code

    assert first.status_code == 200
    assert again.status_code == 403
    assert again.json()["detail"]["code"] == "code_invalid"


def test_an_expired_or_unknown_code_is_refused(api: Api):
    code = api.code()
    with api.engine.begin() as conn:  # it expired a moment ago
        conn.execute(update(enroll_code).values(expires_at="2000-01-01T00:00:00.000+00:00"))
    expired = enroll(api, code)
    unknown = enroll(api, "AAAA-BBBB-CC")

    assert expired.status_code == unknown.status_code == 403
    assert expired.json()["detail"]["code"] == "code_invalid"
    assert "kedaluwarsa" in expired.json()["detail"]["message"]
    assert unknown.json() == expired.json()


def test_a_code_used_twice_at_once_makes_one_device(api: Api):
    code = api.code()
    answers: list[int] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        barrier.wait()
        answers.append(enroll(api, code).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(answers) == [200, 403, 403, 403]
    with api.engine.connect() as conn:
        assert len(conn.execute(select(device.c.id)).all()) == 1


def test_no_token_or_code_is_stored_in_clear(api: Api):
    code = api.code()
    token = enroll(api, code).json()["token"]

    meta = MetaData()
    meta.reflect(api.engine)
    with api.engine.connect() as conn:
        everything = " ".join(
            str(value) for table in meta.tables.values() for row in conn.execute(select(table))
            for value in row
        )  # fmt: skip
    assert token not in everything
    assert code.replace("-", "") not in everything.replace("-", "")
    with api.engine.connect() as conn:
        stored = conn.execute(select(device.c.token_hash)).scalar_one()
        code_hash = conn.execute(select(enroll_code.c.code_hash)).scalar_one()
    assert len(stored) == len(code_hash) == 64


def test_calls_need_a_valid_token(api: Api):
    body = {"protocol": 1}

    missing = api.client.post("/v1/sync", json=body)
    wrong = api.client.post("/v1/sync", json=body, headers={"Authorization": "Bearer nope"})
    basic = api.client.post("/v1/sync", json=body, headers={"Authorization": "Basic eDp5"})

    for answer in (missing, wrong, basic):
        assert answer.status_code == 401
        assert answer.json()["detail"]["code"] == "token_invalid"
        assert answer.headers["www-authenticate"] == "Bearer"


def test_a_revoked_device_is_refused_with_a_clear_message(api: Api, capsys):
    kiosk = api.enroll()
    assert api.post_sync(kiosk, {"protocol": 1}).status_code == 200

    status, out, _ = run_cli(capsys, api, "revoke", kiosk.id)
    refused = api.post_sync(kiosk, {"protocol": 1})
    blob = api.client.get("/v1/blobs/" + "a" * 64, headers=kiosk.headers)
    again, _, err = run_cli(capsys, api, "revoke", kiosk.id)

    assert status == 0 and kiosk.id in out
    assert refused.status_code == blob.status_code == 401
    detail = refused.json()["detail"]
    assert detail["code"] == "token_revoked"
    assert "dicabut" in detail["message"] and "revoked" in detail["message"]
    assert again == 1 and "no active device" in err


def test_devices_lists_id_name_region_last_seen_and_app_version(api: Api, capsys):
    kiosk = api.enroll("35.07.12", name="Kios Sumberpucung")
    api.client.post(
        "/v1/sync",
        json={"protocol": 1},
        headers={**kiosk.headers, "User-Agent": "etalase-desa-kiosk/0.2.0"},
    )

    status, out, _ = run_cli(capsys, api, "devices")
    _, as_json, _ = run_cli(capsys, api, "devices", "--json")

    assert status == 0
    line = next(line for line in out.splitlines() if kiosk.id in line)
    assert "Kios Sumberpucung" in line and "35.07.12" in line and "0.2.0" in line
    assert "active" in line
    [row] = [r for r in __import__("json").loads(as_json) if r["id"] == kiosk.id]
    assert row["last_seen"] and row["app_version"] == "0.2.0" and "token_hash" not in row


def test_enroll_refuses_bad_bodies_without_a_server_error(api: Api):
    assert api.client.post("/v1/enroll", content=b"{").status_code == 400
    assert api.client.post("/v1/enroll", json={"code": "x"}).status_code == 422
    assert enroll(api, api.code(), name="bad\x00name").status_code == 422
    assert enroll(api, api.code(), node_id="no spaces").status_code == 422
