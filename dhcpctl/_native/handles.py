"""The Python owners of C objects: :class:`Handle` and :class:`DataString`.

Each owns one reference to its C object (a cell: a ``dhcpctl_handle *`` or a
``dhcpctl_data_string *``), released by its finalizer through :func:`.lock.bury`, or
explicitly by the dereference functions, after which using it raises instead of reading freed
memory.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from dhcpctl._api import Callback
from dhcpctl._diagnosis import KeyName, Peer
from dhcpctl._errors import DhcpctlError
from dhcpctl._results import DHCP_R_INVALIDARG, ISC_R_SUCCESS

from .loader import ffi
from .lock import bury
from .preamble import dropped


class Handle:
    """``dhcpctl_handle``: a connection, authenticator or remote object of ISC's library.

    It owns one reference to the C object, dropped when the Python object goes (or by
    ``omapi_object_dereference``/``dhcpctl_disconnect``, after which using it raises).
    """

    __slots__ = (
        "__weakref__",
        "_cell",
        "_release",
        "answered",
        "arrived",
        "arrived_status",
        "callback",
        "connection",
        "key",
        "kind",
        "peer",
        "pending",
        "unreplied",
    )

    def __init__(self, kind: str, cell: Any) -> None:
        self.kind = kind
        #: How the finalizer releases the cell (shared with it, so it must not hold self).
        self._release = [kind]
        release = self._release
        self._cell = ffi.gc(cell, lambda c: bury(c, release[0]))
        #: Requests sent on this object whose reply no wait has taken yet.
        self.pending = 0
        #: For each request whose reply was not read yet: is it an open or refresh (answered
        #: by an UPDATE when it succeeds)?
        self.unreplied: deque[bool] = deque()
        #: Replies that arrived while no wait was on this object, and the latest one's status.
        self.arrived = 0
        self.arrived_status = ISC_R_SUCCESS
        #: The connection of the latest request (keeps it alive for the wait).
        self.connection: Handle | None = None
        #: ``dhcpctl_set_callback``'s function and data.
        self.callback: tuple[Callback, Any] | None = None
        #: An authenticator's key name and algorithm; a connection's server and key, and
        #: whether any reply came on it: what error texts say (:mod:`dhcpctl._diagnosis`).
        self.key: KeyName | None = None
        self.peer: Peer | None = None
        self.answered = False

    @property
    def lost(self) -> bool:
        """A connection C has dropped (the server closed it, a protocol error): its socket is
        closed, the handle stays until dereferenced (call with the lock held)."""
        if self._release[0] == "lost connection":
            return True
        pointer = self._cell[0]
        if self.kind == "connection" and pointer != ffi.NULL and dropped(pointer):
            self.mark_lost()
            return True
        return False

    def mark_lost(self) -> None:
        self._release[0] = "lost connection"

    def pointer(self, function: str) -> Any:
        """The C handle; raises if it was dereferenced (call with the lock held)."""
        pointer = self._cell[0]
        if pointer == ffi.NULL:
            raise DhcpctlError(function, DHCP_R_INVALIDARG, "handle was dereferenced")
        return pointer

    @property
    def cell(self) -> Any:
        return self._cell

    def __repr__(self) -> str:
        lost = self._release[0] == "lost connection"
        state = "dereferenced" if self._cell[0] == ffi.NULL else "lost" if lost else "live"
        return f"<dhcpctl native {self.kind} handle ({state})>"


class DataString:
    """``dhcpctl_data_string``: ``len`` bytes in a writable ``value``.

    ``value`` is a view of a Python-owned copy of the C bytes, written back into the C data
    string (:meth:`synced`) whenever C reads it: ``ds.value[:] = socket.inet_aton(addr)`` works
    as ``memcpy`` does in C, and a view kept after ``dhcpctl_data_string_dereference`` can never
    read freed C memory. After the dereference any use through the API raises
    :class:`DhcpctlError`.
    """

    __slots__ = ("_cell", "_copy", "_secret")

    def __init__(self, cell: Any, *, secret: bool = False) -> None:
        self._cell = ffi.gc(cell, lambda c: bury(c, "data string"))
        pointer = cell[0]
        self._copy = bytearray(ffi.buffer(pointer.value, pointer.len))
        #: A value of an authenticator (its "key" is the secret): ``repr`` shows only the length.
        self._secret = secret

    def _live(self) -> Any:
        pointer = self._cell[0]
        if pointer == ffi.NULL:
            raise DhcpctlError("dhcpctl_data_string", DHCP_R_INVALIDARG, "data string released")
        return pointer

    def synced(self) -> Any:
        """The C data string, holding what was written to ``value`` (call with the lock held)."""
        pointer = self._live()
        ffi.memmove(pointer.value, self._copy, len(self._copy))
        return pointer

    @property
    def cell(self) -> Any:
        return self._cell

    @property
    def len(self) -> int:
        self._live()
        return len(self._copy)

    @property
    def value(self) -> memoryview:
        self._live()
        return memoryview(self._copy)

    def __bytes__(self) -> bytes:
        self._live()
        return bytes(self._copy)

    def __repr__(self) -> str:
        if self._cell[0] == ffi.NULL:
            return "DataString(<released>)"
        if self._secret:
            return f"DataString(<secret, {len(self._copy)} bytes>)"
        return f"DataString({bytes(self._copy)!r})"
