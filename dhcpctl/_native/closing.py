"""Closing a connection, and the requests ISC's library would keep for it.

Every request goes on ISC's list of the requests awaiting replies
(``omapi_registered_messages``: ``omapip/message.c`` omapi_message_register, called by
``dhcpctl/dhcpctl.c`` dhcpctl_open_object and the other requests), and only a reply takes it off
(``omapip/message.c`` omapi_message_process). When the connection ends first (the server closed
it, a protocol error, a wrong secret, a close), ``omapip/protocol.c``
omapi_protocol_signal_handler signals the "disconnect" to each of its requests' objects but
leaves them on the list, for good: each holds its remote object and its connection's protocol
object, which holds a keyed connection's authenticator state (2-4 kB of native memory per call
whose connection the server drops). :func:`close` takes them off (``omapi_message_unregister``,
public in ``omapip/omapip.h``) as the connection is released: no reply can come for them then.

And every connection stays on ISC's array of connections (``omapi_connections``,
``omapip/connection.c`` omapi_connection_register, compiled in with TRACING, ISC's default),
which holds a reference to each and never gives it back: the connection object (168 bytes)
and its slot, per connection made. :func:`close` releases the connections only that array
still holds (:func:`release_unused`).

The list is read through :data:`.layout.LAYOUT` (``omapi_message_head_t``: the preamble, then the
``next`` and ``protocol_object`` fields of ``omapip/omapip_p.h``'s ``omapi_message_object_t``);
a ``dhcpctl_connect`` handle's protocol object is its ``outer`` (:mod:`.preamble`). Call every
function here with the library lock held.
"""

from __future__ import annotations

from typing import Any

from dhcpctl._results import ISC_R_SUCCESS

from .layout import LAYOUT
from .loader import MODE, c_object_dereference, ffi, lib
from .preamble import dropped
from .waking import ring


def close(cell: Any) -> int:
    """Release the connection in ``cell`` (a ``dhcpctl_handle *``; NULL: nothing to do), closed
    first unless C dropped it: its requests are taken off ISC's list (:func:`unregister`),
    ``dhcpctl_disconnect`` with ``force`` (``omapip/connection.c`` omapi_disconnect closes its
    socket and takes it from ISC's dispatcher), then ``omapi_object_dereference``. Its status.

    A connect that failed is closed so too: C's ``dhcpctl_timed_connect`` only dereferences it
    (``dhcpctl/dhcpctl.c``), which leaves its socket open and registered, one descriptor per
    timed-out connect, until past select()'s limit every connect fails (``ISC_R_RANGE``).

    The threads that sleep in a wait are woken (:mod:`.waking`): one may sleep on its socket.
    """
    if cell[0] == ffi.NULL:
        return ISC_R_SUCCESS
    unregister(cell[0])
    if not dropped(cell[0]):
        lib.dhcpctl_disconnect(cell, 1)  # releases the cell when it succeeds
    status = ISC_R_SUCCESS if cell[0] == ffi.NULL else int(c_object_dereference(cell))
    release_unused()
    ring()
    return status


def disconnect(cell: Any, force: bool) -> int:
    """``dhcpctl_disconnect`` of the live connection in ``cell`` (which it releases when it
    succeeds), its requests taken off ISC's list first, the connection off ISC's array after,
    the threads that sleep in a wait woken (as :func:`close`): C's status."""
    unregister(cell[0])
    status = int(lib.dhcpctl_disconnect(cell, 1 if force else 0))
    release_unused()
    ring()
    return status


def unregister(connection: Any) -> None:
    """Take the requests sent on ``connection`` (a ``dhcpctl_connect`` handle, not NULL) off
    ISC's list of the requests awaiting replies; call it before the connection is released.

    Each is unregistered after the walk has stepped past it: the list keeps its successor
    alive (``omapi_message_unregister`` links it to the predecessor).
    """
    protocol = LAYOUT.cast("omapi_object_head_t *", _address(connection)).outer
    if protocol == LAYOUT.NULL:
        return
    message = LAYOUT.cast("omapi_message_head_t *", _address(lib.omapi_registered_messages))
    while message != LAYOUT.NULL:
        sent_on = message.protocol_object
        following = LAYOUT.cast("omapi_message_head_t *", message.next)
        if sent_on == protocol:
            lib.omapi_message_unregister(ffi.cast("omapi_object_t *", _address(message)))
        message = following


def release_unused() -> None:
    """Release the connections that only ISC's array of connections holds (a reference count
    of 1: closed, dropped by their protocol object and the dispatcher), and close the gaps
    they leave in the array (its slots are not used by index without tracing; the array only
    grows at its end, ``omapip/array.c`` omapi_array_extend)."""
    array = connections()
    if array == ffi.NULL:
        return
    table = LAYOUT.cast("omapi_array_t *", _address(array))
    kept = 0
    for index in range(table.count):
        entry = table.data[index]
        if entry == LAYOUT.NULL:
            continue
        if LAYOUT.cast("omapi_object_head_t *", entry).refcnt == 1:
            c_object_dereference(ffi.new("omapi_object_t **", ffi.cast("void *", _address(entry))))
        else:
            table.data[kept] = entry
            kept += 1
    for index in range(kept, table.count):
        table.data[index] = LAYOUT.NULL
    table.count = kept


def connections() -> Any:
    """ISC's array of connections (an ``omapi_array_t *``; NULL before the first connection,
    or in a library built without TRACING)."""
    if MODE == "api":
        return lib.py_connections()
    try:
        return lib.omapi_connections
    except AttributeError:  # no such symbol: built without TRACING
        return ffi.NULL


def _address(pointer: Any) -> int:
    """The address in a pointer of either FFI (the library's or :data:`.layout.LAYOUT`)."""
    return int(ffi.cast("uintptr_t", pointer))
