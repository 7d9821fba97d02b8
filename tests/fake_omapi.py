"""Fake OMAPI servers on 127.0.0.1, built on the pure-Python codec (``fallback/wire.py``).

A fake speaks real OMAPI (intro, authenticator, signed replies) as far as a test wants and then
misbehaves. :class:`FakeServer` runs one behaviour per accepted connection in a thread of its
own; the helpers here are the well-behaved parts a behaviour is made of. The key is the one of
the hostile-server repro table: "k", hmac-md5, ``secret-secret-secret``.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from typing import Any

from dhcpctl._api import Backend
from dhcpctl.fallback.auth import Key
from dhcpctl.fallback.wire import (
    OP_STATUS,
    OP_UPDATE,
    Message,
    Pair,
    encode_intro,
    encode_message,
    read_message,
)

KEY_NAME = "k"
KEY_ALGORITHM = "hmac-md5"
KEY_SECRET = b"secret-secret-secret"
KEY = Key(KEY_NAME, KEY_ALGORITHM, KEY_SECRET)
#: The handle the fake gives the client's authenticator: the authid of signed messages.
AUTHID = 7

#: How long a fake server waits at most for an event of its test before it gives up (seconds).
PATIENCE = 30.0

#: What a fake does with one accepted connection.
Behaviour = Callable[[socket.socket], None]


def open_lease_on(backend: Backend, connection: Any) -> Any:
    """A lease (``ip-address`` 192.0.2.1) opened on ``connection``: its OPEN sent, not waited
    for."""
    lease = backend.dhcpctl_new_object(connection, "lease")
    backend.dhcpctl_set_value(lease, socket.inet_aton("192.0.2.1"), "ip-address")
    backend.dhcpctl_open_object(lease, connection, 0)
    return lease


def open_lease(backend: Backend, port: int) -> tuple[Any, Any]:
    """A connection to the fake on 127.0.0.1:``port`` with :data:`KEY` (within 5 s), and a
    lease opened on it (:func:`open_lease_on`)."""
    auth = backend.dhcpctl_new_authenticator(KEY_NAME, KEY_ALGORITHM, KEY_SECRET)
    connection = backend.dhcpctl_timed_connect("127.0.0.1", port, auth, 5.0)
    return connection, open_lease_on(backend, connection)


class Interrupted(Exception):
    """What :func:`interrupted_after`'s SIGALRM handler raises, standing for Ctrl-C's
    KeyboardInterrupt."""


@contextlib.contextmanager
def interrupted_after(seconds: float) -> Iterator[None]:
    """Raise :class:`Interrupted` in the main thread ``seconds`` from now, as a signal handler
    raises KeyboardInterrupt for Ctrl-C, unless the block ends first."""

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def recv_exactly(sock: socket.socket, count: int) -> bytes:
    """``count`` bytes; EOFError if the client closes first."""
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


def recv_message(sock: socket.socket, key: Key | None = KEY) -> Message:
    """The peer's next message (signed ones, a non-zero authid, checked against ``key``)."""
    reader = read_message(24, lambda authid: key if authid else None)
    need = next(reader)
    while True:
        try:
            need = reader.send(recv_exactly(sock, need))
        except StopIteration as done:
            message: Message = done.value
            return message


def handshake(sock: socket.socket, keyed: bool, auth_handle: int = AUTHID) -> None:
    """Intro both ways; with ``keyed``, answer the authenticator OPEN with an UPDATE whose
    handle is ``auth_handle``."""
    sock.sendall(encode_intro())
    recv_exactly(sock, 8)
    if keyed:
        auth_open = recv_message(sock)
        answer = Message(OP_UPDATE, auth_handle, 1, auth_open.id, 0, (), ((b"name", b"k"),))
        sock.sendall(encode_message(answer))


def reply(
    request: Message,
    keyed: bool,
    op: int = OP_UPDATE,
    object_values: tuple[Pair, ...] = ((b"state", b"\0\0\0\2"),),
    message_values: tuple[Pair, ...] = (),
    xid: int = 1000,
) -> bytes:
    """An answer to ``request`` (its id as rid), signed with :data:`KEY` when ``keyed``."""
    if op == OP_STATUS and not message_values:
        message_values = ((b"result", 0),)
    message = Message(op, 9, xid, request.id, AUTHID if keyed else 0, message_values, object_values)
    return encode_message(message, KEY if keyed else None)


class FakeServer:
    """A TCP server on 127.0.0.1 running ``behaviour`` on each connection, in a thread each.

    Errors of a behaviour (the client went away) end its thread quietly. :meth:`close` stops
    accepting; behaviours still running end when their client closes.
    """

    def __init__(self, behaviour: Behaviour) -> None:
        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(EOFError, OSError):
                    behaviour(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval: close() waits for the serving loop to notice.
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.port = int(self._server.server_address[1])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
