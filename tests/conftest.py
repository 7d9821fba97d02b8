"""Fixtures: the test bed's servers (testbed.pytest_plugin), fake servers and the backends
under test."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from fake_omapi import Behaviour, FakeServer

from dhcpctl import Backend, load_backend

pytest_plugins = ["testbed.pytest_plugin", "pytester"]

REQUIRE_NATIVE = os.environ.get("DHCPCTL_REQUIRE_NATIVE") == "1"
BACKENDS = ("python", "native")


def backend_or_skip(name: str) -> Backend:
    """Backend ``name``; a missing native backend skips, or fails if DHCPCTL_REQUIRE_NATIVE=1."""
    try:
        return load_backend(name)
    except ImportError as error:
        if REQUIRE_NATIVE:
            pytest.fail(f"{error} (DHCPCTL_REQUIRE_NATIVE=1: no skipping)", pytrace=False)
        pytest.skip(str(error))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each backend in turn: every test that takes it runs on both implementations."""
    name: str = request.param
    return backend_or_skip(name)


@pytest.fixture
def fake_server() -> Iterator[Callable[[Behaviour], int]]:
    """``start(behaviour)``: a :class:`fake_omapi.FakeServer` on 127.0.0.1, its port; every
    one started is closed when the test ends."""
    servers: list[FakeServer] = []

    def start(behaviour: Behaviour) -> int:
        servers.append(FakeServer(behaviour))
        return servers[-1].port

    yield start
    for server in servers:
        server.close()


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    """Each backend's name in turn, for tests whose clients run in child processes."""
    name: str = request.param
    backend_or_skip(name)  # a missing native backend skips (fails with REQUIRE_NATIVE)
    return name
