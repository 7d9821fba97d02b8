"""What the last reply to a remote object carried, read from ISC's objects: the typed client's
extension of the native backend (:class:`dhcpctl.Client`).

ISC's C API cannot list an object's values (``dhcpctl_get_value`` needs a name), nor give the
text of a STATUS reply. Both are in the remote object (``dhcpctl/remote.c``): the values in its
inner generic object (``omapip/generic.c``: an array of ``omapi_value_t``), the text in its
``message`` field, set by dhcpctl_remote_signal_handler from the STATUS. That field is declared
an ``omapi_typed_data_t *``, but ``omapip/message.c`` (omapi_message_process, OMAPI_OP_STATUS)
signals the STATUS with the ``omapi_value_t *`` of the message's "message" value (the other
"status" signals pass NULL), so it holds an ``omapi_value_t`` and is read as one.

Which values came with the reply: ``omapi_generic_set_value`` puts a value that arrives for a
name the object already has into a newly allocated ``omapi_value_t`` in the same slot (the old
one is released after: the two never share an address), and appends a new name. So
:func:`mark`, taken before the request is sent, records each slot's pointer, and
:func:`received` gives the names of the slots whose pointer changed or that are new. A value
the server sent with zero length is absent (ISC keeps it as "no value" and drops it when the
reply is applied, ``omapi_generic_clear_flags``).

Every function takes the library lock. The generic object's type is checked against the one
the library registered (name ``"generic"``, size of :data:`omapi_generic_object_t`) before its
values are read: DhcpctlError ``ISC_R_UNEXPECTED`` otherwise.
"""

from __future__ import annotations

from typing import Any, Final

from dhcpctl._errors import DhcpctlError
from dhcpctl._results import ISC_R_UNEXPECTED

from .handles import Handle
from .layout import LAYOUT, remote
from .lock import locked

_GENERIC: Final = b"generic"
_DATATYPE_INT: Final = 0  # omapi_datatype_int
_BUFFERS: Final = (1, 2)  # omapi_datatype_string, omapi_datatype_data (object: never read)
_DATATYPE_OBJECT: Final = 3  # omapi_datatype_object


def _generic(function: str, handle: Handle) -> Any:
    obj = remote(handle.pointer(function))
    inner = obj.inner
    if inner == LAYOUT.NULL:
        raise DhcpctlError(function, ISC_R_UNEXPECTED, "the remote object has no value list")
    generic = LAYOUT.cast("omapi_generic_object_t *", inner)
    kind = LAYOUT.cast("omapi_object_type_head_t *", generic.type)
    name = LAYOUT.string(kind.name) if kind.name != LAYOUT.NULL else b""
    if name != _GENERIC or kind.size != LAYOUT.sizeof("omapi_generic_object_t"):
        raise DhcpctlError(
            function, ISC_R_UNEXPECTED, f"the inner object is {name!r} of {kind.size} bytes"
        )
    return generic


def _slots(generic: Any) -> list[int]:
    return [
        int(LAYOUT.cast("uintptr_t", generic.values[i])) for i in range(max(generic.nvalues, 0))
    ]


def mark(handle: Handle) -> list[int]:
    """Before a request on ``handle``: the address in each slot of its value list."""
    with locked():
        return _slots(_generic("received.mark", handle))


def _bytes(typed: Any) -> bytes:
    if typed.type == _DATATYPE_INT:
        return (int(typed.u.integer) & 0xFFFF_FFFF).to_bytes(4, "big")
    return bytes(LAYOUT.buffer(typed.u.buffer.value, typed.u.buffer.len))


def received(handle: Handle, before: list[int]) -> dict[str, bytes]:
    """After the reply: the values it set, by name (ISC's), as bytes; names that are not UTF-8
    come back with surrogate escapes."""
    with locked():
        generic = _generic("received.received", handle)
        values: dict[str, bytes] = {}
        for slot, address in enumerate(_slots(generic)):
            if address == 0 or (slot < len(before) and before[slot] == address):
                continue
            value = generic.values[slot]
            if value.name == LAYOUT.NULL or value.value == LAYOUT.NULL:
                continue
            if value.value.type != _DATATYPE_INT and value.value.type not in _BUFFERS:
                continue  # an object reference: the wire never carries one
            name = bytes(LAYOUT.buffer(value.name.value, value.name.len))
            values[name.decode("utf-8", "surrogateescape")] = _bytes(value.value)
        return values


def message(handle: Handle) -> str | None:
    """The text of the last STATUS reply to ``handle``, or None if it carried none."""
    with locked():
        obj = remote(handle.pointer("received.message"))
        if obj.message == LAYOUT.NULL:
            return None
        value = LAYOUT.cast("omapi_value_t *", obj.message)
        typed = value.value
        if typed == LAYOUT.NULL or typed.type not in _BUFFERS:
            return None
        return _bytes(typed).decode("utf-8", "replace") or None


Listed = tuple[bytes, "int | None", "bytes | int", int]
"""One value of :func:`listing`: name, ISC datatype, content, identity."""


def listing(handle: Handle) -> list[Listed]:
    """Every value of ``handle``'s object in ISC's order (``omapip/generic.c``: names in the
    order first set), as ``(name, datatype, content, identity)``: ``datatype`` is ISC's
    ``omapi_datatype_*`` (0 int, 1 string, 2 data, 3 object) or None for a null value;
    ``content`` the int, the bytes of a string or data (b"" for null, 0 for an object); and
    ``identity`` the address of the typed data, which changes whenever the value is replaced.
    What ``dhcpctl shell`` prints, as omshell does (``dhcpctl/omshell.c``)."""
    with locked():
        generic = _generic("received.listing", handle)
        values: list[Listed] = []
        for slot in range(max(generic.nvalues, 0)):
            value = generic.values[slot]
            if value == LAYOUT.NULL or value.name == LAYOUT.NULL:
                continue
            name = bytes(LAYOUT.buffer(value.name.value, value.name.len))
            typed = value.value
            identity = int(LAYOUT.cast("uintptr_t", typed))
            if typed == LAYOUT.NULL:
                values.append((name, None, b"", identity))
            elif typed.type == _DATATYPE_INT:
                values.append((name, _DATATYPE_INT, int(typed.u.integer), identity))
            elif typed.type in _BUFFERS:
                values.append((name, int(typed.type), _bytes(typed), identity))
            else:
                values.append((name, _DATATYPE_OBJECT, 0, identity))
        return values


__all__ = ["listing", "mark", "message", "received"]
