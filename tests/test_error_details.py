"""What a failed connect or a lost connection says, alike through both backends.

The statuses are C's (``tests/test_scenarios_errors.py`` checks them against omshell); here
the detail text of the DhcpctlError: the server's address, what the server said where the
backend can read it, the likely cause (``dhcpctl/_diagnosis.py``), and never the secret.
"""

from __future__ import annotations

import dataclasses
import math
import socket
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest
from conftest import backend_or_skip
from fake_omapi import (
    KEY_ALGORITHM,
    KEY_NAME,
    KEY_SECRET,
    PATIENCE,
    Behaviour,
    handshake,
    recv_exactly,
    recv_message,
)
from scenario_helpers import TIMEOUT, connect, ip, open_object, open_with_wrong_secret

import dhcpctl
from dhcpctl._api import Backend
from dhcpctl._arguments import LONGEST_TIMEOUT
from dhcpctl._diagnosis import Peer, connect_failed, key_name
from dhcpctl.fallback.wire import OP_STATUS, Message, encode_intro, encode_message
from testbed import dataset
from testbed.pytest_plugin import ServerFactory, missing
from testbed.server import Endpoint, OmapiKey, make_key

#: Connects once in a fresh interpreter (no other OMAPI connection open, so ISC's library fails
#: the connect at once) and prints the status and the error's text.
CONNECT_ALONE = """
import sys
from dhcpctl import DhcpctlError, load_backend
backend = load_backend(sys.argv[1])
try:
    backend.dhcpctl_timed_connect("127.0.0.1", int(sys.argv[2]), None, float(sys.argv[3]))
except DhcpctlError as error:
    print(error.status)
    print(error)
"""


def key_of(endpoint: Endpoint) -> OmapiKey:
    if endpoint.key is None:
        missing("the server has no key: these tests need a keyed one (DHCPCTL_TEST_KEY_*)")
    return endpoint.key


def assert_no_secret(text: str, key: OmapiKey) -> None:
    for form in (repr(key.secret), key.secret_base64, key.secret.hex()):
        assert form not in text


def connect_alone(backend_name: str, port: int, timeout: float) -> tuple[str, str]:
    """The status and error text of :data:`CONNECT_ALONE`'s connect."""
    result = subprocess.run(
        [sys.executable, "-c", CONNECT_ALONE, backend_name, str(port), repr(timeout)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    status, text = result.stdout.splitlines()
    return status, text


@pytest.mark.parametrize("timeout", [math.inf, 1e10, 1e300, LONGEST_TIMEOUT + 1])
def test_a_timeout_beyond_a_year_is_no_limit(
    backend_name: str, closed_port: int, timeout: float
) -> None:
    """Longer than a year (infinity too), a timeout means no limit, on both backends: the
    connect is refused as with a short one (the pure-Python backend raised OverflowError from
    its socket's timer)."""
    assert connect_alone(backend_name, closed_port, timeout) == connect_alone(
        backend_name, closed_port, 5.0
    )


@pytest.mark.parametrize("call", ["connect", "wait"])
def test_a_nan_timeout_is_refused_alike(backend: Backend, call: str) -> None:
    """NaN seconds: DhcpctlError DHCP_R_INVALIDARG before anything is done, on both backends
    (the pure-Python one raised a plain ValueError)."""
    with pytest.raises(dhcpctl.DhcpctlError) as error:
        if call == "connect":
            backend.dhcpctl_timed_connect("127.0.0.1", 7911, None, math.nan)
        else:
            key = backend.dhcpctl_new_authenticator("k", "hmac-md5", b"s")
            backend.dhcpctl_timed_wait_for_completion(key, math.nan)
    assert error.value.status == dhcpctl.DHCP_R_INVALIDARG
    assert str(error.value).endswith("timeout is NaN"), error.value


def test_refused_connect(backend_name: str, closed_port: int) -> None:
    status, text = connect_alone(backend_name, closed_port, 5.0)
    assert int(status) == dhcpctl.ISC_R_NOMORE
    assert f"cannot connect to 127.0.0.1:{closed_port}: " in text
    assert text.endswith(f"is dhcpd running there, with omapi-port {closed_port}?")
    # The pure-Python backend has the socket's error; ISC's library drops it.
    reason = "Connection refused" if backend_name == "python" else "refused, unreachable"
    assert reason in text


def test_wrong_secret(backend: Backend, dhcpd_server: Endpoint) -> None:
    key = key_of(dhcpd_server)
    wrong = dataclasses.replace(dhcpd_server, key=make_key(key.algorithm, key.name))
    assert wrong.key is not None
    error = open_with_wrong_secret(backend, wrong)
    text = str(error)
    assert error.status == dhcpctl.DHCP_R_CONNRESET
    assert f": {wrong.address}:{wrong.port}: " in text
    assert f"likely cause: a wrong secret for key {key.name!r}" in text
    assert_no_secret(text, wrong.key)
    assert_no_secret(text, key)


@pytest.mark.parametrize(
    ("name", "algorithm", "cause"),
    [
        ("nobody", None, "the server has no key named 'nobody' with algorithm"),
        (None, "hmac-md4", "the algorithm 'hmac-md4.SIG-ALG.REG.INT.' is none ISC DHCP signs"),
        (None, "hmac-md5.SIG-ALG.REG.INT", "the algorithm 'hmac-md5.SIG-ALG.REG.INT' is none"),
    ],
    ids=["key name", "algorithm", "algorithm suffix"],
)
def test_refused_authenticator(
    backend: Backend,
    dhcpd_server: Endpoint,
    name: str | None,
    algorithm: str | None,
    cause: str,
) -> None:
    key = key_of(dhcpd_server)
    wrong = dataclasses.replace(key, name=name or key.name, algorithm=algorithm or key.algorithm)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        connect(backend, dataclasses.replace(dhcpd_server, key=wrong))
    text = str(info.value)
    assert info.value.status == dhcpctl.ISC_R_NOTFOUND
    assert f": {dhcpd_server.address}:{dhcpd_server.port}: " in text
    assert "the server refused the authenticator" in text
    assert f"likely cause: {cause}" in text
    assert_no_secret(text, key)


def test_server_gone_names_the_server(backend: Backend, dhcpd_factory: ServerFactory) -> None:
    server = dhcpd_factory.start(make_key("hmac-md5"))
    connection = connect(backend, server.endpoint)
    lease, status = open_object(
        backend, connection, "lease", {"ip-address": ip(dataset.LEASES[0].ip)}
    )
    assert status == dhcpctl.ISC_R_SUCCESS
    server.stop()
    backend.dhcpctl_object_refresh(connection, lease)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(lease, TIMEOUT)
    text = str(info.value)
    assert info.value.status == dhcpctl.DHCP_R_CONNRESET
    assert f": {server.address}:{server.port}: " in text
    # A reply came on this connection: no secret was wrong.
    assert "likely cause" not in text
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_object_refresh(connection, lease)
    assert info.value.status == dhcpctl.DHCP_R_INVALIDARG
    assert f": {server.address}:{server.port}: " in str(info.value)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (dhcpctl.DHCP_R_HOSTUNKNOWN, "cannot resolve 'db.example'"),
        (
            dhcpctl.ISC_R_TIMEDOUT,
            "cannot connect to db.example:7911: no answer in time; "
            "is dhcpd running there, with omapi-port 7911?",
        ),
        (dhcpctl.DHCP_R_PROTOCOLERROR, "connecting to db.example:7911"),
        # Without a key a "not found" is no refused authenticator.
        (dhcpctl.ISC_R_NOTFOUND, "connecting to db.example:7911"),
    ],
)
def test_connect_failed_by_status(status: int, expected: str) -> None:
    assert connect_failed(Peer("db.example", 7911), status) == expected


def test_key_name_is_the_algorithm_as_sent() -> None:
    """A bare algorithm gets ISC's suffix (dhcpctl/remote.c), a dotted one stays."""
    assert key_name("k", "hmac-sha256").algorithm == "hmac-sha256.SIG-ALG.REG.INT."
    assert key_name("k", "HMAC-MD5.SIG-ALG.REG.INT.").algorithm == "HMAC-MD5.SIG-ALG.REG.INT."
    peer = Peer("h", 1, key_name("k", "HMAC-MD5.SIG-ALG.REG.INT."))
    assert "most likely a wrong key name" in connect_failed(peer, dhcpctl.ISC_R_NOTFOUND)


def local_failures(backend: Backend, endpoint: Endpoint) -> list[str]:
    """The texts of failures both backends detect alike, before anything is sent."""
    connection = connect(backend, endpoint)
    authenticator = backend.dhcpctl_new_authenticator("k", "hmac-md5", b"secret")
    lease = backend.dhcpctl_new_object(connection, "lease")
    backend.dhcpctl_set_string_value(lease, "abc", "client-hostname")
    texts = []
    for call in (
        lambda: backend.dhcpctl_get_value(lease, "ends"),
        lambda: backend.dhcpctl_get_boolean(lease, "ends"),
        lambda: backend.dhcpctl_get_boolean(lease, "client-hostname"),
        lambda: backend.dhcpctl_set_int_value(authenticator, 1, "x"),
        lambda: backend.dhcpctl_timed_wait_for_completion(lease, TIMEOUT),
    ):
        with pytest.raises(dhcpctl.DhcpctlError) as info:
            call()
        texts.append(str(info.value))
    backend.dhcpctl_disconnect(connection)
    return texts


def test_local_failures_read_alike(dhcpd_server: Endpoint) -> None:
    python = local_failures(backend_or_skip("python"), dhcpd_server)
    assert python == local_failures(backend_or_skip("native"), dhcpd_server)
    assert python[:3] == [
        "dhcpctl_get_value: not found (isc_result_t 23): no value named 'ends'",
        "dhcpctl_get_boolean: not found (isc_result_t 23): no value named 'ends'",
        "dhcpctl_get_boolean: unexpected error (isc_result_t 34): "
        "'client-hostname' is not a 4-byte integer",
    ]


def test_timed_out_first_request_blames_no_key(
    backend: Backend, fake_server: Callable[[Behaviour], int], released: threading.Event
) -> None:
    """A keyed connection whose first request is not answered in time: only a connection that
    ended is explained by the secret."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        recv_message(sock)
        released.wait(PATIENCE)

    port = fake_server(behaviour)
    authenticator = backend.dhcpctl_new_authenticator(KEY_NAME, KEY_ALGORITHM, KEY_SECRET)
    connection = backend.dhcpctl_timed_connect("127.0.0.1", port, authenticator, PATIENCE)
    lease = backend.dhcpctl_new_object(connection, "lease")
    backend.dhcpctl_set_data_value(lease, ip("192.0.2.1"), "ip-address")
    backend.dhcpctl_open_object(lease, connection, 0)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(lease, 0.2)
    assert info.value.status == dhcpctl.ISC_R_TIMEDOUT
    assert info.value.detail == f"127.0.0.1:{port}: no answer in time; the request stays queued"


def test_refused_authenticator_with_the_servers_words(
    backend_name: str, fake_server: Callable[[Behaviour], int]
) -> None:
    """What the server said with its refusal: the pure-Python backend reads it; ISC's library
    drops it (omapi_protocol_signal_handler), and the native backend says so."""

    def behaviour(sock: socket.socket) -> None:
        sock.sendall(encode_intro())
        recv_exactly(sock, 8)
        auth_open = recv_message(sock)
        refusal = ((b"result", dhcpctl.ISC_R_NOTFOUND.to_bytes(4, "big")), (b"message", b"nope"))
        sock.sendall(encode_message(Message(OP_STATUS, 0, 1, auth_open.id, 0, refusal)))
        recv_exactly(sock, 1)  # until the client hangs up

    port = fake_server(behaviour)
    backend = backend_or_skip(backend_name)
    authenticator = backend.dhcpctl_new_authenticator("nobody", KEY_ALGORITHM, KEY_SECRET)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_connect("127.0.0.1", port, authenticator, PATIENCE)
    said = {"python": ": nope", "native": " (ISC's library does not keep its text)"}
    assert info.value.status == dhcpctl.ISC_R_NOTFOUND
    assert info.value.detail == (
        f"127.0.0.1:{port}: the server refused the authenticator{said[backend_name]}; "
        "likely cause: the server has no key named 'nobody' with algorithm "
        "'hmac-md5.SIG-ALG.REG.INT.': most likely a wrong key name (else dhcpd.conf's key has "
        "another algorithm)"
    )
    assert KEY_SECRET.decode() not in str(info.value)
