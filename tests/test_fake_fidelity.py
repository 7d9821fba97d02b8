"""The fake dhcpd (:mod:`dhcpctl.testing`) against the test bed's dhcpd 4.4.3-P1, side by side:
each test runs with the same assertions on a real dhcpd and on the fake holding the same
objects (``server_kind``: ``"dhcpd"``, then ``"fake"``). Where dhcpd dies, the fake warns
:class:`~dhcpctl.testing.DhcpdWouldCrash` instead, and the test checks each for its own.

What they cover: free addresses of a ``range`` (mdb.c new_address_range), lease state
transitions by a new state, ``ends`` or flags (mdb.c supersede_lease,
make_binding_state_transition, pool_timer), the order of leases under one MAC (mdb.c
hw_hash_add), hardware addresses up to 20 octets (dhcpd.h HARDWARE_ADDR_LEN), the hardware
type in a host's MAC key (omapip/hash.c keeps the key by pointer), a failover local-state
that is no state (failover.c).
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import pytest
from scenario_helpers import TIMEOUT, connect, ip, open_object, update

import dhcpctl
from dhcpctl import (
    Client,
    Key,
    KeyConflict,
    LeaseState,
    MultipleMatches,
    NotFound,
    StateNotKept,
)
from dhcpctl._api import Backend
from dhcpctl.testing import DhcpdWouldCrash, FakeFailoverState, FakeLease, OmapiServer
from testbed import dataset
from testbed.fake import dataset_server
from testbed.fake import endpoint as fake_endpoint
from testbed.pytest_plugin import ServerFactory, StartedFake, StartServer
from testbed.server import Endpoint, OmapiKey, make_key

#: failover.c's states stop at conflict_done (11) and recover_wait (254): 99 is none.
NO_FAILOVER_STATE = 99


@pytest.fixture(params=["dhcpd", "fake"])
def server_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


def typed_key(key: OmapiKey | None) -> Key | None:
    return None if key is None else Key(key.name, key.algorithm, key.secret)


def client_for(endpoint: Endpoint) -> Client:
    return Client(endpoint.address, endpoint.port, key=typed_key(endpoint.key), backend="python")


def test_a_failover_local_state_that_is_no_state(
    backend: Backend, server_kind: str, request: pytest.FixtureRequest
) -> None:
    """failover.c dhcp_failover_set_service_state: log_fatal("Impossible case") for a state
    outside enum failover_state: dhcpd exits with status 1; the fake answers
    DHCP_R_INVALIDARG and warns DhcpdWouldCrash."""
    key = make_key("hmac-md5")
    if server_kind == "dhcpd":
        factory: ServerFactory = request.getfixturevalue("dhcpd_factory")
        primary, _ = factory.failover_pair(key)
        endpoint = primary.endpoint
    else:
        fake = OmapiServer(key=typed_key(key), failover=[FakeFailoverState("pair", mclt=60)])
        fake.start()
        request.addfinalizer(fake.close)
        endpoint = fake_endpoint(fake, key)
    connection = connect(backend, endpoint)
    state, status = open_object(backend, connection, "failover-state", {"name": "pair"})
    assert status == dhcpctl.ISC_R_SUCCESS
    if server_kind == "dhcpd":
        with pytest.raises(dhcpctl.DhcpctlError):
            update(backend, connection, state, {"local-state": NO_FAILOVER_STATE})
        assert primary.wait(TIMEOUT) == 1
        assert "I move from" in primary.log_tail(50)
    else:
        with pytest.warns(DhcpdWouldCrash, match="failover local-state 99"):
            status = update(backend, connection, state, {"local-state": NO_FAILOVER_STATE})
        assert status == dhcpctl.DHCP_R_INVALIDARG


def test_a_host_whose_hardware_type_changed_is_not_found_under_the_old_one(
    scenario_factory: StartServer,
) -> None:
    """omapip/hash.c add_hash keeps the key by pointer (the host's ``interface.hbuf``, type
    byte first): once the type is 6, a lookup by MAC with type 1 (what the client sends)
    compares with the changed buffer and finds nothing."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    mac = "02:00:00:00:00:01"
    with client_for(endpoint) as omapi:
        omapi.hosts.create("h1", mac=mac)
        assert omapi.hosts.update(name="h1", hardware_type=6).hardware_type == 6
        with pytest.raises(NotFound):
            omapi.hosts.update(mac=mac, ip="198.18.254.65")
        assert omapi.hosts.get(name="h1").hardware_type == 6


#: includes/dhcpd.h HARDWARE_ADDR_LEN: an InfiniBand port's 20 octets (hardware type 32).
INFINIBAND = bytes(range(1, 21))


def test_a_host_keeps_a_hardware_address_of_20_octets(
    backend: Backend, scenario_factory: StartServer
) -> None:
    """server/omapi.c dhcp_host_set_value takes up to ``sizeof interface.hbuf - 1``
    (HARDWARE_ADDR_LEN, 20) octets and answers DHCP_R_INVALIDARG past them; the host is found
    again by its MAC and type."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    mac = INFINIBAND.hex(":")
    with client_for(endpoint) as omapi:
        made = omapi.hosts.create("ib-1", mac=mac, hardware_type=32)
        assert (made.hardware_address, made.hardware_type) == (mac, 32)
        assert omapi.hosts.get(mac=mac, hardware_type=32) == made
        assert omapi.hosts.get(name="ib-1") == made
    connection = connect(backend, endpoint)
    for octets, expected in (
        (INFINIBAND[:17], dhcpctl.ISC_R_SUCCESS),
        (INFINIBAND + b"\x15", dhcpctl.DHCP_R_INVALIDARG),
    ):
        keys: dict[str, str | bytes | int] = {
            "name": f"ib-{len(octets)}",
            "hardware-address": octets,
            "hardware-type": 32,
        }
        _, status = open_object(backend, connection, "host", keys, dhcpctl.DHCPCTL_CREATE)
        assert status == expected, len(octets)


def test_a_lease_names_no_host_that_shares_its_mac(
    backend_name: str, scenario_factory: StartServer
) -> None:
    """omapi.c dhcp_lease_stuff_values sends ``host`` only for the lease's lease->host, which
    only DHCP sets (dhcp.c ack_lease); a lookup of a host by the lease's address finds it by the
    lease's MAC all the same (dhcp_host_lookup)."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    lease = dataset.LEASES[0]
    key = typed_key(endpoint.key)
    with Client(endpoint.address, endpoint.port, key=key, backend=backend_name) as omapi:
        omapi.hosts.create("same-mac", mac=lease.mac)
        found = omapi.leases.get(ip=lease.ip)
        assert (found.host, "host" in found.raw) == (None, False)
        assert omapi.hosts.get(ip=lease.ip).name == "same-mac"


def test_an_update_of_a_class_that_exists_is_refused_as_existing(
    backend: Backend, scenario_factory: StartServer
) -> None:
    """omapi.c class_signal_handler "updated" enters the class again (mdb.c enter_class),
    which finds it, itself: ISC_R_EXISTS, for a class of dhcpd.conf and for one created over
    OMAPI; a subclass, which has no name of its own, is updated."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    connection = connect(backend, endpoint)
    made, status = open_object(
        backend, connection, "class", {"name": "made-here"}, dhcpctl.DHCPCTL_CREATE
    )
    assert status == dhcpctl.ISC_R_SUCCESS
    declared, status = open_object(backend, connection, "class", {"name": "by-mac"})
    assert status == dhcpctl.ISC_R_SUCCESS
    for handle in (made, declared):
        assert update(backend, connection, handle, {"group": "gold"}) == dhcpctl.ISC_R_EXISTS
    subclass, status = open_object(
        backend,
        connection,
        "subclass",
        {"name": "by-mac", "hashstring": bytes.fromhex("01525400123458")},
    )
    assert status == dhcpctl.ISC_R_SUCCESS
    assert update(backend, connection, subclass, {"group": "gold"}) == dhcpctl.ISC_R_SUCCESS


def test_a_lease_variable_set_over_omapi_comes_back_as_four_bytes_not_its_value(
    backend: Backend, scenario_factory: StartServer
) -> None:
    """omapi.c binding_scope_set_value gives a value from the wire (always data) no binding
    type: it stays binding_boolean, and binding_scope_stuff_values sends 4 bytes of the
    binding's memory (the fake: 4 zero bytes), newest variable first (each new one goes to the
    head of the scope's list). A null value unsets a variable (its binding stays, without a
    value, and is not sent) and is refused for a name never set (DHCP_R_UNKNOWNATTRIBUTE);
    unsetting it again kills dhcpd, where the fake warns DhcpdWouldCrash. Each update on a
    lease handle of its own (a handle sends its earlier values again)."""
    started = scenario_factory(make_key("hmac-md5"))
    connection = connect(backend, started.endpoint)
    lease_ip = dataset.LEASES[0].ip

    def update_lease(values: dict[str, str | int | None]) -> int:
        lease, status = open_object(backend, connection, "lease", {"ip-address": ip(lease_ip)})
        assert status == dhcpctl.ISC_R_SUCCESS
        return update(backend, connection, lease, values)

    def variables() -> dict[str, bytes]:
        with client_for(started.endpoint) as omapi:
            raw = omapi.leases.get(ip=lease_ip).raw
        return {name: raw[name] for name in raw if name in ("first", "second")}

    assert update_lease({"first": "bar", "second": 7}) == dhcpctl.ISC_R_SUCCESS
    shown = variables()
    assert list(shown) == ["second", "first"]
    assert [len(value) for value in shown.values()] == [4, 4]
    assert shown["first"] != b"bar\0"
    assert update_lease({"never-set": None}) == dhcpctl.DHCP_R_UNKNOWNATTRIBUTE
    assert update_lease({"first": None}) == dhcpctl.ISC_R_SUCCESS
    assert list(variables()) == ["second"]
    assert update_lease({"first": "again"}) == dhcpctl.ISC_R_SUCCESS
    assert update_lease({"first": None}) == dhcpctl.ISC_R_SUCCESS
    if isinstance(started, StartedFake):
        with pytest.warns(DhcpdWouldCrash, match="'first' unset twice"):
            assert update_lease({"first": None}) == dhcpctl.DHCP_R_INVALIDARG
    else:
        with pytest.raises(dhcpctl.DhcpctlError):  # dhcpd died: the connection is reset
            update_lease({"first": None})


def utc(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, tzinfo=timezone.utc)


def test_leaving_the_active_state_clears_the_client_hostname(
    scenario_factory: StartServer,
) -> None:
    """mdb.c make_binding_state_transition: an active lease that expires (to free,
    abandoned) or is released loses its client hostname, and its ``ends`` becomes ``tstp``."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    with client_for(endpoint) as omapi:
        for lease, state in zip(
            dataset.LEASES,
            (LeaseState.FREE, LeaseState.ABANDONED, LeaseState.RELEASED),
            strict=True,
        ):
            assert omapi.leases.get(ip=lease.ip).client_hostname == lease.hostname
            changed = omapi.leases.update(ip=lease.ip, state=state)
            assert (changed.state, changed.client_hostname) == (state, None)
            assert changed.tstp == changed.ends
        again = omapi.leases.update(mac=dataset.LEASES[0].mac, state=LeaseState.ACTIVE)
        assert (again.state, again.client_hostname) == (LeaseState.ACTIVE, None)


def test_an_ends_in_the_past_frees_the_lease(scenario_factory: StartServer) -> None:
    """mdb.c supersede_lease: a lease whose ``ends`` (its sort time) is past and that has a
    next state runs pool_timer at once; an active lease expires to free. Made active again
    with that ``ends``, it expires again at once: the client raises StateNotKept with the
    lease as dhcpd holds it."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    ip = dataset.LEASES[2].ip
    with client_for(endpoint) as omapi:
        expired = omapi.leases.update(ip=ip, ends=utc(2001))
        assert (expired.state, expired.ends, expired.tstp) == (
            LeaseState.FREE,
            utc(2001),
            utc(2001),
        )
        assert expired.client_hostname is None
        with pytest.raises(StateNotKept, match="dhcpd holds it free") as raised:
            omapi.leases.update(ip=ip, state=LeaseState.ACTIVE)
        again = raised.value.lease
        assert again is not None and (again.state, again.ends) == (LeaseState.FREE, utc(2001))
        assert omapi.leases.get(ip=ip) == again


def test_a_new_ends_moves_the_lease_on_to_its_next_state(scenario_factory: StartServer) -> None:
    """As tests/test_client_dhcpd.py::test_a_new_ends_with_the_state_keeps_the_state, on both:
    the first new ``ends`` of a lease loaded active leaves it active, the second frees it
    (mdb.c make_binding_state_transition); given with the new ``ends``, the state asked for
    stays (the client sends it after)."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    ip = dataset.LEASES[1].ip
    with client_for(endpoint) as omapi:
        ends = [utc(year) for year in (2031, 2032, 2033)]
        assert omapi.leases.update(ip=ip, ends=ends[0]).state == LeaseState.ACTIVE
        freed = omapi.leases.update(ip=ip, ends=ends[1])
        assert (freed.state, freed.client_hostname, freed.tstp) == (LeaseState.FREE, None, ends[1])
        omapi.leases.update(ip=ip, state=LeaseState.ACTIVE)
        kept = omapi.leases.update(ip=ip, ends=ends[2], state=LeaseState.ACTIVE)
        assert (kept.state, kept.ends) == (LeaseState.ACTIVE, ends[2])
        assert omapi.leases.get(ip=ip) == kept


def test_a_free_address_of_the_range_is_a_free_lease(scenario_factory: StartServer) -> None:
    """mdb.c new_address_range: every address of ``range`` has a lease, free, ``starts``
    and ``ends`` MIN_TIME (1970), in the subnet and pool; made active, it expires at once
    (its ``ends`` is past: supersede_lease runs pool_timer), and the client says so
    (StateNotKept); with a later ``ends`` it stays active."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    with client_for(endpoint) as omapi:
        free = omapi.leases.get(ip="198.18.254.120")
        assert (free.state, free.ends, free.hardware_address) == (LeaseState.FREE, utc(1970), None)
        assert free.subnet is not None and free.pool is not None
        with pytest.raises(StateNotKept) as raised:
            omapi.leases.update(ip="198.18.254.121", state=LeaseState.ACTIVE)
        activated = raised.value.lease
        assert activated is not None
        assert (activated.state, activated.ends) == (LeaseState.FREE, utc(1970))
        assert str(raised.value).startswith("leases.update: ")
        assert "asked active, dhcpd holds it free" in str(raised.value)
        later = omapi.leases.update(ip="198.18.254.121", ends=utc(2031), state=LeaseState.ACTIVE)
        assert (later.state, later.ends) == (LeaseState.ACTIVE, utc(2031))  # as the error says
        with pytest.raises(NotFound):
            omapi.leases.get(ip="198.18.254.200")  # past the range's last address


def test_a_state_given_with_flags_is_the_state_that_stays(scenario_factory: StartServer) -> None:
    """server/omapi.c update_lease_flags calls mdb.c supersede_lease with a copy of the lease,
    next binding state included: a flags change moves the lease on to its next state (free,
    for a lease dhcpd made active), and a state in the same message, set first or unchanged,
    is lost. The client sends the flags, looks the lease up again, then the state alone."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    ip = dataset.LEASES[2].ip
    with client_for(endpoint) as omapi:
        for flags, state in (
            (4, LeaseState.ACTIVE),
            (0, LeaseState.ACTIVE),
            (4, LeaseState.ACTIVE),
            (2, LeaseState.ACTIVE),
            (0, LeaseState.RELEASED),
            (4, LeaseState.ACTIVE),
        ):
            changed = omapi.leases.update(ip=ip, flags=flags, state=state)
            assert (changed.state, changed.flags) == (state, flags), (flags, state)
            assert omapi.leases.get(ip=ip) == changed


def test_a_flags_change_moves_the_lease_on_to_its_next_state(
    scenario_factory: StartServer,
) -> None:
    """As at a new ``ends``: a lease loaded active stays active at its first flags change (its
    next state was active), and is freed at the second (update_lease_flags: supersede_lease,
    make_binding_state_transition); the flags with the state keep the state."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    ip = dataset.LEASES[0].ip
    with client_for(endpoint) as omapi:
        assert omapi.leases.update(ip=ip, flags=4).state == LeaseState.ACTIVE
        freed = omapi.leases.update(ip=ip, flags=0)
        assert (freed.state, freed.flags, freed.client_hostname) == (LeaseState.FREE, 0, None)
        kept = omapi.leases.update(ip=ip, flags=4, state=LeaseState.ACTIVE)
        assert (kept.state, kept.flags) == (LeaseState.ACTIVE, 4)


#: Two pairs of leases sharing a MAC, as a leases file and as fake leases: the first pair
#: alike (the lease hashed later heads the chain), the second with the earlier address
#: ending later (it heads the chain: mdb.c client_lease_preferred).
SHARED = (
    ("198.18.254.100", "02:00:00:00:00:aa", "3 2036/01/02 00:00:00"),
    ("198.18.254.101", "02:00:00:00:00:aa", "3 2036/01/02 00:00:00"),
    ("198.18.254.102", "02:00:00:00:00:bb", "4 2036/01/03 00:00:00"),
    ("198.18.254.103", "02:00:00:00:00:bb", "3 2036/01/02 00:00:00"),
)


def shared_mac_server(kind: str, request: pytest.FixtureRequest) -> Endpoint:
    key = make_key("hmac-md5")
    if kind == "dhcpd":
        text = "".join(
            f"lease {address} {{\n  starts 4 2026/01/01 00:00:00;\n  ends {ends};\n"
            f"  binding state active;\n  hardware ethernet {mac};\n}}\n"
            for address, mac, ends in SHARED
        )
        factory: ServerFactory = request.getfixturevalue("dhcpd_factory")
        return factory.start(key, leases=text).endpoint
    leases = tuple(
        FakeLease(
            address,
            mac=mac,
            starts=utc(2026),
            ends=datetime.strptime(ends[2:], "%Y/%m/%d %H:%M:%S").replace(tzinfo=timezone.utc),
        )
        for address, mac, ends in SHARED
    )
    fake = dataset_server(key, extra_leases=leases).start()
    request.addfinalizer(fake.close)
    return fake_endpoint(fake, key)


def test_beside_an_address_a_shared_mac_is_a_conflict_or_multiple_matches(
    server_kind: str, request: pytest.FixtureRequest
) -> None:
    """omapi.c dhcp_lease_lookup: ip= finds its lease; a MAC key then finds the head of the
    MAC's chain (mdb.c hw_hash_add, in lease_ip_hash_foreach order): another lease is
    DHCP_R_KEYCONFLICT, the head itself with more behind it DHCP_R_MULTIPLE."""
    endpoint = shared_mac_server(server_kind, request)
    heads = {"02:00:00:00:00:aa": "198.18.254.101", "02:00:00:00:00:bb": "198.18.254.102"}
    with client_for(endpoint) as omapi:
        for address, mac, _ in SHARED:
            expected = MultipleMatches if heads[mac] == address else KeyConflict
            with pytest.raises(expected):
                omapi.leases.get(ip=address, mac=mac)
            with pytest.raises(MultipleMatches):
                omapi.leases.get(mac=mac)


@pytest.mark.parametrize(
    ("object_type", "values", "prefix"),
    [
        ("host", {"hardware-address": b"\x02\x00\x00\x00\x00\x42", "hardware-type": 1}, "nh"),
        ("group", {"statements": "default-lease-time 600;"}, "ng"),
    ],
    ids=["host", "group"],
)
def test_an_unnamed_object_is_named_as_dhcpd_names_it(
    backend: Backend,
    scenario_factory: StartServer,
    object_type: str,
    values: dict[str, bytes | int | str],
    prefix: str,
) -> None:
    """omapi.c dhcp_host_signal_handler, comapi.c dhcp_group_signal_handler: a host or group
    created without a name is named ``nh``/``ng`` + ``%08lx`` of cur_time + ``%08lx`` of its
    address (a 64-bit pointer: 12 hex digits), 20 hex digits in all."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    connection = connect(backend, endpoint)
    before = int(time.time())
    handle, status = open_object(
        backend, connection, object_type, values, dhcpctl.DHCPCTL_CREATE | dhcpctl.DHCPCTL_EXCL
    )
    after = int(time.time())
    assert status == dhcpctl.ISC_R_SUCCESS
    name = bytes(backend.dhcpctl_get_value(handle, "name")).decode()
    assert re.fullmatch(prefix + "[0-9a-f]{20}", name), name
    assert before <= int(name[2:10], 16) <= after
