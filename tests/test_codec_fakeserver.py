"""The fallback client against misbehaving fake servers built from the codec (127.0.0.1)."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import dhcpctl.fallback as dhcpctl
from dhcpctl.fallback.auth import Key
from dhcpctl.fallback.wire import (
    OP_STATUS,
    OP_UPDATE,
    Message,
    encode_intro,
    encode_message,
    read_message,
)

KEY = Key("k", "hmac-sha256", b"secret")
Behaviour = Callable[[socket.socket], None]


def recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def recv_message(sock: socket.socket) -> Message:
    reader = read_message(24, lambda authid: KEY if authid else None)
    need = next(reader)
    while True:
        try:
            need = reader.send(recv_exactly(sock, need))
        except StopIteration as done:
            message: Message = done.value
            return message


def handshake(sock: socket.socket) -> None:
    """Intro both ways, then accept the authenticator as handle 7."""
    sock.sendall(encode_intro())
    recv_exactly(sock, 8)
    auth_open = recv_message(sock)
    sock.sendall(encode_message(Message(OP_UPDATE, 7, 1, auth_open.id, 0, (), ((b"n", b"k"),))))


@pytest.fixture
def fake_server() -> Iterator[Callable[[Behaviour], int]]:
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
    for server in servers:
        server.shutdown()
        server.server_close()


def open_lease(port: int) -> tuple[Any, Any]:
    auth = dhcpctl.dhcpctl_new_authenticator("k", "hmac-sha256", b"secret")
    connection = dhcpctl.dhcpctl_timed_connect("127.0.0.1", port, auth, 5.0)
    lease = dhcpctl.dhcpctl_new_object(connection, "lease")
    dhcpctl.dhcpctl_set_value(lease, socket.inet_aton("192.0.2.1"), "ip-address")
    dhcpctl.dhcpctl_open_object(lease, connection, 0)
    return connection, lease


def test_bad_signature_is_an_error(fake_server: Callable[[Behaviour], int]) -> None:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        request = recv_message(sock)
        reply = bytearray(
            encode_message(Message(OP_STATUS, 0, 2, request.id, 7, ((b"result", 0),)), KEY)
        )
        reply[-1] ^= 0xFF
        sock.sendall(bytes(reply))
        time.sleep(2)

    _, lease = open_lease(fake_server(behaviour))
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        dhcpctl.dhcpctl_timed_wait_for_completion(lease, 5.0)
    assert info.value.status == dhcpctl.DHCP_R_INVALIDKEY
    assert "secret" not in str(info.value)


def test_silent_server_times_out_and_late_reply_is_taken(
    fake_server: Callable[[Behaviour], int],
) -> None:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        request = recv_message(sock)
        time.sleep(1.5)
        reply = Message(OP_UPDATE, 9, 3, request.id, 7, (), ((b"ends", b"\0\0\0\1"),))
        sock.sendall(encode_message(reply, KEY))
        time.sleep(2)

    _, lease = open_lease(fake_server(behaviour))
    started = time.monotonic()
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        dhcpctl.dhcpctl_timed_wait_for_completion(lease, 0.5)
    assert info.value.status == dhcpctl.ISC_R_TIMEDOUT
    assert time.monotonic() - started < 0.5 + 1
    assert dhcpctl.dhcpctl_timed_wait_for_completion(lease, 5.0) == dhcpctl.ISC_R_SUCCESS
    assert bytes(dhcpctl.dhcpctl_get_value(lease, "ends")) == b"\0\0\0\1"


def test_server_that_never_introduces_itself(fake_server: Callable[[Behaviour], int]) -> None:
    port = fake_server(lambda sock: time.sleep(3))
    started = time.monotonic()
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        dhcpctl.dhcpctl_timed_connect("127.0.0.1", port, None, 0.5)
    assert info.value.status == dhcpctl.ISC_R_TIMEDOUT
    assert time.monotonic() - started < 0.5 + 1


def test_close_mid_message_ends_untimed_wait(fake_server: Callable[[Behaviour], int]) -> None:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        request = recv_message(sock)
        reply = encode_message(Message(OP_STATUS, 0, 2, request.id, 7, ((b"result", 0),)), KEY)
        sock.sendall(reply[: len(reply) // 2])
        sock.close()

    connection, lease = open_lease(fake_server(behaviour))
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        dhcpctl.dhcpctl_wait_for_completion(lease)
    assert info.value.status == dhcpctl.DHCP_R_CONNRESET
    with pytest.raises(dhcpctl.DhcpctlError):
        dhcpctl.dhcpctl_open_object(lease, connection, 0)
