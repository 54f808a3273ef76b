"""Screenshots of every kiosk screen in Bahasa Indonesia at 1366×768, into docs/screenshots/.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Runs itself under ``xvfb-run`` (a real X server, so dialogs and the whole screen can be
captured), on a fresh demo data folder: the demo regions, merchants and products of
``kiosk-app demo``, a few generated product photos and a technician account, enrolled
to a real kiosk_server on loopback (reached through tests/support/linksim.py's "vsat" link, so
photo uploads are caught on the way) with one conflict made by a second kiosk. The data
is loaded before the kiosk is enrolled for Kabupaten Malang, so the demo merchant in
Manggarai is refused by the server, as on a kiosk used offline first. Then it drives
the real screens the way an operator would and grabs the screen after each step. The
first-run screens are taken on a second, empty data folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1366, 768)
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
PHOTOS = {  # demo product id -> (colour, label)
    "0193a000-0000-7000-8000-000000000101": ((92, 58, 33), "KOPI ROBUSTA"),
    "0193a000-0000-7000-8000-000000000102": ((60, 40, 30), "KOPI LUWAK"),
    "0193a000-0000-7000-8000-000000000201": ((196, 120, 40), "KERIPIK PEDAS"),
    "0193a000-0000-7000-8000-000000000202": ((214, 170, 80), "KERIPIK ORIGINAL"),
    "0193a000-0000-7000-8000-000000000301": ((150, 30, 50), "TENUN SONGKE"),
}


def demo_photo(colour: tuple[int, int, int], label: str, portrait: bool = False) -> bytes:
    """A simple generated product photo: a coloured package with its name on it."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    size = (900, 1200) if portrait else (1200, 900)
    image = Image.new("RGB", size, (236, 232, 222))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rounded_rectangle([w * 0.22, h * 0.14, w * 0.78, h * 0.86], 40, fill=colour)
    draw.rectangle([w * 0.22, h * 0.40, w * 0.78, h * 0.60], fill=(250, 246, 236))
    font = ImageFont.truetype(str(FONT), 54) if FONT.exists() else ImageFont.load_default()
    draw.text((w / 2, h / 2), label, fill=colour, font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def prepare_data(data: Path) -> None:
    """Demo catalog (as ``kiosk-app demo``), product photos and a technician account."""
    from kiosk_app.cli import main as cli
    from kiosk_app.media.blobs import BlobStore
    from kiosk_app.media.pipeline import process_photo
    from kiosk_app.paths import resolve_paths
    from kiosk_app.store import operators, photos
    from kiosk_app.store.store import Store

    if cli(["demo", "--data-dir", str(data)]) != 0:
        raise SystemExit("demo data failed to load")
    paths = resolve_paths(data)
    store = Store.open(paths.database)
    try:
        blobs = BlobStore(paths.blobs)
        for product_id, (colour, label) in PHOTOS.items():
            photos.add_photo(store, product_id, process_photo(demo_photo(colour, label)), blobs)
        operators.create_operator(store, "Teknisi Desa", "123456", "technician")
        operators.create_operator(store, "Ani Operator", "1234", "operator")
    finally:
        store.close()


def connect_to_server(data: Path, server_dir: Path) -> tuple[object, object]:
    """Enroll the demo kiosk, deliver its data, then leave a conflict and a new photo.

    Returns the running (server, link) so the app syncs over the simulated link.
    """
    from kiosk_app.media.blobs import BlobStore
    from kiosk_app.paths import resolve_paths
    from kiosk_app.store.store import Store
    from kiosk_app.sync.device import enroll
    from kiosk_app.sync.engine import SyncEngine
    from tests.support.kiosk import Kiosk
    from tests.support.linksim import LinkSimulator
    from tests.support.live import LiveServer

    # The deployment's data controller, named in the consent text (persetujuan-v2).
    os.environ.setdefault("KIOSK_SERVER_CONTROLLER", "Dinas Kominfo Kabupaten Malang")
    os.environ.setdefault("KIOSK_SERVER_CONTROLLER_CONTACT", "etalase@malangkab.go.id")
    server = LiveServer(server_dir).start()
    link = LinkSimulator("vsat", target=("127.0.0.1", server.port), seed=1).start()
    paths = resolve_paths(data)
    store = Store.open(paths.database)
    other = Kiosk(server_dir.parent / "kiosk-b")
    try:
        blobs = BlobStore(paths.blobs)
        device = enroll(store, link.url, server.enroll_code("35.07"), "kios-demo")
        direct = type(device)(server.url, device.device_id, device.token, device.region)
        engine = SyncEngine(lambda fn, *a: fn(store, *a), direct.client(), blobs)
        assert engine.sync_once().ok
        other.enroll(server.url, server.enroll_code("35.07"), "kios-tetangga")
        assert other.sync().ok
        merchant = "0193a000-0000-7000-8000-000000000001"
        store.update("merchant", merchant, {"address": "Dusun Krajan RT 02 RW 01"})
        other.store.update("merchant", merchant, {"address": "Jl. Raya Ternyang No. 7"})
        assert other.sync().ok
        assert engine.sync_once().ok  # ours was older: the server's value stays, ours is kept
        store.update("product", "0193a000-0000-7000-8000-000000000201", {"price": 17000})
        engine.client.close()
    finally:
        other.close()
        store.close()
    return server, link


def shoot_first_run(out: Path, data: Path) -> list[Path]:
    """The first run on an empty kiosk: the language, then server or offline."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtGui import QGuiApplication

    from kiosk_app.paths import resolve_paths
    from kiosk_app.ui.app import KioskApp, create_qt_app

    qt_app = create_qt_app(["screenshots"])
    kiosk = KioskApp(qt_app, resolve_paths(data))
    kiosk.window.setGeometry(0, 0, *SIZE)
    kiosk.start()
    saved: list[Path] = []

    def grab(name: str) -> None:
        loop = QEventLoop()
        QTimer.singleShot(700, loop.quit)
        loop.exec()
        path = out / f"{name}.png"
        QGuiApplication.primaryScreen().grabWindow(0).save(str(path))
        saved.append(path)
        print(path.relative_to(ROOT))

    page = kiosk.window.page("first_run")
    grab("00-mulai-bahasa")
    page.choose_language("id")
    grab("00-mulai-server")  # typed in below, then shown again
    page.server_edit.setText("https://etalase.kab-malang.go.id")
    page.code_edit.setText("K7QM-29XD")
    grab("00-mulai-server")
    saved.pop()
    kiosk.window.hide()
    kiosk.close()
    qt_app.removeEventFilter(kiosk.session)
    return saved


def add_new_photo(store: object, blobs: object) -> None:
    """A phone-like photo of the Kopi Luwak package, through the photo pipeline."""
    from kiosk_app.media.pipeline import process_photo
    from kiosk_app.store import photos
    from tests.media.media_samples import photo_like, to_bytes

    source = to_bytes(photo_like((3000, 2250), seed=11), "JPEG", quality=90)
    product = "0193a000-0000-7000-8000-000000000102"
    photos.add_photo(store, product, process_photo(source), blobs)  # type: ignore[arg-type]


def uploading(sync_page: object) -> bool:
    """Whether a photo upload on the sync screen is on its way (busy or part way)."""
    queue = sync_page.queue  # type: ignore[attr-defined]
    bars = [queue.cellWidget(r, 1) for r in range(queue.rowCount())]
    return any(b is not None and (b.maximum() == 0 or 0 < b.value() < b.maximum()) for b in bars)


def shoot(out: Path, data: Path) -> list[Path]:
    """Drive the screens and save one PNG per step (runs inside the X server)."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QPushButton

    from kiosk_app.paths import resolve_paths
    from kiosk_app.ui.app import KioskApp, create_qt_app
    from kiosk_app.ui.widgets.camera import CameraDialog, attach_test_pattern

    qt_app = create_qt_app(["screenshots"])
    kiosk = KioskApp(qt_app, resolve_paths(data))
    window = kiosk.window
    window.setGeometry(0, 0, *SIZE)
    kiosk.start()
    saved: list[Path] = []

    def settle(ms: int = 600) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()
        while kiosk.runner.pending:
            QTimer.singleShot(50, loop.quit)
            loop.exec()

    def grab(name: str) -> None:
        settle()
        path = out / f"{name}.png"
        QGuiApplication.primaryScreen().grabWindow(0).save(str(path))
        saved.append(path)
        print(path.relative_to(ROOT))

    def button(name: str) -> QPushButton:
        found = window.findChild(QPushButton, name)
        assert found is not None, name
        return found

    def answer_when_asked(box_name: str, answer: str, shot: str) -> None:
        """Grab the modal question once it shows, then press ``answer`` in it."""

        def look() -> None:
            box = QApplication.activeModalWidget()
            if box is None or box.objectName() != box_name:
                QTimer.singleShot(100, look)
                return
            grab(shot)
            box.findChild(QPushButton, answer).click()

        QTimer.singleShot(100, look)

    login = window.page("login")
    settle()
    login.operator_list.setCurrentRow(1)  # by name: Ani Operator, Teknisi Desa
    login.pin_edit.setText("123456")
    grab("01-masuk")
    login.submit()
    grab("02-beranda")

    kiosk.router.go("merchants")
    grab("03-penjual")
    merchants = window.page("merchants")
    merchants.search.setText("kopi")
    merchants._apply_search()
    grab("04-penjual-cari")

    kiosk.router.go("merchant_form")
    grab("05-persetujuan")
    form = window.page("merchant_form")
    form.consent.read_check.setChecked(True)
    form.consent.agree_button.click()
    form.edits["business_name"].setText("Madu Hutan Pak Karto")
    form.edits["owner_name"].setText("Karto")
    form.edits["phone"].setText("0812 3")
    form.village.edit.setText("Ternyang")
    form.village._search()
    grab("06-daftar-penjual-desa")
    form.save()
    grab("07-daftar-penjual-salah")
    form.discard_changes()  # leave the half-filled form without the question

    kiosk.router.go("merchant_form", merchant_id="0193a000-0000-7000-8000-000000000001")
    grab("08-penjual-ubah")
    # The demo merchants agreed to persetujuan-v1: the new text is offered at this visit
    form.record_consent.click()
    grab("20-persetujuan-baru")
    form.consent.decline_button.click()  # declined: persetujuan-v1 stays
    settle()
    # An address changed, then "Beranda" in the side bar: the unsaved-changes question
    form.edits["address"].setText("Dusun Krajan RT 05 RW 02")
    answer_when_asked("unsavedBox", "unsavedDiscard", "18-belum-disimpan")
    button("nav_dashboard").click()
    settle()
    # The merchant the server refused (outside the kiosk's region), on its own screen
    kiosk.router.go("merchant_form", merchant_id="0193a000-0000-7000-8000-000000000003")
    grab("19-penjual-ditolak")
    shoot_share(kiosk, out, grab, settle)

    kiosk.router.go("products")
    grab("09-produk")
    kiosk.router.go("product_editor", product_id="0193a000-0000-7000-8000-000000000101")
    settle()
    editor = window.page("product_editor")
    extra = out.parent / "demo-extra-photo.jpg"
    extra.write_bytes(demo_photo((92, 58, 33), "250 g", portrait=True))
    editor.photos.add_photo_files([str(extra)])
    settle(1500)
    extra.unlink()
    editor.photos.strip.list.setCurrentRow(1)
    grab("10-produk-ubah")

    editor.photos.has_camera = lambda: True
    editor.photos.camera_source = attach_test_pattern
    editor.photos.strip.camera.click()
    settle(800)
    dialog = QApplication.activeModalWidget()
    grab("11-kamera")
    if isinstance(dialog, CameraDialog):
        dialog.capture_button.click()
        settle(800)
        grab("12-kamera-hasil")
        dialog.reject()
    editor.discard_changes()  # the photos added for the screenshots are not saved

    kiosk.router.go("product_editor")
    grab("13-produk-baru")
    kiosk.router.go("settings")
    grab("14-pengaturan")
    # A new photo just saved: over the "vsat" link its upload takes a few seconds.
    kiosk.store_thread.call(add_new_photo, kiosk.blobs)
    kiosk.sync.local_change()
    kiosk.router.go("sync")
    sync_page = window.page("sync")
    loop = QEventLoop()
    # Over the "vsat" link, catch the new photo on its way up.
    for _ in range(600):
        if uploading(sync_page):
            break
        QTimer.singleShot(100, loop.quit)
        loop.exec()
    grab("16-sinkron")
    for _ in range(1200):
        if not kiosk.sync.syncing and sync_page.queue.rowCount() == 0:
            break
        QTimer.singleShot(100, loop.quit)
        loop.exec()
    grab("17-sinkron-konflik")
    button("lockButton").click()
    grab("15-terkunci")
    window.hide()
    kiosk.close()
    return saved


def shoot_share(kiosk: Any, out: Path, grab: Any, settle: Any) -> None:
    """Bagikan on a merchant: the dialog, the WhatsApp Business catalog guide, and the
    first page of the A4 price list (the PDF rendered to PNG by pdftoppm)."""
    from PySide6.QtWidgets import QApplication

    kiosk.router.go("merchant_form", merchant_id="0193a000-0000-7000-8000-000000000001")
    settle()
    kiosk.window.page("merchant_form").share_button.click()
    settle(800)
    dialog = QApplication.activeModalWidget()
    grab("20-bagikan")
    dialog.guide_button.click()
    grab("21-bagikan-katalog-whatsapp")
    dialog.guide.accept()
    folder = Path(tempfile.mkdtemp(prefix="etalase-price-list-"))
    dialog._folder, dialog._open_files = folder, False
    dialog.price_list_button.click()
    settle(1500)
    pdf = dialog.saved[-1]
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", "1", "-l", "1", str(pdf),
         str(out / "22-daftar-harga")],
        check=True,
    )  # fmt: skip
    print((out / "22-daftar-harga.png").relative_to(ROOT))
    shutil.rmtree(folder)
    dialog.accept()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    if not args.inside:
        if shutil.which("xvfb-run") is None:
            raise SystemExit("xvfb-run not found: install the xvfb package")
        command = [
            "xvfb-run", "--auto-servernum",
            f"--server-args=-screen 0 {SIZE[0]}x{SIZE[1]}x24",
            sys.executable, __file__, "--inside", "--out", str(out),
        ]  # fmt: skip
        env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
        env.pop("KIOSK_DATA_DIR", None)
        return subprocess.run(command, env=env, check=False).returncode
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="etalase-shots-") as folder:
        shoot_first_run(out, Path(folder) / "fresh")
        data = Path(folder) / "kiosk"
        prepare_data(data)
        server, link = connect_to_server(data, Path(folder) / "server")
        try:
            shoot(out, data)
        finally:
            link.stop()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
