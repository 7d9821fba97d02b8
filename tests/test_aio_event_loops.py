"""One ``dhcpctl.aio.Client`` across event loops, against :class:`dhcpctl.testing.OmapiServer`
(keyed): used again after its loop was closed (a new connection, nothing of the closed loop
touched, no stray "never retrieved" error), refused with :class:`dhcpctl.aio.WrongEventLoop`
from another loop while its own is open, and closed from any loop."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from collections.abc import Iterator
from ipaddress import IPv4Address

import pytest

import dhcpctl
import dhcpctl.aio
from dhcpctl import Key
from dhcpctl.testing import FakeLease, OmapiServer

KEY = Key("omapi_key", "hmac-sha256", b"sixteen byte key")
IP = "198.18.1.20"
#: Seconds any one wait here may take at most (a hang fails the test instead of blocking CI).
PATIENCE = 30.0


@pytest.fixture
def server() -> Iterator[OmapiServer]:
    with OmapiServer(key=KEY, leases=[FakeLease(ip=IP, mac="02:00:00:00:00:1a")]) as started:
        yield started


async def lookup(omapi: dhcpctl.aio.Client) -> IPv4Address | None:
    return (await omapi.leases.get(ip=IP)).ip_address


async def create_and_get(omapi: dhcpctl.aio.Client) -> bool:
    host = await omapi.hosts.create("web-1", mac="02:00:00:00:00:01")
    return await omapi.hosts.get(name="web-1") == host


def test_a_client_is_used_again_after_its_loop_was_closed(
    server: OmapiServer, caplog: pytest.LogCaptureFixture
) -> None:
    omapi = dhcpctl.aio.Client("127.0.0.1", server.port, key=KEY, timeout=PATIENCE)
    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        for _ in range(3):
            assert asyncio.run(lookup(omapi)) == IPv4Address(IP)
        assert omapi.session.opened == 3  # one connection per loop: the dead one dropped
        assert asyncio.run(create_and_get(omapi))
        asyncio.run(omapi.close())  # in a new loop: the connection of a closed one
        asyncio.run(omapi.close())
        assert asyncio.run(lookup(omapi)) == IPv4Address(IP)
        asyncio.run(omapi.close())
        gc.collect()
    assert [host.name for host in server.hosts] == ["web-1"]  # the create sent once
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert "never retrieved" not in caplog.text and "_connection" not in caplog.text


def test_another_running_loop_gets_wrong_event_loop(server: OmapiServer) -> None:
    omapi = dhcpctl.aio.Client("127.0.0.1", server.port, key=KEY, timeout=PATIENCE)
    other = asyncio.new_event_loop()
    thread = threading.Thread(target=other.run_forever)
    thread.start()
    try:

        def in_other(coroutine: object) -> object:
            return asyncio.run_coroutine_threadsafe(coroutine, other).result(PATIENCE)  # type: ignore[arg-type]

        assert in_other(lookup(omapi)) == IPv4Address(IP)
        with pytest.raises(dhcpctl.aio.WrongEventLoop, match="one event loop at a time") as wrong:
            asyncio.run(lookup(omapi))
        assert isinstance(wrong.value, dhcpctl.DhcpctlError)
        assert wrong.value.function == "leases.get"
        with pytest.raises(dhcpctl.aio.WrongEventLoop):
            asyncio.run(omapi.connect())
        assert in_other(lookup(omapi)) == IPv4Address(IP)  # its own loop: unaffected
        asyncio.run(omapi.close())  # from this loop: closed in the other one, no error
        assert asyncio.run(lookup(omapi)) == IPv4Address(IP)  # this loop's, then closed
        assert in_other(lookup(omapi)) == IPv4Address(IP)  # so the other one's again
        in_other(omapi.close())
        assert omapi.session.opened == 3
    finally:
        other.call_soon_threadsafe(other.stop)
        thread.join(PATIENCE)
        other.close()
