"""Navigation requests between pages: a page asks for another by key, the window obeys.

Pages never hold each other; they call ``router.go("product_editor", product_id=...)``
and the main window shows the page registered under that key, calling its ``enter``.
A guard (the main window's) may hold a navigation back: it is given the step as a
callable and either lets it happen now (returns True) or runs it later itself, once
the page being left has saved its changes, or never (the person chose to stay).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

Step = Callable[[], None]
Guard = Callable[[Step], bool]


class Page(Protocol):
    """What a page offers the main window: ``enter`` is called each time it is shown."""

    def enter(self, params: dict[str, Any]) -> None: ...


class Router(QObject):
    """Emits ``requested(key, params)``; remembers where to go back to."""

    requested = Signal(str, dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._history: list[tuple[str, dict[str, Any]]] = []
        self._guard: Guard | None = None

    @property
    def current(self) -> str | None:
        return self._history[-1][0] if self._history else None

    def set_guard(self, guard: Guard | None) -> None:
        self._guard = guard

    def _guarded(self, step: Step) -> None:
        if self._guard is None or self._guard(step):
            step()

    def _show(self, key: str, params: dict[str, Any]) -> None:
        self._history.append((key, params))
        del self._history[:-20]
        self.requested.emit(key, params)

    def go(self, key: str, **params: Any) -> None:
        self._guarded(lambda: self._show(key, params))

    def back(self, fallback: str = "dashboard") -> None:
        """Return to the page shown before this one (or ``fallback``)."""

        def step() -> None:
            if self._history:
                self._history.pop()
            if self._history:
                self._show(*self._history.pop())
            else:
                self._show(fallback, {})

        self._guarded(step)

    def reset(self) -> None:
        self._history.clear()
