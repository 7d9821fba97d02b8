"""``dhcpctl.aio.Client`` against real ISC dhcpd (the test bed): every operation, deep
pipelined bursts checked result by result, mixed writes in flight, cancellation mid-burst,
a server stopped mid-burst, and the keyed-dhcpd abort the client's guard prevents.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
from collections.abc import Coroutine
from datetime import datetime, timezone
from typing import Any, TypeVar

import pytest

from dhcpctl._errors import (
    AlreadyExists,
    AuthenticationFailed,
    ConnectionLost,
    DeletedEarlier,
    InvalidValue,
    NotFound,
)
from dhcpctl._key import Key
from dhcpctl._states import LeaseState
from dhcpctl.aio import Client
from testbed import dataset
from testbed.pytest_plugin import ServerFactory
from testbed.server import ALGORITHMS, Endpoint, make_key

T = TypeVar("T")

#: Seconds any one test may take at most (a hang fails the test instead of blocking CI).
PATIENCE = 120.0


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coroutine, PATIENCE))


def client(endpoint: Endpoint, **options: Any) -> Client:
    key = endpoint.key
    typed = None if key is None else Key(key.name, key.algorithm, key.secret)
    return Client(endpoint.address, endpoint.port, key=typed, **options)


def utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def test_lease_lookups_by_each_key(dhcpd_server: Endpoint) -> None:
    async def main() -> None:
        async with client(dhcpd_server, timeout=10.0) as omapi:
            for lease in dataset.LEASES:
                by_ip = await omapi.leases.get(ip=lease.ip)
                assert by_ip.ip_address == ipaddress.IPv4Address(lease.ip)
                assert by_ip.hardware_address == lease.mac
                assert by_ip.ends == utc(lease.ends)
                assert by_ip.client_hostname == lease.hostname
                by_mac = await omapi.leases.get(mac=lease.mac.upper())
                assert by_mac.ip_address == by_ip.ip_address
            with pytest.raises(NotFound):
                await omapi.leases.get(ip="198.18.254.99")

    run(main())


def test_ten_thousand_pipelined_lookups(dhcpd_server: Endpoint) -> None:
    """10,000 lookups in flight through one gather, each result checked against the dataset;
    one connection throughout, no reply dropped."""
    count = 10_000

    async def main() -> None:
        async with client(dhcpd_server, timeout=60.0, max_in_flight=256) as omapi:
            wanted = [dataset.LEASES[n % len(dataset.LEASES)] for n in range(count)]
            leases = await asyncio.gather(*(omapi.leases.get(ip=lease.ip) for lease in wanted))
            for lease, got in zip(wanted, leases, strict=True):
                assert got.ip_address == ipaddress.IPv4Address(lease.ip)
                assert got.hardware_address == lease.mac
                assert got.ends == utc(lease.ends)
            assert omapi.session.opened == 1
            assert omapi.session.connection is not None
            assert omapi.session.connection.dropped == 0

    run(main())


def test_every_host_group_class_operation(dhcpd_server: Endpoint) -> None:
    tag = random.randrange(1 << 24)

    async def main() -> None:
        async with client(dhcpd_server, timeout=10.0) as omapi:
            name, mac = f"aio-{tag}", f"02:a1:{tag >> 16 & 255:02x}:{tag >> 8 & 255:02x}:00:01"
            host = await omapi.hosts.create(name, mac=mac, ip="198.18.1.60")
            assert (host.name, host.hardware_address) == (name, mac)
            with pytest.raises(AlreadyExists):
                await omapi.hosts.create(name, mac=mac)
            assert (await omapi.hosts.get(mac=mac)).name == name
            updated = await omapi.hosts.update(name=name, ip="198.18.1.61")
            assert updated.ip_addresses == (ipaddress.IPv4Address("198.18.1.61"),)
            other_mac = mac[:-2] + "02"
            replaced = await omapi.hosts.put(name, mac=other_mac, ip="198.18.1.62")
            assert replaced.hardware_address == other_mac
            await omapi.hosts.delete(name=name)
            with pytest.raises(NotFound):
                await omapi.hosts.get(name=name)

            group = await omapi.groups.create(f"g-{tag}", statements="default-lease-time 600;")
            assert group.name == f"g-{tag}"
            assert (await omapi.groups.get(f"g-{tag}")).name == f"g-{tag}"
            await omapi.groups.delete(f"g-{tag}")

            klass = await omapi.classes.create(f"c-{tag}")
            assert (await omapi.classes.get(f"c-{tag}")).name == klass.name
            sub = await omapi.subclasses.create("by-mac", b"\x01\x02\xaa" + tag.to_bytes(4, "big"))
            assert sub.data == b"\x01\x02\xaa" + tag.to_bytes(4, "big")
            got = await omapi.subclasses.get("by-mac", sub.data)
            assert got.data == sub.data
            await omapi.subclasses.delete("by-mac", sub.data)
            await omapi.classes.delete(f"c-{tag}")
            with pytest.raises(NotFound):
                await omapi.classes.get(f"c-{tag}")

    run(main())


def test_lease_update_failover_and_shutdown(dhcpd_factory: ServerFactory) -> None:
    primary, _ = dhcpd_factory.failover_pair(make_key("hmac-sha256"))
    lease = dataset.LEASES[0]
    own = dhcpd_factory.start(make_key("hmac-sha512"))

    async def main() -> None:
        async with client(primary.endpoint, timeout=10.0) as omapi:
            state = await omapi.failover.get("pair")
            assert state.name == "pair"
            assert state.local_state is not None
        async with client(own.endpoint, timeout=10.0) as omapi:
            changed = await omapi.leases.update(ip=lease.ip, state=LeaseState.RELEASED)
            assert changed.state is LeaseState.RELEASED
            await omapi.shutdown()
            assert omapi.session.connection is not None
            assert not omapi.session.connection.alive  # shutdown closes the connection

    run(main())
    assert own._process is not None
    assert own._process.wait(timeout=30) is not None  # dhcpd exited


def test_wrong_secret_and_unknown_key_are_authentication_failed(
    dhcpd_server: Endpoint,
) -> None:
    key = dhcpd_server.key
    assert key is not None

    async def attempt(wrong: Key) -> BaseException | None:
        omapi = Client(dhcpd_server.address, dhcpd_server.port, key=wrong, timeout=10.0)
        try:
            await omapi.leases.get(ip=dataset.LEASES[0].ip)
        except AuthenticationFailed as error:
            return error
        finally:
            await omapi.close()
        return None

    async def main() -> tuple[BaseException | None, BaseException | None]:
        secret = await attempt(Key(key.name, key.algorithm, b"not-the-secret"))
        name = await attempt(Key("no-such-key", key.algorithm, key.secret))
        return secret, name

    secret, name = run(main())
    assert secret is not None and "secret" in str(secret)
    assert name is not None and "no-such-key" in str(name)


def test_mixed_creates_gets_deletes_in_flight(dhcpd_server: Endpoint) -> None:
    """Hundreds of hosts, each created, read back and deleted by its own task, all at once."""
    tag = random.randrange(1 << 16)

    async def cycle(omapi: Client, number: int) -> None:
        name = f"mix-{tag}-{number}"
        mac = f"02:b2:{tag >> 8:02x}:{tag & 255:02x}:{number >> 8:02x}:{number & 255:02x}"
        created = await omapi.hosts.create(name, mac=mac)
        assert created.hardware_address == mac
        assert (await omapi.hosts.get(name=name)).hardware_address == mac
        await omapi.hosts.delete(name=name)
        with pytest.raises(NotFound):
            await omapi.hosts.get(mac=mac)

    async def main() -> None:
        async with client(dhcpd_server, timeout=60.0, max_in_flight=64) as omapi:
            await asyncio.gather(*(cycle(omapi, n) for n in range(300)))

    run(main())


def test_cancellation_mid_burst_keeps_the_connection(dhcpd_server: Endpoint) -> None:
    async def main() -> None:
        async with client(dhcpd_server, timeout=60.0, max_in_flight=64) as omapi:
            tasks = [
                asyncio.ensure_future(omapi.leases.get(ip=dataset.LEASES[n % 3].ip))
                for n in range(2000)
            ]
            while sum(task.done() for task in tasks) < 200:
                await asyncio.sleep(0)
            cancelled = [task for n, task in enumerate(tasks) if n % 3 == 0 and task.cancel()]
            assert cancelled
            done = await asyncio.gather(*tasks, return_exceptions=True)
            for n, outcome in enumerate(done):
                if isinstance(outcome, BaseException):
                    assert isinstance(outcome, asyncio.CancelledError)
                    assert tasks[n] in cancelled
                else:
                    assert outcome.ip_address == ipaddress.IPv4Address(dataset.LEASES[n % 3].ip)
            connection = omapi.session.connection
            assert connection is not None and connection.alive
            # Every reply a cancelled call was owed is read and dropped: none is left over.
            again = await omapi.leases.get(ip=dataset.LEASES[1].ip)
            assert again.hardware_address == dataset.LEASES[1].mac
            assert connection.in_flight == 0
            assert omapi.session.opened == 1

    run(main())


def test_server_stopped_mid_burst(dhcpd_factory: ServerFactory) -> None:
    """Every call pending when dhcpd goes away ends with ConnectionLost; none hangs."""
    server = dhcpd_factory.start(make_key("hmac-sha1"))

    async def main() -> None:
        omapi = client(server.endpoint, timeout=None, max_in_flight=64, reconnect=False)
        async with omapi:
            tasks = [
                asyncio.ensure_future(omapi.leases.get(ip=dataset.LEASES[n % 3].ip))
                for n in range(5000)
            ]
            while sum(task.done() for task in tasks) < 100:
                await asyncio.sleep(0)
            await asyncio.get_running_loop().run_in_executor(None, server.stop)
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        lost = [o for o in outcomes if isinstance(o, BaseException)]
        assert lost, "dhcpd was stopped before the burst ended"
        assert all(isinstance(o, ConnectionLost) for o in lost), {type(o) for o in lost}
        answered = len(outcomes) - len(lost)
        assert all(not isinstance(o, BaseException) for o in outcomes[:answered])

    run(main())


def test_updates_beside_a_put_of_their_host_do_not_hang_dhcpd(
    dhcpd_factory: ServerFactory,
) -> None:
    """Pipelined, two updates of a host looked it up before a put deleted it; sent after the
    delete, dhcpd 4.4.3-P1 would take them (a create of the host that failed, ISC_R_EXISTS,
    holds it: the gather's last call fails so before the put's delete goes out) and link the
    host to itself (server/mdb.c enter_host), and the create of the same MAC that follows would
    spin dhcpd forever. The client answers them NotFound (DeletedEarlier) without sending
    them; dhcpd still answers afterwards."""
    server = dhcpd_factory.start(make_key("hmac-md5"))
    mac = "02:aa:00:00:00:00"

    async def main() -> list[object]:
        async with client(server.endpoint, timeout=5.0) as omapi:
            await omapi.hosts.create("web-1", mac=mac, ip="198.18.254.20")
            outcomes = await asyncio.gather(
                omapi.hosts.put("web-1", mac=mac, ip="198.18.254.30"),
                omapi.hosts.update(name="web-1", ip="198.18.254.40"),
                omapi.hosts.update(name="web-1", ip="198.18.254.40"),
                omapi.hosts.create("web-1", mac=mac, ip="198.18.254.20"),
                return_exceptions=True,
            )
        async with client(server.endpoint, timeout=5.0) as omapi:  # a hung dhcpd: Timeout
            host = await omapi.hosts.get(name="web-1")
        assert host.ip_address == ipaddress.IPv4Address("198.18.254.30")
        return [type(outcome) for outcome in outcomes[1:]]

    assert run(main()) == [DeletedEarlier, DeletedEarlier, AlreadyExists]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_keyed_bursts_do_not_abort_dhcpd(dhcpd_factory: ServerFactory, algorithm: str) -> None:
    """Mixed-lease bursts on one keyed connection: sizes at which dhcpd 4.4.3-P1 aborts when
    the requests are simply written at once (see test_raw_keyed_burst_aborts_dhcpd); the
    client's guard keeps it alive."""
    server = dhcpd_factory.start(make_key(algorithm))

    async def main() -> None:
        async with client(server.endpoint, timeout=60.0, max_in_flight=256) as omapi:
            wanted = [dataset.LEASES[n % 3] for n in range(3000)]
            leases = await asyncio.gather(*(omapi.leases.get(ip=lease.ip) for lease in wanted))
            assert [lease.hardware_address for lease in leases] == [w.mac for w in wanted]

    run(main())
    assert server.running, server.log_tail()


def test_raw_keyed_burst_aborts_dhcpd(dhcpd_factory: ServerFactory) -> None:
    """The fact the guard exists for: 14 hmac-sha1 lookups of the dataset's leases in turn,
    written at once, make dhcpd abort (the 14th reply's signature spans its 4,047-byte output
    buffer boundary: dhcpctl/aio/_dhcpd_limits.py); 13 do not."""
    from dhcpctl.fallback.auth import Key as WireKey
    from dhcpctl.fallback.protocol import ClientProtocol, MessageReceived, State
    from dhcpctl.fallback.wire import OP_OPEN

    def burst(endpoint: Endpoint, count: int) -> int:
        key = endpoint.key
        assert key is not None
        codec = ClientProtocol(WireKey(key.name, key.algorithm, key.secret))
        with socket.create_connection((endpoint.address, endpoint.port), timeout=10) as sock:

            def until(state: State) -> None:
                while codec.state is not state:
                    codec.feed(sock.recv(65536))

            sock.sendall(codec.initiate())
            until(State.INTRO_DONE)
            sock.sendall(codec.open_authenticator())
            until(State.READY)
            data = b"".join(
                codec.send(
                    OP_OPEN,
                    0,
                    ((b"type", b"lease"),),
                    ((b"ip-address", socket.inet_aton(dataset.LEASES[n % 3].ip)),),
                )[1]
                for n in range(count)
            )
            sock.sendall(data)
            answered = 0
            while answered < count and (chunk := sock.recv(65536)):
                answered += sum(isinstance(e, MessageReceived) for e in codec.feed(chunk))
            return answered

    survivor = dhcpd_factory.start(make_key("hmac-sha1"))
    assert burst(survivor.endpoint, 13) == 13
    victim = dhcpd_factory.start(make_key("hmac-sha1"))
    assert burst(victim.endpoint, 14) == 0
    assert victim._process is not None
    victim._process.wait(timeout=30)
    assert "dst_api.c" in victim.log_tail(40) and "REQUIRE" in victim.log_tail(40)


def test_put_loses_no_host_when_dhcpd_refuses_the_new_one(dhcpd_factory: ServerFactory) -> None:
    """As the sync client's test: a host deleted to make way is created again when dhcpd
    refuses the new one (statements naming an option it does not know), and the error says so."""
    server = dhcpd_factory.start(make_key("hmac-sha256"))

    async def main() -> None:
        async with client(server.endpoint, timeout=10.0) as omapi:
            before = await omapi.hosts.get(name="static-two")
            with pytest.raises(InvalidValue, match="was created again") as refused:
                await omapi.hosts.put(
                    "static-two", mac="00:11:22:33:44:02", statements="option no-such-option 1;"
                )
            assert "GONE" not in str(refused.value)
            assert await omapi.hosts.get(name="static-two") == before

    run(main())


def test_a_burst_of_leases_with_large_binding_scopes_does_not_abort_dhcpd(
    dhcpd_factory: ServerFactory,
) -> None:
    """Lease replies carry every variable of the lease's binding scope (no upper bound): 50
    leases with ten 100-byte variables (replies of about 1,150 bytes) looked up 4 times over
    in one hmac-sha256 burst killed dhcpd under the old fixed bound of 960 bytes (3 runs of 3).
    The first lease lookup now goes alone and the rest are bounded by what it showed."""
    ips = [f"198.18.254.{number}" for number in range(100, 150)]
    variables = "".join(f' set v{n} = "{"x" * 100}";\n' for n in range(10))
    leases = "".join(
        f"lease {ip} {{\n starts 4 2026/01/01 00:00:00;\n ends 2 2036/01/01 00:00:00;\n"
        f" binding state active;\n hardware ethernet 02:aa:00:00:00:{index:02x};\n{variables}}}\n"
        for index, ip in enumerate(ips)
    )
    server = dhcpd_factory.start(make_key("hmac-sha256"), leases=leases)

    async def main() -> list[str]:
        async with client(server.endpoint, timeout=60.0, max_in_flight=256) as omapi:
            found = await asyncio.gather(*(omapi.leases.get(ip=ip) for ip in ips * 4))
            return [str(lease.ip_address) for lease in found]

    assert run(main()) == ips * 4
    assert server.running, server.log_tail()


def test_host_lookups_by_mac_take_its_hardware_type(dhcpd_server: Endpoint) -> None:
    tag = random.randrange(1 << 16)
    name, mac = f"aio-tr-{tag}", f"02:a6:{tag >> 8:02x}:{tag & 255:02x}:00:01"

    async def main() -> None:
        async with client(dhcpd_server, timeout=10.0) as omapi:
            created = await omapi.hosts.create(name, mac=mac, hardware_type=6)
            with pytest.raises(NotFound):
                await omapi.hosts.get(mac=mac)
            assert await omapi.hosts.get(mac=mac, hardware_type=6) == created
            updated = await omapi.hosts.update(mac=mac, hardware_type=6, ip="198.18.1.91")
            assert updated.ip_addresses == (ipaddress.IPv4Address("198.18.1.91"),)
            await omapi.hosts.delete(mac=mac, hardware_type=6)
            with pytest.raises(NotFound):
                await omapi.hosts.get(name=name)

    run(main())
