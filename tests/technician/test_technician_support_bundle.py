"""Redaction patterns, and ``kiosk-app support-bundle``: logs and doctor report, no
personal data."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import pytest

from kiosk_app.logs import setup_logging
from kiosk_app.paths import resolve_paths
from kiosk_app.store.regions import import_regions_csv
from kiosk_app.technician.redact import Redactor
from tests.support import SAMPLE_REGIONS, VILLAGE
from tests.technician.conftest import kiosk_cli

SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
UUID = "01970a1e-0000-7000-8000-000000000001"
HLC = "1748764800000-0000-a1b2c3d4e5f6"


@pytest.mark.parametrize(
    "text",
    [
        "telepon +62 812-3456-7890 ditolak",
        "phone=081234567890",
        "hubungi 0812 3456 7890 besok",
        "nomor 6281234567890.",
        "kantor (0341) 55 1234",
        "WA +6285712345678",
        "luar negeri +44 20 7946 0958",
    ],
)
def test_phone_numbers_are_removed(text: str):
    out = Redactor().redact(text)

    assert not any(ch.isdigit() for ch in out), out


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer dGhpcy1pcy1hLXNlY3JldC10b2tlbi12YWx1ZQ", "dGhpcy1pcy1h"),
        ('{"token": "k2Jd9_aa8Qm1PzLw0rTe"}', "k2Jd9_aa8Qm1PzLw0rTe"),
        ("device token=abc123XYZ789", "abc123XYZ789"),
        ("oops 3q2-7hG_kP0vLmN4sR8tW1xY5zA9bC6dE2f leaked", "3q2-7hG_kP0vLmN4sR8tW1xY5zA9bC6dE2f"),
        ("kode pin: 123456", "123456"),
    ],
)
def test_tokens_and_secrets_are_removed(text: str, secret: str):
    out = Redactor().redact(text)

    assert secret not in out and "<token>" in out, out


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("email sri.wahyuni+toko@contoh.co.id gagal", "sri.wahyuni"),
        ("NIK 3507124506890001 tercatat", "3507124506890001"),
        ("NPWP 09.254.294.3-407.000", "09.254.294.3-407.000"),
        ('{"owner_name": "Siti Aminah", "business_name": "Kopi"}', "Siti Aminah"),
        ("consent_operator=Rini address='Dusun Krajan'", "Rini"),
        ("pemilik Sri Wahyuni menelpon", "Sri Wahyuni"),
        ("ditulis oleh WAHYUNI", "WAHYUNI"),
    ],
)
def test_personal_data_is_removed(text: str, gone: str):
    out = Redactor(names=["Sri Wahyuni", "Wahyuni", "Rini"]).redact(text)

    assert gone not in out, out


def test_what_a_developer_needs_is_kept():
    text = (
        f"2026-11-28 18:00:01,234 INFO kiosk_app.sync: pushed {UUID} hlc {HLC} blob {SHA} "
        "village 35.07.12.2001 price Rp15.000 stock 12 cursor 4711 took 734 ms; "
        '{"kind": "product", "price": 35000}; at 1748764801234 ms'
    )

    assert Redactor(names=["Sri Wahyuni"]).redact(text) == text.replace("1748764801234", "<nomor>")


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("NIB 9120001234567 terdaftar", "9120001234567"),
        ("npwp lama 012345678901000", "012345678901000"),
        ("NPWP 0123 4567 8901 2345", "0123 4567 8901 2345"),
        ("P-IRT No. 2063503010512-25", "2063503010512"),
        ("sertifikat halal ID35110000123450923", "ID35110000123450923"),
        ("alamat: Jl. Raya Ternyang No. 5, desa", "Raya Ternyang"),
        ("tinggal di Dusun Krajan RT 05/RW 02", "Krajan"),
        ('{"business_name": "Warung Bu Yati", "price": 5}', "Warung Bu Yati"),
        ("nib=9120001234567", "9120001234567"),
    ],
)
def test_identity_numbers_certificates_addresses_and_business_names_are_removed(
    text: str, gone: str
):
    out = Redactor().redact(text)

    assert gone not in out, out


def test_support_bundle_holds_logs_and_report_without_personal_data(make_kiosk, tmp_path: Path):
    kiosk = make_kiosk("dukungan")
    import_regions_csv(kiosk.store.db, SAMPLE_REGIONS)
    kiosk.store.create(
        "merchant",
        {
            "business_name": "Tenun Ikat Bu Yati",
            "owner_name": "Suryati Lestari",
            "phone": "0857-1234-5678",
            "email": "yati.tenun@contoh.id",
            "village_code": VILLAGE,
            "consent_operator": "Rini Kusuma",
            "consent_version": "v1",
            "consent_at": "2026-11-28T10:00:00.000+00:00",
        },
    )
    token = kiosk.store.get_setting("server.token")
    assert token
    paths = resolve_paths(kiosk.data_dir)
    handler = setup_logging(paths)
    assert handler is not None
    log = logging.getLogger("kiosk_app.test")
    log.warning("sync failed for merchant owner Suryati Lestari, phone +6285712345678")
    log.warning("request headers: Authorization: Bearer %s", token)
    log.warning(
        "merchant %s",
        {
            "owner_name": "Suryati Lestari",
            "email": "yati.tenun@contoh.id",
            "nik": "3507124506890001",
        },
    )
    log.warning("kept: business Tenun Ikat Bu Yati, village %s", VILLAGE)
    handler.flush()
    logging.getLogger().removeHandler(handler)
    handler.close()

    done = kiosk_cli("support-bundle", str(tmp_path), "--data-dir", str(kiosk.data_dir))

    assert done.returncode == 0, done.stderr
    [bundle] = tmp_path.glob("etalase-desa-dukungan-*.zip")
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        texts = {n: archive.read(n).decode("utf-8") for n in names}
    assert {"doctor.txt", "doctor.json", "manifest.json", "logs/kiosk.log"} <= set(names)
    everything = "\n".join(texts.values())
    for personal in (
        "Suryati",
        "Lestari",
        "Rini Kusuma",
        "85712345678",
        "5712-345",
        "yati.tenun",
        "3507124506890001",
        token,
        str(Path.home()) + "/",
    ):
        assert personal not in everything, personal
    assert "Tenun Ikat Bu Yati" not in everything  # not public without consent: hidden too
    assert VILLAGE in texts["logs/kiosk.log"]
    assert "Laporan pemeriksaan" in texts["doctor.txt"] and "Token" in texts["doctor.txt"]
