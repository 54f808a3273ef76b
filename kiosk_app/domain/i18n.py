"""Messages outside Qt (domain, technician, server) in Bahasa Indonesia and English.

Source texts are English, with ``{name}`` placeholders; the gettext catalogs in
``locale/<lang>/LC_MESSAGES/etalase.po`` (compiled to ``.mo``, shipped in the package)
carry Bahasa Indonesia and, for English, the identity. ``scripts/build_catalogs.py``
extracts every ``both``/``both_in``/``one_line``/``N_`` call and compiles the catalogs
(``text`` is for a msgid marked with ``N_`` elsewhere).

A placeholder's value may be a pair ``(Indonesian, English)`` (a ``records.Label``, a
number grouped each language's way): each language gets its own half.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "etalase"
LANGUAGES = ("id", "en")
_CONTEXT_SEPARATOR = "\x04"  # gettext's msgctxt glue


class CatalogMissing(RuntimeError):
    """A compiled catalog is not where the package puts it (a broken install)."""


def catalog_path(lang: str, suffix: str = ".mo") -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


@functools.cache
def _catalog(lang: str) -> Translations:
    path = catalog_path(lang)
    if not path.is_file():
        raise CatalogMissing(f"{path} is missing: run scripts/build_catalogs.py")
    with path.open("rb") as handle:
        return Translations(handle, domain=DOMAIN)


def N_(msgid: str) -> str:
    """Mark ``msgid`` for the catalogs without translating it here (a table of texts)."""
    return msgid


def _pick(value: Any, lang: str) -> Any:
    if isinstance(value, tuple) and len(value) == 2:
        return value[0] if lang == "id" else value[1]
    return value


def text(lang: str, msgid: str, context: str | None = None, **params: Any) -> str:
    """``msgid`` in ``lang`` (``id`` or ``en``), placeholders filled in."""
    if lang not in LANGUAGES:
        lang = "id"
    catalog = _catalog(lang)
    found = str(catalog.pgettext(context, msgid) if context else catalog.gettext(msgid))
    if not params:
        return found
    return found.format(**{k: _pick(v, lang) for k, v in params.items()})


def both(msgid: str, **params: Any) -> tuple[str, str]:
    """``(Bahasa Indonesia, English)`` of ``msgid``: what FieldError, findings and the
    server's messages carry."""
    return text("id", msgid, **params), text("en", msgid, **params)


def both_in(context: str, msgid: str, **params: Any) -> tuple[str, str]:
    """``both`` for an English text that needs two Indonesian wordings (``context``
    tells them apart)."""
    return text("id", msgid, context, **params), text("en", msgid, context, **params)


def one_line(msgid: str, **params: Any) -> str:
    """``Bahasa Indonesia (English)``: the server's way of giving both in one text."""
    message_id, message_en = both(msgid, **params)
    return message_id if message_id == message_en else f"{message_id} ({message_en})"
