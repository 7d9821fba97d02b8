"""The native dhcpctl backend: ISC DHCP 4.4.3-P1's own libdhcpctl through cffi.

The compiled API-mode module ``dhcpctl._native_lib`` is used when it is built; else (or with
``DHCPCTL_NATIVE_MODE=abi``) cffi's ABI mode loads ISC's shared libraries
(:mod:`dhcpctl._native_abi`). If neither is possible, importing this module raises ImportError
saying what is missing. The interface is :class:`dhcpctl._api.Backend`, like the pure-Python
backend's (:mod:`dhcpctl.fallback`).

Threads: ISC's library keeps global state (its dispatcher and I/O list) and is not
thread-safe, so every call into it holds one module lock, ``_lock``. The GIL is released
during each C call (cffi does so in API and ABI mode), so other Python threads run while a
wait blocks; their dhcpctl calls wait for the lock. Handles and data strings dropped by Python
are queued by their finalizers and dereferenced by the next call that holds the lock (a
finalizer may run in any thread, at any time, also while the lock is held). Callbacks set with
:func:`dhcpctl_set_callback` run when the C call that read their reply has returned, outside
the lock, so they may call dhcpctl functions.

Where C would crash, hang or read freed memory, these raise instead (as the pure-Python
backend does):

- a handle after ``omapi_object_dereference`` or ``dhcpctl_disconnect``, a data string after
  ``dhcpctl_data_string_dereference``: :class:`DhcpctlError` ``DHCP_R_INVALIDARG``;
- a wait on an object with no request in flight (C blocks forever), or on an object whose
  connection was disconnected: ``DHCP_R_INVALIDARG``; after the server dropped the connection,
  ``DHCP_R_CONNRESET``;
- ``None`` or a wrong type where a handle is required: TypeError.

ISC's dispatcher reads every connection whenever any wait runs, and the "ready" signal of a
reply for an object nobody waits on is lost: in C, a later wait on that object blocks forever
(two threads, or two objects in flight at once). Here each dispatching call first sets the
``waitstatus`` of every object in flight to a sentinel; one that changed got its reply, which
the next wait on that object returns at once. (This reads ISC's ``dhcpctl_remote_object_t``
layout, fixed for 4.4.3-P1: see ``_LAYOUT``.)

Callbacks: C's ``dhcpctl_set_callback`` is unusable in 4.4.3-P1. It allocates its callback
object without an object type, so the next request on the handle (``stuff_values`` walking the
object chain) dereferences a NULL type and crashes; and had it worked, a wait on the handle
would block forever (the callback object swallows the "ready" signal). So callbacks are kept
here and called when a reply for the object is seen: at the end of the wait that took it, or of
any dispatching call (another wait, a connect) that read it, in that call's thread. They are
called as often as C's signals would: twice for the UPDATE that answers a successful open or
refresh ("updated", then "status"), once for a STATUS. ISC's library does not say which kind
of message a reply was, but dhcpd answers an open or refresh with an UPDATE exactly when it
succeeds (``omapip/message.c``, ``OMAPI_OP_OPEN``/``OMAPI_OP_REFRESH``), and everything else
with a STATUS; so a successful reply to an open or refresh counts as an UPDATE.

Not guarded: a ``memoryview`` taken from ``DataString.value`` points into C memory; using it
after the data string is dereferenced reads freed memory. Keep ``bytes(ds)`` instead. Waits
cannot be interrupted by Ctrl-C.
"""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

from cffi import FFI  # type: ignore[import-untyped,unused-ignore]

from dhcpctl._api import DHCPCTL_CREATE as DHCPCTL_CREATE
from dhcpctl._api import DHCPCTL_EXCL as DHCPCTL_EXCL
from dhcpctl._api import DHCPCTL_UPDATE as DHCPCTL_UPDATE
from dhcpctl._callback import run_callback
from dhcpctl._errors import DhcpctlError as DhcpctlError
from dhcpctl._results import *  # noqa: F403  (every ISC_R_* and DHCP_R_* result code)
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_INVALIDARG,
    ISC_R_SUCCESS,
    ISC_R_TIMEDOUT,
    UNKNOWN_RESULT_TEXT,
)

MODE: str
"""``"api"`` (the compiled ``dhcpctl._native_lib``) or ``"abi"`` (ISC's shared libraries)."""

_abi_handles: tuple[Any, ...] = ()
if os.environ.get("DHCPCTL_NATIVE_MODE", "") == "abi":
    from dhcpctl._native_abi import load as _load_abi

    ffi, lib, _abi_handles = _load_abi()
    MODE = "abi"
else:
    try:
        from dhcpctl._native_lib import ffi, lib  # type: ignore[import-not-found,no-redef]

        MODE = "api"
    except ImportError as _api_error:
        from dhcpctl._native_abi import load as _load_abi

        try:
            ffi, lib, _abi_handles = _load_abi()
        except ImportError as _abi_error:
            raise ImportError(
                f"dhcpctl._native_lib is not built ({_api_error}), and {_abi_error}"
            ) from None
        MODE = "abi"

#: C string and line passed as omapi's MDL debugging arguments in ABI mode.
_MDL_FILE: Final = ffi.new("char[]", b"dhcpctl/_native.py")

_lock = threading.Lock()
#: Cells whose Python owner is gone: ``(cell, kind)`` to dereference under the lock.
_graveyard: list[tuple[Any, str]] = []
#: Callbacks that fired during a C call: run once the lock is released.
_fired: list[tuple[Handle, int]] = []

#: Objects with requests in flight, whose replies the next dispatch may take.
_in_flight: weakref.WeakSet[Handle] = weakref.WeakSet()

_BYTES = (bytes, bytearray, memoryview)

#: ``dhcpctl_remote_object_t`` of ISC DHCP 4.4.3-P1 (``dhcpctl/dhcpctl.h``, with omapip.h's
#: ``OMAPI_OBJECT_PREAMBLE``): only ``waitstatus`` is used, which the remote object's signal
#: handler sets before it signals "ready".
_LAYOUT = FFI()
_LAYOUT.cdef("""
typedef struct {
    void *type; int refcnt; unsigned handle; void *outer; void *inner;
    void *rtype; unsigned waitstatus; void *message; unsigned remote_handle;
} dhcpctl_remote_object_t;
""")
#: No isc_result_t: a waitstatus still holding it has seen no reply.
_NO_REPLY: Final = 0xFFFF_FFFF


def _waitstatus(pointer: Any) -> Any:
    """The ``waitstatus`` field of a remote object (a cdata struct to read or write)."""
    return _LAYOUT.cast("dhcpctl_remote_object_t *", int(ffi.cast("uintptr_t", pointer)))


def _arm() -> list[tuple[Handle, Any]]:
    """Before a C call that dispatches: mark the objects in flight as unreplied."""
    armed = []
    for obj in _in_flight:
        pointer = obj.cell[0]
        if obj.pending > obj.arrived and pointer != ffi.NULL:
            remote = _waitstatus(pointer)
            remote.waitstatus = _NO_REPLY
            armed.append((obj, remote))
    return armed


def _collect(armed: list[tuple[Handle, Any]], skip: Handle | None = None) -> None:
    """After it: note the replies that arrived (but for ``skip``, which the wait took)."""
    for obj, remote in armed:
        if obj is not skip and remote.waitstatus != _NO_REPLY and obj.cell[0] != ffi.NULL:
            obj.arrived += 1
            obj.arrived_status = int(remote.waitstatus)
            _seen(obj, obj.arrived_status)


def _seen(obj: Handle, status: int) -> None:
    """A reply of ``obj`` was read: queue its callback calls, as many as C's signals."""
    update_reply = obj.unreplied.popleft() and status == ISC_R_SUCCESS
    if obj.callback is not None:
        _fired.extend([(obj, status)] * (2 if update_reply else 1))


def _c_data_string_new(cell: Any, length: int) -> int:
    if MODE == "api":
        return int(lib.py_omapi_data_string_new(cell, length))
    return int(lib.omapi_data_string_new(cell, length, _MDL_FILE, 0))


def _c_object_dereference(cell: Any) -> int:
    if MODE == "api":
        return int(lib.py_omapi_object_dereference(cell))
    return int(lib.omapi_object_dereference(cell, _MDL_FILE, 0))


def _c_data_string_dereference(cell: Any) -> int:
    if MODE == "api":
        return int(lib.py_dhcpctl_data_string_dereference(cell))
    return int(lib.dhcpctl_data_string_dereference(cell, _MDL_FILE, 0))


def _bury(cell: Any, kind: str) -> None:
    """Finalizer of every cell: queue it, dereference now only if the lock is free."""
    _graveyard.append((cell, kind))
    if _lock.acquire(blocking=False):
        try:
            _drain()
        finally:
            _lock.release()


def _drain() -> None:
    """Dereference the queued cells (the caller holds the lock)."""
    while _graveyard:
        cell, kind = _graveyard.pop()
        if cell[0] == ffi.NULL:
            continue
        if kind == "data string":
            _c_data_string_dereference(cell)
            continue
        if kind == "connection":
            lib.dhcpctl_disconnect(cell, 1)
        if cell[0] != ffi.NULL:
            _c_object_dereference(cell)


@contextmanager
def _locked() -> Iterator[None]:
    """Hold the library lock; run the callbacks that fired once it is released."""
    with _lock:
        _drain()
        yield
        fired = _fired[:]
        del _fired[:]
    for handle, status in fired:
        if handle.callback is not None:
            callback, data = handle.callback
            run_callback(callback, handle, status, data)


def _check(function: str, status: int) -> None:
    if status != ISC_R_SUCCESS:
        raise DhcpctlError(function, int(status))


class Handle:
    """``dhcpctl_handle``: a connection, authenticator or remote object of ISC's library.

    It owns one reference to the C object, dropped when the Python object goes (or by
    ``omapi_object_dereference``/``dhcpctl_disconnect``, after which using it raises).
    """

    __slots__ = (
        "__weakref__",
        "_cell",
        "_release",
        "arrived",
        "arrived_status",
        "callback",
        "connection",
        "kind",
        "pending",
        "unreplied",
    )

    def __init__(self, kind: str, cell: Any) -> None:
        self.kind = kind
        #: How the finalizer releases the cell (shared with it, so it must not hold self).
        self._release = [kind]
        release = self._release
        self._cell = ffi.gc(cell, lambda c: _bury(c, release[0]))
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
        self.callback: tuple[Callable[[Any, int, Any], None], Any] | None = None

    @property
    def lost(self) -> bool:
        """A connection whose peer went away (C has already closed its socket)."""
        return self._release[0] == "lost connection"

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
        state = "dereferenced" if self._cell[0] == ffi.NULL else "lost" if self.lost else "live"
        return f"<dhcpctl native {self.kind} handle ({state})>"


class DataString:
    """``dhcpctl_data_string``: ``len`` bytes of C memory in a writable ``value``.

    ``ds.value[:] = socket.inet_aton(addr)`` writes the C buffer. After
    ``dhcpctl_data_string_dereference`` any use raises :class:`DhcpctlError`.
    """

    __slots__ = ("_cell",)

    def __init__(self, cell: Any) -> None:
        self._cell = ffi.gc(cell, lambda c: _bury(c, "data string"))

    def _live(self) -> Any:
        pointer = self._cell[0]
        if pointer == ffi.NULL:
            raise DhcpctlError("dhcpctl_data_string", DHCP_R_INVALIDARG, "data string released")
        return pointer

    @property
    def cell(self) -> Any:
        return self._cell

    @property
    def len(self) -> int:
        return int(self._live().len)

    @property
    def value(self) -> memoryview:
        pointer = self._live()
        return memoryview(ffi.buffer(pointer.value, pointer.len))

    def __bytes__(self) -> bytes:
        pointer = self._live()
        return bytes(ffi.buffer(pointer.value, pointer.len))

    def __repr__(self) -> str:
        if self._cell[0] == ffi.NULL:
            return "DataString(<released>)"
        return f"DataString({bytes(self)!r})"


def _type_error(function: str, what: str, expected: str, got: object) -> TypeError:
    module = type(got).__module__ or ""
    if module.startswith("dhcpctl.fallback"):
        return TypeError(
            f"{function}: {what} belongs to the pure-Python backend (dhcpctl.fallback); "
            "this is the native backend (dhcpctl._native): objects cannot be mixed"
        )
    return TypeError(f"{function}: {what} must be {expected}, not {type(got).__name__}")


def _handle(function: str, handle: object, kind: str | None = None) -> Handle:
    if not isinstance(handle, Handle) or (kind is not None and handle.kind != kind):
        expected = f"a dhcpctl {kind or ''} handle".replace("  ", " ")
        raise _type_error(function, "the handle", expected, handle)
    return handle


def _name(function: str, name: object) -> bytes:
    if not isinstance(name, str):
        raise _type_error(function, "the value name", "str", name)
    encoded = name.encode()
    if b"\0" in encoded:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, "NUL in a name")
    return encoded


def _timeout(function: str, timeout: object) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise _type_error(function, "the timeout", "seconds (float) or None", timeout)
    if math.isnan(timeout):
        raise DhcpctlError(function, DHCP_R_INVALIDARG, "timeout is NaN")
    return max(float(timeout), 0.0)


def _timeval(seconds: float, round_up: bool) -> Any:
    """A ``struct timeval`` C adds to the current time without carrying the microseconds.

    ISC adds ``tv_usec`` to ``gettimeofday``'s and never normalizes the sum; a sum of a
    million or more makes its ``select()`` fail, which drops the connection. So the fraction is
    cut to what fits the current second: the result may be shorter than ``seconds``
    (``round_up=False``, the caller waits again for the rest) or whole seconds, longer.
    """
    seconds = min(seconds, 86400.0 * 365)
    whole = int(seconds)
    usec = int((seconds - whole) * 1_000_000)
    room = 999_000 - int((time.time() % 1) * 1_000_000)
    if usec > room:
        if round_up:
            whole, usec = whole + 1, 0
        else:
            usec = max(room, 0)
    return ffi.new("struct timeval *", {"tv_sec": whole, "tv_usec": usec})


def _int32(function: str, value: object) -> int:
    if not isinstance(value, int):
        raise _type_error(function, "the value", "int", value)
    if not -(1 << 31) <= value < (1 << 32):
        raise DhcpctlError(function, DHCP_R_INVALIDARG, "integer outside 32 bits")
    return int(value) - (1 << 32) if value >= (1 << 31) else int(value)


def dhcpctl_initialize() -> None:
    """Done once at import (C requires it before anything); later calls do nothing."""


def _initialize_once() -> None:
    with _locked():
        _check("dhcpctl_initialize", lib.dhcpctl_initialize())


def dhcpctl_connect(address: str, port: int, authenticator: Handle | None) -> Handle:
    return _connect("dhcpctl_connect", address, port, authenticator, None)


def dhcpctl_timed_connect(
    address: str, port: int, authenticator: Handle | None, timeout: float | None
) -> Handle:
    function = "dhcpctl_timed_connect"
    return _connect(function, address, port, authenticator, _timeout(function, timeout))


def _connect(
    function: str, address: object, port: object, authenticator: object, timeout: float | None
) -> Handle:
    if not isinstance(address, str):
        raise _type_error(function, "the address", "str", address)
    if isinstance(port, bool) or not isinstance(port, int):
        raise _type_error(function, "the port", "int", port)
    if not 0 <= port <= 0xFFFF:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, f"port {port} out of range")
    auth = None if authenticator is None else _handle(function, authenticator, "authenticator")
    cell = ffi.new("dhcpctl_handle *")
    with _locked():
        auth_pointer = ffi.NULL if auth is None else auth.pointer(function)
        armed = _arm()
        if timeout is None:
            status = lib.dhcpctl_connect(cell, address.encode(), port, auth_pointer)
        else:
            status = lib.dhcpctl_timed_connect(
                cell, address.encode(), port, auth_pointer, _timeval(timeout, True)
            )
        _collect(armed)
        if status != ISC_R_SUCCESS and cell[0] != ffi.NULL:
            _c_object_dereference(cell)
    _check(function, status)
    return Handle("connection", cell)


def dhcpctl_disconnect(connection: Handle, force: bool = False) -> None:
    """Close the connection; like C, the handle is gone afterwards."""
    function = "dhcpctl_disconnect"
    conn = _handle(function, connection, "connection")
    with _locked():
        conn.pointer(function)
        _check(function, lib.dhcpctl_disconnect(conn.cell, 1 if force else 0))


def dhcpctl_wait_for_completion(handle: Handle) -> int:
    return _wait("dhcpctl_wait_for_completion", handle, None)


def dhcpctl_timed_wait_for_completion(handle: Handle, timeout: float | None) -> int:
    function = "dhcpctl_timed_wait_for_completion"
    return _wait(function, handle, _timeout(function, timeout))


def _wait(function: str, handle: object, timeout: float | None) -> int:
    target = _handle(function, handle)
    deadline = None if timeout is None else time.monotonic() + timeout
    if target.kind == "connection":
        with _locked():
            target.pointer(function)
        if target.lost:
            raise DhcpctlError(function, DHCP_R_CONNRESET, "the server closed the connection")
        return ISC_R_SUCCESS
    if target.kind != "object":
        raise DhcpctlError(function, DHCP_R_INVALIDARG, "nothing to wait for on this handle")
    conn = target.connection
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        server_status = ffi.new("dhcpctl_status *", ISC_R_SUCCESS)
        with _locked():
            pointer = target.pointer(function)
            # Another thread's wait may have read the reply since the last look.
            if target.arrived:
                return _took(target, target.arrived_status, arrived=True)
            if target.pending == 0 or conn is None:
                raise DhcpctlError(
                    function, DHCP_R_INVALIDARG, "no request in progress on this handle"
                )
            if remaining is not None and remaining <= 0:
                raise DhcpctlError(function, ISC_R_TIMEDOUT)
            if conn.cell[0] == ffi.NULL:
                raise DhcpctlError(function, DHCP_R_INVALIDARG, "the connection is closed")
            if conn.lost:
                raise DhcpctlError(function, DHCP_R_CONNRESET, "the server closed the connection")
            armed = _arm()
            if remaining is None:
                status = lib.dhcpctl_wait_for_completion(pointer, server_status)
            else:
                status = lib.dhcpctl_timed_wait_for_completion(
                    pointer, server_status, _timeval(remaining, False)
                )
            # The reply a successful wait took is its result, not an "arrived" one.
            _collect(armed, target if status == ISC_R_SUCCESS else None)
            if status == ISC_R_SUCCESS:
                _seen(target, int(server_status[0]))
                return _took(target, int(server_status[0]), arrived=False)
            if status != ISC_R_TIMEDOUT:
                conn.mark_lost()
                raise DhcpctlError(function, int(status))


def _took(target: Handle, status: int, arrived: bool) -> int:
    """A wait took one reply of ``target``: its server status (call with the lock held)."""
    if arrived:
        target.arrived -= 1
    target.pending -= 1
    if target.pending == 0:
        _in_flight.discard(target)
    return status


def dhcpctl_get_value(handle: Handle, name: str) -> DataString:
    function = "dhcpctl_get_value"
    key = _name(function, name)
    target = _handle(function, handle)
    cell = ffi.new("dhcpctl_data_string *")
    with _locked():
        status = lib.dhcpctl_get_value(cell, target.pointer(function), key)
    if status != ISC_R_SUCCESS:
        if cell[0] != ffi.NULL:
            DataString(cell)  # freed by its finalizer
        raise DhcpctlError(function, int(status), f"value {name!r}")
    return DataString(cell)


def dhcpctl_get_boolean(handle: Handle, name: str) -> bool:
    function = "dhcpctl_get_boolean"
    key = _name(function, name)
    target = _handle(function, handle)
    result = ffi.new("int *")
    with _locked():
        status = lib.dhcpctl_get_boolean(result, target.pointer(function), key)
    _check(function, status)
    return bool(result[0])


def _set(function: str, handle: object, name: object, call: Callable[[Any, bytes], int]) -> None:
    key = _name(function, name)
    target = _handle(function, handle)
    with _locked():
        status = call(target.pointer(function), key)
    _check(function, status)


def dhcpctl_set_value(handle: Handle, value: Any, name: str) -> None:
    function = "dhcpctl_set_value"
    if isinstance(value, DataString):
        data = value

        def call(pointer: Any, key: bytes) -> int:
            return int(lib.dhcpctl_set_value(pointer, data._live(), key))

        _set(function, handle, name, call)
        return
    if not isinstance(value, _BYTES):
        raise _type_error(function, "the value", "a DataString or bytes-like", value)
    # Same typed value as C's dhcpctl_set_value makes (omapi_datatype_data).
    _set_data(function, handle, bytes(value), name)


def dhcpctl_set_string_value(handle: Handle, value: str, name: str) -> None:
    function = "dhcpctl_set_string_value"
    if not isinstance(value, str):
        raise _type_error(function, "the value", "str", value)
    encoded = value.encode()
    if b"\0" in encoded:
        raise DhcpctlError(function, DHCP_R_INVALIDARG, "NUL in a C string")
    _set(function, handle, name, lambda p, k: int(lib.dhcpctl_set_string_value(p, encoded, k)))


def dhcpctl_set_data_value(handle: Handle, value: Any, name: str) -> None:
    function = "dhcpctl_set_data_value"
    if not isinstance(value, _BYTES):
        raise _type_error(function, "the value", "bytes-like", value)
    _set_data(function, handle, bytes(value), name)


def _set_data(function: str, handle: object, data: bytes, name: object) -> None:
    _set(
        function, handle, name, lambda p, k: int(lib.dhcpctl_set_data_value(p, data, len(data), k))
    )


def dhcpctl_set_null_value(handle: Handle, name: str) -> None:
    _set("dhcpctl_set_null_value", handle, name, lambda p, k: int(lib.dhcpctl_set_null_value(p, k)))


def dhcpctl_set_boolean_value(handle: Handle, value: bool, name: str) -> None:
    function = "dhcpctl_set_boolean_value"
    number = _int32(function, value)
    _set(function, handle, name, lambda p, k: int(lib.dhcpctl_set_boolean_value(p, number, k)))


def dhcpctl_set_int_value(handle: Handle, value: int, name: str) -> None:
    function = "dhcpctl_set_int_value"
    number = _int32(function, value)
    _set(function, handle, name, lambda p, k: int(lib.dhcpctl_set_int_value(p, number, k)))


def _send(
    function: str,
    connection: object,
    handle: object,
    call: Callable[[Any, Any], int],
    update_reply: bool = False,
) -> None:
    """Send a request; ``update_reply``: the server answers it with an UPDATE on success."""
    conn = _handle(function, connection, "connection")
    obj = _handle(function, handle, "object")
    with _locked():
        conn_pointer = conn.pointer(function)
        obj_pointer = obj.pointer(function)
        if conn.lost:
            raise DhcpctlError(function, DHCP_R_CONNRESET, "the server closed the connection")
        status = call(obj_pointer, conn_pointer)
        if status == ISC_R_SUCCESS:
            obj.pending += 1
            obj.unreplied.append(update_reply)
            obj.connection = conn
            _in_flight.add(obj)
    _check(function, status)


def dhcpctl_open_object(handle: Handle, connection: Handle, flags: int = 0) -> None:
    function = "dhcpctl_open_object"
    if isinstance(flags, bool) or not isinstance(flags, int):
        raise _type_error(function, "flags", "int", flags)
    number = _int32(function, flags)
    _send(
        function,
        connection,
        handle,
        lambda h, c: int(lib.dhcpctl_open_object(h, c, number)),
        update_reply=True,
    )


def dhcpctl_object_update(connection: Handle, handle: Handle) -> None:
    _send(
        "dhcpctl_object_update",
        connection,
        handle,
        lambda h, c: int(lib.dhcpctl_object_update(c, h)),
    )


def dhcpctl_object_refresh(connection: Handle, handle: Handle) -> None:
    _send(
        "dhcpctl_object_refresh",
        connection,
        handle,
        lambda h, c: int(lib.dhcpctl_object_refresh(c, h)),
        update_reply=True,
    )


def dhcpctl_object_remove(connection: Handle, handle: Handle) -> None:
    _send(
        "dhcpctl_object_remove",
        connection,
        handle,
        lambda h, c: int(lib.dhcpctl_object_remove(c, h)),
    )


def dhcpctl_set_callback(handle: Handle, data: Any, callback: Any) -> None:
    """See :meth:`dhcpctl._api.Backend.dhcpctl_set_callback` and the module docstring."""
    function = "dhcpctl_set_callback"
    obj = _handle(function, handle, "object")
    if not callable(callback):
        raise _type_error(function, "the callback", "callable", callback)
    with _locked():
        obj.pointer(function)
    if obj.callback is None:
        obj.callback = (callback, data)


def dhcpctl_new_authenticator(name: str, algorithm: str, secret: Any) -> Handle:
    function = "dhcpctl_new_authenticator"
    key_name = _name(function, name)
    if not isinstance(algorithm, str):
        raise _type_error(function, "the algorithm", "str", algorithm)
    if not isinstance(secret, _BYTES):
        raise _type_error(function, "the secret", "bytes-like", secret)
    data = bytes(secret)
    cell = ffi.new("dhcpctl_handle *")
    with _locked():
        status = lib.dhcpctl_new_authenticator(
            cell, key_name, _name(function, algorithm), data, len(data)
        )
        if status != ISC_R_SUCCESS and cell[0] != ffi.NULL:
            _c_object_dereference(cell)
    _check(function, status)
    return Handle("authenticator", cell)


def dhcpctl_new_object(connection: Handle, object_type: str) -> Handle:
    function = "dhcpctl_new_object"
    conn = _handle(function, connection, "connection")
    if not isinstance(object_type, str):
        raise _type_error(function, "the object type", "str", object_type)
    rtype = _name(function, object_type)
    cell = ffi.new("dhcpctl_handle *")
    with _locked():
        status = lib.dhcpctl_new_object(cell, conn.pointer(function), rtype)
        if status != ISC_R_SUCCESS and cell[0] != ffi.NULL:
            _c_object_dereference(cell)
    _check(function, status)
    return Handle("object", cell)


def dhcpctl_data_string_dereference(data_string: DataString) -> None:
    function = "dhcpctl_data_string_dereference"
    if not isinstance(data_string, DataString):
        raise _type_error(function, "the argument", "a DataString", data_string)
    with _locked():
        data_string._live()
        _check(function, _c_data_string_dereference(data_string.cell))


def omapi_data_string_new(length: int) -> DataString:
    function = "omapi_data_string_new"
    if isinstance(length, bool) or not isinstance(length, int):
        raise _type_error(function, "the length", "int", length)
    if not 0 <= length < (1 << 32):
        raise DhcpctlError(function, DHCP_R_INVALIDARG, f"length {length} out of range")
    cell = ffi.new("dhcpctl_data_string *")
    with _locked():
        status = _c_data_string_new(cell, length)
    _check(function, status)
    return DataString(cell)


def omapi_object_dereference(handle: Handle) -> None:
    """Drop the handle; a connection handle also closes its socket (as dropping it does)."""
    function = "omapi_object_dereference"
    target = _handle(function, handle)
    with _locked():
        target.pointer(function)
        if target.kind == "connection" and not target.lost:
            lib.dhcpctl_disconnect(target.cell, 1)
        if target.cell[0] != ffi.NULL:
            _check(function, _c_object_dereference(target.cell))


def isc_result_totext(status: int) -> str:  # type: ignore[no-redef]  # the C one, not _results'
    """C's ``isc_result_totext`` (its texts are registered by ``dhcpctl_initialize``)."""
    if isinstance(status, bool) or not isinstance(status, int):
        raise _type_error("isc_result_totext", "the status", "int", status)
    with _locked():
        text = lib.isc_result_totext(status & 0xFFFF_FFFF)
    if text == ffi.NULL:
        return UNKNOWN_RESULT_TEXT
    return str(ffi.string(text).decode("utf-8", "replace"))


_initialize_once()

__all__ = [
    "DHCPCTL_CREATE",
    "DHCPCTL_EXCL",
    "DHCPCTL_UPDATE",
    "MODE",
    "DataString",
    "DhcpctlError",
    "Handle",
    "dhcpctl_connect",
    "dhcpctl_data_string_dereference",
    "dhcpctl_disconnect",
    "dhcpctl_get_boolean",
    "dhcpctl_get_value",
    "dhcpctl_initialize",
    "dhcpctl_new_authenticator",
    "dhcpctl_new_object",
    "dhcpctl_object_refresh",
    "dhcpctl_object_remove",
    "dhcpctl_object_update",
    "dhcpctl_open_object",
    "dhcpctl_set_boolean_value",
    "dhcpctl_set_callback",
    "dhcpctl_set_data_value",
    "dhcpctl_set_int_value",
    "dhcpctl_set_null_value",
    "dhcpctl_set_string_value",
    "dhcpctl_set_value",
    "dhcpctl_timed_connect",
    "dhcpctl_timed_wait_for_completion",
    "dhcpctl_wait_for_completion",
    "isc_result_totext",
    "omapi_data_string_new",
    "omapi_object_dereference",
]
