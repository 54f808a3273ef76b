"""Erasing a merchant on the owner's request (UU PDP), when the server's pull says so.

The server sends an erased merchant as a change ``{"erased": true}`` (see
``protocol.messages.Change``). The kiosk then removes, in the transaction applying that
answer: the merchant, its products and their photos (rows, not tombstones: a tombstone
would keep the personal data), everything still waiting to be sent about them (so no
unsent edit brings the merchant back), the server's refusals and the conflicts noted
about them, and unfinished uploads of their images. It answers the image hashes no
photo row refers to any more: the caller deletes those files from the blob folder
after the commit (a crash in between leaves files without rows, never rows without files).
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk_app.store.store import Store

CHUNK = 500


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def erase_merchants(store: Store, merchant_ids: Iterable[str]) -> list[str]:
    """Remove the merchants and all that hangs on them; the hashes of images no longer
    referenced. Call inside the transaction applying the answer (``Store.change()``)."""
    db = store.db
    ids = sorted(set(merchant_ids))
    if not ids:
        return []
    product_ids: list[str] = []
    photo_ids: list[str] = []
    shas: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        product_ids += [
            str(r[0])
            for r in db.execute(
                f"SELECT id FROM product WHERE merchant_id IN ({_marks(len(part))})", part
            )
        ]
    for start in range(0, len(product_ids), CHUNK):
        part = product_ids[start : start + CHUNK]
        for photo_id, sha, thumb in db.execute(
            f"SELECT id, sha256, thumb_sha256 FROM photo WHERE product_id IN ({_marks(len(part))})",
            part,
        ):
            photo_ids.append(str(photo_id))
            shas.update(s for s in (sha, thumb) if s)
    removals = (("photo", photo_ids), ("product", product_ids), ("merchant", ids))
    for table, row_ids in removals:
        for start in range(0, len(row_ids), CHUNK):
            part = row_ids[start : start + CHUNK]
            marks = _marks(len(part))
            db.execute(f"DELETE FROM {table} WHERE id IN ({marks})", part)
            for bookkeeping in ("outbox", "sync_rejection", "conflict"):
                db.execute(
                    f"DELETE FROM {bookkeeping} WHERE entity = ? AND row_id IN ({marks})",
                    [table, *part],
                )
    freed = sorted(
        sha
        for sha in shas
        if db.execute(
            "SELECT 1 FROM photo WHERE sha256 = ? OR thumb_sha256 = ? LIMIT 1", [sha, sha]
        ).fetchone()
        is None
    )
    for start in range(0, len(freed), CHUNK):
        part = freed[start : start + CHUNK]
        db.execute(f"DELETE FROM upload WHERE sha256 IN ({_marks(len(part))})", part)
        db.execute(f"DELETE FROM blob_remote WHERE sha256 IN ({_marks(len(part))})", part)
    return freed


def still_unreferenced(store: Store, shas: Iterable[str]) -> list[str]:
    """Those of ``shas`` no photo row refers to now (checked again before deleting files)."""
    return [
        sha
        for sha in shas
        if store.db.execute(
            "SELECT 1 FROM photo WHERE sha256 = ? OR thumb_sha256 = ? LIMIT 1", [sha, sha]
        ).fetchone()
        is None
    ]
