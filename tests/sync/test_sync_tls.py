"""HTTPS as deployed: the kiosk trusts the central server's CA through its CA setting,
verification stays on, and a new connection after a pause resumes the TLS session."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import trustme

from kiosk_app.sync import tls
from kiosk_app.sync.device import enroll
from tests.support.kiosk import Kiosk
from tests.support.live import LiveServer

VILLAGE = "35.07.01.2001"


@pytest.fixture(scope="module")
def https_server(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    chain, key, bundle = folder / "chain.pem", folder / "key.pem", folder / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(chain))
    cert.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(bundle))
    with LiveServer(folder / "server", tls=(chain, key, bundle)) as server:
        yield server


def test_a_kiosk_told_to_trust_the_ca_syncs_and_resumes_its_tls_session(https_server, tmp_path):
    # Given a kiosk enrolled over HTTPS with the server's CA as its CA setting
    kiosk = Kiosk(tmp_path / "kiosk")
    bundle = str(https_server.tls[2])
    enroll(kiosk.store, https_server.url, https_server.enroll_code("35.07"), "kios-tls", bundle)
    context = tls.context_for(bundle)
    assert kiosk.sync().ok  # the region list
    m = kiosk.store.create(
        "merchant",
        {
            "business_name": "Toko Aman",
            "owner_name": "Bu Ani",
            "phone": "081234567890",
            "village_code": VILLAGE,
        },
    )
    assert kiosk.sync().ok
    before = (context.handshakes, context.resumed)

    # When it syncs again on a new connection (as after a pause: the old one is gone)
    kiosk.forget()
    kiosk.store.update("merchant", m, {"address": "Jl. Desa 1"})
    again = kiosk.sync()

    # Then the sync went through, on a new handshake that resumed the session
    assert again.ok, again.error
    assert context.handshakes > before[0] and context.resumed > before[1]
    assert https_server.export()["merchant"][0]["address"] == "Jl. Desa 1"
    kiosk.close()


def test_verification_stays_on_without_the_ca(https_server, tmp_path):
    kiosk = Kiosk(tmp_path / "stranger")
    with pytest.raises(requests.exceptions.SSLError):
        enroll(kiosk.store, https_server.url, https_server.enroll_code("35.07"), "kios-x")
    kiosk.close()


def test_a_different_ca_is_refused(https_server, tmp_path):
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    kiosk = Kiosk(tmp_path / "wrong")
    with pytest.raises(requests.exceptions.SSLError):
        enroll(kiosk.store, https_server.url, https_server.enroll_code("35.07"), "k", str(other))
    kiosk.close()


def test_the_ca_setting_is_what_the_context_trusts(tmp_path: Path):
    bundle = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))
    context = tls.context_for(str(bundle))
    assert context is tls.context_for(str(bundle))  # one per setting: sessions are shared
    assert context.verify_mode.name == "CERT_REQUIRED" and context.check_hostname
