"""pytest fixtures over the test bed: ``dhcpd_server``, ``dhcpd_factory``, ``omshell``, and
``scenario_server``: each scenario test that takes it runs against ``dhcpd_server`` and against
``fake_dhcpd_server`` (a :class:`dhcpctl.testing.OmapiServer` holding the same dataset), so that the
fake's answers are checked against dhcpd's by the same assertions.

Tests that need a server skip, with a reason saying what to install, where no server can be
had (not root, no dhcpd); with ``DHCPCTL_REQUIRE_SERVER=1`` (CI) they fail instead.
``DHCPCTL_TEST_SERVER=host:port`` (and ``DHCPCTL_TEST_KEY_*``) makes ``dhcpd_server`` that
external server, which must hold :mod:`testbed.dataset` (see docker/README.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, Protocol

import pytest

from dhcpctl.testing import OmapiServer
from testbed.fake import dataset_server
from testbed.fake import endpoint as fake_endpoint
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


class StartedServer(Protocol):
    """A started server of a test's own: where it listens, the leases file dhcpd writes (None
    for the fake, which keeps no file), and ``stop()``."""

    @property
    def endpoint(self) -> Endpoint: ...

    @property
    def leases_file(self) -> Path | None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class StartedFake:
    """A fake server started by :meth:`ServerFactory.fake`; ``stop()`` closes it (its
    connections end, as when dhcpd is stopped)."""

    endpoint: Endpoint
    server: OmapiServer
    leases_file: None = None

    def stop(self) -> None:
        self.server.close()


class ServerFactory:
    """Starts extra servers for one test and closes all of them at its end."""

    def __init__(self) -> None:
        self._servers: list[DhcpdServer] = []
        self._fakes: list[OmapiServer] = []

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

    def fake(self, key: OmapiKey | None = None) -> StartedFake:
        """A started fake server (:func:`testbed.fake.dataset_server`) holding the dataset, as
        ``start(key)`` would."""
        server = dataset_server(key).start()
        self._fakes.append(server)
        return StartedFake(fake_endpoint(server, key), server)

    def close(self) -> None:
        while self._servers:
            self._servers.pop().close()
        while self._fakes:
            self._fakes.pop().close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by what they need, so ``-m "not netns"`` selects those an external server runs."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        own_dhcpd = params.get("scenario_factory") == "dhcpd"
        on_dhcpd = own_dhcpd or params.get("scenario_server") == "dhcpd"
        if "local_testbed" in fixtures or own_dhcpd:
            item.add_marker(pytest.mark.netns)
        if "local_testbed" in fixtures or "dhcpd_server" in fixtures or on_dhcpd:
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


@pytest.fixture(scope="session")
def fake_dhcpd_server() -> Iterator[Endpoint]:
    """The session's fake server: :mod:`testbed.dataset` in a :class:`dhcpctl.testing.OmapiServer`
    on 127.0.0.1, keyed with hmac-md5 like ``dhcpd_server``."""
    key = make_key("hmac-md5")
    with dataset_server(key) as server:
        yield fake_endpoint(server, key)


@pytest.fixture(params=["dhcpd", "fake"])
def scenario_server(request: pytest.FixtureRequest) -> Endpoint:
    """``dhcpd_server``, then ``fake_dhcpd_server``: the test runs against both."""
    name = "dhcpd_server" if request.param == "dhcpd" else "fake_dhcpd_server"
    endpoint: Endpoint = request.getfixturevalue(name)
    return endpoint


#: ``start(key)``: a started server of the test's own holding the dataset.
StartServer = Callable[[OmapiKey | None], StartedServer]


@pytest.fixture(params=["dhcpd", "fake"])
def scenario_factory(request: pytest.FixtureRequest) -> StartServer:
    """``start(key)`` through ``dhcpd_factory``, then through fake servers: the test runs
    against both (servers of its own, closed when it ends)."""
    if request.param == "dhcpd":
        dhcpd: ServerFactory = request.getfixturevalue("dhcpd_factory")
        return dhcpd.start
    fakes = ServerFactory()
    request.addfinalizer(fakes.close)
    return fakes.fake


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
