"""Connections that end, and key algorithm names: C's answers, through each backend.

What ISC's library answers was measured with a C program over it against the test bed's dhcpd;
``dhcpctl/_api.py`` writes the rules down, with the places where both backends answer
otherwise (C's answer there depends on the process's other connections, or C blocks).
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_omapi import AUTHID, Behaviour, recv_exactly
from scenario_helpers import (
    TIMEOUT,
    backend_name,
    connect,
    get,
    ip,
    open_object,
    refresh,
    uint32,
)
from test_codec_fakeserver import handshake

import dhcpctl
from dhcpctl._api import Backend, Handle
from dhcpctl.fallback.wire import OP_STATUS
from testbed import dataset
from testbed.pytest_plugin import ServerFactory, StartServer
from testbed.server import DhcpdServer, Endpoint, make_key

ROOT = Path(__file__).resolve().parent.parent
LEASE = dataset.LEASES[0]
LEASE_KEYS = {"ip-address": ip(LEASE.ip)}
#: How long a wait that must time out may take here (seconds).
SHORT = 0.3


def raised(call: object, *args: object) -> int:
    """The status of the DhcpctlError ``call(*args)`` must raise."""
    assert callable(call)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        call(*args)
    return info.value.status


@pytest.mark.parametrize(
    ("algorithm", "connects"),
    [
        ("hmac-md5", True),
        ("HMAC-MD5", True),
        ("Hmac-Md5", True),
        ("HMAC-MD5.SIG-ALG.REG.INT.", True),
        ("hmac-md5.sig-alg.reg.int.", True),
        ("hmac-md4", False),
        ("hmac-md5.SIG-ALG.REG.INT", False),
        ("hmac-md5.", False),
        ("hmac-sha256", False),
        ("no-such-algorithm", False),
    ],
)
def test_key_algorithm_names(
    backend: Backend, scenario_server: Endpoint, algorithm: str, connects: bool
) -> None:
    """Any name makes an authenticator; the server (an hmac-md5 key) decides at the connect,
    ignoring case (omapip/auth.c omapi_auth_key_lookup): ISC_R_NOTFOUND for another one."""
    key = scenario_server.key
    if key is None or key.algorithm != "hmac-md5":
        pytest.fail("the session's server has an hmac-md5 key")
    auth = backend.dhcpctl_new_authenticator(key.name, algorithm, key.secret)
    if not connects:
        assert raised(
            backend.dhcpctl_timed_connect,
            scenario_server.address,
            scenario_server.port,
            auth,
            TIMEOUT,
        ) == (dhcpctl.ISC_R_NOTFOUND)
        return
    connection = backend.dhcpctl_timed_connect(
        scenario_server.address, scenario_server.port, auth, TIMEOUT
    )
    lease, status = open_object(backend, connection, "lease", LEASE_KEYS)
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, lease, "ends") == uint32(LEASE.ends)


def test_a_server_that_takes_an_unknown_algorithm(
    backend: Backend, fake_server: Callable[[Behaviour], int]
) -> None:
    """Only a fake server takes an "hmac-md4" key: the connect works, and C cannot sign the
    first request (omapip/connection.c make_dst_key: ISC_R_NOMEMORY), dropping the connection:
    then requests and dhcpctl_disconnect are DHCP_R_INVALIDARG."""
    port = fake_server(handshake)
    auth = backend.dhcpctl_new_authenticator("k", "hmac-md4", b"secret")
    connection = backend.dhcpctl_timed_connect("127.0.0.1", port, auth, TIMEOUT)
    lease = backend.dhcpctl_new_object(connection, "lease")
    send = backend.dhcpctl_open_object
    assert raised(send, lease, connection, 0) == dhcpctl.ISC_R_NOMEMORY
    assert raised(send, lease, connection, 0) == dhcpctl.DHCP_R_INVALIDARG
    assert raised(backend.dhcpctl_disconnect, connection) == dhcpctl.DHCP_R_INVALIDARG


def test_a_signed_message_under_an_unknown_algorithm(
    backend: Backend, fake_server: Callable[[Behaviour], int]
) -> None:
    """The fake takes an "hmac-md4" key and at once sends a message under its authid: ISC
    cannot make a key of that algorithm to verify it with (``make_dst_key``) and drops the
    connection. Only DhcpctlError comes out: at the connect (pure Python, ISC_R_NOMEMORY) or,
    where C has returned from the connect before it read the message, at the first request."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        sock.sendall(struct.pack("!IIIIII", AUTHID, 16, OP_STATUS, 0, 5, 0) + bytes(4) + b"S" * 16)
        recv_exactly(sock, 1)  # until the client goes

    port = fake_server(behaviour)
    auth = backend.dhcpctl_new_authenticator("k", "hmac-md4", b"secret")
    try:
        connection = backend.dhcpctl_timed_connect("127.0.0.1", port, auth, TIMEOUT)
    except dhcpctl.DhcpctlError as error:
        assert error.status == dhcpctl.ISC_R_NOMEMORY
        return
    lease = backend.dhcpctl_new_object(connection, "lease")
    with pytest.raises(dhcpctl.DhcpctlError):
        backend.dhcpctl_open_object(lease, connection, 0)
        backend.dhcpctl_timed_wait_for_completion(lease, TIMEOUT)


def opened_lease(backend: Backend, connection: Handle) -> Handle:
    lease, status = open_object(backend, connection, "lease", LEASE_KEYS)
    assert status == dhcpctl.ISC_R_SUCCESS
    return lease


@pytest.mark.parametrize("force", [False, True])
def test_wait_after_disconnect(backend: Backend, scenario_server: Endpoint, force: bool) -> None:
    """The refresh in flight can never complete: DHCP_R_CONNRESET, every time (C: the same
    after dhcpctl_disconnect(c, 0) with the request unsent, else ISC_R_NOMORE or a block)."""
    connection = connect(backend, scenario_server)
    lease = opened_lease(backend, connection)
    backend.dhcpctl_object_refresh(connection, lease)
    backend.dhcpctl_disconnect(connection, force)
    for _ in range(2):
        wait = backend.dhcpctl_timed_wait_for_completion
        assert raised(wait, lease, TIMEOUT) == dhcpctl.DHCP_R_CONNRESET
    # The values of the earlier reply stay.
    assert get(backend, lease, "ends") == uint32(LEASE.ends)


def test_wait_on_a_connection(backend: Backend, scenario_factory: StartServer) -> None:
    """C waits on a connection for a signal that never comes after the connect: a timed wait
    times out, reading meanwhile; an untimed one would block (here DHCP_R_INVALIDARG)."""
    server = scenario_factory(make_key("hmac-md5"))
    connection = connect(backend, server.endpoint)
    wait = backend.dhcpctl_timed_wait_for_completion
    assert raised(wait, connection, SHORT) == dhcpctl.ISC_R_TIMEDOUT
    assert raised(backend.dhcpctl_wait_for_completion, connection) == dhcpctl.DHCP_R_INVALIDARG
    # The wait on the connection reads the reply of the refresh; the object's wait gets it.
    lease = opened_lease(backend, connection)
    backend.dhcpctl_object_refresh(connection, lease)
    assert raised(wait, connection, SHORT) == dhcpctl.ISC_R_TIMEDOUT
    assert wait(lease, 0.0) == dhcpctl.ISC_R_SUCCESS
    server.stop()
    assert raised(wait, connection, TIMEOUT) == dhcpctl.DHCP_R_CONNRESET
    assert raised(backend.dhcpctl_wait_for_completion, connection) == dhcpctl.DHCP_R_CONNRESET


def test_one_request_at_a_time(backend: Backend, scenario_factory: StartServer) -> None:
    """A second request on an object before its first was waited for is refused (C's second
    wait could block for good); once the first request's connection ended, it is over."""
    server = scenario_factory(make_key("hmac-md5"))
    connection = connect(backend, server.endpoint)
    lease = opened_lease(backend, connection)
    backend.dhcpctl_object_refresh(connection, lease)
    for request in (
        backend.dhcpctl_object_update,
        backend.dhcpctl_object_refresh,
        backend.dhcpctl_object_remove,
    ):
        assert raised(request, connection, lease) == dhcpctl.DHCP_R_INVALIDARG
    assert raised(backend.dhcpctl_open_object, lease, connection, 0) == dhcpctl.DHCP_R_INVALIDARG
    # A wait on the connection reads the reply: it is still the object's, to be waited for.
    wait = backend.dhcpctl_timed_wait_for_completion
    assert raised(wait, connection, SHORT) == dhcpctl.ISC_R_TIMEDOUT
    assert raised(backend.dhcpctl_object_refresh, connection, lease) == dhcpctl.DHCP_R_INVALIDARG
    assert wait(lease, TIMEOUT) == dhcpctl.ISC_R_SUCCESS
    assert refresh(backend, connection, lease) == dhcpctl.ISC_R_SUCCESS
    # In flight when the connection ends: over; the object works on a new connection.
    backend.dhcpctl_object_refresh(connection, lease)
    backend.dhcpctl_disconnect(connection)
    again = connect(backend, server.endpoint)
    assert refresh(backend, again, lease) == dhcpctl.ISC_R_SUCCESS
    assert get(backend, lease, "ends") == uint32(LEASE.ends)


def test_server_restarted_under_a_connection(
    backend: Backend, dhcpd_factory: ServerFactory
) -> None:
    """Once a wait saw the drop, every request on the old connection is DHCP_R_INVALIDARG, as
    C's omapi_protocol_send_message says (C's refresh loses it: see dhcpctl/_api.py), even
    with the server back; dhcpctl_disconnect too, and the handle stays to be dereferenced."""
    server = dhcpd_factory.start(make_key("hmac-md5"))
    connection = connect(backend, server.endpoint)
    lease = opened_lease(backend, connection)
    server.stop()
    backend.dhcpctl_object_refresh(connection, lease)
    wait = backend.dhcpctl_timed_wait_for_completion
    assert raised(wait, lease, TIMEOUT) == dhcpctl.DHCP_R_CONNRESET
    server.start()
    fresh = backend.dhcpctl_new_object(connection, "lease")
    backend.dhcpctl_set_data_value(fresh, ip(LEASE.ip), "ip-address")
    assert raised(backend.dhcpctl_open_object, fresh, connection, 0) == dhcpctl.DHCP_R_INVALIDARG
    for request in (
        backend.dhcpctl_object_update,
        backend.dhcpctl_object_refresh,
        backend.dhcpctl_object_remove,
    ):
        assert raised(request, connection, lease) == dhcpctl.DHCP_R_INVALIDARG
    # Nothing went out: nothing to wait for.
    assert raised(wait, fresh, SHORT) == dhcpctl.DHCP_R_INVALIDARG
    assert raised(backend.dhcpctl_disconnect, connection) == dhcpctl.DHCP_R_INVALIDARG
    backend.omapi_object_dereference(connection)
    again = connect(backend, server.endpoint)
    assert get(backend, opened_lease(backend, again), "ends") == uint32(LEASE.ends)


def test_requests_after_an_unnoticed_restart(
    backend: Backend, dhcpd_factory: ServerFactory
) -> None:
    """With no wait between the stop and the restart, nothing noticed the drop: requests are
    sent (into the void: the second send fails) and succeed, as C only buffers them; the
    wait says DHCP_R_CONNRESET, and from then on requests DHCP_R_INVALIDARG, as in C."""
    server = dhcpd_factory.start(make_key("hmac-md5"))
    connection = connect(backend, server.endpoint)
    lease = opened_lease(backend, connection)
    server.stop()
    server.start()
    backend.dhcpctl_object_refresh(connection, lease)
    for _ in range(2):
        other = backend.dhcpctl_new_object(connection, "lease")
        backend.dhcpctl_set_data_value(other, ip(LEASE.ip), "ip-address")
        backend.dhcpctl_open_object(other, connection, 0)
    wait = backend.dhcpctl_timed_wait_for_completion
    assert raised(wait, lease, TIMEOUT) == dhcpctl.DHCP_R_CONNRESET
    assert raised(refresh, backend, connection, lease) == dhcpctl.DHCP_R_INVALIDARG


#: Connects, then (after the parent's go) as ``argv[2]`` says, printing each outcome.
DISCONNECT_AFTER_DROP = """
import gc, os, sys
from dhcpctl import DhcpctlError, load_backend
from testbed.server import endpoint_from_env
backend = load_backend(sys.argv[1])
endpoint = endpoint_from_env(os.environ)
key = endpoint.key
auth = backend.dhcpctl_new_authenticator(key.name, key.algorithm, key.secret)
connection = backend.dhcpctl_timed_connect(endpoint.address, endpoint.port, auth, 10.0)
print("connected", flush=True)
sys.stdin.readline()
def outcome(call, *args):
    try:
        call(*args)
        return "ok"
    except DhcpctlError as error:
        return str(error.status)
if sys.argv[2] == "noticed":
    print(outcome(backend.dhcpctl_timed_wait_for_completion, connection, 10.0))
print(outcome(backend.dhcpctl_disconnect, connection))
del connection
gc.collect()
"""


@pytest.mark.parametrize(
    ("noticed", "expected"),
    [
        (False, ["ok"]),
        (True, [str(dhcpctl.DHCP_R_CONNRESET), str(dhcpctl.DHCP_R_INVALIDARG)]),
    ],
    ids=["unnoticed", "noticed"],
)
def test_disconnect_after_the_server_dropped(
    backend: Backend,
    request: pytest.FixtureRequest,
    dhcpd_factory: ServerFactory,
    noticed: bool,
    expected: list[str],
) -> None:
    """W1: C's dhcpctl_disconnect on a connection whose drop a wait saw is DHCP_R_INVALIDARG
    (its handle is then dropped by the finalizer); unnoticed, it closes the socket. Unlike
    libdhcpctl, nothing on stderr either way."""
    name = backend_name(request)
    server = dhcpd_factory.start(make_key("hmac-md5"))
    child = start_child(DISCONNECT_AFTER_DROP, name, "noticed" if noticed else "unnoticed", server)
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline() == "connected\n"
    server.stop()
    out, err = child.communicate("go\n", timeout=60)
    assert child.returncode == 0, err
    assert out.split() == expected
    assert err == ""


def start_child(script: str, name: str, mode: str, server: DhcpdServer) -> subprocess.Popen[str]:
    """``script`` in a fresh interpreter, reaching ``server`` through DHCPCTL_TEST_* variables."""
    key = server.endpoint.key
    assert key is not None
    env = dict(
        os.environ,
        DHCPCTL_TEST_SERVER=f"{server.address}:{server.port}",
        DHCPCTL_TEST_KEY_NAME=key.name,
        DHCPCTL_TEST_KEY_ALGORITHM=key.algorithm,
        DHCPCTL_TEST_KEY_SECRET=key.secret_base64,
        PYTHONPATH=str(ROOT),
    )
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), name, mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_authenticator_values(backend: Backend) -> None:
    """omapip/auth.c omapi_auth_key_get_value: "name", "algorithm" (as sent) and "key"; any
    other name is ISC_R_NOTFOUND (C's dhcpctl_get_value would read through NULL); an
    authenticator takes no values (no set_value: ISC_R_NOTFOUND)."""
    auth = backend.dhcpctl_new_authenticator("k", "Hmac-Md5", b"s3kr1t-value")
    assert bytes(backend.dhcpctl_get_value(auth, "name")) == b"k"
    assert bytes(backend.dhcpctl_get_value(auth, "algorithm")) == b"Hmac-Md5.SIG-ALG.REG.INT."
    key = backend.dhcpctl_get_value(auth, "key")
    assert bytes(key) == b"s3kr1t-value"
    assert "s3kr1t" not in repr(auth)
    assert repr(key) == "DataString(<secret, 12 bytes>)"
    for read in (backend.dhcpctl_get_value, backend.dhcpctl_get_boolean):
        assert raised(read, auth, "no-such-value") == dhcpctl.ISC_R_NOTFOUND
    assert raised(backend.dhcpctl_get_boolean, auth, "key") == dhcpctl.ISC_R_UNEXPECTED
    assert raised(backend.dhcpctl_set_string_value, auth, "x", "name") == dhcpctl.ISC_R_NOTFOUND
    assert raised(backend.dhcpctl_set_null_value, auth, "name") == dhcpctl.ISC_R_NOTFOUND
