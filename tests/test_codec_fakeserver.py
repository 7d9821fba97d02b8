"""Both backends against misbehaving fake servers built from the pure-Python codec (127.0.0.1).

The fake speaks real OMAPI (intro, authenticator, signed replies) and then misbehaves: a bad
signature, a reply too late, silence, a close mid-message. ISC's own library meets the same
servers through the native backend, so its reactions are the reference.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
from collections.abc import Callable

import pytest
from fake_omapi import (
    AUTHID,
    KEY,
    KEY_SECRET,
    PATIENCE,
    Behaviour,
    Interrupted,
    interrupted_after,
    open_lease,
    recv_message,
)
from fake_omapi import handshake as keyed_handshake

import dhcpctl
from dhcpctl._api import Backend
from dhcpctl.fallback.wire import OP_STATUS, OP_UPDATE, Message, encode_message


def handshake(sock: socket.socket) -> None:
    keyed_handshake(sock, keyed=True)


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
            encode_message(
                Message(OP_STATUS, 0, bad_id, request.id, AUTHID, ((b"result", 0),)), KEY
            )
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
    assert KEY_SECRET.decode() not in str(info.value)
    status = received.get_nowait()  # signed with the authenticator (AUTHID), verified
    assert (status.op, status.authid, status.rid) == (OP_STATUS, AUTHID, bad_id)
    assert status.message_value(b"result") == dhcpctl.DHCP_R_INVALIDKEY.to_bytes(4, "big")


def test_silent_server_times_out_and_late_reply_is_taken(
    backend: Backend, fake_server: Callable[[Behaviour], int], released: threading.Event
) -> None:
    timed_out = threading.Event()

    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        request = recv_message(sock)
        if timed_out.wait(PATIENCE):
            reply = Message(OP_UPDATE, 9, 3, request.id, AUTHID, (), ((b"ends", b"\0\0\0\1"),))
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
        reply = encode_message(Message(OP_STATUS, 0, 2, request.id, AUTHID, ((b"result", 0),)), KEY)
        sock.sendall(reply[: len(reply) // 2])
        sock.close()

    connection, lease = open_lease(backend, fake_server(behaviour))
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_wait_for_completion(lease)
    assert info.value.status == dhcpctl.DHCP_R_CONNRESET
    with pytest.raises(dhcpctl.DhcpctlError):
        backend.dhcpctl_open_object(lease, connection, 0)


def test_untimed_wait_is_interruptible(
    backend: Backend, fake_server: Callable[[Behaviour], int], released: threading.Event
) -> None:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        recv_message(sock)
        released.wait(PATIENCE)

    _, lease = open_lease(backend, fake_server(behaviour))
    started = time.monotonic()
    with interrupted_after(0.3), pytest.raises(Interrupted):
        backend.dhcpctl_wait_for_completion(lease)
    assert time.monotonic() - started < 0.3 + 1.5
    # The interrupted wait left the connection consistent: the request is still in flight.
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(lease, 0.5)
    assert info.value.status == dhcpctl.ISC_R_TIMEDOUT
