"""Where the microseconds of one lease lookup or host cycle go, for each client, against one
test-bed dhcpd.

    python benchmarks/lookup_costs.py [--lookups N | --host-cycles N] [--rounds R]
                                      [--workload lookup|host-cycle]

The lookup is ``benchmarks/run.py``'s. For each client, per lookup (medians of R rounds of N
lookups each, every client once a round, the order reversed every other round):

- wall: the lookup's elapsed time;
- client CPU: the client process's CPU time (user + system, ``time.process_time``; the C loop's
  from ``getrusage(RUSAGE_CHILDREN)``);
- server CPU: dhcpd's (``/proc/PID/stat`` utime + stime, clock ticks: use enough lookups);
- round trip: wall - client CPU - server CPU, the time neither process ran (the loopback
  wake-ups, the scheduler); negative for a client that polls (``DHCPCTL_BUSY_POLL``), whose
  polling overlaps dhcpd's work;
- vs C loop: the C loop's median wall time over the client's, as a rate ratio.

and, for the two backends, the wall time of each call of the lookup (the wait includes the
round trip and the server).

``--workload host-cycle`` measures ``run.py``'s host create + remove cycles instead (N of them
a round, ``--host-cycles`` being another name of ``--lookups``), with its clients: both
backends, "cffi, no guards" (ISC's calls straight through the compiled module, ISC's sleeping
waits) and the C loop; the same figures, per cycle, without the calls' times. Needs root (the
test bed's network namespace).
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test bed is not installed

from run import (  # this script's neighbour
    LEASE,
    NAMES,
    Client,
    c_client,
    compile_c_loop,
    dhcpctl_client,
    floor_client,
)

from dhcpctl import ISC_R_SUCCESS, load_backend
from testbed import DhcpdServer, Endpoint, make_key

STEPS = ("new_object", "set_value", "open_object", "wait", "get_value", "dereference")
FIELDS = ("wall", "client CPU", "server CPU", "round trip")

#: One round: ``count`` lookups; returns the figures of the round in seconds (totals).
Round = Callable[[int], dict[str, float]]


def server_cpu(pid: int) -> float:
    """dhcpd's CPU seconds so far (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_round(name: str, endpoint: Endpoint, pid: int) -> Round:
    api = load_backend(name)
    key = endpoint.key
    auth = api.dhcpctl_new_authenticator(key.name, key.algorithm, key.secret) if key else None
    connection = api.dhcpctl_connect(endpoint.address, endpoint.port, auth)
    address = socket.inet_aton(LEASE.ip)
    clock = time.perf_counter

    def run(count: int) -> dict[str, float]:
        steps = dict.fromkeys(STEPS, 0.0)
        server = server_cpu(pid)
        cpu = time.process_time()
        started = clock()
        for _ in range(count):
            t0 = clock()
            lease = api.dhcpctl_new_object(connection, "lease")
            t1 = clock()
            api.dhcpctl_set_value(lease, address, "ip-address")
            t2 = clock()
            api.dhcpctl_open_object(lease, connection, 0)
            t3 = clock()
            if api.dhcpctl_wait_for_completion(lease) != ISC_R_SUCCESS:
                raise RuntimeError(f"{name}: the lookup failed")
            t4 = clock()
            if int.from_bytes(bytes(api.dhcpctl_get_value(lease, "ends")), "big") != LEASE.ends:
                raise RuntimeError(f"{name}: wrong lease end")
            t5 = clock()
            api.omapi_object_dereference(lease)
            t6 = clock()
            times = (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5)
            for step, seconds in zip(STEPS, times, strict=True):
                steps[step] += seconds
        wall = clock() - started
        return {
            "wall": wall,
            "client CPU": time.process_time() - cpu,
            "server CPU": server_cpu(pid) - server,
            **steps,
        }

    return run


def client_round(client: Client, pid: int, *, child: bool = False) -> Round:
    """Rounds of ``client``, one of ``run.py``'s; ``child``: it runs in a child process (the
    C loop), whose CPU ``getrusage(RUSAGE_CHILDREN)`` gives (its connect included: negligible
    against thousands of iterations)."""

    def cpu() -> float:
        if child:
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            return usage.ru_utime + usage.ru_stime
        return time.process_time()

    def run(count: int) -> dict[str, float]:
        server = server_cpu(pid)
        before = cpu()
        wall = client.run(count)
        return {"wall": wall, "client CPU": cpu() - before, "server CPU": server_cpu(pid) - server}

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--lookups",
        "--host-cycles",
        type=int,
        default=5000,
        metavar="N",
        help="lookups (host cycles) a round",
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds, every client once in each")
    parser.add_argument(
        "--workload",
        choices=("lookup", "host-cycle"),
        default="lookup",
        help="lease lookups (default) or host create + remove cycles",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dhcpctl-costs-") as scratch:
        binary = compile_c_loop(Path(scratch))
        with DhcpdServer(make_key("hmac-md5"), with_dataset=True) as server:
            pid = server.pid
            assert pid is not None
            endpoint = server.endpoint
            rounds: dict[str, Round]
            if args.workload == "lookup":
                rounds = {
                    "native": backend_round("native", endpoint, pid),
                    "python": backend_round("python", endpoint, pid),
                    "C loop": client_round(c_client(binary, endpoint, "lookup"), pid, child=True),
                }
            else:
                rounds = {
                    "native": client_round(dhcpctl_client("native", endpoint, "host-cycle"), pid),
                    "python": client_round(dhcpctl_client("python", endpoint, "host-cycle"), pid),
                    NAMES["floor"]: client_round(floor_client(endpoint, "host-cycle"), pid),
                    "C loop": client_round(
                        c_client(binary, endpoint, "host-cycle"), pid, child=True
                    ),
                }
            for run in rounds.values():
                run(200 if args.workload == "lookup" else 50)  # warm-up
            figures: dict[str, list[dict[str, float]]] = {name: [] for name in rounds}
            for number in range(args.rounds):
                order = list(rounds.items())
                for name, run in order if number % 2 == 0 else reversed(order):
                    figures[name].append(run(args.lookups))
    print(report(figures, args.lookups, args.rounds, args.workload))
    return 0


def report(
    figures: dict[str, list[dict[str, float]]], count: int, rounds: int, workload: str
) -> str:
    """The Markdown tables: per lookup (host cycle), in microseconds, medians over the rounds."""

    def per_lookup(name: str, field: str) -> float:
        samples = figures[name]
        if field == "round trip":
            values = [r["wall"] - r["client CPU"] - r["server CPU"] for r in samples]
        else:
            values = [r[field] for r in samples]
        return statistics.median(values) / count * 1e6

    lines = [
        f"Per {workload.replace('-', ' ')}, microseconds (medians of {rounds} rounds of {count},"
        " the clients' order reversed every other round):",
        "",
        "| client | " + " | ".join(FIELDS) + " | vs C loop |",
        "|---" + "|---:" * (len(FIELDS) + 1) + "|",
    ]
    c_wall = per_lookup("C loop", "wall")
    for name in figures:
        cells = [f"{per_lookup(name, field):.1f}" for field in FIELDS]
        cells.append(f"{c_wall / per_lookup(name, 'wall'):.2f}x")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    backends = [name for name in figures if "wait" in figures[name][0]]
    if not backends:  # host cycles: no calls timed
        return "\n".join(lines)
    lines += ["", "Wall time of each call (microseconds):", ""]
    lines.append("| call | " + " | ".join(backends) + " |")
    lines.append("|---" + "|---:" * len(backends) + "|")
    for step in STEPS:
        cells = [f"{per_lookup(name, step):.1f}" for name in backends]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
