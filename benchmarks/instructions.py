"""Instructions per lease lookup or host cycle, each client against one test-bed dhcpd, counted
by valgrind.

    python benchmarks/instructions.py [--workload lookup|host-cycle] [--lookups N]
                                      [--host-cycles N] [--top K]

On a shared VM the wall-clock rates of ``benchmarks/run.py`` swing by half between rounds, so a
change of a few percent cannot be seen there. The instructions a client executes can: callgrind
(valgrind's instruction counter) gives the same count for the same code and the same replies,
whatever else the machine does. This script runs one of ``benchmarks/run.py``'s workloads in
a child process under ``valgrind --tool=callgrind``, twice per client: 200 iterations, then
200 + N (``--lookups``, default 1000; ``--host-cycles``, default 500). The difference over N is
the cost of one iteration, without start-up and imports. The workloads (``--workload``):

- lookup (the default): new_object lease, set_value ip-address, open_object,
  wait_for_completion, get_value ends (checked), dereference;
- host-cycle: new_object host, set name, hardware-address and hardware-type 1, open_object
  with CREATE|EXCL, wait; object_remove, wait; dereference. Names and MACs are unique per
  client, run and iteration (``run.py``'s ``host_mac`` of a tag per client and run), except the
  C loop's MACs (02:c0 and the iteration), which its second run uses again after the first run
  removed them. It writes to the server, which is the test-bed dhcpd this script starts (never
  a server found in the environment).

Clients:

- C loop: ``c_loop.c`` over ISC's libdhcpctl, compiled as ``run.py`` does (its mode
  ``lookup`` or ``host-cycle``);
- cffi, no guards: the C loop's ISC calls (for lookups with ``dhcpctl_set_data_value`` for its
  data string) made straight through the native backend's compiled module
  (``dhcpctl._native.loader.lib``) from a Python loop, with no argument checks, lock or
  bookkeeping: the least any cffi binding of these calls can cost;
- the native and the pure-Python backends, through the C-named API (host cycles: ``run.py``'s
  ``dhcpctl_client``);
- the typed ``dhcpctl.Client`` on each backend (``leases.get``; ``hosts.create`` +
  ``hosts.delete``, ``run.py``'s ``typed_client``), and ``dhcpctl.aio`` (one
  ``asyncio.gather`` of the lookups or of ``run.py``'s ``aio_client`` host cycles (create then
  delete per task), ``max_in_flight=64``; how many replies one read brings depends on timing,
  so its count moves by a few thousand instructions between runs).

Each count is split by where the instructions ran: ISC's code (statically linked into the C
loop and into the native backend's module), libc, the Python interpreter, cffi, OpenSSL
(the pure-Python backend's HMAC), and the rest. Instructions are a proxy, not the target:
``run.py``'s rates also pay for the kernel (not counted here) and for cold caches after each
blocking wait, which grow with code footprint. The clients run with ``DHCPCTL_BUSY_POLL=0``
(waits that sleep at once): a wait that polls counts every poll until its reply comes, as many
as the server's timing makes (a host cycle's ``fsync()``: about 65k instructions more per cycle,
varying from run to run), which is what ``run.py`` and ``lookup_costs.py`` time. Needs root (the
test bed's network namespace) and valgrind (``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test bed is not installed

from run import (  # this script's neighbour
    LEASE,
    WORKLOADS,
    BenchmarkError,
    Client,
    Workload,
    aio_client,
    compile_c_loop,
    dhcpctl_client,
    floor_client,
    floor_connection,
    floor_lookup,
    typed_client,
)

import dhcpctl
import dhcpctl.aio
from dhcpctl import Key, Lease
from testbed import DhcpdServer, Endpoint, make_key
from testbed.server import OmapiKey

#: Iterations (lookups or host cycles) in the first, shorter run of each client (the second
#: runs N more).
BASE = 200
#: Each workload's iteration, singular and plural, as the report names it.
UNITS: dict[Workload, tuple[str, str]] = {
    "lookup": ("lookup", "lookups"),
    "host-cycle": ("host cycle", "host cycles"),
}
#: The first host-cycle tag (MAC byte, part of the host name): each client's two runs take the
#: tags ``FIRST_TAG + 2 * i`` and ``FIRST_TAG + 2 * i + 1``, ``i`` its place in :data:`CLIENTS`
#: (the C loop's MACs are 02:c0:..., its names ``bench-c-<tag>-<i>``).
FIRST_TAG = 0x40
#: dhcpctl.aio's window (max_in_flight) in both workloads.
AIO_WINDOW = 64
CLIENTS = {
    "c": "C loop (libdhcpctl)",
    "floor": "cffi, no guards",
    "native": "dhcpctl, native backend",
    "python": "dhcpctl, pure-Python backend",
    "typed-native": "dhcpctl.Client (typed), native backend",
    "typed-python": "dhcpctl.Client (typed), python backend",
    "aio": "dhcpctl.aio, window 64",
}
#: Where an instruction ran, by the object file callgrind names (first match wins).
PARTS: tuple[tuple[str, str], ...] = (
    ("ISC's library", r"/c_loop$|_native_lib|libdhcpctl|libomapi|libisc|libdns"),
    ("libc", r"/libc\.so|/libm\.so|/ld-linux"),
    ("cffi", r"_cffi_backend"),
    ("OpenSSL", r"libcrypto|libssl|_hashlib"),
    ("Python interpreter", r"libpython|/bin/python|lib-dynload|/Python-3|^\./Include/"),
)
OTHER = "other"
#: What a worker's lookups need alive that they do not name (the connection's handle, whose
#: finalizer would close it).
_KEPT: list[object] = []
#: The environment variable that hands the server to a worker (not on its command line).
ENDPOINT_VARIABLE = "DHCPCTL_BENCH_ENDPOINT"


def handed_endpoint() -> Endpoint:
    """The server :func:`main` hands a worker in :data:`ENDPOINT_VARIABLE` (JSON: address,
    port, key name, algorithm, secret in hex)."""
    handed = json.loads(os.environ[ENDPOINT_VARIABLE])
    key = OmapiKey(handed["key"], handed["algorithm"], bytes.fromhex(handed["secret"]))
    return Endpoint(handed["address"], int(handed["port"]), key)


def worker(client: str, workload: Workload, count: int, tag: int) -> None:
    """Run ``count`` iterations of ``workload`` with ``client`` (a key of :data:`CLIENTS`, not
    the C loop) against the server in the environment; ``tag`` (a byte) makes this run's host
    names and MACs its own. Raises :class:`BenchmarkError` if an iteration fails."""
    endpoint = handed_endpoint()
    if workload == "host-cycle":
        cycles = host_cycles(client, endpoint, tag)  # kept: its close holds the connection
        cycles.run(count)
        return
    if client == "aio":
        asyncio.run(aio_burst(endpoint, count))
        return
    if client == "floor":
        connection = floor_connection(endpoint)
        _KEPT.append(connection)
        lookup = floor_lookup(connection)
    elif client.startswith("typed-"):
        lookup = typed_lookup(client.removeprefix("typed-"), endpoint)
    else:
        lookup = backend_lookup(client, endpoint)
    for _ in range(count):
        lookup()


def host_cycles(client: str, endpoint: Endpoint, tag: int) -> Client:
    """``client``'s host cycles as ``run.py`` makes them (create with CREATE|EXCL + wait,
    remove + wait, dereference; the typed clients' ``hosts.create`` + ``hosts.delete``), its
    host names and MACs made from ``tag`` (a byte) and the iteration."""
    if client == "floor":
        return floor_client(endpoint, "host-cycle", tag)
    if client == "aio":
        return aio_client(endpoint, "host-cycle", window=AIO_WINDOW, tag=tag)
    if client.startswith("typed-"):
        return typed_client(endpoint, "host-cycle", client.removeprefix("typed-"), tag)
    return dhcpctl_client(client, endpoint, "host-cycle", tag)


def backend_lookup(name: str, endpoint: Endpoint) -> Callable[[], None]:
    """A lookup through backend ``name``'s C-named API, on a connection opened here."""
    from dhcpctl import ISC_R_SUCCESS, load_backend

    api = load_backend(name)
    key = endpoint.key
    assert key is not None
    auth = api.dhcpctl_new_authenticator(key.name, key.algorithm, key.secret)
    connection = api.dhcpctl_connect(endpoint.address, endpoint.port, auth)
    address = socket.inet_aton(LEASE.ip)

    def lookup() -> None:
        lease = api.dhcpctl_new_object(connection, "lease")
        api.dhcpctl_set_value(lease, address, "ip-address")
        api.dhcpctl_open_object(lease, connection, 0)
        if api.dhcpctl_wait_for_completion(lease) != ISC_R_SUCCESS:
            raise BenchmarkError(f"{name}: the lookup failed")
        if int.from_bytes(bytes(api.dhcpctl_get_value(lease, "ends")), "big") != LEASE.ends:
            raise BenchmarkError(f"{name}: wrong lease end")
        api.omapi_object_dereference(lease)

    return lookup


def typed_key(endpoint: Endpoint) -> Key:
    """The typed clients' :class:`dhcpctl.Key` for ``endpoint``'s key."""
    key = endpoint.key
    assert key is not None
    return Key(key.name, key.algorithm, key.secret)


def checked(lease: Lease) -> None:
    """Raises :class:`BenchmarkError` unless ``lease`` ends when the test bed's lease does
    (``LEASE.ends``, seconds since the epoch)."""
    if lease.ends is None or int(lease.ends.timestamp()) != LEASE.ends:
        raise BenchmarkError("typed lookup: wrong lease end")


def typed_lookup(backend: str, endpoint: Endpoint) -> Callable[[], None]:
    """``leases.get`` of the sync typed client on ``backend``."""
    omapi = dhcpctl.Client(
        endpoint.address, endpoint.port, key=typed_key(endpoint), backend=backend
    )
    omapi.connect()
    _KEPT.append(omapi)
    return lambda: checked(omapi.leases.get(ip=LEASE.ip))


async def aio_burst(endpoint: Endpoint, count: int) -> None:
    """One ``asyncio.gather`` of ``count`` ``leases.get``, at most :data:`AIO_WINDOW` in
    flight (the timeout allows for valgrind's slowness)."""
    async with dhcpctl.aio.Client(
        endpoint.address,
        endpoint.port,
        key=typed_key(endpoint),
        timeout=600.0,
        max_in_flight=AIO_WINDOW,
    ) as omapi:
        for lease in await asyncio.gather(*(omapi.leases.get(ip=LEASE.ip) for _ in range(count))):
            checked(lease)


def counted(command: list[str], environment: dict[str, str], out: Path) -> None:
    """Run ``command`` under callgrind, its profile written to ``out``."""
    valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
    done = subprocess.run(
        valgrind + command, capture_output=True, text=True, env=environment, check=False
    )
    if done.returncode != 0:
        raise BenchmarkError(f"{' '.join(command[:3])}: {done.stderr.strip()[-2000:]}")


#: A function's line in ``callgrind_annotate``'s output: its count, then "file:function [object]".
_LINE = re.compile(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$")


def by_function(profile: Path) -> dict[str, int]:
    """Self instructions of each function in ``profile`` (keys: "file:function [object]")."""
    shown = subprocess.run(
        ["callgrind_annotate", "--threshold=100", str(profile)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counts: dict[str, int] = {}
    for line in shown.splitlines():
        match = _LINE.match(line)
        if match and "PROGRAM TOTALS" not in line:
            name = match.group(2)
            counts[name] = counts.get(name, 0) + int(match.group(1).replace(",", ""))
    return counts


def part(function: str) -> str:
    """Which of :data:`PARTS` a "file:function [object]" ran in."""
    where = function.rsplit("[", 1)[-1].rstrip("]") if "[" in function else function
    for name, pattern in PARTS:
        if re.search(pattern, where):
            return name
    return OTHER


def short(function: str) -> str:
    """A function's name as shown: source paths cut to the source tree, objects to their file
    name."""
    function = re.sub(r"^\S*/Python-[\d.]+/", "", function)
    return re.sub(r"\[\S*/([^/\]]+)\]$", r"[\1]", function)


def per_iteration(
    short: Path, long: Path, iterations: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Instructions per iteration (lookup or host cycle), by part and by function: the
    difference of the profiles ``long`` and ``short`` over the ``iterations`` they differ by."""
    first, second = by_function(short), by_function(long)
    functions = {
        name: (second.get(name, 0) - first.get(name, 0)) / iterations
        for name in first.keys() | second.keys()
    }
    parts: dict[str, float] = {}
    for name, count in functions.items():
        parts[part(name)] = parts.get(part(name), 0.0) + count
    return parts, functions


def commands(
    client: str, workload: Workload, binary: Path, endpoint: Endpoint, count: int, tag: int
) -> list[str]:
    """The command line of one counted run: ``count`` iterations of ``workload`` by ``client``
    (a key of :data:`CLIENTS`): the compiled C loop ``binary``, or this script as a worker.
    ``tag`` (a byte) names the run's hosts (the C loop: ``bench-c-<tag>-<i>``)."""
    if client == "c":
        key = endpoint.key
        assert key is not None
        credentials = [key.name, key.algorithm, key.secret_base64]
        argument = LEASE.ip if workload == "lookup" else f"bench-c-{tag}"
        arguments = [str(count), workload, argument]
        return [str(binary), endpoint.address, str(endpoint.port), *credentials, *arguments]
    worker = [client, workload, str(count), str(tag)]
    return [sys.executable, str(Path(__file__).resolve()), "--worker", *worker]


def report(
    results: dict[str, tuple[dict[str, float], dict[str, float]]],
    workload: Workload,
    iterations: int,
    top: int,
) -> str:
    """The Markdown table of instructions per iteration of ``workload`` (thousands), each
    client's total, its ratio to the C loop's and its parts (:data:`PARTS`), then each
    client's ``top`` costliest functions; ``results`` as :func:`per_iteration` gives them,
    ``iterations`` what the two runs differ by."""
    one, many = UNITS[workload]
    names = [name for name, _ in PARTS] + [OTHER]
    baseline = sum(results["c"][0].values())
    lines = [
        f"Instructions per {one} (callgrind; runs of {BASE} and {BASE + iterations} {many}, "
        f"difference over {iterations}), {sys.implementation.name} "
        f"{'.'.join(map(str, sys.version_info[:3]))}:",
        "",
        "| client | total | vs C loop | " + " | ".join(names) + " |",
        "|---" + "|---:" * (len(names) + 2) + "|",
    ]
    for client, (parts, _) in results.items():
        total = sum(parts.values())
        cells = [f"{parts.get(name, 0.0) / 1000:.1f}k" for name in names]
        lines.append(
            f"| {CLIENTS[client]} | {total / 1000:.1f}k | {total / baseline:.2f}x | "
            + " | ".join(cells)
            + " |"
        )
    for client, (_, functions) in results.items():
        if client == "c" or top == 0:
            continue
        lines += ["", f"{CLIENTS[client]}: the {top} costliest functions per {one}", ""]
        for name, count in sorted(functions.items(), key=lambda item: -item[1])[:top]:
            lines.append(f"    {count:9.0f}  {short(name)}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--workload", choices=WORKLOADS, default="lookup", help="what is counted (default: lookup)"
    )
    parser.add_argument("--lookups", type=int, default=1000, help="lookups the runs differ by")
    parser.add_argument(
        "--host-cycles", type=int, default=500, help="host cycles the runs differ by"
    )
    parser.add_argument("--top", type=int, default=12, help="functions listed per client")
    parser.add_argument(
        "--worker", nargs=4, metavar=("CLIENT", "WORKLOAD", "COUNT", "TAG"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        client, what, count, tag = args.worker
        worker(client, what, int(count), int(tag))
        return 0
    missing = [tool for tool in ("valgrind", "callgrind_annotate") if shutil.which(tool) is None]
    if missing:
        raise BenchmarkError(f"{', '.join(missing)} not found: apt-get install valgrind")
    workload: Workload = args.workload
    iterations: int = args.lookups if workload == "lookup" else args.host_cycles
    if iterations < 1:
        parser.error(f"--{UNITS[workload][1].replace(' ', '-')} must be at least 1")
    results: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="dhcpctl-instructions-") as scratch:
        directory = Path(scratch)
        binary = compile_c_loop(directory)
        with DhcpdServer(make_key("hmac-md5"), with_dataset=True) as server:
            endpoint = server.endpoint
            key = endpoint.key
            assert key is not None
            environment = dict(os.environ, DHCPCTL_BUSY_POLL="0")  # see the module docstring
            environment[ENDPOINT_VARIABLE] = json.dumps(
                {
                    "address": endpoint.address,
                    "port": str(endpoint.port),
                    "key": key.name,
                    "algorithm": key.algorithm,
                    "secret": key.secret.hex(),
                }
            )
            for place, client in enumerate(CLIENTS):
                profiles = []
                for run, count in enumerate((BASE, BASE + iterations)):
                    out = directory / f"{client}.{count}.callgrind"
                    tag = FIRST_TAG + 2 * place + run
                    command = commands(client, workload, binary, endpoint, count, tag)
                    counted(command, environment, out)
                    profiles.append(out)
                results[client] = per_iteration(profiles[0], profiles[1], iterations)
    print(report(results, workload, iterations, args.top))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchmarkError as error:
        sys.exit(f"instructions.py: {error}")
