"""The one lock around ISC's library, and the work that waits for it.

ISC's library keeps global state (its dispatcher and I/O list) and is not thread-safe, so
every call into it holds this module's lock (:func:`enter` and :func:`leave`, or
:func:`locked`). The GIL is released during each C call (cffi does so in API and ABI mode), so
other Python threads run while one blocks; their dhcpctl calls wait for the lock. A wait on a
reply holds it only for its steps, which never block, and sleeps without it (:mod:`.waking`):
what keeps the lock long is a connect (until it ends) and a wait on a connection handle (0.1 s
at a time). The lock is fair (first come, first served: a thread that gives it back and asks
again goes behind those waiting), and a timed call waits for it no longer than its deadline
(then ``ISC_R_TIMEDOUT``): a timed call returns in time even while another thread's connect is
inside C.

Two kinds of work are deferred:

- Handles and data strings dropped by Python are queued by their finalizers (:func:`bury`) and
  dereferenced by the next call that holds the lock: a finalizer may run in any thread, at any
  time, also while the lock is held. One whose C object was released explicitly (its cell holds
  NULL for good) costs nothing more.
- Callbacks set with ``dhcpctl_set_callback`` run when the C call that read their reply has
  returned, outside the lock (:func:`call_after_release`), so they may call dhcpctl functions;
  also when that call raises (its error then follows them).

What one call costs here, uncontended: the thread's ident, taking and giving back the lock
(see :class:`_FairLock`), no allocation, and a look at the two queues.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Final

from dhcpctl._callback import run_callback
from dhcpctl._errors import DhcpctlError
from dhcpctl._results import ISC_R_TIMEDOUT

from .calls import release
from .closing import close
from .loader import c_data_string_dereference, ffi

if TYPE_CHECKING:
    from .handles import Handle


class _FairLock:
    """A lock taken in the order it was asked for, with a deadline (``time.monotonic()``).

    ``_held`` says who has the library: ``{0: owner}``, the owner being the thread's
    :func:`threading.get_ident` (a finalizer's :meth:`try_acquire`: an object of its own), and
    empty while nobody has it. Taking the free lock is ``_held.setdefault(0, me) == me`` and
    giving it back ``del _held[0]``, each one operation the GIL makes atomic (half the
    instructions of ``threading.Lock.acquire(False)``, which parses its arguments as keywords,
    and ``release()``). Because the take writes who took it, a thread that an exception
    interrupts right after a take (Ctrl-C: a signal handler runs as a C call returns) can tell
    it holds the lock and give it back (see :func:`enter`). A thread that finds it taken queues
    a gate of its own (a locked :class:`threading.Lock`) with its ident and blocks on the gate;
    the release hands the lock straight to the first in the queue (it becomes the owner, then
    its gate opens), so a thread that releases and asks again (a wait between two of its
    steps) goes behind the others. The queue is changed under ``_mutex``, held only for a few
    bytecodes and never blockingly by :meth:`try_acquire`, which finalizers call from any
    thread, also from inside this class.

    A release that finds no queue frees the lock and then looks again: a thread queues first
    and then tries the lock, so one of the two sees the other (nobody waits at a free lock).
    """

    def __init__(self) -> None:
        #: The owner, while the lock is held (see the class docstring).
        self._held: dict[int, object] = {}
        self._mutex = threading.Lock()
        #: The gates of the threads waiting, with their idents, first come first.
        self._queue: deque[tuple[threading.Lock, int]] = deque()

    def acquire(self, deadline: float | None = None) -> bool:
        """Take the lock; False if ``deadline`` passed first. Ctrl-C interrupts the wait."""
        me = threading.get_ident()
        if not self._queue and self._held.setdefault(0, me) == me:
            return True
        if self._held.get(0) == me:  # its give-back skipped by an exception (see enter)
            return True
        gate = threading.Lock()
        gate.acquire()
        entry = (gate, me)
        with self._mutex:
            self._queue.append(entry)
            # Only the first in the queue may take a lock freed meanwhile: the others are
            # handed it in turn (first come, first served).
            if self._queue[0] is entry and self._held.setdefault(0, me) == me:
                self._queue.popleft()
                return True
        timeout = -1.0 if deadline is None else max(deadline - time.monotonic(), 0.0)
        try:
            handed = gate.acquire(timeout=timeout)
        except BaseException:  # Ctrl-C
            if not self._leave(entry):
                self.release()  # handed over meanwhile: pass it on
            raise
        return handed or not self._leave(entry)

    def _leave(self, entry: tuple[threading.Lock, int]) -> bool:
        """Take ``entry`` out of the queue; False if the lock was handed to it already."""
        with self._mutex:
            if entry in self._queue:
                self._queue.remove(entry)
                return True
            return False

    def try_acquire(self, owner: object = None) -> bool:
        """Take the lock as ``owner`` (an object of the caller's own, never a thread's
        ident: a finalizer may run where its thread holds the lock; None: a new one) if it
        is free at once; never blocks.

        False also while the queue is being changed (``_mutex`` held): a finalizer may run
        inside this class's own code, in the thread that holds ``_mutex``, and the
        :meth:`release` after a successful try may wait for ``_mutex``.
        """
        if not self._mutex.acquire(False):
            return False
        try:
            mine = object() if owner is None else owner
            return self._held.setdefault(0, mine) is mine
        finally:
            self._mutex.release()

    def release(self) -> None:
        if not self._queue:
            del self._held[0]
            if self._queue:
                self.pass_on()
            return
        with self._mutex:
            if self._queue:
                self._hand_over()
            else:
                del self._held[0]

    def pass_on(self) -> None:
        """After the lock was freed with nobody in the queue: a thread that queued meanwhile
        gets it, unless another took it first (whose release then hands it over)."""
        with self._mutex:
            if self._queue and self._held.setdefault(0, self._queue[0][1]) == self._queue[0][1]:
                self._hand_over()

    def _hand_over(self) -> None:
        """The first in the queue becomes the owner, and its gate opens (``_mutex`` held)."""
        gate, ident = self._queue.popleft()
        self._held[0] = ident
        gate.release()


_lock = _FairLock()
# The uncontended paths of _lock, inlined in enter and leave (one Python frame fewer each).
_queue: Final = _lock._queue
_held: Final = _lock._held
_take: Final = _held.setdefault
_ident: Final = threading.get_ident
#: Cells whose Python owner is gone: ``(cell, kind)`` to dereference under the lock.
_graveyard: list[tuple[Any, str]] = []
#: The kinds of a connection's cell: ``handles.LOST_CONNECTION`` once C has dropped it.
_CONNECTIONS: Final = ("connection", "lost connection")
#: Callbacks that fired during a C call: run once the lock is released.
_fired: list[tuple[Handle, int]] = []


def enter(function: str = "", deadline: float | None = None) -> None:
    """Take the library lock (then ``try: ... finally: leave()``), and dereference what the
    finalizers queued.

    ``deadline`` (``time.monotonic()`` seconds): a timed call's; if another thread still holds
    the lock then, :class:`DhcpctlError` ``ISC_R_TIMEDOUT`` (naming ``function``).

    An exception that leaves it (Ctrl-C also right after the take) gives the lock back. One
    that skipped a :func:`leave` (Ctrl-C as it is entered) leaves the lock to this thread,
    whose next call takes it as its own: no call takes the lock twice, so that is the only
    way a thread can find it its own here.
    """
    me = _ident()
    try:
        if (_queue or _take(0, me) != me) and not _lock.acquire(deadline):
            raise DhcpctlError(function, ISC_R_TIMEDOUT, "ISC's library was busy with another call")
        if _graveyard:
            _drain()
    except BaseException:
        # Also Ctrl-C raised right after a take (a signal handler runs as a C call returns),
        # before the caller's ``try``: the lock is given back, not kept for good.
        if _held.get(0) == me:
            _lock.release()
        raise


def leave() -> None:
    """Release the library lock taken by :func:`enter`; then run the callbacks that fired."""
    if _fired:
        _release_and_call_back()
    elif _queue:
        _lock.release()
    else:  # _lock.release(), uncontended
        del _held[0]
        if _queue:
            _lock.pass_on()


def _release_and_call_back() -> None:
    fired = _fired[:]
    del _fired[:]
    _lock.release()
    for handle, status in fired:
        if handle.callback is not None:
            callback, data = handle.callback
            run_callback(callback, handle, status, data)


class _Locked:
    """``with locked(...)``: :func:`enter`, and :func:`leave` at the end."""

    __slots__ = ("deadline", "function")

    def __init__(self, function: str, deadline: float | None) -> None:
        self.function = function
        self.deadline = deadline

    def __enter__(self) -> None:
        enter(self.function, self.deadline)

    def __exit__(self, *exc_info: object) -> None:
        leave()


#: The untimed hold, shared (it keeps no state of its own).
_UNTIMED: Final = _Locked("", None)


def locked(function: str = "", deadline: float | None = None) -> _Locked:
    """Hold the library lock (``with locked():``): :func:`enter` and :func:`leave`, for the
    calls off the hot path (the C-named functions of a lookup use those two directly, one
    Python frame fewer each)."""
    return _UNTIMED if deadline is None else _Locked(function, deadline)


def call_after_release(handle: Handle, status: int, times: int) -> None:
    """Queue ``times`` calls of ``handle``'s callback (call with the lock held)."""
    _fired.extend([(handle, status)] * times)


def bury(cell: Any, kind: str) -> None:
    """Finalizer of every cell: queue it, dereference now only if the lock is free.

    A cell dereferenced explicitly holds NULL for good (written under the lock): nothing to do.
    """
    if cell[0] == ffi.NULL:
        return
    _graveyard.append((cell, kind))
    finalizer = object()  # who takes the lock here
    try:
        if _lock.try_acquire(finalizer):
            _drain()
    finally:
        # Also when Ctrl-C lands right after the take (a signal handler runs as a C call
        # returns), before a ``try`` after it would be entered: the lock is given back.
        if _held.get(0) is finalizer:
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
        if kind in _CONNECTIONS:
            close(cell)
        else:
            release(cell)
