"""Languages of the screens: source strings are English, ``id`` (the default) is a .qm file.

Messages that come from lower layers (validation, store, photo errors) already carry
Bahasa Indonesia and English; ``pick`` chooses the one for the current language. Qt's
own dialogs (the file chooser, a text field's menu) load Qt's translation of the language
(``qtbase_<lang>.qm`` beside Qt), or ours when Qt has none (Indonesian:
``resources/translations/qtbase_id.qm``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from kiosk_app.domain import records

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"
TRANSLATIONS = RESOURCES / "translations"
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
_current = DEFAULT_LANGUAGE
_qt_translator: QTranslator | None = None


def translation_file(lang: str, suffix: str = ".qm") -> Path:
    return TRANSLATIONS / f"etalase_{lang}{suffix}"


def install_language(app: QCoreApplication, lang: str, previous: QTranslator | None) -> QTranslator:
    """Swap the app's translator for ``lang``; returns the one now installed."""
    global _current
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    if previous is not None:
        app.removeTranslator(previous)
    translator = QTranslator(app)
    path = translation_file(lang)
    if translator.load(str(path)):
        app.installTranslator(translator)
    else:
        log.warning("translation %s not found; run scripts/build_translations.py", path)
    _install_qt_translation(app, lang)
    QLocale.setDefault(QLocale(QLocale.Language.Indonesian if lang == "id" else lang))
    _current = lang
    return translator


def qt_translation_file(lang: str) -> Path | None:
    """Qt's own translation of its dialogs for ``lang``, else ours, else None."""
    qt_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    for path in (qt_dir / f"qtbase_{lang}.qm", TRANSLATIONS / f"qtbase_{lang}.qm"):
        if path.is_file():
            return path
    return None


def _install_qt_translation(app: QCoreApplication, lang: str) -> None:
    global _qt_translator
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    path = qt_translation_file(lang)
    translator = QTranslator(app)
    if path is not None and translator.load(str(path)):
        app.installTranslator(translator)
        _qt_translator = translator
    else:
        log.warning("no translation of Qt's dialogs for %s", lang)


def current_language() -> str:
    return _current


def pick(message_id: str, message_en: str) -> str:
    """The message in the current language."""
    return message_id if _current == "id" else message_en


def field_label(entity: str, field: str) -> str:
    """A record field's name as the operator knows it (``records``), in the current
    language: the one label forms, conflict cards and messages share."""
    return pick(*records.field_label(entity, field))
