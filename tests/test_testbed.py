"""The test bed itself, checked with ISC's omshell against real dhcpd servers."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from testbed import dataset
from testbed.ledger import VARIABLE as LEDGER_VARIABLE
from testbed.ledger import leftovers, start_time
from testbed.ledger import main as ledger_main
from testbed.netns import create_namespace, existing_namespaces, pid_alive, reclaim_if_stale
from testbed.omshell import OmshellRun, parse_value
from testbed.pytest_plugin import ServerFactory
from testbed.server import (
    ALGORITHMS,
    DhcpdServer,
    Endpoint,
    ServerError,
    endpoint_from_env,
    make_key,
)

Omshell = Callable[[Endpoint, Sequence[str]], OmshellRun]
ROOT = Path(__file__).resolve().parent.parent
FAILOVER_NORMAL = 2  # enum failover_state in ISC's includes/failover.h


def test_default_server_lease_by_ip_address(dhcpd_server: Endpoint, omshell: Omshell) -> None:
    for lease in dataset.LEASES:
        step = omshell(dhcpd_server, ["new lease", f"set ip-address = {lease.ip}", "open"]).last
        assert step.messages == []
        assert step.object_type == "lease"
        assert step.values["ip-address"] == socket.inet_aton(lease.ip)
        assert step.values["hardware-address"] == bytes.fromhex(lease.mac.replace(":", ""))
        assert step.values["client-hostname"] == lease.hostname.encode()
        assert step.values["ends"] == lease.ends.to_bytes(4, "big")
        assert step.values["starts"] == lease.starts.to_bytes(4, "big")


def test_default_server_lease_by_hardware_address(dhcpd_server: Endpoint, omshell: Omshell) -> None:
    lease = dataset.LEASES[1]
    commands = ["new lease", f"set hardware-address = {lease.mac}", "open"]
    step = omshell(dhcpd_server, commands).last
    assert step.messages == []
    assert step.values["ip-address"] == socket.inet_aton(lease.ip)
    assert step.values["client-hostname"] == lease.hostname.encode()
    assert step.values["ends"] == lease.ends.to_bytes(4, "big")


@pytest.mark.parametrize("host", dataset.HOSTS, ids=lambda host: host.name)
def test_default_server_host_by_name(
    dhcpd_server: Endpoint, omshell: Omshell, host: dataset.Host
) -> None:
    step = omshell(dhcpd_server, ["new host", f'set name = "{host.name}"', "open"]).last
    assert step.messages == []
    assert step.object_type == "host"
    assert step.values["ip-address"] == socket.inet_aton(host.ip)
    assert step.values["hardware-address"] == bytes.fromhex(host.mac.replace(":", ""))


def test_default_server_group_by_name(dhcpd_server: Endpoint, omshell: Omshell) -> None:
    group = dataset.GROUPS[0]
    step = omshell(dhcpd_server, ["new group", f'set name = "{group.name}"', "open"]).last
    assert step.messages == []
    assert step.values["name"] == group.name.encode()


def test_unknown_lease_is_not_found(dhcpd_server: Endpoint, omshell: Omshell) -> None:
    step = omshell(dhcpd_server, ["new lease", "set ip-address = 198.18.254.99", "open"]).last
    assert step.messages == ["can't open object: not found"]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_key_algorithm(
    dhcpd_factory: ServerFactory, omshell: Omshell, algorithm: str
) -> None:
    server = dhcpd_factory.start(make_key(algorithm))
    lease = dataset.LEASES[0]
    lookup = ["new lease", f"set ip-address = {lease.ip}", "open"]

    good = omshell(server.endpoint, lookup).last
    assert good.messages == []
    assert good.values["client-hostname"] == lease.hostname.encode()

    assert server.key is not None
    wrong = dataclasses.replace(server.key, secret=bytes(len(server.key.secret)))
    refused = omshell(Endpoint(server.address, server.port, wrong), lookup).last
    assert "client-hostname" not in refused.values
    assert len(refused.messages) == 1
    assert refused.messages[0].startswith("can't open object: ")


def test_server_without_key(dhcpd_factory: ServerFactory, omshell: Omshell) -> None:
    server = dhcpd_factory.start(None)
    host = dataset.HOSTS[0]
    step = omshell(server.endpoint, ["new host", f'set name = "{host.name}"', "open"]).last
    assert step.values["ip-address"] == socket.inet_aton(host.ip)


def test_failover_pair_reaches_normal(dhcpd_factory: ServerFactory, omshell: Omshell) -> None:
    primary, secondary = dhcpd_factory.failover_pair(make_key("hmac-sha256"))
    commands = ["new failover-state", 'set name = "pair"', "open"]
    deadline = time.monotonic() + 30
    while True:
        step = omshell(primary.endpoint, commands).last
        assert step.messages == [], step.messages
        local = step.values["local-state"]
        partner = step.values["partner-state"]
        normal = FAILOVER_NORMAL.to_bytes(4, "big")
        if local == partner == normal or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert (local, partner) == (normal, normal), primary.log_tail()
    assert step.values["mclt"] == (60).to_bytes(4, "big")
    assert secondary.running


def test_stopped_server_refuses(dhcpd_factory: ServerFactory, omshell: Omshell) -> None:
    server = dhcpd_factory.start(None)
    server.stop()
    run = omshell(server.endpoint, ["new lease"])
    assert "dhcpctl_connect: " in run.stderr


def test_created_host_is_written_to_leases_file(
    dhcpd_factory: ServerFactory, omshell: Omshell
) -> None:
    server = dhcpd_factory.start(make_key("hmac-sha1"))
    commands = [
        "new host",
        'set name = "made-by-omshell"',
        "set hardware-address = 00:00:5e:00:53:01",
        "set hardware-type = 1",
        "create",
    ]
    assert omshell(server.endpoint, commands).last.messages == []
    assert "host made-by-omshell {" in server.leases_file.read_text()


def assert_cleaned_up(namespace: str, pid: int | None, owner: int | None = None) -> None:
    """The server's namespace, made by process ``owner`` (this one by default), is gone (one
    of the same name that another run made since does not count), and its dhcpd no longer
    runs."""
    assert leftovers([f"netns {namespace} {owner or os.getpid()}"]) == []
    assert pid is None or not pid_alive(pid)


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_teardown_after_an_exception(error: type[BaseException], local_testbed: None) -> None:
    with pytest.raises(error), DhcpdServer(None, with_dataset=True) as server:
        made = server.namespace.name, server.pid
        assert made[0] in existing_namespaces()
        assert made[1] is not None and pid_alive(made[1])
        raise error("raised inside the server's block")
    assert_cleaned_up(*made)


def test_teardown_after_a_failed_start(local_testbed: None) -> None:
    server = DhcpdServer(None, conf_extra="no-such-statement {")
    with pytest.raises(ServerError, match="dhcpd said"), server:
        pass
    assert_cleaned_up(server.namespace.name, server.pid)


def test_teardown_of_fixtures_in_a_failing_test_run(
    pytester: pytest.Pytester, local_testbed: None
) -> None:
    pytester.makepyfile(
        """
        import json, os
        from pathlib import Path

        def test_fails(dhcpd_factory):
            servers = [dhcpd_factory.start(None), *dhcpd_factory.failover_pair()]
            made = [[server.namespace.name, server.pid, os.getpid()] for server in servers]
            Path("made.json").write_text(json.dumps(made))
            assert False, "this test fails on purpose"
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "testbed.pytest_plugin", "-p", "no:cacheprovider"],
        cwd=pytester.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "this test fails on purpose" in result.stdout
    assert result.returncode == 1, result.stdout
    made = json.loads((pytester.path / "made.json").read_text())
    assert len(made) == 3
    for namespace, pid, owner in made:
        assert_cleaned_up(namespace, pid, owner)


def test_stale_namespace_of_a_dead_run_is_reclaimed(local_testbed: None) -> None:
    namespace = create_namespace()
    dead_owner = 2**22 + 1  # no pid above the kernel's maximum can be alive
    reclaimed = False
    try:
        assert not reclaim_if_stale(namespace)  # its owner, this process, is alive
        assert namespace.name in existing_namespaces()
        # Pretend a run that has ended owns it.
        Path("/run/dhcpctl-testbed", namespace.name).write_text(str(dead_owner))
        reclaimed = reclaim_if_stale(namespace)
        assert reclaimed
        # Gone (a namespace of that name another run may have made since is not it).
        assert leftovers([f"netns {namespace.name} {dead_owner}"]) == []
    finally:
        if not reclaimed:  # after the reclaim, the name may be another run's already
            namespace.delete()


def test_external_server_mode(pytester: pytest.Pytester, local_testbed: None) -> None:
    """The suite's default-server tests pass against a server named by DHCPCTL_TEST_SERVER."""
    with DhcpdServer(make_key("hmac-sha384"), with_dataset=True) as server:
        assert server.key is not None
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DHCPCTL_TEST_SERVER": f"{server.address}:{server.port}",
            "DHCPCTL_TEST_KEY_NAME": server.key.name,
            "DHCPCTL_TEST_KEY_ALGORITHM": server.key.algorithm,
            "DHCPCTL_TEST_KEY_SECRET": server.key.secret_base64,
        }
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "-q",
                str(Path(__file__)),
                "-k",
                "default_server",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0, result.stdout
    assert " passed" in result.stdout and "skipped" not in result.stdout


def test_endpoint_from_env() -> None:
    assert endpoint_from_env({}) is None
    endpoint = endpoint_from_env(
        {
            "DHCPCTL_TEST_SERVER": "[::1]:7911",
            "DHCPCTL_TEST_KEY_NAME": "k",
            "DHCPCTL_TEST_KEY_SECRET": "c2VjcmV0",
        }
    )
    assert endpoint is not None
    assert (endpoint.address, endpoint.port) == ("::1", 7911)
    assert endpoint.key is not None
    assert (endpoint.key.algorithm, endpoint.key.secret) == ("hmac-md5", b"secret")
    assert "secret" not in repr(endpoint)
    with pytest.raises(ValueError, match="host:port"):
        endpoint_from_env({"DHCPCTL_TEST_SERVER": "nohost"})
    with pytest.raises(ValueError, match="base64"):
        endpoint_from_env(
            {
                "DHCPCTL_TEST_SERVER": "a:1",
                "DHCPCTL_TEST_KEY_NAME": "k",
                "DHCPCTL_TEST_KEY_SECRET": "!!",
            }
        )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"alpha"', b"alpha"),
        ("c6:12:fe:96", b"\xc6\x12\xfe\x96"),
        ("00", b"\x00"),
        ("-5", -5),
        ("1234", 1234),
        ("<null>", None),
    ],
)
def test_omshell_value_parsing(text: str, value: bytes | int | None) -> None:
    assert parse_value(text) == value


def test_ledger_lists_what_this_run_left(
    local_testbed: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``.ci/run`` checks: this run's namespace and dhcpd while they exist, not after."""
    ledger = tmp_path / "ledger"
    monkeypatch.setenv(LEDGER_VARIABLE, str(ledger))
    with DhcpdServer(None) as server:
        lines = ledger.read_text().splitlines()
        assert [line.split()[:2] for line in lines] == [
            ["netns", server.namespace.name],
            ["dhcpd", str(server.pid)],
        ]
        assert leftovers(lines) == lines
    assert leftovers(lines) == []
    assert ledger_main([str(ledger)]) == 0


def test_ledger_ignores_what_others_made(local_testbed: None, tmp_path: Path) -> None:
    """A recycled pid (another start time) or a namespace of the same name that another run
    owns is not this run's leftover; this process itself, alive, is."""
    namespace = create_namespace()
    try:
        own = f"dhcpd {os.getpid()} {start_time(os.getpid())}"
        recycled = f"dhcpd {os.getpid()} {start_time(os.getpid())}0"
        theirs = f"netns {namespace.name} {os.getpid() + 1}"
        mine = f"netns {namespace.name} {os.getpid()}"
        assert leftovers([own, recycled, theirs, mine]) == [own, mine]
        (tmp_path / "ledger").write_text(f"{recycled}\n{theirs}\n")
        assert ledger_main([str(tmp_path / "ledger")]) == 0
        (tmp_path / "ledger").write_text(f"{mine}\n")
        assert ledger_main([str(tmp_path / "ledger")]) == 1
    finally:
        namespace.delete()
