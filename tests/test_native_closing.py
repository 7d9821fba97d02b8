"""Closing a connection releases the requests ISC's library keeps registered on it.

Every request goes on ISC's list of requests awaiting replies (``omapi_registered_messages``,
``omapip/message.c`` omapi_message_register), holding its remote object and its connection's
protocol object (with a keyed connection's authenticator state); only a reply takes it off. A
connection that ends first (the server dropped it, a wrong secret, a close) left its requests
there for good: ~2-4 kB of native memory per such call. And ISC's array of connections
(``omapi_connections``) kept every connection object made (168 bytes each, and its slot). Here
both are counted (not memory), through the layout :mod:`dhcpctl._native.layout` reads ISC's
objects with.
"""

from __future__ import annotations

import gc
import socket
from collections.abc import Callable
from typing import Any

import pytest
from conftest import backend_or_skip

import dhcpctl
from dhcpctl.testing import Drop, OmapiServer, Stall

pytestmark = pytest.mark.native
#: Calls per case: the old code left two requests registered for each (the read, its resend).
CALLS = 10
#: Seconds a call may take at most here (a bound against hangs, not a speed figure).
PATIENCE = 10.0
RIGHT = dhcpctl.Key("k", "hmac-md5", b"0123456789abcdef")
WRONG = dhcpctl.Key("k", "hmac-md5", b"fedcba9876543210")


@pytest.fixture(autouse=True)
def native() -> None:
    backend_or_skip("native")


def registered() -> int:
    """How many requests ISC's library has registered (the length of its list)."""
    from dhcpctl._native.layout import LAYOUT
    from dhcpctl._native.loader import ffi, lib
    from dhcpctl._native.lock import locked

    count = 0
    with locked():
        message = LAYOUT.cast("void *", int(ffi.cast("uintptr_t", lib.omapi_registered_messages)))
        while message != LAYOUT.NULL:
            count += 1
            message = LAYOUT.cast("omapi_message_head_t *", message).next
    return count


def connections() -> int:
    """How many connection objects ISC's array of connections holds (``omapi_connections``)."""
    from dhcpctl._native.closing import connections
    from dhcpctl._native.layout import LAYOUT
    from dhcpctl._native.loader import ffi
    from dhcpctl._native.lock import locked

    with locked():
        array = connections()
        if array == ffi.NULL:
            return 0
        table = LAYOUT.cast("omapi_array_t *", int(ffi.cast("uintptr_t", array)))
        return sum(table.data[index] != LAYOUT.NULL for index in range(table.count))


def held() -> tuple[int, int]:
    """The requests registered and the connection objects ISC's library holds."""
    return registered(), connections()


def none_more_held(before: tuple[int, int]) -> bool:
    """As many requests registered as ``before``, and no more connection objects (a close
    also releases those an earlier test left)."""
    requests, objects = held()
    return requests == before[0] and objects <= before[1]


@pytest.mark.parametrize(
    ("server_key", "client_key", "drop"),
    [(None, None, True), (RIGHT, RIGHT, True), (RIGHT, WRONG, False)],
    ids=["unkeyed, dropped", "keyed, dropped", "wrong secret"],
)
def test_calls_whose_connection_drops_leave_no_request_registered(
    omapi_server_factory: Callable[..., OmapiServer],
    server_key: dhcpctl.Key | None,
    client_key: dhcpctl.Key | None,
    drop: bool,
) -> None:
    server = omapi_server_factory(key=server_key)
    before = held()
    client = dhcpctl.Client(
        server.address, server.port, key=client_key, backend="native", timeout=PATIENCE
    )
    for _ in range(CALLS):
        if drop:
            server.inject(Drop(), replies=2)  # the read and its resend
        with pytest.raises(dhcpctl.DhcpctlError):
            client.leases.get(ip="10.9.9.9")
    client.close()
    assert none_more_held(before)


def open_in_flight(server: OmapiServer) -> tuple[Any, Any]:
    """A connection to ``server`` and a lease open on it that the server never answers."""
    from dhcpctl._native import api as n

    server.inject(Stall())
    connection = n.dhcpctl_timed_connect(server.address, server.port, None, PATIENCE)
    lease = n.dhcpctl_new_object(connection, "lease")
    n.dhcpctl_set_data_value(lease, socket.inet_aton("10.9.9.9"), "ip-address")
    n.dhcpctl_open_object(lease, connection, 0)
    return connection, lease


@pytest.mark.parametrize("close", ["dhcpctl_disconnect", "omapi_object_dereference", "finalizer"])
def test_closing_a_connection_unregisters_its_requests_in_flight(
    omapi_server: OmapiServer, close: str
) -> None:
    from dhcpctl._native import api as n

    before = held()
    connection, lease = open_in_flight(omapi_server)
    assert held() == (before[0] + 1, before[1] + 1)
    if close == "finalizer":  # the lease holds its connection (for its wait): both go
        del connection, lease
        gc.collect()
    elif close == "dhcpctl_disconnect":  # forced (a graceful one waits to send what it must)
        n.dhcpctl_disconnect(connection, True)
    else:
        n.omapi_object_dereference(connection)
        n.omapi_object_dereference(lease)
    assert none_more_held(before)


def message_references(handle: Any) -> int:
    """How many references the STATUS message a remote object keeps has (0: none kept)."""
    from dhcpctl._native.layout import LAYOUT, remote
    from dhcpctl._native.lock import locked

    with locked():
        message = remote(handle.cell[0]).message
        if message == LAYOUT.NULL:
            return 0
        return int(LAYOUT.cast("int *", message)[0])  # omapi_value_t's refcnt comes first


@pytest.mark.parametrize("release", ["dereference", "finalizer"])
def test_a_status_message_is_released_with_its_object(release: str) -> None:
    """ISC keeps a STATUS reply's message in the remote object (``dhcpctl/remote.c``
    dhcpctl_remote_signal_handler: a reference to the ``omapi_value_t``), and
    ``dhcpctl_remote_destroy`` never drops it: 80 bytes per STATUS reply, for good. The
    object's release drops it: a reference of the test's own to the message shows its count
    fall by the object's one, whether the object is dereferenced or collected."""
    from dhcpctl._native.layout import remote
    from dhcpctl._native.loader import ffi, lib
    from dhcpctl._native.lock import locked

    api = dhcpctl.load_backend("native")
    with OmapiServer() as server:
        connection = api.dhcpctl_connect(server.address, server.port, None)
        lease: Any = api.dhcpctl_new_object(connection, "lease")
        api.dhcpctl_set_value(lease, socket.inet_aton("10.9.9.9"), "ip-address")
        api.dhcpctl_open_object(lease, connection, 0)
        assert api.dhcpctl_wait_for_completion(lease) != 0  # a STATUS: not found
        kept = ffi.new("omapi_value_t **")
        with locked():
            message = ffi.cast("omapi_value_t *", remote(lease.cell[0]).message)
            lib.omapi_value_reference(kept, message, b"test", 0)
        assert message_references(lease) == 2
        if release == "dereference":
            api.omapi_object_dereference(lease)
        else:
            del lease
            gc.collect()  # queued for the library lock's next holder: the disconnect below
        api.dhcpctl_disconnect(connection)
        with locked():
            remaining = int(ffi.cast("int *", kept[0])[0])
            lib.omapi_value_dereference(kept, b"test", 0)
        assert remaining == 1
