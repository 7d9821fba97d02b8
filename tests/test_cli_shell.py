"""``dhcpctl shell`` against ISC's omshell: the same script, the same dhcpd, the same stdout.

Every script of the corpus (tests/data/shell_corpus/, see :mod:`shell_corpus`) runs through
omshell and then through ``dhcpctl shell`` on each backend, against the same test-bed dhcpd;
standard output must be equal byte for byte. The exit status must say whether a command failed
(omshell always exits 0).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BACKENDS, backend_or_skip
from shell_corpus import CORPUS, SCRIPTS, render, run_dhcpctl, run_omshell_script, server_kind

from testbed.omshell import find_omshell
from testbed.pytest_plugin import ServerFactory, missing, require_local_servers
from testbed.server import Endpoint, make_key


class CorpusServers:
    """The servers of the corpus, started on first use and closed at the module's end."""

    def __init__(self, default: Endpoint) -> None:
        self._endpoints = {"default": default}
        self._factory = ServerFactory()

    def get(self, kind: str) -> Endpoint:
        if kind not in self._endpoints:
            require_local_servers()
            if kind == "failover":
                primary, _ = self._factory.failover_pair()
                self._endpoints[kind] = primary.endpoint
                settle(primary.endpoint)
            else:
                key = {"sha256": make_key("hmac-sha256"), "nokey": None}[kind]
                self._endpoints[kind] = self._factory.start(key).endpoint
        return self._endpoints[kind]

    def close(self) -> None:
        self._factory.close()


def settle(endpoint: Endpoint, limit: float = 90.0) -> None:
    """Wait until both failover peers are in state normal (2): before, their states and times
    change from one moment to the next, and omshell's output with them."""
    probe = render(CORPUS / "45-failover.omshell", endpoint)
    settled = b"partner-state = 00:00:00:02\nlocal-state = 00:00:00:02\n"
    deadline = time.monotonic() + limit
    while settled not in run_omshell_script(probe).stdout:
        assert time.monotonic() < deadline, f"the failover pair did not reach normal in {limit} s"
        time.sleep(0.5)  # polling the server's own state: no event to wait on


@pytest.fixture(scope="module")
def corpus_servers(dhcpd_server: Endpoint) -> Iterator[CorpusServers]:
    if find_omshell() is None:
        missing("omshell not found: apt-get install isc-dhcp-server")
    servers = CorpusServers(dhcpd_server)
    try:
        yield servers
    finally:
        servers.close()


def test_corpus_size() -> None:
    assert len(SCRIPTS) >= 40


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.stem for path in SCRIPTS])
def test_shell_matches_omshell(script: Path, corpus_servers: CorpusServers) -> None:
    endpoint = corpus_servers.get(server_kind(script))
    text = render(script, endpoint)
    expected = run_omshell_script(text)
    assert expected.returncode == 0, expected.stderr
    for backend in BACKENDS:
        backend_or_skip(backend)
        ours = run_dhcpctl(["shell", "--backend", backend], text)
        assert ours.stdout.decode("latin-1") == expected.stdout.decode("latin-1"), (
            f"{backend}: stdout differs from omshell's; stderr: {ours.stderr.decode()}"
        )
