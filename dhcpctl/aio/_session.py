"""The asyncio executor of typed operations: :mod:`dhcpctl._exchange` requests as pipelined
OMAPI messages on one :class:`~._connection.Connection`, reconnecting after a loss.

A request becomes one message (``omapip/protocol.c``; the flags as ``dhcpctl_open_object``
sends them, ``dhcpctl/dhcpctl.c``):

- :class:`~dhcpctl._exchange.Open`: an OPEN with the message values ``create``, ``update``,
  ``exclusive`` (1, where set) and ``type``, and the lookup values as object values;
- :class:`~dhcpctl._exchange.Update`: an UPDATE of the handle ``target`` with ``values``;
- :class:`~dhcpctl._exchange.Remove`: a DELETE of the handle ``target``.

Its reply becomes a :class:`~dhcpctl._exchange.Reply`: a STATUS gives its ``result`` and
``message`` and no values; an UPDATE gives ``ISC_R_SUCCESS``, every non-null object value
(names decoded as ASCII) and, as ``target``, the server's handle of the object (its
``remote-handle`` value, or the message's handle). The executor's contract is the sync one
(:class:`dhcpctl._collections.SyncExecutor`): a status other than success is thrown into the
operation as :func:`dhcpctl._operations.reply_error` makes it, and so are ConnectionLost and
Timeout.

Time: each call (an operation, all its requests, a connect if one is needed) ends within the
client's ``timeout`` or raises :class:`~dhcpctl.Timeout`. Unlike the sync client, a Timeout
leaves the connection open: a late answer is told apart by its ``rid`` and dropped.

Authentication: the server refusing the authenticator (``ISC_R_NOTFOUND``: no key of that name
and algorithm; any other answer but an UPDATE with a handle is ConnectionLost), and
an unsigned answer to the first signed request (dhcpd's answer to a wrong signature: most
likely a wrong secret) raise :class:`~dhcpctl.AuthenticationFailed`, as in the sync client.

Reconnecting (as the sync ``Client``): after :class:`~dhcpctl.ConnectionLost`, the next call
opens a new connection. A request that was never sent (queued when the connection ended) is
sent on the new connection; a read (an operation the caller marks ``read``) whose request was
lost in flight is sent again once; a write in flight is never sent again: its caller gets the
ConnectionLost. After ``close()``, calls still waiting end with ConnectionLost (none is sent
again) and the next call opens a new connection, even with ``reconnect=False`` (as the sync
client's ``close``).

Errors: callers get the public classes only (:class:`~dhcpctl.ConnectionLost`,
:class:`~dhcpctl.Timeout`, :class:`~dhcpctl.AuthenticationFailed`...); a connect that failed or
timed out says so in the words of the sync client (:func:`dhcpctl._diagnosis.connect_failed`:
the address, the cause, the hint), times in seconds rounded to two digits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Final, NamedTuple, TypeVar, cast

from dhcpctl._diagnosis import Peer, key_name
from dhcpctl._errors import ConnectionLost, OmapiError, Timeout, WrongEventLoop
from dhcpctl._exchange import Open, Operation, Reply, Request, Update, Values
from dhcpctl._model import SCHEMAS
from dhcpctl._operations import Driver, describe_in
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    ISC_R_SUCCESS,
    ISC_R_TIMEDOUT,
    ISC_R_UNEXPECTED,
    isc_result_totext,
)
from dhcpctl.fallback.auth import Key
from dhcpctl.fallback.protocol import status_of, text_of
from dhcpctl.fallback.wire import OP_DELETE, OP_OPEN, OP_STATUS, OP_UPDATE, Message, Pair

from ._connection import FUNCTION, Connection, Lost, connect, connect_timeout, log, seconds

T = TypeVar("T")

#: How many connections one request may try: a request is sent again only after its
#: connection ended (never sent, or a read once), on a new connection that did open.
_ATTEMPTS: Final = 3
#: An OPEN's flag values by (create, update, exclusive), as dhcpctl_open_object sends them.
_OPEN_FLAGS: Final = {
    (create, update, exclusive): tuple(
        (name, 1)
        for name, flag in ((b"create", create), (b"update", update), (b"exclusive", exclusive))
        if flag
    )
    for create in (False, True)
    for update in (False, True)
    for exclusive in (False, True)
}


class Deadline(NamedTuple):
    """When a call must end (``at``, a ``loop.time()``) and the ``seconds`` it was given (what
    its Timeout says)."""

    at: float
    seconds: float


def encode_request(request: Request) -> tuple[int, int, tuple[Pair, ...], tuple[Pair, ...]]:
    """The op, handle, message values and object values of ``request``'s message."""
    if isinstance(request, Open):
        flags = _OPEN_FLAGS[request.create, request.update, request.exclusive]
        values = _wire_names(request.values)
        return OP_OPEN, 0, (*flags, (b"type", request.object_type.encode())), values
    handle = _handle(request.target)
    if isinstance(request, Update):
        return OP_UPDATE, handle, (), _wire_names(request.values)
    return OP_DELETE, handle, (), ()


def _wire_names(values: Values) -> tuple[Pair, ...]:
    return tuple((name.encode(), value) for name, value in values)


def _handle(target: object) -> int:
    if not isinstance(target, int) or not 0 < target < 1 << 32:
        raise ValueError(f"not an object handle of this client: {target!r}")
    return target


#: The names of every attribute the typed objects know, decoded once (a lookup here costs a
#: third of ``bytes.decode``: a lease's reply decodes in 19k instructions instead of 27k).
_NAMES: Final = {
    attribute.isc_name.encode(): attribute.isc_name
    for schema in SCHEMAS.values()
    for attribute in schema.attributes
} | {b"remote-handle": "remote-handle"}


def decode_reply(message: Message) -> Reply:
    """The :class:`~dhcpctl._exchange.Reply` a STATUS or UPDATE message gives."""
    if message.op == OP_STATUS:
        return Reply(status_of(message), text_of(message) or None)
    # Decoded values are bytes or None (null: dropped, as a handle's clear_flags drops them).
    known = _NAMES.get
    values = {
        known(name) or name.decode("ascii", "replace"): value
        for name, value in message.object_values
        if isinstance(value, bytes)
    }
    remote_handle = values.pop("remote-handle", None)  # 4 bytes: the codec refuses others
    target = int.from_bytes(remote_handle, "big") if remote_handle else message.handle
    return Reply(ISC_R_SUCCESS, None, values, target or None)


class Session:
    """Runs typed operations on one OMAPI server, one pipelined connection at a time: the
    :class:`~dhcpctl._collections.AsyncExecutor` of ``dhcpctl.aio.Client``.

    ``timeout`` (seconds, None: no limit) bounds each call, connecting included.
    ``reconnect``: whether a new connection is opened after one is lost (else every later call
    raises ConnectionLost). After :meth:`close`, the next call opens a new connection whatever
    ``reconnect`` (as :meth:`dhcpctl.Client.close`).
    """

    def __init__(
        self,
        address: str,
        port: int,
        key: Key | None,
        *,
        timeout: float | None,
        max_in_flight: int,
        reconnect: bool,
    ) -> None:
        self.address = address
        self.port = port
        self.key = key
        self._timeout = timeout
        self._max_in_flight = max_in_flight
        self._reconnect = reconnect
        self._connection: Connection | None = None
        self._connecting: asyncio.Future[Connection] | None = None
        #: The callers waiting for ``_connecting``, first come first (see :func:`_wait_in`).
        self._connect_waiters: dict[asyncio.Future[None], None] = {}
        self._peer = Peer(address, port, None if key is None else key_name(key.name, key.algorithm))
        self.opened = 0  # connections opened so far
        #: Whether close() ended the last connection (the next call opens one, even without
        #: ``reconnect``).
        self._closed = False
        #: Counts close() calls: a call of an earlier count is never sent again after a loss.
        self._generation = 0
        #: The largest reply seen per request kind, shared by this session's connections.
        self.learned: dict[str, int] = {}
        #: The event loop the connection (or connect) belongs to; None before the first call
        #: and after close() (see :meth:`_bind`).
        self._loop: asyncio.AbstractEventLoop | None = None

    def _bind(self, function: str) -> None:
        """Bind the session to the running event loop: the loop of its first call, after
        :meth:`close` of the next one, and, when the loop it was bound to has been closed
        (``asyncio.run`` returned), of the next one: the connection of the closed loop is
        abandoned (:meth:`Connection.abandon`, nothing of that loop touched) and the call opens
        a new one, as after a lost connection (nothing is sent again). Raises
        :class:`~dhcpctl.aio.WrongEventLoop` from another loop while the bound one is open."""
        running = asyncio.get_running_loop()
        loop = self._loop
        if loop is running:
            return
        if loop is not None and not loop.is_closed():
            raise WrongEventLoop(
                function,
                ISC_R_UNEXPECTED,
                "a dhcpctl.aio.Client belongs to one event loop at a time, and this one's "
                "loop is still open: use it from that loop, close it there (or close that "
                "loop) first, or make one Client per loop",
            )
        if loop is not None:
            self._forget()
        self._loop = running

    def _forget(self) -> None:
        """Drop the connection and the connect of a closed event loop without touching it."""
        self._generation += 1
        connection, self._connection = self._connection, None
        self._connecting = None
        self._connect_waiters = {}
        if connection is not None:
            connection.abandon()

    @property
    def connection(self) -> Connection | None:
        """The current connection (None before the first call)."""
        return self._connection

    async def _current(self, deadline: Deadline | None) -> Connection:
        """The live connection, opened (once for all callers) if needed before ``deadline``.
        Raises Lost, Timeout, AuthenticationFailed."""
        connection = self._connection
        if connection is not None and connection.alive:
            return connection
        if connection is not None and not self._reconnect and not self._closed:
            raise Lost(DHCP_R_CONNRESET, "the connection was lost; reconnect=False", sent=False)
        connecting = self._connecting
        if connecting is None or connecting.done():  # a connect that ended is never replayed
            connecting = self._connecting = asyncio.ensure_future(self._open())
            waiters: dict[asyncio.Future[None], None] = {}
            self._connect_waiters = waiters
            connecting.add_done_callback(self._opened)
            connecting.add_done_callback(lambda _: _wake_all(waiters))
        remaining = None if deadline is None else max(deadline.at - _now(), 0.0)
        await _wait_in(self._connect_waiters, remaining)
        if not connecting.done():  # it goes on for the callers still waiting
            assert deadline is not None
            raise connect_timeout(self._peer, deadline.seconds)
        if connecting.cancelled():
            raise Lost(DHCP_R_CONNRESET, "the client was closed", sent=False, connected=False)
        return connecting.result()  # or its error, for every caller that waited for it

    def _opened(self, connecting: asyncio.Future[Connection]) -> None:
        """A connect ended: the next call that needs a connection starts a new one, and its
        error (which the callers waiting for it raise) counts as retrieved even if none did."""
        if self._connecting is connecting:
            self._connecting = None
        if not connecting.cancelled():
            connecting.exception()

    async def _open(self) -> Connection:
        connection = await connect(
            self.address,
            self.port,
            self.key,
            max_in_flight=self._max_in_flight,
            learned=self.learned,
            timeout=self._timeout,
        )
        self._connection = connection
        self._closed = False
        self.opened += 1
        return connection

    def _deadline(self) -> Deadline | None:
        """The deadline of a call starting now with the client's timeout."""
        return None if self._timeout is None else Deadline(_now() + self._timeout, self._timeout)

    async def connect(self) -> None:
        """Open the connection now (else the first call does); after :meth:`close`, a new
        one. Raises ConnectionLost, Timeout, AuthenticationFailed, WrongEventLoop."""
        self._bind("connect")
        try:
            await self._current(self._deadline())
        except OmapiError as error:
            raise _named(error, "connect", f"connect to {self._peer}") from None

    async def execute(
        self,
        request: Request,
        *,
        read: bool,
        function: str = FUNCTION,
        context: Open | None = None,
        deadline: Deadline | None = None,
    ) -> Reply:
        """One request's reply (its status whatever it is); sent again on a new connection as
        the module docstring says (not after :meth:`close` was called meanwhile). Errors and
        logs describe it with ``context``, the lookup it follows
        (:func:`~dhcpctl._operations.describe_in`), only when one needs it; ``deadline``
        defaults to the client's timeout from now.

        Raises ValueError for a target that is no handle; ConnectionLost, Timeout,
        AuthenticationFailed naming ``function`` and the request; WrongEventLoop (nothing
        sent) from an event loop other than the session's while that one is open
        (:meth:`_bind`).
        """
        if self._loop is not asyncio.get_running_loop():
            self._bind(function)
        started = time.monotonic()
        generation = self._generation
        if deadline is None:
            deadline = self._deadline()
        op, handle, message_values, object_values = encode_request(request)
        object_type = request.object_type if isinstance(request, Open) else None
        kind = object_type or ("remove" if op == OP_DELETE else "update")
        retried = False
        for attempt in range(_ATTEMPTS):
            handed = False  # whether this attempt's request went to a connection
            try:
                connection = self._connection  # live: no coroutine made to find it out
                if connection is None or not connection.alive:
                    if deadline is not None and deadline.at <= _now():
                        raise _no_answer(deadline)  # not "cannot connect": no time was left
                    connection = await self._current(deadline)  # not there: the call ends
                remaining = None
                if deadline is not None:
                    remaining = deadline.at - _now()
                    if remaining <= 0:
                        raise _no_answer(deadline)
                handed = True
                message = await connection.request(
                    op,
                    handle,
                    message_values,
                    object_values,
                    object_type=object_type,
                    kind=kind,
                    timeout=remaining,
                    limit=None if deadline is None else deadline.seconds,
                )
                break
            except Lost as lost:
                again = (
                    self._reconnect and generation == self._generation and attempt + 1 < _ATTEMPTS
                )
                if lost.connected and again and not lost.sent:
                    continue  # queued, never sent: safe to send on a new connection
                if lost.connected and again and read and not retried:
                    retried = True
                    continue
                sure = read or not lost.sent  # a write never sent was not made
                raise _named(lost, function, describe_in(request, context), sure) from None
            except OmapiError as error:
                sure = read or not handed
                raise _named(error, function, describe_in(request, context), sure) from None
        reply = decode_reply(message)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s: %s: %s (%.3f s)",
                function,
                describe_in(request, context),
                isc_result_totext(reply.status),
                time.monotonic() - started,
            )
        return reply

    async def run(
        self, operation: Operation[T], *, read: bool, function: str, timeout: float | None = None
    ) -> T:
        """Drive ``operation`` to its result (the contract of
        :class:`dhcpctl._collections.SyncExecutor`), within ``timeout`` seconds if given and
        shorter than the client's. ``read``: whether it only reads; ``function`` names it."""
        limit = self._timeout
        if timeout is not None and (limit is None or timeout < limit):
            limit = timeout
        deadline = None if limit is None else Deadline(_now() + limit, limit)
        drive = Driver(operation, function=function, keyed=self.key is not None)
        try:
            waiting = drive.start()
            while waiting:
                assert drive.request is not None
                try:
                    reply = await self.execute(
                        drive.request,
                        read=read,
                        function=function,
                        context=drive.context,
                        deadline=deadline,
                    )
                except OmapiError as error:
                    waiting = drive.fail(error)
                    continue
                waiting = drive.answer(reply)
        finally:
            drive.close()  # also when the task is cancelled
        return cast(T, drive.result)

    async def close(self) -> None:
        """Close the connection (and stop a connect under way); calls still waiting end with
        ConnectionLost and are not sent again. The next call opens a new connection, in any
        event loop. From another loop than the session's, it never raises: a connection of a
        closed loop is abandoned (:meth:`Connection.abandon`), one of a loop still open is
        closed in that loop (``call_soon_threadsafe``: when that loop next runs)."""
        loop, self._loop = self._loop, None
        self._generation += 1
        self._closed = True
        connecting, self._connecting = self._connecting, None
        connection = self._connection
        if loop is None or loop is asyncio.get_running_loop():
            _close(connecting, connection)
            await asyncio.sleep(0)  # let the transport's close run
            return
        self._connection = None
        self._connect_waiters = {}
        try:
            loop.call_soon_threadsafe(_close, connecting, connection)
        except RuntimeError:  # that loop is closed: nothing of it may run
            if connection is not None:
                connection.abandon()


def _close(connecting: asyncio.Future[Connection] | None, connection: Connection | None) -> None:
    """Stop a connect under way and close a connection, in their event loop."""
    if connecting is not None:
        connecting.cancel()
    if connection is not None:
        connection.close()


async def _wait_in(waiters: dict[asyncio.Future[None], None], timeout: float | None) -> None:
    """Wait until :func:`_wake_all` wakes ``waiters`` or ``timeout`` seconds pass (None: no
    limit).

    Each caller waits on a future of its own, a key of ``waiters`` (a dict: woken in the
    order they came, so their requests go out in the order of the calls). One that gives up
    leaves it in constant time, where ``asyncio.wait`` on the shared future removes its
    callback from that future's list, a walk of every caller still waiting (40,000 calls
    timing out together while a connect hung kept the event loop busy for 22 s).
    """
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()
    waiters[waiter] = None
    timer = None if timeout is None else loop.call_later(timeout, _wake, waiter)
    try:
        await waiter
    finally:
        waiters.pop(waiter, None)
        if timer is not None:
            timer.cancel()


def _wake_all(waiters: dict[asyncio.Future[None], None]) -> None:
    for waiter in tuple(waiters):
        _wake(waiter)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _now() -> float:
    return asyncio.get_running_loop().time()


def _no_answer(deadline: Deadline) -> Timeout:
    """The Timeout of a call whose time ran out before its request could go (again)."""
    return Timeout(FUNCTION, ISC_R_TIMEDOUT, f"no answer within {seconds(deadline.seconds)}")


def _named(error: OmapiError, function: str, what: str | None, read: bool = True) -> OmapiError:
    """``error`` again (same class), naming ``function`` and the request; unless ``read``
    (the request only reads, or was surely not sent), a Lost or Timeout adds that the change
    may have been made."""
    detail = (
        error.detail
        if read or not isinstance(error, (Lost, Timeout))
        else (f"{error.detail}; the change may have been made")
    )
    if isinstance(error, Lost):  # the public class: Lost's attributes are this package's
        return ConnectionLost(function, error.status, detail, request=what)
    return type(error)(function, error.status, detail, request=what)
