"""An address with whitespace or a NUL is refused alike everywhere, before anything is sent.

C's ``inet_aton`` (``omapip/connection.c`` omapi_connect) stops at whitespace, so the native
backend connected to ``"127.0.0.1 "`` where the pure-Python backend and ``dhcpctl.aio`` failed
to resolve it (trial D, finding 8).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

import dhcpctl
import dhcpctl.aio
from dhcpctl._api import Backend

ADDRESSES = ["127.0.0.1 ", "127.0.0.1\n", "127.0.0.1\tjunk", " 127.0.0.1", "127.0.0.1\0"]


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A socket listening on 127.0.0.1 that accepts nothing: a connect to it stays queued."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        sock.setblocking(False)
        yield sock


def assert_nothing_connected(listener: socket.socket) -> None:
    with pytest.raises(BlockingIOError):
        listener.accept()[0].close()


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_c_api_refuses_it(backend: Backend, listener: socket.socket, address: str) -> None:
    port = listener.getsockname()[1]
    with pytest.raises(dhcpctl.DhcpctlError, match="holds whitespace or a NUL") as info:
        backend.dhcpctl_timed_connect(address, port, None, 2.0)
    assert info.value.status == dhcpctl.DHCP_R_INVALIDARG
    assert_nothing_connected(listener)


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_typed_clients_refuse_it(
    backend_name: str, listener: socket.socket, address: str
) -> None:
    port = listener.getsockname()[1]
    with pytest.raises(ValueError, match=r"^address: .* holds whitespace or a NUL"):
        dhcpctl.Client(address, port, backend=backend_name)
    with pytest.raises(ValueError, match=r"^address: .* holds whitespace or a NUL"):
        dhcpctl.aio.Client(address, port)
    assert_nothing_connected(listener)
