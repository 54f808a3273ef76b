"""Navigation requests between pages: a page asks for another by key, the window obeys.

Pages never hold each other; they call ``router.go("product_editor", product_id=...)``
and the main window shows the page registered under that key, calling its ``enter``.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal


class Page(Protocol):
    """What a page offers the main window: ``enter`` is called each time it is shown."""

    def enter(self, params: dict[str, Any]) -> None: ...


class Router(QObject):
    """Emits ``requested(key, params)``; remembers where to go back to."""

    requested = Signal(str, dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._history: list[tuple[str, dict[str, Any]]] = []

    @property
    def current(self) -> str | None:
        return self._history[-1][0] if self._history else None

    def go(self, key: str, **params: Any) -> None:
        self._history.append((key, params))
        del self._history[:-20]
        self.requested.emit(key, params)

    def back(self, fallback: str = "dashboard") -> None:
        """Return to the page shown before this one (or ``fallback``)."""
        if self._history:
            self._history.pop()
        if self._history:
            key, params = self._history.pop()
            self.go(key, **params)
        else:
            self.go(fallback)

    def reset(self) -> None:
        self._history.clear()
