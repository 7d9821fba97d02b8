"""The Python shape of ISC's dhcpctl C API, written down once.

Both backends (``dhcpctl.fallback``, pure Python, and ``dhcpctl._native``, the real C library
through cffi) are checked against :class:`Backend` by the test suite: same names, same
signatures, same constants. The translation rules from C:

- out-parameters become return values; a non-success *local* status raises
  :class:`~dhcpctl.DhcpctlError` (``.status``, ``.text``, ``.function``);
- the wait functions return the *server's* status as an int and raise only for local failures;
- a C ``(pointer, length)`` pair is one bytes-like object; ``struct timeval *`` is seconds as a
  float, ``None`` meaning no limit; ``dhcpctl_null_handle`` is ``None``; ``MDL`` is dropped;
- every function that takes a data string also takes ``bytes``.

Where C 4.4.3-P1 would hang, crash or read freed memory, both backends raise instead, alike:
a handle used after ``omapi_object_dereference`` or ``dhcpctl_disconnect``, or a data string
after ``dhcpctl_data_string_dereference`` (``DHCP_R_INVALIDARG``); a wait with no request in
flight (``DHCP_R_INVALIDARG``; C blocks forever); a ``str`` holding a NUL where C takes a C
string (``DHCP_R_INVALIDARG``; C would cut it); ``None`` or a wrong type where a handle is
required, or an object of the other backend (TypeError). A wait on a handle with a callback
returns (see :meth:`Backend.dhcpctl_set_callback`). One difference remains between the two: a
refused connect while another connection is open fails at once with ``ISC_R_NOMORE`` in the
pure-Python backend, where ISC's library (the native backend) waits out the timeout, or forever
without one; a strict xfail in ``tests/test_scenarios_errors.py`` records it.

Hostile servers (issue 8). Every reply is untrusted input. What a server may send is limited,
one set of numbers for both backends, defined in ``dhcpctl/fallback/wire.py`` (``MAX_*``): a
name 1,024 bytes, a value 65,536 bytes, 1,024 name/value pairs per list, a whole message 1 MiB,
a signature (authlen) 64 bytes, an announced header size 24 to 256. Beyond them, or for bytes
ISC's receiving code cannot take (a zero-length or any message value named ``op``, ``handle``,
``id``, ``rid``, ``authid``, ``object``, ``notify-object``; an ``authenticator`` is taken and
never used, as in C; an object's ``remote-handle`` that is not 4 bytes), the connection fails:
the pending wait (or the connect) raises DhcpctlError, ``DHCP_R_PROTOCOLERROR`` in the pure-
Python backend (``DHCP_R_VERSIONMISMATCH`` for an intro of another version); the native
backend's ISC library, patched by ``scripts/isc_patches/`` (the same limits as ``OMAPI_MAX_*``
in its ``omapip_p.h``), drops the connection as C does, so the pending wait raises
``DHCP_R_CONNRESET`` (``ISC_R_NOMORE`` if the connection was already gone) and a connect cut
short raises ``ISC_R_NOMORE`` (``DHCP_R_PROTOCOLERROR`` for an authenticator "accepted" by a
STATUS): C's library does not say why it dropped a connection. A known limit of the native
backend: ISC's dispatcher (``omapip/dispatch.c``) uses select(), so a connect whose socket is
above descriptor 1,023 fails with ``ISC_R_RANGE``; the pure-Python backend polls and has no such
limit. Replies that came before the fault in the same read are delivered first. On a keyed
connection an unsigned message fails the connection (``DHCP_R_CONNRESET``), one signed with an
unknown authid too (``DHCP_R_KEY_UNKNOWN``); one with our authid and a wrong, short or missing
signature (authlen 0 included) is dropped, a signed STATUS ``DHCP_R_INVALIDKEY`` goes back
(``protocol.c``) and the wait goes on. A connect returns only once the intro is valid and, with
a key, the authenticator OPEN was answered by an UPDATE with a nonzero handle: a STATUS (its
result, ``ISC_R_UNEXPECTED`` for a "success"), handle 0, another op or an unknown authid make it
raise. A reply completes only the request whose id it carries as rid, with an op that may answer
it (UPDATE or STATUS); a message whose rid names no request in flight (never sent, or answered
already) or with another op breaks the protocol and fails the connection, as ISC's client drops
it (``omapi_message_process``); a message without a rid answers nothing and is ignored. Output
never blocks: the STATUS answers a server is owed wait in a buffer flushed as the socket allows,
and a server that does not read while they pass 1 MiB (``MAX_UNSENT``) fails the connection with
``ISC_R_NOSPACE`` (the patched native library drops it, ``DHCP_R_CONNRESET``). Every timed call
returns within its timeout plus ``TIMEOUT_SLACK`` (1 s; ``dhcpctl/fallback/transport.py``),
whatever the server does; an untimed call ends by the limits, a close or a reply (a server that
goes on sending valid traffic that answers nothing keeps it waiting, like a silent one). The
pure-Python backend waits on sockets with poll, never select: descriptors above 1,024 work.
Memory: a connection holds at most one message being decoded (the limits above, plus one 64 KiB
read) and its unsent output; nothing once it is closed. ``tests/test_hostile_server.py`` checks
each kind on both backends in child processes (the memory rows under ``RLIMIT_AS``: peak
resident growth under 16 MiB), ``tests/test_fuzz_hostile.py`` runs 2,000 fuzzed servers per
backend, ``scripts/fuzz_hostile.py`` a longer campaign.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, Protocol, TypeAlias, runtime_checkable

#: Flags of ``dhcpctl_open_object`` (``OMAPI_CREATE``, ``OMAPI_UPDATE``, ``OMAPI_EXCL``).
DHCPCTL_CREATE: Final = 1
DHCPCTL_UPDATE: Final = 2
DHCPCTL_EXCL: Final = 4

#: The names every backend module exports, besides the ``ISC_R_*``/``DHCP_R_*`` result codes.
FUNCTION_NAMES: Final = (
    "dhcpctl_initialize",
    "dhcpctl_connect",
    "dhcpctl_timed_connect",
    "dhcpctl_disconnect",
    "dhcpctl_wait_for_completion",
    "dhcpctl_timed_wait_for_completion",
    "dhcpctl_get_value",
    "dhcpctl_get_boolean",
    "dhcpctl_set_value",
    "dhcpctl_set_string_value",
    "dhcpctl_set_data_value",
    "dhcpctl_set_null_value",
    "dhcpctl_set_boolean_value",
    "dhcpctl_set_int_value",
    "dhcpctl_object_update",
    "dhcpctl_object_refresh",
    "dhcpctl_object_remove",
    "dhcpctl_set_callback",
    "dhcpctl_new_authenticator",
    "dhcpctl_new_object",
    "dhcpctl_open_object",
    "dhcpctl_data_string_dereference",
    "omapi_data_string_new",
    "omapi_object_dereference",
    "isc_result_totext",
)


@runtime_checkable
class DataString(Protocol):
    """``dhcpctl_data_string``: ``len`` bytes in a writable ``value`` buffer."""

    @property
    def len(self) -> int: ...

    @property
    def value(self) -> memoryview: ...

    def __bytes__(self) -> bytes: ...


class Handle(Protocol):
    """``dhcpctl_handle``: an opaque reference to a connection, authenticator or object."""


#: What C passes as a ``(pointer, length)`` pair.
BytesLike: TypeAlias = "bytes | bytearray | memoryview"

#: What the set functions accept where C takes a ``dhcpctl_data_string``.
DataLike: TypeAlias = "DataString | BytesLike"

#: ``void (*)(dhcpctl_handle, dhcpctl_status, void *)``
Callback: TypeAlias = Callable[[Any, int, Any], None]


class Backend(Protocol):
    """The module interface of a backend, one member per C function (see module docstring)."""

    DHCPCTL_CREATE: int
    DHCPCTL_UPDATE: int
    DHCPCTL_EXCL: int

    def dhcpctl_initialize(self) -> None: ...

    def dhcpctl_connect(self, address: str, port: int, authenticator: Handle | None) -> Handle: ...

    def dhcpctl_timed_connect(
        self, address: str, port: int, authenticator: Handle | None, timeout: float | None
    ) -> Handle: ...

    def dhcpctl_disconnect(self, connection: Handle, force: bool = False) -> None: ...

    def dhcpctl_wait_for_completion(self, handle: Handle) -> int: ...

    def dhcpctl_timed_wait_for_completion(self, handle: Handle, timeout: float | None) -> int: ...

    def dhcpctl_get_value(self, handle: Handle, name: str) -> DataString: ...

    def dhcpctl_get_boolean(self, handle: Handle, name: str) -> bool: ...

    def dhcpctl_set_value(self, handle: Handle, value: DataLike, name: str) -> None: ...

    def dhcpctl_set_string_value(self, handle: Handle, value: str, name: str) -> None: ...

    def dhcpctl_set_data_value(self, handle: Handle, value: BytesLike, name: str) -> None: ...

    def dhcpctl_set_null_value(self, handle: Handle, name: str) -> None: ...

    def dhcpctl_set_boolean_value(self, handle: Handle, value: bool, name: str) -> None: ...

    def dhcpctl_set_int_value(self, handle: Handle, value: int, name: str) -> None: ...

    def dhcpctl_object_update(self, connection: Handle, handle: Handle) -> None: ...

    def dhcpctl_object_refresh(self, connection: Handle, handle: Handle) -> None: ...

    def dhcpctl_object_remove(self, connection: Handle, handle: Handle) -> None: ...

    def dhcpctl_set_callback(self, handle: Handle, data: Any, callback: Callback) -> None:
        """Call ``callback(handle, status, data)`` as C's callback object would.

        As in C (``dhcpctl/callback.c:103-131``, ``dhcpctl/remote.c:301-314``,
        ``omapip/message.c:680-700`` and ``711-736``), it is called on every "ready" signal of
        the handle, with the handle and data given here and the handle's ``waitstatus``: twice
        (``ISC_R_SUCCESS``) for the UPDATE that answers a successful open or refresh
        ("updated", then "status"), once for a STATUS (an open not found, an update, a
        remove, any error). Only the first callback set on a handle is ever called. It runs
        in whichever thread's dhcpctl call read the reply, after that call released its lock,
        so it may call dhcpctl functions. An exception it raises is logged (logger
        ``"dhcpctl"``) and dropped.

        The deliberate difference: in C a wait on a handle with a callback never returns (the
        callback object swallows the "ready" that the waiter needs); here the wait returns the
        server's status as it would without a callback.
        """

    def dhcpctl_new_authenticator(self, name: str, algorithm: str, secret: BytesLike) -> Handle: ...

    def dhcpctl_new_object(self, connection: Handle, object_type: str) -> Handle: ...

    def dhcpctl_open_object(self, handle: Handle, connection: Handle, flags: int = 0) -> None: ...

    def dhcpctl_data_string_dereference(self, data_string: DataString) -> None: ...

    def omapi_data_string_new(self, length: int) -> DataString: ...

    def omapi_object_dereference(self, handle: Handle) -> None: ...

    def isc_result_totext(self, status: int) -> str: ...
