"""pytest fixtures over the test bed: ``dhcpd_server``, ``dhcpd_factory``, ``omshell``.

Tests that need a server skip, with a reason saying what to install, where no server can be
had (not root, no dhcpd); with ``DHCPCTL_REQUIRE_SERVER=1`` (CI) they fail instead.
``DHCPCTL_TEST_SERVER=host:port`` (and ``DHCPCTL_TEST_KEY_*``) makes ``dhcpd_server`` that
external server, which must hold :mod:`testbed.dataset` (see docker/README.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import NoReturn

import pytest

from testbed.omshell import OmshellRun, find_omshell, run_omshell
from testbed.server import (
    DhcpdServer,
    Endpoint,
    OmapiKey,
    endpoint_from_env,
    failover_pair,
    local_servers_unavailable,
    make_key,
)


def missing(reason: str, required_by: str = "DHCPCTL_REQUIRE_SERVER") -> NoReturn:
    """Skip the test for ``reason``; fail it instead when the variable ``required_by`` is ``1``
    (``DHCPCTL_REQUIRE_SERVER`` for a server, ``DHCPCTL_REQUIRE_NATIVE`` for ISC's library)."""
    if os.environ.get(required_by) == "1":
        pytest.fail(f"{reason} ({required_by}=1: no skipping)", pytrace=False)
    pytest.skip(reason)


def require_local_servers() -> None:
    reason = local_servers_unavailable()
    if reason is not None:
        missing(reason)


class ServerFactory:
    """Starts extra servers for one test and closes all of them at its end."""

    def __init__(self) -> None:
        self._servers: list[DhcpdServer] = []

    def start(
        self,
        key: OmapiKey | None = None,
        *,
        conf_extra: str = "",
        leases: str = "",
        with_dataset: bool = True,
    ) -> DhcpdServer:
        server = DhcpdServer(key, conf_extra=conf_extra, leases=leases, with_dataset=with_dataset)
        self._servers.append(server)
        return server.start()

    def failover_pair(self, key: OmapiKey | None = None) -> tuple[DhcpdServer, DhcpdServer]:
        """A started primary and secondary (``failover peer "pair"``)."""
        primary, secondary = failover_pair(key)
        self._servers += [primary, secondary]
        return primary.start(), secondary.start()

    def close(self) -> None:
        while self._servers:
            self._servers.pop().close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by what they need, so ``-m "not netns"`` selects those an external server runs."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "local_testbed" in fixtures:
            item.add_marker(pytest.mark.netns)
        if "local_testbed" in fixtures or "dhcpd_server" in fixtures:
            item.add_marker(pytest.mark.server)


@pytest.fixture
def local_testbed() -> None:
    """Request this to start servers in namespaces: skips (or fails) where that cannot work."""
    require_local_servers()


@pytest.fixture(scope="session")
def dhcpd_server() -> Iterator[Endpoint]:
    """The session's default server, holding :mod:`testbed.dataset`, keyed with hmac-md5."""
    external = endpoint_from_env(os.environ)
    if external is not None:
        yield external
        return
    require_local_servers()
    with DhcpdServer(make_key("hmac-md5"), with_dataset=True) as server:
        yield server.endpoint


@pytest.fixture
def dhcpd_factory(local_testbed: None) -> Iterator[ServerFactory]:
    """Start servers of the test's own (other keys, no key, failover, stopped mid-test)."""
    factory = ServerFactory()
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture(scope="session")
def omshell() -> Callable[[Endpoint, Sequence[str]], OmshellRun]:
    """``omshell(endpoint, commands)``: ISC's client run against a server, parsed."""
    if find_omshell() is None:
        missing("omshell not found: apt-get install isc-dhcp-server")
    return run_omshell
