"""What has not reached the server yet: per merchant, and the photo upload queue.

Read by the sync screen. A merchant is delivered when no outbox entry touches it, its
products or their photos, the server has confirmed every image of its live photos, and
the server refused none of them (``refusals``).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk_app.store.store import Store


@dataclass(frozen=True)
class MerchantDelivery:
    merchant_id: str
    business_name: str
    pending_changes: int
    pending_photos: int
    refused: int = 0  # records of this merchant (it, its products, photos) the server refused

    @property
    def delivered(self) -> bool:
        return not self.pending_changes and not self.pending_photos and not self.refused


@dataclass(frozen=True)
class QueuedUpload:
    sha256: str
    kind: str  # "thumb" | "full"
    product_name: str
    size: int  # bytes of the image
    sent: int  # bytes the server has confirmed so far


_MERCHANT_DELIVERY = """
WITH products AS (SELECT id, merchant_id FROM product),
     photos AS (SELECT ph.id, ph.sha256, ph.thumb_sha256, ph.deleted, p.merchant_id
                FROM photo ph JOIN product p ON p.id = ph.product_id),
     changes AS (
        SELECT o.row_id AS merchant_id FROM outbox o WHERE o.entity = 'merchant'
        UNION ALL
        SELECT p.merchant_id FROM outbox o JOIN products p
               ON o.entity = 'product' AND p.id = o.row_id
        UNION ALL
        SELECT ph.merchant_id FROM outbox o JOIN photos ph
               ON o.entity = 'photo' AND ph.id = o.row_id),
     refused AS (
        SELECT DISTINCT r.entity, r.row_id,
               CASE r.entity WHEN 'merchant' THEN r.row_id
                             WHEN 'product' THEN p.merchant_id ELSE ph.merchant_id END
                   AS merchant_id
        FROM sync_rejection r
        LEFT JOIN products p ON r.entity = 'product' AND p.id = r.row_id
        LEFT JOIN photos ph ON r.entity = 'photo' AND ph.id = r.row_id)
SELECT m.id, m.business_name,
       (SELECT count(*) FROM changes c WHERE c.merchant_id = m.id) AS changes,
       (SELECT count(*) FROM photos ph WHERE ph.merchant_id = m.id AND ph.deleted = 0
          AND ((ph.sha256 IS NOT NULL
                AND ph.sha256 NOT IN (SELECT sha256 FROM blob_remote))
            OR (ph.thumb_sha256 IS NOT NULL
                AND ph.thumb_sha256 NOT IN (SELECT sha256 FROM blob_remote)))) AS photos,
       (SELECT count(*) FROM refused f WHERE f.merchant_id = m.id) AS refused
FROM merchant m
WHERE m.deleted = 0
ORDER BY refused = 0, (changes + photos) = 0, m.business_name COLLATE NOCASE
LIMIT ?
"""


def merchant_delivery(store: Store, limit: int = 500) -> list[MerchantDelivery]:
    """Live merchants: refused ones first, then those with something still waiting."""
    rows = store.db.execute(_MERCHANT_DELIVERY, [limit]).fetchall()
    return [MerchantDelivery(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


def merchant_state(store: Store, merchant_id: str) -> MerchantDelivery | None:
    """One merchant's delivery (for the merchant's own screen)."""
    sql = _MERCHANT_DELIVERY.replace("WHERE m.deleted = 0", "WHERE m.deleted = 0 AND m.id = ?")
    row = store.db.execute(sql, [merchant_id, 1]).fetchone()
    if row is None:
        return None
    return MerchantDelivery(str(row[0]), str(row[1]), int(row[2]), int(row[3]), int(row[4]))


def product_state(store: Store, product_id: str) -> tuple[int, int]:
    """(changes waiting, photos waiting) of one product and its photos."""
    changes = store.db.execute(
        """SELECT count(*) FROM outbox WHERE (entity = 'product' AND row_id = :id)
           OR (entity = 'photo' AND row_id IN (SELECT id FROM photo WHERE product_id = :id))""",
        {"id": product_id},
    ).fetchone()[0]
    photos = store.db.execute(
        """SELECT count(*) FROM photo WHERE product_id = ? AND deleted = 0 AND (
               (sha256 IS NOT NULL AND sha256 NOT IN (SELECT sha256 FROM blob_remote))
            OR (thumb_sha256 IS NOT NULL
                AND thumb_sha256 NOT IN (SELECT sha256 FROM blob_remote)))""",
        [product_id],
    ).fetchone()[0]
    return int(changes), int(photos)


def upload_queue(store: Store, limit: int = 200) -> list[QueuedUpload]:
    """Images of live photos the server does not hold yet, thumbnails first."""
    rows = store.db.execute(
        """SELECT q.sha, q.kind, min(p.name), max(q.size), coalesce(max(u.confirmed_offset), 0)
           FROM (SELECT thumb_sha256 AS sha, 'thumb' AS kind, thumb_bytes AS size, product_id,
                        0 AS pass, position
                 FROM photo WHERE deleted = 0
                 UNION ALL
                 SELECT sha256, 'full', bytes, product_id, 1, position
                 FROM photo WHERE deleted = 0) q
           JOIN product p ON p.id = q.product_id
           LEFT JOIN upload u ON u.sha256 = q.sha
           WHERE q.sha IS NOT NULL AND q.sha NOT IN (SELECT sha256 FROM blob_remote)
           GROUP BY q.sha
           ORDER BY min(q.pass), min(p.name), min(q.position)
           LIMIT ?""",
        [limit],
    ).fetchall()
    return [QueuedUpload(str(r[0]), str(r[1]), str(r[2]), int(r[3] or 0), int(r[4])) for r in rows]


def outbox_mark(store: Store) -> int:
    """The outbox's last sequence number: it grows with every local change written."""
    row = store.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
    return int(row[0]) if row else 0
