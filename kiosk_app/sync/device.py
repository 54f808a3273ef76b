"""The kiosk's enrollment with a central server: stored settings and a ready engine.

The server's address must be ``https://``: the enrollment code, then the device token
on every request, travel in it. ``http://`` is taken only for this PC itself (loopback:
the demo, a technician's test server), where nothing crosses a network.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from kiosk_app.domain.i18n import both
from kiosk_app.media.blobs import BlobStore
from kiosk_app.store.settings import Key
from kiosk_app.store.store import Store
from kiosk_app.sync.client import Enrollment, ServerClient
from kiosk_app.sync.engine import StoreRunner, SyncEngine, SyncResult
from kiosk_app.sync.usb_export import new_signing_key, public_half


@dataclass(frozen=True)
class Device:
    server_url: str
    device_id: str
    token: str
    region: str
    ca_bundle: str | None = None

    def client(self) -> ServerClient:
        return ServerClient(self.server_url, self.token, verify=self.ca_bundle or True)


class InsecureServerURL(ValueError):
    """A server address the kiosk will not send its code and token to."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(f"{message_id} ({message_en})")
        self.message_id = message_id
        self.message_en = message_en


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str) -> str:
    """``url`` without its trailing slash, if the kiosk may enrol with it: https, or
    http to this PC itself. Raises InsecureServerURL otherwise."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url.strip().rstrip("/")
    if parts.scheme == "http" and host and _loopback(host):
        return url.strip().rstrip("/")
    if parts.scheme == "http" and host:
        raise InsecureServerURL(
            *both(
                "The server address must start with https:// so the code and token are not "
                "readable on the network; http:// only for a server on this PC."
            )
        )
    raise InsecureServerURL(*both("Type the server address in full, starting with https://."))


def load_device(store: Store) -> Device | None:
    get = store.settings.get
    url, device, token = get(Key.SERVER_URL), get(Key.DEVICE_ID), get(Key.TOKEN)
    if not (url and device and token):
        return None
    return Device(url, device, token, get(Key.REGION) or "", get(Key.CA_BUNDLE))


def enroll(
    store: Store, server_url: str, code: str, device_name: str, ca_bundle: str | None = None
) -> Device:
    """Redeem a one-time code; the token is kept only in the kiosk's own database."""
    result = redeem_code(server_url, code, device_name, store.node_id, ca_bundle)
    return save_enrollment(store, server_url, result, ca_bundle)


@dataclass(frozen=True)
class Redeemed(Enrollment):
    """An enrollment with the bundle signing key made for it (kept by ``save_enrollment``)."""

    signing_key: str | None = None


def redeem_code(
    server_url: str, code: str, device_name: str, node_id: str, ca_bundle: str | None = None
) -> Redeemed:
    """The network half of ``enroll`` (no store needed: run it off the store's thread).
    A new bundle key pair is made here; its public half goes to the server."""
    url = check_server_url(server_url)
    signing = new_signing_key()
    client = ServerClient(url, verify=ca_bundle or True)
    try:
        done = client.enroll(code.strip().upper(), device_name, node_id, public_half(signing))
    finally:
        client.close()
    return Redeemed(**{**done.__dict__, "signing_key": signing})


def save_enrollment(
    store: Store, server_url: str, result: Enrollment, ca_bundle: str | None = None
) -> Device:
    """The store half of ``enroll``: keep the device's identity, token and bundle keys
    (a server too old to answer with its key leaves the kiosk without bundles until it
    registers one on a later sync)."""
    signing = result.signing_key if isinstance(result, Redeemed) else None
    store.settings.set_many(
        {
            Key.SERVER_URL: server_url.rstrip("/"),
            Key.DEVICE_ID: result.device_id,
            Key.TOKEN: result.token,
            # The region scope: the store checks every merchant's village against it.
            Key.REGION: result.region,
            Key.CA_BUNDLE: ca_bundle,
            Key.SIGNING_KEY: signing if result.server_bundle_key else None,
            Key.SERVER_BUNDLE_KEY: result.server_bundle_key if signing else None,
            # A kiosk enrolled anew starts its pull from the beginning.
            Key.CURSOR: 0,
        }
    )
    return Device(server_url.rstrip("/"), result.device_id, result.token, result.region, ca_bundle)


def first_sync(run: StoreRunner, device: Device, blobs: BlobStore) -> SyncResult:
    """One sync right after enrollment: it brings the region list of the kiosk's scope
    (so villages can be picked and files imported at once) and sends what was saved
    before. Never raises for a link problem: ``result.error`` says what went wrong."""
    client = device.client()
    try:
        return SyncEngine(run, client, blobs).sync_once()
    finally:
        client.close()
