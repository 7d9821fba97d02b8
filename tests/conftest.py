"""Fixtures: the test bed's servers (testbed.pytest_plugin), fake servers and the backends
under test."""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

# The plugin is imported here, before pytest would load it from pytest_plugins below: its asserts
# are rewritten all the same.
pytest.register_assert_rewrite("testbed.pytest_plugin")

from fake_omapi import Behaviour, FakeServer  # noqa: E402

from dhcpctl import Backend, load_backend  # noqa: E402
from testbed.pytest_plugin import missing  # noqa: E402

pytest_plugins = ["testbed.pytest_plugin", "pytester"]

BACKENDS = ("python", "native")


def backend_or_skip(name: str) -> Backend:
    """Backend ``name``; a missing native backend skips, or fails if DHCPCTL_REQUIRE_NATIVE=1."""
    try:
        return load_backend(name)
    except ImportError as error:
        missing(str(error), "DHCPCTL_REQUIRE_NATIVE")


def busy_poll_source() -> str:
    """Where ``dhcpctl info`` says this run's busy-poll limit comes from (its last line, in
    brackets), by this process's environment: the children of a test inherit it."""
    setting = os.environ.get("DHCPCTL_BUSY_POLL", "").strip()
    return f"DHCPCTL_BUSY_POLL={setting}" if setting else "default: DHCPCTL_BUSY_POLL unset"


def require_api_mode() -> None:
    """Skip where the compiled API-mode module is not built (fail if DHCPCTL_REQUIRE_NATIVE=1:
    the install then fails without it); where only ABI mode exists, API-mode tests skip."""
    if importlib.util.find_spec("dhcpctl._native_lib") is None:
        missing("API mode: dhcpctl._native_lib is not built", "DHCPCTL_REQUIRE_NATIVE")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``native`` every test run with the native backend as a parameter (``backend``,
    or any other), so that ``-m native`` selects them (``.ci/run``'s ABI-mode rerun)."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "native" in callspec.params.values():
            item.add_marker(pytest.mark.native)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each backend in turn: every test that takes it runs on both implementations."""
    name: str = request.param
    return backend_or_skip(name)


@pytest.fixture
def released() -> threading.Event:
    """Set when the test is over: a fake server that holds its connection open waits for it
    (at most ``fake_omapi.PATIENCE``)."""
    return threading.Event()


@pytest.fixture
def fake_server(released: threading.Event) -> Iterator[Callable[[Behaviour], int]]:
    """``start(behaviour)``: a :class:`fake_omapi.FakeServer` on 127.0.0.1, its port; when the
    test ends, ``released`` is set and every one started is closed."""
    servers: list[FakeServer] = []

    def start(behaviour: Behaviour) -> int:
        servers.append(FakeServer(behaviour))
        return servers[-1].port

    yield start
    released.set()
    for server in servers:
        server.close()


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected ``socket.socketpair()``: the test's end and its peer; closed after."""
    ours, theirs = socket.socketpair()
    yield ours, theirs
    ours.close()
    theirs.close()


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    """Each backend's name in turn, for tests whose clients run in child processes."""
    name: str = request.param
    backend_or_skip(name)  # a missing native backend skips (fails with REQUIRE_NATIVE)
    return name


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port of 127.0.0.1 that refuses connections: bound (so nobody else takes it), not
    listening (so the kernel answers a connect with a reset)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
