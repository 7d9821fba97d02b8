"""What goes wrong, through each backend, against a real dhcpd: the exact statuses C gives.

Where ISC's omshell can make the same mistake its message is the oracle: it prints
``isc_result_totext`` of the status it got (``dhcpctl/omshell.c``), so the texts must agree.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from scenario_helpers import (
    TIMEOUT,
    Omshell,
    Value,
    backend_name,
    connect,
    get,
    ip,
    open_object,
    open_with_wrong_secret,
    refresh,
    remove,
    uint32,
    update,
)

import dhcpctl
from dhcpctl._api import Backend, Handle
from testbed import dataset
from testbed.pytest_plugin import ServerFactory, StartServer, missing
from testbed.server import ALGORITHMS, Endpoint, make_key

LEASE = dataset.LEASES[0]
HOST = dataset.HOSTS[0]
LEASE_KEYS: dict[str, Value] = {"ip-address": ip(LEASE.ip)}
OMSHELL_LEASE = ["new lease", f"set ip-address = {LEASE.ip}", "open"]


def omshell_open_error(omshell: Omshell, endpoint: Endpoint, commands: list[str]) -> str:
    """The one message omshell printed for its last command, an ``open`` that failed."""
    messages = omshell(endpoint, commands).last.messages
    assert len(messages) == 1, messages
    return messages[0]


def with_key(endpoint: Endpoint, algorithm: str, name: str) -> Endpoint:
    """``endpoint`` with a fresh random key (a wrong secret, or an unknown key name)."""
    return dataclasses.replace(endpoint, key=make_key(algorithm, name))


def keyed(endpoint: Endpoint) -> tuple[str, str]:
    if endpoint.key is None:
        missing("the server has no key: these tests need a keyed one (DHCPCTL_TEST_KEY_*)")
    return endpoint.key.algorithm, endpoint.key.name


@pytest.mark.parametrize(
    ("object_type", "keys", "omshell_keys"),
    [
        ("lease", {"ip-address": ip("198.18.254.250")}, ["ip-address = 198.18.254.250"]),
        ("host", {"name": "no-such-host"}, ['name = "no-such-host"']),
        ("group", {"name": "no-such-group"}, ['name = "no-such-group"']),
    ],
    ids=["lease", "host", "group"],
)
def test_not_found(
    backend: Backend,
    scenario_server: Endpoint,
    omshell: Omshell,
    object_type: str,
    keys: dict[str, Value],
    omshell_keys: list[str],
) -> None:
    _, status = open_object(backend, connect(backend, scenario_server), object_type, keys)
    assert status == dhcpctl.ISC_R_NOTFOUND
    commands = [f"new {object_type}", *(f"set {key}" for key in omshell_keys), "open"]
    expected = omshell_open_error(omshell, scenario_server, commands)
    assert expected == f"can't open object: {backend.isc_result_totext(status)}"


def test_get_value_not_in_object(backend: Backend, scenario_server: Endpoint) -> None:
    lease, status = open_object(backend, connect(backend, scenario_server), "lease", LEASE_KEYS)
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, lease, "ends") == uint32(LEASE.ends)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_get_value(lease, "no-such-attribute")
    assert info.value.status == dhcpctl.ISC_R_NOTFOUND


@pytest.mark.parametrize(
    "call",
    [
        lambda b, c, h: b.dhcpctl_get_value(h, "ends\0x"),
        lambda b, c, h: b.dhcpctl_set_int_value(h, 1, "hardware-type\0x"),
        lambda b, c, h: b.dhcpctl_set_string_value(h, "name\0cut", "name"),
        lambda b, c, h: b.dhcpctl_new_object(c, "host\0x"),
        lambda b, c, h: b.dhcpctl_new_authenticator("key\0x", "hmac-md5", b"secret"),
    ],
    ids=["value name", "set name", "string value", "object type", "key name"],
)
def test_nul_in_a_c_string_is_refused(
    backend: Backend,
    scenario_server: Endpoint,
    call: Callable[[Backend, Handle, Handle], object],
) -> None:
    """C takes these as ``const char *`` and would cut them at the NUL: both backends refuse."""
    connection = connect(backend, scenario_server)
    host = backend.dhcpctl_new_object(connection, "host")
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        call(backend, connection, host)
    assert info.value.status == dhcpctl.DHCP_R_INVALIDARG
    assert "NUL in " in str(info.value)


def test_exclusive_create_of_existing_host(
    backend: Backend, scenario_server: Endpoint, omshell: Omshell
) -> None:
    connection = connect(backend, scenario_server)
    flags = dhcpctl.DHCPCTL_CREATE | dhcpctl.DHCPCTL_EXCL
    _, status = open_object(backend, connection, "host", {"name": HOST.name}, flags)
    assert status == dhcpctl.ISC_R_EXISTS
    # Without EXCL the existing host is updated with the key, and its name is already set.
    _, status = open_object(
        backend, connection, "host", {"name": HOST.name}, dhcpctl.DHCPCTL_CREATE
    )
    assert status == dhcpctl.ISC_R_EXISTS
    # omshell's "create" is CREATE|EXCL.
    commands = ["new host", f'set name = "{HOST.name}"', "create"]
    expected = omshell(scenario_server, commands).last.messages
    assert expected == [f"can't open object: {backend.isc_result_totext(status)}"]


def update_ip(backend: Backend, connection: Handle, handle: Handle) -> int:
    return update(backend, connection, handle, {"ip-address": ip("198.18.254.99")})


@pytest.mark.parametrize("operation", [update_ip, refresh, remove])
def test_operation_on_an_object_never_opened(
    backend: Backend,
    scenario_server: Endpoint,
    operation: Callable[[Backend, Handle, Handle], int],
) -> None:
    """dhcpctl.c sends the object's remote handle, still 0 (dhcpctl_object_update,
    _refresh and _remove); message.c finds no object with handle 0: "no matching handle"."""
    connection = connect(backend, scenario_server)
    host = backend.dhcpctl_new_object(connection, "host")
    backend.dhcpctl_set_string_value(host, HOST.name, "name")
    assert operation(backend, connection, host) == dhcpctl.ISC_R_NOTFOUND


def test_reopen_of_an_opened_handle_sends_no_keys(
    backend: Backend, scenario_server: Endpoint
) -> None:
    """The server's reply clears the changed marks and an open sends changed values only
    (generic.c omapi_generic_stuff_values): no key, so dhcpd tries to create a lease."""
    connection = connect(backend, scenario_server)
    lease, status = open_object(backend, connection, "lease", LEASE_KEYS)
    assert status == dhcpctl.ISC_R_SUCCESS
    backend.dhcpctl_open_object(lease, connection, 0)
    assert backend.dhcpctl_timed_wait_for_completion(lease, TIMEOUT) == (
        dhcpctl.ISC_R_NOTIMPLEMENTED
    )


#: Connects once in a fresh interpreter, where no other OMAPI connection exists, and prints
#: the status it failed with.
CONNECT_ALONE = """
import sys
from dhcpctl import DhcpctlError, load_backend
backend = load_backend(sys.argv[1])
try:
    backend.dhcpctl_timed_connect(sys.argv[2], int(sys.argv[3]), None, 5.0)
except DhcpctlError as error:
    print(error.status)
"""


def test_connect_refused_with_no_other_connection(
    backend: Backend,
    request: pytest.FixtureRequest,
    dhcpd_factory: ServerFactory,
    omshell: Omshell,
) -> None:
    """The refused connect leaves C's dispatch loop with no I/O object: ISC_R_NOMORE
    (omapip/dispatch.c omapi_one_dispatch, "If we have no I/O state, we can't proceed")."""
    server = dhcpd_factory.start(None)
    server.stop()
    command = [sys.executable, "-c", CONNECT_ALONE, backend_name(request)]
    result = subprocess.run(
        [*command, server.address, str(server.port)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert int(result.stdout) == dhcpctl.ISC_R_NOMORE
    expected = omshell(server.endpoint, ["new lease"]).stderr
    assert expected == f"dhcpctl_connect: {backend.isc_result_totext(dhcpctl.ISC_R_NOMORE)}\n"


def test_connect_refused_while_another_connection_is_open(
    backend: Backend,
    dhcpd_server: Endpoint,
    dhcpd_factory: ServerFactory,
) -> None:
    """With another connection registered, C's dispatch loop keeps waiting after the refusal
    (omapip/dispatch.c omapi_one_dispatch only says ISC_R_NOMORE when no I/O state is left),
    so C's dhcpctl_timed_connect ends with ISC_R_TIMEDOUT when its timeout expires. Both
    backends fail it at once with ISC_R_NOMORE, as C does with nothing else open (a deviation,
    dhcpctl._api); the open connection still works."""
    server = dhcpd_factory.start(None)
    server.stop()
    other = connect(backend, dhcpd_server)
    started = time.monotonic()
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_connect(server.address, server.port, None, 30.0)
    assert info.value.status == dhcpctl.ISC_R_NOMORE
    assert time.monotonic() - started < 10.0
    _, status = open_object(backend, other, "lease", LEASE_KEYS)
    assert status == dhcpctl.ISC_R_SUCCESS
    backend.dhcpctl_disconnect(other)


def test_server_stopped_mid_session(backend: Backend, scenario_factory: StartServer) -> None:
    server = scenario_factory(make_key("hmac-md5"))
    connection = connect(backend, server.endpoint)
    lease, status = open_object(backend, connection, "lease", LEASE_KEYS)
    assert status == dhcpctl.ISC_R_SUCCESS
    server.stop()
    backend.dhcpctl_object_refresh(connection, lease)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(lease, TIMEOUT)
    assert info.value.status == dhcpctl.DHCP_R_CONNRESET


def test_wrong_secret(backend: Backend, scenario_server: Endpoint, omshell: Omshell) -> None:
    """dhcpd drops a connection whose first signed message fails verification."""
    wrong = with_key(scenario_server, *keyed(scenario_server))
    assert wrong.key is not None and scenario_server.key is not None
    assert wrong.key.secret != scenario_server.key.secret
    error = open_with_wrong_secret(backend, wrong)
    assert error.status == dhcpctl.DHCP_R_CONNRESET
    assert repr(wrong.key.secret) not in str(error)
    expected = omshell_open_error(omshell, wrong, OMSHELL_LEASE)
    assert expected == f"can't open object: {backend.isc_result_totext(error.status)}"


def test_unknown_key_name(backend: Backend, scenario_server: Endpoint, omshell: Omshell) -> None:
    """The server answers the authenticator's open with "not found": connect fails."""
    algorithm, _ = keyed(scenario_server)
    stranger = with_key(scenario_server, algorithm, "nobody")
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        connect(backend, stranger)
    assert info.value.status == dhcpctl.ISC_R_NOTFOUND
    expected = omshell(stranger, ["new lease"]).stderr
    assert expected == f"dhcpctl_connect: {backend.isc_result_totext(info.value.status)}\n"


def test_no_key_on_a_keyed_server(
    backend: Backend, scenario_server: Endpoint, omshell: Omshell
) -> None:
    keyed(scenario_server)
    anonymous = dataclasses.replace(scenario_server, key=None)
    _, status = open_object(backend, connect(backend, anonymous), "lease", LEASE_KEYS)
    assert status == dhcpctl.DHCP_R_NOKEYS
    expected = omshell_open_error(omshell, anonymous, OMSHELL_LEASE)
    assert expected == f"can't open object: {backend.isc_result_totext(status)}"


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_key_algorithm(
    backend: Backend, scenario_factory: StartServer, omshell: Omshell, algorithm: str
) -> None:
    endpoint = scenario_factory(make_key(algorithm)).endpoint
    lease, status = open_object(backend, connect(backend, endpoint), "lease", LEASE_KEYS)
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, lease, "client-hostname") == LEASE.hostname.encode()
    wrong = with_key(endpoint, algorithm, "omapi_key")
    status = open_with_wrong_secret(backend, wrong).status
    assert status == dhcpctl.DHCP_R_CONNRESET
    expected = omshell_open_error(omshell, wrong, OMSHELL_LEASE)
    assert expected == f"can't open object: {backend.isc_result_totext(status)}"


def test_server_without_key(backend: Backend, scenario_factory: StartServer) -> None:
    endpoint = scenario_factory(None).endpoint
    lease, status = open_object(backend, connect(backend, endpoint), "lease", LEASE_KEYS)
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, lease, "client-hostname") == LEASE.hostname.encode()
