"""BlobStore: content addressing, idempotent crash-safe writes, id validation, corruption checks."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from kiosk_app.media.blobs import BlobStore, InvalidBlobId, check_sha
from kiosk_app.media.ingest import ingest_photo
from tests.media.media_samples import photo_like, to_bytes

DATA = b"foto keripik pisang" * 100
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


def test_construction_creates_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "not" / "yet")
    assert not (tmp_path / "not").exists()
    assert list(store.iter_shas()) == []
    assert not store.has(SHA)
    assert store.discard_partials() == 0
    assert not (tmp_path / "not").exists()


def test_round_trip(store: BlobStore) -> None:
    sha = store.put(DATA)
    assert sha == SHA
    assert store.path(sha) == store.root / SHA[:2] / SHA
    assert store.has(sha)
    assert store.size(sha) == len(DATA)
    with store.open(sha) as f:
        assert f.read() == DATA
    assert store.read(sha) == DATA
    assert store.verify(sha)
    assert list(store.iter_shas()) == [sha]


def test_put_is_idempotent(store: BlobStore) -> None:
    first = store.put(DATA)
    mtime = store.path(first).stat().st_mtime_ns
    assert store.put(DATA) == first
    assert store.path(first).stat().st_mtime_ns == mtime  # not rewritten
    assert list(store.iter_shas()) == [first]
    assert list(store.path(first).parent.iterdir()) == [store.path(first)]  # no temp files


def test_put_file_streams_and_matches_put(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "besar.bin"
    payload = os.urandom(3 * 1024 * 1024 + 17)  # several read chunks
    source.write_bytes(payload)
    sha = store.put_file(source)
    assert sha == hashlib.sha256(payload).hexdigest()
    assert store.read(sha) == payload
    assert store.put_file(source) == sha  # again: no-op
    assert store.put(payload) == sha
    assert list(store.iter_shas()) == [sha]
    assert [p.name for p in store.root.iterdir()] == [sha[:2]]  # no temp left in root


def test_empty_blob_is_fine(store: BlobStore) -> None:
    sha = store.put(b"")
    assert store.size(sha) == 0 and store.verify(sha)


@pytest.mark.parametrize(
    "bad",
    [
        "../" * 10 + "etc/passwd",
        "..\\..\\Windows\\win.ini",
        "C:" + "0" * 62,
        "/" + "a" * 63,
        SHA.upper(),
        SHA[:-1],
        SHA + "0",
        SHA + "\n",
        SHA[:2] + "/" + SHA[3:],
        "",
        "g" * 64,
    ],
)
def test_ids_that_are_not_sha256_are_refused(store: BlobStore, bad: str) -> None:
    with pytest.raises(InvalidBlobId):
        check_sha(bad)
    for method in (store.path, store.has, store.open, store.size, store.verify, store.delete):
        with pytest.raises(InvalidBlobId):
            method(bad)
    assert not store.root.exists()


def test_verify_detects_corruption_and_a_new_put_heals_it(store: BlobStore) -> None:
    sha = store.put(DATA)
    damaged = bytearray(DATA)
    damaged[10] ^= 0xFF
    store.path(sha).write_bytes(bytes(damaged))
    assert not store.verify(sha)
    store.path(sha).write_bytes(DATA[:50])  # cut short, as by a copy that died
    assert not store.verify(sha)
    assert store.put(DATA) == sha  # wrong size: rewritten with the good bytes
    assert store.verify(sha)


def test_verify_of_a_missing_blob_is_false(store: BlobStore) -> None:
    assert not store.verify(SHA)


def test_delete(store: BlobStore) -> None:
    sha = store.put(DATA)
    assert store.delete(sha)
    assert not store.has(sha)
    assert not store.delete(sha)
    assert list(store.iter_shas()) == []
    with pytest.raises(FileNotFoundError):
        store.open(sha)


def test_crash_during_write_leaves_no_blob_and_no_temp(
    store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the rename fails (as if the process died right before it)
    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk pulled out"):
        store.put(DATA)
    # Then there is no blob under its name and no half-written file lying around
    assert not store.has(SHA)
    assert list(store.path(SHA).parent.iterdir()) == []


def test_leftovers_of_a_power_cut_are_ignored_and_can_be_discarded(store: BlobStore) -> None:
    sha = store.put(DATA)
    folder = store.path(sha).parent
    (folder / ".partial-abc123.tmp").write_bytes(DATA[:7])  # what a power cut leaves
    (store.root / ".partial-def456.tmp").write_bytes(b"x")
    (store.root / "README.txt").write_text("bukan blob")
    (folder / "not-a-sha").write_bytes(b"x")
    assert list(store.iter_shas()) == [sha]
    assert store.discard_partials() == 2
    assert not (folder / ".partial-abc123.tmp").exists()
    assert (store.root / "README.txt").exists()  # only our own temp files are removed


def test_iter_shas_is_sorted(store: BlobStore) -> None:
    shas = [store.put(bytes([i]) * 10) for i in range(20)]
    assert list(store.iter_shas()) == sorted(shas)


def test_ingest_puts_thumbnail_and_full_image(store: BlobStore) -> None:
    photo = ingest_photo(to_bytes(photo_like((900, 600)), "JPEG"), store)
    assert store.read(photo.sha256) == photo.full
    assert store.read(photo.thumb_sha256) == photo.thumb
    assert sorted(store.iter_shas()) == sorted([photo.sha256, photo.thumb_sha256])
    assert store.verify(photo.sha256) and store.verify(photo.thumb_sha256)
