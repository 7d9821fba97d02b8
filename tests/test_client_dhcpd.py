"""``dhcpctl.Client`` against real ISC dhcpd 4.4.3-P1, on both backends: every operation, every
object type, every error class, typed values compared with omshell's output, reconnects,
shutdown, logging and threads.

The read-only tests use one dataset server of this module (keyed with hmac-sha256); tests that
change dataset objects, restart or stop a server get their own (``dhcpd_factory``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from ipaddress import IPv4Address
from typing import Any

import pytest

import dhcpctl
from dhcpctl import (
    AlreadyExists,
    AuthenticationFailed,
    Client,
    ConnectionLost,
    InvalidValue,
    Key,
    KeyConflict,
    LeaseState,
    MultipleMatches,
    NotFound,
    PermissionDenied,
    StateNotKept,
    Timeout,
)
from dhcpctl._model import SCHEMAS, Schema
from testbed import dataset
from testbed.omshell import OmshellRun, OmshellValue
from testbed.pytest_plugin import ServerFactory, require_local_servers
from testbed.server import DhcpdServer, Endpoint, make_key

Omshell = Callable[[Endpoint, Sequence[str]], OmshellRun]

# Every test here starts servers of its own in the test bed's namespaces (the module's server or
# dhcpd_factory's), so none runs against an external DHCPCTL_TEST_SERVER (-m "not netns").
pytestmark = [pytest.mark.server, pytest.mark.netns]


@pytest.fixture(scope="module")
def server() -> Iterator[DhcpdServer]:
    require_local_servers()
    with DhcpdServer(make_key("hmac-sha256"), with_dataset=True) as started:
        yield started


def key_of(endpoint: Endpoint) -> Key | None:
    if endpoint.key is None:
        return None
    return Key(endpoint.key.name, endpoint.key.algorithm, endpoint.key.secret)


def client_for(endpoint: Endpoint, backend: str, **options: object) -> Client:
    return Client(endpoint.address, endpoint.port, key=key_of(endpoint), backend=backend, **options)  # type: ignore[arg-type]


def assert_typed_matches_omshell(
    schema: Schema[Any],
    typed: object,
    values: dict[str, OmshellValue],
    changing: frozenset[str] = frozenset(),
) -> None:
    """Every attribute omshell printed, decoded by the type's table, is the typed field; and
    the typed object's ``raw`` holds exactly the bytes omshell printed (but for ``changing``
    attributes, which moved between the two lookups)."""
    raw = typed.raw  # type: ignore[attr-defined]
    compared = 0
    for name, value in values.items():
        attribute = schema.by_isc_name(name)
        if attribute is None or not attribute.sent or name in changing:
            continue
        assert isinstance(value, bytes), name
        assert raw[name] == value, name
        assert getattr(typed, attribute.field) == attribute.codec.decode(value), name
        compared += 1
    assert compared >= 2
    assert set(raw) <= set(values)


# -- leases -------------------------------------------------------------------------------------


def test_lease_lookup_is_typed_and_matches_omshell(
    server: DhcpdServer, backend_name: str, omshell: Omshell
) -> None:
    expected = dataset.LEASES[2]
    with client_for(server.endpoint, backend_name) as omapi:
        lease = omapi.leases.get(ip=expected.ip)
        assert omapi.leases.get(mac=expected.mac.upper().replace(":", "-")) == lease
    assert lease.ip_address == IPv4Address(expected.ip)
    assert lease.hardware_address == expected.mac
    assert lease.hardware_type == 1
    assert lease.state is LeaseState.ACTIVE
    assert lease.client_hostname == expected.hostname
    assert lease.starts == datetime.fromtimestamp(expected.starts, timezone.utc)
    assert lease.ends == datetime.fromtimestamp(expected.ends, timezone.utc)
    assert lease.ends is not None and lease.ends.tzinfo is not None
    step = omshell(server.endpoint, ["new lease", f"set ip-address = {expected.ip}", "open"]).last
    assert_typed_matches_omshell(SCHEMAS["lease"], lease, step.values)


def test_lease_update_state_and_ends(dhcpd_factory: ServerFactory, backend_name: str) -> None:
    server = dhcpd_factory.start(make_key("hmac-md5"))
    ip = dataset.LEASES[1].ip
    ends = datetime(2035, 6, 1, 12, 0, tzinfo=timezone.utc)
    with client_for(server.endpoint, backend_name) as omapi:
        updated = omapi.leases.update(ip=ip, ends=ends)
        assert updated.ends == ends and updated.ip_address == IPv4Address(ip)
        later = datetime(2035, 7, 1, tzinfo=timezone.utc)
        released = omapi.leases.update(ip=ip, state=LeaseState.RELEASED, ends=later)
        # The state asked for stays (sent after the ends, which alone would have moved the
        # lease on to its next binding state: see the next test).
        assert (released.state, released.ends) == (LeaseState.RELEASED, later)
        assert omapi.leases.get(ip=ip) == released


def test_a_new_ends_with_the_state_keeps_the_state(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    """dhcpd 4.4.3-P1 moves a lease whose ``ends`` changes to its next binding state, and an
    active lease's next state is free: the first new ``ends`` of a lease loaded as active
    leaves it active (its next state was active) and the second frees it. Given with the new
    ``ends``, the state asked for is the one that stays (the client sends it after)."""
    server = dhcpd_factory.start(make_key("hmac-md5"))
    ip = dataset.LEASES[1].ip
    with client_for(server.endpoint, backend_name) as omapi:
        ends = [datetime(year, 1, 1, tzinfo=timezone.utc) for year in (2031, 2032, 2033)]
        assert omapi.leases.update(ip=ip, ends=ends[0]).state == LeaseState.ACTIVE
        assert omapi.leases.update(ip=ip, ends=ends[1]).state == LeaseState.FREE  # dhcpd's
        omapi.leases.update(ip=ip, state=LeaseState.ACTIVE)
        kept = omapi.leases.update(ip=ip, ends=ends[2], state=LeaseState.ACTIVE)
        assert (kept.state, kept.ends) == (LeaseState.ACTIVE, ends[2])
        assert omapi.leases.get(ip=ip) == kept


def test_a_state_given_with_flags_stays_or_is_said_not_to(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    """dhcpd 4.4.3-P1 moves a lease whose flags change to its next binding state
    (server/omapi.c update_lease_flags: mdb.c supersede_lease with a copy of the lease) and
    loses a state sent in the same message; the client sends the state after, alone, so it
    stays. A lease whose ``ends`` is past cannot stay active (supersede_lease runs pool_timer
    at once): StateNotKept, with the lease as dhcpd holds it, and the flags changed."""
    server = dhcpd_factory.start(make_key("hmac-md5"))
    ip = dataset.LEASES[2].ip
    with client_for(server.endpoint, backend_name) as omapi:
        for flags in (4, 0, 4, 2):
            changed = omapi.leases.update(ip=ip, flags=flags, state=LeaseState.ACTIVE)
            assert (changed.state, changed.flags) == (LeaseState.ACTIVE, flags)
            assert omapi.leases.get(ip=ip) == changed
        with pytest.raises(StateNotKept) as raised:
            omapi.leases.update(ip="198.18.254.122", flags=4, state=LeaseState.ACTIVE)
    error = raised.value
    assert error.lease is not None and error.lease.state == LeaseState.FREE
    assert error.lease.flags == 4 and error.asked == LeaseState.ACTIVE
    assert str(error) == (
        "leases.update: failure (isc_result_t 25): open lease (ip-address=198.18.254.122); "
        "asked active, dhcpd holds it "
        "free: its ends (1970-01-01 00:00:00+00:00) is past, and dhcpd moves such a lease on to "
        "its next state at once (server/mdb.c supersede_lease, pool_timer): give a later ends "
        "with the state"
    )


def test_lease_ends_never_reads_none_and_writes_as_never_across_a_restart(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    """ISC's "never" is MAX_TIME (0x7FFFFFFF): a lease file's ``ends never;`` reads back None,
    and ``ends=None`` writes "never", which dhcpd keeps across a restart."""
    never = (
        "lease 198.18.254.160 {\n  starts 4 2026/01/01 00:00:00;\n  ends never;\n"
        "  binding state active;\n  hardware ethernet 52:54:00:00:00:60;\n}\n"
    )
    server = dhcpd_factory.start(None, leases=never)
    ip = dataset.LEASES[1].ip
    with client_for(server.endpoint, backend_name) as omapi:
        from_file = omapi.leases.get(ip="198.18.254.160")
        assert from_file.ends is None and from_file.raw["ends"] == b"\x7f\xff\xff\xff"
        assert from_file.starts == datetime(2026, 1, 1, tzinfo=timezone.utc)
        assert omapi.leases.get(ip=ip).ends is not None
        assert omapi.leases.update(ip=ip, ends=None).ends is None
        with pytest.raises(ValueError, match="MAX_TIME"):
            omapi.leases.update(ip=ip, ends=datetime(2040, 1, 1, tzinfo=timezone.utc))
    assert re.search(rf"lease {re.escape(ip)} \{{[^}}]*ends never;", server.leases_file.read_text())
    server.restart()
    with client_for(server.endpoint, backend_name) as omapi:
        assert omapi.leases.get(ip=ip).ends is None
        assert omapi.leases.get(ip="198.18.254.160").ends is None


# -- hosts --------------------------------------------------------------------------------------


def test_host_create_get_update_put_delete(
    server: DhcpdServer, backend_name: str, omshell: Omshell
) -> None:
    name = f"typed-{backend_name}"
    mac = "02:00:00:00:11:01" if backend_name == "python" else "02:00:00:00:11:02"
    with client_for(server.endpoint, backend_name) as omapi:
        created = omapi.hosts.create(
            name, mac=mac.upper(), ip="198.18.1.60", statements='option host-name "web-1";'
        )
        try:
            assert created.name == name and created.hardware_address == mac
            assert "statements" not in created.raw  # sent by us, never by dhcpd
            assert created.hardware_type == 1  # the default: no "hardware unknown-0"
            assert created.ip_address == IPv4Address("198.18.1.60")
            # As ISC's own client sees it: the MAC and address as bytes, not as text.
            step = omshell(server.endpoint, ["new host", f'set name = "{name}"', "open"]).last
            assert step.values["hardware-address"] == bytes.fromhex(mac.replace(":", ""))
            assert step.values["hardware-type"] == b"\0\0\0\1"
            assert_typed_matches_omshell(SCHEMAS["host"], created, step.values)
            assert omapi.hosts.get(name=name) == omapi.hosts.get(mac=mac) == created
            moved = omapi.hosts.update(name=name, ip=IPv4Address("198.18.1.61"))
            assert moved.ip_address == IPv4Address("198.18.1.61")
            replaced = omapi.hosts.put(name, mac=mac, ip="198.18.1.62")
            assert replaced.ip_addresses == (IPv4Address("198.18.1.62"),)
            assert omapi.hosts.get(mac=mac).ip_address == IPv4Address("198.18.1.62")
        finally:
            omapi.hosts.delete(name=name)
        with pytest.raises(NotFound):
            omapi.hosts.get(name=name)


def test_an_update_whose_reply_could_abort_a_keyed_dhcpd_is_refused(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    """The review's abort: a host of a 700-byte name given ever more fixed addresses. Each
    UPDATE request is small, but dhcpd answers with the whole host; with hmac-sha512 a reply
    of 3,984..4,046 bytes aborts it (at about 795 addresses). Each update whose reply could
    come near that is refused before the UPDATE is sent, and dhcpd stays up."""
    server = dhcpd_factory.start(make_key("hmac-sha512"))
    name = "n" * 700
    refused: list[int] = []
    with client_for(server.endpoint, backend_name) as omapi:
        omapi.hosts.create(name, mac="02:00:00:00:ee:01")
        for count in range(660, 856, 3):  # each request itself passes check_object_size
            addresses = tuple(IPv4Address(0x0A000000 + i) for i in range(count))
            try:
                omapi.hosts.update(name=name, ip=addresses)
            except ValueError as error:
                assert "in the reply this update would bring" in str(error)
                refused.append(count)
        kept = omapi.hosts.get(name=name)
    assert server.running
    assert refused and refused == list(range(refused[0], 856, 3)) and refused[0] < 795
    assert len(kept.ip_addresses) == refused[0] - 3  # the last update that was sent


def test_host_put_replaces_hosts_of_that_name_and_of_that_mac(
    server: DhcpdServer, backend_name: str
) -> None:
    first, second = f"put-a-{backend_name}", f"put-b-{backend_name}"
    mac = "02:00:00:00:22:01" if backend_name == "python" else "02:00:00:00:22:02"
    other = "02:00:00:00:33:01" if backend_name == "python" else "02:00:00:00:33:02"
    with client_for(server.endpoint, backend_name) as omapi:
        omapi.hosts.create(first, mac=mac)
        omapi.hosts.create(second, mac=other)
        put = omapi.hosts.put(second, mac=mac, ip="198.18.1.70")
        assert (put.name, put.hardware_address) == (second, mac)
        with pytest.raises(NotFound):
            omapi.hosts.get(name=first)  # it had the MAC
        with pytest.raises(NotFound):
            omapi.hosts.get(mac=other)  # the old host of that name
        omapi.hosts.delete(name=second)


def test_host_put_loses_no_host_when_dhcpd_refuses_the_new_one(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    """The fresh user's data loss: put of a dataset host with a group dhcpd does not have
    deleted the host, then failed. Now an unknown group is refused before any delete, and a
    create dhcpd refuses after the deletes (statements naming an option it does not know) puts
    the old hosts back, and the error says so."""
    server = dhcpd_factory.start(make_key("hmac-sha256"))
    with client_for(server.endpoint, backend_name) as omapi:
        before = omapi.hosts.get(name="static-two")
        with pytest.raises(NotFound, match="dhcpd has no group 'nogroup'") as missing:
            omapi.hosts.put(
                "static-two", mac="00:11:22:33:44:02", ip="198.18.254.12", group="nogroup"
            )
        assert "deleted" not in str(missing.value)
        assert omapi.hosts.get(name="static-two") == before
        # A new name with the MAC of static-two and the name of gold-one: two hosts deleted,
        # then the create refused; both come back as they were read.
        gold = omapi.hosts.get(name="gold-one")
        with pytest.raises(InvalidValue) as refused:
            omapi.hosts.put(
                "gold-one", mac="00:11:22:33:44:02", statements="option no-such-option 1;"
            )
        text = str(refused.value)
        assert text.count("was created again") == 2 and "GONE" not in text
        assert "statements and group: any it had are not restored" in text
        assert omapi.hosts.get(name="static-two") == before
        assert omapi.hosts.get(name="gold-one") == gold
        assert omapi.hosts.get(mac="00:11:22:33:44:02") == before


def test_host_errors_from_dhcpd(server: DhcpdServer, backend_name: str) -> None:
    name = f"errors-{backend_name}"
    with client_for(server.endpoint, backend_name) as omapi:
        omapi.hosts.create(name, uid=name.encode())
        try:
            with pytest.raises(AlreadyExists) as exists:
                omapi.hosts.create(name, uid=b"other")
            assert exists.value.status == dhcpctl.ISC_R_EXISTS
            assert omapi.hosts.get(uid=name.encode()).name == name
            assert f"name={name!r}" in (exists.value.request or "")
            with pytest.raises(NotFound, match="dhcpd has no group 'no-such-group'") as no_group:
                omapi.hosts.update(name=name, group="no-such-group")
            assert "group" in (no_group.value.request or "")
            with pytest.raises(NotFound, match="dhcpd has no group 'no-such-group'"):
                omapi.hosts.create(f"{name}-2", uid=b"two", group="no-such-group")
            with pytest.raises(KeyConflict):  # two keys naming two hosts
                omapi.hosts.get(name=name, mac=dataset.HOSTS[0].mac)
            with pytest.raises(KeyConflict) as taken:  # a new name, another host's MAC
                omapi.hosts.create(f"{name}-3", mac=dataset.HOSTS[0].mac)
            assert "a host with this hardware address" in str(taken.value)
            assert "already exists" in str(taken.value)
            with pytest.raises(NotFound):
                omapi.hosts.get(name=f"{name}-3")
            with pytest.raises(KeyConflict):  # two keys naming two leases
                omapi.leases.get(ip=dataset.LEASES[0].ip, mac=dataset.LEASES[1].mac)
        finally:
            omapi.hosts.delete(name=name)


def test_host_lookup_by_ip_is_through_the_lease_of_that_ip(
    server: DhcpdServer, backend_name: str
) -> None:
    """dhcp_host_lookup takes ``ip-address`` to the lease of that address and its hardware
    address to the host: a host's own fixed address does not find it."""
    lease = dataset.LEASES[1] if backend_name == "python" else dataset.LEASES[2]
    name = f"by-lease-{backend_name}"
    with client_for(server.endpoint, backend_name) as omapi:
        created = omapi.hosts.create(name, mac=lease.mac, ip="198.18.1.80")
        try:
            assert omapi.hosts.get(ip=lease.ip) == created
            with pytest.raises(NotFound):
                omapi.hosts.get(ip="198.18.1.80")
        finally:
            omapi.hosts.delete(ip=lease.ip)
        with pytest.raises(NotFound):
            omapi.hosts.get(name=name)


def test_values_are_checked_before_anything_is_sent(
    server: DhcpdServer, backend_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with client_for(server.endpoint, backend_name) as omapi, caplog.at_level(logging.DEBUG):
        caplog.clear()
        with pytest.raises(ValueError, match=r"^mac: '52:54:00:12:34:zz' "):
            omapi.hosts.create("x", mac="52:54:00:12:34:zz")
        with pytest.raises(ValueError, match="needs mac= or uid="):
            omapi.hosts.create("x", ip="198.18.1.90")
        with pytest.raises(ValueError, match=r"^ip: '198\.18\.1' "):
            omapi.hosts.get(ip="198.18.1")
        with pytest.raises(ValueError, match="naive"):
            omapi.leases.update(ip=dataset.LEASES[0].ip, ends=datetime(2030, 1, 1))
        with pytest.raises(ValueError, match="does not change it"):
            omapi.leases.update(ip=dataset.LEASES[0].ip, client_hostname="new")
    assert not [record for record in caplog.records if record.name == "dhcpctl"]


# -- groups, classes, subclasses, failover --------------------------------------------------------


def test_groups(server: DhcpdServer, backend_name: str, omshell: Omshell) -> None:
    name = f"group-{backend_name}"
    with client_for(server.endpoint, backend_name) as omapi:
        assert omapi.groups.get("gold").name == "gold"
        created = omapi.groups.create(name, statements="default-lease-time 600;")
        assert created.name == name and omapi.groups.get(name) == created
        step = omshell(server.endpoint, ["new group", f'set name = "{name}"', "open"]).last
        assert step.values["name"] == name.encode()
        host = omapi.hosts.create(f"in-{name}", uid=name.encode(), group=name)
        omapi.hosts.delete(name=host.name)
        with pytest.raises(AlreadyExists):
            omapi.groups.create(name, statements="default-lease-time 600;")
        omapi.groups.delete(name)
        with pytest.raises(NotFound):
            omapi.groups.get(name)


def test_classes_and_subclasses(server: DhcpdServer, backend_name: str, omshell: Omshell) -> None:
    name = f"class-{backend_name}"
    data = b"\x01\x02\x00\x00\x00\x00" + (b"\x01" if backend_name == "python" else b"\x02")
    with client_for(server.endpoint, backend_name) as omapi:
        known = omapi.classes.get("vendor-test")
        assert (known.name, known.lease_limit, known.leases_used) == ("vendor-test", 0, 0)
        # raw is what dhcpd sent: not the name that was asked with (dhcpd never sends it).
        assert set(known.raw) == {"lease-limit", "leases-used"}
        step = omshell(server.endpoint, ["new class", 'set name = "vendor-test"', "open"]).last
        assert_typed_matches_omshell(SCHEMAS["class"], known, step.values)
        assert omapi.classes.create(name).name == name
        assert omapi.classes.get(name).name == name
        omapi.classes.delete(name)
        with pytest.raises(NotFound):
            omapi.classes.get(name)
        sub = omapi.subclasses.get("by-mac", bytes.fromhex("01525400123458"))
        assert sub.class_name == "by-mac" and sub.lease_limit == 0
        created = omapi.subclasses.create("by-mac", data)
        assert (created.class_name, created.data) == ("by-mac", data)
        assert omapi.subclasses.get("by-mac", data) == created
        omapi.subclasses.delete("by-mac", data)
        with pytest.raises(NotFound):
            omapi.subclasses.get("by-mac", data)
        with pytest.raises(NotFound):
            omapi.subclasses.create("no-such-class", data)


def test_failover_state_is_typed_and_matches_omshell(
    dhcpd_factory: ServerFactory, backend_name: str, omshell: Omshell
) -> None:
    primary, _ = dhcpd_factory.failover_pair(make_key("hmac-md5"))
    with client_for(primary.endpoint, backend_name) as omapi:
        state = omapi.failover.get("pair")
        with pytest.raises(NotFound):
            omapi.failover.get("no-such-peer")
    assert state.name == "pair"
    assert isinstance(state.local_state, dhcpctl.FailoverStateName)
    assert isinstance(state.partner_state, dhcpctl.FailoverStateName)
    assert state.hierarchy is dhcpctl.FailoverHierarchy.PRIMARY
    assert state.mclt == 60
    # What dhcpd sends as the addresses: the bytes of a pointer (server/failover.c), not IPv4.
    assert state.local_address is not None and len(state.local_address) == 8
    assert state.partner_address is not None and len(state.partner_address) == 8
    step = omshell(primary.endpoint, ["new failover-state", 'set name = "pair"', "open"]).last
    changing = frozenset(
        {"local-state", "partner-state", "local-stos", "partner-stos", "skew"}
        | {"last-packet-sent", "last-timestamp-received", "cur-unacked-updates"}
    )
    assert_typed_matches_omshell(SCHEMAS["failover-state"], state, step.values, changing)


# -- the other error classes --------------------------------------------------------------------


def test_multiple_matches_says_which_key_to_add(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    mac = dataset.LEASES[0].mac
    twin = (
        "lease 198.18.254.160 {\n  starts 4 2026/01/01 00:00:00;\n  ends 3 2036/01/02 00:00:00;\n"
        f"  binding state active;\n  hardware ethernet {mac};\n  uid 01:02:03:04;\n}}\n"
    )
    server = dhcpd_factory.start(None, leases=twin)
    with client_for(server.endpoint, backend_name) as omapi:
        with pytest.raises(MultipleMatches, match="ask by ip="):
            omapi.leases.get(mac=mac)
        twin_lease = omapi.leases.get(ip="198.18.254.160")
        assert twin_lease.hardware_address == mac
        assert twin_lease.dhcp_client_identifier == b"\1\2\3\4"
        assert omapi.leases.get(uid=b"\1\2\3\4") == twin_lease


def test_permission_denied_and_invalid_value_from_dhcpd(
    server: DhcpdServer, backend_name: str
) -> None:
    ip = dataset.LEASES[0].ip
    with client_for(server.endpoint, backend_name) as omapi:
        with pytest.raises(PermissionDenied, match="starts") as denied:
            omapi.leases.update(ip=ip, starts=datetime(2030, 1, 1, tzinfo=timezone.utc))
        assert denied.value.status == dhcpctl.ISC_R_NOPERM
        with pytest.raises(InvalidValue) as invalid:
            omapi.leases.update(ip=ip, subnet=1)
        assert invalid.value.status == dhcpctl.DHCP_R_INVALIDARG
        assert omapi.leases.get(ip=ip).starts == datetime.fromtimestamp(
            dataset.LEASES[0].starts, timezone.utc
        )


def test_authentication_failures_say_which(server: DhcpdServer, backend_name: str) -> None:
    assert server.key is not None
    good = key_of(server.endpoint)
    assert good is not None
    address, port = server.address, server.port
    wrong_name = Key("someone-else", good.algorithm, good.secret)
    ip = dataset.LEASES[0].ip
    with pytest.raises(AuthenticationFailed, match="name and algorithm"):
        Client(address, port, key=wrong_name, backend=backend_name).connect()
    wrong_secret = Key(good.name, good.algorithm, b"not the secret")
    with (
        pytest.raises(AuthenticationFailed, match="secret"),
        Client(address, port, key=wrong_secret, backend=backend_name) as omapi,
    ):
        omapi.leases.get(ip=ip)
    with (
        pytest.raises(AuthenticationFailed, match="requires a key") as no_key,
        Client(address, port, backend=backend_name) as omapi,
    ):
        omapi.leases.get(ip=ip)
    assert no_key.value.server_message == "No authenticator on message"


def test_a_restart_before_the_first_request_is_no_wrong_secret(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    """``with Client`` connects; dhcpd restarts (configuration management, a crash) before the
    first request, whose connection is then gone: a lookup is sent once more and answered; a
    write is not sent on it (the client sees that dhcpd closed it) but on a new connection;
    neither blames the key."""
    server = dhcpd_factory.start(make_key("hmac-md5"), with_dataset=True)
    ip = dataset.LEASES[0].ip
    with client_for(server.endpoint, backend_name) as omapi:
        server.restart()
        assert str(omapi.leases.get(ip=ip).ip_address) == ip
    with client_for(server.endpoint, backend_name) as omapi:
        server.restart()
        name = f"restart-{backend_name}"
        assert omapi.hosts.create(name, mac="02:00:00:00:12:01").name == name
        assert omapi.hosts.get(name=name).hardware_address == "02:00:00:00:12:01"


def test_connection_refused_is_connection_lost(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    """A refused connect is ConnectionLost; but where another connection of ISC's library is
    open in the process, the native backend waits out its timeout (see "Three differences
    remain" in dhcpctl._api): Timeout then."""
    server = dhcpd_factory.start(None)
    server.stop()
    expected = ConnectionLost if backend_name == "python" else (ConnectionLost, Timeout)
    with pytest.raises(expected):
        client_for(server.endpoint, backend_name, timeout=2.0).connect()


# -- connections: restart, reconnect, shutdown ---------------------------------------------------


def test_reconnect_after_a_dhcpd_restart(dhcpd_factory: ServerFactory, backend_name: str) -> None:
    server = dhcpd_factory.start(make_key("hmac-sha1"))
    ip = dataset.LEASES[0].ip
    omapi = client_for(server.endpoint, backend_name)
    with omapi:
        before = omapi.leases.get(ip=ip)
        server.stop()
        server.start()
        assert omapi.leases.get(ip=ip) == before  # the read is sent again on a new connection
        server.stop()
        server.start()
        # dhcpd closed the idle connection: the write goes on a new one (a write whose answer
        # is lost is never sent twice: test_client_fake.py test_an_answer_lost_with_the_...).
        assert omapi.hosts.create("after-restart", uid=b"x").name == "after-restart"
        assert omapi.hosts.get(name="after-restart").dhcp_client_identifier == b"x"


def test_no_reconnect_keeps_a_lost_connection_lost(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    server = dhcpd_factory.start(None)
    ip = dataset.LEASES[0].ip
    with client_for(server.endpoint, backend_name, reconnect=False) as omapi:
        omapi.leases.get(ip=ip)
        server.stop()
        server.start()
        with pytest.raises(ConnectionLost):
            omapi.leases.get(ip=ip)
        with pytest.raises(ConnectionLost, match="reconnect=False"):
            omapi.leases.get(ip=ip)


def test_shutdown_stops_dhcpd(dhcpd_factory: ServerFactory, backend_name: str) -> None:
    server = dhcpd_factory.start(make_key("hmac-md5"))
    process = server._process
    assert process is not None
    omapi = client_for(server.endpoint, backend_name)
    omapi.shutdown()
    assert process.wait(timeout=30) == 0  # dhcpd exits (0) once our connection is closed


# -- logging and threads ------------------------------------------------------------------------


def test_one_debug_line_per_request_and_never_the_secret(
    server: DhcpdServer, backend_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert server.key is not None
    with (
        caplog.at_level(logging.DEBUG, logger="dhcpctl"),
        client_for(server.endpoint, backend_name) as omapi,
    ):
        omapi.leases.get(ip=dataset.LEASES[0].ip)
        with pytest.raises(NotFound):
            omapi.hosts.get(name="nobody")
    lines = [r.getMessage() for r in caplog.records if r.name == "dhcpctl"]
    assert len(lines) == 3  # the connect, then one line per request
    assert re.fullmatch(r"connect to [0-9.]+:7911: connected \(\d+\.\d{3} s\)", lines[0])
    ip = re.escape(dataset.LEASES[0].ip)
    assert re.fullmatch(
        rf"leases\.get: open lease \(ip-address={ip}\): success \(\d+\.\d{{3}} s\)", lines[1]
    )
    assert re.fullmatch(
        r"hosts\.get: open host \(name='nobody'\): not found \(\d+\.\d{3} s\)", lines[2]
    )
    secret = server.key.secret
    for line in lines:
        assert secret.hex() not in line and server.key.secret_base64 not in line
        assert repr(secret) not in line


def test_a_client_shared_by_threads(server: DhcpdServer, backend_name: str) -> None:
    results: list[object] = []
    errors: list[BaseException] = []
    with client_for(server.endpoint, backend_name) as omapi:

        def work(ip: str) -> None:
            try:
                for _ in range(10):
                    results.append(omapi.leases.get(ip=ip).ip_address)
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=work, args=(lease.ip,)) for lease in dataset.LEASES]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors
    assert sorted(map(str, results)) == sorted(
        lease.ip for lease in dataset.LEASES for _ in range(10)
    )


def test_lookups_by_mac_take_its_hardware_type(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    """dhcpd finds a hardware address with its type (dhcp_host_lookup, dhcp_lease_lookup): a
    host or lease of type 6 (token ring) is found, changed and deleted by ``mac=`` with
    ``hardware_type=6``, and not by the default type 1."""
    token_ring = (
        "lease 198.18.254.190 {\n  starts 4 2026/01/01 00:00:00;\n  ends 2 2036/01/01 00:00:00;\n"
        "  binding state active;\n  hardware token-ring 02:00:00:00:00:1a;\n}\n"
    )
    server = dhcpd_factory.start(make_key("hmac-md5"), leases=token_ring)
    mac = "02:00:00:00:00:0a"
    with client_for(server.endpoint, backend_name) as omapi:
        created = omapi.hosts.create("tr", mac=mac, hardware_type=6)
        assert created.hardware_type == 6
        with pytest.raises(NotFound, match="hardware-type=1"):
            omapi.hosts.get(mac=mac)
        assert omapi.hosts.get(mac=mac, hardware_type=6) == created
        updated = omapi.hosts.update(mac=mac, hardware_type=6, ip="198.18.1.90")
        assert updated.ip_addresses == (IPv4Address("198.18.1.90"),)
        assert updated.hardware_type == 6
        with pytest.raises(NotFound):
            omapi.hosts.delete(mac=mac)
        omapi.hosts.delete(mac=mac, hardware_type=6)
        with pytest.raises(NotFound):
            omapi.hosts.get(name="tr")

        with pytest.raises(NotFound):
            omapi.leases.get(mac="02:00:00:00:00:1a")
        lease = omapi.leases.get(mac="02:00:00:00:00:1a", hardware_type=6)
        assert (lease.ip_address, lease.hardware_type) == (IPv4Address("198.18.254.190"), 6)
        changed = omapi.leases.update(mac="02:00:00:00:00:1a", hardware_type=6, flags=0)
        assert changed.ip_address == lease.ip_address


def test_hardware_type_of_a_lookup_is_checked_before_sending(
    server: DhcpdServer, backend_name: str
) -> None:
    with client_for(server.endpoint, backend_name) as omapi:
        with pytest.raises(ValueError, match="hardware_type=6 without mac="):
            omapi.hosts.get(name="x", hardware_type=6)
        with pytest.raises(ValueError, match="hardware_type=6 without mac="):
            omapi.leases.get(ip=dataset.LEASES[0].ip, hardware_type=6)
        with pytest.raises(ValueError, match="hardware_type"):
            omapi.hosts.delete(mac="02:00:00:00:00:0b", hardware_type=-1)
        with pytest.raises(ValueError, match="hardware_type"):
            omapi.hosts.get(mac="02:00:00:00:00:0b", hardware_type="6")  # type: ignore[arg-type]


def test_host_create_errors_are_those_its_docstring_gives(
    scenario_server: Endpoint, backend_name: str
) -> None:
    """hosts.create: AlreadyExists for a name that exists (with its own MAC, or an unknown
    uid); KeyConflict for another host's MAC or uid under a new name (dhcp_host_lookup)."""
    name = f"create-errors-{backend_name}"
    mac, uid = f"02:ce:00:00:00:{len(backend_name):02x}", f"uid-{backend_name}".encode()
    with client_for(scenario_server, backend_name) as omapi:
        omapi.hosts.create(name, mac=mac, uid=uid)
        try:
            for same_name in ({"mac": mac, "uid": uid}, {"mac": mac}, {"uid": b"unknown"}):
                with pytest.raises(AlreadyExists):
                    omapi.hosts.create(name, **same_name)
            for taken in ({"mac": mac}, {"uid": uid}, {"uid": uid, "mac": "02:ce:00:00:01:00"}):
                with pytest.raises(KeyConflict):
                    omapi.hosts.create(f"{name}-new", **taken)
            with pytest.raises(KeyConflict):  # an existing name, another host's MAC
                omapi.hosts.create(dataset.HOSTS[0].name, mac=mac)
        finally:
            omapi.hosts.delete(name=name)


def test_creates_name_a_missing_group(scenario_server: Endpoint, backend_name: str) -> None:
    with client_for(scenario_server, backend_name) as omapi:
        with pytest.raises(NotFound, match="dhcpd has no group 'nope'"):
            omapi.classes.create(f"nogroup-{backend_name}", group="nope")
        with pytest.raises(NotFound, match="dhcpd has no group 'nope'"):
            omapi.hosts.create(f"nogroup-{backend_name}", mac="02:cf:00:00:00:01", group="nope")
