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

import struct
from typing import Any, Final

from dhcpctl._errors import DhcpctlError
from dhcpctl._results import ISC_R_UNEXPECTED

from .handles import Handle
from .layout import LAYOUT, connection_object, remote
from .loader import MODE, ffi, lib
from .lock import locked
from .preamble import dropped

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


#: API mode: what the C helpers of ``build_ffi.py`` fill (under the lock), grown when short.
_SLOTS = [ffi.new("uintptr_t[]", 64)] if MODE == "api" else []
_PACKED = [ffi.new("unsigned char[]", 4096)] if MODE == "api" else []
_U32: Final = struct.Struct("!I")


def mark(handle: Handle) -> list[int]:
    """Before a request on ``handle``: the address in each slot of its value list."""
    with locked():
        generic = _generic("received.mark", handle)
        if MODE == "api":
            return slots_in_c(handle.pointer("received.mark"))
        return _slots(generic)


def received(handle: Handle, before: list[int]) -> dict[str, bytes]:
    """After the reply: the values it set, by name (ISC's), as bytes; names that are not UTF-8
    come back with surrogate escapes."""
    with locked():
        generic = _generic("received.received", handle)
        if MODE == "api":
            return received_in_c(handle.pointer("received.received"), before)
        return received_in_python(generic, before)


def _bytes(typed: Any) -> bytes:
    if typed.type == _DATATYPE_INT:
        return (int(typed.u.integer) & 0xFFFF_FFFF).to_bytes(4, "big")
    return bytes(LAYOUT.buffer(typed.u.buffer.value, typed.u.buffer.len))


def received_in_python(generic: Any, before: list[int]) -> dict[str, bytes]:
    """:func:`received` read field by field through cffi (ABI mode; call with the lock held,
    the generic object checked)."""
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


def slots_in_c(pointer: Any) -> list[int]:
    """:func:`mark` in one call of ``py_slots`` (``build_ffi.py``; API mode, lock held)."""
    count = lib.py_slots(pointer, _SLOTS[0], len(_SLOTS[0]))
    if count > len(_SLOTS[0]):
        _SLOTS[0] = ffi.new("uintptr_t[]", count)
        count = lib.py_slots(pointer, _SLOTS[0], count)
    return ffi.unpack(_SLOTS[0], count)  # type: ignore[no-any-return]


def received_in_c(pointer: Any, before: list[int]) -> dict[str, bytes]:
    """:func:`received_in_python` in one call of ``py_received`` (``build_ffi.py``; API mode,
    lock held, the generic object checked), which packs the values it selects: a third of the
    time in a tight loop (44 to 14 us for a lease)."""
    slots = ffi.new("uintptr_t[]", before) if before else ffi.NULL
    size = lib.py_received(pointer, slots, len(before), _PACKED[0], len(_PACKED[0]))
    if size > len(_PACKED[0]):
        _PACKED[0] = ffi.new("unsigned char[]", size)
        size = lib.py_received(pointer, slots, len(before), _PACKED[0], size)
    packed = ffi.buffer(_PACKED[0], size)[:]
    values: dict[str, bytes] = {}
    at = 0
    while at < size:
        (length,) = _U32.unpack_from(packed, at)
        name = packed[at + 4 : at + 4 + length].decode("utf-8", "surrogateescape")
        at += 4 + length
        (length,) = _U32.unpack_from(packed, at)
        values[name] = packed[at + 4 : at + 4 + length]
        at += 4 + length
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


def fileno(connection: Handle) -> int:
    """The socket of the ``dhcpctl_connect`` handle ``connection`` (the ``socket`` of ISC's
    ``omapi_connection_object_t``, as a wait's step reads it: :func:`.layout.connection_object`),
    or -1 when the handle was closed or C has dropped the connection (:mod:`.preamble`). Takes
    the library lock: the object lives while it is held."""
    with locked():
        pointer = connection.cell[0]
        if pointer == ffi.NULL or dropped(pointer):
            return -1
        return int(connection_object(pointer).socket)


__all__ = ["fileno", "listing", "mark", "message", "received"]
