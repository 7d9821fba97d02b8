"""``examples/lease_query.py`` (ISC's C example, ported) through each backend, against the test
bed: its output, and its exit status when the lookup cannot be made."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from testbed import dataset
from testbed.pytest_plugin import missing
from testbed.server import Endpoint

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "lease_query.py"

#: An address in the data set's subnet that holds no lease.
NO_LEASE = "198.18.254.250"


def lease_query(backend_name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DHCPCTL_BACKEND": backend_name}
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def arguments(endpoint: Endpoint, ip: str) -> list[str]:
    if endpoint.key is None:
        missing("the server has no key: this test needs a keyed one (DHCPCTL_TEST_KEY_*)")
    key = endpoint.key
    return [endpoint.address, str(endpoint.port), ip, key.name, key.algorithm, key.secret_base64]


def test_lease_found(backend_name: str, dhcpd_server: Endpoint) -> None:
    lease = dataset.LEASES[0]
    result = lease_query(backend_name, *arguments(dhcpd_server, lease.ip))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"ending time is {time.ctime(lease.ends)}\n"


def test_missing_lease_exits_1(backend_name: str, dhcpd_server: Endpoint) -> None:
    assert NO_LEASE not in {lease.ip for lease in dataset.LEASES}
    result = lease_query(backend_name, *arguments(dhcpd_server, NO_LEASE))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "lease lookup failed: not found\n"


def test_unreachable_server_exits_1(backend_name: str, closed_port: int) -> None:
    result = lease_query(backend_name, "127.0.0.1", str(closed_port), NO_LEASE)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("dhcpctl_connect: no more (isc_result_t 29): ")
    assert f"cannot connect to 127.0.0.1:{closed_port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_arguments_exit_2(backend_name: str) -> None:
    for args in (
        ["127.0.0.1", "7911"],
        ["127.0.0.1", "port", NO_LEASE],
        ["127.0.0.1", "1", "x"],
        ["127.0.0.1", "99999", NO_LEASE],
        ["127.0.0.1", "0", NO_LEASE],
    ):
        result = lease_query(backend_name, *args)
        assert result.returncode == 2, args
        assert "Usage: python3 lease_query.py" in result.stderr


def test_a_secret_that_is_not_base64_exits_2_with_one_line(backend_name: str) -> None:
    result = lease_query(backend_name, "127.0.0.1", "7911", NO_LEASE, "k", "hmac-md5", "not b64!")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "lease_query.py: BASE64-SECRET is not valid base64\n"
