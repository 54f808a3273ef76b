"""Onboarding figures: by region at each level, over time, and as CSV (SQLite and
PostgreSQL), from records written through the real sync API."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from kiosk_server import moderation, onboarding
from kiosk_server.db import RECORD_TABLES
from tests.catalog.conftest import Seller
from tests.server.helpers import NEAR_VILLAGE, Api
from tests.support import VILLAGE


@pytest.fixture
def seller(api: Api) -> Seller:
    return Seller(api, api.enroll("35.07"))


def backdate(api: Api, entity: str, row_id: str, day: str) -> None:
    table = RECORD_TABLES[entity]
    with api.engine.begin() as conn:
        conn.execute(
            table.update().where(table.c.id == row_id).values(created_at=day + "T08:00:00")
        )


def test_breakdown_at_every_level(api: Api, seller: Seller):
    a = seller.merchant()
    pa = seller.product(a)
    seller.photo(pa)
    seller.product(a, status="draft")
    hidden = seller.product(a, name="Disembunyikan")
    moderation.hide(api.engine, "product", hidden, "uji alasan", "a@example.id", None)
    seller.merchant(village_code=NEAR_VILLAGE, consent=False)
    gone = seller.merchant(village_code=NEAR_VILLAGE)
    seller.delete("merchant", gone)
    erased = seller.merchant()
    moderation.erase(api.engine, api.blobs, erased, None)

    with api.engine.connect() as conn:
        provinces = onboarding.breakdown(conn, None)
        villages = {r.code: r for r in onboarding.breakdown(conn, "35.07.12")}
        assert [r.code for r in onboarding.breakdown(conn, "35")] == ["35.07"]
        assert [r.code for r in onboarding.breakdown(conn, "35.07")] == ["35.07.12"]
        assert [r.code for r in onboarding.breakdown(conn, VILLAGE)] == [VILLAGE]
    (east_java,) = provinces
    assert (east_java.code, east_java.name) == ("35", "Jawa Timur")
    figures = {f: getattr(east_java, f) for f in onboarding.FIGURES}
    assert figures == {"merchants": 2, "consented": 1, "in_catalog": 1, "products": 3,
                       "published": 1, "photos": 1}  # fmt: skip
    assert (villages[VILLAGE].merchants, villages[NEAR_VILLAGE].merchants) == (1, 1)
    assert villages[NEAR_VILLAGE].consented == 0
    rows = list(csv.DictReader(io.StringIO(onboarding.to_csv(provinces))))
    expected = {"code": "35", "name": "Jawa Timur", "merchants": "2", "consented": "1",
                "in_catalog": "1", "products": "3", "published": "1", "photos": "1"}  # fmt: skip
    assert rows == [expected]


def test_over_time_counts_running_totals_by_day_week_or_month(api: Api, seller: Seller):
    first, second, third = seller.merchant(), seller.merchant(), seller.merchant()
    product = seller.product(second)
    backdate(api, "merchant", first, "2026-01-10")
    backdate(api, "merchant", second, "2026-03-02")
    backdate(api, "product", product, "2026-03-03")
    backdate(api, "merchant", third, "2026-06-20")
    with api.engine.connect() as conn:
        months = onboarding.over_time(conn, "35.07", date(2026, 6, 30), max_points=6)
        weeks = onboarding.over_time(conn, "35.07", date(2026, 6, 30))
        days = onboarding.over_time(conn, None, date(2026, 6, 30), max_points=400)
        elsewhere = onboarding.over_time(conn, "53", date(2026, 6, 30))
    assert months.unit == "month"
    assert months.labels == ["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01",
                             "2026-05-01", "2026-06-01"]  # fmt: skip
    assert months.merchants == [1, 1, 2, 2, 2, 3]
    assert months.products == [0, 0, 1, 1, 1, 1]
    assert weeks.unit == "week" and weeks.labels[0] == "2026-01-05" and weeks.merchants[-1] == 3
    assert len(weeks.labels) == 26 and weeks.merchants[0] == 1
    assert days.unit == "day" and days.labels[0] == "2026-01-10" and days.merchants[-1] == 3
    assert elsewhere.labels == [] and elsewhere.merchants == []
