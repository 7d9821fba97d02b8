"""The C-named functions over ISC's libdhcpctl, each holding the library lock for its C call.

Arguments are checked first (:mod:`.arguments`); waits and requests keep the books of
:mod:`.replies`. ``dhcpctl_initialize`` runs once, when this module is imported, then the
source of the message ids is seeded (:mod:`.message_ids`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

from dhcpctl._api import FUNCTION_NAMES, BytesLike, Callback, DataLike, inherit_docstrings
from dhcpctl._arguments import KNOWN_NAMES
from dhcpctl._busy_poll import BusyPoll
from dhcpctl._diagnosis import (
    AUTHENTICATOR_TAKES_NO_VALUES,
    NO_ANSWER,
    STILL_QUEUED,
    Peer,
    connect_failed,
    key_name,
    lost,
    no_value,
    not_boolean,
    wrong_secret,
)
from dhcpctl._errors import DhcpctlError
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_INCOMPLETE,
    DHCP_R_INVALIDARG,
    ISC_R_NOMORE,
    ISC_R_NOTFOUND,
    ISC_R_SUCCESS,
    ISC_R_TIMEDOUT,
    ISC_R_UNEXPECTED,
    UNKNOWN_RESULT_TEXT,
)

from . import calls, message_ids, replies, waking
from .arguments import CHECKS, c_int, checked_handle, timeval
from .calls import CLOSED, DEREFERENCED, DROPPED, NO_REPLY
from .closing import close, disconnect
from .handles import DEREFERENCED_HANDLE, LOST_CONNECTION, DataString, Handle
from .loader import c_data_string_dereference, c_data_string_new, c_object_dereference, ffi, lib
from .lock import enter, leave, locked
from .preamble import dropped

#: Why a connection is gone: C drops it alike when the server closes it and when a reply breaks
#: the protocol (a malformed or over-limit message, a reply that answers nothing).
_LOST: Final = (
    "the connection was closed by the server, or dropped for a reply that broke the protocol"
)
#: The C type of a handle's cell, looked up once (``ffi.new`` of a type name parses it).
_HANDLE_CELL: Final = ffi.typeof("dhcpctl_handle *")
#: A wait on an object whose connection was closed by this process.
_CLOSED: Final = "the connection was closed"


def _check(function: str, status: int) -> None:
    if status != ISC_R_SUCCESS:
        raise DhcpctlError(function, int(status))


def _at(connection: Handle, how: str) -> str:
    """The detail of a request or wait on ``connection``: its server, and ``how`` it failed."""
    assert connection.peer is not None  # set by every connect that returns a handle
    return lost(connection.peer, how)


def _lost(connection: Handle) -> str:
    """The detail of a request or wait on a connection C has dropped: its server and, for a
    keyed one dropped before any reply came on it, the likely cause (a wrong secret: dhcpd's
    unsigned "invalid TSIG key" is dropped unread with the connection, see
    :mod:`dhcpctl._diagnosis`)."""
    key = connection.peer.key if connection.peer is not None else None
    if key is not None and not connection.answered:
        return _at(connection, f"{_LOST}; {wrong_secret(key)}")
    return _at(connection, _LOST)


def dhcpctl_initialize() -> None:
    # Done once at import (C requires it before anything): later calls do nothing.
    return


def _initialize_once() -> None:
    with locked():
        _check("dhcpctl_initialize", calls.initialize())
        message_ids.seed_every_process()


def dhcpctl_connect(address: str, port: int, authenticator: Handle | None) -> Handle:
    return _connect("dhcpctl_connect", address, port, authenticator, None)


def dhcpctl_timed_connect(
    address: str, port: int, authenticator: Handle | None, timeout: float | None
) -> Handle:
    function = "dhcpctl_timed_connect"
    return _connect(function, address, port, authenticator, CHECKS.timeout(function, timeout))


def _connect(
    function: str, address: object, port: object, authenticator: object, timeout: float | None
) -> Handle:
    host, number = CHECKS.address_and_port(function, address, port)
    auth = (
        None if authenticator is None else checked_handle(function, authenticator, "authenticator")
    )
    peer = Peer(host, number, None if auth is None else auth.key)
    cell = ffi.new(_HANDLE_CELL)
    # The connect holds ISC's library until it ends: other calls wait for it, timed ones no
    # longer than their deadline.
    deadline = None if timeout is None else time.monotonic() + timeout
    with locked(function, deadline):
        auth_pointer = ffi.NULL if auth is None else auth.pointer(function)
        armed = replies.arm()
        status = ISC_R_UNEXPECTED
        try:
            status = _connect_in_slices(cell, host.encode(), number, auth_pointer, deadline)
        finally:  # also for Ctrl-C, raised as C returns: the replies it read are kept
            replies.collect(armed)
            if status != ISC_R_SUCCESS:
                close(cell)
    if status != ISC_R_SUCCESS:
        raise DhcpctlError(function, int(status), connect_failed(peer, int(status)))
    connection = Handle("connection", cell)
    connection.peer = peer
    connection.busy = BusyPoll()
    return connection


#: The longest a connect's wait, or a wait on a connection handle, stays in C at a time
#: (seconds): how soon a connect that ISC's library gave up is noticed, and Ctrl-C gets
#: through; the second gives the library lock back between two, for other threads' calls.
CONNECT_SLICE: Final = 0.1


def _connect_in_slices(
    cell: Any, server: bytes, port: int, authinfo: Any, deadline: float | None
) -> int:
    """``dhcpctl_timed_connect`` (``dhcpctl/dhcpctl.c``) with its wait in slices of
    :data:`CONNECT_SLICE`: C's status (call with the lock held).

    A connect that fails (refused, unreachable) is dropped by ISC's library
    (``omapip/connection.c`` omapi_connection_connect_internal: omapi_disconnect), but no
    signal reaches the wait: C's wait returns only when no other connection is open
    (``ISC_R_NOMORE``), else it waited out its timeout, or for good. Between two slices a
    dropped connect gives ``ISC_R_NOMORE`` here, whatever else is open.
    """
    status = int(calls.connect_start(cell, server, port, authinfo))
    server_status = ffi.new("dhcpctl_status *", ISC_R_SUCCESS)
    while status == DHCP_R_INCOMPLETE:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return ISC_R_TIMEDOUT
        slice_ = CONNECT_SLICE if remaining is None else min(remaining, CONNECT_SLICE)
        wait = timeval(slice_, False)  # may be cut short: the loop waits again
        waited = int(lib.dhcpctl_timed_wait_for_completion(cell[0], server_status, wait))
        if waited == ISC_R_SUCCESS:
            return int(server_status[0])
        if waited != ISC_R_TIMEDOUT:
            return waited
        if dropped(cell[0]):
            return ISC_R_NOMORE
    return status


def dhcpctl_disconnect(connection: Handle, force: bool = False) -> None:
    # On a connection C has dropped already, C writes to stderr: not here (see .preamble).
    function = "dhcpctl_disconnect"
    conn = checked_handle(function, connection, "connection")
    with locked():
        conn.pointer(function)
        if conn.lost:
            raise DhcpctlError(function, DHCP_R_INVALIDARG, _lost(conn))
        _check(function, disconnect(conn.cell, force))


def dhcpctl_wait_for_completion(handle: Handle) -> int:
    return _wait("dhcpctl_wait_for_completion", handle, None)


def dhcpctl_timed_wait_for_completion(handle: Handle, timeout: float | None) -> int:
    function = "dhcpctl_timed_wait_for_completion"
    return _wait(function, handle, CHECKS.timeout(function, timeout))


#: The longest a wait sleeps between two of its steps (seconds), when nothing wakes it before
#: (see :mod:`.waking`).
WAIT_SLICE: Final = 1.0
#: Where a wait's step has C put the server's status, and the socket to poll with whether
#: output is queued (each read under the lock, like every such cell).
_SERVER_STATUS: Final = ffi.new("dhcpctl_status *")
_READY: Final = ffi.new("int[2]")


def _wait(function: str, handle: object, timeout: float | None) -> int:
    """A wait on ``handle``: steps under the library lock that never block
    (``calls.wait_step``), and between two, a sleep on the connection's socket without the lock
    (:mod:`.waking`), so that other threads' calls go on meanwhile."""
    target = handle if type(handle) is Handle else checked_handle(function, handle)
    deadline = None if timeout is None else time.monotonic() + timeout
    if target.kind != "object":
        if target.kind == "connection":
            return _wait_on_connection(function, target, deadline)
        raise DhcpctlError(function, DHCP_R_INVALIDARG, "nothing to wait for on this handle")
    conn = target.connection
    busy = None if conn is None else conn.busy  # the first sleep of the wait may poll, no other
    while True:
        bell = None
        enter(function, deadline)
        try:
            try:
                remaining = None if deadline is None else deadline - time.monotonic()
                if (
                    target.arrived
                    or not target.pending
                    or conn is None
                    or conn.release_as == LOST_CONNECTION
                    or (remaining is not None and remaining <= 0)
                ):
                    return _answer_unwaited(function, target, conn, remaining)
                others = replies.arm(target)
                _SERVER_STATUS[0] = NO_REPLY  # C writes it when its step took the reply
                try:
                    status = replies.wait_step(target.cell, conn.cell, _SERVER_STATUS, _READY)
                except BaseException:  # Ctrl-C, raised as C returns: the next wait takes it
                    if _SERVER_STATUS[0] != NO_REPLY:
                        replies.arrived(target, _SERVER_STATUS[0])
                    raise
                finally:  # the replies of the others it read, also then
                    if others:
                        replies.collect(others)
                if status == ISC_R_SUCCESS:
                    # The reply a successful step took is its result, not an "arrived" one.
                    server_status = _SERVER_STATUS[0]
                    replies.seen(target, server_status)
                    return replies.took(target, server_status, arrived=False)
                if status != ISC_R_TIMEDOUT:  # refused by calls.wait_step's checks, or dropped
                    raise _unwaitable(function, status, conn)
                socket, output = _READY[0], _READY[1]
                bell = waking.bell()
            finally:
                leave()
            slice_ = WAIT_SLICE if remaining is None else min(remaining, WAIT_SLICE)
            waking.sleep(bell, socket, output, slice_, busy)
            busy = None
        finally:  # also for Ctrl-C in the sleep, or right before it
            if bell is not None:
                waking.give_back(bell)


def _answer_unwaited(
    function: str, target: Handle, conn: Handle | None, remaining: float | None
) -> int:
    """A wait that does not go to C: the reply another wait read, else the error (call with
    the lock held; these checks come in this order, before those of ``calls.wait_step``)."""
    target.pointer(function)
    # Another thread's wait may have read the reply since the last look.
    if target.arrived:
        return replies.took(target, target.arrived_status, arrived=True)
    if target.pending == 0 or conn is None:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, "no request in progress on this handle")
    if remaining is not None and remaining <= 0:
        raise DhcpctlError(function, ISC_R_TIMEDOUT, _at(conn, STILL_QUEUED))
    if conn.cell[0] == ffi.NULL:
        raise DhcpctlError(function, DHCP_R_CONNRESET, _at(conn, _CLOSED))
    raise DhcpctlError(function, DHCP_R_CONNRESET, _lost(conn))  # marked lost before


def _unwaitable(function: str, status: int, conn: Handle) -> DhcpctlError:
    """The error of a wait ``calls.wait_step`` refused or ended: its object was dereferenced,
    or its connection closed here, or dropped by C (before or in the step; the other threads
    that sleep, maybe on its socket, are woken to look) (call with the lock held)."""
    if status == DEREFERENCED:
        return DhcpctlError(function, DHCP_R_INVALIDARG, DEREFERENCED_HANDLE)
    if status == CLOSED:
        return DhcpctlError(function, DHCP_R_CONNRESET, _at(conn, _CLOSED))
    waking.ring()
    conn.mark_lost()
    return DhcpctlError(function, DHCP_R_CONNRESET, _lost(conn))


def _wait_on_connection(function: str, conn: Handle, deadline: float | None) -> int:
    """C's wait on a connection handle: no signal comes after the connect, so C returns
    ``ISC_R_TIMEDOUT`` at the deadline, reading every connection meanwhile; untimed it would
    block until the server drops the connection (see :mod:`dhcpctl._api`). C waits in slices
    of :data:`CONNECT_SLICE`, each holding the library lock."""
    server_status = ffi.new("dhcpctl_status *", ISC_R_SUCCESS)
    while True:
        with locked(function, deadline):
            pointer = conn.pointer(function)
            if conn.lost:
                raise DhcpctlError(function, DHCP_R_CONNRESET, _lost(conn))
            if deadline is None:
                raise DhcpctlError(
                    function, DHCP_R_INVALIDARG, "nothing to wait for on a connection"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DhcpctlError(function, ISC_R_TIMEDOUT, _at(conn, NO_ANSWER))
            armed = replies.arm()
            try:
                status = lib.dhcpctl_timed_wait_for_completion(
                    pointer, server_status, timeval(min(remaining, CONNECT_SLICE), False)
                )
            finally:  # also for Ctrl-C, raised as C returns: the replies it read are kept
                replies.collect(armed)
            # ISC_R_NOMORE when the drop left C no connection to read: lost, said above.
            if status != ISC_R_TIMEDOUT and not conn.lost:
                raise DhcpctlError(function, int(status), _at(conn, "the wait failed"))


#: The values of an authenticator (``omapip/auth.c`` omapi_auth_key_get_value). For any other
#: name that function returns success without a value, and ``dhcpctl_get_value`` then reads
#: through a NULL pointer: here it is ``ISC_R_NOTFOUND``, as from every other object.
_AUTHENTICATOR_VALUES: Final = (b"name", b"algorithm", b"key")


def _readable(function: str, key: bytes) -> None:
    """Refuse the names an authenticator has no value for (call only for an authenticator)."""
    if key not in _AUTHENTICATOR_VALUES:
        raise DhcpctlError(function, ISC_R_NOTFOUND, no_value(key.decode()))


#: Where ``dhcpctl_get_value`` has C put a value, copied and freed at once (under the lock):
#: into :data:`_BUFFER` when it fits (most do), else copied from :data:`_VALUE` here.
_VALUE: Final = ffi.new("dhcpctl_data_string *")
_BUFFER_SIZE: Final = 256
_BUFFER: Final = ffi.new("unsigned char[]", _BUFFER_SIZE)
_BUFFER_VIEW: Final = memoryview(ffi.buffer(_BUFFER))
_LENGTH: Final = ffi.new("size_t *")


def dhcpctl_get_value(handle: Handle, name: str) -> DataString:
    function = "dhcpctl_get_value"
    key = KNOWN_NAMES.get(name) if type(name) is str else None
    key = key or CHECKS.name(function, name)
    target = handle if type(handle) is Handle else checked_handle(function, handle)
    if target.kind == "authenticator":
        _readable(function, key)
    enter()
    try:
        status = calls.get_value(target.cell, key, _BUFFER, _BUFFER_SIZE, _VALUE, _LENGTH)
        length = _LENGTH[0]
        if length <= _BUFFER_SIZE:
            copy = bytearray(_BUFFER_VIEW[:length])
        else:
            copy = bytearray(ffi.buffer(_VALUE[0].value, length))
            c_data_string_dereference(_VALUE)
    finally:
        leave()
    if status != ISC_R_SUCCESS:
        if status == DEREFERENCED:
            raise DhcpctlError(function, DHCP_R_INVALIDARG, DEREFERENCED_HANDLE)
        detail = no_value(name) if status == ISC_R_NOTFOUND else f"value {name!r}"
        raise DhcpctlError(function, int(status), detail)
    return DataString(copy, secret=target.kind == "authenticator")


def dhcpctl_get_boolean(handle: Handle, name: str) -> bool:
    function = "dhcpctl_get_boolean"
    key = CHECKS.name(function, name)
    target = checked_handle(function, handle)
    if target.kind == "authenticator":
        _readable(function, key)
    result = ffi.new("int *")
    with locked():
        status = int(lib.dhcpctl_get_boolean(result, target.pointer(function), key))
    if status != ISC_R_SUCCESS:
        detail = {ISC_R_NOTFOUND: no_value(name), ISC_R_UNEXPECTED: not_boolean(name)}
        raise DhcpctlError(function, status, detail.get(status))
    return bool(result[0])


def _set(
    function: str,
    handle: object,
    name: object,
    call: Callable[..., int],
    value: object,
    size: int | None = None,
) -> None:
    """Set the value ``name``: ``call(handle cell, value, name)`` is the :mod:`.calls` setter,
    ``call(handle cell, value, size, name)`` for data (no ``*args``: 800 instructions less)."""
    key = KNOWN_NAMES.get(name) if type(name) is str else None
    key = key or CHECKS.name(function, name)
    target = handle if type(handle) is Handle else checked_handle(function, handle)
    enter()
    try:
        status = (
            call(target.cell, value, key) if size is None else call(target.cell, value, size, key)
        )
    finally:
        leave()
    if status != ISC_R_SUCCESS:
        raise _not_set(function, target, status)


def _not_set(function: str, target: Handle, status: int) -> DhcpctlError:
    if status == DEREFERENCED:
        return DhcpctlError(function, DHCP_R_INVALIDARG, DEREFERENCED_HANDLE)
    # C's authenticator has no set_value (omapip/support.c omapi_set_value): not found.
    authenticator = target.kind == "authenticator" and status == ISC_R_NOTFOUND
    return DhcpctlError(function, status, AUTHENTICATOR_TAKES_NO_VALUES if authenticator else None)


def dhcpctl_set_value(handle: Handle, value: DataLike, name: str) -> None:
    function = "dhcpctl_set_value"
    if type(value) is bytes:  # the common case, first
        _set_data(function, handle, value, name)
        return
    if isinstance(value, DataString) and value.cell is not None:
        _set(function, handle, name, _set_synced, value)
        return
    # Same typed value as C's dhcpctl_set_value makes (omapi_datatype_data).
    expected = "a DataString or bytes-like"
    if isinstance(value, DataString):
        value = bytes(value)  # read by dhcpctl_get_value: a copy (raises once released)
    _set_data(function, handle, CHECKS.bytes_like(function, "the value", value, expected), name)


def _set_synced(cell: Any, data: DataString, key: bytes) -> int:
    """``dhcpctl_set_value`` of a data string C owns, written first (under the lock)."""
    if cell[0] == ffi.NULL:  # before the data string's own check
        return DEREFERENCED
    return calls.set_value(cell, data.synced(), key)


def dhcpctl_set_string_value(handle: Handle, value: str, name: str) -> None:
    function = "dhcpctl_set_string_value"
    text = CHECKS.c_string(function, "the value", value)
    _set(function, handle, name, calls.set_string_value, text)


def dhcpctl_set_data_value(handle: Handle, value: BytesLike, name: str) -> None:
    function = "dhcpctl_set_data_value"
    _set_data(function, handle, CHECKS.bytes_like(function, "the value", value), name)


def _set_data(function: str, handle: object, data: bytes, name: object) -> None:
    _set(function, handle, name, calls.set_data_value, data, len(data))


def _set_null(cell: Any, _value: None, key: bytes) -> int:
    return calls.set_null_value(cell, key)


def dhcpctl_set_null_value(handle: Handle, name: str) -> None:
    _set("dhcpctl_set_null_value", handle, name, _set_null, None)


def dhcpctl_set_boolean_value(handle: Handle, value: bool, name: str) -> None:
    function = "dhcpctl_set_boolean_value"
    number = c_int(function, value)
    _set(function, handle, name, calls.set_boolean_value, number)


def dhcpctl_set_int_value(handle: Handle, value: int, name: str) -> None:
    function = "dhcpctl_set_int_value"
    number = c_int(function, value)
    _set(function, handle, name, calls.set_int_value, number)


def _send(
    function: str,
    connection: object,
    handle: object,
    update_reply: bool,
    call: Callable[[Any, Any, int], int],
    flags: int = 0,
) -> None:
    """Send a request: ``call(connection cell, object cell, flags)`` is its :mod:`.calls` one.

    ``update_reply``: the server answers it with an UPDATE on success.
    """
    # checked_handle inline where the check passes (a call less: 520 instructions each)
    conn = (
        connection
        if type(connection) is Handle and connection.kind == "connection"
        else checked_handle(function, connection, "connection")
    )
    obj = (
        handle
        if type(handle) is Handle and handle.kind == "object"
        else checked_handle(function, handle, "object")
    )
    enter()
    try:
        if obj.pending or conn.release_as == LOST_CONNECTION:
            _before_another(function, conn, obj)
        status = call(conn.cell, obj.cell, flags)
        if status == ISC_R_SUCCESS:
            replies.sent(obj, conn, update_reply)
        elif status == DEREFERENCED:
            raise DhcpctlError(function, DHCP_R_INVALIDARG, DEREFERENCED_HANDLE)
        elif status == DROPPED:
            conn.mark_lost()
            raise DhcpctlError(function, DHCP_R_INVALIDARG, _lost(conn))
    finally:
        leave()
    if status != ISC_R_SUCCESS:
        raise DhcpctlError(function, int(status))


def _before_another(function: str, conn: Handle, obj: Handle) -> None:
    """The checks before a request on an object that had one, or on a connection found lost:
    in the order the cells are checked in, refuse it, or forget the requests that died with
    their connection (call with the lock held)."""
    conn.pointer(function)
    obj.pointer(function)
    # C's open, update and remove say so too (omapi_protocol_send_message); its refresh
    # would lose the status and leave a request that never completes (dhcpctl.c:681-696).
    if conn.lost:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, _lost(conn))
    if obj.pending:
        if _alive(obj.connection):
            raise DhcpctlError(function, DHCP_R_INVALIDARG, _IN_PROGRESS)
        replies.forget(obj)


#: Why a second request on an object is refused: in C its wait may block for good (the
#: signal of one of two replies read at once is lost), and ``dhcpctl/dhcpctl.c`` says of its
#: requests "there can't be any other work in progress on the handle".
_IN_PROGRESS: Final = "a request is in progress on this handle: wait for it first"


def _alive(connection: Handle | None) -> bool:
    """Whether ``connection`` may still answer (call with the lock held)."""
    return connection is not None and connection.cell[0] != ffi.NULL and not connection.lost


def dhcpctl_open_object(handle: Handle, connection: Handle, flags: int = 0) -> None:
    function = "dhcpctl_open_object"
    # Any or'ing of DHCPCTL_CREATE, DHCPCTL_UPDATE and DHCPCTL_EXCL (1, 2, 4) passes at once.
    number = flags if type(flags) is int and 0 <= flags <= 7 else _flags(function, flags)
    _send(function, connection, handle, True, calls.open_object, number)


def _flags(function: str, flags: object) -> int:
    return c_int(function, CHECKS.integer(function, "flags", flags))


def dhcpctl_object_update(connection: Handle, handle: Handle) -> None:
    _send("dhcpctl_object_update", connection, handle, False, calls.object_update)


def dhcpctl_object_refresh(connection: Handle, handle: Handle) -> None:
    _send("dhcpctl_object_refresh", connection, handle, True, calls.object_refresh)


def dhcpctl_object_remove(connection: Handle, handle: Handle) -> None:
    _send("dhcpctl_object_remove", connection, handle, False, calls.object_remove)


def dhcpctl_set_callback(handle: Handle, data: Any, callback: Callback) -> None:
    # Kept and called by .replies: C's own callback objects crash 4.4.3-P1.
    function = "dhcpctl_set_callback"
    obj = checked_handle(function, handle, "object")
    CHECKS.callback(function, callback)
    with locked():
        obj.pointer(function)
    if obj.callback is None:
        obj.callback = (callback, data)


def dhcpctl_new_authenticator(name: str, algorithm: str, secret: BytesLike) -> Handle:
    function = "dhcpctl_new_authenticator"
    c_name = CHECKS.name(function, name, "the key name")
    c_algorithm = CHECKS.name(function, algorithm, "the algorithm")
    data = CHECKS.bytes_like(function, "the secret", secret)
    cell = ffi.new(_HANDLE_CELL)
    with locked():
        status = lib.dhcpctl_new_authenticator(cell, c_name, c_algorithm, data, len(data))
        if status != ISC_R_SUCCESS and cell[0] != ffi.NULL:
            c_object_dereference(cell)
    _check(function, status)
    authenticator = Handle("authenticator", cell)
    authenticator.key = key_name(
        c_name.decode("utf-8", "replace"), c_algorithm.decode("utf-8", "replace")
    )
    return authenticator


def dhcpctl_new_object(connection: Handle, object_type: str) -> Handle:
    function = "dhcpctl_new_object"
    conn = (
        connection
        if type(connection) is Handle and connection.kind == "connection"
        else checked_handle(function, connection, "connection")
    )
    rtype = KNOWN_NAMES.get(object_type) if type(object_type) is str else None
    rtype = rtype or CHECKS.name(function, object_type, "the object type")
    cell = ffi.new(_HANDLE_CELL)
    enter()
    try:
        status = calls.new_object(cell, conn.cell, rtype)
    finally:
        leave()
    if status == DEREFERENCED:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, DEREFERENCED_HANDLE)
    if status != ISC_R_SUCCESS:
        raise DhcpctlError(function, int(status))
    return Handle("object", cell)


def dhcpctl_data_string_dereference(data_string: DataString) -> None:
    function = "dhcpctl_data_string_dereference"
    if not isinstance(data_string, DataString):
        raise CHECKS.type_error(function, "the argument", "a DataString", data_string)
    with locked():
        status = data_string.release()
    _check(function, status)


def omapi_data_string_new(length: int) -> DataString:
    function = "omapi_data_string_new"
    size = CHECKS.length(function, length)
    cell = ffi.new("dhcpctl_data_string *")
    with locked():
        status = c_data_string_new(cell, size)
    _check(function, status)
    pointer = cell[0]
    return DataString(bytearray(ffi.buffer(pointer.value, pointer.len)), cell)


def omapi_object_dereference(handle: Handle) -> None:
    function = "omapi_object_dereference"
    target = handle if type(handle) is Handle else checked_handle(function, handle)
    if target.kind == "connection":
        _dereference_connection(function, target)
        return
    enter()
    try:
        status = calls.release(target.cell)
    finally:
        leave()
    if status == DEREFERENCED:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, DEREFERENCED_HANDLE)
    if status != ISC_R_SUCCESS:
        raise DhcpctlError(function, int(status))


def _dereference_connection(function: str, conn: Handle) -> None:
    """``omapi_object_dereference`` of a connection: disconnected first, unless C dropped it."""
    with locked():
        conn.pointer(function)
        status = close(conn.cell)
    _check(function, status)


def isc_result_totext(status: int) -> str:
    # C's texts are registered by dhcpctl_initialize.
    CHECKS.integer("isc_result_totext", "the status", status)
    with locked():
        text = lib.isc_result_totext(status & 0xFFFF_FFFF)
    if text == ffi.NULL:
        return UNKNOWN_RESULT_TEXT
    return str(ffi.string(text).decode("utf-8", "replace"))


_initialize_once()
inherit_docstrings(globals())

__all__ = list(FUNCTION_NAMES)
