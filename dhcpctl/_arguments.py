"""The argument checks both backends share, so that both reject a bad argument alike.

A wrong Python type raises TypeError; a value of the right type that C cannot take raises
:class:`DhcpctlError` ``DHCP_R_INVALIDARG``. Where C itself needs more (the native backend
rejects NaN timeouts), the backend checks that on top of these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from dhcpctl._errors import DhcpctlError, shorten
from dhcpctl._results import DHCP_R_INVALIDARG

#: What C passes as a ``(pointer, length)`` pair.
BYTES_LIKE: Final = (bytes, bytearray, memoryview)

#: The longest timeout (seconds: a year) kept as such; a longer one means no limit (the
#: operating system's timers and ``struct timeval`` arithmetic overflow not far above).
LONGEST_TIMEOUT: Final = 365 * 86400.0

#: Names checked before, and their C strings: a program asks for the same few names over and
#: over. Bounded (no name is added past :data:`_NAMES_KEPT`). A str found here needs no check:
#: a backend's hot calls may look there first (``KNOWN_NAMES.get(name) if type(name) is str``).
KNOWN_NAMES: Final[dict[str, bytes]] = {}
_NAMES_KEPT: Final = 1024


def address_flaw(address: str) -> str | None:
    """Why no backend may connect to ``address`` alike, or None: it holds whitespace or a NUL.

    C would cut it there (``omapip/connection.c`` omapi_connect: ``inet_aton`` stops at
    whitespace, so ``"127.0.0.1 junk"`` connects to 127.0.0.1), where a name lookup (the
    pure-Python backend, ``dhcpctl.aio``) fails: every typed client and both backends refuse it
    with this text, before anything is sent.
    """
    if "\0" in address or any(character.isspace() for character in address):
        return f"{shorten(address)} holds whitespace or a NUL (C would cut it there): strip it"
    return None


@dataclass(frozen=True)
class ArgumentChecks:
    """The checks of one backend.

    The backends' objects cannot be mixed. ``foreign_module`` (a module prefix) and
    ``mixing``, the text that ends the TypeError, let a backend say so when given an object of
    the other one, instead of only naming a type that looks right (both have a ``Handle``).
    """

    foreign_module: str | None = None
    mixing: str = ""

    def type_error(self, function: str, what: str, expected: str, got: object) -> TypeError:
        module = type(got).__module__ or ""
        if self.foreign_module is not None and module.startswith(self.foreign_module):
            return TypeError(f"{function}: {what} {self.mixing}")
        return TypeError(f"{function}: {what} must be {expected}, not {type(got).__name__}")

    def text(self, function: str, what: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.type_error(function, what, "str", value)
        return value

    def c_string(self, function: str, what: str, value: object) -> bytes:
        """A str that C takes as ``const char *``: encoded, and refused if it holds a NUL
        (C would silently cut it there)."""
        encoded = self.text(function, what, value).encode()
        if b"\0" in encoded:
            raise DhcpctlError(function, DHCP_R_INVALIDARG, f"NUL in {what}")
        return encoded

    def name(self, function: str, name: object, what: str = "the value name") -> bytes:
        """A value, key, algorithm or object type name: a C string."""
        if type(name) is not str:
            return self.c_string(function, what, name)
        known = KNOWN_NAMES.get(name)
        if known is None:
            known = self.c_string(function, what, name)
            if len(KNOWN_NAMES) < _NAMES_KEPT:
                KNOWN_NAMES[name] = known
        return known

    def bytes_like(
        self, function: str, what: str, value: object, expected: str = "bytes-like"
    ) -> bytes:
        if not isinstance(value, BYTES_LIKE):
            raise self.type_error(function, what, expected, value)
        return bytes(value)

    def timeout(self, function: str, timeout: object) -> float | None:
        """Seconds, or ``None`` for no limit: a negative timeout counts as 0, one longer than
        :data:`LONGEST_TIMEOUT` (infinity too) as None; NaN raises DhcpctlError
        ``DHCP_R_INVALIDARG``, what is not a number TypeError."""
        if timeout is None:
            return None
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise self.type_error(function, "the timeout", "seconds (float) or None", timeout)
        seconds = float(timeout)
        if math.isnan(seconds):
            raise DhcpctlError(function, DHCP_R_INVALIDARG, "timeout is NaN")
        return None if seconds > LONGEST_TIMEOUT else max(seconds, 0.0)

    def int32(self, function: str, value: object) -> int:
        """An int that fits 32 bits, signed or unsigned (C takes either as ``int``)."""
        if not isinstance(value, int):
            raise self.type_error(function, "the value", "int", value)
        if not -(1 << 31) <= value < (1 << 32):
            raise DhcpctlError(function, DHCP_R_INVALIDARG, "integer outside 32 bits")
        return int(value)

    def integer(self, function: str, what: str, value: object) -> int:
        """An int that is not a bool (flags, lengths, ports)."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.type_error(function, what, "int", value)
        return value

    def callback(self, function: str, callback: object) -> None:
        if not callable(callback):
            raise self.type_error(function, "the callback", "callable", callback)

    def address_and_port(self, function: str, address: object, port: object) -> tuple[str, int]:
        """Where ``dhcpctl_connect`` connects to: DhcpctlError ``DHCP_R_INVALIDARG`` for an
        address :func:`address_flaw` refuses or a port outside 0-65535."""
        host = self.text(function, "the address", address)
        flaw = address_flaw(host)
        if flaw is not None:
            raise DhcpctlError(function, DHCP_R_INVALIDARG, f"the address {flaw}")
        number = self.integer(function, "the port", port)
        if not 0 <= number <= 0xFFFF:
            raise DhcpctlError(function, DHCP_R_INVALIDARG, f"port {number} out of range")
        return host, number

    def length(self, function: str, length: object) -> int:
        """The length of a new data string (C's ``unsigned``)."""
        number = self.integer(function, "the length", length)
        if not 0 <= number < (1 << 32):
            raise DhcpctlError(function, DHCP_R_INVALIDARG, f"length {number} out of range")
        return number
