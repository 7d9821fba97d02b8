"""What omshell prints of its current object: every value of the remote object, in order.

omshell (``dhcpctl/omshell.c``, ``main``) walks the remote object's inner generic object
(``omapip/generic.c``: values in the order their names were first set, a null value printed
``<null>``) and prints each by its C type: an int in decimal, a string in double quotes, data
as text in double quotes when every byte is printable ASCII, else colon-separated hex
(``common/print.c``, ``print_hex_or_string`` with a 1025-byte buffer). The C-named API has no
call that lists an object's values, so each backend's object is read here:

- ``python``: :class:`dhcpctl.fallback.objects.RemoteObject` keeps them in ``values``; a value
  set as a string is the very ``bytes`` object :meth:`ObjectReader.mark_string` recorded;
- ``native``: the C structs (``omapi_generic_object_t``, ``omapi_value_t``,
  ``omapi_typed_data_t`` of ISC DHCP 4.4.3-P1's ``omapip/omapip_p.h`` and ``omapip.h``), read
  under the library lock with a cffi declaration of their own. The native backend refuses at
  import any library that is not 4.4.3-P1's (:mod:`dhcpctl._native.layout`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

Kind = Literal["int", "string", "data", "object"]


@dataclass(frozen=True)
class ShownValue:
    """One value as omshell holds it: its C type and content, or ``None`` for null."""

    kind: Kind
    content: bytes | int

    def omshell_text(self) -> bytes:
        """The text omshell prints after ``name = ``."""
        if self.kind == "object":
            return b"<obj>"
        if isinstance(self.content, int):
            return b"%d" % self.content
        if self.kind == "string":
            return b'"' + self.content.split(b"\0", 1)[0] + b'"'
        return hex_or_string(self.content)


#: omshell's ``hex_buf`` size (``char hex_buf[1025]``).
_LIMIT: Final = 1025


def hex_or_string(data: bytes) -> bytes:
    """``print_hex_or_string(len, data, 1025, buf)`` (``common/print.c``)."""
    shown = data[: _LIMIT - 3]
    if all(0x20 <= byte < 0x7F for byte in shown):
        return b'"' + shown + b'"'
    if not data or len(data) * 3 > _LIMIT:
        return b""
    return data.hex(":").encode()


Values = list[tuple[bytes, "ShownValue | None"]]


class ObjectReader:
    """Reads a remote object's values from whichever backend made it.

    A value set with ``dhcpctl_set_string_value`` is a C string until the server replaces it;
    where the backend cannot tell (a non-UTF-8 string goes as data), :meth:`mark_string`
    records the value's identity (the Python ``bytes`` object, or the address of the C typed
    data) and :meth:`read` shows it as a string while it is still that very value.
    """

    def __init__(self) -> None:
        self._strings: dict[tuple[int, bytes], int] = {}

    def mark_string(self, handle: object, name: bytes) -> None:
        """Record that ``name`` was just set to a string on ``handle``."""
        for found, _, identity in self._raw(handle):
            if found == name:
                self._strings[id(handle), name] = identity

    def read(self, handle: object) -> Values:
        """The values of ``handle`` in C's order."""
        shown: Values = []
        for name, value, identity in self._raw(handle):
            if value is not None and self._strings.get((id(handle), name)) == identity:
                value = ShownValue("string", value.content)
            shown.append((name, value))
        return shown

    @staticmethod
    def _raw(handle: object) -> list[tuple[bytes, ShownValue | None, int]]:
        values = getattr(handle, "values", None)
        if isinstance(values, dict):
            return [(name, _python_value(value), id(value)) for name, value in values.items()]
        return _native_values(handle)


def _python_value(value: object) -> ShownValue | None:
    if value is None:
        return None
    if isinstance(value, int):
        return ShownValue("int", value)
    assert isinstance(value, bytes)
    return ShownValue("data", value)


_CDEF: Final = """
typedef struct { int refcnt; unsigned len; unsigned char value[1]; } shell_data_string_t;
typedef struct {
    int refcnt; int type;
    union {
        struct { unsigned len; unsigned char value[1]; } buffer;
        void *object;
        struct { void *ptr; void *reference; void *dereference; } ref;
        int integer;
    } u;
} shell_typed_data_t;
typedef struct { int refcnt; shell_data_string_t *name; shell_typed_data_t *value; } shell_value_t;
typedef struct {
    void *type; int refcnt; unsigned handle; void *outer; void *inner;
    shell_value_t **values; unsigned char *changed; int nvalues, va_max;
} shell_generic_object_t;
typedef struct {
    void *type; int refcnt; unsigned handle; void *outer; shell_generic_object_t *inner;
} shell_remote_head_t;
"""
_KINDS: Final[dict[int, Kind]] = {0: "int", 1: "string", 2: "data", 3: "object"}
_ffi: Any = None


def _native_values(handle: object) -> list[tuple[bytes, ShownValue | None, int]]:
    global _ffi
    from cffi import FFI  # type: ignore[import-untyped,unused-ignore]

    from dhcpctl._native.loader import ffi as library_ffi
    from dhcpctl._native.lock import locked

    if _ffi is None:
        _ffi = FFI()
        _ffi.cdef(_CDEF)
    shown: list[tuple[bytes, ShownValue | None, int]] = []
    with locked("omshell object"):
        pointer = handle.pointer("omshell object")  # type: ignore[attr-defined]
        address = int(library_ffi.cast("uintptr_t", pointer))
        generic = _ffi.cast("shell_remote_head_t *", address).inner
        for i in range(generic.nvalues):
            value = generic.values[i]
            if value == _ffi.NULL:
                continue
            name = bytes(_ffi.buffer(value.name.value, value.name.len))
            typed = value.value
            address = int(_ffi.cast("uintptr_t", typed))
            if typed == _ffi.NULL:
                shown.append((name, None, address))
            elif typed.type == 0:
                shown.append((name, ShownValue("int", int(typed.u.integer)), address))
            elif typed.type == 3:  # an object reference: omshell prints <obj>
                shown.append((name, ShownValue("object", 0), address))
            elif typed.type in _KINDS:
                data = bytes(_ffi.buffer(typed.u.buffer.value, typed.u.buffer.len))
                shown.append((name, ShownValue(_KINDS[typed.type], data), address))
    return shown


def json_value(value: ShownValue | None) -> int | str | None:
    """A value for ``--json``: an int, text where every byte is printable, else hex."""
    if value is None:
        return None
    data = value.content
    if value.kind == "object":
        return "<obj>"
    if isinstance(data, int):
        return data
    if all(0x20 <= byte < 0x7F for byte in data):
        return data.decode("ascii")
    return data.hex(":")
