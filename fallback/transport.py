"""A non-blocking socket under a :class:`~.protocol.ClientProtocol`, shared safely by threads.

Threads: every method may be called from any thread. A condition variable guards the protocol
state; one waiting thread at a time reads the socket (the *reader*), feeds the protocol and
hands events to the owner's handler, while other waiters sleep on the condition until the
reader has news for them. Callbacks the handler returns run outside the lock, so they may call
back into the API.

Output never blocks: every send is non-blocking (``MSG_DONTWAIT``) and what the socket does not
take at once waits in the link's unsent buffer, which the reader flushes as the socket becomes
writable (``poll``, not ``select``: descriptors above ``FD_SETSIZE`` work). A wait with nothing
to flush first polls the socket without sleeping for a moment (:mod:`dhcpctl._busy_poll`);
then an untimed one reads (a blocking ``recv``, as C's untimed wait blocks).
Like C, where a request only goes to the connection's buffer, a request call never waits for
the server to read. A message with a wrong signature (:class:`~.protocol.BadSignature`) is
answered here as ISC's client answers it, with a STATUS of ``DHCP_R_INVALIDKEY``; a peer that
keeps sending such messages without reading the answers makes the connection fail with
``ISC_R_NOSPACE`` once an answer would take the unsent bytes past :data:`~.wire.MAX_UNSENT`
(the user's own requests are never refused for it: their size is the user's choice, as in C's
unbounded buffers).

Never hanging: every wait sleeps in poll with the caller's deadline and handles at
most one read (:data:`RECV_SIZE` bytes) between two looks at the clock, so a timed call
returns within its timeout plus the time to decode one read (well under a second; the suite
allows :data:`TIMEOUT_SLACK`). A peer that closes (EOF), resets or breaks the protocol ends
every wait with the reason's status, and the link stays dead: later waits fail at once with
the same error (and :mod:`.api` refuses later requests). :meth:`Link.close` wakes a blocked
reader through ``shutdown`` before the socket is closed.
"""

from __future__ import annotations

import contextlib
import math
import select
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import Final

from dhcpctl._busy_poll import BusyPoll
from dhcpctl._diagnosis import STILL_QUEUED
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_INVALIDKEY,
    DHCP_R_NOKEYS,
    ISC_R_NOSPACE,
    ISC_R_TIMEDOUT,
)

from .protocol import (
    BadSignature,
    ClientProtocol,
    ConnectionFailed,
    Event,
    State,
    Unauthenticated,
)
from .wire import MAX_UNSENT, Pair, ProtocolError

#: How much one read takes from the socket.
RECV_SIZE: Final = 65536
#: How late past its timeout a timed call may return at most (seconds), as documented.
TIMEOUT_SLACK: Final = 1.0

#: Compared with once per event: a module name costs a ninth of an Enum member's look-up.
_ERROR: Final = State.ERROR

#: Handles the events of one read; returns the callbacks to run once the lock is released.
#: It raises :class:`~.wire.ProtocolError` for an event it cannot take: the link then fails.
EventHandler = Callable[[Event], list[Callable[[], None]]]


class LinkError(ProtocolError):
    """Why a wait or request failed: an ISC status and a detail (the caller adds its name)."""


class Link:
    """One connected socket and its protocol state."""

    def __init__(self, sock: socket.socket, protocol: ClientProtocol, handler: EventHandler):
        sock.setblocking(True)  # reads may block (untimed waits); sends never do
        self.protocol = protocol
        self._sock = sock
        self._handler = handler
        #: Guards the protocol state; entered directly, not through the condition's Python
        #: ``__enter__``/``__exit__`` (1,300 instructions less per ``with``, two per lookup).
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        #: Guards :attr:`_unsent` and sending on the socket.
        self._send_lock = threading.Lock()
        self._unsent = bytearray()
        #: poll(2): no FD_SETSIZE limit and no descriptor of its own; used by the reader only.
        self._poll = select.poll()
        self._events = select.POLLIN
        self._poll.register(sock, self._events)
        #: Polls before a read sleeps (:mod:`dhcpctl._busy_poll`).
        self._busy = BusyPoll()
        self._reading = False
        #: Waiters asleep on the condition while another thread reads.
        self._sleepers = 0
        self._error: LinkError | None = None

    @property
    def alive(self) -> bool:
        return self._error is None

    @property
    def fileno(self) -> int:
        """The socket's file descriptor, or -1 once the link has ended."""
        return self._sock.fileno() if self._error is None else -1

    @property
    def ended(self) -> str:
        """Why the link is dead ("" while it is alive): what the peer did, or the close."""
        return "" if self._error is None else self._error.detail

    def write(self, data: bytes, *, owed: bool = False) -> None:
        """Queue bytes made by the protocol and send what the socket takes now.

        ``owed``: an answer the peer's own message asked for; if it would take the unsent
        bytes past :data:`MAX_UNSENT`, the link fails (``ISC_R_NOSPACE``) instead.
        """
        with self._send_lock:
            if self._error is not None:
                return
            if owed and len(self._unsent) + len(data) > MAX_UNSENT:
                self._die(
                    ISC_R_NOSPACE,
                    f"the server does not read: more than {MAX_UNSENT} bytes left unsent",
                )
                return
            if self._unsent:
                self._unsent += data
                self._flush()
            else:  # the usual case: straight to the socket, no copy unless it takes part
                self._unsent += data[self._send(data) :]

    def _flush(self) -> None:
        """Send what the socket takes of the unsent bytes now (the send lock is held)."""
        while self._unsent:
            sent = self._send(self._unsent)
            if not sent:
                return
            del self._unsent[:sent]

    def _send(self, data: bytes | bytearray) -> int:
        """Send what the socket takes of ``data`` now; how many bytes are done with (all of
        them when the peer is gone: the next wait reads the end of the connection and reports
        it; as in C, where only a wait's dispatcher writes and reads, requests on a dropped
        connection succeed until a wait has seen the drop)."""
        try:
            return self._sock.send(data, socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return 0
        except (OSError, ValueError):
            return len(data)

    def request(
        self,
        op: int,
        handle: int,
        message_values: Sequence[Pair],
        object_values: Sequence[Pair],
        register: Callable[[int], None],
    ) -> None:
        """Encode and send a request; ``register(xid)`` runs first, under the lock.

        As in C, where the request only goes to a buffer, a failed send is not an error here:
        the following wait reports the end of the connection.
        """
        with self._lock:
            self._check()
            try:
                xid, data = self.protocol.send(op, handle, message_values, object_values)
            except ProtocolError as exc:
                raise LinkError(exc.status, exc.detail) from None
            register(xid)
            self.write(data)

    def wait(self, done: Callable[[], bool], deadline: float | None, *, reply: bool = True) -> None:
        """Read and dispatch until ``done()`` (checked under the lock) or raise LinkError.
        ``reply``: the wait is for the reply to a request, so its first read may poll before
        it sleeps (:mod:`dhcpctl._busy_poll`), no other read; else (a connect, a wait on the
        connection itself) every read sleeps at once, as the native backend's do."""
        callbacks: list[Callable[[], None]] = []
        polls = reply
        with self._lock:
            while True:
                if callbacks:
                    self._lock.release()
                    try:
                        for callback in callbacks:
                            callback()
                    finally:
                        self._lock.acquire()
                    callbacks = []
                if done():
                    return
                self._check()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise LinkError(ISC_R_TIMEDOUT, STILL_QUEUED)
                if self._reading:
                    self._sleepers += 1
                    try:
                        self._cond.wait(remaining)
                    finally:
                        self._sleepers -= 1
                    continue
                self._reading = True
                self._lock.release()
                try:
                    data = self._pump(remaining, polls)
                    polls = False
                finally:
                    self._lock.acquire()
                    self._reading = False
                    if self._error is not None:
                        self._release()
                    if self._sleepers:  # notify_all costs as much when nobody sleeps
                        self._cond.notify_all()
                if data is not None:
                    callbacks = self._dispatch(data)

    def _pump(self, timeout: float | None, polls: bool) -> bytes | None:
        """Wait until the socket is ready or ``timeout`` passes; flush what it takes and read
        up to RECV_SIZE bytes. Returns the bytes read, b"" at EOF or on error, None if there
        was nothing to read (also after ``polls``: a busy poll first, that saw nothing)."""
        events = select.POLLIN | (select.POLLOUT if self._unsent else 0)
        try:
            if events != self._events:
                self._poll.modify(self._sock, events)
                self._events = events
            if events == select.POLLIN and polls:
                seen = self._busy.poll(self._poll, timeout)
                if seen:
                    return self._recv()
                if seen is not None:  # polled for nothing: the wait looks at its deadline
                    return None
            if timeout is None and events == select.POLLIN:
                return self._recv()
            ready = self._poll.poll(None if timeout is None else math.ceil(timeout * 1000))
        except (OSError, ValueError):
            return b""
        flags = ready[0][1] if ready else 0
        if flags & select.POLLOUT:
            with self._send_lock:
                self._flush()
        if not flags & (select.POLLIN | select.POLLHUP | select.POLLERR | select.POLLNVAL):
            return None
        return self._recv()

    def _recv(self) -> bytes:
        """Up to RECV_SIZE bytes; b"" at EOF or on error."""
        try:
            return self._sock.recv(RECV_SIZE)
        except (OSError, ValueError):
            return b""

    def _dispatch(self, data: bytes) -> list[Callable[[], None]]:
        if self._error is not None:
            return []
        if not data:
            self._die(DHCP_R_CONNRESET, "the server closed the connection")
            return []
        try:
            events = self.protocol.feed(data)
        except ProtocolError as exc:
            self._die(exc.status, exc.detail)
            return []
        callbacks: list[Callable[[], None]] = []
        for event in events:
            if isinstance(event, ConnectionFailed):
                self._die(event.status, event.detail)
            elif self.protocol.state is not _ERROR:
                # Queued under the lock (the protocol's ids), sent as the socket takes it; not
                # when a later message of the same read broke the connection.
                answer = _answer(self.protocol, event)
                if answer is not None:
                    self.write(answer, owed=True)
            try:
                callbacks += self._handler(event)
            except ProtocolError as exc:  # a reply the owner cannot take: nothing after it
                self._die(exc.status, exc.detail)
                break
        return callbacks

    def _check(self) -> None:
        if self._error is not None:
            raise LinkError(self._error.status, self._error.detail)

    def _die(self, status: int, detail: str) -> None:
        if self._error is None:
            self._error = LinkError(status, detail)
        self._shutdown()

    def _shutdown(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        if not self._reading:
            self._release()

    def _release(self) -> None:
        """Close the socket and drop the unsent bytes."""
        self._unsent.clear()
        self._sock.close()

    def close(self) -> None:
        """Close for good; a thread blocked reading wakes up and fails."""
        with self._lock:
            if self._error is None:
                self._error = LinkError(DHCP_R_CONNRESET, "the connection was closed")
            self._shutdown()
            self._cond.notify_all()


def _answer(protocol: ClientProtocol, event: Event) -> bytes | None:
    """The STATUS ISC's client sends back for a message it dropped (``protocol.c``,
    ``omapi_message_process``), or None."""
    if isinstance(event, BadSignature):
        return protocol.send_status(event.message_id, DHCP_R_INVALIDKEY)
    if isinstance(event, Unauthenticated):
        return protocol.send_status(event.message_id, DHCP_R_NOKEYS, "No authenticator on message")
    return None
