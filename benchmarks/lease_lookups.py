"""Sequential lease lookups per second, every client against one test-bed dhcpd, same run.

    python benchmarks/lease_lookups.py [--count N] [--rounds R]

Clients: this library's pure-Python and native backends (the seed's open + wait + get_value
loop on one connection), and pypureomapi's ``lookup_mac`` (the peer users pick today; skipped
with a note if it is not installed). Prints each rate (best of the rounds) and the ratio to the
pure-Python backend. Needs root (the test bed's network namespace).
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test bed is not installed

from dhcpctl import load_backend
from testbed import DhcpdServer, Endpoint, dataset, make_key

LEASE = dataset.LEASES[0]
Lookup = Callable[[], None]


def dhcpctl_client(backend_name: str, endpoint: Endpoint) -> Lookup:
    api = load_backend(backend_name)
    key = endpoint.key
    assert key is not None
    auth = api.dhcpctl_new_authenticator(key.name, key.algorithm, key.secret)
    connection = api.dhcpctl_connect(endpoint.address, endpoint.port, auth)
    address = socket.inet_aton(LEASE.ip)

    def lookup() -> None:
        lease = api.dhcpctl_new_object(connection, "lease")
        api.dhcpctl_set_value(lease, address, "ip-address")
        api.dhcpctl_open_object(lease, connection, 0)
        if api.dhcpctl_wait_for_completion(lease) != 0:
            raise RuntimeError("lease lookup failed")
        if int.from_bytes(bytes(api.dhcpctl_get_value(lease, "ends")), "big") != LEASE.ends:
            raise RuntimeError("wrong lease end")
        api.omapi_object_dereference(lease)

    return lookup


def pypureomapi_client(endpoint: Endpoint) -> Lookup:
    import pypureomapi  # type: ignore[import-untyped]

    key = endpoint.key
    assert key is not None
    omapi = pypureomapi.Omapi(
        endpoint.address, endpoint.port, key.name.encode(), key.secret_base64.encode()
    )

    def lookup() -> None:
        if omapi.lookup_mac(LEASE.ip) != LEASE.mac:
            raise RuntimeError("wrong MAC from pypureomapi")

    return lookup


def rate(lookup: Lookup, count: int, rounds: int) -> float:
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(count):
            lookup()
        best = max(best, count / (time.perf_counter() - started))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with DhcpdServer(make_key("hmac-md5"), with_dataset=True) as server:
        clients: dict[str, Callable[[], Lookup]] = {
            "dhcpctl, pure-Python backend": lambda: dhcpctl_client("python", server.endpoint),
            "dhcpctl, native backend": lambda: dhcpctl_client("native", server.endpoint),
            "pypureomapi": lambda: pypureomapi_client(server.endpoint),
        }
        rates: dict[str, float] = {}
        for name, make in clients.items():
            try:
                lookup = make()
            except ImportError as error:
                print(f"{name:32} not measured: {error}")
                continue
            lookup()  # warm up: first allocations, the server's caches
            rates[name] = rate(lookup, args.count, args.rounds)
    base = rates.get("dhcpctl, pure-Python backend")
    print(f"\n{'client':32} {'lookups/s':>10} {'vs pure-Python':>15}")
    for name, value in rates.items():
        ratio = f"{value / base:.2f}x" if base else "-"
        print(f"{name:32} {value:10.0f} {ratio:>15}")
    print(f"\n{args.count} sequential lookups a round, best of {args.rounds}, one connection each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
