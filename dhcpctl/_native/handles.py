"""The Python owners of C objects: :class:`Handle` and :class:`DataString`.

Each owns one reference to its C object (a cell: a ``dhcpctl_handle *`` or a
``dhcpctl_data_string *``), released by its finalizer through :func:`.lock.bury`, or
explicitly by the dereference functions, after which using it raises instead of reading freed
memory.
"""

from __future__ import annotations

import weakref
from typing import Any, Final

from dhcpctl._api import Callback, OneReference
from dhcpctl._busy_poll import BusyPoll
from dhcpctl._diagnosis import KeyName, Peer
from dhcpctl._errors import DhcpctlError
from dhcpctl._results import DHCP_R_INVALIDARG, ISC_R_SUCCESS

from .loader import c_data_string_dereference, ffi
from .lock import bury
from .preamble import dropped

#: A connection's ``release_as`` once C has dropped it.
LOST_CONNECTION: Final = "lost connection"
#: The error text of a call on a handle after its dereference.
DEREFERENCED_HANDLE: Final = "handle was dereferenced"


class Handle(OneReference):
    """``dhcpctl_handle``: a connection, authenticator or remote object of ISC's library.

    It owns one reference to the C object, dropped when the Python object goes (or by
    ``omapi_object_dereference``/``dhcpctl_disconnect``, after which using it raises).
    """

    __slots__ = (
        "__weakref__",
        "answered",
        "arrived",
        "arrived_status",
        "busy",
        "callback",
        "cell",
        "connection",
        "flight",
        "key",
        "kind",
        "peer",
        "pending",
        "release_as",
        "remote",
        "unreplied",
    )

    def __init__(self, kind: str, cell: Any) -> None:
        #: The ``dhcpctl_handle *`` that holds the reference (NULL once dereferenced).
        self.cell: Any = cell
        self.kind = kind
        #: How the finalizer releases the cell: only a connection's changes, to
        #: :data:`LOST_CONNECTION` once C has dropped it.
        self.release_as = kind
        #: A remote object's ``dhcpctl_remote_object_t`` (its ``waitstatus``), cast by
        #: :mod:`.replies` when first needed (it stays put while the cell holds it).
        self.remote: Any = None
        #: Requests sent on this object whose reply no wait has taken yet.
        self.pending = 0
        #: For each request whose reply was not read yet: is it an open or refresh (answered
        #: by an UPDATE when it succeeds)?
        self.unreplied: list[bool] = []
        #: Replies that arrived while no wait was on this object, and the latest one's status.
        self.arrived = 0
        self.arrived_status = ISC_R_SUCCESS
        #: While requests are in flight: the weak reference in :mod:`.replies`' set of them.
        self.flight: weakref.ref[Handle] | None = None
        #: The connection of the latest request (keeps it alive for the wait).
        self.connection: Handle | None = None
        #: ``dhcpctl_set_callback``'s function and data.
        self.callback: tuple[Callback, Any] | None = None
        #: An authenticator's key name and algorithm; a connection's server and key, and
        #: whether any reply came on it: what error texts say (:mod:`dhcpctl._diagnosis`).
        self.key: KeyName | None = None
        self.peer: Peer | None = None
        self.answered = False
        #: A connection's busy polling before its waits sleep (:mod:`dhcpctl._busy_poll`).
        self.busy: BusyPoll | None = None

    @property
    def lost(self) -> bool:
        """A connection C has dropped (the server closed it, a protocol error): its socket is
        closed, the handle stays until dereferenced (call with the lock held)."""
        if self.release_as == LOST_CONNECTION:
            return True
        pointer = self.cell[0]
        if self.kind == "connection" and pointer != ffi.NULL and dropped(pointer):
            self.mark_lost()
            return True
        return False

    def mark_lost(self) -> None:
        self.release_as = LOST_CONNECTION

    def pointer(self, function: str) -> Any:
        """The C handle; raises if it was dereferenced (call with the lock held)."""
        pointer = self.cell[0]
        if pointer == ffi.NULL:
            raise DhcpctlError(function, DHCP_R_INVALIDARG, DEREFERENCED_HANDLE)
        return pointer

    def __del__(self) -> None:
        """The finalizer (a method: a third of the instructions of an ``ffi.gc`` one): queue
        the reference for :func:`.lock.bury`, unless it was dereferenced explicitly."""
        if self.cell[0] != ffi.NULL:
            bury(self.cell, self.release_as)

    def __repr__(self) -> str:
        lost = self.release_as == LOST_CONNECTION
        state = "dereferenced" if self.cell[0] == ffi.NULL else "lost" if lost else "live"
        return f"<dhcpctl native {self.kind} handle ({state})>"


class DataString(OneReference):
    """``dhcpctl_data_string``: ``len`` bytes in a writable ``value``.

    ``value`` is a view of a Python-owned copy of the bytes: ``ds.value[:] =
    socket.inet_aton(addr)`` works as ``memcpy`` does in C, and a view kept after
    ``dhcpctl_data_string_dereference`` can never read freed C memory. After the dereference
    any use through the API raises :class:`DhcpctlError`.

    One made by ``omapi_data_string_new`` owns its C data string (``cell``), into which the
    copy is written (:meth:`synced`) whenever C reads it. One read by ``dhcpctl_get_value``
    owns none: its C data string was copied and freed at once (C only ever copies a value it
    is given, so ``dhcpctl_set_value`` passes such a copy as ``dhcpctl_set_data_value`` does).
    """

    __slots__ = ("_cell", "_copy", "_released", "_secret")

    def __init__(self, copy: bytearray, cell: Any = None, *, secret: bool = False) -> None:
        self._copy = copy
        self._cell: Any = None if cell is None else ffi.gc(cell, _bury_data_string)
        self._released = False
        #: A value of an authenticator (its "key" is the secret): ``repr`` shows only the length.
        self._secret = secret

    def _live(self) -> None:
        if self._released:
            raise DhcpctlError("dhcpctl_data_string", DHCP_R_INVALIDARG, "data string released")

    def synced(self) -> Any:
        """The C data string, holding what was written to ``value`` (call with the lock held;
        only for one that owns its C data string)."""
        self._live()
        pointer = self._cell[0]
        ffi.memmove(pointer.value, self._copy, len(self._copy))
        return pointer

    @property
    def cell(self) -> Any:
        """The C data string it owns (a ``dhcpctl_data_string *``), or None."""
        return self._cell

    def release(self) -> int:
        """``dhcpctl_data_string_dereference`` (call with the lock held): C's status."""
        self._live()
        self._released = True
        return ISC_R_SUCCESS if self._cell is None else c_data_string_dereference(self._cell)

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
        if self._released:
            return "DataString(<released>)"
        if self._secret:
            return f"DataString(<secret, {len(self._copy)} bytes>)"
        return f"DataString({bytes(self._copy)!r})"


def _bury_data_string(cell: Any) -> None:
    bury(cell, "data string")
