"""The asyncio executor of typed operations: :mod:`dhcpctl._exchange` requests as pipelined
OMAPI messages on one :class:`~._connection.Connection`, reconnecting after a loss.

A request becomes one message (``omapip/protocol.c``; the flags as ``dhcpctl_open_object``
sends them, ``dhcpctl/dhcpctl.c``):

- :class:`~dhcpctl._exchange.Open`: an OPEN with the message values ``create``, ``update``,
  ``exclusive`` (1, where set) and ``type``, and the lookup values as object values;
- :class:`~dhcpctl._exchange.Update`: an UPDATE of the handle ``target`` with ``values``;
- :class:`~dhcpctl._exchange.Remove`: a DELETE of the handle ``target``.

Its reply becomes a :class:`~dhcpctl._exchange.Reply`: a STATUS gives its ``result`` and
``message`` (and, answering an Update, the values the object had in its last reply with the
changes applied, as the C handle of the sync client holds them); an UPDATE gives
``ISC_R_SUCCESS``, every non-null object value (names decoded as ASCII) and, as ``target``,
the server's handle of the object (its ``remote-handle`` value, or the message's handle).

Reconnecting (as the sync ``Client``): after :class:`~dhcpctl.ConnectionLost`, the next call
opens a new connection. A request that was never sent (queued when the connection ended) is
sent on the new connection; a read (an operation the caller marks ``read``) whose request was
lost in flight is sent again once; a write in flight is never sent again: its caller gets the
ConnectionLost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Final, TypeVar

from dhcpctl._errors import Timeout, typed_error
from dhcpctl._exchange import Open, Operation, Reply, Request, Update
from dhcpctl._operations import describe
from dhcpctl._results import DHCP_R_CONNRESET, ISC_R_SUCCESS, isc_result_totext
from dhcpctl.fallback.auth import Key
from dhcpctl.fallback.protocol import status_of, text_of
from dhcpctl.fallback.wire import OP_DELETE, OP_OPEN, OP_STATUS, OP_UPDATE, Message, Pair

from ._connection import FUNCTION, Connection, Lost, connect, log
from ._dhcpd_limits import reply_bound

T = TypeVar("T")

#: How many connections one request may try: a request is sent again only after its
#: connection ended (never sent, or a read once), on a new connection that did open.
_ATTEMPTS: Final = 3
_FLAGS: Final = ((b"create", "create"), (b"update", "update"), (b"exclusive", "exclusive"))


def encode_request(request: Request) -> tuple[int, int, tuple[Pair, ...], tuple[Pair, ...]]:
    """The op, handle, message values and object values of ``request``'s message."""
    if isinstance(request, Open):
        flags: tuple[Pair, ...] = tuple(
            (wire, 1) for wire, attribute in _FLAGS if getattr(request, attribute)
        )
        values = tuple((name.encode(), value) for name, value in request.values)
        return OP_OPEN, 0, (*flags, (b"type", request.object_type.encode())), values
    handle = _handle(request.target)
    if isinstance(request, Update):
        values = tuple((name.encode(), value) for name, value in request.values)
        return OP_UPDATE, handle, (), values
    return OP_DELETE, handle, (), ()


def _handle(target: object) -> int:
    if not isinstance(target, int) or not 0 < target < 1 << 32:
        raise ValueError(f"not an object handle of this client: {target!r}")
    return target


def decode_reply(message: Message) -> Reply:
    """The :class:`~dhcpctl._exchange.Reply` a STATUS or UPDATE message gives."""
    if message.op == OP_STATUS:
        return Reply(status_of(message), text_of(message) or None)
    # Decoded values are bytes or None (null: dropped, as a handle's clear_flags drops them).
    values = {
        name.decode("ascii", "replace"): value
        for name, value in message.object_values
        if isinstance(value, bytes)
    }
    remote_handle = values.pop("remote-handle", None)  # 4 bytes: the codec refuses others
    target = int.from_bytes(remote_handle, "big") if remote_handle else message.handle
    return Reply(ISC_R_SUCCESS, None, values, target or None)


class Session:
    """Runs typed operations on one OMAPI server, one pipelined connection at a time.

    ``timeout`` (seconds, None: no limit) bounds each request, connecting included.
    ``reconnect``: whether a new connection is opened after one is lost (else every later call
    raises ConnectionLost).
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
        self._key = key
        self._timeout = timeout
        self._max_in_flight = max_in_flight
        self._reconnect = reconnect
        self._connection: Connection | None = None
        self._connecting: asyncio.Future[Connection] | None = None
        self.opened = 0  # connections opened so far
        self._closed = False
        #: The largest reply seen per request kind, shared by this session's connections.
        self.learned: dict[str, int] = {}

    @property
    def connection(self) -> Connection | None:
        """The current connection (None before the first call or after a loss)."""
        return self._connection

    async def _current(self) -> Connection:
        if self._closed:
            raise Lost(DHCP_R_CONNRESET, "the client is closed", sent=False)
        connection = self._connection
        if connection is not None and connection.alive:
            return connection
        if connection is not None and not self._reconnect:
            raise Lost(DHCP_R_CONNRESET, "the connection was lost and reconnect=False", sent=False)
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._open())
        try:
            return await asyncio.shield(self._connecting)
        finally:
            if self._connecting is not None and self._connecting.done():
                self._connecting = None

    async def _open(self) -> Connection:
        connection = await connect(
            self.address,
            self.port,
            self._key,
            max_in_flight=self._max_in_flight,
            learned=self.learned,
            timeout=self._timeout,
        )
        if self._closed:
            connection.close()
            raise Lost(DHCP_R_CONNRESET, "the client is closed", sent=False)
        self._connection = connection
        self.opened += 1
        return connection

    async def connect(self) -> None:
        """Open the connection now (else the first call does)."""
        await self._current()

    async def execute(self, request: Request, *, read: bool, function: str = FUNCTION) -> Reply:
        """One request's reply; retried on a new connection as the module docstring says.

        Raises ValueError for a target that is no handle, :class:`~dhcpctl.ConnectionLost`,
        :class:`~dhcpctl.Timeout` (both naming ``function`` and the request).
        """
        started = time.monotonic()
        op, handle, message_values, object_values = encode_request(request)
        object_type = request.object_type if isinstance(request, Open) else None
        kind = object_type or ("remove" if op == OP_DELETE else "update")
        bound = reply_bound(object_type)
        retried = False
        for attempt in range(_ATTEMPTS):
            try:
                connection = await self._current()  # not there: the call ends
            except (Lost, Timeout) as error:
                raise _named(error, function, request) from None
            try:
                message = await connection.request(
                    op,
                    handle,
                    message_values,
                    object_values,
                    bound=bound,
                    kind=kind,
                    timeout=self._timeout,
                )
                break
            except Lost as lost:
                again = self._reconnect and not self._closed and attempt + 1 < _ATTEMPTS
                if again and not lost.sent:
                    continue  # queued, never sent: safe to send on a new connection
                if again and read and not retried:
                    retried = True
                    continue
                raise _named(lost, function, request) from None
            except Timeout as timeout:
                raise _named(timeout, function, request) from None
        reply = decode_reply(message)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s: %s: %s in %.1f ms",
                function,
                describe(request),
                isc_result_totext(reply.status),
                (time.monotonic() - started) * 1000,
            )
        return reply

    async def run(self, operation: Operation[T], *, read: bool, function: str) -> T:
        """Drive ``operation`` (a generator of requests) to its result: each reply is sent into
        it, or, for a status other than success, thrown into it as the typed error
        :func:`~dhcpctl._errors.typed_error` picks (see :mod:`dhcpctl._operations`). ``read``:
        whether the operation only reads; ``function`` names it in errors and logs."""
        # The values each target had in its last reply, as a dhcpctl handle keeps them: the
        # reply to an Update (a STATUS) gives them with the changes applied, as the sync
        # client's handle then holds them.
        known: dict[object, Mapping[str, bytes]] = {}
        try:
            request = next(operation)
            while True:
                reply = await self.execute(request, read=read, function=function)
                if reply.status == ISC_R_SUCCESS:
                    if isinstance(request, Update):
                        values = {**known.get(request.target, {}), **dict(request.values)}
                        reply = Reply(reply.status, reply.message, values, request.target)
                    if reply.target is not None:
                        known[reply.target] = reply.values
                    request = operation.send(reply)
                    continue
                error = typed_error(
                    reply.status,
                    function=function,
                    request=describe(request),
                    server_message=reply.message,
                )
                request = operation.throw(error)
        except StopIteration as done:
            result: T = done.value
            return result
        finally:
            operation.close()

    async def close(self) -> None:
        """Close the connection; calls still waiting end with ConnectionLost. Idempotent."""
        self._closed = True
        if self._connecting is not None:
            self._connecting.cancel()
        if self._connection is not None:
            self._connection.close()
        await asyncio.sleep(0)  # let the transport's close run


def _named(error: Lost | Timeout, function: str, request: Request) -> Lost | Timeout:
    """``error`` again, naming ``function`` and the request."""
    if isinstance(error, Lost):
        return Lost(
            error.status,
            error.detail,
            sent=error.sent,
            function=function,
            request=describe(request),
        )
    return Timeout(function, error.status, error.detail, request=describe(request))
