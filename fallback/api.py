"""The dhcpctl functions (``dhcpctl/dhcpctl.c``, ``remote.c``, ``callback.c``) in Python.

Translation rules are those of :mod:`dhcpctl._api`. Where C would crash, hang or read freed
memory, these raise :class:`DhcpctlError` instead:

- a dereferenced handle, a disconnected connection or a released data string:
  ``DHCP_R_INVALIDARG``;
- a wait on an object with no request in flight and no unseen reply (C blocks forever), or a
  second request on an object whose first is still in progress: ``DHCP_R_INVALIDARG``;
- a wait on an object whose request was in flight when its connection ended, or on a
  connection whose peer went away: ``DHCP_R_CONNRESET`` (also for later waits; see
  :mod:`dhcpctl._api` for the other answers on connections that end);
- a wait or connect on a connection whose peer broke the protocol: the status that says how
  (``DHCP_R_PROTOCOLERROR``, ``DHCP_R_VERSIONMISMATCH``, ``DHCP_R_KEY_UNKNOWN``,
  ``ISC_R_NOSPACE`` for a peer that does not read its answers; see "Hostile servers" in
  :mod:`dhcpctl._api`), named after the function that was called; the codec's own
  :class:`~.wire.ProtocolError` never reaches the user.

As in C, a reply whose signature is wrong is dropped, never taken: the server gets a STATUS of
``DHCP_R_INVALIDKEY`` back and the wait goes on (a later good reply completes it; otherwise it
ends with its timeout or, when the server closes, ``DHCP_R_CONNRESET``).

Timed calls return within their timeout plus :data:`~.transport.TIMEOUT_SLACK`, whatever the
server does. Timed waits raise ``ISC_R_TIMEDOUT`` (C's return value); the request stays in
flight and the connection stays usable: a later wait on the same object takes the late reply,
as ``dhcpctl.3`` describes. A wait with a callback set still completes (in C it would block: the
callback object swallows the "ready" signal). ``dhcpctl_initialize`` is optional here.
"""

from __future__ import annotations

import time
from typing import Any, Final

from dhcpctl._api import (
    DHCPCTL_CREATE,
    DHCPCTL_EXCL,
    DHCPCTL_UPDATE,
    FUNCTION_NAMES,
    BytesLike,
    Callback,
    DataLike,
    inherit_docstrings,
)
from dhcpctl._arguments import ArgumentChecks
from dhcpctl._diagnosis import AUTHENTICATOR_TAKES_NO_VALUES, lost, not_boolean
from dhcpctl._errors import DhcpctlError
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_INVALIDARG,
    ISC_R_NOMEMORY,
    ISC_R_NOTFOUND,
    ISC_R_UNEXPECTED,
)
from dhcpctl._results import isc_result_totext as _result_text

from .auth import Key
from .datastring import DataString
from .objects import Authenticator, Connection, Generic, Handle, RemoteObject, not_found
from .session import open_connection
from .transport import LinkError
from .wire import OP_DELETE, OP_OPEN, OP_REFRESH, OP_UPDATE, Pair, Value

_CHECKS = ArgumentChecks(
    foreign_module="dhcpctl._native",
    mixing="belongs to the native backend (dhcpctl._native); this is the pure-Python backend "
    "(dhcpctl.fallback): objects cannot be mixed",
)


def _handle(function: str, handle: object, kind: type[Handle] = Handle) -> Any:
    """``handle`` if it is a live ``kind``; typed by the caller (a frame per call less than a
    wrapper per kind, and the liveness test inline: 900 instructions per call less, eight
    calls per lease lookup)."""
    if not isinstance(handle, kind):
        raise _CHECKS.type_error(
            function, "the handle", f"a dhcpctl {kind.__name__} handle", handle
        )
    if handle.dead:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, "handle was dereferenced")
    return handle


def _set(function: str, handle: object, name: object, value: Value) -> None:
    key = _CHECKS.name(function, name)
    target = _handle(function, handle)
    if not isinstance(target, Generic):
        # C's authenticator has no set_value (omapip/support.c), so omapi_set_value says so.
        raise DhcpctlError(function, ISC_R_NOTFOUND, AUTHENTICATOR_TAKES_NO_VALUES)
    target.set(key, value)


def dhcpctl_initialize() -> None:
    # Nothing to set up in Python; kept so ported C code runs unchanged.
    return


def dhcpctl_connect(address: str, port: int, authenticator: Handle | None) -> Connection:
    return _connect("dhcpctl_connect", address, port, authenticator, None)


def dhcpctl_timed_connect(
    address: str, port: int, authenticator: Handle | None, timeout: float | None
) -> Connection:
    function = "dhcpctl_timed_connect"
    return _connect(function, address, port, authenticator, _CHECKS.timeout(function, timeout))


def _connect(
    function: str, address: object, port: object, authenticator: object, timeout: float | None
) -> Connection:
    host, number = _CHECKS.address_and_port(function, address, port)
    key = None
    if authenticator is not None:
        key = _handle(function, authenticator, Authenticator).key
    return open_connection(function, host, number, key, timeout)


def _gone(connection: Connection) -> str:
    """What a request or wait on a dead connection says: its server, how it ended."""
    return lost(connection.peer, f"the connection has ended: {connection.link.ended}")


#: Why a wait is refused: nothing in flight on the object, or another wait took its reply.
_NOTHING_IN_PROGRESS: Final = "no request in progress on this handle"
#: Why a second request on an object is refused (see :mod:`dhcpctl._api`).
_IN_PROGRESS = "a request is in progress on this handle: wait for it first"


def dhcpctl_disconnect(connection: Handle, force: bool = False) -> None:
    # Bytes the server has not read yet are dropped: force changes nothing.
    function = "dhcpctl_disconnect"
    conn: Connection = _handle(function, connection, Connection)
    if not conn.link.alive:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, _gone(conn))
    conn.link.close()
    conn.dereference()


def dhcpctl_wait_for_completion(handle: Handle) -> int:
    return _wait("dhcpctl_wait_for_completion", handle, None)


def dhcpctl_timed_wait_for_completion(handle: Handle, timeout: float | None) -> int:
    function = "dhcpctl_timed_wait_for_completion"
    return _wait(function, handle, _CHECKS.timeout(function, timeout))


def _wait(function: str, handle: object, timeout: float | None) -> int:
    deadline = None if timeout is None else time.monotonic() + timeout
    target = _handle(function, handle)
    if isinstance(target, Connection):
        return _wait_on_connection(function, target, deadline)
    if not isinstance(target, RemoteObject):
        raise DhcpctlError(function, DHCP_R_INVALIDARG, "nothing to wait for on this handle")
    link, peer = target.link, target.peer
    if link is None or peer is None or (target.outstanding == 0 and target.unseen == 0):
        raise DhcpctlError(function, DHCP_R_INVALIDARG, _NOTHING_IN_PROGRESS)
    taken = []

    def take() -> bool:
        """Under the link's lock: take a reply that came, or end when none is left to come
        (another thread's wait on the object took it)."""
        if target.unseen > 0:
            target.unseen -= 1
            taken.append(target.waitstatus)
            return True
        return target.outstanding == 0

    try:
        link.wait(take, deadline)
    except LinkError as exc:
        raise DhcpctlError(function, exc.status, lost(peer, exc.detail)) from None
    if not taken:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, _NOTHING_IN_PROGRESS)
    return taken[0]


def _wait_on_connection(function: str, connection: Connection, deadline: float | None) -> int:
    """C's wait on a connection handle: no signal comes after the connect, so C returns
    ``ISC_R_TIMEDOUT`` at the deadline, reading meanwhile; untimed it would block until the
    server drops the connection (see :mod:`dhcpctl._api`)."""
    link = connection.link
    if not link.alive:
        raise DhcpctlError(function, DHCP_R_CONNRESET, _gone(connection))
    if deadline is None:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, "nothing to wait for on a connection")
    try:
        link.wait(lambda: not link.alive, deadline, reply=False)
    except LinkError as exc:  # the deadline passed
        raise DhcpctlError(function, exc.status, lost(connection.peer, exc.detail)) from None
    raise DhcpctlError(function, DHCP_R_CONNRESET, _gone(connection))


def dhcpctl_get_value(handle: Handle, name: str) -> DataString:
    return _get("dhcpctl_get_value", handle, name)


def _get(function: str, handle: object, name: str) -> DataString:
    key = _CHECKS.name(function, name)
    target = _handle(function, handle)
    if not isinstance(target, Generic | Authenticator):
        raise not_found(function, name)
    try:
        value = target.get(key)
    except KeyError:
        raise not_found(function, name) from None
    if isinstance(value, int):
        return DataString((value & 0xFFFF_FFFF).to_bytes(4, "big"))
    return DataString(bytes(value or b""), secret=isinstance(target, Authenticator))


def dhcpctl_get_boolean(handle: Handle, name: str) -> bool:
    function = "dhcpctl_get_boolean"
    data = bytes(_get(function, handle, name))
    if len(data) != 4:
        raise DhcpctlError(function, ISC_R_UNEXPECTED, not_boolean(name))
    return int.from_bytes(data, "big") != 0


def dhcpctl_set_value(handle: Handle, value: DataLike, name: str) -> None:
    function = "dhcpctl_set_value"
    if isinstance(value, DataString):
        data = bytes(value)
    else:
        data = _CHECKS.bytes_like(function, "the value", value, "a DataString or bytes-like")
    _set(function, handle, name, data)


def dhcpctl_set_string_value(handle: Handle, value: str, name: str) -> None:
    function = "dhcpctl_set_string_value"
    _set(function, handle, name, _CHECKS.c_string(function, "the value", value))


def dhcpctl_set_data_value(handle: Handle, value: BytesLike, name: str) -> None:
    function = "dhcpctl_set_data_value"
    _set(function, handle, name, _CHECKS.bytes_like(function, "the value", value))


def dhcpctl_set_null_value(handle: Handle, name: str) -> None:
    _set("dhcpctl_set_null_value", handle, name, None)


def dhcpctl_set_boolean_value(handle: Handle, value: bool, name: str) -> None:
    function = "dhcpctl_set_boolean_value"
    _set(function, handle, name, _CHECKS.int32(function, value))


def dhcpctl_set_int_value(handle: Handle, value: int, name: str) -> None:
    function = "dhcpctl_set_int_value"
    _set(function, handle, name, _CHECKS.int32(function, value))


def _send(
    function: str,
    connection: object,
    handle: object,
    op: int,
    message_values: tuple[Pair, ...] = (),
    send_object: bool = False,
    object_handle: int | None = None,
) -> None:
    conn: Connection = _handle(function, connection, Connection)
    obj: RemoteObject = _handle(function, handle, RemoteObject)
    # C's open, update and remove say so too (omapi_protocol_send_message); its refresh
    # would lose the status and leave a request that never completes (dhcpctl.c:681-696).
    if not conn.link.alive:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, _gone(conn))
    key = conn.link.protocol.key
    if key is not None and key.digest is None:
        # Only a server that took a key of an algorithm ISC cannot sign with gets here: C's
        # omapi_protocol_send_message then fails to make the key (connection.c make_dst_key:
        # ISC_R_NOMEMORY) and drops the connection.
        conn.link.close()
        raise DhcpctlError(function, ISC_R_NOMEMORY, f"cannot sign with {key.algorithm!r}")
    if obj.outstanding or obj.unseen:
        if obj.link is not None and obj.link.alive:
            raise DhcpctlError(function, DHCP_R_INVALIDARG, _IN_PROGRESS)
        obj.outstanding = obj.unseen = 0  # they died with their connection
    values = obj.changed_values() if send_object else ()
    remote = obj.remote_handle if object_handle is None else object_handle

    def register(xid: int) -> None:
        conn.dispatcher.register(xid, obj, op)
        obj.link, obj.peer = conn.link, conn.peer

    try:
        conn.link.request(op, remote, message_values, values, register)
    except LinkError as exc:
        raise DhcpctlError(function, exc.status, lost(conn.peer, exc.detail)) from None


_FLAG_NAMES = (
    (DHCPCTL_CREATE, b"create"),
    (DHCPCTL_UPDATE, b"update"),
    (DHCPCTL_EXCL, b"exclusive"),
)
_FLAG_MASK = DHCPCTL_CREATE | DHCPCTL_UPDATE | DHCPCTL_EXCL
#: The message values of each combination of open flags (made once, not at each open).
_OPEN_FLAGS: dict[int, tuple[Pair, ...]] = {
    flags: tuple((name, 1) for flag, name in _FLAG_NAMES if flags & flag)
    for flags in range(_FLAG_MASK + 1)
}


def dhcpctl_open_object(handle: Handle, connection: Handle, flags: int = 0) -> None:
    function = "dhcpctl_open_object"
    _CHECKS.integer(function, "flags", flags)
    obj: RemoteObject = _handle(function, handle, RemoteObject)
    message_values = _OPEN_FLAGS[flags & _FLAG_MASK] + ((b"type", obj.rtype.encode()),)
    # C writes the handle of the local object here, which is never assigned: 0.
    _send(function, connection, obj, OP_OPEN, message_values, True, 0)


def dhcpctl_object_update(connection: Handle, handle: Handle) -> None:
    _send("dhcpctl_object_update", connection, handle, OP_UPDATE, send_object=True)


def dhcpctl_object_refresh(connection: Handle, handle: Handle) -> None:
    _send("dhcpctl_object_refresh", connection, handle, OP_REFRESH)


def dhcpctl_object_remove(connection: Handle, handle: Handle) -> None:
    _send("dhcpctl_object_remove", connection, handle, OP_DELETE)


def dhcpctl_set_callback(handle: Handle, data: Any, callback: Callback) -> None:
    # Called by .session as replies are applied.
    function = "dhcpctl_set_callback"
    obj: RemoteObject = _handle(function, handle, RemoteObject)
    _CHECKS.callback(function, callback)
    if obj.callback is None:
        obj.callback = (callback, data)


def dhcpctl_new_authenticator(name: str, algorithm: str, secret: BytesLike) -> Authenticator:
    function = "dhcpctl_new_authenticator"
    key_name = _CHECKS.name(function, name, "the key name").decode()
    key_algorithm = _CHECKS.name(function, algorithm, "the algorithm").decode()
    data = _CHECKS.bytes_like(function, "the secret", secret)
    return Authenticator(Key(key_name, key_algorithm, data))


def dhcpctl_new_object(connection: Handle, object_type: str) -> RemoteObject:
    function = "dhcpctl_new_object"
    _handle(function, connection, Connection)
    return RemoteObject(_CHECKS.name(function, object_type, "the object type").decode())


def dhcpctl_data_string_dereference(data_string: DataString) -> None:
    if not isinstance(data_string, DataString):
        raise _CHECKS.type_error(
            "dhcpctl_data_string_dereference", "the argument", "a DataString", data_string
        )
    data_string.release()


def omapi_data_string_new(length: int) -> DataString:
    function = "omapi_data_string_new"
    return DataString(_CHECKS.length(function, length))


def omapi_object_dereference(handle: Handle) -> None:
    target = _handle("omapi_object_dereference", handle)
    if isinstance(target, Connection):
        target.link.close()
    target.dereference()


def isc_result_totext(status: int) -> str:
    # Its own function object: the docstring below is the Backend's, not _results'.
    return _result_text(status)


inherit_docstrings(globals())

__all__ = list(FUNCTION_NAMES)
