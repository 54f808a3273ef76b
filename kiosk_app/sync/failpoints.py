"""Failpoints: named places in the sync path where a test run can make the process die.

A power cut can stop the kiosk at any instruction; the crash tests stop it at the places
that matter, on purpose, many times over. Each place calls ``hit(name)``. Unarmed (every
real run) that is one function call that finds nothing to do.

Armed in two ways only:

- the environment of a ``kiosk-app`` process a test starts (``cli.main`` calls ``load``)::

      KIOSK_FAILPOINTS="sync.after_commit=kill@2"   # die the 2nd time it gets there
      KIOSK_FAILPOINTS_TRACE=/tmp/trace              # append each name hit, one a line

  ``kill`` ends the process at once, as a power cut would: SIGKILL on POSIX (no
  ``finally``, no atexit, no flush), ``os._exit`` on Windows, which has no SIGKILL. The
  trace lets a test that kills at a random moment tell where the kill landed;

- ``arm(name, action)`` in a test's own process, where ``action`` is any callable (raise
  an exception standing for the cut, or record something), undone by ``disarm()``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NoReturn

ENV = "KIOSK_FAILPOINTS"
TRACE_ENV = "KIOSK_FAILPOINTS_TRACE"
KILL = "kill"
# How a killed process ends on Windows; on POSIX the parent sees -SIGKILL.
KILLED_EXIT = 137

# The places, in the order a sync reaches them.
BEFORE_REQUEST = "sync.before_request"  # the batch is read, nothing sent yet
AFTER_COMMIT = "sync.after_commit"  # the server committed and answered; nothing read yet
BETWEEN_PARTS = "sync.between_parts"  # a part of the pull applied, the next not yet
MID_CHUNK = "upload.mid_chunk"  # part of an upload request's body is on its way
BEFORE_RECORD = "upload.before_record"  # the server holds the whole blob; not noted here
MID_EXPORT = "bundle.mid_export"  # a bundle is half written (manifest, some photos)
POINTS = (BEFORE_REQUEST, AFTER_COMMIT, BETWEEN_PARTS, MID_CHUNK, BEFORE_RECORD, MID_EXPORT)


class FailpointError(ValueError):
    """``KIOSK_FAILPOINTS`` names a place that does not exist or an unknown action."""


@dataclass
class _Armed:
    action: Callable[[], None]
    at: int = 1  # act on this hit (1: the first)
    hits: int = 0


_lock = threading.Lock()
_armed: dict[str, _Armed] = {}
_trace: int | None = None  # file descriptor of the trace, when tracing


def kill_self() -> NoReturn:
    """End this process now, like a power cut: nothing after this line runs."""
    if sys.platform == "win32":
        os._exit(KILLED_EXIT)
    os.kill(os.getpid(), signal.SIGKILL)
    os._exit(KILLED_EXIT)  # not reached: SIGKILL cannot be caught


def hit(name: str) -> None:
    """The sync path passes the place ``name``: act if a test armed it."""
    if not _armed and _trace is None:
        return
    with _lock:
        if _trace is not None:
            os.write(_trace, f"{name}\n".encode())
        armed = _armed.get(name)
        if armed is None:
            return
        armed.hits += 1
        if armed.hits != armed.at:
            return
    armed.action()


def arm(name: str, action: Callable[[], None] | str = KILL, at: int = 1) -> None:
    """Make the ``at``-th hit of ``name`` (from now) run ``action`` (``"kill"``: die)."""
    if name not in POINTS:
        raise FailpointError(f"unknown failpoint {name!r}; known: {', '.join(POINTS)}")
    if at < 1:
        raise FailpointError(f"failpoint {name}: the hit to act on counts from 1, not {at}")
    if isinstance(action, str):
        if action != KILL:
            raise FailpointError(f"failpoint {name}: unknown action {action!r}")
        action = kill_self
    with _lock:
        _armed[name] = _Armed(action, at)


def disarm() -> None:
    """Forget every armed failpoint and stop tracing."""
    global _trace
    with _lock:
        _armed.clear()
        if _trace is not None:
            os.close(_trace)
            _trace = None


def load(environ: Mapping[str, str]) -> None:
    """Arm what ``KIOSK_FAILPOINTS`` says and trace to ``KIOSK_FAILPOINTS_TRACE``."""
    global _trace
    for item in filter(None, (p.strip() for p in environ.get(ENV, "").split(","))):
        name, _, spec = item.partition("=")
        action, _, at = (spec or KILL).partition("@")
        if at and not at.isdigit():
            raise FailpointError(f"{ENV}: {item!r}: the hit after @ must be a number")
        arm(name.strip(), action.strip(), int(at) if at else 1)
    path = environ.get(TRACE_ENV)
    if path:
        with _lock:
            _trace = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
