"""What omshell prints of its current object: every value of the remote object, in order.

omshell (``dhcpctl/omshell.c``, ``main``) walks the remote object's inner generic object
(``omapip/generic.c``: values in the order their names were first set, a null value printed
``<null>``) and prints each by its C type: an int in decimal, a string in double quotes, data as
text in double quotes when every byte is printable ASCII, else colon-separated hex
(``common/print.c``, ``print_hex_or_string`` with a 1025-byte buffer), each after its name.
omshell writes a name as the server sent it; here a name's control characters (C0, tab included,
DEL, C1) and bytes that are not UTF-8 are escaped as ``\\xNN``, its format characters and line
separators as ``\\uXXXX`` (:func:`omshell_name`, :mod:`dhcpctl.cli._printable`'s rule), so that
a server cannot send a terminal a control sequence (``ESC ] 0 ;`` retitles it) nor reorder what
it shows (``\\u202e``): a deviation from omshell for bytes a well-behaved dhcpd
never sends (its names are printable ASCII), all else byte for byte (a server's values are data,
in hex unless printable ASCII). The C-named API has no call that lists an object's values, so
each backend's ``received`` extension lists them (``listing``): :mod:`dhcpctl.fallback.received`
keeps no string type, so a value set as a string is shown as one while it is the very value
:meth:`ObjectReader.mark_string` recorded; :mod:`dhcpctl._native.received` reads ISC's structs
under the library lock, after checking the object's type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from dhcpctl.cli._printable import printable

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


def omshell_name(name: bytes) -> bytes:
    """A value's name as the print-out shows it: as the server sent it (omshell), but its
    control characters and bytes that are not UTF-8 written ``\\xNN``, its format characters
    and line separators ``\\uXXXX`` (see the module)."""
    return printable(name.decode("utf-8", "surrogateescape")).encode()


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
        from dhcpctl.fallback import received as python_received
        from dhcpctl.fallback.objects import RemoteObject

        if isinstance(handle, RemoteObject):
            listed = python_received.listing(handle)
        else:
            from dhcpctl._native import received as native_received

            listed = native_received.listing(handle)  # type: ignore[arg-type]
        return [
            (name, None if kind is None else ShownValue(_KINDS[kind], content), identity)
            for name, kind, content, identity in listed
        ]


_KINDS: Final[dict[int, Kind]] = {0: "int", 1: "string", 2: "data", 3: "object"}


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
