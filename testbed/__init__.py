"""The test bed: real ISC dhcpd servers on this machine, and ISC's omshell as an oracle.

Used by the test suite (through :mod:`testbed.pytest_plugin`), the benchmarks and the README's
demo. Every server runs in a network namespace of its own: dhcpd refuses the loopback device
(``Unsupported device type 772 for "lo"``) and needs an Ethernet-like interface with a subnet
declaration matching its address (README.md, "The test bed"); ``docker/`` has the same server
as a container.
"""

from testbed.omshell import OmshellError, OmshellRun, OmshellStep, run_omshell
from testbed.server import (
    ALGORITHMS,
    DhcpdServer,
    Endpoint,
    OmapiKey,
    ServerError,
    endpoint_from_env,
    failover_pair,
    local_servers_unavailable,
    make_key,
)

__all__ = [
    "ALGORITHMS",
    "DhcpdServer",
    "Endpoint",
    "OmapiKey",
    "OmshellError",
    "OmshellRun",
    "OmshellStep",
    "ServerError",
    "endpoint_from_env",
    "failover_pair",
    "local_servers_unavailable",
    "make_key",
    "run_omshell",
]
