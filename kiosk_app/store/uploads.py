"""The ``upload`` table: where each photo upload stands, so a cut one resumes.

A row holds the upload URL the server gave and the last offset it confirmed; an empty
URL means a creation request that carried bytes was cut before its answer (the next
try asks the server for that upload by hash). A finished upload leaves the table and
its blob is marked as held by the server (``blob_remote``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk_app.store.store import Store

Plan = list[tuple[str, str, dict[str, Any] | None]]


def upload_plan(store: Store, shas: list[str]) -> Plan:
    """(sha, kind, saved upload) for each of ``shas`` a live photo uses: thumbnails first,
    then full images, each in product and photo order."""
    wanted = set(shas)
    rows = store.db.execute(
        "SELECT thumb_sha256, sha256 FROM photo WHERE deleted = 0 ORDER BY product_id, position"
    ).fetchall()
    thumbs = [r[0] for r in rows if r[0] in wanted]
    fulls = [r[1] for r in rows if r[1] in wanted]
    plan: Plan = []
    seen: set[str] = set()
    for kind, group in (("thumb", thumbs), ("full", fulls)):
        for sha in group:
            if sha not in seen:
                seen.add(sha)
                plan.append((sha, kind, saved_upload(store, sha)))
    return plan


def saved_upload(store: Store, sha: str) -> dict[str, Any] | None:
    """The saved state of ``sha``'s upload (url, length, confirmed_offset, kind), if any."""
    rows = list(store.db.query("SELECT * FROM upload WHERE sha256 = ?", [sha]))
    return rows[0] if rows else None


def save_upload(store: Store, sha: str, url: str, length: int, offset: int, kind: str) -> None:
    """Keep the upload's URL and the offset the server confirmed."""
    store.db.execute(
        "INSERT INTO upload (sha256, url, length, confirmed_offset, kind, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(sha256) DO UPDATE SET url = excluded.url, "
        "confirmed_offset = excluded.confirmed_offset, updated_at = excluded.updated_at",
        [sha, url, length, offset, kind, store.now()],
    )


def finish_upload(store: Store, sha: str) -> None:
    """The server holds the whole blob: forget the upload, remember the blob is there."""
    with store.transaction():
        store.db.execute("DELETE FROM upload WHERE sha256 = ?", [sha])
        store.db.execute(
            "INSERT OR IGNORE INTO blob_remote (sha256, confirmed_at) VALUES (?, ?)",
            [sha, store.now()],
        )


def thumbs_to_fetch(store: Store, have: Callable[[str], bool], limit: int) -> list[str]:
    """Thumbnails live photos use that ``have(sha)`` says are not here, at most ``limit``."""
    rows = store.db.execute(
        "SELECT DISTINCT thumb_sha256 FROM photo WHERE deleted = 0 AND thumb_sha256 IS NOT NULL"
    ).fetchall()
    return [r[0] for r in rows if not have(r[0])][:limit]
