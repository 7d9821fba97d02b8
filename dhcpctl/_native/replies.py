"""Which replies arrived for which object: requests in flight, lost signals, callbacks.

ISC's dispatcher reads every connection whenever any wait runs, and the "ready" signal of a
reply for an object nobody waits on is lost: in C, a later wait on that object blocks forever
(two threads, or two objects in flight at once). Here each dispatching call first sets the
``waitstatus`` of every object in flight to a sentinel (:func:`arm`); one that changed got its
reply (:func:`collect`), which the next wait on that object returns at once. (This reads ISC's
``dhcpctl_remote_object_t``, whose layout :mod:`.layout` checks at import.)

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
from typing import Any, Final

from dhcpctl._results import ISC_R_SUCCESS

from .handles import Handle
from .layout import remote as remote_object
from .loader import ffi
from .lock import call_after_release

#: Objects with requests in flight, whose replies the next dispatch may take.
_in_flight: weakref.WeakSet[Handle] = weakref.WeakSet()

#: No isc_result_t: a waitstatus still holding it has seen no reply.
_NO_REPLY: Final = 0xFFFF_FFFF


def sent(obj: Handle, connection: Handle, update_reply: bool) -> None:
    """A request on ``obj`` went out; ``update_reply``: answered by an UPDATE on success."""
    obj.pending += 1
    obj.unreplied.append(update_reply)
    obj.connection = connection
    _in_flight.add(obj)


def arm() -> list[tuple[Handle, Any]]:
    """Before a C call that dispatches: mark the objects in flight as unreplied."""
    armed = []
    for obj in _in_flight:
        pointer = obj.cell[0]
        if obj.pending > obj.arrived and pointer != ffi.NULL:
            remote = remote_object(pointer)
            remote.waitstatus = _NO_REPLY
            armed.append((obj, remote))
    return armed


def collect(armed: list[tuple[Handle, Any]], skip: Handle | None = None) -> None:
    """After it: note the replies that arrived (but for ``skip``, which the wait took)."""
    for obj, remote in armed:
        if obj is not skip and remote.waitstatus != _NO_REPLY and obj.cell[0] != ffi.NULL:
            obj.arrived += 1
            obj.arrived_status = int(remote.waitstatus)
            seen(obj, obj.arrived_status)


def seen(obj: Handle, status: int) -> None:
    """A reply of ``obj`` was read: queue its callback calls, as many as C's signals."""
    if obj.connection is not None:
        obj.connection.answered = True
    update_reply = obj.unreplied.popleft() and status == ISC_R_SUCCESS
    if obj.callback is not None:
        call_after_release(obj, status, 2 if update_reply else 1)


def forget(obj: Handle) -> None:
    """The requests of ``obj`` died with their connection: none is in flight any more."""
    obj.pending = obj.arrived = 0
    obj.unreplied.clear()
    _in_flight.discard(obj)


def took(target: Handle, status: int, arrived: bool) -> int:
    """A wait took one reply of ``target``: its server status."""
    if arrived:
        target.arrived -= 1
    target.pending -= 1
    if target.pending == 0:
        _in_flight.discard(target)
    return status
