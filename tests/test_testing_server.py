"""``dhcpctl.testing``: the codec's server side, :class:`OmapiServer`, its faults, the pytest
plugin, ISC's omshell against it, the README's example.

How the fake is checked against dhcpd: the scenario tests that take ``scenario_server`` or
``scenario_factory`` (``tests/test_scenarios_objects.py``, ``test_scenarios_errors.py``,
``test_scenarios_connections.py``) run with the same assertions against the test bed's dhcpd
and against the fake holding the same dataset, on both backends, with omshell's view compared
where the test does; the differential twins of ``tests/test_differential.py`` (the fixed
scenarios of ``differential_corpus.SCENARIOS``, the encoding tests, the hypothesis state
machine of hosts and groups and its regressions) run every call on dhcpd and on the fake, both
backends each, and require identical outcomes; ``tests/test_fake_fidelity.py`` runs the
differences once found between them (range leases, lease state transitions, shared MACs, a
host's hardware type, a failover local-state that kills dhcpd) against both.

Where the fake does not do what dhcpd does is listed in the docstring of :mod:`dhcpctl.testing`
(it ships in the wheel). The tests that therefore run against dhcpd only: what dhcpd writes to
its leases file (``dhcpd_wrote``; the statuses and values of the same tests are compared on
both), ``test_lease_by_client_identifier`` (dhcpd started with a leases file of its own; the
fake's client-identifier lookups are covered by ``FakeLease(uid=...)`` here and by
``test_lease_lookup_refused``), ``test_control_shutdown``, ``test_failover_state`` (a real
failover pair), and the connections under a stopped, frozen, killed or restarted server
(``ConnectionMachine``, ``test_server_restarted_under_a_connection``,
``test_requests_after_an_unnoticed_restart``, ``test_disconnect_after_the_server_dropped``, the
refused connects; a stop is compared: ``test_server_stopped_mid_session``,
``test_wait_on_a_connection``).
"""

from __future__ import annotations

import asyncio
import gc
import re
import socket
import warnings
from datetime import datetime, timezone
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_helpers import (
    TIMEOUT,
    Omshell,
    Value,
    connect,
    get,
    ip,
    open_object,
    refresh,
    remove,
    update,
)

import dhcpctl
import dhcpctl.testing
from dhcpctl import AlreadyExists, Client, NotFound
from dhcpctl import _values as v
from dhcpctl._api import Backend
from dhcpctl._key import Key
from dhcpctl._states import FailoverStateName, LeaseState
from dhcpctl.fallback.auth import Key as WireKey
from dhcpctl.fallback.protocol import (
    AuthenticatorAccepted,
    ClientProtocol,
    ConnectionFailed,
    Intro,
    MessageReceived,
)
from dhcpctl.fallback.server_protocol import Answer, Closed, Request, ServerProtocol
from dhcpctl.fallback.wire import OP_OPEN, OP_STATUS, OP_UPDATE, ProtocolError
from dhcpctl.testing import (
    BadSignature,
    Delay,
    DhcpdWouldCrash,
    Drop,
    FakeClass,
    FakeFailoverState,
    FakeGroup,
    FakeHost,
    FakeLease,
    FakeSubclass,
    Garbage,
    OmapiServer,
    Stall,
)
from dhcpctl.testing._dispatch import process
from dhcpctl.testing._store import Store
from testbed.server import Endpoint, OmapiKey

KEY = Key("omapi_key", "hmac-sha256", b"sixteen byte key")
LEASE = FakeLease(
    ip="198.18.1.150",
    mac="00:11:22:33:44:55",
    ends=datetime(2033, 5, 18, 3, 33, 20, tzinfo=timezone.utc),
    client_hostname="alpha",
)
HOST = FakeHost("web-1", mac="02-00-00-00-00-01", ip="198.18.1.60")


def endpoint(server: OmapiServer) -> Endpoint:
    key = server.key
    test_key = None if key is None else OmapiKey(key.name, key.algorithm, key.secret)
    return Endpoint(server.address, server.port, test_key)


# --- the codec's server side, no sockets -------------------------------------------------------


def converse(client: ClientProtocol, server: ServerProtocol, data: bytes) -> list[object]:
    """Feed ``data`` (client bytes) to the server; feed its answers back; the client's events."""
    events: list[object] = []
    for event in server.feed(data):
        if isinstance(event, Answer):
            events += client.feed(event.data)
        else:
            events.append(event)
    return events


def handshake(key: WireKey | None, known: list[WireKey]) -> tuple[ClientProtocol, ServerProtocol]:
    handles = iter(range(1, 100))
    client = ClientProtocol(key)
    server = ServerProtocol(known, lambda _: next(handles))
    assert client.feed(server.initiate())
    assert server.feed(client.initiate()) == [Intro(24)]
    return client, server


def test_codec_opens_a_known_key_and_answers_signed() -> None:
    key = WireKey("k", "HMAC-MD5", b"secret")
    client, server = handshake(key, [WireKey("k", "hmac-md5", b"secret")])
    assert converse(client, server, client.open_authenticator()) == [AuthenticatorAccepted(1)]
    _, data = client.send(OP_OPEN, 0, ((b"type", b"host"),), ((b"name", b"x"),))
    (request,) = server.feed(data)
    assert isinstance(request, Request) and request.message.authid == 1
    (reply,) = client.feed(server.update(request.message, 5, ((b"name", b"x"),)))
    assert isinstance(reply, MessageReceived)
    assert (reply.message.op, reply.message.handle) == (OP_UPDATE, 5)
    assert reply.message.object_values == ((b"name", b"x"),)


def test_codec_unknown_key_is_not_found() -> None:
    client, server = handshake(
        WireKey("nobody", "hmac-md5", b"s"), [WireKey("k", "hmac-md5", b"s")]
    )
    (failed,) = converse(client, server, client.open_authenticator())
    assert failed == ConnectionFailed(
        dhcpctl.ISC_R_NOTFOUND,
        "the server refused the authenticator: no object matches specification",
    )


def test_codec_wrong_secret_gets_an_unsigned_status_that_resets_the_client() -> None:
    """protocol.c: verify_result DHCP_R_INVALIDKEY, answered by an unsigned STATUS, which
    ISC's client takes as the end of the connection."""
    client, server = handshake(WireKey("k", "hmac-md5", b"wrong"), [WireKey("k", "hmac-md5", b"s")])
    converse(client, server, client.open_authenticator())
    _, data = client.send(OP_OPEN, 0, ((b"type", b"lease"),))
    (answer,) = server.feed(data)
    assert isinstance(answer, Answer) and answer.status == dhcpctl.DHCP_R_INVALIDKEY
    (failed,) = client.feed(answer.data)
    assert isinstance(failed, ConnectionFailed) and failed.status == dhcpctl.DHCP_R_CONNRESET


def test_codec_unsigned_request_on_a_keyed_server_is_nokeys() -> None:
    client, server = handshake(None, [WireKey("k", "hmac-md5", b"s")])
    _, data = client.send(OP_OPEN, 0, ((b"type", b"lease"),))
    (answer,) = server.feed(data)
    assert isinstance(answer, Answer) and answer.status == dhcpctl.DHCP_R_NOKEYS
    (status,) = client.feed(answer.data)
    assert isinstance(status, MessageReceived) and status.message.op == OP_STATUS


def test_codec_bad_bytes_close_the_connection() -> None:
    server = ServerProtocol([], lambda _: 1)
    (closed,) = server.feed(b"\0\0\0\x63\0\0\0\x18")  # protocol version 99
    assert isinstance(closed, Closed) and closed.status == dhcpctl.DHCP_R_VERSIONMISMATCH


# --- OmapiServer through both backends ---------------------------------------------------------


def test_state_shows_what_clients_did(backend: Backend) -> None:
    with OmapiServer(key=KEY, leases=[LEASE], hosts=[HOST]) as server:
        assert server.address == "127.0.0.1" and server.port > 0
        connection = connect(backend, endpoint(server))
        made: dict[str, Value] = {
            "name": "web-2",
            "hardware-address": bytes.fromhex("020000000002"),
            "hardware-type": 1,
        }
        _, status = open_object(backend, connection, "host", made, 3)
        assert status == dhcpctl.ISC_R_SUCCESS
        assert [(h.name, h.mac) for h in server.hosts] == [
            ("web-1", "02:00:00:00:00:01"),
            ("web-2", "02:00:00:00:00:02"),
        ]
        lease, status = open_object(backend, connection, "lease", {"ip-address": ip(str(LEASE.ip))})
        assert status == dhcpctl.ISC_R_SUCCESS
        assert get(backend, lease, "client-hostname") == b"alpha"
        state = {"state": int(LeaseState.RELEASED)}
        assert update(backend, connection, lease, state) == dhcpctl.ISC_R_SUCCESS
        assert server.leases[0].state is LeaseState.RELEASED
        assert update(backend, connection, lease, {"starts": 5}) == dhcpctl.ISC_R_NOPERM


def open_lease(backend: Backend, server: OmapiServer, timeout: float = TIMEOUT) -> int:
    """The status of a lookup of LEASE on a connection of its own, closed after (a socket left
    to the garbage collector warns later, in whatever test is running then)."""
    connection = connect(backend, endpoint(server))
    try:
        lease = backend.dhcpctl_new_object(connection, "lease")
        backend.dhcpctl_set_data_value(lease, ip(str(LEASE.ip)), "ip-address")
        backend.dhcpctl_open_object(lease, connection, 0)
        return backend.dhcpctl_timed_wait_for_completion(lease, timeout)
    finally:
        try:
            backend.dhcpctl_disconnect(connection, True)
        except dhcpctl.DhcpctlError:  # dropped by the library already: only the handle is left
            backend.omapi_object_dereference(connection)


def test_fault_drop_resets_the_connection(backend: Backend) -> None:
    with OmapiServer(key=KEY, leases=[LEASE]) as server:
        server.inject(Drop(), replies=2)
        for _ in range(2):
            with pytest.raises(dhcpctl.DhcpctlError) as info:
                open_lease(backend, server)
            assert info.value.status == dhcpctl.DHCP_R_CONNRESET
        assert open_lease(backend, server) == dhcpctl.ISC_R_SUCCESS


@pytest.mark.parametrize("fault", [Stall(), Delay(3600.0)], ids=repr)
def test_fault_without_an_answer_times_out(backend: Backend, fault: object) -> None:
    """No answer (stalled, or late): a timed wait raises ISC_R_TIMEDOUT; another connection is
    answered meanwhile."""
    with OmapiServer(key=KEY, leases=[LEASE]) as server:
        server.inject(fault)  # type: ignore[arg-type]
        with pytest.raises(dhcpctl.DhcpctlError) as info:
            open_lease(backend, server, timeout=0.5)
        assert info.value.status == dhcpctl.ISC_R_TIMEDOUT
        assert open_lease(backend, server) == dhcpctl.ISC_R_SUCCESS


def test_a_connection_that_ended_leaves_nothing_behind(backend: Backend) -> None:
    """The server forgets each connection's thread once it ends, a stalled one's too: it ends
    when its client closes, not when the server does."""
    with OmapiServer(key=KEY, leases=[LEASE]) as server:
        idle = set(server._threads)  # the accepting thread
        server.inject(Stall())
        with pytest.raises(dhcpctl.DhcpctlError) as info:
            open_lease(backend, server, timeout=0.5)
        assert info.value.status == dhcpctl.ISC_R_TIMEDOUT
        for _ in range(3):
            assert open_lease(backend, server) == dhcpctl.ISC_R_SUCCESS
        for thread in set(server._threads) - idle:
            thread.join(timeout=30)  # the clients have closed: each thread ends on its own
            assert not thread.is_alive()
        assert set(server._threads) == idle


def test_fault_bad_signature_ends_the_connection(backend: Backend) -> None:
    """The client drops the reply and answers it with a STATUS DHCP_R_INVALIDKEY (protocol.c);
    a STATUS the server never asked for makes it disconnect, as dhcpd does (message.c: no
    registered message for its rid)."""
    with OmapiServer(key=KEY, leases=[LEASE]) as server:
        server.inject(BadSignature())
        with pytest.raises(dhcpctl.DhcpctlError) as info:
            open_lease(backend, server)
        assert info.value.status == dhcpctl.DHCP_R_CONNRESET
        assert open_lease(backend, server) == dhcpctl.ISC_R_SUCCESS


def test_fault_delay_answers_late(backend: Backend) -> None:
    with OmapiServer(leases=[LEASE]) as server:
        server.inject(Delay(0.2))
        assert open_lease(backend, server) == dhcpctl.ISC_R_SUCCESS


def test_fault_garbage_breaks_the_protocol(backend: Backend) -> None:
    with OmapiServer(leases=[LEASE]) as server:
        server.inject(Garbage(b"\xff" * 64))
        with pytest.raises(dhcpctl.DhcpctlError):
            open_lease(backend, server)
        assert open_lease(backend, server) == dhcpctl.ISC_R_SUCCESS


def test_inject_refuses_what_cannot_happen() -> None:
    server = OmapiServer()
    with pytest.raises(ValueError, match="keyed server"):
        server.inject(BadSignature())
    with pytest.raises(ValueError, match="replies"):
        server.inject(Drop(), replies=0)
    with pytest.raises(ValueError, match="seconds"):
        Delay(-1.0)


@pytest.mark.parametrize("fault", ["Drop", Drop, None, 5, [Drop()]], ids=repr)
def test_inject_takes_only_a_fault_instance(fault: object) -> None:
    """A name, a class or None would inject nothing and a fault test would pass vacuously."""
    server = OmapiServer()
    with pytest.raises(TypeError, match=r"fault instance \(Delay\(\), Drop\(\), .*Garbage\(\)\)"):
        server.inject(fault)  # type: ignore[arg-type]
    assert not server._faults


@pytest.mark.parametrize("replies", [True, "2", 2.0, None], ids=repr)
def test_inject_takes_an_int_of_replies(replies: object) -> None:
    server = OmapiServer()
    with pytest.raises(TypeError, match="replies must be an int"):
        server.inject(Drop(), replies=replies)  # type: ignore[arg-type]
    assert not server._faults


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Delay(float("inf")), ValueError, "finite"),
        (lambda: Delay(float("nan")), ValueError, "finite"),
        (lambda: Delay("1"), TypeError, "int or float"),  # type: ignore[arg-type]
        (lambda: Delay(True), TypeError, "int or float"),
        (lambda: Garbage("str"), TypeError, "bytes, not str"),  # type: ignore[arg-type]
        (lambda: Garbage(bytearray(b"x")), TypeError, "bytes, not bytearray"),  # type: ignore[arg-type]
        (lambda: Garbage(b""), ValueError, "empty"),
    ],
    ids=["inf", "nan", "str-seconds", "bool-seconds", "str-data", "bytearray-data", "empty"],
)
def test_faults_are_checked_when_made(make: Any, error: type[Exception], message: str) -> None:
    """What would later kill the server's connection thread is refused at construction."""
    with pytest.raises(error, match=message):
        make()


def test_async_with_serves_in_an_event_loop(backend: Backend) -> None:
    async def main() -> int:
        async with OmapiServer(key=KEY, leases=[LEASE]) as server:
            return await asyncio.to_thread(open_lease, backend, server)

    assert asyncio.run(main()) == dhcpctl.ISC_R_SUCCESS


def test_a_null_group_value_would_crash_dhcpd(backend: Backend) -> None:
    """comapi.c dhcp_group_set_value dereferences the value: dhcpd 4.4.3-P1 would crash."""
    with OmapiServer() as server:
        connection = connect(backend, endpoint(server))
        group = backend.dhcpctl_new_object(connection, "group")
        backend.dhcpctl_set_string_value(group, "g", "name")
        backend.dhcpctl_set_null_value(group, "statements")
        with pytest.warns(DhcpdWouldCrash, match="would have crashed"):
            backend.dhcpctl_open_object(group, connection, 3)
            status = backend.dhcpctl_timed_wait_for_completion(group, TIMEOUT)
        assert status == dhcpctl.DHCP_R_INVALIDARG


def wrong(value: object) -> Any:
    """``value`` as the type checker lets a user pass anything: what a test of refusals gives."""
    return value


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: FakeLease(ip="198.18.1.300"), "FakeLease.ip"),
        (lambda: FakeLease(ip="198.18.1.1", mac="00:11:zz"), "FakeLease.mac"),
        (lambda: FakeHost("h", mac="00" * 21), "FakeHost.mac"),
        (lambda: FakeHost("h"), "needs a mac or a uid"),
        (lambda: OmapiServer(hosts=[HOST, HOST]), "two hosts"),
        # what would otherwise fail in the server's thread when a client reads the object
        (lambda: FakeLease(ip="198.18.1.1", uid=wrong("abc")), "FakeLease.uid"),
        (lambda: FakeHost("h", uid=wrong("abc")), "FakeHost.uid"),
        (lambda: FakeLease(ip="198.18.1.1", hardware_type=256), "FakeLease.hardware_type"),
        (lambda: FakeHost("h", uid=b"\1", hardware_type=wrong("1")), "FakeHost.hardware_type"),
        (lambda: FakeLease(ip="198.18.1.1", state="leased"), "FakeLease.state"),
        (lambda: FakeLease(ip="198.18.1.1", state=0), "FakeLease.state"),
        (lambda: FakeLease(ip="198.18.1.1", ends=wrong(5)), "FakeLease.ends"),
        (lambda: FakeHost("h", uid=b"\1", ip=[]), "FakeHost.ip"),
        (lambda: FakeHost("h", uid=b"\1", statements=wrong(5)), "FakeHost.statements"),
        (lambda: FakeGroup("g", statements=wrong(None)), "FakeGroup.statements"),
        (lambda: FakeClass("c", lease_limit=wrong("5")), "FakeClass.lease_limit"),
        (lambda: FakeSubclass("c", wrong(5)), "FakeSubclass.data"),
        (lambda: FakeFailoverState("f", mclt=-1), "FakeFailoverState.mclt"),
        (lambda: FakeFailoverState("f", local_state="lost"), "FakeFailoverState.local_state"),
        (lambda: FakeFailoverState("f", extra=wrong({"x": "t"})), "FakeFailoverState.extra['x']"),
        (lambda: FakeFailoverState("f", extra={"": b"x"}), "FakeFailoverState.extra['']"),
        (lambda: FakeFailoverState("f", extra={"n" * 1025: b""}), "is not 1 to 1024 bytes"),
    ],
)
def test_bad_objects_are_refused(make: object, field: str) -> None:
    """A value of the wrong type or range is refused when the object is made, naming the
    field, not when a client later reads it (which would end the server's thread)."""
    with pytest.raises(ValueError, match=re.escape(field)):
        make()  # type: ignore[operator]


@pytest.mark.parametrize("state", [LeaseState.RELEASED, 4, "released", "RELEASED", " Released "])
def test_a_lease_state_in_the_clients_spellings(state: LeaseState | int | str) -> None:
    """FakeLease takes a state as the typed client does (dhcpctl._values.LEASE_STATE): the
    enum, its number, or its name in any case; a client reads it back as that state."""
    lease = FakeLease(ip="198.18.1.150", mac="00:11:22:33:44:55", state=state)
    assert lease.state is LeaseState.RELEASED
    with (
        OmapiServer(leases=[lease]) as server,
        Client(server.address, server.port, backend="python") as omapi,
    ):
        assert omapi.leases.get(ip="198.18.1.150").state is LeaseState.RELEASED


def test_a_lease_that_never_ends(backend: Backend) -> None:
    """ends=None is ISC's "never": MAX_TIME on the wire (dhcpctl._values.NEVER), None to the
    typed client and in the snapshot."""
    with OmapiServer(leases=[FakeLease(ip="198.18.1.150", ends=None)]) as server:
        connection = connect(backend, endpoint(server))
        keys: dict[str, Value] = {"ip-address": ip("198.18.1.150")}
        lease, status = open_object(backend, connection, "lease", keys)
        assert status == dhcpctl.ISC_R_SUCCESS
        assert get(backend, lease, "ends") == v.NEVER.to_bytes(4, "big")
        with Client(server.address, server.port, backend="python") as omapi:
            assert omapi.leases.get(ip="198.18.1.150").ends is None
        assert server.leases[0].ends is None


def test_a_snapshot_shows_what_a_client_set(backend: Backend) -> None:
    """A client may set a lease's ends past ISC's MAX_TIME (2038), which FakeLease refuses:
    dhcpd takes the number (omapi.c dhcp_lease_set_value), and the snapshot shows it as it is
    held, not checked again as a user's input."""
    late = 0xFFFF_FFFE  # 2106-02-07 06:28:14 UTC
    with OmapiServer(leases=[LEASE]) as server:
        connection = connect(backend, endpoint(server))
        keys: dict[str, Value] = {"ip-address": ip(str(LEASE.ip))}
        lease, status = open_object(backend, connection, "lease", keys)
        assert status == dhcpctl.ISC_R_SUCCESS
        assert update(backend, connection, lease, {"ends": late}) == dhcpctl.ISC_R_SUCCESS
        assert server.leases[0].ends == datetime.fromtimestamp(late, timezone.utc)


def test_a_host_with_several_fixed_addresses(backend_name: str) -> None:
    """FakeHost(ip=[...]): dhcpd's ``fixed-address a, b;``, sent as one ip-address value of
    4 bytes each; a client's update to several addresses shows in the snapshot as a tuple."""
    first, second, third = (IPv4Address(f"198.18.1.{n}") for n in (60, 61, 62))
    host = FakeHost("multi", mac="02:00:00:00:00:01", ip=[str(first), second])
    assert host.ip == (first, second)
    with OmapiServer(hosts=[host]) as server:
        with Client(server.address, server.port, backend=backend_name) as omapi:
            assert omapi.hosts.get(name="multi").ip_addresses == (first, second)
            omapi.hosts.update(name="multi", ip=[third, first])
        assert server.hosts[0].ip == (third, first)


def test_the_differences_from_dhcpd_ship_with_the_package() -> None:
    """Where the fake differs from dhcpd is in :mod:`dhcpctl.testing`'s docstring, which is in
    the wheel, not in this test module, which is not; "never" is there as MAX_TIME."""
    doc = dhcpctl.testing.__doc__ or ""
    listed = doc.split("Where the fake differs from dhcpd 4.4.3-P1:", 1)[1]
    for difference in (
        "No leases file",
        "MAX_TIME",
        ":data:`dhcpctl._values.NEVER`",
        "not parsed with dhcpd's grammar",
        "shutdown",
        "no failover protocol",
        "One subnet and one pool",
    ):
        assert difference in listed
    assert "tests/" not in doc


# --- omshell, the plugin, the README -----------------------------------------------------------


def test_omshell_against_the_fake(omshell: Omshell) -> None:
    with OmapiServer(key=KEY, leases=[LEASE]) as server:
        run = omshell(
            endpoint(server),
            [
                "new host",
                'set name = "from-omshell"',
                "set hardware-address = 02:00:00:00:00:09",
                "set hardware-type = 1",
                "create",
            ],
        )
        assert run.last.messages == [], run.last.messages
        assert [host.name for host in server.hosts] == ["from-omshell"]
        lease = omshell(endpoint(server), ["new lease", f"set ip-address = {LEASE.ip}", "open"])
        assert lease.last.values["client-hostname"] == b"alpha"
        assert lease.last.values["ip-address"] == socket.inet_aton(str(LEASE.ip))


def readme_example() -> str:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    section = readme.split("## Testing your code without dhcpd", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_readme_example_runs_with_the_plugin(pytester: pytest.Pytester) -> None:
    """The README's example, as a user's test file: the installed plugin's fixtures run it."""
    pytester.makepyfile(test_user=readme_example())
    # What earlier tests left to the garbage collector (a connection in a reference cycle) is
    # collected first: its ResourceWarning is theirs, not the example's.
    gc.collect()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_plugin_fixture_serves(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
import dhcpctl

def test_connects(omapi_server):
    connection = dhcpctl.dhcpctl_connect(omapi_server.address, omapi_server.port, None)
    control = dhcpctl.dhcpctl_new_object(connection, "control")
    dhcpctl.dhcpctl_open_object(control, connection, 0)
    assert dhcpctl.dhcpctl_wait_for_completion(control) == dhcpctl.ISC_R_SUCCESS
    assert omapi_server.hosts == []
"""
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("statements", "expected", "crashes"),
    [
        (b"option routers ;;; nonsense {", dhcpctl.DHCP_R_BADPARSE, True),
        (b"default-lease-time 60; supersede routers;;", dhcpctl.DHCP_R_BADPARSE, True),
        (b"default-lease-time 60;" + b" " * 1500, dhcpctl.DHCP_R_BADPARSE, True),
        (b"default-lease-time 60;;", dhcpctl.ISC_R_SUCCESS, False),
        (b"default-lease-time 60", dhcpctl.ISC_R_SUCCESS, False),
        (b"if {", dhcpctl.DHCP_R_BADPARSE, False),
    ],
)
def test_statements_that_would_crash_dhcpd(
    backend: Backend, statements: bytes, expected: int, crashes: bool
) -> None:
    """The classes :mod:`dhcpctl._guards` measured to kill dhcpd are answered
    DHCP_R_BADPARSE with a DhcpdWouldCrash warning; what dhcpd truncates it takes (success),
    an open ``if`` it refuses, as dhcpd does."""
    with OmapiServer() as server:
        connection = connect(backend, endpoint(server))
        made: dict[str, Value] = {"name": "g", "statements": statements}
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            _, status = open_object(backend, connection, "group", made, 3)
        assert status == expected
        crashed = [w for w in seen if issubclass(w.category, DhcpdWouldCrash)]
        assert len(crashed) == crashes


def test_failover_state_is_read_only_but_for_its_local_state(backend: Backend) -> None:
    """failover.c: found by name, never created nor removed; local-state is taken."""
    peer = FakeFailoverState("pair", mclt=60, hierarchy=1)
    with OmapiServer(failover=[peer]) as server:
        connection = connect(backend, endpoint(server))
        state, status = open_object(backend, connection, "failover-state", {"name": "pair"})
        assert status == dhcpctl.ISC_R_SUCCESS
        assert get(backend, state, "mclt") == (60).to_bytes(4, "big")
        assert get(backend, state, "hierarchy") == (1).to_bytes(4, "big")
        assert get(backend, state, "local-state") == int(FailoverStateName.NORMAL).to_bytes(
            4, "big"
        )
        down = {"local-state": int(FailoverStateName.PARTNER_DOWN)}
        assert update(backend, connection, state, down) == dhcpctl.ISC_R_SUCCESS
        assert refresh(backend, connection, state) == dhcpctl.ISC_R_SUCCESS
        assert get(backend, state, "local-state") == (4).to_bytes(4, "big")
        assert remove(backend, connection, state) == dhcpctl.ISC_R_NOTIMPLEMENTED
        _, status = open_object(backend, connection, "failover-state", {"name": "other"}, 1)
        assert status == dhcpctl.ISC_R_NOTIMPLEMENTED


def test_classes_and_groups_given_are_found(backend: Backend) -> None:
    with OmapiServer(
        groups=[FakeGroup("gold", "default-lease-time 600;")],
        classes=[FakeClass("by-mac", lease_limit=5)],
        subclasses=[FakeSubclass("by-mac", b"\x01\x02")],
        hosts=[FakeHost("member", uid=b"\x01\x02", group="gold")],
    ) as server:
        connection = connect(backend, endpoint(server))
        _, status = open_object(backend, connection, "group", {"name": "gold"})
        assert status == dhcpctl.ISC_R_SUCCESS
        keys: dict[str, Value] = {"name": "by-mac", "hashstring": b"\x01\x02"}
        subclass, status = open_object(backend, connection, "subclass", keys)
        assert status == dhcpctl.ISC_R_SUCCESS
        assert get(backend, subclass, "lease-limit") == (5).to_bytes(4, "big")
        host, status = open_object(
            backend, connection, "host", {"dhcp-client-identifier": b"\x01\x02"}
        )
        assert status == dhcpctl.ISC_R_SUCCESS
        assert get(backend, host, "name") == b"member"
        assert server.hosts[0].group == "gold"
        assert [group.name for group in server.groups] == ["gold"]


@settings(max_examples=300, deadline=None)
@given(
    at=st.integers(0, 10_000),
    byte=st.integers(0, 255),
    tail=st.binary(max_size=40),
    keyed=st.booleans(),
)
def test_codec_takes_any_bytes_from_a_client(at: int, byte: int, tail: bytes, keyed: bool) -> None:
    """A real request with one byte changed and bytes appended: the server side only returns
    events, the last a Closed if the bytes broke the protocol, and never raises; the fake's
    processing of every request that comes out answers it (bytes) or ends the connection."""
    key = WireKey("k", "hmac-md5", b"s")
    client, server = handshake(key if keyed else None, [key] if keyed else [])
    if keyed:
        converse(client, server, client.open_authenticator())
    _, data = client.send(OP_OPEN, 0, ((b"type", b"lease"),), ((b"ip-address", b"\1\2\3\4"),))
    damaged = bytearray(data)
    damaged[at % len(damaged)] = byte
    events = server.feed(bytes(damaged) + tail)
    assert all(isinstance(e, (Request, Answer, Closed)) for e in events)
    assert all(not isinstance(e, Closed) for e in events[:-1])
    store = Store(lambda: 0)
    for event in events:
        if isinstance(event, Request):
            answer = process(store, server, event.message)
            assert answer is None or isinstance(answer, bytes)
    if events and isinstance(events[-1], Closed):
        with pytest.raises(ProtocolError):
            server.feed(b"\0")


def test_a_broken_client_does_not_stop_the_server(backend: Backend) -> None:
    with OmapiServer(key=KEY, leases=[LEASE]) as server:
        with socket.create_connection((server.address, server.port), TIMEOUT) as rogue:
            rogue.sendall(b"\0\0\0\x64\0\0\0\x18" + b"\xff" * 64)  # a good intro, then junk
            rogue.settimeout(TIMEOUT)
            received = b""
            while chunk := rogue.recv(4096):  # the server's intro, then it closes
                received += chunk
            assert len(received) == 8
        assert open_lease(backend, server) == dhcpctl.ISC_R_SUCCESS


@pytest.mark.parametrize("name", ["state", "ends", "flags"])
def test_a_null_lease_number_would_crash_dhcpd(backend: Backend, name: str) -> None:
    """omapi.c dhcp_lease_set_value reads the value with omapi_get_int_value, which
    dereferences it: a null one would crash dhcpd 4.4.3-P1."""
    with OmapiServer(leases=[LEASE]) as server:
        connection = connect(backend, endpoint(server))
        lease, status = open_object(backend, connection, "lease", {"ip-address": ip(str(LEASE.ip))})
        assert status == dhcpctl.ISC_R_SUCCESS
        backend.dhcpctl_set_null_value(lease, name)
        with pytest.warns(DhcpdWouldCrash, match=f"null lease {name}"):
            backend.dhcpctl_object_update(connection, lease)
            status = backend.dhcpctl_timed_wait_for_completion(lease, TIMEOUT)
        assert status == dhcpctl.DHCP_R_INVALIDARG


def test_the_typed_client_against_the_fake(backend_name: str) -> None:
    """dhcpctl.Client on either backend: typed lease reads and updates, host create, put and
    get, the errors dhcpd's statuses become, the state the server then shows."""
    with OmapiServer(key=KEY, leases=[LEASE], hosts=[HOST]) as server:
        with Client(server.address, server.port, key=KEY, backend=backend_name) as omapi:
            lease = omapi.leases.get(mac="00:11:22:33:44:55")
            assert (lease.ip_address, lease.ends) == (LEASE.ip, LEASE.ends)
            assert lease.client_hostname == "alpha"
            omapi.leases.update(ip=str(LEASE.ip), state=LeaseState.RELEASED)
            omapi.hosts.create("web-2", mac="02:00:00:00:00:02", ip="198.18.1.61")
            with pytest.raises(AlreadyExists):
                omapi.hosts.create("web-1", mac="02:00:00:00:00:09")
            omapi.hosts.put("web-1", mac="02:00:00:00:00:01", ip="198.18.1.62")
            assert omapi.hosts.get(name="web-1").ip_address == IPv4Address("198.18.1.62")
            with pytest.raises(NotFound):
                omapi.hosts.get(name="nobody")
        assert server.leases[0].state is LeaseState.RELEASED
        assert {(h.name, str(h.ip)) for h in server.hosts} == {
            ("web-1", "198.18.1.62"),
            ("web-2", "198.18.1.61"),
        }


def test_a_closed_server_starts_again_as_a_restarted_dhcpd(backend_name: str) -> None:
    """close() then start() (or ``with`` twice): the objects kept, the same address and port;
    start() while it listens is refused."""
    server = OmapiServer(key=KEY, hosts=[HOST])
    with server:
        place = (server.address, server.port)
        with Client(*place, key=KEY, backend=backend_name, timeout=5.0) as omapi:
            omapi.hosts.create("web-2", mac="02:00:00:00:00:02")
    with server:
        assert (server.address, server.port) == place
        with pytest.raises(RuntimeError, match="already started"):
            server.start()
        with Client(*place, key=KEY, backend=backend_name, timeout=5.0) as omapi:
            assert omapi.hosts.get(name="web-2").hardware_address == "02:00:00:00:00:02"
            assert omapi.hosts.get(name=HOST.name).name == HOST.name


def test_two_leases_of_one_address_are_refused_by_address() -> None:
    with pytest.raises(ValueError, match=r"^two leases under 198\.18\.1\.150$"):
        OmapiServer(leases=[FakeLease(ip="198.18.1.150"), FakeLease(ip="198.18.1.150")])


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (("198.18.1.9", "198.18.1.1"), "first address is after the last"),
        (("198.18.1.1",), "two addresses"),
        (("198.18.1.1", "nowhere"), "not an IPv4 address"),
    ],
    ids=["reversed", "one", "not-an-address"],
)
def test_a_range_is_two_addresses_in_order(pair: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OmapiServer(ranges=[pair])


def test_range_leases_show_once_named(backend: Backend) -> None:
    """A range's free leases are in ``server.leases`` once a client named them."""
    with OmapiServer(leases=[LEASE], ranges=[("198.18.1.200", "198.18.1.201")]) as server:
        connection = connect(backend, endpoint(server))
        _, status = open_object(backend, connection, "lease", {"ip-address": ip("198.18.1.201")})
        assert status == dhcpctl.ISC_R_SUCCESS
        assert [str(each.ip) for each in server.leases] == [str(LEASE.ip), "198.18.1.201"]
        assert server.leases[1].state is LeaseState.FREE
