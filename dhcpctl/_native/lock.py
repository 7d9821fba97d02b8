"""The one lock around ISC's library, and the work that waits for it.

ISC's library keeps global state (its dispatcher and I/O list) and is not thread-safe, so
every call into it holds this module's lock (:func:`locked`). The GIL is released during each C
call (cffi does so in API and ABI mode), so other Python threads run while a wait blocks; their
dhcpctl calls wait for the lock. The lock is fair (first come, first served: an untimed wait
that runs in slices hands it over between two), and a timed call waits for it no longer than
its deadline (then ``ISC_R_TIMEDOUT``): a timed call returns in time even while another
thread's connect or wait is inside C.

Two kinds of work are deferred:

- Handles and data strings dropped by Python are queued by their finalizers (:func:`bury`) and
  dereferenced by the next call that holds the lock: a finalizer may run in any thread, at any
  time, also while the lock is held.
- Callbacks set with ``dhcpctl_set_callback`` run when the C call that read their reply has
  returned, outside the lock (:func:`call_after_release`), so they may call dhcpctl functions.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from dhcpctl._callback import run_callback
from dhcpctl._errors import DhcpctlError
from dhcpctl._results import ISC_R_TIMEDOUT

from .loader import c_data_string_dereference, c_object_dereference, ffi, lib
from .preamble import dropped

if TYPE_CHECKING:
    from .handles import Handle


class _FairLock:
    """A lock taken in the order it was asked for, with a deadline (``time.monotonic()``)."""

    def __init__(self) -> None:
        # Reentrant: a finalizer (bury) may run in this thread while the state is updated.
        self._state = threading.Condition(threading.RLock())
        self._held = False
        self._queue: deque[object] = deque()

    def acquire(self, blocking: bool = True, deadline: float | None = None) -> bool:
        with self._state:
            if not self._held and not self._queue:
                self._held = True
                return True
            if not blocking:
                return False
            ticket = object()
            self._queue.append(ticket)
            acquired = False
            try:
                while self._held or self._queue[0] is not ticket:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._state.wait(remaining)
                self._held = acquired = True
                return True
            finally:
                self._queue.remove(ticket)
                if not acquired:  # the next in line may go now
                    self._state.notify_all()

    def release(self) -> None:
        with self._state:
            self._held = False
            self._state.notify_all()


_lock = _FairLock()
#: Cells whose Python owner is gone: ``(cell, kind)`` to dereference under the lock.
_graveyard: list[tuple[Any, str]] = []
#: Callbacks that fired during a C call: run once the lock is released.
_fired: list[tuple[Handle, int]] = []


@contextmanager
def locked(function: str = "", deadline: float | None = None) -> Iterator[None]:
    """Hold the library lock; run the callbacks that fired once it is released.

    ``deadline`` (``time.monotonic()`` seconds): a timed call's; if another thread still holds
    the lock then, :class:`DhcpctlError` ``ISC_R_TIMEDOUT`` (naming ``function``).
    """
    if not _lock.acquire(deadline=deadline):
        raise DhcpctlError(function, ISC_R_TIMEDOUT, "ISC's library was busy with another call")
    try:
        _drain()
        yield
        fired = _fired[:]
        del _fired[:]
    finally:
        _lock.release()
    for handle, status in fired:
        if handle.callback is not None:
            callback, data = handle.callback
            run_callback(callback, handle, status, data)


def call_after_release(handle: Handle, status: int, times: int) -> None:
    """Queue ``times`` calls of ``handle``'s callback (call with the lock held)."""
    _fired.extend([(handle, status)] * times)


def bury(cell: Any, kind: str) -> None:
    """Finalizer of every cell: queue it, dereference now only if the lock is free."""
    _graveyard.append((cell, kind))
    if _lock.acquire(blocking=False):
        try:
            _drain()
        finally:
            _lock.release()


def _drain() -> None:
    """Dereference the queued cells (the caller holds the lock)."""
    while _graveyard:
        cell, kind = _graveyard.pop()
        if cell[0] == ffi.NULL:
            continue
        if kind == "data string":
            c_data_string_dereference(cell)
            continue
        if kind == "connection" and not dropped(cell[0]):
            lib.dhcpctl_disconnect(cell, 1)
        if cell[0] != ffi.NULL:
            c_object_dereference(cell)
