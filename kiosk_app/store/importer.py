"""Import and export merchants and products in the shared vocabulary (DESIGN §3).

JSON lines carry a ``kind`` (``merchant`` / ``product``) and the fields; CSV files hold
one kind each (named by the file: ``merchants.csv`` / ``products.csv``, or a ``kind``
column). Import upserts by ``id``: a line sets only the fields it names. Each line is
applied on its own, so one bad line is reported and the rest still load.

A product line may name ``photos``: file paths (a JSON list, or ``a.jpg;b.jpg`` in CSV),
relative to the import file's folder, e.g. a merchant's photos on a flash drive. Every
photo of a line is processed before anything of that line is written, so a refused photo
(damaged, not a picture, a decompression bomb) leaves the line, and the store, untouched.
A photo already on the product (same image) is not added again, so re-importing a file
changes nothing.

Export writes the same shape. Given the blob folder, it also copies each product's
photos next to the data, ``photos/<sha256>.jpg`` with ``photos/<sha256>.thumb.jpg``, and
lists them in ``photos`` (relative paths, cover first): importing that export on another
kiosk (with ``media.exported.load_photo``) restores each photo with the same hashes.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.record_ids import is_uuid, uuid7
from kiosk_app.domain.records import ENTITIES, STOCK_FIELD
from kiosk_app.domain.text import from_spreadsheet, spreadsheet_safe
from kiosk_app.store.photos import BlobSink, ProcessedImage, add_photo
from kiosk_app.store.refusals import resend
from kiosk_app.store.store import NotFoundError, Store

# Turns a photo file into its images, raising ValueError (PhotoError) for a refused one.
PhotoLoader = Callable[[Path], ProcessedImage]

KINDS = ("merchant", "product")
EXPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "merchant": ("id", *[f for f in ENTITIES["merchant"].fields if f != "deleted"]),
    "product": (
        "id",
        *[f for f in ENTITIES["product"].fields if f != "deleted"],
        STOCK_FIELD,
    ),
}


PHOTO_FOLDER = "photos"
THUMB_SUFFIX = ".thumb.jpg"  # as ``media.exported`` reads them


class BlobSource(Protocol):
    """Where image bytes come from (``media.blobs.BlobStore``)."""

    def has(self, sha: str) -> bool: ...
    def read(self, sha: str) -> bytes: ...


@dataclass
class ExportReport:
    records: int = 0
    photos: int = 0  # photos written next to the data
    photos_missing: int = 0  # photos whose image is not on this kiosk (only pulled rows)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    photos: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if path.suffix.lower() == ".csv":
        default_kind = next((k for k in KINDS if path.stem.lower().startswith(k)), None)
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                record: dict[str, Any] = {
                    k: from_spreadsheet(v) for k, v in row.items() if k and v not in ("",)
                }
                record.setdefault("kind", default_kind)
                yield line, record
        return
    with path.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                yield line, {"__error__": f"not JSON ({exc.msg})"}
                continue
            yield line, value if isinstance(value, dict) else {"__error__": "not an object"}


def _photo_paths(value: Any, base: Path) -> list[Path]:
    if isinstance(value, str):
        value = [p for p in (part.strip() for part in value.split(";")) if p]
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise ValueError("photos must be a list of file paths")
    return [base / p for p in value]


def _load_photos(
    record: dict[str, Any], base: Path, loader: PhotoLoader | None
) -> list[ProcessedImage]:
    """Process every photo a line names, before anything is written; raises ValueError."""
    if "photos" not in record:
        return []
    paths = _photo_paths(record.pop("photos"), base)
    if paths and loader is None:
        raise ValueError("photos cannot be imported here")
    loaded = []
    for photo_path in paths:
        try:
            loaded.append(loader(photo_path))  # type: ignore[misc]
        except ValueError as exc:
            message = getattr(exc, "message_id", None) or str(exc)
            raise ValueError(f"foto {photo_path.name}: {message}") from exc
    return loaded


def _attach_photos(
    store: Store, product_id: str, loaded: list[ProcessedImage], blobs: BlobSink
) -> int:
    have = {
        r[0]
        for r in store.db.execute(
            "SELECT sha256 FROM photo WHERE product_id = ? AND deleted = 0", [product_id]
        )
    }
    added = 0
    for photo in loaded:
        if photo.sha256 not in have:
            add_photo(store, product_id, photo, blobs)
            have.add(photo.sha256)
            added += 1
    return added


def import_file(
    store: Store,
    path: Path,
    photo_loader: PhotoLoader | None = None,
    blobs: BlobSink | None = None,
) -> ImportReport:
    """Upsert every record in ``path``; report what happened line by line.

    ``photo_loader`` and ``blobs`` let product lines bring photos (see the module notes).
    """
    report = ImportReport()
    # A refused record saved again (a fixed file imported) is sent to the server again.
    refused = {
        (str(e), str(r))
        for e, r in store.db.execute("SELECT DISTINCT entity, row_id FROM sync_rejection")
    }
    for line, record in _records(path):
        if "__error__" in record:
            report.errors.append(f"line {line}: {record['__error__']}")
            continue
        kind = record.pop("kind", None)
        if kind not in KINDS:
            report.errors.append(f"line {line}: kind must be merchant or product")
            continue
        row_id = record.pop("id", None) or uuid7()
        if not is_uuid(row_id):
            report.errors.append(f"line {line}: id must be a UUID")
            continue
        record.pop("deleted", None)
        try:
            loaded = _load_photos(record, path.parent, photo_loader if kind == "product" else None)
        except ValueError as exc:
            report.errors.append(f"line {line}: {exc}")
            continue
        try:
            if store.get(kind, row_id) is None:
                store.create(kind, record, row_id=row_id)
                report.created += 1
            elif store.update(kind, row_id, record):
                report.updated += 1
            else:
                report.unchanged += 1
            if loaded and blobs is not None:
                report.photos += _attach_photos(store, row_id, loaded, blobs)
            if (kind, row_id) in refused:
                resend(store, kind, row_id)
        except ValidationError as exc:  # Bahasa Indonesia first, the English in brackets
            report.errors.append(f"line {line}: {exc.message('id')} ({exc})")
        except NotFoundError:
            report.errors.append(f"line {line}: {kind} {row_id} was deleted")
    return report


def export_records(store: Store, kind: str) -> Iterator[dict[str, Any]]:
    """Live records of one kind, in id order, with the export columns."""
    columns = EXPORT_FIELDS[kind]
    sql = f"SELECT {', '.join(columns)} FROM {kind} WHERE deleted = 0 ORDER BY id"
    yield from store.db.query(sql)


class _PhotoWriter:
    """Copies products' photos into ``<folder>/photos`` and names them for the data."""

    def __init__(self, store: Store, folder: Path, blobs: BlobSource, report: ExportReport):
        self.store, self.folder, self.blobs, self.report = store, folder, blobs, report

    def paths(self, product_id: str) -> list[str]:
        names: list[str] = []
        for sha, thumb in self.store.db.execute(
            "SELECT sha256, thumb_sha256 FROM photo WHERE product_id = ? AND deleted = 0 "
            "ORDER BY position",
            [product_id],
        ).fetchall():
            if not (sha and thumb and self.blobs.has(sha) and self.blobs.has(thumb)):
                self.report.photos_missing += 1
                continue
            target = self.folder / PHOTO_FOLDER
            target.mkdir(parents=True, exist_ok=True)
            for name, blob in ((f"{sha}.jpg", sha), (f"{sha}{THUMB_SUFFIX}", thumb)):
                if not (target / name).is_file():
                    (target / name).write_bytes(self.blobs.read(blob))
            names.append(f"{PHOTO_FOLDER}/{sha}.jpg")
            self.report.photos += 1
        return names


def _exported(store: Store, kind: str, photos: _PhotoWriter | None) -> Iterator[dict[str, Any]]:
    for row in export_records(store, kind):
        if photos is not None and kind == "product":
            row["photos"] = photos.paths(str(row["id"]))
        yield row


def export_jsonl(store: Store, path: Path, blobs: BlobSource | None = None) -> ExportReport:
    """Every live record as JSON lines; with ``blobs``, the photos beside the file."""
    report = ExportReport()
    photos = _PhotoWriter(store, path.parent, blobs, report) if blobs is not None else None
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for kind in KINDS:
            for row in _exported(store, kind, photos):
                handle.write(json.dumps({"kind": kind, **row}, ensure_ascii=False) + "\n")
                report.records += 1
    return report


def export_csv(store: Store, folder: Path, blobs: BlobSource | None = None) -> ExportReport:
    """``merchants.csv`` and ``products.csv`` in ``folder``; with ``blobs``, the photos
    too (``photos`` column: paths separated by ``;``)."""
    folder.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    photos = _PhotoWriter(store, folder, blobs, report) if blobs is not None else None
    for kind in KINDS:
        columns = list(EXPORT_FIELDS[kind])
        if photos is not None and kind == "product":
            columns.append("photos")
        with (folder / f"{kind}s.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in _exported(store, kind, photos):
                if "photos" in row:
                    row["photos"] = ";".join(row["photos"])
                # No cell a spreadsheet would run as a formula (``from_spreadsheet`` undoes it).
                writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
                report.records += 1
    return report
