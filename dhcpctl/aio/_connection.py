"""One OMAPI connection under asyncio, many requests in flight (the engine of ``dhcpctl.aio``).

The bytes move through :class:`asyncio.Protocol`; the OMAPI state machine is the sans-I/O
:class:`~dhcpctl.fallback.protocol.ClientProtocol` of the pure-Python backend, so framing,
signing and signature checks are the same code as the sync backend's.

- Requests wait in a FIFO queue until the window admits them: at most ``max_in_flight``
  requests sent and not answered (a cancelled or timed-out call keeps its place until its
  reply is read: dhcpd still answers it), and on a keyed connection the rules of
  :mod:`._dhcpd_limits` (which keep dhcpd from aborting). Admitted requests are encoded at
  once, in queue order. Those admitted by the replies of one read go out at the end of
  ``data_received``, before the callers those replies woke run, so that dhcpd works on them
  while this process decodes (sent after those callers, they cost the pipelined lookups a
  quarter of their rate: see the README's Benchmarks); everything else queued in one turn of
  the event loop goes out in one ``transport.write``.
- Every ``data_received`` feeds the codec, which decodes every complete message in the buffer
  at once. A reply completes the call whose request id it carries as ``rid``, never another
  call. A reply for no call in flight (never sent, or answered already: a call that timed out
  or was cancelled keeps its place until its reply comes, which is then read and dropped) is
  dropped and logged, as this client's contract has it: with many requests in flight, one
  stray reply does not cost every other call its connection (the sync backends, one request
  at a time, fail the connection for it as ISC's client does). A reply that breaks the
  protocol for the call it names ends the connection with ``DHCP_R_PROTOCOLERROR``, as the
  sync backends do (every call in flight gets :class:`Lost`): an op that cannot answer the
  call, an UPDATE without object values (:func:`~dhcpctl.fallback.protocol.reply_fault`), a
  STATUS "success" answering an OPEN. A message without a rid (the server's own) is
  ignored.
- Signatures: every reply on a keyed connection is verified by the codec (the six HMACs). A
  message with a wrong signature reaches no call: it is answered with a STATUS of
  ``DHCP_R_INVALIDKEY``, as the sync backend and ISC's ``protocol.c`` do, and its call waits on
  (for a good reply, its timeout or the end of the connection); an unsigned reply on a keyed
  connection ends the connection (``DHCP_R_CONNRESET``). Requests on a keyed connection are
  always signed: the codec signs every request once the authenticator is accepted, and none is
  sent before.
- An UPDATE of an object this connection has asked to delete is not sent: it waits for the
  DELETE's answer (the requests queued after it too: the queue keeps its order), and if the
  object was deleted it fails with :class:`~dhcpctl.DeletedEarlier`, a
  :class:`~dhcpctl.NotFound` (``ISC_R_NOTFOUND``, what dhcpd answers where nothing else holds
  the object); if the connection ends before the DELETE's answer, it fails so too (not sent
  again on a new connection). dhcpd 4.4.3-P1 answers success to an update of a deleted host that
  something still holds (measured: a host of dhcpd.conf, and any host an exclusive create
  collided with, ISC_R_EXISTS, from then on and whatever the connection) and enters it again in
  its tables (``server/mdb.c`` enter_host): after two such updates the host is linked to itself,
  and the next lookup of its hardware address (a create with the same MAC, a DHCP packet from
  it) never ends: dhcpd spins at full CPU and answers no one (measured, unkeyed and keyed).
  Pipelined, a ``hosts.update`` beside a ``hosts.put`` or ``hosts.delete`` of the same host,
  after a create of it that failed, does exactly that. Deletes by other clients, or by this one
  on an earlier connection, are out of this guard's sight.
- A call ends with its reply, :class:`~dhcpctl.Timeout` after ``timeout`` seconds (queueing
  included), or :class:`Lost` when the connection ends (every call in flight and every
  queued one; ``Lost.sent`` tells whether the request went out). Lost is this package's
  ConnectionLost: the session turns it into a plain :class:`~dhcpctl.ConnectionLost`.
  Cancelling a call is safe: a queued request is never sent, a sent one's reply is read and
  dropped. A call that times out after its request went out, with nothing at all received
  since, ends the connection (the server is silent; the next call opens a new one).

Logging: ``logging.getLogger("dhcpctl.aio")``: a WARNING for the first message a connection
drops (a reply for no call, a wrong or missing signature), DEBUG for later ones, for replies to
cancelled calls and for the end of a connection; never a secret (messages are named by op and
id only).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, cast

from dhcpctl._diagnosis import KeyName, Peer, connect_failed, key_name, wrong_secret
from dhcpctl._errors import (
    AuthenticationFailed,
    ConnectionLost,
    DeletedEarlier,
    OmapiError,
    Timeout,
)
from dhcpctl._operations import NO_OBJECT
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_HOSTUNKNOWN,
    DHCP_R_PROTOCOLERROR,
    ISC_R_NOMORE,
    ISC_R_NOSPACE,
    ISC_R_NOTFOUND,
    ISC_R_SUCCESS,
    ISC_R_TIMEDOUT,
    isc_result_totext,
)
from dhcpctl.fallback.auth import Key
from dhcpctl.fallback.protocol import (
    AuthenticatorAccepted,
    BadSignature,
    ClientProtocol,
    ConnectionFailed,
    Intro,
    MessageReceived,
    Unauthenticated,
    reply_fault,
    status_of,
)
from dhcpctl.fallback.transport import _answer as answer_dropped
from dhcpctl.fallback.wire import (
    MAX_UNSENT,
    OP_DELETE,
    OP_OPEN,
    OP_STATUS,
    OP_UPDATE,
    Message,
    Pair,
    ProtocolError,
)

from ._dhcpd_limits import ALONE, SignedQueueGuard, reply_bound

log: Final = logging.getLogger("dhcpctl.aio")
#: Why an UPDATE of a deleted object was not sent (see the module docstring).
_DELETED: Final = "not sent: an earlier request of this client deleted the object"
#: Why one was not sent, its object's DELETE unanswered when the connection ended.
_MAYBE_DELETED: Final = (
    "not sent: an earlier request of this client may have deleted the object (the connection "
    "ended before its answer)"
)
#: How many deleted objects' handles a connection remembers, to answer an UPDATE of one
#: itself (at most a few MB; an UPDATE follows its lookup within the calls then queued).
REMEMBERED_DELETES: Final = 65_536

#: The name the errors of this module give as their ``function``.
FUNCTION: Final = "dhcpctl.aio"


def seconds(value: float) -> str:
    """``value`` seconds as error texts print them: ``"3 s"``, ``"2.5 s"``, ``"0.25 s"`` (two
    significant digits, whole seconds from 10 s on)."""
    return f"{value:.0f} s" if value >= 10 else f"{value:.2g} s"


class Lost(ConnectionLost):
    """:class:`~dhcpctl.ConnectionLost` of one call, inside this package only (the session
    raises a plain ConnectionLost to the caller); ``sent`` tells whether its request had been
    written (a request never sent may be sent again on a new connection, even a write),
    ``connected`` whether the connection had been made (else the server was not there)."""

    def __init__(
        self,
        status: int,
        detail: str | None,
        *,
        sent: bool,
        connected: bool = True,
        function: str = FUNCTION,
        request: str | None = None,
    ) -> None:
        super().__init__(function, status, detail, request=request)
        self.sent = sent
        self.connected = connected


@dataclass(eq=False, slots=True)
class _Call:
    """One request: queued (``xid`` 0) or in flight, until its reply or the connection's end."""

    op: int
    handle: int
    message_values: tuple[Pair, ...]
    object_values: tuple[Pair, ...]
    object_type: str | None
    future: asyncio.Future[Message]
    kind: str
    #: The bound of its reply (bytes), set as it is admitted (:func:`._dhcpd_limits.reply_bound`).
    bound: int = 0
    xid: int = 0
    sent_at: float = 0.0
    data: bytes = field(default=b"", repr=False)


class Connection(asyncio.Protocol):
    """One connected OMAPI session; made by :func:`connect`. See the module docstring.

    ``max_in_flight`` (int >= 1) bounds the requests sent and not answered. ``learned`` maps a
    request kind to the largest reply seen for it (shared by a client's connections).
    """

    def __init__(self, key: Key | None, max_in_flight: int, learned: dict[str, int]) -> None:
        self._codec = ClientProtocol(key)
        self._max_in_flight = max_in_flight
        self._learned = learned
        self._guard = SignedQueueGuard() if key is not None else None
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self._ready: asyncio.Future[None] = self._loop.create_future()
        self._queue: collections.deque[_Call] = collections.deque()
        self._in_flight: dict[int, _Call] = {}
        self._out = bytearray()
        self._flush_scheduled = False
        self._paused = False
        self._error: Lost | None = None
        self._deadlines = _Deadlines(self._loop, self._expired)
        #: When the last bytes came from the server (``loop.time()``).
        self._received_at = self._loop.time()
        self._key_name: KeyName | None = None if key is None else key_name(key.name, key.algorithm)
        #: Whether a verified reply has come (the key works).
        self._proven = False
        self._warned = False
        self.dropped = 0  # replies dropped: for no call in flight, or for a cancelled call
        #: The handles of objects whose DELETE this connection sent: how many are unanswered,
        #: and the last :data:`REMEMBERED_DELETES` answered success, oldest first (a dict as an
        #: ordered set; see the module docstring).
        self._deleting: collections.Counter[int] = collections.Counter()
        self._deleted: dict[int, None] = {}

    # -- state ----------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        """Whether requests can still be made on this connection."""
        return self._error is None

    @property
    def in_flight(self) -> int:
        """Requests sent and not answered (cancelled ones included)."""
        return len(self._in_flight)

    async def ready(self) -> None:
        """Wait until intros are exchanged and, with a key, the authenticator is accepted."""
        await asyncio.shield(self._ready)

    # -- requests -------------------------------------------------------------------------

    def request(
        self,
        op: int,
        handle: int,
        message_values: tuple[Pair, ...],
        object_values: tuple[Pair, ...],
        *,
        object_type: str | None,
        kind: str,
        timeout: float | None,
        limit: float | None = None,
    ) -> asyncio.Future[Message]:
        """Queue one request; the future of its reply (an UPDATE or STATUS answering it),
        within ``timeout`` seconds (None: no limit). A plain function, not a coroutine: the
        caller awaits the future itself, one frame less on each call's path.

        ``object_type``: an OPEN's (None for others); with the largest reply seen so far to a
        request of the same ``kind`` it bounds the reply's size when the request is admitted
        (:func:`._dhcpd_limits.reply_bound`). ``limit``:
        the seconds the Timeout names (the whole call's; default ``timeout``).
        Raises, or the future raises, :class:`Lost` (a ConnectionLost) or
        :class:`~dhcpctl.Timeout`.
        """
        if self._error is not None:
            raise Lost(self._error.status, self._error.detail, sent=False)
        future: asyncio.Future[Message] = self._loop.create_future()
        call = _Call(op, handle, message_values, object_values, object_type, future, kind)
        self._queue.append(call)
        self._admit()
        if timeout is not None:
            self._deadlines.add(call, timeout, timeout if limit is None else limit)
        # A cancelled task cancels ``future``: _admit skips it if it is still queued, _deliver
        # drops its reply if it was sent.
        return future

    def _admit(self) -> None:
        """Encode and queue for writing every request the window admits, in queue order."""
        queue = self._queue
        while queue and self._ready.done() and self._error is None:
            call = queue[0]
            if call.future.done():  # cancelled or timed out while queued: never sent
                queue.popleft()
                continue
            if call.op == OP_UPDATE and (why := self._gone(call.handle)):
                if why is _MAYBE_DELETED:
                    return  # until the DELETE before it is answered: a deleted object's handle
                queue.popleft()
                call.future.set_exception(DeletedEarlier(FUNCTION, ISC_R_NOTFOUND, why))
                continue
            if len(self._in_flight) >= self._max_in_flight:
                return
            if not call.data:
                try:
                    call.xid, call.data = self._codec.send(
                        call.op, call.handle, call.message_values, call.object_values
                    )
                except Exception as exc:  # a value the wire cannot carry: that call fails
                    queue.popleft()
                    call.future.set_exception(exc)
                    continue
            guard = self._guard
            if guard is not None:
                # Bounded now, not when the call was made: replies read since count.
                call.bound = reply_bound(call.object_type, self._learned.get(call.kind))
                if not guard.admits(len(call.data), call.bound):
                    return
                guard.wrote(len(call.data), call.bound)
            queue.popleft()
            call.sent_at = self._loop.time()
            self._in_flight[call.xid] = call
            if call.op == OP_DELETE:
                self._deleting[call.handle] += 1
            self._write(call.data)

    def _write(self, data: bytes) -> None:
        self._out += data
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        self._write_out()

    def _write_out(self) -> None:
        """Write what is queued, unless writing is paused or the connection is gone."""
        if self._paused or not self._out or self._transport is None or self._error is not None:
            return
        self._transport.write(bytes(self._out))
        self._out.clear()

    # -- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Any loop's stream transport (uvloop's is no subclass of asyncio.Transport): it has
        # the write and abort of one.
        self._transport = stream = cast(asyncio.Transport, transport)
        stream.write(self._codec.initiate())

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._write_out()

    def data_received(self, data: bytes) -> None:
        if self._error is not None:
            return
        self._received_at = self._loop.time()
        try:
            events = self._codec.feed(data)
        except ProtocolError as exc:  # fed after a failure: cannot happen, we stop first
            self._fail(exc.status, exc.detail)
            return
        for event in events:
            if isinstance(event, MessageReceived):
                self._deliver(event.message, event.size)
            elif isinstance(event, ConnectionFailed):
                self._fail(event.status, event.detail)
                return
            elif isinstance(event, (BadSignature, Unauthenticated)):
                self._answer_dropped(event)
            elif isinstance(event, Intro):
                self._introduced()
            elif isinstance(event, AuthenticatorAccepted):
                self._became_ready()
        self._admit()
        # Not _flush: the one that _admit scheduled still runs, after the callers woken here,
        # and writes their requests.
        self._write_out()

    def eof_received(self) -> bool:
        self._fail(DHCP_R_CONNRESET, "the server closed the connection")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        detail = f"the connection was lost: {exc}" if exc else "the connection was closed"
        self._fail(DHCP_R_CONNRESET, detail)

    # -- events ---------------------------------------------------------------------------

    def _introduced(self) -> None:
        if self._codec.key is None:
            self._became_ready()
            return
        assert self._transport is not None
        self._transport.write(self._codec.open_authenticator())

    def _became_ready(self) -> None:
        if not self._ready.done():
            self._ready.set_result(None)

    def _deliver(self, message: Message, size: int) -> None:
        """Complete the call ``message`` answers; ``size``: the bytes it took on the wire."""
        if not message.rid:
            log.debug("dropped a message without rid (op %d) from the server", message.op)
            return
        call = self._in_flight.get(message.rid)
        if call is None:
            self.dropped += 1
            self._warn(
                "dropped a reply (op %d, rid %d) that answers no request in flight",
                message.op,
                message.rid,
            )
            return
        fault = _fault(call.op, message)
        if fault is not None:
            self._fail(DHCP_R_PROTOCOLERROR, fault)
            return
        del self._in_flight[message.rid]
        self._proven = True
        if call.op == OP_DELETE:
            self._delete_answered(call.handle, message)
        if self._guard is not None:
            self._guard.answered(call.bound)
            if size > self._learned.get(call.kind, 0):
                self._learned[call.kind] = size
            if size > call.bound and call.bound < ALONE:  # (one sent alone met nothing)
                log.warning(
                    "a %s reply of %d bytes exceeded the %d bytes assumed for it: dhcpd may "
                    "abort under such replies pipelined (max_in_flight=1 rules it out)",
                    call.kind,
                    size,
                    call.bound,
                )
        if call.future.done():
            self.dropped += 1
            log.debug("dropped the reply to cancelled request %d", message.rid)
        else:
            call.future.set_result(message)

    def _gone(self, handle: int) -> str | None:
        """Why an UPDATE of ``handle`` is not to be sent: this connection deleted its object
        (:data:`_DELETED`), or asked to and has no answer yet (:data:`_MAYBE_DELETED`: held
        while the connection lives); None otherwise."""
        if handle in self._deleted:
            return _DELETED
        return _MAYBE_DELETED if handle in self._deleting else None

    def _delete_answered(self, handle: int, message: Message) -> None:
        """A DELETE of ``handle`` was answered by ``message``: one fewer in flight and, if it
        succeeded, the handle remembered as deleted (the oldest forgotten past
        :data:`REMEMBERED_DELETES`)."""
        left = self._deleting[handle] - 1
        if left:
            self._deleting[handle] = left
        else:
            del self._deleting[handle]
        if message.op == OP_STATUS and status_of(message) == ISC_R_SUCCESS:
            deleted = self._deleted
            deleted[handle] = None
            if len(deleted) > REMEMBERED_DELETES:
                del deleted[next(iter(deleted))]

    def _warn(self, text: str, *args: object) -> None:
        """A WARNING for the first dropped message of the connection, DEBUG for later ones (a
        server cannot flood the log); :attr:`dropped` counts them all."""
        log.log(logging.WARNING if not self._warned else logging.DEBUG, text, *args)
        self._warned = True

    def _answer_dropped(self, event: BadSignature | Unauthenticated) -> None:
        """The STATUS ISC's client sends back for a message it dropped (the sync backend's
        answer, :mod:`dhcpctl.fallback.transport`: ``DHCP_R_INVALIDKEY`` for a wrong signature,
        ``DHCP_R_NOKEYS`` for an unsigned message)."""
        kind = "a wrong signature" if isinstance(event, BadSignature) else "no signature"
        self._warn("dropped a message with %s (id %d)", kind, event.message_id)
        data = answer_dropped(self._codec, event)
        assert data is not None
        if len(self._out) + len(data) > MAX_UNSENT:
            self._fail(ISC_R_NOSPACE, "the server does not read what it is sent")
            return
        if self._guard is not None:
            self._guard.wrote_unanswered(len(data))
        self._write(data)

    def _fail(self, status: int, detail: str) -> None:
        """End the connection: every call queued or in flight fails with :class:`Lost`."""
        if self._error is None:
            self._error = Lost(status, detail, sent=True)
            log.debug("connection ended: %s (%s)", detail, isc_result_totext(status))
        error = self._error
        if not self._ready.done():
            failure: OmapiError = Lost(error.status, error.detail, sent=False, connected=False)
            if error.status == ISC_R_NOTFOUND and self._key_name is not None:
                # dhcpd's refusal of a key it does not know (omapip/auth.c
                # omapi_auth_key_lookup), as the sync client tells it apart; any other answer
                # to the authenticator (a STATUS "success" among them) is ConnectionLost.
                failure = AuthenticationFailed(
                    FUNCTION,
                    error.status,
                    f"{error.detail}: it has no key named {self._key_name.name!r} of that "
                    "algorithm",
                )
            self._ready.set_exception(failure)
            self._ready.exception()  # retrieved: nobody may be waiting yet
        bad_secret = self._bad_secret(detail)
        for calls, sent in ((self._in_flight.values(), True), (self._queue, False)):
            for call in calls:
                if call.future.done():
                    continue
                if bad_secret is not None:
                    call.future.set_exception(
                        AuthenticationFailed(FUNCTION, error.status, bad_secret)
                    )
                elif not sent and call.op == OP_UPDATE and (why := self._gone(call.handle)):
                    # Not to be sent again on a new connection: its object is, or may be, gone.
                    call.future.set_exception(DeletedEarlier(FUNCTION, ISC_R_NOTFOUND, why))
                else:
                    call.future.set_exception(Lost(error.status, error.detail, sent=sent))
        self._in_flight.clear()
        self._queue.clear()
        self._out.clear()
        self._deadlines.clear()
        if self._transport is not None:
            self._transport.abort()

    def _bad_secret(self, detail: str) -> str | None:
        """The text of the AuthenticationFailed the calls get when the connection ended with
        ``detail`` before any verified reply because the server sent an unsigned one (its
        answer to a wrong signature), None otherwise. The likely cause is said once: the codec
        says it already when the server answered ``DHCP_R_INVALIDKEY``."""
        key = self._key_name
        if self._proven or key is None or "unsigned" not in detail:
            return None
        if wrong_secret(key) in detail:
            return detail
        return (
            f"{detail}; the server did not take the first signed request: most likely the "
            f"secret of key {key.name!r} is wrong"
        )

    def _expired(self, call: _Call, limit: float) -> None:
        """``call`` ran out of time: it fails with Timeout. If its request went out and the
        server has sent nothing since, the server is silent: the connection ends (its other
        calls get :class:`Lost`, and the next call opens a new one) rather than keep the
        window filled with requests that will never be answered. Nothing for a call that
        ended meanwhile (a timer of its own fires in the turn its reply came, before the
        callback that cancels the timer runs)."""
        if call.future.done():
            return
        call.future.set_exception(
            Timeout(FUNCTION, ISC_R_TIMEDOUT, f"no answer within {seconds(limit)}")
        )
        if call.sent_at and self._received_at < call.sent_at:
            silent = seconds(self._loop.time() - call.sent_at)
            self._fail(ISC_R_TIMEDOUT, f"the server sent nothing for {silent} after a request")

    def close(self) -> None:
        """Close the connection; calls still waiting end with :class:`Lost`."""
        self._fail(DHCP_R_CONNRESET, "the connection was closed")

    def abandon(self) -> None:
        """End the connection of an event loop that was closed, without touching that loop
        (its callbacks can no longer run: a future's result or the transport's close would
        raise): the socket is shut down (the server sees the end), the calls are forgotten
        (their tasks ended with the loop)."""
        if self._error is None:
            self._error = Lost(DHCP_R_CONNRESET, "its event loop was closed", sent=True)
        self._in_flight.clear()
        self._queue.clear()
        self._out.clear()
        transport, self._transport = self._transport, None
        sock = None if transport is None else transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Deadlines:
    """The calls' timeouts with one timer: ``expired(call, timeout)`` runs once a call's
    deadline passes. Deadlines are kept in call order, which with one timeout per session is
    also their time order, so the head is always the next to expire; a deadline earlier than
    the last one queued (a shorter timeout) gets a timer of its own. Done calls are pruned from
    the head as calls come, so memory follows the calls in flight; the timer is moved earlier
    when the head's deadline is earlier than it (the calls it was set for are done)."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, expired: Callable[[_Call, float], None]
    ) -> None:
        self._loop = loop
        self._expired = expired
        self._queue: collections.deque[tuple[float, float, _Call]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None

    def add(self, call: _Call, timeout: float, limit: float) -> None:
        """``call`` expires ``timeout`` seconds from now; ``limit`` is passed on to
        ``expired``."""
        queue = self._queue
        while queue and queue[0][2].future.done():
            queue.popleft()
        deadline = self._loop.time() + timeout
        if queue and deadline < queue[-1][0]:  # shorter than a call before it: a timer of its own
            timer = self._loop.call_at(deadline, self._expired, call, limit)
            call.future.add_done_callback(lambda _: timer.cancel())
            return
        queue.append((deadline, limit, call))
        current = self._timer
        if current is None or current.when() > queue[0][0]:  # the calls it was set for are done
            if current is not None:
                current.cancel()
            self._timer = self._loop.call_at(queue[0][0], self._expire)

    def _expire(self) -> None:
        self._timer = None
        queue, now = self._queue, self._loop.time()
        while queue and (queue[0][0] <= now or queue[0][2].future.done()):
            _, limit, call = queue.popleft()
            if not call.future.done():
                self._expired(call, limit)
        if queue:
            self._timer = self._loop.call_at(queue[0][0], self._expire)

    def clear(self) -> None:
        """Forget every deadline (the connection ended: its calls are done)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._queue.clear()


def _fault(request_op: int, message: Message) -> str | None:
    """Why ``message``, a reply, breaks the protocol as the answer to the request of op
    ``request_op`` in flight under its rid, or None: what the sync backends fail the
    connection for (:func:`~dhcpctl.fallback.protocol.reply_fault`: an op that cannot answer
    the request, an UPDATE without object values), and a STATUS "success" answering an OPEN
    (:data:`dhcpctl._operations.NO_OBJECT`)."""
    fault = reply_fault(request_op, message)
    if fault is not None:
        return fault
    if request_op == OP_OPEN and message.op == OP_STATUS and status_of(message) == ISC_R_SUCCESS:
        return NO_OBJECT
    return None


async def connect(
    address: str,
    port: int,
    key: Key | None,
    *,
    max_in_flight: int,
    learned: dict[str, int],
    timeout: float | None,
) -> Connection:
    """Open a connection to ``address``:``port`` (IPv4, as ``fallback/session.py``) and wait
    until it is ready (intros, the authenticator), within ``timeout`` seconds.

    Raises :class:`Lost` (``connected`` False) for an address that does not resolve
    (``DHCP_R_HOSTUNKNOWN``) or a connect that failed (``ISC_R_NOMORE``, as the sync client
    says it: ``omapip/dispatch.c`` omapi_one_dispatch), Lost or AuthenticationFailed for a
    connection the server ended or an authenticator it refused, :class:`~dhcpctl.Timeout`
    when ``timeout`` passes first. Their texts are :func:`dhcpctl._diagnosis.connect_failed`'s.
    """
    loop = asyncio.get_running_loop()
    peer = Peer(address, port, None if key is None else key_name(key.name, key.algorithm))

    async def opening() -> Connection:
        try:
            _, connection = await loop.create_connection(
                lambda: Connection(key, max_in_flight, learned),
                address,
                port,
                family=socket.AF_INET,
            )
        except socket.gaierror:
            raise Lost(
                DHCP_R_HOSTUNKNOWN,
                connect_failed(peer, DHCP_R_HOSTUNKNOWN),
                sent=False,
                connected=False,
            ) from None
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise Lost(
                ISC_R_NOMORE,
                connect_failed(peer, ISC_R_NOMORE, reason),
                sent=False,
                connected=False,
            ) from None
        try:
            await connection.ready()
        except BaseException:
            connection.close()
            raise
        return connection

    try:
        return await asyncio.wait_for(opening(), timeout)
    except asyncio.TimeoutError:
        assert timeout is not None
        raise connect_timeout(peer, timeout) from None


def connect_timeout(peer: Peer, limit: float) -> Timeout:
    """The Timeout of a connect to ``peer`` not made within ``limit`` seconds."""
    said = f"no answer within {seconds(limit)}"
    return Timeout(FUNCTION, ISC_R_TIMEDOUT, connect_failed(peer, ISC_R_TIMEDOUT, said))
