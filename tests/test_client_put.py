"""``hosts.put`` loses no host (on the fake server, sync on both backends and aio): a group
dhcpd does not have is refused before anything is deleted. Restoring hosts after dhcpd refuses
the create needs dhcpd's own statements parser: ``tests/test_client_dhcpd.py``
``test_host_put_loses_no_host_when_dhcpd_refuses_the_new_one``."""

from __future__ import annotations

import asyncio

import pytest

import dhcpctl.aio
from dhcpctl import Client, ConnectionLost, NotFound, Timeout
from dhcpctl.testing import Delay, Drop, FakeHost, OmapiServer, Stall


def serving_one_host() -> OmapiServer:
    return OmapiServer(hosts=[FakeHost("static-two", mac="00:11:22:33:44:02", ip="10.0.0.12")])


def test_put_with_an_unknown_group_deletes_nothing(backend_name: str) -> None:
    with (
        serving_one_host() as server,
        Client(server.address, server.port, backend=backend_name) as omapi,
    ):
        before = omapi.hosts.get(name="static-two")
        with pytest.raises(NotFound, match="dhcpd has no group 'nogroup'"):
            omapi.hosts.put("static-two", mac="00:11:22:33:44:02", ip="10.0.0.13", group="nogroup")
        assert omapi.hosts.get(name="static-two") == before
    assert [host.name for host in server.hosts] == ["static-two"]


def test_aio_put_with_an_unknown_group_deletes_nothing() -> None:
    async def scenario(server: OmapiServer) -> None:
        async with dhcpctl.aio.Client(server.address, server.port) as omapi:
            with pytest.raises(NotFound, match="dhcpd has no group 'nogroup'"):
                await omapi.hosts.put("static-two", mac="00:11:22:33:44:02", group="nogroup")
            assert (await omapi.hosts.get(mac="00:11:22:33:44:02")).name == "static-two"

    with serving_one_host() as server:
        asyncio.run(scenario(server))
    assert [host.name for host in server.hosts] == ["static-two"]


#: The answers before the connection drops: 1, the lookup of the host by name (then the delete's
#: answer is lost: the fake server deletes it); 2, the lookup and the delete (then the lookup by
#: MAC's answer is lost). The create is not sent; the host is created again on a new connection.
ANSWERED = pytest.mark.parametrize("answered", [1, 2], ids=["delete-lost", "lookup-lost"])


def drop_after(server: OmapiServer, answered: int) -> None:
    server.inject(Delay(0), replies=answered)
    server.inject(Drop())


def check_restored(error: str, server: OmapiServer) -> None:
    assert "the create was not sent" in error
    assert "was created again: host (name='static-two'" in error
    assert [(host.name, str(host.ip)) for host in server.hosts] == [("static-two", "10.0.0.12")]


@ANSWERED
def test_put_restores_the_host_deleted_when_the_connection_drops_before_the_create(
    backend_name: str, answered: int
) -> None:
    with (
        serving_one_host() as server,
        Client(server.address, server.port, backend=backend_name, timeout=5) as omapi,
    ):
        drop_after(server, answered)
        with pytest.raises(ConnectionLost) as raised:
            omapi.hosts.put("static-two", mac="00:11:22:33:44:02", ip="10.0.0.13")
        check_restored(str(raised.value), server)


@ANSWERED
def test_aio_put_restores_the_host_deleted_when_the_connection_drops_before_the_create(
    answered: int,
) -> None:
    async def scenario(server: OmapiServer) -> str:
        async with dhcpctl.aio.Client(server.address, server.port) as omapi:
            try:
                await omapi.hosts.put("static-two", mac="00:11:22:33:44:02", ip="10.0.0.13")
            except ConnectionLost as error:
                return str(error)
            raise AssertionError("put raised nothing")

    with serving_one_host() as server:
        drop_after(server, answered)
        check_restored(asyncio.run(scenario(server)), server)


def test_put_that_times_out_before_the_create_names_the_host_it_deleted(
    backend_name: str,
) -> None:
    # No time is left to create it again: the error gives its values instead.
    with (
        serving_one_host() as server,
        Client(server.address, server.port, backend=backend_name, timeout=0.5) as omapi,
    ):
        server.inject(Delay(0), replies=2)
        server.inject(Stall(), replies=2)
        with pytest.raises(Timeout) as raised:
            omapi.hosts.put("static-two", mac="00:11:22:33:44:02", ip="10.0.0.13")
        error = str(raised.value)
        assert "the create was not sent" in error
        assert "host it had deleted may be GONE: creating it again failed" in error
        assert "ip-address=10.0.0.12" in error
    assert server.hosts == []
