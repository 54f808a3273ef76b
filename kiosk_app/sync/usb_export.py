"""USB bundles: the pending mutations and their photos in one signed, sealed file.

The format is ``protocol.usb_bundle``'s: a zip of the manifest, its Ed25519 signature
(with the key pair this kiosk made at enrolment and registered with the server: only
the kiosk holds the private half, so a copy of the server's database cannot forge a
bundle) and the blobs. The zip is then sealed to the server's X25519 public key
(``protocol.sealed.seal``: AES-256-GCM in 1 MiB chunks), so a lost flash drive shows
nobody the merchants' data, and any change to the file is found before anything is read.

Only the server can open a bundle. It refuses one that was changed, signed by another
key, sealed to another server, or imported before (the bundle id), with a clear message
and without changing anything. Format 1 (an HMAC keyed with the token's hash, not
encrypted) is refused with a message to export again.

Nothing is removed from the outbox by exporting: the changes stay pending until the
server acknowledges them (a later network sync sends them again and the server, which
applies each mutation id once, answers them accepted).

Keys: ``bundle.signing_key`` (the private half, base64; never in a backup or a support
bundle) and ``server.bundle_key`` (the server's public key) in the ``setting`` table.
A kiosk enrolled before bundles were signed makes its key pair and registers it on its
next sync (``SyncEngine.ensure_bundle_key``); until then it cannot export a bundle.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk_app.domain.i18n import one_line
from kiosk_app.domain.record_ids import uuid7
from kiosk_app.media.blobs import BlobStore
from kiosk_app.protocol import usb_bundle
from kiosk_app.protocol.messages import PROTOCOL_VERSION
from kiosk_app.protocol.sealed import key_fingerprint, recipient_header, seal
from kiosk_app.store import outbox, photos, replica
from kiosk_app.store.scope import kiosk_scope, records_outside
from kiosk_app.store.settings import Key
from kiosk_app.store.store import Store
from kiosk_app.sync import failpoints

SIGNING_KEY = Key.SIGNING_KEY
SERVER_KEY = Key.SERVER_BUNDLE_KEY


class BundleError(ValueError):
    """A bundle cannot be written (the kiosk has no bundle key yet)."""


def new_signing_key() -> str:
    """A fresh Ed25519 private key, as the base64 of its 32 raw bytes."""
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    return base64.b64encode(raw).decode()


def public_half(signing_key: str) -> str:
    """The base64 public key of a base64 private key (what the server is told)."""
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(signing_key))
    return base64.b64encode(private.public_key().public_bytes_raw()).decode()


def _keys(store: Store) -> tuple[Ed25519PrivateKey, bytes]:
    signing, server = store.get_setting(SIGNING_KEY), store.get_setting(SERVER_KEY)
    if not signing or not server:
        raise BundleError(
            one_line(
                "This kiosk has no bundle key yet: sync once over the internet, or enroll it again."
            )
        )
    private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(signing))
    return private, base64.b64decode(server)


def export_bundle(store: Store, blobs: BlobStore, device_id: str, path: Path) -> dict[str, Any]:
    """Write every pending mutation and every unconfirmed blob to ``path``, signed with
    this kiosk's key and sealed to the server's.

    Changes of merchants outside the kiosk's region (saved before it was enrolled) are
    left out: the server would refuse them, and a bundle's answer never comes back to
    the kiosk. They stay in the outbox; ``left_out`` counts the merchants, named in
    ``left_out_names``."""
    private, server_key = _keys(store)
    outside = records_outside(store, kiosk_scope(store))
    entries = outbox.pending(store, limit=1_000_000)
    left_out = sorted(
        {outside[(e.entity, e.row_id)] for e in entries if (e.entity, e.row_id) in outside}
    )
    entries = [e for e in entries if (e.entity, e.row_id) not in outside]
    # Images only photos left out show stay here too.
    wanted = {
        image
        for photo_id, full, thumb in photos.live_images(store)
        if ("photo", photo_id) not in outside
        for image in (full, thumb)
    }
    shas = [
        s for s in replica.unconfirmed_blobs(store, limit=1_000_000) if blobs.has(s) and s in wanted
    ]
    manifest = usb_bundle.Manifest(
        format=usb_bundle.BUNDLE_FORMAT,
        bundle_id=uuid7(),
        protocol=PROTOCOL_VERSION,
        device_id=device_id,
        node_id=store.node_id,
        server_key=key_fingerprint(server_key),
        created_at=store.now(),
        mutations=[e.alone() for e in entries],
        blobs=[usb_bundle.BlobEntry(s, blobs.size(s)) for s in shas],
    )
    header, key = recipient_header(
        "bundle", server_key, format=usb_bundle.BUNDLE_FORMAT, device_id=device_id
    )
    tmp = path.with_name(path.name + ".tmp")
    with tempfile.TemporaryDirectory(prefix="kiosk-bundle-") as work:
        inner = Path(work) / "bundle.zip"
        usb_bundle.write_archive(
            inner,
            manifest,
            private,
            [(sha, blobs.path(sha)) for sha in shas],
            step=lambda: failpoints.hit(failpoints.MID_EXPORT),
        )
        try:
            with inner.open("rb") as source, tmp.open("wb") as target:
                seal(source, target, key, header)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    return {"mutations": len(entries), "blobs": len(shas), "left_out": len(left_out),
            "left_out_names": left_out}  # fmt: skip


def signing_key(store: Store) -> str:
    """This kiosk's signing key, made (and kept) on first use."""
    key = store.get_setting(SIGNING_KEY)
    if not key:
        key = new_signing_key()
        store.set_setting(SIGNING_KEY, key)
    return key


def save_server_key(store: Store, server_key: str) -> None:
    store.set_setting(SERVER_KEY, server_key)


def has_server_key(store: Store) -> bool:
    return bool(store.get_setting(SERVER_KEY))
