"""The kiosk sends its enrollment code and token only over https (issue 14): plain http
is taken for this PC itself (the demo, a technician's test server), nothing else."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kiosk_app.sync.device import InsecureServerURL, check_server_url
from tests.support import ROOT


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://etalase.example.id/", "https://etalase.example.id"),
        ("  https://10.1.2.3:8443  ", "https://10.1.2.3:8443"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_https_anywhere_and_http_to_this_pc_are_taken(url: str, kept: str):
    assert check_server_url(url) == kept


@pytest.mark.parametrize(
    "url",
    ["http://192.168.1.10:8000", "http://etalase.example.id", "http://127.0.0.1.nip.io",
     "etalase.example.id", "ftp://etalase.example.id", "https://", ""],
)  # fmt: skip
def test_anything_else_is_refused_with_a_reason(url: str):
    with pytest.raises(InsecureServerURL) as refused:
        check_server_url(url)

    assert "https://" in refused.value.message_id


def test_the_enroll_command_refuses_plain_http_before_any_request(tmp_path):
    data = tmp_path / "kiosk"

    done = subprocess.run(
        [sys.executable, "-m", "kiosk_app", "enroll", "--server", "http://192.0.2.10:8000",
         "--code", "K7QX-M3PD-9T", "--data-dir", str(data)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip

    assert done.returncode == 2
    assert "https://" in done.stderr and "Traceback" not in done.stderr
    assert not (data / "kiosk.db").exists()  # nothing was set up for it
