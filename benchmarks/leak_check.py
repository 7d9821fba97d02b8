"""Memory of each backend over many lease lookups: it must stay flat.

    python benchmarks/leak_check.py [--cycles N] [--every K] [--mode explicit|gc]
                                    [--backend native|python|both]

Against one test-bed dhcpd (needs root), each backend in turn (both by default) on a
connection of its own, each cycle is the seed's lookup:
``dhcpctl_new_object``, ``omapi_data_string_new`` for the address, ``dhcpctl_set_value``,
``dhcpctl_open_object``, ``dhcpctl_wait_for_completion``, ``dhcpctl_get_value`` of "ends",
then the release: ``explicit`` (the default) calls ``dhcpctl_data_string_dereference`` and
``omapi_object_dereference`` as C code does; ``gc`` leaves it to the objects' finalizers.
Prints the process's RSS at the start, every K cycles and at the end, for each backend (the
second starts from where the first left the process).
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test bed is not installed

from dhcpctl import ISC_R_SUCCESS, load_backend
from testbed import DhcpdServer, dataset, make_key

LEASE = dataset.LEASES[0]


def rss_kib() -> int:
    """Resident set size of this process, in KiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def lookups(api: Any, server: DhcpdServer, cycles: int, every: int, mode: str) -> int:
    """Run ``cycles`` lookups with ``api`` (a backend), printing the curve; 1 on a failure."""
    address = socket.inet_aton(LEASE.ip)
    key = server.key
    assert key is not None
    auth = api.dhcpctl_new_authenticator(key.name, key.algorithm, key.secret)
    connection = api.dhcpctl_timed_connect(server.address, server.port, auth, 10.0)
    start = time.monotonic()
    first = rss_kib()
    print(f"cycle {0:>7}: RSS {first} KiB", flush=True)
    for cycle in range(1, cycles + 1):
        lease = api.dhcpctl_new_object(connection, "lease")
        ip = api.omapi_data_string_new(4)
        ip.value[:] = address
        api.dhcpctl_set_value(lease, ip, "ip-address")
        api.dhcpctl_open_object(lease, connection, 0)
        status = api.dhcpctl_wait_for_completion(lease)
        if status != ISC_R_SUCCESS:
            print(f"cycle {cycle}: {api.isc_result_totext(status)}", file=sys.stderr)
            return 1
        ends = api.dhcpctl_get_value(lease, "ends")
        if mode == "explicit":
            api.dhcpctl_data_string_dereference(ends)
            api.dhcpctl_data_string_dereference(ip)
            api.omapi_object_dereference(lease)
        del lease, ip, ends
        if cycle % every == 0 or cycle == cycles:
            print(f"cycle {cycle:>7}: RSS {rss_kib()} KiB", flush=True)
    last = rss_kib()
    elapsed = time.monotonic() - start
    api.dhcpctl_disconnect(connection)
    print(
        f"{cycles} cycles ({mode}) in {elapsed:.1f} s ({cycles / elapsed:.0f}/s): "
        f"RSS {first} -> {last} KiB ({last - first:+d} KiB)",
        flush=True,
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cycles", type=int, default=1_000_000)
    parser.add_argument("--every", type=int, default=100_000)
    parser.add_argument("--mode", choices=("explicit", "gc"), default="explicit")
    parser.add_argument("--backend", choices=("native", "python", "both"), default="both")
    args = parser.parse_args()
    names = ("native", "python") if args.backend == "both" else (args.backend,)
    with DhcpdServer(make_key("hmac-md5"), with_dataset=True) as server:
        for name in names:
            print(f"{name} backend:", flush=True)
            failed = lookups(load_backend(name), server, args.cycles, args.every, args.mode)
            if failed:
                return failed
    return 0


if __name__ == "__main__":
    sys.exit(main())
