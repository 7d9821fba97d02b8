"""``dhcpctl.backend_info()`` and ``python -m dhcpctl info``: which backend, and why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import busy_poll_source

import dhcpctl
from dhcpctl._backend import running_a_command
from dhcpctl._busy_poll import limit_of
from testbed.pytest_plugin import missing


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` with ``env`` over this environment (DHCPCTL_* variables dropped)."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("DHCPCTL_")}
    return subprocess.run(
        [sys.executable, *args], env={**base, **env}, capture_output=True, text=True, check=False
    )


def no_shared_libraries(tmp_path: Path) -> dict[str, str]:
    """ABI mode with an empty build cache: the native backend cannot load."""
    return {"DHCPCTL_NATIVE_MODE": "abi", "DHCPCTL_ISC_CACHE": str(tmp_path / "empty")}


@pytest.mark.parametrize(
    ("argv", "orig_argv", "expected"),
    [
        (["-m"], ["python", "-m", "dhcpctl", "info"], True),
        (["-m"], ["python", "-I", "-mdhcpctl.build_isc"], True),
        (["-m"], ["python", "-m", "dhcpctlx"], False),
        (["-m"], ["python", "-m", "myapp.tool"], False),  # a program's module importing dhcpctl
        (["/usr/lib/dhcpctl/__main__.py"], ["python", "-m", "dhcpctl"], False),  # after locating
        (["app.py"], ["python", "app.py"], False),
        (["/usr/local/bin/dhcpctl"], ["python3", "/usr/local/bin/dhcpctl", "info"], True),
    ],
)
def test_running_a_command(argv: list[str], orig_argv: list[str], expected: bool) -> None:
    assert running_a_command(argv, orig_argv) is expected


def test_backend_info_describes_the_native_backend() -> None:
    try:
        from dhcpctl import _native
    except ImportError as error:
        missing(f"needs the native backend: {error}", "DHCPCTL_REQUIRE_NATIVE")
    info = dhcpctl.backend_info()
    assert isinstance(info, dhcpctl.BackendInfo)
    assert (info.backend, info.reason) == (dhcpctl.BACKEND, dhcpctl.BACKEND_REASON)
    assert info.native_error is None
    assert info.native_mode == _native.MODE in ("api", "abi")
    assert info.isc_library == _native.LIBRARY
    assert info.isc_version == "ISC DHCP 4.4.3-P1 (BIND 9.11.36)"
    assert info.hardened is True
    assert info.hardening is not None and info.hardening.startswith("dhcpctl-omapi-hardening/")
    polled = round(limit_of(os.environ.get("DHCPCTL_BUSY_POLL")) * 1e6)  # 500 where unset
    assert info.busy_poll_us == polled
    assert info.lines()[2:] == [
        f"native mode: {_native.MODE}",
        f"ISC library: {_native.LIBRARY}",
        "ISC version: ISC DHCP 4.4.3-P1 (BIND 9.11.36)",
        f"hardened: yes ({info.hardening})",
        f"busy poll: {f'{polled} us' if polled else 'never'} ({busy_poll_source()})",
    ]


def test_auto_keeps_the_exact_reason_of_its_fallback(tmp_path: Path) -> None:
    code = (
        "import dhcpctl, json; i = dhcpctl.backend_info(); "
        "print(json.dumps(i.lines()[:2] + [i.native_error]))"
    )
    result = run(["-c", code], **no_shared_libraries(tmp_path))
    assert result.returncode == 0, result.stderr
    backend, reason, error = json.loads(result.stdout)
    assert backend == "backend: python"
    assert reason == f"reason: auto: the native dhcpctl backend is not available: {error}"
    assert error.startswith("ABI mode found no usable ISC DHCP 4.4.3-P1 libraries (shared)")
    assert f"{tmp_path}/empty/dhcpctl-omapi/isc-dhcp-4.4.3-P1/shared: no such directory" in error


def test_info_command_explains_a_forced_native_backend_that_fails(tmp_path: Path) -> None:
    """A program gets the ImportError; ``python -m dhcpctl info`` runs and says it."""
    env = {**no_shared_libraries(tmp_path), "DHCPCTL_BACKEND": "native"}
    program = run(["-c", "import dhcpctl"], **env)
    assert program.returncode == 1
    assert (
        "ImportError: the native dhcpctl backend is not available: ABI mode found" in program.stderr
    )
    command = run(["-m", "dhcpctl", "info"], **env)
    assert command.returncode == 0, command.stderr
    lines = command.stdout.splitlines()
    assert lines[0] == "backend: python"
    assert lines[1].startswith(
        "reason: DHCPCTL_BACKEND=native, which fails (a program's `import dhcpctl` raises "
        "ImportError: the native dhcpctl backend is not available: ABI mode found no usable"
    )
    assert lines[-3] == "Build them with `python -m dhcpctl.build_isc --kind shared` (needs: " + (
        "apt-get install autoconf automake libtool build-essential dpkg-dev patch); or install "
        "the shared libraries (Fedora/RHEL: dhcp-libs dhcp-devel). Debian's isc-dhcp-dev is not "
        "usable: its static archives are PIE, not PIC, and BIND's are missing.); this `python -m "
        "dhcpctl` command runs on pure Python"
    )
    assert lines[-2:] == [
        "native: not available: see reason",
        f"busy poll: 500 us ({busy_poll_source()})",
    ]


def test_info_usage() -> None:
    result = run(["-m", "dhcpctl", "nonsense"])
    assert result.returncode == 2
    assert result.stderr.startswith("dhcpctl: argument COMMAND: invalid choice: 'nonsense'")
    assert result.stderr.count("\n") == 1
