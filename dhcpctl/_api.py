"""The Python shape of ISC's dhcpctl C API, written down once.

Both backends (``dhcpctl.fallback``, pure Python, and ``dhcpctl._native``, the real C library
through cffi) are checked against :class:`Backend` by the test suite: same names, same
signatures, same constants. The translation rules from C:

- out-parameters become return values; a non-success *local* status raises
  :class:`~dhcpctl.DhcpctlError` (``.status``, ``.text``, ``.function``);
- the wait functions return the *server's* status as an int and raise only for local failures;
- a C ``(pointer, length)`` pair is one bytes-like object; ``struct timeval *`` is seconds as a
  float, ``None`` meaning no limit; ``dhcpctl_null_handle`` is ``None``; ``MDL`` is dropped;
- every function that takes a data string also takes ``bytes``;
- the error of a failed connect or of a connection that ended says, in ``.detail``, the
  server's address, what the server said where the backend can read it, and the likely cause
  (:mod:`dhcpctl._diagnosis`), alike in both backends; only the statuses are C's.

Each function's docstring is written once, on :class:`Backend`, and given to both backends'
functions (:func:`inherit_docstrings`).

Where C 4.4.3-P1 would hang, crash or read freed memory, both backends raise instead, alike:
a handle used after ``omapi_object_dereference`` or ``dhcpctl_disconnect``, or a data string
after ``dhcpctl_data_string_dereference`` (``DHCP_R_INVALIDARG``); a wait with no request in
flight (``DHCP_R_INVALIDARG``; C blocks forever); a request on an object whose earlier request
is still in progress on a live connection, sent and not yet waited for
(``DHCP_R_INVALIDARG``: ``dhcpctl/dhcpctl.c`` says "there can't be any other work in progress
on the handle", and in C the second wait can block forever, as the signal of one of two
replies read at once is lost; a request whose connection ended is over); a ``str`` holding a
NUL where C takes a C string (``DHCP_R_INVALIDARG``; C would cut it); ``None`` or a wrong type
where a handle is required, or an object of the other backend (TypeError); a value of an
authenticator other than "name", "algorithm" and "key" (``ISC_R_NOTFOUND``: C's
omapi_auth_key_get_value returns success without a value and ``dhcpctl_get_value`` reads
through NULL). A wait on a handle with a callback returns (see
:meth:`Backend.dhcpctl_set_callback`).

Deviation: an address holding whitespace or a NUL raises ``DHCP_R_INVALIDARG`` in both
backends before anything is sent (:func:`dhcpctl._arguments.address_flaw`; the typed clients
raise ValueError). C's ``inet_aton`` (``omapip/connection.c`` omapi_connect) stops at
whitespace, so C connects to ``"127.0.0.1 "`` or ``"127.0.0.1\\tjunk"`` as to 127.0.0.1,
where a name lookup (the pure-Python backend, ``dhcpctl.aio``) fails.

Key algorithms are C's: ``dhcpctl_new_authenticator`` takes any name (one without a dot gets
``.SIG-ALG.REG.INT.``, ``dhcpctl/remote.c``); the server compares it with its key's, ignoring
case, and a connect with a name and algorithm it does not know fails with ``ISC_R_NOTFOUND``
(``omapip/auth.c`` omapi_auth_key_lookup). So against an hmac-md5 key ``"hmac-md4"`` and
``"hmac-md5.SIG-ALG.REG.INT"`` (no final dot) fail at the connect; ``"HMAC-MD5"`` and
``"HMAC-MD5.SIG-ALG.REG.INT."`` work. A server that takes a key ISC cannot sign with (only a
fake one would) gives a connection whose first request fails with ``ISC_R_NOMEMORY``
(``omapip/connection.c`` make_dst_key) and drops it.

Connections that end, as ISC's library answers (measured with a C program over it against
dhcpd), and where both backends deliberately answer otherwise ("Deviation"):

- The server drops the connection: until a wait notices, requests on it still succeed (C only
  buffers them; its dispatcher, in a wait, writes and reads), and that wait raises
  ``DHCP_R_CONNRESET``. From then on ``dhcpctl_open_object``, ``dhcpctl_object_update`` and
  ``dhcpctl_object_remove`` on it raise ``DHCP_R_INVALIDARG``
  (``omapip/protocol.c`` omapi_protocol_send_message), also once the server is back: only a
  new connection talks to it. ``dhcpctl_disconnect`` raises ``DHCP_R_INVALIDARG`` and leaves
  the handle for ``omapi_object_dereference`` (``dhcpctl/dhcpctl.c``); C also writes
  "dhcpctl_disconnect detected invalid arg" to stderr, the backends write nothing.
  Deviation: ``dhcpctl_object_refresh`` raises ``DHCP_R_INVALIDARG`` as well, where C loses
  that status (``dhcpctl.c`` dhcpctl_object_refresh overwrites it and returns success) and
  leaves a request no reply will ever complete.
- Deviation: a wait on an object whose request was in flight when its connection ended,
  dropped by the server or closed by ``dhcpctl_disconnect``/``omapi_object_dereference``,
  raises ``DHCP_R_CONNRESET``, every time. C gives that to the first wait after a drop it
  reads as an end of file, and after ``dhcpctl_disconnect(c, 0)`` while the request was still
  unsent; otherwise (a reset by a killed server, a forced disconnect, a second wait) its answer
  depends on the process's other connections: ``ISC_R_NOMORE`` when none is open, else the
  wait blocks until its timeout, or forever.
- A wait on a connection handle waits for a signal that never comes after the connect: timed,
  it reads the connection (replies to objects in flight are taken) and ends with
  ``ISC_R_TIMEDOUT``, as in C. Deviations: untimed, it raises ``DHCP_R_INVALIDARG`` at once
  (C blocks until the server drops the connection); on a connection the server dropped it
  raises ``DHCP_R_CONNRESET`` (C: ``ISC_R_NOMORE`` when no other connection is open, else it
  blocks until its timeout, or forever).

- Deviation: a connect that fails (refused, unreachable) raises ``ISC_R_NOMORE`` at once,
  whatever else is open. In C, with another connection open, ISC's library drops the failed
  connect but its wait goes on reading the others (``omapip/dispatch.c`` omapi_one_dispatch
  says ``ISC_R_NOMORE`` only when no connection is left): it waits out the timeout, or for good
  without one. The native backend waits in slices of 0.1 s and ends the connect once C has
  dropped it.
- Deviation: a connect that fails, whichever way (refused, timed out, Ctrl-C, the
  authenticator refused, a protocol error), leaves no socket open. C's
  ``dhcpctl_timed_connect`` (``dhcpctl/dhcpctl.c``) only dereferences a connect that timed
  out: its socket stays open and registered with ISC's dispatcher, one descriptor per
  attempt, until past select()'s limit every connect of the process fails with
  ``ISC_R_RANGE``. The native backend closes it first (``dhcpctl_disconnect`` with force).
- Deviation: a connection that ends (the server dropped it, a wrong secret,
  ``dhcpctl_disconnect``, its release) takes its requests that no reply answered off ISC's
  list of requests awaiting replies. C leaves them there for good (``omapip/protocol.c``
  omapi_protocol_signal_handler only signals their objects the "disconnect"), each holding its
  remote object and the connection's protocol object: 2-4 kB of memory per call whose
  connection the server drops. And the connection object itself is released: C keeps every
  one on its array of connections (``omapip/connection.c`` omapi_connection_register, with
  TRACING, ISC's default) for good (:mod:`dhcpctl._native.closing`).
- Deviation: message ids differ from process to process. C draws a connection's first id
  from libc's ``random()`` (``omapip/protocol.c`` omapi_protocol_send_intro), never seeded:
  every process sends the same ids, so a signed reply recorded once passes, replayed without
  the key, as the answer to another process's request. The native backend seeds ``random()``
  from ``os.urandom`` at its import and in every forked child
  (:mod:`dhcpctl._native.message_ids`); the pure-Python backend draws its ids from
  :mod:`secrets`.

Two differences remain between the backends. One comes from C reading every connection in
each wait where the pure-Python backend reads only the one waited on: a drop of one connection
is noticed by the native backend during a wait on another, so a request on it then raises
``DHCP_R_INVALIDARG`` there, where the pure-Python backend sends it and its wait raises
``DHCP_R_CONNRESET``.
The other: a connection that breaks before the connect has returned (a server that sends, right
after accepting the authenticator, a message the key's algorithm cannot verify) fails the
pure-Python connect, where C may return from the connect first and fail the next request.

Hostile servers (issue 8). Every reply is untrusted input. What a server may send is limited,
one set of numbers for both backends, defined in ``dhcpctl/fallback/wire.py`` (``MAX_*``): a
name 1,024 bytes, a value 65,536 bytes, 1,024 name/value pairs per list, a whole message 1 MiB,
a signature (authlen) 64 bytes, an announced header size 24 to 256. Beyond them, or for bytes
ISC's receiving code cannot take (a zero-length or any message value named ``op``, ``handle``,
``id``, ``rid``, ``authid``, ``object``, ``notify-object``; an ``authenticator`` is taken and
never used, as in C; an object's ``remote-handle`` that is not 4 bytes), the connection fails:
the pending wait (or the connect) raises DhcpctlError, ``DHCP_R_PROTOCOLERROR`` in the pure-
Python backend (``DHCP_R_VERSIONMISMATCH`` for an intro of another version); the native
backend's ISC library, patched by ``dhcpctl/isc_patches/`` (the same limits as ``OMAPI_MAX_*``
in its ``omapip_p.h``), drops the connection as C does, so the pending wait raises
``DHCP_R_CONNRESET`` and a connect cut short raises ``ISC_R_NOMORE`` (``DHCP_R_PROTOCOLERROR``
for an authenticator "accepted" by a STATUS): C's library does not say why it dropped a
connection. A known limit of the native backend: ISC's dispatcher (``omapip/dispatch.c``) uses
select(), so a connect whose socket is above descriptor 1,023 fails with ``ISC_R_RANGE``; the
pure-Python backend polls and has no such limit. Replies that came before the fault in the same
read are delivered first. On a keyed connection an unsigned reply (a message with a rid) fails
the connection (``DHCP_R_CONNRESET``), an unsigned message without a rid is dropped and answered
with a signed STATUS ``DHCP_R_NOKEYS`` "No authenticator on message"
(``omapi_message_process``), one signed with an unknown authid too (``DHCP_R_KEY_UNKNOWN``); one
with our authid and a wrong, short or missing signature (authlen 0 included) is dropped, a
signed STATUS ``DHCP_R_INVALIDKEY`` goes back (``protocol.c``) and the wait goes on. A connect
returns only once the intro is valid and, with a key, the authenticator OPEN was answered by an
UPDATE with a nonzero handle: a STATUS (its result, ``ISC_R_UNEXPECTED`` for a "success"),
handle 0, another op or an unknown authid make it raise. A reply completes only the request
whose id it carries as rid (the header's ``rid`` field, not its ``id``), sent on the same
connection, with an op that may answer it (UPDATE or STATUS). A message whose rid names no
request in flight on that connection (never sent on it, or answered already: a request stays
in flight until its reply, a wait that timed out included), with another op, or an UPDATE reply
without object values (nothing to apply) breaks the protocol and fails the connection at once,
both backends, as ISC's client drops it (``omapi_message_process`` returns
``ISC_R_NOTFOUND``, or ``DHCP_R_PROTOCOLERROR`` with ``0005-reply-matching``; ``protocol.c``
disconnects); the request of another connection it names gets nothing, and its wait runs to
its timeout. A message with rid 0 answers nothing and is ignored (ISC's client would process
it as a request). ``dhcpctl.aio`` follows the same rules but one: with many requests in
flight, it drops and logs a reply whose rid names no request in flight rather than fail every
call of the connection (its contract). Output never blocks: the STATUS
answers a server is owed wait in a buffer flushed as
the socket allows, and a server that does not read while they pass 1 MiB (``MAX_UNSENT``) fails
the connection with ``ISC_R_NOSPACE`` (the patched native library drops it,
``DHCP_R_CONNRESET``). Every timed call returns within its timeout plus ``TIMEOUT_SLACK`` (1 s;
``dhcpctl/fallback/transport.py``), whatever the server does; in the native backend also while
another thread waits on a slow or silent server (a wait holds ISC's library only for steps that
never block, and sleeps on its socket without it: another thread's call does not wait for it)
or is inside ISC's library (its lock is fair and a timed call waits for it no longer than its
deadline, then ``ISC_R_TIMEDOUT``; a connect holds the library until it returns, a wait on a
connection handle for 0.1 s at a time); an
untimed call ends by the limits, a close or a reply (a server that goes on sending valid traffic
that answers nothing keeps it waiting, like a silent one). The pure-Python backend waits on
sockets with poll, never select: descriptors above 1,024 work. Memory: a connection holds at
most one message being decoded (the limits above, plus one 64 KiB read) and its unsent output;
nothing once it is closed. ``tests/test_hostile_server.py`` checks each kind on both backends in
child processes (the memory rows under ``RLIMIT_AS``: peak resident growth under 16 MiB),
``tests/test_fuzz_hostile.py`` runs 2,000 fuzzed servers per backend,
``scripts/fuzz_hostile.py`` a longer campaign.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import (
    Any,
    Final,
    NoReturn,
    Protocol,
    SupportsIndex,
    TypeAlias,
    TypeVar,
    runtime_checkable,
)

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


class OneReference:
    """Base of both backends' handles and data strings: like C's ``dhcpctl_handle`` and
    ``dhcpctl_data_string``, each is a reference to one object, so ``copy.copy`` gives it
    itself (as copying the pointer in C does); ``copy.deepcopy`` and pickling raise
    ``TypeError`` (C has no way to duplicate a connection or a remote object, and a native
    one's second owner would release the C object under the first)."""

    __slots__ = ()

    def __copy__(self: _Reference) -> _Reference:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> NoReturn:
        raise TypeError(f"cannot deep-copy {self!r}: {_ONE_REFERENCE}")

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError(f"cannot pickle {self!r}: {_ONE_REFERENCE}")


_Reference = TypeVar("_Reference", bound=OneReference)
_ONE_REFERENCE: Final = "it is the one reference to its object (copy.copy gives it itself)"


#: What C passes as a ``(pointer, length)`` pair.
BytesLike: TypeAlias = "bytes | bytearray | memoryview"

#: What the set functions accept where C takes a ``dhcpctl_data_string``.
DataLike: TypeAlias = "DataString | BytesLike"

#: ``void (*)(dhcpctl_handle, dhcpctl_status, void *)``
Callback: TypeAlias = Callable[[Any, int, Any], None]


class Backend(Protocol):
    """The module interface of a backend, one member per C function (see module docstring).

    The docstrings here are the only ones of the C-named functions: each backend gives its
    functions these (:func:`inherit_docstrings`), so ``help(dhcpctl.dhcpctl_connect)`` shows
    the same text whichever backend is in use. Every function raises TypeError for an argument
    of the wrong Python type (or a handle of the other backend) and
    :class:`~dhcpctl.DhcpctlError` ``DHCP_R_INVALIDARG`` for a value C cannot take (a ``str``
    with a NUL where C takes a C string, a number out of range, a handle used after
    ``omapi_object_dereference`` or ``dhcpctl_disconnect``), before anything is sent.
    """

    DHCPCTL_CREATE: int
    DHCPCTL_UPDATE: int
    DHCPCTL_EXCL: int

    def dhcpctl_initialize(self) -> None:
        """Set up the library; ported C code calls it first.

        ``dhcpctl/dhcpctl.c`` dhcpctl_initialize (``omapi_init``, registering the object
        types and the result texts). The native backend runs it once at import, the
        pure-Python backend has nothing to set up: any call does nothing and returns None.
        """

    def dhcpctl_connect(self, address: str, port: int, authenticator: Handle | None) -> Handle:
        """Connect to dhcpd's OMAPI port and return the connection handle; blocks without limit.

        ``address`` (str): a dotted IPv4 address or a host name (resolved to IPv4); ``port``
        (int, 0..65535): dhcpd.conf's ``omapi-port``, 7911 by custom; ``authenticator``: a
        handle of :meth:`dhcpctl_new_authenticator` for a server with ``omapi-key``, or
        None. Returns once the server's introduction came and, with a key, the server
        accepted the authenticator (an OMAPI OPEN answered by an UPDATE).
        ``dhcpctl/dhcpctl.c`` dhcpctl_connect (``omapip/protocol.c``
        omapi_protocol_connect, ``omapip/connection.c`` omapi_connect).

        Raises :class:`~dhcpctl.DhcpctlError`, its text naming the address and the likely
        cause: ``ISC_R_NOMORE`` when the TCP connect failed (refused, unreachable) or the
        server closed the connection before the introduction (ISC's library returns the
        socket's own status instead, such as ``ISC_R_NETUNREACH``, where the connect fails
        at once, ``omapip/connection.c``); ``DHCP_R_HOSTUNKNOWN`` for a
        name that does not resolve; ``ISC_R_NOTFOUND`` when the server knows no key of the
        authenticator's name and algorithm (``omapip/auth.c`` omapi_auth_key_lookup); a
        protocol error's status for a server that breaks OMAPI (module docstring, "Hostile
        servers"). A wrong secret is not noticed here: the first request's wait raises
        ``DHCP_R_CONNRESET``. ``DHCP_R_INVALIDARG``, before anything is sent, for a port out of
        range or an address holding whitespace or a NUL (C would connect to ``"127.0.0.1 "``:
        module docstring).
        """

    def dhcpctl_timed_connect(
        self, address: str, port: int, authenticator: Handle | None, timeout: float | None
    ) -> Handle:
        """:meth:`dhcpctl_connect` within ``timeout`` seconds (float; None: no limit).

        ``dhcpctl/dhcpctl.c`` dhcpctl_timed_connect (C's ``struct timeval *``). Returns
        within the timeout plus 1 s whatever the server does; raises ``ISC_R_TIMEDOUT`` when
        it passes, and otherwise as :meth:`dhcpctl_connect`. A negative timeout counts as 0,
        one longer than a year (infinity too) as None; NaN raises ``DHCP_R_INVALIDARG``, a
        timeout that is not a number of seconds TypeError. A connect that fails, a timed-out
        one too, leaves no socket open (C leaves a timed-out one open: module docstring).
        """

    def dhcpctl_disconnect(self, connection: Handle, force: bool = False) -> None:
        """Close ``connection``; the handle is dereferenced (a later use raises).

        ``dhcpctl/dhcpctl.c`` dhcpctl_disconnect (``omapip/connection.c`` omapi_disconnect;
        ``force``: close at once rather than after the queued output, C's ``int force``; the
        pure-Python backend always drops output the server has not read). Requests in flight
        on it end: their waits raise ``DHCP_R_CONNRESET``. On a connection the server has
        dropped it raises ``DHCP_R_INVALIDARG`` and leaves the handle for
        :meth:`omapi_object_dereference`, as C does (C also writes "dhcpctl_disconnect
        detected invalid arg" to stderr; the backends write nothing).
        """

    def dhcpctl_wait_for_completion(self, handle: Handle) -> int:
        """Wait, without limit, for the reply to the request in flight on ``handle``; return the
        server's status (int: ``ISC_R_SUCCESS``, ``ISC_R_NOTFOUND``, ``ISC_R_EXISTS``, ...).

        ``dhcpctl/dhcpctl.c`` dhcpctl_wait_for_completion (``omapip/dispatch.c``
        omapi_wait_for_completion): C's out-parameter ``*s`` is the return value; the
        server's refusal is returned, not raised. Ctrl-C interrupts it. Raises
        :class:`~dhcpctl.DhcpctlError` for local failures only: ``DHCP_R_INVALIDARG`` when no
        request is in flight on the object (C blocks forever) or for a connection handle
        (untimed, C blocks until the server drops it); ``DHCP_R_CONNRESET`` when the
        connection ended (the server closed it, or a reply broke the protocol), its text
        naming the server and, for a keyed connection dropped at its first reply, the likely
        wrong secret. See the module docstring for every way a connection can end.
        """

    def dhcpctl_timed_wait_for_completion(self, handle: Handle, timeout: float | None) -> int:
        """:meth:`dhcpctl_wait_for_completion` within ``timeout`` seconds (float; None: none).

        ``dhcpctl/dhcpctl.c`` dhcpctl_timed_wait_for_completion. Returns within the timeout
        plus 1 s; raises ``ISC_R_TIMEDOUT`` when it passes, and the request stays in flight:
        a later wait takes the late reply. On a connection handle it reads the connection
        until the timeout and raises ``ISC_R_TIMEDOUT`` (as C), or ``DHCP_R_CONNRESET`` if the
        server dropped it. Timeouts are taken as by :meth:`dhcpctl_timed_connect`.
        """

    def dhcpctl_get_value(self, handle: Handle, name: str) -> DataString:
        """The value ``name`` of an object (as the server last sent it, or as set locally)
        or of an authenticator ("name", "algorithm", "key": the secret, hidden by ``repr``).

        ``dhcpctl/dhcpctl.c`` dhcpctl_get_value (``omapip/support.c`` omapi_get_value_str).
        The bytes are those of the wire: an integer or time is 4 bytes big-endian
        (``int.from_bytes(bytes(v), "big")``), an IPv4 address 4 bytes, a string its bytes
        without a NUL; the README's table lists each object type's values. The
        :class:`DataString` may be released with :meth:`dhcpctl_data_string_dereference`
        (optional in Python). Raises ``ISC_R_NOTFOUND`` when the object has no such value
        (also for a value set null locally).
        """

    def dhcpctl_get_boolean(self, handle: Handle, name: str) -> bool:
        """The value ``name`` read as a boolean: a 4-byte integer, nonzero is True.

        ``dhcpctl/dhcpctl.c`` dhcpctl_get_boolean. Raises ``ISC_R_NOTFOUND`` when there is
        no such value and ``ISC_R_UNEXPECTED`` when it is not 4 bytes long.
        """

    def dhcpctl_set_value(self, handle: Handle, value: DataLike, name: str) -> None:
        """Set the value ``name`` of a local object to the bytes of ``value`` (a
        :class:`DataString` or bytes-like), sent untyped as they are.

        ``dhcpctl/dhcpctl.c`` dhcpctl_set_value (``omapi_datatype_data``). Nothing is sent:
        the value is marked changed, and the next :meth:`dhcpctl_open_object` (as a lookup
        key or a new object's attribute) or :meth:`dhcpctl_object_update` carries it. Raises
        ``ISC_R_NOTFOUND`` on an authenticator (it takes no values, ``omapip/support.c``
        omapi_set_value).
        """

    def dhcpctl_set_string_value(self, handle: Handle, value: str, name: str) -> None:
        """Set ``name`` to the string ``value`` (str, sent as UTF-8 without a terminating NUL;
        one holding a NUL raises ``DHCP_R_INVALIDARG``).

        ``dhcpctl/dhcpctl.c`` dhcpctl_set_string_value (``omapi_datatype_string``); sent as
        :meth:`dhcpctl_set_value`.
        """

    def dhcpctl_set_data_value(self, handle: Handle, value: BytesLike, name: str) -> None:
        """Set ``name`` to the bytes ``value`` (bytes-like: C's pointer and length), e.g. a
        4-byte IPv4 address (``socket.inet_aton``) or a 6-byte MAC address.

        ``dhcpctl/dhcpctl.c`` dhcpctl_set_data_value (``omapi_datatype_data``); sent as
        :meth:`dhcpctl_set_value`.
        """

    def dhcpctl_set_null_value(self, handle: Handle, name: str) -> None:
        """Set ``name`` to no value: an update with it asks the server to delete that
        attribute; locally it reads as ``ISC_R_NOTFOUND``.

        ``dhcpctl/dhcpctl.c`` dhcpctl_set_null_value (``omapi_set_value`` without a typed
        value).
        """

    def dhcpctl_set_boolean_value(self, handle: Handle, value: bool, name: str) -> None:
        """Set ``name`` to a boolean, sent as a 4-byte integer (C's ``int``: a bool or an int
        of 32 bits, else ``DHCP_R_INVALIDARG``).

        ``dhcpctl/dhcpctl.c`` dhcpctl_set_boolean_value (``omapi_datatype_int``).
        """

    def dhcpctl_set_int_value(self, handle: Handle, value: int, name: str) -> None:
        """Set ``name`` to the integer ``value``, sent as 4 bytes big-endian: -2**31 up to
        2**32 - 1 (a time in seconds since the epoch, a hardware type), else
        ``DHCP_R_INVALIDARG``.

        ``dhcpctl/dhcpctl.c`` dhcpctl_set_int_value (``omapi_datatype_int``).
        """

    def dhcpctl_object_update(self, connection: Handle, handle: Handle) -> None:
        """Send the changed values of an opened object to the server (an OMAPI UPDATE); its
        answer is the status of the next wait on ``handle``.

        ``dhcpctl/dhcpctl.c`` dhcpctl_object_update. The server answers ``ISC_R_SUCCESS`` or
        why not (``ISC_R_NOPERM`` for a read-only value; ``ISC_R_NOTFOUND``, "no matching
        handle", for an object never opened). Raises ``DHCP_R_INVALIDARG`` on a connection
        that has ended, or while an earlier request on ``handle`` has not been waited for.
        """

    def dhcpctl_object_refresh(self, connection: Handle, handle: Handle) -> None:
        """Ask the server for the current values of an opened object (an OMAPI REFRESH); the
        next wait on ``handle`` returns its status and the values replace the local ones.

        ``dhcpctl/dhcpctl.c`` dhcpctl_object_refresh. Raises as
        :meth:`dhcpctl_object_update` (where C, on an ended connection, loses the status).
        """

    def dhcpctl_object_remove(self, connection: Handle, handle: Handle) -> None:
        """Ask the server to delete an opened object (an OMAPI DELETE); the next wait on
        ``handle`` returns its status.

        ``dhcpctl/dhcpctl.c`` dhcpctl_object_remove; the server's ``remove`` method of the
        type decides (``server/omapi.c``: dhcpd removes hosts; a lease answers
        ``ISC_R_NOTIMPLEMENTED``). Raises as :meth:`dhcpctl_object_update`.
        """

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
        ``"dhcpctl"``) and dropped. ``callback`` must be callable (else TypeError).

        The deliberate difference: in C a wait on a handle with a callback never returns (the
        callback object swallows the "ready" that the waiter needs); here the wait returns the
        server's status as it would without a callback.
        """

    def dhcpctl_new_authenticator(self, name: str, algorithm: str, secret: BytesLike) -> Handle:
        """An authenticator for :meth:`dhcpctl_connect`: a key as dhcpd.conf declares it.

        ``name`` (str): the key's name (``key "omapi_key" { ... }``); ``algorithm`` (str):
        "hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384" or
        "hmac-sha512", any case (a name without a dot gets ``.SIG-ALG.REG.INT.``);
        ``secret`` (bytes-like): the raw secret, i.e. dhcpd.conf's base64 decoded. Nothing
        is sent: the server judges the key at the connect (name and algorithm) and at the
        first request (the secret). Never shown in a repr or an error.
        ``dhcpctl/remote.c`` dhcpctl_new_authenticator.
        """

    def dhcpctl_new_object(self, connection: Handle, object_type: str) -> Handle:
        """A local handle of an object of ``object_type`` (str: "lease", "host", "group",
        "class", "subclass", "failover-state", "control"); nothing is sent.

        ``dhcpctl/remote.c`` dhcpctl_new_object. Set its lookup keys (or a new object's
        values) with the set functions, then :meth:`dhcpctl_open_object`. An object type the
        server does not know is answered at the open's wait (``ISC_R_NOTFOUND``).
        """

    def dhcpctl_open_object(self, handle: Handle, connection: Handle, flags: int = 0) -> None:
        """Send an OMAPI OPEN of ``handle`` over ``connection`` (note C's argument order): the
        values set on it are the lookup keys, or the new object's attributes.

        ``flags`` (int): 0 to look up, ``DHCPCTL_CREATE`` to create if absent,
        ``| DHCPCTL_EXCL`` to fail if present, ``DHCPCTL_UPDATE`` to update the found object
        with the values. The next wait on ``handle`` returns the server's status:
        ``ISC_R_SUCCESS`` (the object's values are then readable with
        :meth:`dhcpctl_get_value`), ``ISC_R_NOTFOUND``, ``ISC_R_EXISTS``,
        ``DHCP_R_KEYCONFLICT``, ``DHCP_R_NOKEYS`` (a keyed server, no authenticator), ...
        ``dhcpctl/remote.c`` dhcpctl_open_object; the server's side in ``omapip/message.c``
        omapi_message_process (``OMAPI_OP_OPEN``). Raises as
        :meth:`dhcpctl_object_update`.
        """

    def dhcpctl_data_string_dereference(self, data_string: DataString) -> None:
        """Release a :class:`DataString`; using it afterwards raises ``DHCP_R_INVALIDARG``.

        ``dhcpctl/dhcpctl.c`` dhcpctl_data_string_dereference (``omapip/alloc.c``
        omapi_data_string_dereference). Optional in Python: it is freed when it goes.
        """

    def omapi_data_string_new(self, length: int) -> DataString:
        """A new :class:`DataString` of ``length`` zero bytes (int, 0..2**32 - 1), to fill
        through its writable ``value`` (``ds.value[:] = socket.inet_aton(ip)``).

        ``omapip/alloc.c`` omapi_data_string_new.
        """

    def omapi_object_dereference(self, handle: Handle) -> None:
        """Drop a handle (connection, authenticator or object); a connection's socket is
        closed. Using the handle afterwards raises ``DHCP_R_INVALIDARG``.

        ``omapip/alloc.c`` omapi_object_dereference. Optional in Python: a handle is dropped
        when it goes.
        """

    def isc_result_totext(self, status: int) -> str:
        """The text of a status (int, taken modulo 2**32 as C's ``isc_result_t``):
        ``isc_result_totext(ISC_R_NOTFOUND)`` is "not found".

        BIND's ``lib/isc/result.c`` isc_result_totext with ISC DHCP's own texts
        (``omapip/result.c``); a number without a text gives "(result code text not
        available)".
        """


def inherit_docstrings(functions: Mapping[str, Callable[..., object]]) -> None:
    """Give a backend's C-named functions (its module's namespace) the docstrings of
    :class:`Backend`, written once there: call at the end of the backend's module."""
    for name in FUNCTION_NAMES:
        functions[name].__doc__ = getattr(Backend, name).__doc__
