"""Both backends against misbehaving fake servers built from the pure-Python codec (127.0.0.1).

The fake speaks real OMAPI (intro, authenticator, signed replies) and then misbehaves: a bad
signature, a reply too late, silence, a close mid-message. ISC's own library meets the same
servers through the native backend, so its reactions are the reference.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import omapi_peer
import pytest

import dhcpctl
from dhcpctl._api import Backend
from dhcpctl.fallback.auth import Key
from dhcpctl.fallback.wire import (
    OP_STATUS,
    OP_UPDATE,
    Message,
    encode_intro,
    encode_message,
)

KEY = Key("k", "hmac-sha256", b"secret")
Behaviour = Callable[[socket.socket], None]


def recv_message(sock: socket.socket) -> Message:
    return omapi_peer.recv_message(sock, KEY)


def handshake(sock: socket.socket) -> None:
    """Intro both ways, then accept the authenticator as handle 7."""
    sock.sendall(encode_intro())
    omapi_peer.recv_exactly(sock, 8)
    auth_open = recv_message(sock)
    sock.sendall(encode_message(Message(OP_UPDATE, 7, 1, auth_open.id, 0, (), ((b"n", b"k"),))))


#: How long a fake server waits at most for an event of the test before it gives up.
PATIENCE = 30.0


@pytest.fixture
def released() -> threading.Event:
    """Set when the test is over: a fake server that holds its connection open waits for it."""
    return threading.Event()


@pytest.fixture
def fake_server(released: threading.Event) -> Iterator[Callable[[Behaviour], int]]:
    servers: list[socketserver.TCPServer] = []

    def start(behaviour: Behaviour) -> int:
        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                with contextlib.suppress(EOFError, OSError):
                    behaviour(self.request)

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return int(server.server_address[1])

    yield start
    released.set()
    for server in servers:
        server.shutdown()
        server.server_close()


def open_lease(backend: Backend, port: int) -> tuple[Any, Any]:
    auth = backend.dhcpctl_new_authenticator("k", "hmac-sha256", b"secret")
    connection = backend.dhcpctl_timed_connect("127.0.0.1", port, auth, 5.0)
    lease = backend.dhcpctl_new_object(connection, "lease")
    backend.dhcpctl_set_value(lease, socket.inet_aton("192.0.2.1"), "ip-address")
    backend.dhcpctl_open_object(lease, connection, 0)
    return connection, lease


def test_bad_signature_is_an_error(
    backend: Backend, fake_server: Callable[[Behaviour], int]
) -> None:
    """ISC's client drops a reply with a wrong signature (``protocol.c``: ``verify_result``),
    answers it with a STATUS of DHCP_R_INVALIDKEY and keeps waiting: here until the close,
    which the server does only once that STATUS has arrived."""
    bad_id = 2
    received: queue.Queue[Message] = queue.Queue()

    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        request = recv_message(sock)
        reply = bytearray(
            encode_message(Message(OP_STATUS, 0, bad_id, request.id, 7, ((b"result", 0),)), KEY)
        )
        reply[-1] ^= 0xFF
        sock.sendall(bytes(reply))
        sock.settimeout(PATIENCE)
        received.put(recv_message(sock))

    _, lease = open_lease(backend, fake_server(behaviour))
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(lease, PATIENCE)
    # Only the close ends the wait with CONNRESET, and the close follows the STATUS.
    assert info.value.status == dhcpctl.DHCP_R_CONNRESET
    assert "secret" not in str(info.value)
    status = received.get_nowait()  # signed with the authenticator (authid 7), verified
    assert (status.op, status.authid, status.rid) == (OP_STATUS, 7, bad_id)
    assert status.message_value(b"result") == dhcpctl.DHCP_R_INVALIDKEY.to_bytes(4, "big")


def test_silent_server_times_out_and_late_reply_is_taken(
    backend: Backend, fake_server: Callable[[Behaviour], int], released: threading.Event
) -> None:
    timed_out = threading.Event()

    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        request = recv_message(sock)
        if timed_out.wait(PATIENCE):
            reply = Message(OP_UPDATE, 9, 3, request.id, 7, (), ((b"ends", b"\0\0\0\1"),))
            sock.sendall(encode_message(reply, KEY))
        released.wait(PATIENCE)

    _, lease = open_lease(backend, fake_server(behaviour))
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(lease, 0.5)
    assert info.value.status == dhcpctl.ISC_R_TIMEDOUT
    timed_out.set()
    assert backend.dhcpctl_timed_wait_for_completion(lease, PATIENCE) == dhcpctl.ISC_R_SUCCESS
    assert bytes(backend.dhcpctl_get_value(lease, "ends")) == b"\0\0\0\1"


def test_server_that_never_introduces_itself(
    backend: Backend, fake_server: Callable[[Behaviour], int], released: threading.Event
) -> None:
    def behaviour(sock: socket.socket) -> None:
        released.wait(PATIENCE)

    port = fake_server(behaviour)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_connect("127.0.0.1", port, None, 0.5)
    assert info.value.status == dhcpctl.ISC_R_TIMEDOUT


def test_close_mid_message_ends_untimed_wait(
    backend: Backend, fake_server: Callable[[Behaviour], int]
) -> None:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        request = recv_message(sock)
        reply = encode_message(Message(OP_STATUS, 0, 2, request.id, 7, ((b"result", 0),)), KEY)
        sock.sendall(reply[: len(reply) // 2])
        sock.close()

    connection, lease = open_lease(backend, fake_server(behaviour))
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_wait_for_completion(lease)
    assert info.value.status == dhcpctl.DHCP_R_CONNRESET
    with pytest.raises(dhcpctl.DhcpctlError):
        backend.dhcpctl_open_object(lease, connection, 0)


class Interrupted(Exception):
    """What the test's SIGALRM handler raises, standing for Ctrl-C's KeyboardInterrupt."""


def test_untimed_wait_is_interruptible(
    backend: Backend, fake_server: Callable[[Behaviour], int], released: threading.Event
) -> None:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        recv_message(sock)
        released.wait(PATIENCE)

    _, lease = open_lease(backend, fake_server(behaviour))

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.3)
    started = time.monotonic()
    try:
        with pytest.raises(Interrupted):
            backend.dhcpctl_wait_for_completion(lease)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 0.3 + 1.5
    # The interrupted wait left the connection consistent: the request is still in flight.
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(lease, 0.5)
    assert info.value.status == dhcpctl.ISC_R_TIMEDOUT
