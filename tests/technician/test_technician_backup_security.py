"""Backups under attack (issue 14): a crafted file cannot write outside the data folder,
a backup carries no token, it is encrypted with the technician's passphrase, and the
doctor warns about one that is not. ``kiosk-app`` runs as its own process throughout.
"""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile
from pathlib import Path

import pytest

from kiosk_app.sync.usb_export import SIGNING_KEY
from tests.support import ROOT
from tests.technician.conftest import kiosk_cli
from tests.technician.test_technician_backup import (
    fill,
    passphrase_file,
    tree_hashes,
)

SECRET = "kopi-tubruk-pagi-hari"


def plain_backup(kiosk, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    path = folder / "polos.zip"
    done = kiosk_cli("backup", str(path), "--data-dir", str(kiosk.data_dir), "--no-encrypt")
    assert done.returncode == 0, done.stderr
    return path


def crafted(base: Path, target: Path, extra: dict[str, bytes], *, listed: bool) -> Path:
    """``base`` with more entries: listed in the manifest with their true hashes (so a
    hash check alone passes them) or not listed at all."""
    with zipfile.ZipFile(base) as source:
        manifest = json.loads(source.read("manifest.json"))
        entries = {n: source.read(n) for n in source.namelist() if n != "manifest.json"}
    if listed:
        for name, data in extra.items():
            manifest["members"][name] = hashlib.sha256(data).hexdigest()
    with zipfile.ZipFile(target, "w") as out:
        for name, data in {**entries, **extra}.items():
            out.writestr(zipfile.ZipInfo(name), data)
        out.writestr("manifest.json", json.dumps(manifest))
    return target


@pytest.mark.parametrize(
    ("name", "listed"),
    [
        ("blobs/../../ditanam.txt", True),  # the review's entry: listed, hash right
        ("blobs/aa/../../../ditanam.txt", False),  # not in the manifest at all
        ("blobs/..\\..\\ditanam.txt", True),  # Windows separators
        ("/tmp/ditanam-absolut.txt", False),
    ],
)
def test_a_crafted_backup_cannot_write_outside_the_data_folder(
    make_kiosk, tmp_path: Path, name: str, listed: bool
):
    # Given a kiosk and a backup file someone changed
    kiosk = make_kiosk("korban", enroll=False)
    fill(kiosk)
    base = plain_backup(kiosk, tmp_path)
    evil = crafted(base, tmp_path / "jahat.zip", {name: b"run me at next login"}, listed=listed)
    kiosk.close()
    before = tree_hashes(kiosk.data_dir)
    outside = [tmp_path / "ditanam.txt", kiosk.data_dir.parent / "ditanam.txt",
               Path("/tmp/ditanam-absolut.txt"), ROOT / "ditanam.txt"]  # fmt: skip

    # When it is restored
    done = kiosk_cli("restore", str(evil), "--data-dir", str(kiosk.data_dir))

    # Then it is refused, nothing is written anywhere, the data folder is unchanged
    assert done.returncode == 1, done.stdout
    assert "tidak dipulihkan" in done.stderr and "Traceback" not in done.stderr
    assert not any(p.exists() for p in outside)
    assert tree_hashes(kiosk.data_dir) == before


def test_links_and_twice_listed_entries_are_refused(make_kiosk, tmp_path: Path):
    kiosk = make_kiosk("tautan", enroll=False)
    fill(kiosk)
    base = plain_backup(kiosk, tmp_path)
    with zipfile.ZipFile(base) as source:
        blob = next(n for n in source.namelist() if n.startswith("blobs/"))
        blob_bytes = source.read(blob)
    link = tmp_path / "tautan.zip"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(link, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == blob:  # the blob replaced by a link to the Startup folder
                info = zipfile.ZipInfo(blob)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            out.writestr(info, data)
    twice = tmp_path / "ganda.zip"
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(twice, "w") as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        out.writestr(blob, blob_bytes)  # the same name again (zipfile warns, writes it)
    kiosk.close()
    before = tree_hashes(kiosk.data_dir)

    for bad in (link, twice):
        done = kiosk_cli("restore", str(bad), "--data-dir", str(kiosk.data_dir))
        assert done.returncode == 1 and "tidak dipulihkan" in done.stderr, bad.name
        assert tree_hashes(kiosk.data_dir) == before


def _every_byte(path: Path) -> bytes:
    """The file, and every member of it if it is a zip (decompressed)."""
    raw = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            raw += b"".join(archive.read(n) for n in archive.namelist())
    return raw


def test_a_backup_carries_no_token_and_no_signing_key(make_kiosk, tmp_path: Path):
    kiosk = make_kiosk("rahasia")
    assert kiosk.sync().ok
    fill(kiosk)
    token = kiosk.store.get_setting("server.token")
    signing = kiosk.store.get_setting(SIGNING_KEY)
    assert token and signing

    everything = _every_byte(plain_backup(kiosk, tmp_path))

    assert b"Kopi Bu Sri" in everything  # the data is there, in clear (no passphrase)
    assert token.encode() not in everything
    assert signing.encode() not in everything


def test_restore_keeps_the_enrollment_on_the_same_kiosk_and_drops_it_on_another(
    make_kiosk, tmp_path: Path
):
    kiosk = make_kiosk("sama")
    assert kiosk.sync().ok
    fill(kiosk)
    token = kiosk.store.get_setting("server.token")
    backup = plain_backup(kiosk, tmp_path)
    kiosk.close()
    other = make_kiosk("lain", enroll=False)
    other.close()

    same = kiosk_cli("restore", str(backup), "--data-dir", str(kiosk.data_dir))
    elsewhere = kiosk_cli("restore", str(backup), "--data-dir", str(other.data_dir))

    assert same.returncode == elsewhere.returncode == 0
    assert "kode pendaftaran baru" not in same.stdout
    assert "kode pendaftaran baru" in elsewhere.stdout
    from kiosk_app.store.store import Store

    for folder, expected in ((kiosk.data_dir, token), (other.data_dir, None)):
        store = Store.open(folder / "kiosk.db")
        try:
            assert store.get_setting("server.token") == expected
            assert store.db.execute("SELECT count(*) FROM merchant").fetchone()[0] == 1
        finally:
            store.close()


def test_a_backup_is_encrypted_with_the_technicians_passphrase(make_kiosk, tmp_path: Path):
    # Given a kiosk's backup written with a passphrase
    kiosk = make_kiosk("sandi", enroll=False)
    fill(kiosk)
    secret = passphrase_file(tmp_path, SECRET)
    path = tmp_path / "cadangan.bin"
    made = kiosk_cli("backup", str(path), "--data-dir", str(kiosk.data_dir),
                     "--passphrase-file", secret)  # fmt: skip
    kiosk.close()
    before = tree_hashes(kiosk.data_dir)
    wrong = tmp_path / "salah"
    wrong.mkdir()

    # When someone tries it without, or with a wrong passphrase, then with the right one
    raw = path.read_bytes()
    without = kiosk_cli("restore", str(path), "--data-dir", str(kiosk.data_dir))
    other = passphrase_file(wrong, "teh-manis-sore-hari")
    mistaken = kiosk_cli("restore", str(path), "--data-dir", str(kiosk.data_dir),
                         "--passphrase-file", other)  # fmt: skip
    unchanged = tree_hashes(kiosk.data_dir)
    right = kiosk_cli("restore", str(path), "--data-dir", str(kiosk.data_dir),
                      "--passphrase-file", secret)  # fmt: skip

    # Then the file shows nothing, only the passphrase opens it, and a failure changes nothing
    assert made.returncode == 0, made.stderr
    assert "Terenkripsi" in made.stdout
    assert not zipfile.is_zipfile(path)
    for personal in (b"Kopi Bu Sri", b"Sri W", b"6281234567890", b"SQLite format"):
        assert personal not in raw
    assert without.returncode == 2 and "--passphrase-file" in without.stderr
    assert mistaken.returncode == 1 and "kata sandinya salah" in mistaken.stderr
    assert unchanged == before
    assert right.returncode == 0, right.stderr


def test_a_short_passphrase_is_refused(make_kiosk, tmp_path: Path):
    kiosk = make_kiosk("pendek", enroll=False)
    fill(kiosk)
    kiosk.close()

    done = kiosk_cli("backup", str(tmp_path / "c.bin"), "--data-dir", str(kiosk.data_dir),
                     "--passphrase-file", passphrase_file(tmp_path, "123"))  # fmt: skip

    assert done.returncode == 2 and "minimal 10 karakter" in done.stderr
    assert not (tmp_path / "c.bin").exists()


def test_the_doctor_warns_about_an_unencrypted_backup(make_kiosk, tmp_path: Path):
    kiosk = make_kiosk("dokter", enroll=False)
    fill(kiosk)
    kiosk.close()
    data = str(kiosk.data_dir)

    plain = kiosk_cli("backup", str(tmp_path / "polos.zip"), "--data-dir", data, "--no-encrypt")
    warned = json.loads(kiosk_cli("doctor", "--json", "--data-dir", data).stdout)
    sealed = kiosk_cli("backup", str(tmp_path / "rahasia.bin"), "--data-dir", data,
                       "--passphrase-file", passphrase_file(tmp_path, SECRET))  # fmt: skip
    calm = json.loads(kiosk_cli("doctor", "--json", "--data-dir", data).stdout)

    assert plain.returncode == 0 and "TIDAK dienkripsi" in plain.stdout
    assert sealed.returncode == 0
    [finding] = [f for f in warned["findings"] if f["key"] == "backup"]
    assert finding["status"] == "warn" and "TIDAK dienkripsi" in finding["message_id"]
    assert str(tmp_path / "polos.zip") in finding["message_id"]
    [finding] = [f for f in calm["findings"] if f["key"] == "backup"]
    assert finding["status"] == "ok"
