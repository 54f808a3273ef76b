"""``kiosk-app support-bundle PATH``: logs and the doctor report in one zip, redacted.

What a developer far away needs to understand a kiosk's trouble, with personal data
taken out first (see ``redact``): the rotated logs, the doctor report as text and JSON,
and a manifest saying what was redacted. Nothing from the database itself is included.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk_app import __version__
from kiosk_app.logs import LOG_NAME
from kiosk_app.paths import KioskPaths
from kiosk_app.store.readonly import personal_values
from kiosk_app.technician.doctor import DoctorReport, render_json, render_text
from kiosk_app.technician.redact import Redactor


@dataclass(frozen=True)
class SupportBundle:
    path: Path
    files: list[str]


def _home_hidden(text: str) -> str:
    home = str(Path.home())
    return text.replace(home, "~") if len(home) > 1 else text


def write_support_bundle(paths: KioskPaths, report: DoctorReport, target: Path) -> SupportBundle:
    """Write the zip at ``target`` (a folder gets a dated file name inside it)."""
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = target / f"etalase-desa-dukungan-{stamp}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    personal = personal_values(paths.database)
    redactor = Redactor(texts=personal.texts, numbers=personal.numbers, secrets=personal.secrets)

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
                "redacted": "every merchant's personal fields (business and owner names, "
                "phone, address, e-mail, NIB, NPWP, P-IRT, halal certificate, consent "
                "operator) in any form, operator names, phone/e-mail/identity-number/"
                "address patterns, tokens and keys, the home folder",
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return SupportBundle(target, files)
