"""``dhcpctl_data_string``: a fixed-length, writable byte buffer."""

from __future__ import annotations

from dhcpctl._api import OneReference
from dhcpctl._errors import DhcpctlError
from dhcpctl._results import DHCP_R_INVALIDARG


class DataString(OneReference):
    """``len`` bytes in a writable ``value`` (``ds.value[:] = socket.inet_aton(addr)``).

    After ``dhcpctl_data_string_dereference`` the buffer is released and any use is a
    :class:`DhcpctlError`, where C would read freed memory. ``secret`` (a value of an
    authenticator, whose "key" is the secret): ``repr`` shows only the length.
    """

    __slots__ = ("_buffer", "_secret", "_view")

    def __init__(self, data: bytes | int, *, secret: bool = False) -> None:
        self._buffer: bytearray | None = bytearray(data)
        #: Made by the first :attr:`value`: most strings are only read whole (``bytes()``),
        #: and a view made with each costs 1,200 instructions more per ``dhcpctl_get_value``.
        self._view: memoryview | None = None
        self._secret = secret

    def _live(self) -> bytearray:
        if self._buffer is None:
            raise DhcpctlError("dhcpctl_data_string", DHCP_R_INVALIDARG, "data string released")
        return self._buffer

    @property
    def len(self) -> int:
        return len(self._live())

    @property
    def value(self) -> memoryview:
        """A writable view of the bytes, of fixed length; the same view each time."""
        buffer = self._live()
        if self._view is None:
            self._view = memoryview(buffer)
        return self._view

    def __bytes__(self) -> bytes:
        return bytes(self._live())

    def release(self) -> None:
        """Free the buffer (twice is an error, as C's dereference of a NULL pointer)."""
        self._live()
        self._buffer = None

    def __repr__(self) -> str:
        if self._buffer is None:
            return "DataString(<released>)"
        if self._secret:
            return f"DataString(<secret, {len(self._buffer)} bytes>)"
        return f"DataString({bytes(self._buffer)!r})"
