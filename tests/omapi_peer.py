"""The server's end of an OMAPI socket in tests: read whole messages with the codec's reader."""

from __future__ import annotations

import socket

from dhcpctl.fallback.auth import Key
from dhcpctl.fallback.wire import Message, read_message


def recv_exactly(sock: socket.socket, count: int) -> bytes:
    """``count`` bytes from ``sock``; EOFError if the peer closes first."""
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def recv_message(sock: socket.socket, key: Key | None) -> Message:
    """One message from ``sock``; signed ones (a non-zero authid) are verified with ``key``."""
    reader = read_message(24, lambda authid: key if authid else None)
    need = next(reader)
    while True:
        try:
            need = reader.send(recv_exactly(sock, need))
        except StopIteration as done:
            message: Message = done.value
            return message
