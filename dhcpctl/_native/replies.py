"""Which replies arrived for which object: requests in flight, lost signals, callbacks.

ISC's dispatcher reads every connection whenever any wait runs, and the "ready" signal of a
reply for an object nobody waits on is lost: in C, a later wait on that object blocks forever
(two threads, or two objects in flight at once). Here each dispatching call first sets the
``waitstatus`` of every object in flight to a sentinel (:func:`arm`); one that changed got its
reply (:func:`collect`), which the next wait on that object returns at once. (This reads ISC's
``dhcpctl_remote_object_t``, whose layout :mod:`.layout` checks at import.) A wait with no other
object in flight, the common case, marks only its own: the walk costs in proportion to the
requests in flight, never to the handles alive. The objects in flight are a set of weak
references (each object's ``flight``, made when a request goes out, dropped when its last reply
is taken): adding and removing one is a set operation. One whose object goes stays until the
next walk drops it: the set changes only in these functions, under the lock, never in a weak
reference's callback, which a garbage collection runs at any allocation (also in the middle of a
walk over the set, which then fails: "Set changed size during iteration").

Callbacks: C's ``dhcpctl_set_callback`` is unusable in 4.4.3-P1. It allocates its callback
object without an object type, so the next request on the handle (``stuff_values`` walking the
object chain) dereferences a NULL type and crashes; and had it worked, a wait on the handle
would block forever (the callback object swallows the "ready" signal). So callbacks are kept
here and called when a reply for the object is seen: at the end of the wait that took it, or of
any dispatching call (another wait, a connect) that read it, in that call's thread. They are
called as often as C's signals would: twice for the UPDATE that answers a successful open or
refresh ("updated", then "status"), once for a STATUS. ISC's library does not say which kind
of message a reply was, but dhcpd answers an open or refresh with an UPDATE exactly when it
succeeds (``omapip/message.c``, ``OMAPI_OP_OPEN``/``OMAPI_OP_REFRESH``), and everything else
with a STATUS; so a successful reply to an open or refresh counts as an UPDATE.

Every function here is called with the library lock held.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

from dhcpctl._results import ISC_R_SUCCESS

from . import calls
from .calls import NO_REPLY as NO_REPLY
from .handles import Handle
from .layout import remote
from .loader import ffi
from .lock import call_after_release
from .waking import ring

#: Objects with requests in flight, whose replies the next dispatch may take: their ``flight``.
_in_flight: set[weakref.ref[Handle]] = set()


def sent(obj: Handle, connection: Handle, update_reply: bool) -> None:
    """A request on ``obj`` went out; ``update_reply``: answered by an UPDATE on success."""
    obj.pending += 1
    obj.unreplied.append(update_reply)
    obj.connection = connection
    if obj.flight is None:
        obj.flight = weakref.ref(obj)  # no callback: see the module docstring
        _in_flight.add(obj.flight)


def arm(waiting: Handle | None = None) -> Sequence[tuple[Handle, Any]]:
    """Before a C call that dispatches: mark the objects in flight as unreplied, but for
    ``waiting``, the object the call waits on (in flight), which :func:`wait_step` marks.

    The others are walked only when there are any, so a lone request costs no walk (and no
    allocation). The walk drops the entries of objects gone; nothing else changes the set
    meanwhile (a finalizer that a collection runs in the walk leaves it alone).
    """
    if len(_in_flight) <= (0 if waiting is None else 1):
        return ()
    armed: list[tuple[Handle, Any]] = []
    gone: list[weakref.ref[Handle]] = []
    for flight in _in_flight:
        obj = flight()
        if obj is None:
            gone.append(flight)
        elif obj is not waiting:
            _arm(obj, armed)
    for flight in gone:
        _in_flight.discard(flight)
    return armed


def _arm(obj: Handle, armed: list[tuple[Handle, Any]]) -> None:
    if obj.pending > obj.arrived and obj.cell[0] != ffi.NULL:
        struct = _struct(obj)
        struct.waitstatus = NO_REPLY
        armed.append((obj, struct))


def _struct(obj: Handle) -> Any:
    """The ``dhcpctl_remote_object_t`` of ``obj`` (live), cast when first needed: the objects
    whose replies only their own waits take never are."""
    struct = obj.remote
    if struct is None:
        struct = obj.remote = remote(obj.cell[0])
    return struct


#: ``calls.wait_step``, looked up here by each wait (the tests interrupt it).
wait_step: Callable[[Any, Any, Any, Any], int] = calls.wait_step


def collect(armed: Sequence[tuple[Handle, Any]]) -> None:
    """After it: note the replies that arrived."""
    for obj, struct in armed:
        if struct.waitstatus != NO_REPLY and obj.cell[0] != ffi.NULL:
            arrived(obj, int(struct.waitstatus))


def arrived(obj: Handle, status: int) -> None:
    """A reply of ``obj`` (its server ``status``) was read: the next wait on it takes it (a
    thread that sleeps in a wait is woken to look, :mod:`.waking`)."""
    obj.arrived += 1
    obj.arrived_status = status
    seen(obj, status)
    ring()


def seen(obj: Handle, status: int) -> None:
    """A reply of ``obj`` was read: queue its callback calls, as many as C's signals."""
    if obj.connection is not None:
        obj.connection.answered = True
    update_reply = obj.unreplied.pop(0) and status == ISC_R_SUCCESS
    if obj.callback is not None:
        call_after_release(obj, status, 2 if update_reply else 1)


def forget(obj: Handle) -> None:
    """The requests of ``obj`` died with their connection: none is in flight any more."""
    obj.pending = obj.arrived = 0
    obj.unreplied.clear()
    _landed(obj)


def took(target: Handle, status: int, arrived: bool) -> int:
    """A wait took one reply of ``target``: its server status."""
    if arrived:
        target.arrived -= 1
    target.pending -= 1
    if target.pending == 0:
        _landed(target)
    return status


def _landed(obj: Handle) -> None:
    """``obj`` has no request in flight any more."""
    if obj.flight is not None:
        _in_flight.discard(obj.flight)
        obj.flight = None
