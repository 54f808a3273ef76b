"""``kiosk-app support-bundle PATH``: logs and the doctor report in one zip, redacted.

What a developer far away needs to understand a kiosk's trouble, with personal data
taken out first (see ``redact``): the rotated logs, the doctor report as text and JSON,
and a manifest saying what was redacted. Nothing from the database itself is included.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk_app import __version__
from kiosk_app.logs import LOG_NAME
from kiosk_app.paths import KioskPaths
from kiosk_app.technician.doctor import DoctorReport, open_read_only, render_json, render_text
from kiosk_app.technician.redact import Redactor

NAME_QUERIES = (
    "SELECT owner_name FROM merchant",
    "SELECT consent_operator FROM merchant",
    "SELECT name FROM operator",
)
SECRET_SETTINGS = ("server.token",)


@dataclass(frozen=True)
class SupportBundle:
    path: Path
    files: list[str]


def _personal_strings(database: Path) -> tuple[list[str], list[str]]:
    """Names and secrets this kiosk holds, read-only; a damaged database gives what it can."""
    names: list[str] = []
    secrets: list[str] = []
    if not database.exists():
        return names, secrets
    try:
        conn = open_read_only(database)
    except sqlite3.Error:
        return names, secrets
    try:
        for sql in NAME_QUERIES:
            try:
                names += [str(r[0]) for r in conn.execute(sql) if r[0]]
            except sqlite3.Error:
                continue
        for key in SECRET_SETTINGS:
            try:
                row = conn.execute("SELECT value FROM setting WHERE key = ?", [key]).fetchone()
            except sqlite3.Error:
                continue
            if row and row[0]:
                secrets.append(str(row[0]))
    finally:
        conn.close()
    # Each part of a name too ("Sri Wahyuni" -> "Wahyuni"), as logs may hold either.
    parts = [p for n in names for p in n.split() if len(p) >= 4]
    return sorted(set(names + parts)), secrets


def _home_hidden(text: str) -> str:
    home = str(Path.home())
    return text.replace(home, "~") if len(home) > 1 else text


def write_support_bundle(paths: KioskPaths, report: DoctorReport, target: Path) -> SupportBundle:
    """Write the zip at ``target`` (a folder gets a dated file name inside it)."""
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = target / f"etalase-desa-dukungan-{stamp}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    names, secrets = _personal_strings(paths.database)
    redactor = Redactor(names=names, secrets=secrets)

    def clean(text: str) -> str:
        return _home_hidden(redactor.redact(text))

    files: list[str] = []
    partial = target.with_name(target.name + ".partial")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("doctor.txt", clean(render_text(report, "both")))
            archive.writestr("doctor.json", clean(render_json(report)))
            files += ["doctor.txt", "doctor.json"]
            logs = sorted(paths.logs.glob(f"{LOG_NAME}*")) if paths.logs.is_dir() else []
            for log in logs:
                text = log.read_text(encoding="utf-8", errors="replace")
                archive.writestr(f"logs/{log.name}", clean(text))
                files.append(f"logs/{log.name}")
            manifest = {
                "app_version": __version__,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "files": files,
                "redacted": "phone numbers, e-mail, NIK/NPWP-like numbers, tokens, owner and "
                "operator names, personal fields, the home folder",
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return SupportBundle(target, files)
