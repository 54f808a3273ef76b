"""Import a kiosk's USB bundle: its mutations as if synced, its photos by hash.

The format is ``kiosk_app.protocol.usb_bundle``'s (format 2), read and checked there: a
zip sealed to this server's X25519 key (``protocol.sealed.unseal``), holding the
manifest, an Ed25519 signature of it by the key pair the device registered with this
server, and the blobs.

Every check runs before anything is written, so a refused bundle changes nothing: the
seal (a changed or cut file fails), the recipient (a bundle for another server), the
device (known, not revoked, with a registered key), the signature (a bundle made from a
copy of the database, which holds only public keys, fails), the bundle id (imported
before: refused as a replay), every blob (listed names only, present, matching its
hash, a JPEG). Then the blobs are stored (the device holds them), the mutations pushed
(each mutation id applies once), and the bundle id recorded.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from kiosk_app.domain.i18n import one_line
from kiosk_app.protocol.sealed import (
    SealError,
    is_sealed,
    key_fingerprint,
    read_seal_header,
    recipient_key,
    unseal,
)
from kiosk_app.protocol.usb_bundle import (
    MAX_BLOB,
    BundleFormatError,
    Manifest,
    blob_name,
    read_manifest,
    verify,
)
from kiosk_server import blobstore, push
from kiosk_server.config import Settings
from kiosk_server.db import device, imported_bundle
from kiosk_server.devices import now_iso
from kiosk_server.jpeg import NotJpeg, check_jpeg
from kiosk_server.keys import ServerKeys
from kiosk_server.storage import open_storage


class BundleImportError(ValueError):
    """A bundle refused; the message says why, in Bahasa Indonesia then English."""


def _refuse(message: str) -> BundleImportError:
    """``message`` is ``one_line``'s: Bahasa Indonesia, then English in parentheses."""
    return BundleImportError(message)


def _old_format(path: Path) -> BundleImportError:
    return _refuse(
        one_line(
            "Bundle {name} was made by an old kiosk app (format 1, not encrypted) and is no "
            "longer accepted: update the kiosk app and export the bundle again; the changes "
            "are still pending on the kiosk.",
            name=path.name,
        )
    )


def _open(path: Path, keys: ServerKeys, work: Path) -> Path:
    """The bundle's inner zip, unsealed into ``work``."""
    try:
        with path.open("rb") as source:
            head = source.read(64)
            if head.startswith(b"PK"):
                raise _old_format(path)
            if not is_sealed(head):
                raise _refuse(one_line("Not a bundle file."))
            source.seek(0)
            header, preamble = read_seal_header(source)
            if header.get("kind") != "bundle":
                raise _refuse(one_line("Not a bundle file."))
            try:
                key = recipient_key(keys.bundle_private, header)
            except SealError as exc:
                raise _refuse(
                    one_line("This bundle is sealed to another server ({exc}).", exc=exc)
                ) from exc
            inner = work / "bundle.zip"
            with inner.open("wb") as target:
                unseal(source, target, key, header, preamble)
    except SealError as exc:
        raise _refuse(
            one_line("The bundle is damaged or was altered ({exc}); nothing was imported.", exc=exc)
        ) from exc
    except OSError as exc:
        raise _refuse(one_line("Cannot read the bundle: {exc}", exc=exc)) from exc
    return inner


def _signer(engine: Engine, manifest: Manifest) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(device).where(device.c.id == manifest.device_id)).first()
    if row is None:
        raise _refuse(one_line("Unknown device {device}.", device=manifest.device_id))
    if row.revoked_at is not None:
        raise _refuse(one_line("Device {device} was revoked.", device=row.id))
    if not row.bundle_key:
        raise _refuse(one_line("Device {device} has no bundle key registered.", device=row.id))
    return dict(row._mapping)


def _checked_blobs(archive: zipfile.ZipFile, manifest: Manifest) -> list[str]:
    """Every blob the manifest lists, present, matching its hash, a JPEG."""
    shas: list[str] = []
    for item in manifest.blobs:
        sha = item.sha256
        try:
            info = archive.getinfo(blob_name(sha))
            if info.file_size > MAX_BLOB:
                raise _refuse(one_line("Blob {sha} is too large.", sha=sha))
            data = archive.read(info)
        except KeyError as exc:
            raise _refuse(one_line("Blob {sha} is listed but missing.", sha=sha)) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise _refuse(one_line("Blob {sha} is damaged: {exc}.", sha=sha, exc=exc)) from exc
        if hashlib.sha256(data).hexdigest() != sha:
            raise _refuse(one_line("Blob {sha} is damaged.", sha=sha))
        try:
            check_jpeg(data)
        except NotJpeg as exc:
            raise _refuse(one_line("Blob {sha}: {exc}.", sha=sha, exc=exc)) from exc
        shas.append(sha)
    return shas


def _refuse_replay(engine: Engine, bundle_id: str) -> None:
    with engine.connect() as conn:
        seen = conn.execute(
            select(imported_bundle.c.imported_at).where(imported_bundle.c.id == bundle_id)
        ).scalar()
    if seen is not None:
        raise _refuse(
            one_line("This bundle was already imported at {seen}: refused as a replay.", seen=seen)
        )


def _checked(
    engine: Engine, keys: ServerKeys, inner: Path
) -> tuple[zipfile.ZipFile, Manifest, dict[str, Any]]:
    """The unsealed bundle's archive, its manifest and its signer, every signature and
    key checked (the caller closes the archive)."""
    try:
        archive = zipfile.ZipFile(inner)
    except zipfile.BadZipFile as exc:
        raise _refuse(one_line("The bundle's contents are damaged: {exc}", exc=exc)) from exc
    try:
        manifest, raw, signature = read_manifest(archive)
        found = _signer(engine, manifest)
        verify(str(found["bundle_key"]), raw, signature)
        if manifest.server_key != key_fingerprint(keys.bundle_public):
            raise _refuse(one_line("The bundle was signed for another server."))
    except BundleFormatError as exc:
        archive.close()
        raise BundleImportError(str(exc)) from exc
    except BaseException:
        archive.close()
        raise
    return archive, manifest, found


def inspect_bundle(
    engine: Engine, settings: Settings, keys: ServerKeys, path: Path
) -> dict[str, Any]:
    """A bundle's manifest once its seal, signature and keys check out; imports nothing."""
    with tempfile.TemporaryDirectory(prefix="bundle-", dir=settings.data_dir) as tmp:
        archive, manifest, _found = _checked(engine, keys, _open(path, keys, Path(tmp)))
        archive.close()
    return dict(msgspec.to_builtins(manifest))


def import_bundle(
    engine: Engine, settings: Settings, keys: ServerKeys, path: Path
) -> dict[str, Any]:
    """Check everything (module docstring), then store the blobs and apply the mutations."""
    storage = open_storage(settings)
    with tempfile.TemporaryDirectory(prefix="bundle-", dir=settings.data_dir) as tmp:
        archive, manifest, found = _checked(engine, keys, _open(path, keys, Path(tmp)))
        with archive:
            bundle_id = manifest.bundle_id
            _refuse_replay(engine, bundle_id)
            shas = _checked_blobs(archive, manifest)
            stored = 0
            for sha in shas:
                data = archive.read(blob_name(sha))
                storage.put(sha, data)
                with engine.begin() as conn:
                    stored += blobstore.record(conn, sha, len(data), found["id"], now_iso())
                    blobstore.hold(conn, sha, found)
    scope = push.DeviceScope(str(found["id"]), str(found["region"]))
    mutations = manifest.mutations
    result = push.push(engine, scope, mutations, time.time_ns() // 1_000_000)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(imported_bundle).values(
                    id=bundle_id,
                    device_id=found["id"],
                    imported_at=now_iso(),
                    mutations=len(mutations),
                    blobs=len(shas),
                )
            )
    except IntegrityError as exc:  # imported at the same moment elsewhere: same outcome
        raise _refuse(one_line("Imported concurrently elsewhere.")) from exc
    return {
        "bundle_id": bundle_id,
        "device_id": found["id"],
        "mutations": len(mutations),
        "accepted": len(result.accepted),
        "rejected": len(result.rejected),
        "new_blobs": stored,
    }
