"""The technician's command line, run as a real process on a real data folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT, SAMPLE_REGIONS


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk_app", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_demo_then_status_search_and_export(tmp_path: Path):
    data = str(tmp_path / "kiosk")

    demo = kiosk("demo", "--data-dir", data)
    status = kiosk("status", "--data-dir", data, "--json")
    found = kiosk("search", "kopi rob", "--data-dir", data)
    export = kiosk(
        "export", "--data-dir", data, "--format", "jsonl", "--out", str(tmp_path / "x.jsonl")
    )

    assert demo.returncode == 0, demo.stderr
    facts = json.loads(status.stdout)
    assert (facts["merchants"], facts["products"]) == (3, 6)
    assert facts["pending_changes"] > 9
    assert "Kopi Robusta Dampit 250 g  Rp35.000" in found.stdout
    assert export.returncode == 0
    assert len((tmp_path / "x.jsonl").read_text(encoding="utf-8").splitlines()) == 9


def test_bad_input_gets_a_clear_message_and_nonzero_exit(tmp_path: Path):
    data = str(tmp_path / "kiosk")
    bad = tmp_path / "regions.csv"
    bad.write_text("code,name,level\n35.07.99.9,Salah,village\n", encoding="utf-8")

    missing = kiosk("import", str(tmp_path / "nothing.jsonl"), "--data-dir", data)
    refused = kiosk("regions", "import", str(bad), "--data-dir", data)

    assert missing.returncode == 1 and "Berkas tidak ditemukan" in missing.stderr
    assert refused.returncode == 1 and "Berkas wilayah ditolak" in refused.stderr
    assert "Traceback" not in missing.stderr + refused.stderr


def test_the_data_folder_goes_before_or_after_the_command(tmp_path: Path):
    before, after = tmp_path / "before", tmp_path / "after"

    first = kiosk("--data-dir", str(before), "demo")
    second = kiosk("demo", "--data-dir", str(after))
    both = kiosk(
        "--data-dir", str(tmp_path / "ignored"), "status", "--json", "--data-dir", str(after)
    )

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert (before / "kiosk.db").is_file() and (after / "kiosk.db").is_file()
    assert json.loads(both.stdout)["data_dir"] == str(after)  # the one nearer the command
    assert not (tmp_path / "ignored").exists()


def test_the_servers_data_folder_goes_before_or_after_the_command(tmp_path: Path):
    def server(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kiosk_server.cli", *args],
            capture_output=True, text=True, cwd=ROOT, timeout=120,
        )  # fmt: skip

    regions = str(SAMPLE_REGIONS)
    first = server("--data-dir", str(tmp_path / "a"), "regions", "import", regions)
    second = server("regions", "import", regions, "--data-dir", str(tmp_path / "b"))
    code_a = server("enroll-code", "--region", "35.07", "--data-dir", str(tmp_path / "a"))
    code_b = server("--data-dir", str(tmp_path / "b"), "enroll-code", "--region", "35.07")

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert code_a.returncode == 0 and code_b.returncode == 0, code_a.stderr + code_b.stderr
    assert not (ROOT / "35.07").exists()
