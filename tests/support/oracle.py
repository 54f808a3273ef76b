"""What "the same data everywhere" means, checked in full: the end-to-end oracles.

Every merchant, product and photo row, tombstones included, on every synced field (and a
product's stock total), must be equal on the server and on each kiosk; every live photo's
image and thumbnail must be on the server with bytes matching their hash, and each
kiosk must hold the thumbnail of every live photo (and the full image of those it took).
A failure names the first rows that differ instead of dumping everything.
"""

from __future__ import annotations

import hashlib
import json

from kiosk_app.domain.hlc import Stamp
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD
from kiosk_app.store.store import Store
from tests.support.kiosk import Kiosk
from tests.support.live import Rows, ServerData


def kiosk_rows(store: Store) -> Rows:
    """Every record of a kiosk, tombstones included, in ``LiveServer.rows()``'s shape."""
    out: Rows = {}
    for entity, spec in ENTITIES.items():
        names = ["id", *spec.fields] + ([STOCK_FIELD] if entity == "product" else [])
        cursor = store.db.execute(f"SELECT {', '.join(names)} FROM {spec.table}")
        out[entity] = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
    return out


def differences(left: Rows, right: Rows, limit: int = 5) -> list[str]:
    """The first ``limit`` differences between two sets of rows, in words."""
    found: list[str] = []
    for entity in sorted(set(left) | set(right)):
        a, b = left.get(entity, {}), right.get(entity, {})
        for row_id in sorted(set(a) | set(b)):
            if row_id not in a or row_id not in b:
                side = "right" if row_id not in a else "left"
                found.append(f"{entity} {row_id}: only on the {side}")
            elif a[row_id] != b[row_id]:
                fields = sorted(k for k in a[row_id] if a[row_id][k] != b[row_id].get(k))
                pairs = ", ".join(f"{k}: {a[row_id][k]!r} != {b[row_id].get(k)!r}" for k in fields)
                found.append(f"{entity} {row_id}: {pairs}")
            if len(found) >= limit:
                return found
    return found


def assert_same_everywhere(server: ServerData, kiosks: list[Kiosk]) -> Rows:
    """Server and kiosks hold the same rows on every field; returns the server's."""
    on_server = server.rows()
    for kiosk in kiosks:
        diff = differences(on_server, kiosk_rows(kiosk.store))
        assert not diff, f"server (left) and {kiosk.data_dir.name} (right) differ:\n" + "\n".join(
            diff
        )
    return on_server


def assert_photos_held(server: ServerData, kiosks: list[Kiosk], rows: Rows) -> int:
    """Every live photo's blobs are on the server, whole; every kiosk holds its
    thumbnail. Returns how many live photos there are."""
    live = [p for p in rows["photo"].values() if not p["deleted"]]
    for photo in live:
        for key in ("sha256", "thumb_sha256"):
            sha = photo[key]
            data = server.blob(sha)
            assert data is not None, f"photo {photo['id']}: the server lacks its {key} {sha}"
            assert hashlib.sha256(data).hexdigest() == sha, f"server blob {sha} is damaged"
        for kiosk in kiosks:
            assert kiosk.blobs.has(photo["thumb_sha256"]), (
                f"{kiosk.data_dir.name} lacks the thumbnail of photo {photo['id']}"
            )
    for kiosk in kiosks:  # the photos a kiosk took: it still holds their full images
        node = kiosk.store.node_id
        for photo_id, sha, clocks in kiosk.store.db.execute(
            "SELECT id, sha256, clocks FROM photo WHERE deleted = 0"
        ):
            if Stamp.parse(json.loads(clocks)["sha256"]).node == node:
                assert kiosk.blobs.has(sha), f"{kiosk.data_dir.name} lost photo {photo_id}"
    return len(live)
