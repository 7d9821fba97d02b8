"""The ``dhcpctl`` command's help and its refusal of a bad ``DHCPCTL_BACKEND``, as a user runs
it: ``python -m dhcpctl`` and the console script, in child processes, no server needed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cli_helpers import clean_environment, run_dhcpctl

import dhcpctl
from dhcpctl import LeaseState
from dhcpctl._backend import policy_of
from dhcpctl.cli import BULK_NOT_NATIVE
from dhcpctl.cli._connection import key_file_error
from dhcpctl.cli._exit import ExitCode
from dhcpctl.cli.lease import parse_state, parse_when

BOGUS = "DHCPCTL_BACKEND='bogus' is not valid; use one of: auto, native, python"


def console_script(arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """The ``dhcpctl`` console script pip put beside the interpreter, with ``arguments``."""
    script = Path(sys.executable).parent / "dhcpctl"
    return subprocess.run(
        [str(script), *arguments], capture_output=True, timeout=120, check=False, env=env
    )


def bogus_environment() -> dict[str, str]:
    return {**clean_environment(), "DHCPCTL_BACKEND": "bogus"}


@pytest.mark.parametrize("run", [run_dhcpctl, console_script], ids=["module", "script"])
@pytest.mark.parametrize("backend", [None, "bogus"])
def test_help_is_printed_with_status_0(
    run: Callable[..., subprocess.CompletedProcess[bytes]], backend: str | None
) -> None:
    """``--help`` prints the help (with the exit statuses) on stdout and exits 0, also when
    DHCPCTL_BACKEND is bad (that is refused only when a command runs)."""
    env = clean_environment() if backend is None else bogus_environment()
    result = run(["--help"], env=env)
    assert (result.returncode, result.stderr) == (ExitCode.OK, b"")
    out = result.stdout.decode()
    assert out.startswith("usage: dhcpctl ")
    assert "exit status:" in out and "bad usage" in out


@pytest.mark.parametrize(
    "arguments",
    [["info"], ["lease", "get", "--ip", "198.18.1.1"], ["shell"], ["host", "import", "-"]],
)
def test_a_bad_backend_variable_is_bad_usage(arguments: list[str]) -> None:
    """DHCPCTL_BACKEND=bogus: one line on stderr and exit status 2, no traceback, for every
    command (``import dhcpctl`` in a program still raises ValueError)."""
    result = run_dhcpctl(arguments, env=bogus_environment())
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode() == f"dhcpctl: {BOGUS}\n"
    assert result.stdout == b""


def test_a_bad_backend_variable_through_the_console_script() -> None:
    result = console_script(["info"], bogus_environment())
    assert (result.returncode, result.stderr.decode()) == (ExitCode.USAGE, f"dhcpctl: {BOGUS}\n")


def test_the_backend_option_wins_over_a_bad_variable(closed_port: int) -> None:
    """``--backend python`` is used, not the variable: the command runs (and finds no server
    on a closed port: exit status 6, not 2)."""
    arguments = ["lease", "get", "--ip", "198.18.1.1", "--backend", "python", "--timeout", "5"]
    result = run_dhcpctl(
        [*arguments, "--server", f"127.0.0.1:{closed_port}"], env=bogus_environment()
    )
    assert result.returncode == ExitCode.UNREACHABLE, result.stderr


def test_a_program_importing_dhcpctl_still_gets_the_error() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import dhcpctl"],
        capture_output=True,
        timeout=120,
        check=False,
        env=bogus_environment(),
    )
    assert result.returncode != 0
    assert f"ValueError: {BOGUS}" in result.stderr.decode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", "auto"), ("  ", "auto"), (" Python ", "python"), ("NATIVE", "native")],
)
def test_an_empty_variable_is_unset_and_case_does_not_count(value: str, expected: str) -> None:
    """README: an empty variable counts as unset; ``NATIVE`` or `` python `` is accepted,
    by ``import dhcpctl``, by ``dhcpctl info`` and by the commands' ``--backend`` default."""
    env = {**clean_environment(), "DHCPCTL_BACKEND": value}
    imported = subprocess.run(
        [sys.executable, "-c", "import dhcpctl; print(dhcpctl.BACKEND_REASON)"],
        capture_output=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert imported.returncode == 0, imported.stderr
    reason = imported.stdout.decode()
    assert reason.startswith("auto: ") if expected == "auto" else f"={expected}" in reason
    info = run_dhcpctl(["info"], env=env)
    assert (info.returncode, info.stderr) == (ExitCode.OK, b"")
    assert f"reason: {reason}".encode() in info.stdout
    shell = run_dhcpctl(["shell", "--backend", value or "auto"], b"help\n", env=env)
    assert (shell.returncode, shell.stderr) == (ExitCode.OK, b"")


def test_policy_of() -> None:
    assert [policy_of(value) for value in (None, "", "\t", " Auto", "python\n", "x")] == [
        "auto", "auto", "auto", "auto", "python", "x"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["lease", "get", "--uid", "zz"], "argument --uid: 'zz' is not hex bytes (such as"),
        (
            ["lease", "set", "--ip", "198.18.1.1", "--state", "bogus"],
            "argument --state: 'bogus' is not a lease state; one of: free, active, expired, "
            "released, abandoned, reset, backup",
        ),
        (
            ["lease", "set", "--ip", "198.18.1.1", "--ends", "tomorrow"],
            "argument --ends: 'tomorrow' is not a time: give an ISO 8601 time",
        ),
        (
            ["lease", "set", "--ip", "198.18.1.1", "--ends", "2040-01-01"],
            "argument --ends: '2040-01-01' is outside the times dhcpd keeps: give one from "
            "1970-01-01T00:00:00Z to 2038-01-19T03:14:06Z, or never",
        ),
        (
            ["host", "add", "h", "--hardware-type", "one"],
            "argument --hardware-type: 'one' is not a number",
        ),
        (
            ["host", "put", "h", "--mac", "02:00:00:00:00:01", "--hardware-type", "256"],
            "argument --hardware-type: '256' is not a hardware type (0 to 255",
        ),
        (
            ["host", "get", "--mac", "02:00:00:00:00:01", "--hardware-type", "256"],
            "argument --hardware-type: '256' is not a hardware type (0 to 255",
        ),
        (
            ["host", "delete", "--mac", "02:00:00:00:00:01", "--hardware-type", "one"],
            "argument --hardware-type: 'one' is not a number",
        ),
        (
            ["lease", "get", "--mac", "02:00:00:00:00:01", "--hardware-type", "-1"],
            "argument --hardware-type: '-1' is not a hardware type (0 to 255",
        ),
        (
            ["host", "add", "h", "--hardware-type", "-1"],
            "argument --hardware-type: '-1' is not a hardware type (0 to 255",
        ),
        (
            ["host", "add", "h", "--hardware-type", "-"],
            "argument --hardware-type: '-' is not a number",
        ),
        (
            ["host", "get", "h", "--hardware-type", "32"],
            "--hardware-type without --mac: it is the type of the MAC to look up",
        ),
        (
            ["lease", "get", "--ip", "198.18.1.1", "--hardware-type", "32"],
            "--hardware-type without --mac: it is the type of the MAC to look up",
        ),
    ],
)
def test_value_errors_in_command_line_words(arguments: list[str], expected: str) -> None:
    """A bad option value: what is wrong and what is accepted, no argparse or Python internals
    (``invalid parse_hex value``, ``datetime.datetime(...)``, ``None``); status 2, nothing sent
    (the server, 127.0.0.1:1, is never reached)."""
    env = {**clean_environment(), "DHCPCTL_SERVER": "127.0.0.1:1"}
    result = run_dhcpctl(arguments, env=env)
    err = result.stderr.decode()
    assert result.returncode == ExitCode.USAGE, err
    assert expected in err and err.count("\n") == 1
    for internal in ("invalid", "parse_", "datetime", "None"):
        assert internal not in err


def test_ends_and_state_words_in_any_case() -> None:
    assert parse_when("NEVER") is None and parse_when(" Never ") is None
    assert parse_when("2030-01-01") == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert parse_when("2038-01-19T03:14:06Z") == datetime(
        2038, 1, 19, 3, 14, 6, tzinfo=timezone.utc
    )
    now = parse_when("NOW")
    assert now is not None and now.tzinfo is timezone.utc
    assert parse_state("Released") is LeaseState.RELEASED


def test_a_bad_key_file_is_named_once(tmp_path: Path) -> None:
    """``--key-file PATH: ...``, one form for every error of the key file, the path said once,
    whether or not Key.from_file's message names it (``--key-file /etc/hostname:
    /etc/hostname: ...`` once, then ``--key-file: /etc/hostname: ...`` beside ``--key-file
    PATH: No such file or directory``)."""
    not_a_key = tmp_path / "hostname"
    not_a_key.write_text("myhost\n")
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00")
    for path in (not_a_key, binary):
        result = run_dhcpctl(["lease", "get", "--ip", "198.18.1.1", "--key-file", str(path)])
        err = result.stderr.decode()
        assert result.returncode == ExitCode.USAGE
        assert err.startswith(f"dhcpctl: --key-file {path}: ") and err.count(str(path)) == 1, err
    assert key_file_error("/k", "/k: no key") == "--key-file /k: no key"
    assert key_file_error("/k", "no key") == "--key-file /k: no key"
    missing = tmp_path / "missing"
    result = run_dhcpctl(["lease", "get", "--ip", "198.18.1.1", "--key-file", str(missing)])
    assert result.stderr.decode().startswith(f"dhcpctl: --key-file {missing}: ")


def test_version() -> None:
    env = {**clean_environment(), "DHCPCTL_BACKEND": "python"}
    result = run_dhcpctl(["--version"], env=env)
    assert (result.returncode, result.stderr) == (ExitCode.OK, b"")
    assert result.stdout.decode() == (
        f"dhcpctl {dhcpctl.__version__}, backend python (DHCPCTL_BACKEND=python)\n"
    )


@pytest.mark.parametrize(
    "arguments", [["--backend", "python", "info"], ["info", "--backend", "Python"]]
)
def test_info_reports_the_backend_option(arguments: list[str]) -> None:
    """``--backend`` before or after ``info`` is the backend it reports (not the one ``import
    dhcpctl`` took from the variable), the reason naming the option."""
    env = {**clean_environment(), "DHCPCTL_BACKEND": "native"}
    result = run_dhcpctl(arguments, env=env)
    assert (result.returncode, result.stderr) == (ExitCode.OK, b"")
    assert result.stdout.decode().splitlines()[:2] == [
        "backend: python",
        "reason: --backend python",
    ]
    as_json = run_dhcpctl([*arguments, "--json"], env=env)
    assert json.loads(as_json.stdout)["backend"] == "python"


def test_version_reports_the_backend_option() -> None:
    env = {**clean_environment(), "DHCPCTL_BACKEND": "native"}
    result = run_dhcpctl(["--backend", "python", "--version"], env=env)
    assert (result.returncode, result.stderr) == (ExitCode.OK, b"")
    assert result.stdout.decode() == (
        f"dhcpctl {dhcpctl.__version__}, backend python (--backend python)\n"
    )


@pytest.mark.parametrize("command", [["import", "FILE"], ["export", "--names", "FILE"]])
@pytest.mark.parametrize("where", ["option", "variable"])
def test_bulk_commands_refuse_the_native_backend(
    tmp_path: Path, closed_port: int, command: list[str], where: str
) -> None:
    """``host import``/``export`` run on dhcpctl.aio: a forced native backend is bad usage
    (status 2, before any connect: the closed port would give 6), not silently ignored."""
    names = tmp_path / "names.csv"
    names.write_text("name\nweb-1\n")
    arguments = ["host", *(str(names) if word == "FILE" else word for word in command)]
    env = clean_environment()
    if where == "option":
        arguments = ["--backend", "native", *arguments]
    else:
        env["DHCPCTL_BACKEND"] = "native"
    result = run_dhcpctl([*arguments, "--server", f"127.0.0.1:{closed_port}"], env=env)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.decode() == f"dhcpctl: {BULK_NOT_NATIVE}\n"
