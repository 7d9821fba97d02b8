"""Every object type dhcpd 4.4.3 serves over OMAPI, through each backend, against a real server.

What the server supports and refuses is ISC's ``server/omapi.c`` (lease, host, pool, class,
subclass), ``common/comapi.c`` (group, control, subnet, shared-network) and
``server/failover.c`` (failover-state); ``omapip/message.c`` turns a handler's result into the
status a wait returns. Reads are compared with ISC's omshell; state changes run on servers of
the test's own (``dhcpd_factory``) and are checked in the leases file dhcpd writes.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from scenario_helpers import (
    Omshell,
    Value,
    assert_matches_omshell,
    connect,
    data_string,
    dhcpd_wrote,
    get,
    ip,
    mac,
    omshell_open,
    open_object,
    refresh,
    remove,
    uint32,
    update,
)

import dhcpctl
from dhcpctl._api import Backend
from testbed import dataset
from testbed.pytest_plugin import ServerFactory, StartServer
from testbed.server import Endpoint, make_key

CREATE_EXCL = dhcpctl.DHCPCTL_CREATE | dhcpctl.DHCPCTL_EXCL
#: ``binding state free`` and ``active`` (FTS_FREE, FTS_ACTIVE in ISC's includes/dhcpd.h).
STATE_FREE, STATE_ACTIVE = 1, uint32(2)
#: enum failover_state ``normal`` (includes/failover.h).
FAILOVER_NORMAL = uint32(2)
#: ``server_startup`` / ``server_shutdown`` (control_object_state_t in includes/dhcpd.h).
SERVER_STARTUP, SERVER_SHUTDOWN = 0, 2

#: A lease with a client identifier, which the dataset's leases lack.
UID_LEASE_IP = "198.18.254.160"
UID = b"\x01\x52\x54\x00\x00\x00\x60"
UID_LEASE = (
    f"lease {UID_LEASE_IP} {{\n"
    "  starts 4 2026/01/01 00:00:00;\n  ends 2 2036/01/01 00:00:00;\n"
    "  binding state active;\n  hardware ethernet 52:54:00:00:00:60;\n"
    '  uid "\\001RT\\000\\000\\000`";\n}\n'
)


# --- lease -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lease", dataset.LEASES, ids=lambda lease: lease.hostname)
def test_lease_by_ip_address(
    backend: Backend, scenario_server: Endpoint, omshell: Omshell, lease: dataset.Lease
) -> None:
    keys: dict[str, Value] = {"ip-address": data_string(backend, ip(lease.ip))}
    handle, status = open_object(backend, connect(backend, scenario_server), "lease", keys)
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "hardware-address") == mac(lease.mac)
    assert get(backend, handle, "client-hostname") == lease.hostname.encode()
    assert get(backend, handle, "starts") == uint32(lease.starts)
    assert get(backend, handle, "ends") == uint32(lease.ends)
    assert get(backend, handle, "state") == STATE_ACTIVE
    expected = omshell_open(omshell, scenario_server, "lease", [f"ip-address = {lease.ip}"])
    assert_matches_omshell(backend, handle, expected)


def test_lease_by_hardware_address(
    backend: Backend, scenario_server: Endpoint, omshell: Omshell
) -> None:
    lease = dataset.LEASES[2]
    handle, status = open_object(
        backend, connect(backend, scenario_server), "lease", {"hardware-address": mac(lease.mac)}
    )
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "ip-address") == ip(lease.ip)
    assert get(backend, handle, "hardware-type") == uint32(1)
    expected = omshell_open(omshell, scenario_server, "lease", [f"hardware-address = {lease.mac}"])
    assert_matches_omshell(backend, handle, expected)


def test_lease_by_client_identifier(
    backend: Backend, dhcpd_factory: ServerFactory, omshell: Omshell
) -> None:
    server = dhcpd_factory.start(make_key("hmac-md5"), leases=UID_LEASE)
    handle, status = open_object(
        backend, connect(backend, server.endpoint), "lease", {"dhcp-client-identifier": UID}
    )
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "ip-address") == ip(UID_LEASE_IP)
    assert get(backend, handle, "dhcp-client-identifier") == UID
    expected = omshell_open(
        omshell, server.endpoint, "lease", [f"dhcp-client-identifier = {UID.hex(':')}"]
    )
    assert_matches_omshell(backend, handle, expected)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        # omapi.c dhcp_lease_lookup: two keys naming different leases.
        (
            {
                "ip-address": ip(dataset.LEASES[0].ip),
                "hardware-address": mac(dataset.LEASES[1].mac),
            },
            dhcpctl.DHCP_R_KEYCONFLICT,
        ),
        # No key: lookup says DHCP_R_NOKEYS, message.c then tries dhcp_lease_create.
        ({}, dhcpctl.ISC_R_NOTIMPLEMENTED),
        ({"hardware-address": mac("52:54:00:00:00:99")}, dhcpctl.ISC_R_NOTFOUND),
        ({"dhcp-client-identifier": UID}, dhcpctl.ISC_R_NOTFOUND),
    ],
    ids=["key-conflict", "no-key", "unknown-mac", "unknown-uid"],
)
def test_lease_lookup_refused(
    backend: Backend, scenario_server: Endpoint, keys: dict[str, Value], expected: int
) -> None:
    _, status = open_object(backend, connect(backend, scenario_server), "lease", keys)
    assert status == expected


def test_lease_refresh_sees_a_change_made_elsewhere(
    backend: Backend, scenario_factory: StartServer
) -> None:
    endpoint = scenario_factory(make_key("hmac-sha256")).endpoint
    lease = dataset.LEASES[0]
    reader = connect(backend, endpoint)
    watched, status = open_object(backend, reader, "lease", {"ip-address": ip(lease.ip)})
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, watched, "ends") == uint32(lease.ends)

    writer = connect(backend, endpoint)
    changed, status = open_object(backend, writer, "lease", {"ip-address": ip(lease.ip)})
    assert status == dhcpctl.ISC_R_SUCCESS
    assert update(backend, writer, changed, {"ends": lease.ends + 3600}) == dhcpctl.ISC_R_SUCCESS

    assert get(backend, watched, "ends") == uint32(lease.ends)
    assert refresh(backend, reader, watched) == dhcpctl.ISC_R_SUCCESS
    assert get(backend, watched, "ends") == uint32(lease.ends + 3600)
    assert get(backend, watched, "client-hostname") == lease.hostname.encode()


def test_lease_update_ends_is_written(backend: Backend, scenario_factory: StartServer) -> None:
    server = scenario_factory(make_key("hmac-md5"))
    lease = dataset.LEASES[1]
    connection = connect(backend, server.endpoint)
    handle, status = open_object(backend, connection, "lease", {"ip-address": ip(lease.ip)})
    assert status == dhcpctl.ISC_R_SUCCESS
    new_end = int(datetime(2037, 5, 6, 7, 8, 9, tzinfo=timezone.utc).timestamp())
    assert update(backend, connection, handle, {"ends": new_end}) == dhcpctl.ISC_R_SUCCESS
    if (written := dhcpd_wrote(server, "lease", lease.ip)) is not None:
        assert "\n  ends 3 2037/05/06 07:08:09;\n" in written
    reopened, status = open_object(backend, connection, "lease", {"ip-address": ip(lease.ip)})
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, reopened, "ends") == uint32(new_end)


def test_lease_state_change_is_written(backend: Backend, scenario_factory: StartServer) -> None:
    server = scenario_factory(make_key("hmac-md5"))
    lease = dataset.LEASES[2]
    connection = connect(backend, server.endpoint)
    handle, status = open_object(backend, connection, "lease", {"ip-address": ip(lease.ip)})
    assert status == dhcpctl.ISC_R_SUCCESS
    assert update(backend, connection, handle, {"state": STATE_FREE}) == dhcpctl.ISC_R_SUCCESS
    if (written := dhcpd_wrote(server, "lease", lease.ip)) is not None:
        assert "\n  binding state free;\n" in written
    assert refresh(backend, connection, handle) == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "state") == uint32(STATE_FREE)
    # omapi.c dhcp_lease_set_value: the same state again is DHCP_R_UNCHANGED, reported as success.
    assert update(backend, connection, handle, {"state": STATE_FREE}) == dhcpctl.ISC_R_SUCCESS
    # ... and a state beyond FTS_LAST is refused.
    assert update(backend, connection, handle, {"state": 99}) == dhcpctl.DHCP_R_INVALIDARG


def test_lease_flags_change_only_the_ephemeral_ones(
    backend: Backend, scenario_factory: StartServer
) -> None:
    """omapi.c update_lease_flags: a 1-byte or 4-byte value; only EPHEMERAL_FLAGS (0x4e)
    change, the same flags again are "unchanged" (success)."""
    server = scenario_factory(make_key("hmac-md5"))
    connection = connect(backend, server.endpoint)
    lease = dataset.LEASES[0]
    handle, status = open_object(backend, connection, "lease", {"ip-address": ip(lease.ip)})
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "flags") == b"\0"
    assert update(backend, connection, handle, {"flags": b"\xff"}) == dhcpctl.ISC_R_SUCCESS
    assert refresh(backend, connection, handle) == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "flags") == b"\x4e"
    assert update(backend, connection, handle, {"flags": 0x4E}) == dhcpctl.ISC_R_SUCCESS
    status = update(backend, connection, handle, {"flags": b"\0\0"})
    assert status == dhcpctl.DHCP_R_INVALIDARG


def assert_lease_update_keeps_value(
    backend: Backend, endpoint: Endpoint, name: str, value: Value, expected: int
) -> None:
    """Updating ``name`` of the dataset's second lease gives ``expected``, and no change."""
    lease = dataset.LEASES[1]
    connection = connect(backend, endpoint)
    handle, status = open_object(backend, connection, "lease", {"ip-address": ip(lease.ip)})
    assert status == dhcpctl.ISC_R_SUCCESS
    before = get(backend, handle, name)
    assert update(backend, connection, handle, {name: value}) == expected
    assert refresh(backend, connection, handle) == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, name) == before


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        # omapi.c dhcp_lease_set_value refuses these outright.
        ("ip-address", ip("198.18.254.99"), dhcpctl.ISC_R_NOPERM),
        ("starts", 0, dhcpctl.ISC_R_NOPERM),
        ("pool", 1, dhcpctl.ISC_R_NOPERM),
        ("subnet", 1, dhcpctl.DHCP_R_INVALIDARG),
    ],
)
def test_lease_update_refused(
    backend: Backend, scenario_server: Endpoint, name: str, value: Value, expected: int
) -> None:
    assert_lease_update_keeps_value(backend, scenario_server, name, value, expected)


@pytest.mark.parametrize(
    ("name", "value"),
    [("client-hostname", "renamed"), ("hardware-address", mac("52:54:00:00:00:99"))],
)
def test_lease_update_ignored(
    backend: Backend, scenario_factory: StartServer, name: str, value: Value
) -> None:
    """omapi.c dhcp_lease_set_value answers DHCP_R_UNCHANGED ("XXX take change"), which
    omapi_object_update reports as success; it then stores the client's handle in the lease
    (``set remote-handle``), so this runs on a server of its own."""
    server = scenario_factory(make_key("hmac-md5"))
    assert_lease_update_keeps_value(backend, server.endpoint, name, value, dhcpctl.ISC_R_SUCCESS)
    if (written := dhcpd_wrote(server, "lease", dataset.LEASES[1].ip)) is not None:
        assert '\n  client-hostname "bravo";\n' in written
        assert "\n  hardware ethernet 52:54:00:12:34:57;\n" in written


def test_lease_create_and_remove_refused(backend: Backend, scenario_server: Endpoint) -> None:
    lease = dataset.LEASES[0]
    connection = connect(backend, scenario_server)
    # The lease exists, so CREATE or UPDATE sets the key on it, and ip-address is read-only.
    for flags in (dhcpctl.DHCPCTL_CREATE, dhcpctl.DHCPCTL_UPDATE, CREATE_EXCL):
        _, status = open_object(backend, connection, "lease", {"ip-address": ip(lease.ip)}, flags)
        expected = dhcpctl.ISC_R_EXISTS if flags & dhcpctl.DHCPCTL_EXCL else dhcpctl.ISC_R_NOPERM
        assert status == expected
    handle, status = open_object(backend, connection, "lease", {"ip-address": ip(lease.ip)})
    assert status == dhcpctl.ISC_R_SUCCESS
    assert remove(backend, connection, handle) == dhcpctl.ISC_R_NOTIMPLEMENTED


# --- host --------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", dataset.HOSTS, ids=lambda host: host.name)
def test_host_by_name(
    backend: Backend, scenario_server: Endpoint, omshell: Omshell, host: dataset.Host
) -> None:
    handle, status = open_object(
        backend, connect(backend, scenario_server), "host", {"name": host.name}
    )
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "ip-address") == ip(host.ip)
    assert get(backend, handle, "hardware-address") == mac(host.mac)
    assert get(backend, handle, "hardware-type") == uint32(1)
    expected = omshell_open(omshell, scenario_server, "host", [f'name = "{host.name}"'])
    assert_matches_omshell(backend, handle, expected)


def test_host_by_hardware_address(
    backend: Backend, scenario_server: Endpoint, omshell: Omshell
) -> None:
    host = dataset.HOSTS[1]
    keys: dict[str, Value] = {"hardware-address": mac(host.mac), "hardware-type": 1}
    handle, status = open_object(backend, connect(backend, scenario_server), "host", keys)
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "name") == host.name.encode()
    expected = omshell_open(
        omshell, scenario_server, "host", [f"hardware-address = {host.mac}", "hardware-type = 1"]
    )
    assert_matches_omshell(backend, handle, expected)


def test_host_by_ip_address_goes_through_the_lease(
    backend: Backend, scenario_factory: StartServer
) -> None:
    """omapi.c dhcp_host_lookup finds the lease of the address, then the host by its MAC:
    a fixed-address alone is not found, a host with the MAC of the address's lease is."""
    endpoint = scenario_factory(make_key("hmac-md5")).endpoint
    connection = connect(backend, endpoint)
    static = dataset.HOSTS[0]
    _, status = open_object(backend, connection, "host", {"ip-address": ip(static.ip)})
    assert status == dhcpctl.ISC_R_NOTFOUND

    lease = dataset.LEASES[0]
    made: dict[str, Value] = {
        "name": "lease-owner",
        "hardware-address": mac(lease.mac),
        "hardware-type": 1,
    }
    _, status = open_object(backend, connection, "host", made, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_SUCCESS
    found, status = open_object(backend, connection, "host", {"ip-address": ip(lease.ip)})
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, found, "name") == b"lease-owner"


def test_host_create_update_remove(
    backend: Backend, scenario_factory: StartServer, omshell: Omshell
) -> None:
    server = scenario_factory(make_key("hmac-sha1"))
    connection = connect(backend, server.endpoint)
    made: dict[str, Value] = {
        "name": "made",
        "hardware-address": mac("02:00:00:ab:cd:ef"),
        "hardware-type": 1,
    }
    host, status = open_object(backend, connection, "host", made, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, host, "name") == b"made"
    if (written := dhcpd_wrote(server, "host", "made")) is not None:
        assert written == "  dynamic;\n  hardware ethernet 02:00:00:ab:cd:ef;\n"

    _, status = open_object(backend, connection, "host", {"name": "made"}, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_EXISTS

    status = update(backend, connection, host, {"ip-address": ip("198.18.254.77")})
    assert status == dhcpctl.ISC_R_SUCCESS
    if (written := dhcpd_wrote(server, "host", "made")) is not None:
        assert "\n  fixed-address 198.18.254.77;\n" in written
    seen = omshell_open(omshell, server.endpoint, "host", ['name = "made"'])
    assert seen["ip-address"] == ip("198.18.254.77")
    assert seen["hardware-address"] == mac("02:00:00:ab:cd:ef")

    # omapi.c dhcp_host_set_value: a host's name and MAC cannot be replaced, unknown names fail.
    for refused, expected in (
        ({"name": "renamed"}, dhcpctl.ISC_R_EXISTS),
        ({"hardware-address": mac("02:00:00:00:00:01")}, dhcpctl.ISC_R_EXISTS),
        ({"no-such-attribute": 1}, dhcpctl.DHCP_R_UNKNOWNATTRIBUTE),
    ):
        again, status = open_object(backend, connection, "host", {"name": "made"})
        assert status == dhcpctl.ISC_R_SUCCESS
        assert update(backend, connection, again, refused) == expected

    assert remove(backend, connection, host) == dhcpctl.ISC_R_SUCCESS
    if (written := dhcpd_wrote(server, "host", "made")) is not None:
        assert written == "  dynamic;\n  deleted;\n"
    _, status = open_object(backend, connection, "host", {"name": "made"})
    assert status == dhcpctl.ISC_R_NOTFOUND


def test_host_by_client_identifier(backend: Backend, scenario_factory: StartServer) -> None:
    server = scenario_factory(make_key("hmac-md5"))
    connection = connect(backend, server.endpoint)
    uid = mac("ff:00:00:00:01:02")
    made: dict[str, Value] = {"name": "by-uid", "dhcp-client-identifier": uid}
    _, status = open_object(backend, connection, "host", made, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_SUCCESS
    if (written := dhcpd_wrote(server, "host", "by-uid")) is not None:
        assert written == ("  dynamic;\n  uid ff:00:00:00:01:02;\n")
    found, status = open_object(backend, connection, "host", {"dhcp-client-identifier": uid})
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, found, "name") == b"by-uid"
    assert get(backend, found, "dhcp-client-identifier") == uid


def test_update_resends_values_until_refreshed(
    backend: Backend, scenario_factory: StartServer
) -> None:
    """Only an update from the server clears a handle's changed marks (remote.c
    dhcpctl_remote_signal_handler, "updated"); a status reply does not, so the next update
    sends the statements again, which omapi.c dhcp_host_set_value refuses once set."""
    server = scenario_factory(make_key("hmac-md5"))
    connection = connect(backend, server.endpoint)
    made: dict[str, Value] = {
        "name": "resent",
        "hardware-address": mac("02:00:00:00:00:04"),
        "hardware-type": 1,
    }
    host, status = open_object(backend, connection, "host", made, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_SUCCESS
    status = update(backend, connection, host, {"statements": "default-lease-time 300;"})
    assert status == dhcpctl.ISC_R_SUCCESS
    fixed: dict[str, Value] = {"ip-address": ip("198.18.254.50")}
    assert update(backend, connection, host, fixed) == dhcpctl.ISC_R_EXISTS
    assert refresh(backend, connection, host) == dhcpctl.ISC_R_SUCCESS
    assert get(backend, host, "statements") == b"default-lease-time 300;"
    assert update(backend, connection, host, fixed) == dhcpctl.ISC_R_SUCCESS
    if (written := dhcpd_wrote(server, "host", "resent")) is not None:
        assert written == (
            "  dynamic;\n  hardware ethernet 02:00:00:00:00:04;\n  fixed-address 198.18.254.50;\n"
            "        supersede server.default-lease-time = 00:00:01:2c;\n"
        )


def test_host_created_in_a_group(backend: Backend, scenario_factory: StartServer) -> None:
    server = scenario_factory(make_key("hmac-md5"))
    connection = connect(backend, server.endpoint)
    made: dict[str, Value] = {
        "name": "golden",
        "hardware-address": mac("02:00:00:00:00:02"),
        "hardware-type": 1,
        "group": "gold",
    }
    host, status = open_object(backend, connection, "host", made, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, host, "group") == b"gold"
    if (written := dhcpd_wrote(server, "host", "golden")) is not None:
        assert '\n  group "gold";\n' in written
    _, status = open_object(
        backend, connection, "host", {"name": "other", "group": "no-such-group"}, CREATE_EXCL
    )
    assert status == dhcpctl.ISC_R_NOTFOUND


# --- group -------------------------------------------------------------------------------------


def test_group_by_name(backend: Backend, scenario_server: Endpoint, omshell: Omshell) -> None:
    group = dataset.GROUPS[0]
    handle, status = open_object(
        backend, connect(backend, scenario_server), "group", {"name": group.name}
    )
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "name") == group.name.encode()
    expected = omshell_open(omshell, scenario_server, "group", [f'name = "{group.name}"'])
    assert_matches_omshell(backend, handle, expected)


def test_group_create_update_remove(backend: Backend, scenario_factory: StartServer) -> None:
    server = scenario_factory(make_key("hmac-sha512"))
    connection = connect(backend, server.endpoint)
    # comapi.c dhcp_group_signal_handler: a group without statements is not valid.
    _, status = open_object(backend, connection, "group", {"name": "empty"}, CREATE_EXCL)
    assert status == dhcpctl.DHCP_R_INVALIDARG

    made: dict[str, Value] = {"name": "silver", "statements": "default-lease-time 600;"}
    group, status = open_object(backend, connection, "group", made, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_SUCCESS
    # dhcpd writes the statement back as the option it sets: 600 = 0x258.
    if (written := dhcpd_wrote(server, "group", "silver")) is not None:
        assert written == (
            "  dynamic;\n        supersede server.default-lease-time = 00:00:02:58;\n"
        )

    _, status = open_object(backend, connection, "group", {"name": "silver"}, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_EXISTS
    # comapi.c dhcp_group_set_value: statements, once set, are not replaced.
    status = update(backend, connection, group, {"statements": "max-lease-time 900;"})
    assert status == dhcpctl.ISC_R_EXISTS

    member: dict[str, Value] = {
        "name": "silver-host",
        "hardware-address": mac("02:00:00:00:00:03"),
        "group": "silver",
    }
    _, status = open_object(backend, connection, "host", member, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_SUCCESS

    assert remove(backend, connection, group) == dhcpctl.ISC_R_SUCCESS
    if (written := dhcpd_wrote(server, "group", "silver")) is not None:
        assert written == "  dynamic;\n  deleted;\n"
    _, status = open_object(backend, connection, "group", {"name": "silver"})
    assert status == dhcpctl.ISC_R_NOTFOUND


# --- class and subclass ------------------------------------------------------------------------


@pytest.mark.parametrize("klass", dataset.CLASSES, ids=lambda klass: klass.name)
def test_class_by_name(
    backend: Backend, scenario_server: Endpoint, omshell: Omshell, klass: dataset.Class
) -> None:
    handle, status = open_object(
        backend, connect(backend, scenario_server), "class", {"name": klass.name}
    )
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "name") == klass.name.encode()
    assert get(backend, handle, "lease-limit") == uint32(0)
    assert get(backend, handle, "leases-used") == uint32(0)
    expected = omshell_open(omshell, scenario_server, "class", [f'name = "{klass.name}"'])
    assert_matches_omshell(backend, handle, expected)


def test_subclass_by_name_and_hashstring(
    backend: Backend, scenario_server: Endpoint, omshell: Omshell
) -> None:
    klass = dataset.CLASSES[1]
    hashstring = mac(klass.subclasses[0])
    keys: dict[str, Value] = {"name": klass.name, "hashstring": hashstring}
    connection = connect(backend, scenario_server)
    handle, status = open_object(backend, connection, "subclass", keys)
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "hashstring") == hashstring
    expected = omshell_open(
        omshell,
        scenario_server,
        "subclass",
        [f'name = "{klass.name}"', f"hashstring = {hashstring.hex(':')}"],
    )
    assert_matches_omshell(backend, handle, expected)
    # The hashstring is the subclass's raw bytes, not the text of the configuration file.
    keys["hashstring"] = klass.subclasses[0]
    _, status = open_object(backend, connection, "subclass", keys)
    assert status == dhcpctl.ISC_R_NOTFOUND


@pytest.mark.parametrize(
    ("object_type", "keys"),
    [
        ("class", {"name": "no-such-class"}),
        ("subclass", {"name": "no-such-class", "hashstring": b"\x01"}),
        ("subclass", {"name": "by-mac", "hashstring": b"\x01\x02\x03"}),
    ],
    ids=["class", "subclass-of-unknown-class", "unknown-hashstring"],
)
def test_class_not_found(
    backend: Backend, scenario_server: Endpoint, object_type: str, keys: dict[str, Value]
) -> None:
    _, status = open_object(backend, connect(backend, scenario_server), object_type, keys)
    assert status == dhcpctl.ISC_R_NOTFOUND


def test_class_and_subclass_create_remove(backend: Backend, scenario_factory: StartServer) -> None:
    server = scenario_factory(make_key("hmac-sha224"))
    connection = connect(backend, server.endpoint)
    klass, status = open_object(backend, connection, "class", {"name": "made-class"}, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_SUCCESS
    if (written := dhcpd_wrote(server, "class", '"made-class"')) is not None:
        assert written == "  dynamic;\n"
    _, status = open_object(backend, connection, "class", {"name": "made-class"}, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_EXISTS

    keys: dict[str, Value] = {"name": "by-mac", "hashstring": mac("01:52:54:00:12:34:59")}
    subclass, status = open_object(backend, connection, "subclass", keys, CREATE_EXCL)
    assert status == dhcpctl.ISC_R_SUCCESS
    if (written := dhcpd_wrote(server, "subclass", '"by-mac" 01:52:54:00:12:34:59')) is not None:
        assert written == "  dynamic;\n"
    _, status = open_object(backend, connection, "subclass", keys)
    assert status == dhcpctl.ISC_R_SUCCESS

    assert remove(backend, connection, subclass) == dhcpctl.ISC_R_SUCCESS
    _, status = open_object(backend, connection, "subclass", keys)
    assert status == dhcpctl.ISC_R_NOTFOUND
    assert remove(backend, connection, klass) == dhcpctl.ISC_R_SUCCESS
    _, status = open_object(backend, connection, "class", {"name": "made-class"})
    assert status == dhcpctl.ISC_R_NOTFOUND


# --- pool, subnet, shared-network: registered, but with no lookup and no create ---------------


@pytest.mark.parametrize("object_type", ["pool", "subnet", "shared-network"])
@pytest.mark.parametrize("flags", [0, dhcpctl.DHCPCTL_CREATE], ids=["open", "create"])
def test_unsearchable_types_refused(
    backend: Backend, scenario_server: Endpoint, object_type: str, flags: int
) -> None:
    """Their lookups always say DHCP_R_NOKEYS; message.c then calls the type's create, which is
    ISC_R_NOTIMPLEMENTED (omapi.c dhcp_pool_create, comapi.c dhcp_subnet_create and
    dhcp_shared_network_create)."""
    _, status = open_object(backend, connect(backend, scenario_server), object_type, {}, flags)
    assert status == dhcpctl.ISC_R_NOTIMPLEMENTED


def test_unknown_object_type(backend: Backend, scenario_server: Endpoint) -> None:
    """message.c: no such type, so the object is looked up by handle (0 here): not found."""
    _, status = open_object(backend, connect(backend, scenario_server), "no-such-type", {})
    assert status == dhcpctl.ISC_R_NOTFOUND


# --- failover-state ----------------------------------------------------------------------------


def test_failover_state(backend: Backend, dhcpd_factory: ServerFactory, omshell: Omshell) -> None:
    primary, secondary = dhcpd_factory.failover_pair(make_key("hmac-sha256"))
    connection = connect(backend, primary.endpoint)
    state, status = open_object(backend, connection, "failover-state", {"name": "pair"})
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, state, "name") == b"pair"
    assert get(backend, state, "mclt") == uint32(60)
    deadline = time.monotonic() + 30
    while (get(backend, state, "local-state"), get(backend, state, "partner-state")) != (
        FAILOVER_NORMAL,
        FAILOVER_NORMAL,
    ):
        assert time.monotonic() < deadline, primary.log_tail()
        time.sleep(0.5)
        assert refresh(backend, connection, state) == dhcpctl.ISC_R_SUCCESS
    expected = omshell_open(omshell, primary.endpoint, "failover-state", ['name = "pair"'])
    assert expected["local-state"] == expected["partner-state"] == FAILOVER_NORMAL
    for name in ("name", "mclt", "local-state", "partner-state", "local-address"):
        assert get(backend, state, name) == expected[name]
    # failover.c: failover states are neither created nor removed over OMAPI.
    assert remove(backend, connection, state) == dhcpctl.ISC_R_NOTIMPLEMENTED
    _, status = open_object(backend, connection, "failover-state", {"name": "other"})
    assert status == dhcpctl.ISC_R_NOTFOUND
    assert secondary.running


def test_failover_state_on_a_server_without_failover(
    backend: Backend, scenario_server: Endpoint
) -> None:
    _, status = open_object(
        backend, connect(backend, scenario_server), "failover-state", {"name": "pair"}
    )
    assert status == dhcpctl.ISC_R_NOTFOUND


# --- control -----------------------------------------------------------------------------------


def test_control_open(backend: Backend, scenario_server: Endpoint, omshell: Omshell) -> None:
    connection = connect(backend, scenario_server)
    control, status = open_object(backend, connection, "control", {})
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, control, "state") == uint32(SERVER_STARTUP)
    assert_matches_omshell(backend, control, omshell_open(omshell, scenario_server, "control", []))
    # comapi.c: the one control object cannot be removed, and only "shutdown" is a state.
    assert remove(backend, connection, control) == dhcpctl.ISC_R_NOPERM
    status = update(backend, connection, control, {"state": SERVER_STARTUP})
    assert status == dhcpctl.DHCP_R_INVALIDARG


def test_control_shutdown(backend: Backend, dhcpd_factory: ServerFactory) -> None:
    """dhcpd.c dhcp_set_control_state: the server stops listening, drops OMAPI connections after
    its countdown (~12 s) without replying, then exits. omshell's ``update`` prints the same:
    "can't update object: connection reset by peer"."""
    server = dhcpd_factory.start(make_key("hmac-md5"))
    connection = connect(backend, server.endpoint)
    control, status = open_object(backend, connection, "control", {})
    assert status == dhcpctl.ISC_R_SUCCESS
    backend.dhcpctl_set_int_value(control, SERVER_SHUTDOWN, "state")
    backend.dhcpctl_object_update(connection, control)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(control, 30.0)
    assert info.value.status == dhcpctl.DHCP_R_CONNRESET
    deadline = time.monotonic() + 10
    while server.running:
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.1)
