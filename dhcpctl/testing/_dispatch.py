"""How dhcpd processes one verified request: ``omapip/message.c`` omapi_message_process, with
the object semantics of :mod:`._store`, answered through the codec's
:class:`~dhcpctl.fallback.server_protocol.ServerProtocol`.
"""

from __future__ import annotations

from dhcpctl._results import (
    DHCP_R_INVALIDARG,
    DHCP_R_NOKEYS,
    DHCP_R_UNCHANGED,
    ISC_R_EXISTS,
    ISC_R_NOTFOUND,
    ISC_R_NOTIMPLEMENTED,
    ISC_R_SUCCESS,
)
from dhcpctl.fallback.server_protocol import ServerProtocol
from dhcpctl.fallback.wire import (
    OP_DELETE,
    OP_NOTIFY,
    OP_OPEN,
    OP_REFRESH,
    OP_UPDATE,
    Message,
)

from ._store import TYPES, ServerObject, Store, int_value


def process(store: Store, protocol: ServerProtocol, request: Message) -> bytes | None:
    """The answer to ``request``, or None where dhcpd sends none (a STATUS that answers
    nothing it asked: ``omapi_message_process`` returns ISC_R_UNEXPECTED and dhcpd drops the
    connection, which the caller does on None)."""
    op = request.op
    if op == OP_OPEN:
        if request.rid:
            return protocol.status(request, DHCP_R_INVALIDARG, "OPEN can't be a response")
        return _open(store, protocol, request)
    if op == OP_REFRESH:
        return _refresh(store, protocol, request)
    if op == OP_UPDATE:
        return _update(store, protocol, request)
    if op == OP_DELETE:
        obj = _by_handle(store, request.handle)
        if obj is None:
            return protocol.status(request, ISC_R_NOTFOUND, "no matching handle")
        return protocol.status(request, obj.remove())
    if op == OP_NOTIFY:
        return protocol.status(request, ISC_R_NOTIMPLEMENTED, "notify not implemented yet")
    # A STATUS (the server asked nothing: ISC_R_UNEXPECTED) or an unknown op
    # (ISC_R_NOTIMPLEMENTED): omapi_message_process fails and dhcpd disconnects.
    return None


def _by_handle(store: Store, handle: int) -> ServerObject | None:
    obj = store.handles.lookup(handle)
    return obj if hasattr(obj, "stuff") else None  # type: ignore[return-value]


def _flag(request: Message, name: bytes) -> int | None:
    """An OPEN's flag: absent is 0; a value that is not an integer is None."""
    for key, value in reversed(request.message_values):
        if key == name:
            return int_value(value) if isinstance(value, bytes) else None
    return 0


def _keys(request: Message) -> dict[bytes, bytes]:
    """The object values a lookup sees: the last of each name; a null value is no value
    (``omapi_get_value_str`` finds nothing)."""
    keys: dict[bytes, bytes] = {}
    for name, value in request.object_values:
        if isinstance(value, bytes):
            keys[name] = value
        else:
            keys.pop(name, None)
    return keys


def _open(store: Store, protocol: ServerProtocol, request: Message) -> bytes:
    """message.c OMAPI_OP_OPEN."""
    type_name = request.message_value(b"type")
    object_type = TYPES.get(type_name) if isinstance(type_name, bytes) else None
    flags: dict[bytes, int] = {}
    for name in (b"create", b"update", b"exclusive"):
        value = _flag(request, name)
        if value is None:
            return protocol.status(
                request, DHCP_R_INVALIDARG, f"invalid {name.decode()} flag value"
            )
        flags[name] = value
    create, update, exclusive = flags[b"create"], flags[b"update"], flags[b"exclusive"]
    if object_type is None:
        if create:
            return protocol.status(request, DHCP_R_INVALIDARG, "type required on create")
        return _refresh(store, protocol, request)
    status, found = object_type.lookup(store, _keys(request))
    if status not in (ISC_R_SUCCESS, ISC_R_NOTFOUND, DHCP_R_NOKEYS):
        return protocol.status(request, status, "object lookup failed")
    if status == ISC_R_NOTFOUND and not create:
        return protocol.status(request, ISC_R_NOTFOUND, "no object matches specification")
    if status == ISC_R_SUCCESS and create and exclusive:
        return protocol.status(request, ISC_R_EXISTS, "specified object already exists")
    obj: ServerObject
    if found is None:
        made = object_type.create(store) if object_type.create is not None else None
        if made is None:
            return protocol.status(request, ISC_R_NOTIMPLEMENTED, "can't create new object")
        obj = made  # type: ignore[assignment]
    else:
        obj = found  # type: ignore[assignment]
    if create or update:
        status = _object_update(obj, request)
        if status != ISC_R_SUCCESS:
            return protocol.status(request, status, "can't update object")
    return _send_update(store, protocol, request, obj)


def _refresh(store: Store, protocol: ServerProtocol, request: Message) -> bytes:
    obj = _by_handle(store, request.handle)
    if obj is None:
        return protocol.status(request, ISC_R_NOTFOUND, "no matching handle")
    return _send_update(store, protocol, request, obj)


def _send_update(store: Store, protocol: ServerProtocol, request: Message, obj: object) -> bytes:
    """omapi_protocol_send_update: the handle first, then the values (which may give the
    lease's subnet and pool their handles)."""
    handle = store.handles.handle_of(obj)
    values = obj.stuff()  # type: ignore[attr-defined]
    return protocol.update(request, handle, values)


def _update(store: Store, protocol: ServerProtocol, request: Message) -> bytes:
    """message.c OMAPI_OP_UPDATE (a request: no rid)."""
    obj = _by_handle(store, request.handle)
    if obj is None:
        return protocol.status(request, ISC_R_NOTFOUND, "no matching handle")
    status = _object_update(obj, request)
    if status != ISC_R_SUCCESS:
        return protocol.status(request, status, "can't update object")
    return protocol.status(request, ISC_R_SUCCESS)


def _object_update(obj: ServerObject, request: Message) -> int:
    """support.c omapi_object_update: set each value in order (the last of a repeated name
    replaced the first in place, as the generic object does), stop at the first refusal, set
    ``remote-handle`` to the message's handle (ignoring the result), signal "updated"."""
    values: dict[bytes, bytes | None] = {}
    for name, value in request.object_values:
        values[name] = value if isinstance(value, bytes) else None
    for name, value in values.items():
        status = obj.set_value(name, value)
        if status not in (ISC_R_SUCCESS, DHCP_R_UNCHANGED):
            return status
    if request.handle:
        obj.set_value(b"remote-handle", request.handle.to_bytes(4, "big"))
    return obj.updated()
