"""The sync :class:`dhcpctl.Client`'s executor: operations run through the C-named API.

Each :class:`~dhcpctl._exchange.Open` is a new remote object (``dhcpctl_new_object``) with the
request's values (``dhcpctl_set_data_value``), ``dhcpctl_open_object`` with its flags and
``dhcpctl_timed_wait_for_completion``; an :class:`~dhcpctl._exchange.Update` sets the values on
the object an earlier reply gave and calls ``dhcpctl_object_update``, a
:class:`~dhcpctl._exchange.Remove` calls ``dhcpctl_object_remove``. The values a reply carried
and the text of a STATUS come from the backend's ``received`` extension
(:mod:`dhcpctl._native.received`, :mod:`dhcpctl.fallback.received`): the C API cannot list a
handle's values.

Time: each call of the client (an operation, all its requests, and a connect if one is needed)
ends within the client's ``timeout`` in seconds (plus the backends' 1 s slack), or raises
:class:`~dhcpctl.Timeout`; ``None`` waits without limit. After a Timeout the connection is
closed (a late answer cannot be told from the next one) and the next call opens a new one.
A refused connect is ConnectionLost; with the native backend, while another connection of ISC's
library is open in the process, ISC's dispatcher waits out the time instead: Timeout (see
"Three differences remain" in :mod:`dhcpctl._api`).

Connections (``reconnect=True``): the connection is opened by the first call (or
``Client.connect``). When it is lost, the call raises :class:`~dhcpctl.ConnectionLost` and the
next call opens a new connection; within the call, a request that was not sent (the backend
refused it on a connection it knew was dead, or, for a write's first request, the server had
closed the idle connection already: a dhcpd that restarted; :func:`hung_up`, a poll that does
not wait, looks before it, about 1 us on the python backend and 4 us on the native one, through
the backend's ``received`` extension's ``fileno``) is sent on a new connection, and a read (a
lookup) whose answer was lost is sent once more on a new one. A write whose answer was lost is never
sent again: it may have been carried out. With ``reconnect=False`` a lost connection stays
lost until :meth:`SyncExecutor.close`: every later call, and :meth:`SyncExecutor.connect`,
raises ConnectionLost with the status and text of the loss.

Authentication: a connect the server refuses (``ISC_R_NOTFOUND``: it has no key of that name
and algorithm, or no key at all) raises :class:`~dhcpctl.AuthenticationFailed`; so does dhcpd's
"No authenticator on message" to a client without a key. dhcpd answers a wrong signature with
an unsigned STATUS and drops the connection; the python backend sees the unsigned answer (the
error says so): AuthenticationFailed at once. ISC's library drops it unread, so on the native
backend a connection dropped before any answer came on it is a wrong secret or a server that
went away (a restart; a new secret on the server, also for a client whose key worked before):
a read is sent once more on a new connection; when that is dropped too, or for a write (never
sent again), a harmless signed lookup on a new connection tells the two apart: dropped as well,
by a server that takes connections, the key is refused (AuthenticationFailed); answered, the
key is right and the error is ConnectionLost (with ``reconnect=False`` that connection is
opened only to ask, and closed). Only a dropped connection (``DHCP_R_CONNRESET``,
``ISC_R_NOMORE``) counts: a reply the backend cannot parse (``DHCP_R_PROTOCOLERROR``) or a
server that does not read what it is sent (``ISC_R_NOSPACE``) is ConnectionLost, as in
``dhcpctl.aio``; so is a drop after an answer on the same connection (a read sent once more).

Threads: one lock per executor serializes the calls (a client may be shared by threads; their
calls run one after another). The time a call waits for its turn counts toward its timeout: a
call whose turn does not come in time raises Timeout, nothing sent. :meth:`SyncExecutor.close`
from another thread returns at once and ends the call running and those waiting for their turn
with ConnectionLost (as ``dhcpctl.aio``'s close): a wait at once, in both backends; a connect
in progress is not cut (no backend can), but once it ends nothing is sent on it. Calls made
after it open a new connection (also with ``reconnect=False``).

Logging: one DEBUG line per request on ``logging.getLogger("dhcpctl")``: the operation, the
request (object type, attribute names and key values, never a secret or statements' text), the
status and the time taken.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import select
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

from dhcpctl._api import DHCPCTL_CREATE, DHCPCTL_EXCL, DHCPCTL_UPDATE, Backend
from dhcpctl._backend import load_backend
from dhcpctl._diagnosis import UNSIGNED_ANSWER, key_name, wrong_secret
from dhcpctl._errors import (
    AuthenticationFailed,
    ConnectionLost,
    DhcpctlError,
    OmapiError,
    Timeout,
    connect_error_class,
)
from dhcpctl._exchange import Open, Operation, Remove, Reply, Request, Update
from dhcpctl._key import Key
from dhcpctl._operations import NO_OBJECT, Driver, no_object
from dhcpctl._operations import describe_in as _what
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_PROTOCOLERROR,
    ISC_R_NOMORE,
    ISC_R_SUCCESS,
    ISC_R_TIMEDOUT,
)

T = TypeVar("T")
_log = logging.getLogger("dhcpctl")
_MODULES = {"native": "dhcpctl._native.received", "python": "dhcpctl.fallback.received"}
#: The statuses of a connection the server dropped (which, at the first signed request of a
#: key no answer has verified, may be its answer to a wrong signature).
_DROPPED = frozenset((DHCP_R_CONNRESET, ISC_R_NOMORE))
#: The lookup that tells a wrong secret from a server that went away: any answer to it is
#: signed (the backends take no other on a keyed connection), found or not.
_PROBE = Open("lease", (("ip-address", bytes(4)),))
#: What a call ended by :meth:`SyncExecutor.close` from another thread says.
_CLOSED = "the client was closed (Client.close) during the call"


class Received(Protocol):
    """A backend's ``received`` extension (see the module docstring)."""

    def mark(self, handle: Any) -> list[int]: ...

    def received(self, handle: Any, before: list[int]) -> dict[str, bytes]: ...

    def message(self, handle: Any) -> str | None: ...

    def fileno(self, connection: Any) -> int: ...


#: Why a write was not sent on the connection it was for (:func:`hung_up`).
HUNG_UP = "the server had closed the connection before the request was sent"
#: The poll events of a socket whose peer has closed it (or that failed); POLLRDHUP is Linux's
#: "the peer shut down its side", set with POLLIN at EOF.
_HANGUP = select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0)


def hung_up(fd: int) -> bool:
    """Whether the peer of socket ``fd`` has closed it (False for -1), by a poll that does not
    wait: one system call, no round trip. Before a write, so that one whose connection the
    server closed while it was idle (a dhcpd that restarted) goes on a new connection instead
    of being lost with it."""
    if fd < 0:
        return False
    poller = select.poll()
    poller.register(fd, select.POLLIN | _HANGUP)
    return any(events & _HANGUP for _, events in poller.poll(0))


class _NotSent(Exception):
    """The backend refused to send a request: its connection is known to be dead."""

    def __init__(self, error: DhcpctlError) -> None:
        self.error = error


class SyncExecutor:
    """Runs operations on one OMAPI connection (see the module docstring).

    ``backend`` is ``"native"`` or ``"python"``; ``timeout`` seconds or None.
    """

    def __init__(
        self,
        address: str,
        port: int,
        key: Key | None,
        timeout: float | None,
        backend: str,
        reconnect: bool,
    ) -> None:
        self.address, self.port, self.key = address, port, key
        self.timeout, self.reconnect, self.backend = timeout, reconnect, backend
        self._api: Backend = load_backend(backend)
        self._api.dhcpctl_initialize()
        self._received = cast(Received, importlib.import_module(_MODULES[backend]))
        self._lock = threading.RLock()
        self._connection: Any = None
        #: The socket of the open connection (-1: none): :func:`hung_up` looks at it. Asked of
        #: the backend once per connection, not per write: on the native backend, which takes
        #: the library lock for it, that is 21k instructions (``benchmarks/instructions.py
        #: --workload host-cycle``: a typed host cycle, two writes, went from 904.7k to 861.4k).
        self._socket = -1
        #: How the connection was lost (status, text), for ``reconnect=False``; None after
        #: :meth:`close`.
        self._lost: tuple[int, str] | None = None
        #: Whether an answer has come on the open connection (one of a key verifies it).
        self._answered = False
        #: Whether no answer has come yet in the running call (its connection was idle).
        self._idle = True
        #: How many times :meth:`close` was called: a call that sees it change ends.
        self._closes = 0
        #: The value of :attr:`_closes` when the running call was made.
        self._closes_seen = 0

    # -- connection ---------------------------------------------------------------------------

    def _remaining(
        self, deadline: float | None, function: str, request: Callable[[], str]
    ) -> float | None:
        if deadline is None:
            return None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Timeout(
                function, ISC_R_TIMEDOUT, f"no answer within {self.timeout} s", request=request()
            )
        return remaining

    def connect(self, deadline: float | None = None, function: str = "connect") -> Any:
        """The live connection, opened if there is none. Raises AuthenticationFailed, Timeout
        or ConnectionLost."""
        with self._lock:
            if self._connection is not None:
                return self._connection
            if self._lost is not None and not self.reconnect:
                status, why = self._lost
                raise ConnectionLost(
                    function, status, f"{why}; reconnect=False", request=self._where
                )
            if deadline is None and self.timeout is not None:
                deadline = time.monotonic() + self.timeout
            return self._open(deadline, function)

    @property
    def _where(self) -> str:
        """What a connect is described as in errors and logs."""
        return f"connect to {self.address}:{self.port}"

    def _open(self, deadline: float | None, function: str) -> Any:
        """Open a new connection (the lock held): see :meth:`connect`."""
        where = self._where
        remaining = self._remaining(deadline, function, lambda: where)
        authenticator = None
        if self.key is not None:
            authenticator = self._api.dhcpctl_new_authenticator(
                self.key.name, self.key.algorithm, self.key.secret
            )
        started = time.monotonic()
        try:
            self._connection = self._api.dhcpctl_timed_connect(
                self.address, self.port, authenticator, remaining
            )
        except DhcpctlError as error:
            _log.debug("%s: %s (%.3f s)", where, error.text, time.monotonic() - started)
            raise self._connect_error(error, function, where) from None
        _log.debug("%s: connected (%.3f s)", where, time.monotonic() - started)
        self._answered = False
        self._socket = self._received.fileno(self._connection)
        return self._connection

    def _connect_error(self, error: DhcpctlError, function: str, where: str) -> OmapiError:
        cls = connect_error_class(error.status)
        detail = error.detail
        if cls is AuthenticationFailed:
            given = (
                f"key {self.key.name!r} ({self.key.algorithm})"
                if self.key is not None
                else "no key"
            )
            detail = (
                f"the server refused the authenticator: it has no {given}; check the key's "
                "name and algorithm (or the server has no key at all)"
            )
        return cls(function, error.status, detail, request=where)

    def close(self) -> None:
        """Close the connection if one is open (the next call opens a new one). A call running
        in another thread, and those waiting for their turn, end with ConnectionLost (see the
        module docstring); returns at once. A lost connection (``reconnect=False``) is
        forgotten: the next call opens a new one."""
        self._closes += 1
        self._lost = None
        if self._lock.acquire(blocking=False):
            try:
                self._drop(None)
            finally:
                self._lock.release()
            return
        # A call holds the lock: its connection is cut under it (both backends' calls are
        # thread-safe), which ends its wait; the call drops what is left (:meth:`_closed`).
        connection = self._connection
        if connection is not None:
            with contextlib.suppress(DhcpctlError):
                self._api.dhcpctl_disconnect(connection, True)

    def _drop(self, why: str | None, status: int = DHCP_R_CONNRESET) -> None:
        """Drop the connection; ``why`` it was lost, with its ``status`` (None: no loss; nor
        is a loss of a call made before a :meth:`close`)."""
        connection, self._connection = self._connection, None
        self._socket = -1
        if why is not None and self._closes == self._closes_seen:
            self._lost = (status, why)
        if connection is None:
            return
        try:
            self._api.dhcpctl_disconnect(connection, True)
        except DhcpctlError:  # already dropped by the library: only the handle is left
            # (or none: close() from another thread disconnected it, which releases it)
            with contextlib.suppress(DhcpctlError):
                self._api.omapi_object_dereference(connection)

    def _closed(self, function: str, request: Callable[[], str]) -> None:
        """If :meth:`close` was called since the running call was made: drop the connection
        (whatever cut it, the client is not to blame: no ``reconnect=False`` loss) and raise
        ConnectionLost."""
        if self._closes != self._closes_seen:
            self._drop(None)
            raise ConnectionLost(function, DHCP_R_CONNRESET, _CLOSED, request=request())

    # -- operations ---------------------------------------------------------------------------

    def run(
        self,
        operation: Operation[T],
        *,
        read: bool,
        function: str,
        timeout: float | None = None,
    ) -> T:
        """Run ``operation`` to its result (see :class:`dhcpctl._collections.SyncExecutor`),
        within ``timeout`` seconds if given and shorter than the client's."""
        limit = self.timeout
        if timeout is not None and (limit is None or timeout < limit):
            limit = timeout
        deadline = None if limit is None else time.monotonic() + limit
        closes = self._closes
        drive = Driver(operation, function=function, keyed=self.key is not None)
        try:
            waiting = drive.start()
            if not self._lock.acquire(blocking=False):  # another call holds it: wait, timed
                self._take_turn(deadline, limit, function, drive)
            try:
                self._closes_seen = closes
                self._idle = True
                while waiting:
                    assert drive.request is not None
                    try:
                        reply = self._exchange(
                            drive.request, drive.context, read, function, deadline
                        )
                    except OmapiError as error:
                        waiting = drive.fail(error)
                        continue
                    waiting = drive.answer(reply)
            finally:
                self._lock.release()
        finally:
            drive.close()
        return cast(T, drive.result)

    def _take_turn(
        self, deadline: float | None, limit: float | None, function: str, drive: Driver[Any]
    ) -> None:
        """Take the lock by ``deadline``, else raise Timeout (nothing was sent)."""
        if deadline is None:
            self._lock.acquire()
        elif not self._lock.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
            raise Timeout(
                function,
                ISC_R_TIMEDOUT,
                f"no turn within {limit} s: the client's other calls (one at a time) took the "
                "time; nothing was sent",
                request=drive.what if drive.request is not None else "",
            )

    def _exchange(
        self,
        request: Request,
        context: Open | None,
        read: bool,
        function: str,
        deadline: float | None,
    ) -> Reply:
        # Described only for an error or a DEBUG line: most calls need neither.
        what = functools.partial(_what, request, context)
        for attempt in (1, 2):
            self._closed(function, what)
            # The live connection without connect()'s second hold of the lock (run holds it):
            # 1.9k instructions a request.
            connection = self._connection
            # A write's first request on a connection left idle: did the server close it?
            look = self._idle and not read and connection is not None
            if connection is None:
                try:
                    connection = self.connect(deadline, function)
                finally:  # closed while connecting: nothing is sent, the close is the error
                    self._closed(function, what)
            remaining = self._remaining(deadline, function, what)
            started = time.monotonic()
            try:
                if look and hung_up(self._socket):
                    raise _NotSent(DhcpctlError(function, DHCP_R_CONNRESET, HUNG_UP))
                reply = self._send(connection, request, remaining)
            except _NotSent as not_sent:
                self._closed(function, what)
                self._drop(not_sent.error.detail or not_sent.error.text, not_sent.error.status)
                if attempt == 1 and self.reconnect and isinstance(request, Open):
                    continue
                raise ConnectionLost(
                    function, not_sent.error.status, not_sent.error.detail, request=what()
                ) from None
            except DhcpctlError as error:
                elapsed = time.monotonic() - started
                _log.debug("%s: %s: %s (%.3f s)", function, what(), error.text, elapsed)
                self._closed(function, what)
                suspect = not self._answered and self.key is not None
                self._drop(error.detail or error.text, error.status)
                if error.status == ISC_R_TIMEDOUT:
                    raise Timeout(
                        function,
                        error.status,
                        f"no answer within {self.timeout} s"
                        + ("" if read else "; the change may have been made"),
                        request=what(),
                    ) from None
                if suspect and UNSIGNED_ANSWER in (error.detail or ""):  # dhcpd's answer, seen
                    raise self._wrong_secret(function, error, what()) from None
                if attempt == 1 and read and self.reconnect:
                    continue
                verdict = None
                if suspect and error.status in _DROPPED:
                    verdict = self._key_refused(deadline, function, what)
                    if verdict:
                        raise self._wrong_secret(function, error, what()) from None
                detail = error.detail or error.text
                if verdict is False and self.key is not None:  # the key verified: not to blame
                    hint = wrong_secret(key_name(self.key.name, self.key.algorithm))
                    detail = detail.replace("; " + hint, "")
                raise ConnectionLost(
                    function,
                    error.status,
                    detail if read else f"{detail}; the change may have been made",
                    request=what(),
                ) from None
            self._answered = True
            self._idle = False
            if no_object(request, reply):  # breaks the protocol: the connection goes
                self._drop(NO_OBJECT, DHCP_R_PROTOCOLERROR)
                if attempt == 1 and read and self.reconnect:
                    continue
                raise ConnectionLost(function, DHCP_R_PROTOCOLERROR, NO_OBJECT, request=what())
            if _log.isEnabledFor(logging.DEBUG):
                _log.debug(
                    "%s: %s: %s (%.3f s)",
                    function,
                    what(),
                    self._api.isc_result_totext(reply.status),
                    time.monotonic() - started,
                )
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    def _wrong_secret(self, function: str, error: DhcpctlError, request: str) -> OmapiError:
        assert self.key is not None
        said = error.detail or error.text
        if "secret" not in said:
            said += (
                "; the server dropped the connection at its first signed request and takes new "
                f"ones: most likely the secret of key {self.key.name!r} is wrong"
            )
        return AuthenticationFailed(function, error.status, said, request=request)

    def _key_refused(
        self, deadline: float | None, function: str, request: Callable[[], str]
    ) -> bool | None:
        """After a connection dropped at its first signed request (see the module docstring):
        whether the key is refused. A harmless signed lookup (:data:`_PROBE`) goes on a new
        connection: dropped too, by a server that takes connections, the key is refused (True);
        answered, the key is verified (False; the connection is kept for the next request,
        unless ``reconnect=False``: it was only opened to ask); None when it cannot tell (no
        connection, no time left). Raises ConnectionLost if :meth:`close` cut it."""
        try:
            connection = self._open(deadline, function)
            self._closed(function, request)
            self._send(connection, _PROBE, self._remaining(deadline, function, request))
        except (DhcpctlError, _NotSent) as failed:
            self._closed(function, request)
            self._drop(None)
            if isinstance(failed, OmapiError):  # no connection, no time left
                return None
            error = failed.error if isinstance(failed, _NotSent) else failed
            return True if error.status in _DROPPED else None
        if not self.reconnect:
            self._drop(None)
        return False

    def _send(self, connection: Any, request: Request, remaining: float | None) -> Reply:
        api = self._api
        if isinstance(request, Open):
            handle = api.dhcpctl_new_object(connection, request.object_type)
        else:
            handle = request.target
        if not isinstance(request, Remove):
            for name, data in request.values:
                api.dhcpctl_set_data_value(handle, data, name)
        before = self._received.mark(handle)
        try:
            if isinstance(request, Open):
                flags = (
                    (DHCPCTL_CREATE if request.create else 0)
                    | (DHCPCTL_EXCL if request.exclusive else 0)
                    | (DHCPCTL_UPDATE if request.update else 0)
                )
                api.dhcpctl_open_object(handle, connection, flags)
            elif isinstance(request, Update):
                api.dhcpctl_object_update(connection, handle)
            else:
                api.dhcpctl_object_remove(connection, handle)
        except DhcpctlError as error:
            raise _NotSent(error) from None
        status = api.dhcpctl_timed_wait_for_completion(handle, remaining)
        if status != ISC_R_SUCCESS:
            return Reply(status, self._received.message(handle), {}, handle)
        values = {} if isinstance(request, Remove) else self._received.received(handle, before)
        return Reply(status, None, values, handle)
