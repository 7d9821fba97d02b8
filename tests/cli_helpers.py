"""Running ``python -m dhcpctl`` in a child process, as a user would, for the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import IO

from testbed.server import Endpoint

#: The command's own presets (its connection options' variables): a test sets them itself. The
#: backend's variables (``DHCPCTL_NATIVE_MODE``, ``DHCPCTL_ISC_*``) are kept: .ci/run repeats the
#: native tests in ABI mode through them.
PRESETS = (
    "DHCPCTL_SERVER",
    "DHCPCTL_KEY_FILE",
    "DHCPCTL_KEY_NAME",
    "DHCPCTL_KEY_ALGORITHM",
    "DHCPCTL_KEY_SECRET_ENV",
    "DHCPCTL_TIMEOUT",
    "DHCPCTL_BACKEND",
)


def clean_environment() -> dict[str, str]:
    """This process's environment without the command's presets (:data:`PRESETS`)."""
    return {name: value for name, value in os.environ.items() if name not in PRESETS}


def run_dhcpctl(
    arguments: list[str],
    stdin: bytes = b"",
    env: dict[str, str] | None = None,
    stdout: int | IO[bytes] = subprocess.PIPE,
) -> subprocess.CompletedProcess[bytes]:
    """``python -m dhcpctl ARGUMENTS`` in a child process, its stdout captured unless given
    (``/dev/full``), its stderr captured."""
    return subprocess.run(
        [sys.executable, "-m", "dhcpctl", *arguments],
        input=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
        env=clean_environment() if env is None else env,
    )


def run_dhcpctl_without_stdout(
    arguments: list[str], stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """``python -m dhcpctl ARGUMENTS`` started with no standard output at all (``>&-``), its
    stderr captured."""
    return subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "dhcpctl", *arguments],
        input=stdin,
        stderr=subprocess.PIPE,
        timeout=120,
        check=False,
        env=clean_environment() if env is None else env,
    )


def endpoint_environment(endpoint: Endpoint, **extra: str) -> dict[str, str]:
    """An environment that points ``dhcpctl`` at ``endpoint`` with its key (secret in a
    variable of its own, named by ``DHCPCTL_KEY_SECRET_ENV``)."""
    env = clean_environment()
    env["DHCPCTL_SERVER"] = f"{endpoint.address}:{endpoint.port}"
    if endpoint.key is not None:
        env["DHCPCTL_KEY_NAME"] = endpoint.key.name
        env["DHCPCTL_KEY_ALGORITHM"] = endpoint.key.algorithm
        env["OMAPI_SECRET"] = endpoint.key.secret_base64
        env["DHCPCTL_KEY_SECRET_ENV"] = "OMAPI_SECRET"
    env.update(extra)
    return env
