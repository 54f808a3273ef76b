"""Storage: one set of Alembic migrations for SQLite and PostgreSQL, applied on start;
settings from the environment; regions import; export; bundles; the serve command."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from kiosk_app.domain.record_ids import uuid7
from kiosk_server import cli
from kiosk_server.config import Settings
from kiosk_server.db import make_engine, metadata, region
from kiosk_server.export import export
from tests.server.helpers import Api, merchant_fields, product_fields
from tests.support import ROOT, SAMPLE_REGIONS
from tests.support.live import free_port
from tests.support.pgcluster import PgCluster


def fresh_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    cluster: PgCluster = request.getfixturevalue("pg")
    return cluster.create_database(f"empty_{uuid7().replace('-', '')[:12]}")


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_app_migrates_an_empty_database_on_start_and_matches_the_tables(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
):
    from kiosk_server.app import create_app

    url = fresh_url(request, backend, tmp_path)
    app = create_app(Settings(data_dir=tmp_path / "data", database_url=url))
    engine = app.state.ctx.engine

    names = set(inspect(engine).get_table_names())
    assert {"merchant", "product", "photo", "region", "device", "enroll_code",
            "applied_mutation", "conflict", "blob", "upload", "counter"} <= names  # fmt: skip
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], diff  # the migrations build exactly the tables the code uses
    create_app(Settings(data_dir=tmp_path / "data", database_url=url))  # again: a no-op
    engine.dispose()


def test_sqlite_in_the_data_folder_by_default_postgres_from_database_url(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("KIOSK_SERVER_DATA_DIR", str(tmp_path))
    assert Settings().db_url == f"sqlite:///{tmp_path / 'server.db'}"

    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/kiosk")
    assert Settings().db_url == "postgresql+psycopg://u:p@db/kiosk"


def test_importing_the_app_creates_nothing(tmp_path):
    code = (
        "import os, kiosk_server.app, kiosk_server.cli, kiosk_server.db;"
        "print(sorted(os.listdir('.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
        check=True,
    )
    assert done.stdout.strip() == "[]"


def test_regions_import_is_idempotent_and_refuses_bad_files(api: Api, tmp_path, capsys):
    args = ["--data-dir", str(api.settings.data_dir), "--database", api.settings.db_url]
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level\n35.07,Kabupaten Malang,village\n9x,Nowhere,province\n")
    renamed = tmp_path / "renamed.csv"
    with SAMPLE_REGIONS.open() as src, renamed.open("w", newline="") as out:
        rows = list(csv.DictReader(src))
        writer = csv.DictWriter(out, fieldnames=["code", "name", "level"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "name": "Ternyang Baru"} if row["code"] == "35.07.12.2001"
                            else row)  # fmt: skip

    again = cli.main(["regions", "import", str(SAMPLE_REGIONS), *args])
    unchanged_out = capsys.readouterr().out
    refused = cli.main(["regions", "import", str(bad), *args])
    refused_err = capsys.readouterr().err
    kiosk = api.enroll("35.07.12.2001")
    cursor = api.sync(kiosk, limit=100000)["cursor"]
    assert cli.main(["regions", "import", str(renamed), *args]) == 0

    assert again == 0 and "0 new or changed" in unchanged_out
    assert refused == 1 and "line 2" in refused_err and "line 3" in refused_err
    changed = api.sync(kiosk, cursor=cursor)["changes"]
    assert [(c["row_id"], c["fields"]["name"]) for c in changed] == [
        ("35.07.12.2001", "Ternyang Baru")
    ]
    with api.engine.connect() as conn:
        assert conn.execute(select(region.c.name).where(region.c.code == "9x")).first() is None


def test_export_writes_live_merchants_and_products_as_jsonl_and_csv(api: Api, tmp_path, capsys):
    kiosk = api.enroll()
    m, gone, p = uuid7(), uuid7(), uuid7()
    api.sync(kiosk, [
        kiosk.mutation("merchant", m, **merchant_fields()),
        kiosk.mutation("merchant", gone, **merchant_fields(business_name="Tutup")),
        kiosk.mutation("merchant", gone, op="delete"),
        kiosk.mutation("product", p, **product_fields(m)),
        kiosk.mutation("product", p, op="stock", stock=12),
    ])  # fmt: skip
    args = ["--data-dir", str(api.settings.data_dir), "--database", api.settings.db_url]

    assert cli.main(["export", "--format", "jsonl", "--out", str(tmp_path / "j"), *args]) == 0
    assert cli.main(["export", "--format", "csv", "--out", str(tmp_path / "c"), *args]) == 0

    lines = [json.loads(x) for x in (tmp_path / "j" / "records.jsonl").read_text().splitlines()]
    assert [(r["kind"], r["id"]) for r in lines] == [("merchant", m), ("product", p)]
    assert lines[1]["stock"] == 12 and lines[1]["price"] == 35000
    assert lines[0]["village_code"] == merchant_fields()["village_code"]
    with (tmp_path / "c" / "products.csv").open() as handle:
        [row] = list(csv.DictReader(handle))
    assert row["id"] == p and row["stock"] == "12" and row["merchant_id"] == m
    assert (tmp_path / "c" / "merchants.csv").read_text().startswith("id,business_name,")
    assert export(api.engine, "jsonl", tmp_path / "again") == 2


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_healthz_and_logs_json_lines_with_request_ids(tmp_path, workers):
    port = free_port()
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk_server.cli", "serve", "--data-dir", str(tmp_path / "d"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(
                    f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "r-42"}, timeout=2
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        spec = requests.get(f"http://127.0.0.1:{port}/openapi.json", timeout=5).json()
    finally:
        process.terminate()
        process.wait(10)
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert answer.headers["x-request-id"] == "r-42"
    assert (tmp_path / "d" / "server.db").exists()
    assert {"/v1/sync", "/v1/enroll", "/v1/uploads/", "/v1/blobs/{sha256}"} <= set(spec["paths"])
    entries = [json.loads(x) for x in (tmp_path / "server.log").read_text().splitlines() if x]
    access = [e for e in entries if e.get("path") == "/healthz"]
    assert access and access[0]["request_id"] == "r-42" and access[0]["status"] == 200
    # One line per request, ours: not a second one from uvicorn's own access log (each
    # worker of ``--workers 2`` sets its logging up after uvicorn did).
    assert [e for e in entries if "/healthz" in json.dumps(e)] == access[:1]


def test_cli_engine_takes_database_after_the_command(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'other.db'}"

    status = cli.main(["devices", "--data-dir", str(tmp_path / "d"), "--database", url])

    assert status == 0 and (tmp_path / "other.db").exists()
    assert not (tmp_path / "d" / "server.db").exists()
    make_engine(url).dispose()
