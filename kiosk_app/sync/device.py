"""The kiosk's enrollment with a central server: stored settings and a ready engine."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk_app.media.blobs import BlobStore
from kiosk_app.store.scope import SCOPE_KEY
from kiosk_app.store.store import Store
from kiosk_app.sync.client import Enrollment, ServerClient
from kiosk_app.sync.engine import StoreRunner, SyncEngine, SyncResult

URL, DEVICE, TOKEN, REGION, CA_BUNDLE = (
    "server.url",
    "server.device_id",
    "server.token",
    SCOPE_KEY,  # the region scope: the store checks every merchant's village against it
    "server.ca_bundle",
)


@dataclass(frozen=True)
class Device:
    server_url: str
    device_id: str
    token: str
    region: str
    ca_bundle: str | None = None

    def client(self) -> ServerClient:
        return ServerClient(self.server_url, self.token, verify=self.ca_bundle or True)


def load_device(store: Store) -> Device | None:
    values = {k: store.get_setting(k) for k in (URL, DEVICE, TOKEN, REGION, CA_BUNDLE)}
    if not (values[URL] and values[DEVICE] and values[TOKEN]):
        return None
    return Device(
        str(values[URL]),
        str(values[DEVICE]),
        str(values[TOKEN]),
        str(values[REGION] or ""),
        values[CA_BUNDLE],
    )


def enroll(
    store: Store, server_url: str, code: str, device_name: str, ca_bundle: str | None = None
) -> Device:
    """Redeem a one-time code; the token is kept only in the kiosk's own database."""
    result = redeem_code(server_url, code, device_name, store.node_id, ca_bundle)
    return save_enrollment(store, server_url, result, ca_bundle)


def redeem_code(
    server_url: str, code: str, device_name: str, node_id: str, ca_bundle: str | None = None
) -> Enrollment:
    """The network half of ``enroll`` (no store needed: run it off the store's thread)."""
    client = ServerClient(server_url, verify=ca_bundle or True)
    try:
        return client.enroll(code.strip().upper(), device_name, node_id)
    finally:
        client.close()


def save_enrollment(
    store: Store, server_url: str, result: Enrollment, ca_bundle: str | None = None
) -> Device:
    """The store half of ``enroll``: keep the device's identity and token."""
    with store.db.atomic():
        store.set_setting(URL, server_url.rstrip("/"))
        store.set_setting(DEVICE, result.device_id)
        store.set_setting(TOKEN, result.token)
        store.set_setting(REGION, result.region)
        store.set_setting(CA_BUNDLE, ca_bundle)
        # A kiosk enrolled anew starts its pull from the beginning.
        store.set_setting("sync.cursor", "0")
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
