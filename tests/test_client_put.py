"""``hosts.put`` loses no host (on the fake server, sync on both backends and aio): a group
dhcpd does not have is refused before anything is deleted. Restoring hosts after dhcpd refuses
the create needs dhcpd's own statements parser: ``tests/test_client_dhcpd.py``
``test_host_put_loses_no_host_when_dhcpd_refuses_the_new_one``."""

from __future__ import annotations

import asyncio

import pytest

import dhcpctl.aio
from dhcpctl import Client, NotFound
from dhcpctl.testing import FakeHost, OmapiServer


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
