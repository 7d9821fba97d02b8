"""A blocking socket under a :class:`~.protocol.ClientProtocol`, shared safely by threads.

Threads: every method may be called from any thread. A condition variable guards the protocol
state; requests are written whole under a send lock; one waiting thread at a time reads the
socket (the *reader*), feeds the protocol and hands events to the owner's handler, while other
waiters sleep on the condition until the reader has news for them. Callbacks the handler
returns run outside the lock, so they may call back into the API.

A message with a wrong signature (:class:`~.protocol.BadSignature`) is answered here as ISC's
client answers it: a STATUS of ``DHCP_R_INVALIDKEY`` back to the peer, sent outside the lock
like a request; the handler gets nothing to deliver, so waits go on.

Never hanging: reads wait in ``select`` with the caller's deadline; a peer that closes (EOF)
or resets ends every wait with ``DHCP_R_CONNRESET``, and the link stays dead: later waits fail
at once with the same error (and :mod:`.api` refuses later requests). :meth:`Link.close`
wakes a blocked reader through ``shutdown`` before the socket is closed.
"""

from __future__ import annotations

import contextlib
import functools
import select
import socket
import threading
import time
from collections.abc import Callable, Sequence

from dhcpctl._errors import DhcpctlError
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_INVALIDKEY,
    ISC_R_TIMEDOUT,
)

from .protocol import BadSignature, ClientProtocol, Event
from .wire import Pair

#: How much one read takes from the socket.
RECV_SIZE = 65536

#: Handles the events of one read; returns the callbacks to run once the lock is released.
EventHandler = Callable[[Event], list[Callable[[], None]]]


class LinkError(Exception):
    """Why a wait or request failed: an ISC status and a detail (the caller adds its name)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Link:
    """One connected socket and its protocol state."""

    def __init__(self, sock: socket.socket, protocol: ClientProtocol, handler: EventHandler):
        self.protocol = protocol
        self._sock = sock
        self._handler = handler
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        self._reading = False
        self._error: LinkError | None = None

    @property
    def alive(self) -> bool:
        return self._error is None

    def write(self, data: bytes) -> None:
        """Send bytes made by the protocol (the intro, the authenticator OPEN)."""
        # A failed send (the peer is gone) is noticed by the next wait, which reads the end
        # of the connection: as in C, where only the dispatcher of a wait writes and reads,
        # so requests on a dropped connection succeed until a wait has seen the drop.
        with self._send_lock, contextlib.suppress(OSError):
            self._sock.sendall(data)

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
        with self._cond:
            self._check()
            xid, data = self.protocol.send(op, handle, message_values, object_values)
            register(xid)
        self.write(data)

    def wait(self, done: Callable[[], bool], deadline: float | None) -> None:
        """Read and dispatch until ``done()`` (checked under the lock) or raise LinkError."""
        callbacks: list[Callable[[], None]] = []
        with self._cond:
            while True:
                if callbacks:
                    self._cond.release()
                    try:
                        for callback in callbacks:
                            callback()
                    finally:
                        self._cond.acquire()
                    callbacks = []
                if done():
                    return
                self._check()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise LinkError(ISC_R_TIMEDOUT, "no answer in time; the request stays queued")
                if self._reading:
                    self._cond.wait(remaining)
                    continue
                self._reading = True
                self._cond.release()
                try:
                    data = self._receive(remaining)
                finally:
                    self._cond.acquire()
                    self._reading = False
                    if self._error is not None:
                        self._sock.close()
                    self._cond.notify_all()
                if data is not None:
                    callbacks = self._dispatch(data)

    def _receive(self, timeout: float | None) -> bytes | None:
        """Up to RECV_SIZE bytes, b"" at EOF or on error, None if the timeout passed first."""
        try:
            if timeout is not None:
                readable, _, _ = select.select([self._sock], [], [], timeout)
                if not readable:
                    return None
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
        except DhcpctlError as exc:
            self._die(exc.status, exc.detail or exc.text)
            return []
        replies: list[Callable[[], None]] = []
        callbacks: list[Callable[[], None]] = []
        for event in events:
            if isinstance(event, BadSignature):
                # Made under the lock (the protocol's ids), sent before any callback runs.
                status = self.protocol.send_status(event.message_id, DHCP_R_INVALIDKEY)
                replies.append(functools.partial(self.write, status))
            callbacks += self._handler(event)
        return replies + callbacks if replies else callbacks

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
            self._sock.close()

    def close(self) -> None:
        """Close for good; a thread blocked reading wakes up and fails."""
        with self._cond:
            if self._error is None:
                self._error = LinkError(DHCP_R_CONNRESET, "the connection was closed")
            self._shutdown()
            self._cond.notify_all()
