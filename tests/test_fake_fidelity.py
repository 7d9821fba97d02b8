"""The fake dhcpd (:mod:`dhcpctl.testing`) against the test bed's dhcpd 4.4.3-P1, side by side:
each test runs with the same assertions on a real dhcpd and on the fake holding the same
objects (``server_kind``: ``"dhcpd"``, then ``"fake"``). Where dhcpd dies, the fake warns
:class:`~dhcpctl.testing.DhcpdWouldCrash` instead, and the test checks each for its own.

What they cover: free addresses of a ``range`` (mdb.c new_address_range), lease state
transitions (mdb.c supersede_lease, make_binding_state_transition, pool_timer), the order of
leases under one MAC (mdb.c hw_hash_add), the hardware type in a host's MAC key (omapip/hash.c
keeps the key by pointer), a failover local-state that is no state (failover.c).
"""

from __future__ import annotations

import pytest
from scenario_helpers import TIMEOUT, connect, open_object, update

import dhcpctl
from dhcpctl import Client, Key, NotFound
from dhcpctl._api import Backend
from dhcpctl.testing import DhcpdWouldCrash, FakeFailoverState, OmapiServer
from testbed.fake import endpoint as fake_endpoint
from testbed.pytest_plugin import ServerFactory, StartServer
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
