"""``--hardware-type`` wherever a MAC is a lookup key (``host get``/``delete``, ``lease
get``): a host or lease whose hardware address is of another type than Ethernet (20 octets,
InfiniBand, type 32) is found and deleted by it, on the fake server, both backends."""

from __future__ import annotations

import json

from cli_helpers import clean_environment, run_dhcpctl

from dhcpctl.cli._exit import ExitCode
from dhcpctl.testing import FakeLease, OmapiServer

MAC20 = ":".join(f"{octet:02x}" for octet in range(1, 21))


def test_a_20_octet_host_and_lease_by_their_mac(backend_name: str) -> None:
    lease = FakeLease("10.0.0.5", mac=MAC20, hardware_type=32, ends=None, state="active")
    with OmapiServer(leases=[lease]) as server:

        def dhcpctl(*arguments: str) -> tuple[int, str]:
            where = ["--server", f"{server.address}:{server.port}", "--backend", backend_name]
            result = run_dhcpctl([*arguments, *where], env=clean_environment())
            return result.returncode, result.stdout.decode() + result.stderr.decode()

        status, text = dhcpctl("host", "add", "ib2", "--mac", MAC20, "--hardware-type", "32")
        assert status == ExitCode.OK, text
        status, text = dhcpctl("host", "get", "--mac", MAC20, "--hardware-type", "32", "--json")
        assert status == ExitCode.OK, text
        assert json.loads(text)["name"] == "ib2"
        status, text = dhcpctl("lease", "get", "--mac", MAC20, "--hardware-type", "32", "--json")
        assert status == ExitCode.OK, text
        assert json.loads(text)["ip_address"] == "10.0.0.5"
        assert dhcpctl("host", "get", "--mac", MAC20)[0] == ExitCode.NOT_FOUND  # type 1
        status, text = dhcpctl("host", "delete", "--mac", MAC20, "--hardware-type", "32")
        assert status == ExitCode.OK, text
        assert server.hosts == []
