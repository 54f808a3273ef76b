"""Item models without any widget: columns, roles, paging by fetchMore, thumbnails."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt

from kiosk_app.media.blobs import BlobStore
from kiosk_app.media.pipeline import process_photo
from kiosk_app.store import photos
from kiosk_app.store.owner import StoreThread
from kiosk_app.store.regions import import_regions_csv
from kiosk_app.ui.models import merchants as mm
from kiosk_app.ui.models import products as pm
from kiosk_app.ui.models.thumbnails import ThumbnailCache
from kiosk_app.ui.tasks import TaskRunner
from tests.support import SAMPLE_REGIONS, VILLAGE
from tests.ui.conftest import make_jpeg

PRODUCTS = 450


@pytest.fixture
def runner(qapp, tmp_path: Path) -> Iterator[TaskRunner]:
    """A runner on a store holding 2 merchants and 450 products (set-up, not UI)."""
    owner = StoreThread(tmp_path / "kiosk.db")

    def fill(store) -> None:
        import_regions_csv(store.db, SAMPLE_REGIONS)
        base = {"owner_name": "Sri", "phone": "081234567890", "village_code": VILLAGE}
        first = store.create("merchant", {**base, "business_name": "Kopi Bu Sri"})
        store.create("merchant", {**base, "business_name": "Tenun Mama Yosefina"})
        with store.db.atomic():
            for n in range(PRODUCTS):
                store.create(
                    "product", {"merchant_id": first, "name": f"Produk {n:03}", "price": 1000 + n}
                )

    owner.call(fill)
    task_runner = TaskRunner(owner)
    yield task_runner
    task_runner.shutdown()
    owner.close()


def test_merchant_columns_and_search(runner, qtbot):
    model = mm.MerchantTableModel(runner)
    with qtbot.waitSignal(model.loaded):
        model.reload(text="")

    assert model.columnCount() == mm.COLUMN_COUNT == 4
    header = model.headerData(mm.COLUMN_NAME, Qt.Orientation.Horizontal)
    assert header in ("Business", "Usaha")
    rows = {model.index(r, mm.COLUMN_NAME).data(): r for r in range(model.rowCount())}
    assert set(rows) == {"Kopi Bu Sri", "Tenun Mama Yosefina"}
    kopi = rows["Kopi Bu Sri"]
    assert model.index(kopi, mm.COLUMN_VILLAGE).data() == "Ternyang"
    assert model.index(kopi, mm.COLUMN_PRODUCTS).data() == PRODUCTS
    assert model.index(kopi, mm.COLUMN_OWNER).data() == "Sri"

    with qtbot.waitSignal(model.loaded):
        model.reload(text="tenun")
    assert model.rowCount() == 1 and not model.canFetchMore()


def test_products_page_in_as_the_view_asks(runner, qtbot):
    thumbs = ThumbnailCache(runner, lambda sha: None)
    model = pm.ProductListModel(runner, thumbs)
    with qtbot.waitSignal(model.loaded):
        model.reload()

    assert model.rowCount() == 200  # one page
    assert model.canFetchMore()
    with qtbot.waitSignal(model.loaded):
        model.fetchMore()
    assert not model.canFetchMore() or model.rowCount() == 400
    with qtbot.waitSignal(model.loaded):
        model.fetchMore()
    assert model.rowCount() == PRODUCTS and not model.canFetchMore()
    names = [model.index(r).data() for r in range(model.rowCount())]
    assert len(set(names)) == PRODUCTS
    assert names[0] == "Produk 449"  # newest first
    assert model.index(0).data(pm.PRICE_ROLE) == "Rp1.449"
    assert model.index(0).data(pm.STATUS_ROLE) == "draft"
    assert model.index(0).data(Qt.ItemDataRole.DecorationRole) is None  # no photo


def test_a_page_for_an_old_filter_is_dropped(runner, qtbot):
    model = pm.ProductListModel(runner, ThumbnailCache(runner, lambda sha: None))
    model.reload(text="")
    with qtbot.waitSignal(model.loaded):
        model.reload(text="produk 007")
    qtbot.wait(50)
    assert [model.index(r).data() for r in range(model.rowCount())] == ["Produk 007"]


def test_cover_thumbnail_loads_off_the_gui_thread(runner, qtbot, tmp_path):
    blobs = BlobStore(tmp_path / "blobs")
    processed = process_photo(make_jpeg(tmp_path / "a.jpg", (10, 120, 60)))

    def add(store):
        product_id = store.db.execute(
            "SELECT id FROM product ORDER BY rowid DESC LIMIT 1"
        ).fetchone()[0]
        photos.add_photo(store, product_id, processed, blobs)

    runner._store_thread.call(add)
    readers: list[str] = []

    def read(sha: str) -> bytes:
        readers.append(threading.current_thread().name)
        return blobs.read(sha)

    thumbs = ThumbnailCache(runner, read)
    model = pm.ProductListModel(runner, thumbs)
    with qtbot.waitSignal(model.loaded):
        model.reload(text="")
    row = next(r for r in range(model.rowCount()) if model.index(r).data(pm.COVER_ROLE))
    assert model.index(row).data(Qt.ItemDataRole.DecorationRole) is None  # asked, not ready
    with qtbot.waitSignal(model.dataChanged):
        pass
    pixmap = model.index(row).data(Qt.ItemDataRole.DecorationRole)
    assert pixmap is not None and max(pixmap.width(), pixmap.height()) <= 180
    assert readers and all(name.startswith("kiosk-worker") for name in readers)


def test_callbacks_run_on_the_gui_thread_and_skip_dead_widgets(runner, qtbot):
    gui = threading.current_thread()
    seen: list[tuple[str, bool]] = []
    alive, dead = QObject(), QObject()

    runner.run_task(
        lambda store: threading.current_thread().name,
        lambda name: seen.append((name, threading.current_thread() is gui)),
        context=alive,
    )
    runner.run_task(lambda store: 1, lambda _v: seen.append(("dead", True)), context=dead)
    dead.deleteLater()
    qtbot.waitUntil(lambda: runner.pending == 0)

    assert seen == [("kiosk-store", True)]


def test_unhandled_errors_reach_the_failed_signal(runner, qtbot):
    with qtbot.waitSignal(runner.failed) as failure:
        runner.run_task(lambda store: 1 / 0)
    assert isinstance(failure.args[0], ZeroDivisionError)
