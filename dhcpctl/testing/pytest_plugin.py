"""pytest fixtures for code that talks to dhcpd: ``omapi_server``, ``omapi_server_factory``.

Registered through the ``pytest11`` entry point ``dhcpctl``: installing the package is enough.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ._server import OmapiServer


@pytest.fixture
def omapi_server_factory() -> Iterator[Callable[..., OmapiServer]]:
    """``omapi_server_factory(**kwargs)`` starts an :class:`OmapiServer` with those arguments
    (key, leases, hosts, groups, ...) and returns it; every one is closed when the test ends."""
    servers: list[OmapiServer] = []

    def start(**kwargs: Any) -> OmapiServer:
        servers.append(OmapiServer(**kwargs).start())
        return servers[-1]

    try:
        yield start
    finally:
        for server in servers:
            server.close()


@pytest.fixture
def omapi_server(omapi_server_factory: Callable[..., OmapiServer]) -> OmapiServer:
    """A started :class:`OmapiServer` without key and without objects, on 127.0.0.1."""
    return omapi_server_factory()
