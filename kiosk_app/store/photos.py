"""A product's ordered photos: add (at most 9), remove, reorder, choose the cover.

Position 0 is the cover. Every change is a Store write, so it reaches the outbox; a
change that touches several photos commits as one transaction. Image bytes go to the
content-addressed blob folder before the row that names them, so a crash can leave an
unused blob but never a row without its image.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from kiosk_app.domain.errors import FieldError, ValidationError
from kiosk_app.domain.records import MAX_PHOTOS_PER_PRODUCT
from kiosk_app.store.store import NotFoundError, Store


class ProcessedImage(Protocol):
    """What the photo pipeline hands over (``media.pipeline.ProcessedPhoto``)."""

    @property
    def full(self) -> bytes: ...
    @property
    def thumb(self) -> bytes: ...
    @property
    def sha256(self) -> str: ...
    @property
    def thumb_sha256(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...


class BlobSink(Protocol):
    """Where image bytes go (``media.blobs.BlobStore``): ``put`` returns the sha256."""

    def put(self, data: bytes) -> str: ...


def too_many_photos() -> ValidationError:
    n = MAX_PHOTOS_PER_PRODUCT
    return ValidationError(
        [
            FieldError(
                "photos",
                "photos.too_many",
                f"Satu produk paling banyak {n} foto. Hapus foto lain dulu.",
                f"A product can have at most {n} photos. Remove another photo first.",
            )
        ]
    )


def _live_product(store: Store, product_id: str) -> dict[str, Any]:
    product = store.get("product", product_id)
    if product is None or product["deleted"]:
        raise NotFoundError("product", product_id)
    return product


def _ordered_ids(store: Store, product_id: str) -> list[str]:
    rows = store.db.execute(
        "SELECT id FROM photo WHERE product_id = ? AND deleted = 0 "
        "ORDER BY position, created_at, id",
        [product_id],
    ).fetchall()
    return [r[0] for r in rows]


def _write_positions(store: Store, photo_ids: Sequence[str]) -> None:
    for position, photo_id in enumerate(photo_ids):
        store.update("photo", photo_id, {"position": position})


def add_photo(store: Store, product_id: str, processed: ProcessedImage, blobs: BlobSink) -> str:
    """Store the images and append a photo to the product; returns the photo id."""
    _live_product(store, product_id)
    current = _ordered_ids(store, product_id)
    if len(current) >= MAX_PHOTOS_PER_PRODUCT:
        raise too_many_photos()
    if blobs.put(processed.thumb) != processed.thumb_sha256:
        raise ValueError("thumbnail bytes do not match their sha256")
    if blobs.put(processed.full) != processed.sha256:
        raise ValueError("image bytes do not match their sha256")
    with store.db.atomic():
        _write_positions(store, current)
        return store.create(
            "photo",
            {
                "product_id": product_id,
                "position": len(current),
                "sha256": processed.sha256,
                "thumb_sha256": processed.thumb_sha256,
                "width": processed.width,
                "height": processed.height,
                "bytes": len(processed.full),
                "thumb_bytes": len(processed.thumb),
            },
        )


def live_images(store: Store) -> list[tuple[str, str, str]]:
    """``(photo id, full image sha256, thumbnail sha256)`` of every live photo."""
    rows = store.db.execute("SELECT id, sha256, thumb_sha256 FROM photo WHERE deleted = 0")
    return [(str(i), str(full), str(thumb)) for i, full, thumb in rows.fetchall()]


def remove_photo(store: Store, photo_id: str) -> None:
    """Tombstone a photo and close the gap it leaves in the order."""
    photo = store.get("photo", photo_id)
    if photo is None:
        raise NotFoundError("photo", photo_id)
    with store.db.atomic():
        store.delete("photo", photo_id)
        _write_positions(store, _ordered_ids(store, photo["product_id"]))


def reorder_photos(store: Store, product_id: str, photo_ids: Sequence[str]) -> None:
    """Put the product's live photos in the order given (the first is the cover)."""
    _live_product(store, product_id)
    current = _ordered_ids(store, product_id)
    if sorted(current) != sorted(photo_ids):
        raise ValueError("reorder must list exactly the product's live photos")
    with store.db.atomic():
        _write_positions(store, photo_ids)


def set_cover(store: Store, photo_id: str) -> None:
    """Make a photo the cover (position 0); the others keep their order."""
    photo = store.get("photo", photo_id)
    if photo is None or photo["deleted"]:
        raise NotFoundError("photo", photo_id)
    current = _ordered_ids(store, photo["product_id"])
    reorder_photos(store, photo["product_id"], [photo_id, *(p for p in current if p != photo_id)])
