"""The console's home (``/admin/``): onboarding by region, drilled down by code, over
time as an SVG chart, and the same figures as CSV (``/admin/onboarding.csv``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.regions import ancestors, validate_region_code
from kiosk_server import charts, onboarding
from kiosk_server.admin.web import Admin, Forbidden, Reader, context, render
from kiosk_server.catalog.queries import region_names
from kiosk_server.db import read_only

router = APIRouter(prefix="/admin", include_in_schema=False)
CACHE_S = 60.0  # how old the figures shown may be (said on the page)
_CACHE_LOCK = threading.Lock()


def out_of_scope() -> Forbidden:
    return Forbidden(
        "Wilayah ini di luar wilayah akun Anda.", "This region is outside your account's region."
    )


def _region(admin: Admin, raw: str | None) -> str | None:
    """The region asked for (default: the account's own), checked against its scope."""
    code = (raw or "").strip() or admin.account.region
    if code is not None:
        try:
            code = validate_region_code(code, field="region")
        except ValidationError as exc:
            raise Forbidden("Kode wilayah tidak sah.", "Not a valid region code.") from exc
    if not onboarding.allowed(code, admin.account.region):
        raise out_of_scope()
    return code


class FiguresCache:
    """The figures of each region asked for, kept ``ttl`` seconds per server process: on
    a large database (bench/bench_onboarding.py) they take long enough that every
    coordinator reloading the page should not count all rows again."""

    def __init__(self, ttl: float = CACHE_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._kept: dict[str | None, tuple[float, dict[str, Any]]] = {}

    def get(self, code: str | None, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        now = self._clock()
        with self._lock:
            kept = self._kept.get(code)
        if kept is not None and now - kept[0] < self._ttl:
            return kept[1]
        found = compute()
        with self._lock:
            if len(self._kept) > 500:
                self._kept.clear()
            self._kept[code] = (now, found)
        return found


def _cache(request: Request) -> FiguresCache:
    state = request.app.state
    with _CACHE_LOCK:
        if not hasattr(state, "onboarding_figures"):
            state.onboarding_figures = FiguresCache()
        cache: FiguresCache = state.onboarding_figures
    return cache


def _figures(request: Request, code: str | None) -> dict[str, Any]:
    return _cache(request).get(code, lambda: _count(request, code))


def _count(request: Request, code: str | None) -> dict[str, Any]:
    engine = context(request).engine
    with engine.connect() as raw:
        conn = read_only(raw)
        rows = onboarding.breakdown(conn, code)
        series = onboarding.over_time(conn, code, datetime.now(UTC).date())
        trail = [*ancestors(code), code] if code else []
        names = region_names(conn, trail)
    return {"rows": rows, "series": series, "trail": [(c, names.get(c, c)) for c in trail]}


@router.get("/")
async def onboarding_page(request: Request, admin: Reader, region: str | None = None) -> Response:
    code = _region(admin, region)
    found = await run_in_threadpool(_figures, request, code)
    rows: list[onboarding.RegionRow] = found["rows"]
    name = found["trail"][-1][1] if found["trail"] else admin.tr("Indonesia", "Indonesia")
    total = onboarding.totals(rows, code or "", name)
    series: onboarding.Series = found["series"]
    chart = charts.line_chart(
        admin.tr("Penjual dan produk dari waktu ke waktu", "Merchants and products over time"),
        series.labels,
        [
            charts.Line(admin.tr("Penjual", "Merchants"), series.merchants, "s1"),
            charts.Line(admin.tr("Produk", "Products"), series.products, "s2"),
        ],
    )
    top = max((r.merchants for r in rows), default=0)
    # The account's own region is the top of its trail: nothing above it is offered.
    own = admin.account.region
    trail = [(c, n) for c, n in found["trail"] if own is None or onboarding.allowed(c, own)]
    return render(
        request,
        admin,
        "onboarding.html",
        code=code,
        rows=rows,
        total=total,
        chart=chart,
        series=series,
        bars={r.code: charts.bar(r.merchants, top) for r in rows},
        trail=trail,
        national=own is None,
        level=onboarding.child_level(code),
        drillable=code is None or code.count(".") < 3,
        labels=onboarding.LABELS,
        figures=onboarding.FIGURES,
    )


@router.get("/onboarding.csv")
async def onboarding_csv(request: Request, admin: Reader, region: str | None = None) -> Response:
    code = _region(admin, region)
    found = await run_in_threadpool(_figures, request, code)
    name = "semua" if code is None else code
    return Response(
        onboarding.to_csv(found["rows"]),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="penjual-{name}.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
