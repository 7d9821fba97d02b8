"""The ``dhcpctl`` commands against a real dhcpd, on both backends, and their exit statuses.

Each command runs as a user runs it: ``python -m dhcpctl ...`` in a child process, the server
and key given by environment variables (the secret in a variable of its own) or options.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cli_helpers import (
    clean_environment,
    endpoint_environment,
    run_dhcpctl,
    run_dhcpctl_without_stdout,
)
from fake_omapi import PATIENCE, Behaviour, handshake

from dhcpctl import cli
from dhcpctl._errors import typed_error
from dhcpctl._info import BackendInfo
from dhcpctl._results import DHCP_R_INVALIDARG, DHCP_R_MULTIPLE, ISC_R_NOPERM
from dhcpctl.cli._connection import TIMEOUT_HELP
from dhcpctl.cli._exit import ExitCode, exit_code
from dhcpctl.cli._output import reader_gone
from dhcpctl.testing import Delay, FakeLease, OmapiServer
from testbed.pytest_plugin import ServerFactory
from testbed.server import Endpoint, make_key


def dhcpctl(endpoint: Endpoint, backend: str, *arguments: str) -> tuple[int, str, str]:
    """Run ``dhcpctl ARGUMENTS --backend BACKEND`` against ``endpoint``: status, out, err."""
    result = run_dhcpctl([*arguments, "--backend", backend], env=endpoint_environment(endpoint))
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def test_lease_set_state_only_leaves_ends_as_it_is(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    server = dhcpd_factory.start(make_key("hmac-md5"))
    arguments = ("lease", "set", "--ip", "198.18.254.150", "--state", "active", "--json")
    status, out, err = dhcpctl(server.endpoint, backend_name, *arguments)
    assert (status, err) == (ExitCode.OK, "")
    assert json.loads(out)["ends"] == "2036-01-01T00:00:00Z"


def test_lease_set_ends_never(dhcpd_factory: ServerFactory, backend_name: str) -> None:
    server = dhcpd_factory.start(make_key("hmac-md5"))
    arguments = ("lease", "set", "--ip", "198.18.254.150", "--ends", "never", "--json")
    status, out, err = dhcpctl(server.endpoint, backend_name, *arguments)
    assert (status, err) == (ExitCode.OK, "")
    assert json.loads(out)["ends"] == "never"
    status, out, _ = dhcpctl(
        server.endpoint, backend_name, "lease", "get", "--ip", "198.18.254.150", "--json"
    )
    assert status == ExitCode.OK
    assert json.loads(out)["ends"] == "never"
    status, table, _ = dhcpctl(
        server.endpoint, backend_name, "lease", "get", "--ip", "198.18.254.150"
    )
    assert status == ExitCode.OK
    assert dict(line.split(None, 1) for line in table.splitlines())["ends"] == "never"


def test_lease_get_as_table_and_json(dhcpd_server: Endpoint, backend_name: str) -> None:
    status, table, _ = dhcpctl(dhcpd_server, backend_name, "lease", "get", "--ip", "198.18.254.150")
    assert status == ExitCode.OK
    rows = dict(line.split(None, 1) for line in table.splitlines())
    assert rows["client-hostname"] == "alpha"
    assert rows["state"] == "active"
    assert rows["ends"] == "2036-01-01T00:00:00Z"
    status, out, _ = dhcpctl(
        dhcpd_server, backend_name, "lease", "get", "--mac", "52-54-00-12-34-57", "--json"
    )
    lease = json.loads(out)
    assert status == ExitCode.OK
    assert lease["ip_address"] == "198.18.254.151"
    assert lease["hardware_address"] == "52:54:00:12:34:57"
    assert lease["starts"] == "2026-02-01T00:00:00Z"
    assert lease["state"] == "active"


def test_host_add_put_get_delete(dhcpd_server: Endpoint, backend_name: str) -> None:
    name = f"cli-{backend_name}"
    mac = "02:00:00:00:77:01" if backend_name == "python" else "02:00:00:00:77:02"
    ip = "198.18.254.71" if backend_name == "python" else "198.18.254.72"
    run = dhcpctl
    status, out, err = run(dhcpd_server, backend_name, "host", "add", name, "--mac", mac, "--json")
    assert status == ExitCode.OK, err
    assert json.loads(out)["hardware_address"] == mac
    status, _, err = run(dhcpd_server, backend_name, "host", "add", name, "--mac", mac)
    assert status == ExitCode.CONFLICT
    assert err.startswith("dhcpctl: ") and err.count("\n") == 1
    status, out, _ = run(
        dhcpd_server, backend_name, "host", "put", name, "--mac", mac.upper(), "--ip", ip, "--json"
    )
    assert status == ExitCode.OK
    assert json.loads(out)["ip_addresses"] == [ip]
    status, out, _ = run(dhcpd_server, backend_name, "host", "get", "--mac", mac, "--json")
    assert (status, json.loads(out)["name"]) == (ExitCode.OK, name)
    status, out, err = run(dhcpd_server, backend_name, "host", "delete", name, "--json")
    assert status == ExitCode.OK, err
    assert json.loads(out) == {  # one JSON object, as every command: what was deleted
        "deleted": "host",
        "name": name,
        "mac": None,
        "uid": None,
        "ip": None,
        "hardware_type": None,
    }
    status, _, err = run(dhcpd_server, backend_name, "host", "get", name)
    assert status == ExitCode.NOT_FOUND
    assert "no object matches specification" in err  # the server's own message


def test_groups_classes_subclasses(dhcpd_server: Endpoint, backend_name: str) -> None:
    run = dhcpctl
    status, out, _ = run(dhcpd_server, backend_name, "group", "get", "gold", "--json")
    assert (status, json.loads(out)["name"]) == (ExitCode.OK, "gold")
    group = f"cli-group-{backend_name}"
    status, _, err = run(
        dhcpd_server, backend_name, "group", "add", group, "--statements", "default-lease-time 600;"
    )
    assert status == ExitCode.OK, err
    status, out, err = run(dhcpd_server, backend_name, "group", "delete", group)
    assert (status, out) == (ExitCode.OK, f"deleted  group\nname     {group}\n"), err
    status, out, _ = run(dhcpd_server, backend_name, "class", "get", "vendor-test", "--json")
    assert (status, json.loads(out)["name"]) == (ExitCode.OK, "vendor-test")
    status, out, _ = run(
        dhcpd_server, backend_name, "subclass", "get", "by-mac", "1:52:54:00:12:34:58", "--json"
    )
    assert status == ExitCode.OK
    assert json.loads(out)["data"] == "01:52:54:00:12:34:58"
    data = "1:02:00:00:00:78:01" if backend_name == "python" else "1:02:00:00:00:78:02"
    assert run(dhcpd_server, backend_name, "subclass", "add", "by-mac", data)[0] == ExitCode.OK
    status, out, err = run(
        dhcpd_server, backend_name, "subclass", "delete", "by-mac", data, "--json"
    )
    assert status == ExitCode.OK, err
    deleted = {"deleted": "subclass", "class_name": "by-mac", "data": "0" + data}
    assert json.loads(out) == deleted  # the data as hex bytes, as subclass get shows it
    status, _, _ = run(dhcpd_server, backend_name, "subclass", "get", "by-mac", data)
    assert status == ExitCode.NOT_FOUND


def test_failover_get_and_server_shutdown(dhcpd_factory: ServerFactory) -> None:
    primary, _ = dhcpd_factory.failover_pair()
    for backend in ("python", "native"):
        status, out, err = dhcpctl(primary.endpoint, backend, "failover", "get", "pair", "--json")
        assert status == ExitCode.OK, err
        state = json.loads(out)
        assert state["name"] == "pair"
        assert state["local_state"] in ("startup", "normal", "communications-interrupted")
        assert state["hierarchy"] == "primary"
    for backend in ("python", "native"):
        server = dhcpd_factory.start(make_key("hmac-md5"))
        process = server._process
        assert process is not None
        status, out, err = dhcpctl(server.endpoint, backend, "server", "shutdown", "--json")
        assert (status, json.loads(out)) == (ExitCode.OK, {"shutdown": "requested"}), err
        assert process.wait(timeout=30) == 0  # dhcpd exits once our connection is closed


def test_exit_status_of_each_failure_class(
    dhcpd_server: Endpoint,
    backend_name: str,
    fake_server: Callable[[Behaviour], int],
    released: threading.Event,
) -> None:
    lease = ("lease", "get", "--ip", "198.18.254.150")
    assert dhcpd_server.key is not None
    env = endpoint_environment(dhcpd_server)

    def status(*arguments: str, **extra: str) -> int:
        result = run_dhcpctl([*arguments, "--backend", backend_name], env={**env, **extra})
        assert result.stderr.count(b"\n") <= 1, result.stderr  # one line
        return result.returncode

    assert status(*lease) == ExitCode.OK
    assert status("lease", "get", "--ip", "198.18.254.99") == ExitCode.NOT_FOUND
    assert status("host", "add", "static-one", "--mac", "00:11:22:33:44:01") == ExitCode.CONFLICT
    assert status(*lease, OMAPI_SECRET="d3Jvbmc=") == ExitCode.AUTHENTICATION
    assert status(*lease, DHCPCTL_KEY_NAME="no-such-key") == ExitCode.AUTHENTICATION
    assert status(*lease, DHCPCTL_SERVER=f"{dhcpd_server.address}:1") == ExitCode.UNREACHABLE
    assert status("host", "add", "x", "--mac", "not-a-mac") == ExitCode.USAGE
    assert status(*lease, DHCPCTL_SERVER="host:port") == ExitCode.USAGE
    assert status(*lease, DHCPCTL_KEY_SECRET_ENV="UNSET_VARIABLE") == ExitCode.USAGE
    assert status("lease", "get") == ExitCode.USAGE  # argparse: a key is required
    statements = ("--statements", "option routers ;;; nonsense {")  # refused before sending
    assert status("host", "add", "x", "--mac", "02:00:00:00:00:99", *statements) == 2
    # A hardware type beyond one byte is refused before sending (dhcpd keeps one byte; it used
    # to be this test's way to have dhcpd refuse a request, which now only an error the client
    # cannot foresee does: those map to FAILED, see test_other_refusals_are_failed).
    wide = ("--mac", "02:00:00:00:00:98", "--hardware-type", "999")
    assert status("host", "add", "x", *wide) == ExitCode.USAGE

    def silent(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        released.wait(PATIENCE)

    port = fake_server(silent)
    # An empty variable counts as unset: no key.
    unkeyed = {"DHCPCTL_SERVER": f"127.0.0.1:{port}", "DHCPCTL_KEY_SECRET_ENV": ""}
    unkeyed["DHCPCTL_KEY_NAME"] = ""
    assert status(*lease, "--timeout", "1", **unkeyed) == ExitCode.UNREACHABLE


def test_key_file_and_options(
    dhcpd_factory: ServerFactory, backend_name: str, tmp_path: Path
) -> None:
    key = make_key("hmac-sha384")
    endpoint = dhcpd_factory.start(key).endpoint
    key_file = tmp_path / "omapi.key"
    key_file.write_text(
        f'key "{key.name}" {{\n  algorithm {key.algorithm};\n  secret "{key.secret_base64}";\n}};\n'
    )
    result = run_dhcpctl(
        [
            "lease", "get", "--ip", "198.18.254.152", "--json", "--backend", backend_name,
            "--server", f"{endpoint.address}:{endpoint.port}", "--key-file", str(key_file),
        ]
    )  # fmt: skip
    assert result.returncode == ExitCode.OK, result.stderr
    assert json.loads(result.stdout)["client_hostname"] == "charlie"


def test_console_script_and_module_are_the_same_command() -> None:
    script = Path(sys.executable).parent / "dhcpctl"
    assert script.exists(), "pip install puts the dhcpctl console script beside the interpreter"
    by_script = subprocess.run(
        [str(script), "info"], capture_output=True, text=True, check=False, env=clean_environment()
    )
    by_module = run_dhcpctl(["info"])
    assert by_script.returncode == by_module.returncode == 0
    assert by_script.stdout.splitlines()[0] == by_module.stdout.decode().splitlines()[0]
    assert by_script.stdout.startswith("backend: ")


def test_info_as_json() -> None:
    """``dhcpctl info --json``: the same report as one JSON object, BackendInfo's fields."""
    text = run_dhcpctl(["info"])
    result = run_dhcpctl(["info", "--json"])
    assert (result.returncode, result.stderr) == (ExitCode.OK, b"")
    record = json.loads(result.stdout)
    assert set(record) == {field.name for field in dataclasses.fields(BackendInfo)}
    assert f"backend: {record['backend']}\nreason: {record['reason']}\n" in text.stdout.decode()


def test_connection_options_before_the_command(
    dhcpd_server: Endpoint, backend_name: str, closed_port: int
) -> None:
    """``dhcpctl --server H --timeout S lease get ...``: the options work before the command
    too; given on both sides, the one after the command wins."""
    env = endpoint_environment(dhcpd_server)
    server = env.pop("DHCPCTL_SERVER")
    closed = f"127.0.0.1:{closed_port}"
    lease = ["lease", "get", "--ip", "198.18.254.150", "--json"]
    before = ["--server", server, "--timeout", "20", "--backend", backend_name.upper()]
    result = run_dhcpctl([*before, *lease], env=env)
    assert (result.returncode, result.stderr) == (ExitCode.OK, b"")
    assert json.loads(result.stdout)["client_hostname"] == "alpha"
    after_wins = run_dhcpctl(["--server", closed, *lease, "--server", server], env=env)
    assert (after_wins.returncode, after_wins.stderr) == (ExitCode.OK, b"")
    before_kept = run_dhcpctl(["--server", closed, *lease, "--timeout", "5"], env=env)
    assert before_kept.returncode == ExitCode.UNREACHABLE
    assert closed.encode() in before_kept.stderr
    key_file = run_dhcpctl(["--key-file", "/nonexistent/omapi.key", *lease], env=env)
    assert key_file.returncode == ExitCode.USAGE
    assert key_file.stderr.startswith(b"dhcpctl: --key-file /nonexistent/omapi.key")


def run_with_stdout_closed(
    arguments: list[str], env: dict[str, str], stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    """``python -m dhcpctl ARGUMENTS`` writing into a pipe whose read end is closed before the
    command starts (``dhcpctl ... | head`` once head has ended): every write fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "dhcpctl", *arguments],
            input=stdin,
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
            env=env,
        )
    finally:
        os.close(write_end)


def test_a_closed_stdout_ends_quietly(dhcpd_server: Endpoint, backend_name: str) -> None:
    """``dhcpctl lease get ... | head -c 1``: not "server unreachable" (6) with a Broken pipe
    message, but status 141 and nothing on stderr; also for ``dhcpctl shell`` writing while
    connected (its connect line's record), and for ``info``."""
    env = endpoint_environment(dhcpd_server)
    backend = ["--backend", backend_name]
    for arguments, stdin in (
        (["lease", "get", "--ip", "198.18.254.150", "--json", *backend], b""),
        (["shell", "--json", *backend], b"connect\n"),
        (["shell", *backend], b"connect\n"),
        (["info"], b""),
    ):
        result = run_with_stdout_closed(arguments, env, stdin)
        assert (result.returncode, result.stderr) == (ExitCode.OUTPUT_CLOSED, b""), arguments


#: What a command says when its standard output takes nothing (``> /dev/full``).
NO_SPACE = b"dhcpctl: cannot write the output: [Errno 28] No space left on device\n"


def assert_output_failures_reported(
    arguments: list[str], env: dict[str, str], stdin: bytes = b""
) -> None:
    """``dhcpctl ARGUMENTS > /dev/full``: status 1 and one line on stderr (no traceback, not
    bad usage, not 0 with nothing written), also with no stdout at all (``>&-``); into a pipe
    whose reader is gone: 141, quietly."""
    with open("/dev/full", "wb") as full:
        result = run_dhcpctl(arguments, stdin, env=env, stdout=full)
    assert (result.returncode, result.stderr) == (ExitCode.FAILED, NO_SPACE), arguments
    no_stdout = run_dhcpctl_without_stdout(arguments, stdin, env)
    closed_text = b"dhcpctl: cannot write the output: standard output is closed\n"
    assert (no_stdout.returncode, no_stdout.stderr) == (ExitCode.FAILED, closed_text), arguments
    closed = run_with_stdout_closed(arguments, env, stdin)
    assert (closed.returncode, closed.stderr) == (ExitCode.OUTPUT_CLOSED, b""), arguments


@pytest.mark.parametrize(
    "arguments",
    [["info"], ["info", "--json"], ["--version"], ["--help"], ["lease", "--help"]],
    ids=" ".join,
)
def test_info_version_and_help_report_a_failed_write(arguments: list[str]) -> None:
    """``info``, ``--version`` (a traceback before) and ``--help`` (argparse drops a failed
    write: status 0 before) fail as every command does when their output cannot be written."""
    assert_output_failures_reported(arguments, clean_environment())


@pytest.mark.parametrize("output", ["json", "csv"])
def test_host_export_reports_a_failed_write(dhcpd_server: Endpoint, output: str) -> None:
    """``host export > /dev/full``: the command's own failure (1, ``cannot write the
    output``), not bad usage (2, the OSError's text alone)."""
    arguments = ["host", "export", "--names", "-", "--format", output]
    assert_output_failures_reported(arguments, endpoint_environment(dhcpd_server), b"static-one\n")


def test_a_broken_pipe_to_the_server_is_still_unreachable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A BrokenPipeError while stdout is read (the server's socket failed) stays status 6."""

    def server_gone(args: object, connection: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli, "_run", server_gone)
    assert cli.main(["lease", "get", "--ip", "198.18.254.150"]) == ExitCode.UNREACHABLE
    assert capsys.readouterr().err == "dhcpctl: [Errno 32] Broken pipe\n"


def test_reader_gone() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as out:
        assert not reader_gone(out)
        os.close(read_end)
        assert reader_gone(out)
    assert not reader_gone(io.StringIO())


@pytest.mark.parametrize("status", [DHCP_R_INVALIDARG, ISC_R_NOPERM, DHCP_R_MULTIPLE])
def test_other_refusals_are_failed(status: int) -> None:
    """A refusal of the server's that is no not-found, conflict or key problem (an invalid
    value, a read-only attribute, several matches) exits with FAILED (1)."""
    assert exit_code(typed_error(status, function="hosts.create")) == ExitCode.FAILED


@pytest.mark.parametrize(
    ("timeout", "expected"), [("2.5", ExitCode.UNREACHABLE), ("0", ExitCode.OK)]
)
def test_the_timeout_bounds_the_whole_command(
    backend_name: str, timeout: str, expected: ExitCode
) -> None:
    """``--timeout`` is the typed client's per-call timeout, and a typed command is one call:
    ``lease set --ends --state`` makes several requests, each answered 1 s late (within 2.5 s),
    and the command as a whole (at least 4 s, beyond 2.5 s and the backends' 1 s slack) times
    out; with no limit (0) it succeeds."""
    lease = FakeLease(ip="198.18.1.150", ends=datetime(2030, 1, 1, tzinfo=timezone.utc))
    with OmapiServer(leases=[lease]) as server:
        server.inject(Delay(1.0), replies=10)
        result = run_dhcpctl(
            [
                "--backend",
                backend_name,
                "--server",
                f"{server.address}:{server.port}",
                "--timeout",
                timeout,
                "lease",
                "set",
                "--ip",
                "198.18.1.150",
                "--ends",
                "2031-01-01T00:00:00Z",
                "--state",
                "active",
            ]
        )
    assert result.returncode == expected, result.stderr


def test_the_timeout_help_says_what_it_bounds() -> None:
    """``--help`` of every command says what ``--timeout`` bounds: not "each request"."""
    for command in ([], ["lease", "set"], ["host", "import"], ["shell"]):
        result = run_dhcpctl([*command, "--help"])
        text = " ".join(result.stdout.decode().split())
        assert "each request" not in text
        assert TIMEOUT_HELP in text, command
