"""Photos of a product: at most nine, ordered, blobs first, every change in the outbox."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pytest

from kiosk_app.domain.errors import ValidationError
from kiosk_app.store import outbox, photos
from kiosk_app.store.store import Store


@dataclass(frozen=True)
class FakeProcessed:
    full: bytes
    thumb: bytes
    width: int = 1600
    height: int = 1200

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.full).hexdigest()

    @property
    def thumb_sha256(self) -> str:
        return hashlib.sha256(self.thumb).hexdigest()


class MemoryBlobs:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self.data[sha] = data
        return sha


@pytest.fixture
def product_id(store: Store, merchant_fields) -> str:
    merchant_id = store.create("merchant", merchant_fields)
    return store.create("product", {"merchant_id": merchant_id, "name": "Kopi", "price": 1})


def _add(store: Store, product_id: str, blobs: MemoryBlobs, n: int) -> str:
    return photos.add_photo(store, product_id, FakeProcessed(b"full%d" % n, b"th%d" % n), blobs)


def test_add_photo_stores_blobs_and_appends(store: Store, product_id: str):
    blobs = MemoryBlobs()
    first = _add(store, product_id, blobs, 1)
    second = _add(store, product_id, blobs, 2)

    rows = store.photos_of(product_id)
    assert [(r["id"], r["position"]) for r in rows] == [(first, 0), (second, 1)]
    assert rows[0]["sha256"] in blobs.data and rows[0]["thumb_sha256"] in blobs.data
    assert rows[0]["bytes"] == len(b"full1")
    assert [e.entity for e in outbox.pending(store.db)][-2:] == ["photo", "photo"]


def test_tenth_photo_is_refused(store: Store, product_id: str):
    blobs = MemoryBlobs()
    for n in range(9):
        _add(store, product_id, blobs, n)
    before = outbox.count(store.db)

    with pytest.raises(ValidationError) as info:
        _add(store, product_id, blobs, 9)

    assert info.value.errors[0].code == "photos.too_many"
    assert "paling banyak 9" in info.value.message("id")
    assert len(store.photos_of(product_id)) == 9
    assert outbox.count(store.db) == before


def test_reorder_cover_and_remove(store: Store, product_id: str):
    blobs = MemoryBlobs()
    a, b, c = (_add(store, product_id, blobs, n) for n in range(3))

    photos.set_cover(store, c)
    assert [r["id"] for r in store.photos_of(product_id)] == [c, a, b]
    photos.reorder_photos(store, product_id, [b, c, a])
    assert [r["id"] for r in store.photos_of(product_id)] == [b, c, a]
    photos.remove_photo(store, c)

    rows = store.photos_of(product_id)
    assert [(r["id"], r["position"]) for r in rows] == [(b, 0), (a, 1)]
    assert store.get("photo", c)["deleted"] == 1
    with pytest.raises(ValueError):
        photos.reorder_photos(store, product_id, [a])


def test_mismatched_hash_is_refused_before_any_row(store: Store, product_id: str):
    class Liar(FakeProcessed):
        @property
        def sha256(self) -> str:
            return "0" * 64

    with pytest.raises(ValueError):
        photos.add_photo(store, product_id, Liar(b"x", b"y"), MemoryBlobs())
    assert store.photos_of(product_id) == []
