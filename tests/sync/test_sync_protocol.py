"""The wire protocol refuses malformed mutations and old clients with clear codes."""

from __future__ import annotations

import base64
import json
import zipfile

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk_app.domain.record_ids import uuid7
from kiosk_app.protocol import usb_bundle
from kiosk_app.protocol.messages import (
    ERR_PROTOCOL_TOO_OLD,
    PROTOCOL_VERSION,
    REJECT_INVALID,
    ProtocolError,
    SyncRequest,
    check_protocol_version,
    decode_request,
    parse_mutation,
)

STAMP = "1764300000000-0000-a1b2c3"


def mutation(**over):
    base = {
        "id": uuid7(),
        "entity": "product",
        "row_id": uuid7(),
        "hlc": STAMP,
        "op": "upsert",
        "fields": {"name": "Kopi"},
    }
    return {**base, **over}


def parse(raw):
    """A mutation as the server takes it: the types decoded, then the values checked."""
    return parse_mutation(decode_request({"protocol": 2, "mutations": [raw]}).mutations[0])


def test_good_mutations_parse():
    m = parse(mutation())
    assert m.fields == {"name": "Kopi"}
    assert parse(mutation(op="delete", fields={})).fields == {"deleted": 1}
    assert parse(mutation(op="stock", fields={"stock": -3})).fields == {"stock": -3}


@pytest.mark.parametrize(
    "over",
    [
        {"id": "1"},
        {"entity": "operator"},
        {"row_id": "../etc"},
        {"hlc": "yesterday"},
        {"op": "drop"},
        {"fields": []},
        {"fields": {"pin_hash": "x"}},
        {"op": "stock", "fields": {"stock": 1.5}},
        {"op": "stock", "fields": {"stock": True}},
        {"op": "stock", "fields": {"stock": 1, "name": "x"}},
        {"op": "stock", "entity": "merchant", "fields": {"stock": 1}},
    ],
)
def test_malformed_mutations_are_refused(over):
    with pytest.raises(ProtocolError) as info:
        parse(mutation(**over))
    assert info.value.code == REJECT_INVALID


def test_old_and_unknown_protocols_are_refused():
    check_protocol_version(PROTOCOL_VERSION)
    for bad in (0, "1", None, PROTOCOL_VERSION + 1):
        with pytest.raises(ProtocolError) as info:
            check_protocol_version(bad)
        assert info.value.code == ERR_PROTOCOL_TOO_OLD


def test_a_request_is_typed_with_its_protocol_checked_first():
    raw = {"protocol": 2.0, "cursor": 7, "node": "a1b2", "mutations": [mutation()], "x": 1}

    request = decode_request(raw)

    assert isinstance(request, SyncRequest)
    assert (request.protocol, request.cursor, request.limit, request.node) == (2, 7, None, "a1b2")
    assert request.mutations[0].fields == {"name": "Kopi"}
    for too_old in ({}, {"protocol": 0}, {"protocol": PROTOCOL_VERSION + 1}):
        with pytest.raises(ProtocolError) as info:
            decode_request(too_old)
        assert info.value.code == ERR_PROTOCOL_TOO_OLD


@pytest.mark.parametrize(
    "raw",
    [
        [],
        {"protocol": 2, "cursor": -1},
        {"protocol": 2, "cursor": "many"},
        {"protocol": 2, "node": "a b"},
        {"protocol": 2, "mutations": {}},
        {"protocol": 2, "mutations": [1]},
        {"protocol": 2, "mutations": [{**mutation(), "id": 5}]},
        {"protocol": 2, "mutations": [{k: v for k, v in mutation().items() if k != "hlc"}]},
        {"protocol": 2, "mutations": [mutation()] * 5001},
        {"protocol": 2, "blobs": ["a" * 65]},
    ],
)
def test_a_malformed_request_is_refused_whole(raw):
    with pytest.raises(ProtocolError) as info:
        decode_request(raw)
    assert info.value.code == REJECT_INVALID


def a_manifest(**over) -> usb_bundle.Manifest:
    fields = {"format": usb_bundle.BUNDLE_FORMAT, "bundle_id": uuid7(), "protocol": 2,
              "device_id": uuid7(), "node_id": "a1b2", "server_key": "f" * 32,
              "created_at": "2026-12-03T07:00:00Z",
              "mutations": [parse(mutation())],
              "blobs": []}  # fmt: skip
    return usb_bundle.Manifest(**{**fields, **over})


def test_a_bundle_archive_is_read_back_typed_and_its_signature_checked(tmp_path):
    key = Ed25519PrivateKey.generate()
    public = base64.b64encode(key.public_key().public_bytes_raw()).decode()
    jpeg = tmp_path / "photo.jpg"
    jpeg.write_bytes(b"\xff\xd8 not checked here \xff\xd9")
    sha = "0" * 64
    written = a_manifest(blobs=[usb_bundle.BlobEntry(sha, jpeg.stat().st_size)])
    usb_bundle.write_archive(tmp_path / "b.zip", written, key, [(sha, jpeg)])

    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        manifest, raw, signature = usb_bundle.read_manifest(archive)
        assert archive.read(usb_bundle.blob_name(sha)) == jpeg.read_bytes()

    assert manifest == written
    usb_bundle.verify(public, raw, signature)
    with pytest.raises(usb_bundle.BundleFormatError, match="signature"):
        usb_bundle.verify(public, raw.replace(b"a1b2", b"a1b3"), signature)


@pytest.mark.parametrize(
    "change",
    [
        lambda m: {**m, "format": 1},
        lambda m: {**m, "bundle_id": "x"},
        lambda m: {**m, "mutations": [{**m["mutations"][0], "id": 5}]},
        lambda m: {**m, "blobs": [{"sha256": "../etc/passwd", "size": 1}]},
        lambda m: {k: v for k, v in m.items() if k != "mutations"},
    ],
)
def test_a_malformed_manifest_is_refused(tmp_path, change):
    raw = json.dumps(change(msgspec.to_builtins(a_manifest()))).encode()
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as archive:
        archive.writestr(usb_bundle.MANIFEST, raw)
        archive.writestr(usb_bundle.SIGNATURE, base64.b64encode(b"s" * 64))

    with (
        zipfile.ZipFile(tmp_path / "b.zip") as archive,
        pytest.raises(usb_bundle.BundleFormatError),
    ):
        usb_bundle.read_manifest(archive)
