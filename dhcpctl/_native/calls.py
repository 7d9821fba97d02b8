"""The C calls of the hot path, each taking the cells of its handles and checking them first.

A lookup or host cycle makes these calls one after the other; each one is a single call of a
C helper in API mode (``build_ffi.py``: ``py_new_object`` and the others), which does the
checks that would otherwise be Python code around it: a cell that holds NULL (its handle was
dereferenced) gives :data:`DEREFERENCED` instead of ISC's status, as a wait's connection cell
gives :data:`CLOSED`; a connection C has dropped gives :data:`DROPPED` (:mod:`.preamble`). ABI
mode has their Python twins, which do the same. Call each with the library lock held.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Any, Final

from dhcpctl._results import ISC_R_INPROGRESS, ISC_R_TIMEDOUT

from .layout import LAYOUT, connection_object, remote
from .loader import MODE, c_data_string_dereference, c_object_dereference, ffi, lib
from .preamble import dropped

#: Statuses no ISC call returns (``build_ffi.py``'s ``PY_*``): a cell holds NULL (its handle
#: was dereferenced); a wait's connection cell does (closed by this process); the connection
#: was dropped by C.
DEREFERENCED: Final = 0xFFFF_FF01
CLOSED: Final = 0xFFFF_FF02
DROPPED: Final = 0xFFFF_FF03
#: No isc_result_t: a waitstatus (or a wait's server status) still holding it has seen no reply.
NO_REPLY: Final = 0xFFFF_FFFF

_NULL: Final = ffi.NULL
#: The "file" ABI mode's calls pass to ISC's debugging arguments (``MDL``).
_HERE: Final = b"dhcpctl._native.calls"


def _new_object(cell: Any, connection: Any, object_type: bytes) -> int:
    if connection[0] == _NULL:
        return DEREFERENCED
    status = int(lib.dhcpctl_new_object(cell, connection[0], object_type))
    if status != 0 and cell[0] != _NULL:
        c_object_dereference(cell)
    return status


def _setter(call: Callable[..., int]) -> Callable[..., int]:
    """The twin of ``py_set_value`` (and the other setters) for C's ``call``."""

    def setter(cell: Any, *args: Any) -> int:
        return DEREFERENCED if cell[0] == _NULL else int(call(cell[0], *args))

    return setter


def _sendable(connection: Any, cell: Any) -> int:
    if connection[0] == _NULL or cell[0] == _NULL:
        return DEREFERENCED
    return DROPPED if dropped(connection[0]) else 0


def _open_object(connection: Any, cell: Any, flags: int) -> int:
    status = _sendable(connection, cell)
    return status or int(lib.dhcpctl_open_object(cell[0], connection[0], flags))


def _request(call: Callable[[Any, Any], int]) -> Callable[[Any, Any, int], int]:
    """The twin of ``py_object_update`` (refresh, remove) for C's ``call``."""

    def request(connection: Any, cell: Any, flags: int) -> int:
        status = _sendable(connection, cell)
        return status or int(call(connection[0], cell[0]))

    return request


def _wait_step(cell: Any, connection: Any, status: Any, ready: Any) -> int:
    if cell[0] == _NULL:
        return DEREFERENCED
    if connection[0] == _NULL:
        return CLOSED
    if dropped(connection[0]):
        return DROPPED
    obj = remote(cell[0])
    obj.waitstatus = NO_REPLY
    io = connection_object(connection[0])
    held = ffi.new("omapi_object_t **")
    pointer = ffi.cast("omapi_object_t *", int(LAYOUT.cast("uintptr_t", io)))
    lib.omapi_object_reference(held, pointer, _HERE, 0)
    try:
        c = held[0]
        wrote = lib.omapi_connection_writer(c)
        wrote = 0 if wrote == ISC_R_INPROGRESS else wrote  # the rest waits for room
        got = lib.omapi_connection_reader(c) if lib.omapi_connection_readfd(c) >= 0 else 0
        if obj.waitstatus != NO_REPLY:
            status[0] = obj.waitstatus
            return 0
        if dropped(connection[0]) or wrote or got:
            if not dropped(connection[0]):
                lib.omapi_disconnect(c, 1)
            return DROPPED
        ready[0] = io.socket
        ready[1] = int(io.out_bytes != 0)
        return ISC_R_TIMEDOUT
    finally:
        c_object_dereference(held)


#: Bytes kept per signal for the ``struct sigaction`` of :func:`_initialize`: more than any
#: libc's (glibc: 152 on x86_64 and arm64).
_SIGACTION_SIZE: Final = 1024
#: The signals whose disposition ISC's start-up may change and :func:`_initialize` puts back:
#: all but those none can change and SIGPIPE (left ignored, see ``py_initialize``).
_KEPT_SIGNALS: Final = sorted(
    set(signal.valid_signals()) - {signal.SIGKILL, signal.SIGSTOP, signal.SIGPIPE}
)


def _initialize() -> int:
    everything = signal.valid_signals()
    mask = signal.pthread_sigmask(signal.SIG_SETMASK, everything)
    try:
        saved = []
        for number in _KEPT_SIGNALS:
            action = ffi.new("char[]", _SIGACTION_SIZE)
            if lib.sigaction(number, _NULL, action) == 0:
                saved.append((number, action))
        try:
            return int(lib.dhcpctl_initialize())
        finally:
            for number, action in saved:
                lib.sigaction(number, action, _NULL)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _connect_start(cell: Any, server: bytes, port: int, authinfo: Any) -> int:
    status = int(lib.omapi_generic_new(cell, _HERE, 0))
    if status != 0:
        return status
    return int(lib.omapi_protocol_connect(cell[0], server, port, authinfo))


def _release(cell: Any) -> int:
    if cell[0] == _NULL:
        return DEREFERENCED
    _drop_message(cell[0])
    return c_object_dereference(cell)


#: Where a remote object keeps the message of its last STATUS reply.
_MESSAGE_OFFSET: Final = LAYOUT.offsetof("dhcpctl_remote_object_t", "message")


def _drop_message(handle: Any) -> None:
    """The twin of ``py_release``'s first step (see ``build_ffi.py``): drop the STATUS message
    the remote object ``handle`` keeps (ISC never does: 80 bytes per STATUS reply)."""
    head = remote(handle)
    if int(LAYOUT.cast("uintptr_t", head.type)) != int(
        ffi.cast("uintptr_t", lib.dhcpctl_remote_type)
    ):
        return
    if head.message != LAYOUT.NULL:
        field = int(ffi.cast("uintptr_t", handle)) + _MESSAGE_OFFSET
        lib.omapi_value_dereference(ffi.cast("omapi_value_t **", field), _HERE, 0)


def _get_value(cell: Any, name: bytes, buffer: Any, size: int, value: Any, length: Any) -> int:
    length[0] = 0
    if cell[0] == _NULL:
        return DEREFERENCED
    if value[0] != _NULL:  # left by an exception (see py_get_value in build_ffi.py)
        c_data_string_dereference(value)
    status = int(lib.dhcpctl_get_value(value, cell[0], name))
    length[0] = 0 if value[0] == _NULL else value[0].len
    if value[0] != _NULL and length[0] <= size:
        ffi.memmove(buffer, value[0].value, length[0])
        c_data_string_dereference(value)
    return status


#: ``new_object(cell, connection, type)``: ``dhcpctl_new_object`` into ``cell``, the new
#: object released again when it fails.
new_object: Callable[[Any, Any, bytes], int]
#: The setters, ``set_data_value(cell, data, length, name)`` and the others as C's, on a cell.
set_value: Callable[[Any, Any, bytes], int]
set_string_value: Callable[[Any, bytes, bytes], int]
set_data_value: Callable[[Any, bytes, int, bytes], int]
set_null_value: Callable[[Any, bytes], int]
set_boolean_value: Callable[[Any, int, bytes], int]
set_int_value: Callable[[Any, int, bytes], int]
#: The requests, ``open_object(connection, cell, flags)`` and the others alike (the connection
#: first; only the open has ``flags``, the others ignore them).
open_object: Callable[[Any, Any, int], int]
object_update: Callable[[Any, Any, int], int]
object_refresh: Callable[[Any, Any, int], int]
object_remove: Callable[[Any, Any, int], int]
#: ``wait_step(cell, connection, status, ready)``: one step of a wait on a remote object, which
#: never blocks (``py_wait_step`` in ``build_ffi.py``): its ``waitstatus`` first set to
#: :data:`NO_REPLY` (see :mod:`.replies`), the connection's queued output written and its
#: input read (``omapip/buffer.c`` omapi_connection_writer, omapi_connection_reader: what ISC's
#: dispatcher does once ``select()`` finds the socket ready). ``ISC_R_SUCCESS`` with the
#: server's status in ``status[0]`` when the reply came; ``ISC_R_TIMEDOUT`` when not yet, with
#: the socket to poll for input in ``ready[0]`` and ``ready[1]`` 1 when output is queued too;
#: :data:`DROPPED` when the connection ended (a failed read or write drops it; a write the
#: full socket cut short does not).
wait_step: Callable[[Any, Any, Any, Any], int]
#: ``initialize()``: ``dhcpctl_initialize``, the process's signal dispositions (but SIGPIPE's,
#: left ignored) and mask kept (ISC's start-up sets SIGINT and SIGTERM to their default action:
#: see ``py_initialize`` in ``build_ffi.py``).
initialize: Callable[[], int]
#: ``connect_start(cell, server, port, authinfo)``: the start of ``dhcpctl_timed_connect``
#: (``omapi_generic_new`` into ``cell``, ``omapi_protocol_connect``); ``DHCP_R_INCOMPLETE``:
#: the caller waits on ``cell[0]`` for the connect to end, and closes and releases the cell
#: if it fails (``closing.close``).
connect_start: Callable[[Any, bytes, int, Any], int]
#: ``release(cell)``: ``omapi_object_dereference``, a remote object's STATUS message dropped
#: first (ISC never drops it: ``py_release`` in ``build_ffi.py``).
release: Callable[[Any], int]
#: ``get_value(cell, name, buffer, size, value, length)``: ``dhcpctl_get_value`` into the
#: ``dhcpctl_data_string *`` ``value``, copied into ``buffer`` (``size`` bytes) and freed at
#: once if it fits, else left there; its length in ``length[0]`` (0: none). A value left in
#: ``value`` (by an exception before the caller freed it) is freed first.
get_value: Callable[[Any, bytes, Any, int, Any, Any], int]
if MODE == "api":
    new_object = lib.py_new_object
    set_value = lib.py_set_value
    set_string_value = lib.py_set_string_value
    set_data_value = lib.py_set_data_value
    set_null_value = lib.py_set_null_value
    set_boolean_value = lib.py_set_boolean_value
    set_int_value = lib.py_set_int_value
    open_object = lib.py_open_object
    object_update = lib.py_object_update
    object_refresh = lib.py_object_refresh
    object_remove = lib.py_object_remove
    wait_step = lib.py_wait_step
    initialize = lib.py_initialize
    connect_start = lib.py_connect_start
    release = lib.py_release
    get_value = lib.py_get_value
else:
    new_object = _new_object
    set_value = _setter(lib.dhcpctl_set_value)
    set_string_value = _setter(lib.dhcpctl_set_string_value)
    set_data_value = _setter(lib.dhcpctl_set_data_value)
    set_null_value = _setter(lib.dhcpctl_set_null_value)
    set_boolean_value = _setter(lib.dhcpctl_set_boolean_value)
    set_int_value = _setter(lib.dhcpctl_set_int_value)
    open_object = _open_object
    object_update = _request(lib.dhcpctl_object_update)
    object_refresh = _request(lib.dhcpctl_object_refresh)
    object_remove = _request(lib.dhcpctl_object_remove)
    wait_step = _wait_step
    initialize = _initialize
    connect_start = _connect_start
    release = _release
    get_value = _get_value
