"""Shared fixtures: real SQLite files in temporary folders, the shipped sample regions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import SAMPLE_REGIONS, VILLAGE

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def store(tmp_path: Path):
    """A fresh kiosk store on a real SQLite file, with the sample regions loaded."""
    from kiosk_app.store.regions import import_regions_csv
    from kiosk_app.store.store import Store

    s = Store.open(tmp_path / "kiosk.db")
    import_regions_csv(s.db, SAMPLE_REGIONS)
    yield s
    s.close()


@pytest.fixture
def merchant_fields() -> dict[str, object]:
    return {
        "business_name": "Kopi Bu Sri",
        "owner_name": "Sri Wahyuni",
        "phone": "0812-3456-7890",
        "village_code": VILLAGE,
        "address": "Jl. Raya Ternyang No. 5",
    }
