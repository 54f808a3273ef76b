"""App versions announced to kiosks (staged rollouts) and settings pushed per region.

A rollout announces ``version`` inside a region (or the whole country) either to a
share of its kiosks, chosen by a hash of the device id and the version (the same kiosks
every time, and raising the share from 10 to 50 % keeps the first 10 % in), or to the
kiosks of chosen regions. Each sync answer tells a kiosk the newest version announced
to it (``SyncAnswer.latest_app_version``; the server's ``latest_app_version`` setting
counts as one announced to all) and its region's settings (``SyncAnswer.settings``:
for each key, the value of the most specific region above the kiosk's that set it).

Sync is the hot path (an idle sync costs ~5 ms of server time), so the rows are read
once into ``Announcements`` and kept ``TTL_S`` seconds, and at once anew after a change
made by this process: another server process sees a change within ``TTL_S``.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.regions import in_scope, validate_region_code
from kiosk_app.protocol.messages import KIOSK_SETTINGS
from kiosk_server.db import read_only, region_setting, rollout
from kiosk_server.devices import now_iso

TTL_S = 30.0
VERSION_RE = re.compile(r"[0-9]+(?:\.[0-9]+){1,3}(?:[-+.][0-9A-Za-z.]+)?")


class BadRollout(ValueError):
    """What a coordinator typed cannot be announced (message in Bahasa Indonesia)."""


def version_key(version: str) -> tuple[int, ...]:
    """Order of versions: by their numbers (1.10.0 after 1.9.2)."""
    return tuple(int(n) for n in re.findall(r"[0-9]+", version.split("+")[0])[:4])


def in_share(device_id: str, version: str, share: int) -> bool:
    """True for ``share`` percent of devices, the same ones for a version every time."""
    digest = hashlib.sha256(f"{version}\x00{device_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < share


def _within(scope: str | None, code: str) -> bool:
    """``code`` ('' is the whole country) lies in the acting coordinator's ``scope``."""
    if scope is None:
        return True
    return code != "" and in_scope(code, scope)


def _codes(text: str) -> list[str]:
    codes = []
    for part in re.split(r"[\s,;]+", text.strip()):
        if part:
            try:
                codes.append(validate_region_code(part, field="regions"))
            except ValidationError as exc:
                raise BadRollout(f"Kode wilayah tidak dikenal: {part}") from exc
    return sorted(set(codes))


@dataclass(frozen=True)
class Rollout:
    id: int
    version: str
    region: str  # '' for the whole country
    share: int | None
    regions: tuple[str, ...]

    def reaches(self, device_id: str, device_region: str) -> bool:
        if self.region and not in_scope(device_region, self.region):
            return False
        if self.regions:
            return any(in_scope(device_region, r) for r in self.regions)
        return in_share(device_id, self.version, self.share or 0)


def announce(
    engine: Engine,
    version: str,
    region: str,
    share: int | None,
    regions_text: str,
    actor: str,
    scope: str | None,
) -> int:
    """Record a rollout; its id. ``BadRollout`` for a bad version, share, or a region
    outside the coordinator's ``scope`` (None: national)."""
    version = version.strip()
    if not VERSION_RE.fullmatch(version):
        raise BadRollout("Versi harus berbentuk angka, misalnya 1.4.0.")
    region = _checked_region(region, scope)
    regions = _codes(regions_text)
    for code in regions:
        if not _within(scope, code) or (region and not in_scope(code, region)):
            raise BadRollout(f"Wilayah {code} di luar wilayah pengumuman.")
    if not regions and (share is None or not 1 <= share <= 100):
        raise BadRollout("Pilih bagian kios (1-100 %) atau wilayah tertentu.")
    with engine.begin() as conn:
        result = conn.execute(
            rollout.insert().values(
                version=version,
                region=region,
                share=None if regions else share,
                regions=",".join(regions) or None,
                created_at=now_iso(),
                created_by=actor,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def _checked_region(region: str, scope: str | None) -> str:
    """A region code as typed ("" for national), checked and within ``scope``;
    ``BadRollout`` when unknown or outside it."""
    region = region.strip()
    if region:
        try:
            region = validate_region_code(region, field="region")
        except ValidationError as exc:
            raise BadRollout(f"Kode wilayah tidak dikenal: {region}") from exc
    if not _within(scope, region):
        raise BadRollout("Wilayah di luar wilayah Anda.")
    return region


def withdraw(engine: Engine, rollout_id: int, scope: str | None) -> bool:
    """Withdraw a rollout the coordinator may see; False if there is none such."""
    with engine.begin() as conn:
        row = conn.execute(select(rollout).where(rollout.c.id == rollout_id)).first()
        if row is None or row.withdrawn_at is not None or not _within(scope, row.region):
            return False
        conn.execute(
            rollout.update().where(rollout.c.id == rollout_id).values(withdrawn_at=now_iso())
        )
    return True


def list_rollouts(conn: Connection, scope: str | None) -> list[dict[str, Any]]:
    rows = read_only(conn).execute(select(rollout).order_by(rollout.c.id.desc()).limit(200))
    return [dict(r._mapping) for r in rows if _within(scope, r.region)]


def set_settings(
    engine: Engine, region: str, values: dict[str, int | None], actor: str, scope: str | None
) -> None:
    """Set (or clear, with None) a region's settings. ``BadRollout`` when out of bounds."""
    region = _checked_region(region, scope)
    for key, value in values.items():
        low, high = KIOSK_SETTINGS[key]
        if value is not None and not low <= value <= high:
            raise BadRollout(f"{key} harus antara {low} dan {high}.")
    with engine.begin() as conn:
        for key, value in values.items():
            where = (region_setting.c.region == region) & (region_setting.c.key == key)
            conn.execute(region_setting.delete().where(where))
            if value is not None:
                conn.execute(
                    region_setting.insert().values(
                        region=region,
                        key=key,
                        value=str(value),
                        updated_at=now_iso(),
                        updated_by=actor,
                    )
                )


def list_settings(conn: Connection, scope: str | None) -> list[dict[str, Any]]:
    rows = read_only(conn).execute(
        select(region_setting).order_by(region_setting.c.region, region_setting.c.key)
    )
    return [dict(r._mapping) for r in rows if _within(scope, r.region)]


class Announcements:
    """The rollouts and region settings, read at most every ``ttl`` seconds (see above)."""

    def __init__(
        self, fallback: str | None, ttl: float = TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fallback = fallback
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._rollouts: list[Rollout] = []
        self._settings: dict[str, dict[str, int]] = {}

    def changed(self) -> None:
        """This process changed a rollout or a setting: read them again on next use."""
        with self._lock:
            self._read_at = None

    def _load(self, engine: Engine) -> tuple[list[Rollout], dict[str, dict[str, int]]]:
        with self._lock:
            now = self._clock()
            if self._read_at is not None and now - self._read_at < self._ttl:
                return self._rollouts, self._settings
            with engine.connect() as raw, read_only(raw).begin():
                conn = read_only(raw)
                live = conn.execute(select(rollout).where(rollout.c.withdrawn_at.is_(None)))
                rollouts = [
                    Rollout(
                        r.id,
                        r.version,
                        r.region,
                        r.share,
                        tuple(r.regions.split(",")) if r.regions else (),
                    )
                    for r in live
                ]
                settings: dict[str, dict[str, int]] = {}
                for r in conn.execute(select(region_setting)):
                    if r.key in KIOSK_SETTINGS and r.value.lstrip("-").isdigit():
                        settings.setdefault(r.region, {})[r.key] = int(r.value)
            self._rollouts, self._settings, self._read_at = rollouts, settings, now
            return rollouts, settings

    def for_device(
        self, engine: Engine, device_id: str, device_region: str
    ) -> tuple[str | None, dict[str, int] | None]:
        """The newest version announced to the device, and its region's settings."""
        rollouts, settings = self._load(engine)
        return self._announced(rollouts, settings, device_id, device_region)

    def cached_for_device(
        self, device_id: str, device_region: str
    ) -> tuple[str | None, dict[str, int] | None] | None:
        """``for_device`` from what was read last, or None when that is too old to use
        (without reading: on the event loop)."""
        with self._lock:
            if self._read_at is None or self._clock() - self._read_at >= self._ttl:
                return None
            rollouts, settings = self._rollouts, self._settings
        return self._announced(rollouts, settings, device_id, device_region)

    def _announced(
        self,
        rollouts: list[Rollout],
        settings: dict[str, dict[str, int]],
        device_id: str,
        device_region: str,
    ) -> tuple[str | None, dict[str, int] | None]:
        versions = [r.version for r in rollouts if r.reaches(device_id, device_region)]
        if self._fallback:
            versions.append(self._fallback)
        latest = max(versions, key=version_key) if versions else None
        if not settings:
            return latest, None
        chain = ["", *_ancestors_and_self(device_region)]
        merged: dict[str, int] = {}
        for code in chain:  # general first, so the most specific region wins
            merged.update(settings.get(code, {}))
        return latest, merged or None


def _ancestors_and_self(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts) + 1)]
