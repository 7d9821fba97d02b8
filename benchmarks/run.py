"""OMAPI round trips per second, every client against one test-bed dhcpd, same run.

    python benchmarks/run.py [--lookups N] [--host-cycles N] [--rounds R] [--warmup W] [--json F]
    python benchmarks/run.py --profile python   # cProfile of one client's lease lookups

Two sequential workloads, each on one connection opened beforehand:

- lookup: the seed's lease query. new_object lease + set_value ip-address + open_object +
  wait_for_completion + get_value ends (checked) + dereference.
- host cycle: create a host (name and hardware-address unique per iteration, hardware-type 1,
  CREATE|EXCL) + wait, then dhcpctl_object_remove + wait.

Clients: this library's native and pure-Python backends (C-named API); the typed
``dhcpctl.Client`` on each backend (``leases.get``; ``hosts.create`` + ``hosts.delete``,
sequential); ``dhcpctl.aio.Client`` at windows
(``max_in_flight``) 1, 8, 64 and 256, each round one burst of ``asyncio.gather`` over the typed
``omapi.leases.get`` (every result's ``ends`` checked) or, for host cycles, ``hosts.create`` then
``hosts.delete`` per task (a lookup and a DELETE: one request more than the C loop's cycle);
pypureomapi (the peer users pick
today: ``lookup_mac``, and ``add_host`` + ``del_host``, which send a fixed address instead of a
name and look the host up again before deleting it; skipped with a note if not installed); and
``c_loop.c``, the same loops in plain C over ISC's libdhcpctl, compiled here with ``cc`` (or
$CC) against the ISC libraries ``dhcpctl._isc_locate`` finds; and "cffi, no guards", the C
loop's calls made from Python straight through the native backend's compiled cffi module, with
none of its guards (lock, checks, handle bookkeeping) and with ISC's own waits, which sleep in
``select()``: not a client anyone should use, but the least any cffi binding of libdhcpctl that
waits as ISC does can cost (the backends poll before they sleep, ``dhcpctl/_busy_poll.py``,
which on a virtual machine takes them past it; not measured without the compiled module).
Prints the machine (CPU model, cores, Python) and a Markdown table of each rate: the median of
alternating rounds (after a warm-up), the lowest and highest round, and the ratio to the C loop
(the median of the rounds' quotients); ``--json FILE`` writes the same figures, every round's,
for comparing runs. Needs root (the test bed's network namespace).

"dhcpd saturation": N copies of the C loop (N = 1..4) at once against the same dhcpd, their
lookup rates summed: what the server answers when asked by as many sequential clients as it
takes. Every row also shows its lookup rate's ratio to the best of those ("lookups vs
saturation").

``--uvloop`` adds the aio rows again on uvloop's event loop (``dhcpctl.aio`` takes any asyncio
loop; uvloop runs the loop itself in C).

``--algorithm`` picks the server's key (``none``: no key). On a keyed connection the aio
client keeps the replies it is owed within 4,047 bytes (dhcpd 4.4.3-P1 aborts otherwise:
``dhcpctl/aio/_dhcpd_limits.py``), about 4 lease lookups in flight whatever the window.

``--placement`` says where the processes run, which moves every figure a lot: on a machine
where waking a process on another CPU is slow (a virtual machine: an inter-processor interrupt
is a trip through the hypervisor), a sequential client's round trip is mostly that wake-up
when the kernel puts dhcpd and the client on different CPUs, and mostly the two processes'
own work when they share one. ``kernel`` (the default) leaves it to the scheduler, as a user's
program runs; ``shared`` pins dhcpd and every client (the C loops too) to the first CPU;
``split`` pins dhcpd to the second CPU and the clients to the first. In one run on a 2-CPU
virtual machine, the C loop made about 11,500 lookups/s under ``kernel`` and ``split`` and
29,000/s under ``shared``, and the ratios of the Python clients to it were lower under
``shared``: their own work weighs more there. Pinned, the saturation rows' C loops share the
clients' CPU: they show less than dhcpd can serve. The output names the placement.

``--native-library PREFIX`` (repeatable) adds the native backend on the shared ISC libraries
in PREFIX, in cffi's ABI mode in a child process (one library per process): with the unpatched
and the hardened build (``dhcpctl/isc_patches/``), it measures what the hardening costs, same
run, same server, same mode.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import functools
import io
import itertools
import json
import os
import platform
import pstats
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test bed is not installed

from dhcpctl import ISC_R_SUCCESS, load_backend
from dhcpctl._isc_locate import IscLibraryNotFound, locate
from testbed import ALGORITHMS, DhcpdServer, Endpoint, dataset, make_key

if TYPE_CHECKING:
    from dhcpctl._native.handles import Handle

Workload = Literal["lookup", "host-cycle"]
WORKLOADS: tuple[Workload, ...] = ("lookup", "host-cycle")
COLUMN = {"lookup": "lookups/s", "host-cycle": "host cycles/s"}
LEASE = dataset.LEASES[0]
C_SOURCE = Path(__file__).resolve().with_name("c_loop.c")
NAMES = {
    "native": "dhcpctl, native backend",
    "python": "dhcpctl, pure-Python backend",
    "pypureomapi": "pypureomapi",
    "c": "C loop (libdhcpctl)",
    "floor": "cffi, no guards (ISC's sleeping waits)",
}
AIO_WINDOWS = (1, 8, 64, 256)
SATURATION = (1, 2, 3, 4)


def aio_name(window: int, uvloop: bool = False) -> str:
    return f"dhcpctl.aio{' on uvloop' if uvloop else ''}, window {window}"


def saturation_name(loops: int) -> str:
    return f"dhcpd saturation: {loops} C loop{'s' if loops > 1 else ''} summed"


#: One iteration of a workload; its argument is unique within the run (names, MACs).
Step = Callable[[int], None]
#: Runs ``count`` iterations of a workload, returns the seconds they took.
Runner = Callable[[int], float]


@dataclass
class Client:
    """One client set up for one workload: connected, ready to run rounds."""

    run: Runner
    close: Callable[[], None] = lambda: None


class BenchmarkError(RuntimeError):
    """A client failed or could not be set up; the message says which and why."""


def host_mac(tag: int, number: int) -> bytes:
    """A locally administered MAC, unique per client (``tag``) and iteration."""
    return bytes((0x02, tag)) + (number & 0xFFFFFFFF).to_bytes(4, "big")


def timed(step: Step) -> Runner:
    numbers = itertools.count()

    def run(count: int) -> float:
        started = time.perf_counter()
        for _ in range(count):
            step(next(numbers))
        return time.perf_counter() - started

    return run


# --- the clients -------------------------------------------------------------------------------


def dhcpctl_client(
    backend_name: str, endpoint: Endpoint, workload: Workload, tag: int | None = None
) -> Client:
    """``tag`` keeps host names and MACs apart from the other clients' (default: by backend)."""
    api = load_backend(backend_name)
    key = endpoint.key
    auth = api.dhcpctl_new_authenticator(key.name, key.algorithm, key.secret) if key else None
    connection = api.dhcpctl_connect(endpoint.address, endpoint.port, auth)

    def close() -> None:
        api.dhcpctl_disconnect(connection)

    def check(status: int, what: str) -> None:
        if status != ISC_R_SUCCESS:
            raise BenchmarkError(f"{backend_name}: {what}: {api.isc_result_totext(status)}")

    if workload == "lookup":
        address = socket.inet_aton(LEASE.ip)

        def lookup(_: int) -> None:
            lease = api.dhcpctl_new_object(connection, "lease")
            api.dhcpctl_set_value(lease, address, "ip-address")
            api.dhcpctl_open_object(lease, connection, 0)
            check(api.dhcpctl_wait_for_completion(lease), "lease lookup")
            if int.from_bytes(bytes(api.dhcpctl_get_value(lease, "ends")), "big") != LEASE.ends:
                raise BenchmarkError(f"{backend_name}: wrong lease end")
            api.omapi_object_dereference(lease)

        return Client(timed(lookup), close)

    if tag is None:
        tag = {"python": 0x01, "native": 0x02}[backend_name]
    flags = api.DHCPCTL_CREATE | api.DHCPCTL_EXCL

    def host_cycle(number: int) -> None:
        host = api.dhcpctl_new_object(connection, "host")
        api.dhcpctl_set_string_value(host, f"bench-{tag}-{number}", "name")
        api.dhcpctl_set_data_value(host, host_mac(tag, number), "hardware-address")
        api.dhcpctl_set_int_value(host, 1, "hardware-type")
        api.dhcpctl_open_object(host, connection, flags)
        check(api.dhcpctl_wait_for_completion(host), "host create")
        api.dhcpctl_object_remove(connection, host)
        check(api.dhcpctl_wait_for_completion(host), "host remove")
        api.omapi_object_dereference(host)

    return Client(timed(host_cycle), close)


def typed_client(
    endpoint: Endpoint, workload: Workload, backend: str, tag: int | None = None
) -> Client:
    """The sync typed ``dhcpctl.Client`` on ``backend``, sequential: the same calls as the
    aio rows (``leases.get``; ``hosts.create`` + ``hosts.delete``), one at a time. ``tag``
    (a byte) keeps host names and MACs apart from the other clients' (default: by backend)."""
    import dhcpctl
    from dhcpctl._key import Key

    key = endpoint.key
    typed = None if key is None else Key(key.name, key.algorithm, key.secret)
    omapi = dhcpctl.Client(
        endpoint.address, endpoint.port, key=typed, timeout=60.0, backend=backend
    )
    omapi.connect()
    if tag is None:
        tag = {"python": 0x08, "native": 0x09}[backend]

    def lookup(_: int) -> None:
        lease = omapi.leases.get(ip=LEASE.ip)
        if lease.ends is None or int(lease.ends.timestamp()) != LEASE.ends:
            raise BenchmarkError(f"typed Client ({backend}): wrong lease end")

    def host_cycle(number: int) -> None:
        name = f"bench-typed-{tag}-{number}"
        omapi.hosts.create(name, mac=host_mac(tag, number))
        omapi.hosts.delete(name=name)

    return Client(timed(lookup if workload == "lookup" else host_cycle), omapi.close)


def aio_client(
    endpoint: Endpoint,
    workload: Workload,
    *,
    window: int,
    uvloop: bool = False,
    tag: int | None = None,
) -> Client:
    """``dhcpctl.aio.Client`` on an event loop of its own (asyncio's, or with ``uvloop``
    uvloop's), connected beforehand; each run is one burst of ``count`` tasks. ``tag`` (a
    byte) keeps host names and MACs apart from the other clients' (default: by window)."""
    import dhcpctl.aio
    from dhcpctl._key import Key

    key = endpoint.key
    typed = None if key is None else Key(key.name, key.algorithm, key.secret)
    loop: asyncio.AbstractEventLoop
    if uvloop:
        import uvloop as uv  # the [test] extra installs it

        loop = uv.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    omapi = dhcpctl.aio.Client(
        endpoint.address, endpoint.port, key=typed, timeout=120.0, max_in_flight=window
    )
    loop.run_until_complete(omapi.connect())
    numbers = itertools.count()
    if tag is None:
        tag = 0x10 + window.bit_length() + (0x10 if uvloop else 0)

    async def lookup() -> None:
        lease = await omapi.leases.get(ip=LEASE.ip)
        if lease.ends is None or int(lease.ends.timestamp()) != LEASE.ends:
            raise BenchmarkError(f"{aio_name(window, uvloop)}: wrong lease end")

    async def host_cycle(number: int) -> None:
        name = f"bench-aio-{tag}-{number}"
        await omapi.hosts.create(name, mac=host_mac(tag, number))
        await omapi.hosts.delete(name=name)

    async def burst(count: int) -> float:
        if workload == "lookup":
            tasks = [lookup() for _ in range(count)]
        else:
            tasks = [host_cycle(next(numbers)) for _ in range(count)]
        started = time.perf_counter()
        await asyncio.gather(*tasks)
        return time.perf_counter() - started

    def run(count: int) -> float:
        return loop.run_until_complete(burst(count))

    def close() -> None:
        loop.run_until_complete(omapi.close())
        loop.close()

    return Client(run, close)


def native_library_client(
    prefix: Path, tag: int, endpoint: Endpoint, workload: Workload
) -> tuple[str, Client]:
    """The native backend on the shared ISC libraries in ``prefix``, in ABI mode, in a child
    process (``--worker``): its name in the table (saying whether the library is hardened) and
    the client, which sends the child each round's count and reads back the seconds."""
    environ = {**os.environ, "DHCPCTL_NATIVE_MODE": "abi", "DHCPCTL_ISC_PREFIX": str(prefix)}
    environ["DHCPCTL_TEST_SERVER"] = f"{endpoint.address}:{endpoint.port}"
    if endpoint.key is not None:
        environ["DHCPCTL_TEST_KEY_NAME"] = endpoint.key.name
        environ["DHCPCTL_TEST_KEY_ALGORITHM"] = endpoint.key.algorithm
        environ["DHCPCTL_TEST_KEY_SECRET"] = endpoint.key.secret_base64
    child = subprocess.Popen(
        [sys.executable, __file__, "--worker", workload, str(tag)],
        env=environ,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    stdin, stdout = child.stdin, child.stdout
    hello = stdout.readline().split()
    if hello[:1] != ["hardened"]:
        child.kill()
        raise BenchmarkError(f"native on {prefix}: the worker did not start ({child.wait()})")
    hardening = "hardened" if hello[1] == "True" else "unhardened"

    def run(count: int) -> float:
        stdin.write(f"{count}\n")
        stdin.flush()
        answer = stdout.readline()
        if not answer:
            raise BenchmarkError(f"native on {prefix}: the worker died ({child.wait()})")
        return float(answer)

    def close() -> None:
        stdin.close()
        child.wait()

    return f"dhcpctl, native (ABI), {hardening}: {prefix}", Client(run, close)


def worker(workload: Workload, tag: int) -> int:
    """``--worker``: one native client (``DHCPCTL_ISC_PREFIX``, ABI mode) for the endpoint
    in the ``DHCPCTL_TEST_*`` variables; runs each count read from stdin, prints the seconds."""
    from dhcpctl import _native
    from testbed.server import endpoint_from_env

    endpoint = endpoint_from_env(os.environ)
    assert endpoint is not None
    client = dhcpctl_client("native", endpoint, workload, tag)
    print("hardened", _native.HARDENED, flush=True)
    for line in sys.stdin:
        print(client.run(int(line)), flush=True)
    client.close()
    return 0


def pypureomapi_client(endpoint: Endpoint, workload: Workload) -> Client:
    import pypureomapi  # type: ignore[import-untyped,import-not-found,unused-ignore]

    key = endpoint.key
    omapi = pypureomapi.Omapi(
        endpoint.address,
        endpoint.port,
        key.name.encode() if key else None,
        key.secret_base64.encode() if key else None,
    )

    if workload == "lookup":

        def lookup(_: int) -> None:
            if omapi.lookup_mac(LEASE.ip) != LEASE.mac:
                raise BenchmarkError("pypureomapi: wrong MAC")

        return Client(timed(lookup), omapi.close)

    def host_cycle(number: int) -> None:
        mac = ":".join(f"{octet:02x}" for octet in host_mac(0x03, number))
        omapi.add_host("198.18.253.1", mac)  # raises on failure
        omapi.del_host(mac)

    return Client(timed(host_cycle), omapi.close)


def floor_connection(endpoint: Endpoint) -> Handle:
    """An authenticated connection to ``endpoint``, opened by the native backend: its handle
    (keep it: its finalizer closes the connection), whose ``cell[0]`` is ISC's
    ``dhcpctl_handle`` (a cffi pointer) for the floor's calls. Raises
    ImportError (the row is then not measured) unless the native module is the compiled (API
    mode) one."""
    from dhcpctl._native import api  # connects (authenticated) the way the backend does
    from dhcpctl._native.loader import MODE

    if MODE != "api":
        raise ImportError("needs the compiled (API mode) native module")
    key = endpoint.key
    auth = None if key is None else api.dhcpctl_new_authenticator(*astuple(key))
    return api.dhcpctl_connect(endpoint.address, endpoint.port, auth)


def floor_lookup(connection: Handle) -> Callable[[], None]:
    """The C loop's lookup calls straight through ``dhcpctl._native.loader.lib``, on
    ``connection`` (:func:`floor_connection`)."""
    from dhcpctl._native.loader import c_data_string_dereference, c_object_dereference, ffi, lib

    conn = connection.cell[0]
    address = socket.inet_aton(LEASE.ip)
    cell = ffi.new("dhcpctl_handle *")
    status = ffi.new("dhcpctl_status *")
    value = ffi.new("dhcpctl_data_string *")

    def lookup() -> None:
        lib.dhcpctl_new_object(cell, conn, b"lease")
        handle = cell[0]
        lib.dhcpctl_set_data_value(handle, address, len(address), b"ip-address")
        lib.dhcpctl_open_object(handle, conn, 0)
        lib.dhcpctl_wait_for_completion(handle, status)
        if status[0] != ISC_R_SUCCESS:
            raise BenchmarkError("cffi, no guards: the lookup failed")
        lib.dhcpctl_get_value(value, handle, b"ends")
        if int.from_bytes(ffi.buffer(value[0].value, value[0].len), "big") != LEASE.ends:
            raise BenchmarkError("cffi, no guards: wrong lease end")
        c_data_string_dereference(value)
        c_object_dereference(cell)

    return lookup


def floor_host_cycle(connection: Handle, tag: int) -> Step:
    """The C loop's host cycle (``c_loop.c``'s ``host_cycle``) straight through
    ``dhcpctl._native.loader.lib``, on ``connection``, host names and MACs made from ``tag``."""
    from dhcpctl import DHCPCTL_CREATE, DHCPCTL_EXCL
    from dhcpctl._native.loader import c_object_dereference, ffi, lib

    conn = connection.cell[0]
    cell = ffi.new("dhcpctl_handle *")
    status = ffi.new("dhcpctl_status *")
    flags = DHCPCTL_CREATE | DHCPCTL_EXCL

    def host_cycle(number: int) -> None:
        lib.dhcpctl_new_object(cell, conn, b"host")
        host = cell[0]
        lib.dhcpctl_set_string_value(host, f"bench-{tag}-{number}".encode(), b"name")
        mac = host_mac(tag, number)
        lib.dhcpctl_set_data_value(host, mac, len(mac), b"hardware-address")
        lib.dhcpctl_set_int_value(host, 1, b"hardware-type")
        lib.dhcpctl_open_object(host, conn, flags)
        lib.dhcpctl_wait_for_completion(host, status)
        if status[0] != ISC_R_SUCCESS:
            raise BenchmarkError(f"cffi, no guards: host create failed ({status[0]})")
        lib.dhcpctl_object_remove(conn, host)
        lib.dhcpctl_wait_for_completion(host, status)
        if status[0] != ISC_R_SUCCESS:
            raise BenchmarkError(f"cffi, no guards: host remove failed ({status[0]})")
        c_object_dereference(cell)

    return host_cycle


def floor_client(endpoint: Endpoint, workload: Workload, tag: int = 0x03) -> Client:
    """ISC's library called straight through cffi with none of the native backend's guards
    (no lock, no argument checks, no handle bookkeeping): not a client to use, the least any
    cffi binding of libdhcpctl can cost, beside the backends that keep their guarantees."""
    from dhcpctl._native.api import dhcpctl_disconnect

    connection = floor_connection(endpoint)
    if workload == "lookup":
        lookup = floor_lookup(connection)
        step: Step = lambda _: lookup()  # noqa: E731
    else:
        step = floor_host_cycle(connection, tag)
    return Client(timed(step), lambda: dhcpctl_disconnect(connection))


def compile_c_loop(directory: Path) -> Path:
    """``c_loop.c`` built in ``directory`` against the located ISC libraries."""
    compiler = os.environ.get("CC", "cc")
    if shutil.which(compiler) is None:
        raise BenchmarkError(
            f"C loop: no C compiler {compiler!r} on PATH (apt-get install build-essential, or "
            "set CC)"
        )
    try:
        isc = locate("build")
    except IscLibraryNotFound as error:
        raise BenchmarkError(f"C loop: {error}") from None
    binary = directory / "c_loop"
    command = [compiler, "-O2", "-o", str(binary), str(C_SOURCE)]
    command += [f"-I{path}" for path in isc.include_dirs]
    command += list(isc.extra_objects)  # static archives, in link order
    command += [f"-L{path}" for path in isc.library_dirs]
    command += [f"-Wl,-rpath,{path}" for path in isc.runtime_library_dirs]
    command += [f"-l{name}" for name in isc.libraries]
    command += ["-lpthread"]
    built = subprocess.run(command, capture_output=True, text=True, check=False)
    if built.returncode != 0:
        raise BenchmarkError(
            f"C loop: compiling against the {isc.kind} ISC libraries in {isc.prefix} failed:\n"
            f"$ {' '.join(command)}\n{built.stderr}"
        )
    return binary


def c_client(binary: Path, endpoint: Endpoint, workload: Workload) -> Client:
    """Each call is one process: it connects (untimed), then times its own loop."""
    key = endpoint.key
    credentials = [key.name, key.algorithm, key.secret_base64] if key else ["-", "-", "-"]
    invocations = itertools.count()

    def run(count: int) -> float:
        argument = LEASE.ip if workload == "lookup" else f"bench-c-{next(invocations)}"
        command = [str(binary), endpoint.address, str(endpoint.port), *credentials]
        command += [str(count), workload, argument]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BenchmarkError(f"C loop: {done.stderr.strip() or done.returncode}")
        return float(done.stdout.split()[1])

    return Client(run)


def c_parallel_client(binary: Path, endpoint: Endpoint, _: Workload, *, loops: int) -> Client:
    """``loops`` C loop processes started together, each timing its own ``count`` lookups;
    the run's seconds are those that give the sum of their rates."""
    key = endpoint.key
    credentials = [key.name, key.algorithm, key.secret_base64] if key else ["-", "-", "-"]

    def run(count: int) -> float:
        command = [str(binary), endpoint.address, str(endpoint.port), *credentials]
        command += [str(count), "lookup", LEASE.ip]
        children = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(loops)
        ]
        rate = 0.0
        for child in children:
            out, err = child.communicate()
            if child.returncode != 0:
                raise BenchmarkError(f"C loop x{loops}: {err.strip() or child.returncode}")
            rate += float(out.split()[2])
        return count / rate

    return Client(run)


# --- measuring and reporting -------------------------------------------------------------------


@dataclass
class Figure:
    """One client's rates on one workload, a rate per round (iterations per second)."""

    rounds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.rounds)

    def spread(self) -> str:
        """The lowest and highest round, as the table prints them."""
        return f"{min(self.rounds):,.0f}-{max(self.rounds):,.0f}"

    def ratio(self, baseline: Figure) -> float:
        """The median over the rounds of this client's rate over the baseline's in the same
        round: a moment of load on the machine weighs on both sides of each quotient."""
        return statistics.median(
            mine / theirs for mine, theirs in zip(self.rounds, baseline.rounds, strict=True)
        )


def round_rates(
    clients: dict[str, Client], count: int, rounds: int, warmup: int
) -> dict[str, Figure]:
    """Each client's rate in each round. The rounds alternate (every client once a round, in
    reverse order every other round), so that a noisy moment on the machine, or a client's
    place in the round, does not fall on one client only."""
    for client in clients.values():
        if warmup:
            client.run(warmup)  # first allocations, the server's caches
    figures = {name: Figure([]) for name in clients}
    for number in range(rounds):
        order = list(clients.items())
        for name, client in order if number % 2 == 0 else reversed(order):
            figures[name].rounds.append(count / client.run(count))
    return figures


def markdown_table(
    figures: dict[str, dict[Workload, Figure]], baseline: str, saturation: float | None = None
) -> str:
    """One row per client: each workload's median rate, its rounds' spread and its ratio to
    ``baseline``; with ``saturation`` (lookups/s) a last column, each median lookup rate's
    ratio to it."""
    header = ["client"]
    for workload in WORKLOADS:
        header += [f"{COLUMN[workload]} (median)", "rounds (min-max)", "vs C"]
    if saturation:
        header.append("lookups vs saturation")
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for name, by_workload in figures.items():
        cells = [name]
        for workload in WORKLOADS:
            figure = by_workload.get(workload)
            base = figures.get(baseline, {}).get(workload)
            if figure is None:
                cells += ["-", "-", "-"]
                continue
            cells += [f"{figure.median:,.0f}", figure.spread()]
            cells.append(f"{figure.ratio(base):.2f}x" if base is not None else "-")
        if saturation:
            lookups = by_workload.get("lookup")
            cells.append(f"{lookups.median / saturation:.2f}x" if lookups else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> dict[str, str | int | None]:
    """What the figures were measured on: CPU model, cores, Python."""
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        # Which build: interpreters of one version differ. Here Debian's 3.11.2 ran the codec's
        # loops 1.5x as fast as pyenv's default build of 3.11.7, and spent a fifth less client
        # CPU per lookup.
        "interpreter": os.path.realpath(sys.executable),
        "system": platform.platform(),
    }


#: The choices of ``--placement`` and what each means.
PLACEMENTS: Final = {
    "kernel": "as the scheduler puts them",
    "shared": "dhcpd and the clients on CPU 0",
    "split": "dhcpd on CPU 1, the clients on CPU 0",
}


def place(placement: str, server_pid: int | None) -> None:
    """Pin dhcpd (``server_pid``) and this process, whose children (the C loops, the ABI-mode
    workers) inherit it, as ``placement`` says (a key of :data:`PLACEMENTS`). Raises
    :class:`BenchmarkError` when the machine has too few CPUs, OSError when pinning fails."""
    if placement == "kernel":
        return
    cpus = sorted(os.sched_getaffinity(0))
    needed = 1 if placement == "shared" else 2
    if len(cpus) < needed or server_pid is None:
        raise BenchmarkError(f"needs {needed} CPUs this process may use (it has {len(cpus)})")
    os.sched_setaffinity(server_pid, {cpus[needed - 1]})
    os.sched_setaffinity(0, {cpus[0]})


def write_json(
    path: Path, figures: dict[str, dict[Workload, Figure]], settings: dict[str, int | str]
) -> None:
    """The table as JSON, to compare runs (of two commits, say)."""
    baseline = figures.get(NAMES["c"], {})
    table = {
        name: {
            workload: {
                "median": figure.median,
                "rounds": figure.rounds,
                "vs_c": figure.ratio(baseline[workload]) if workload in baseline else None,
            }
            for workload, figure in by_workload.items()
        }
        for name, by_workload in figures.items()
    }
    document = {"machine": machine(), "settings": settings, "figures": table}
    path.write_text(json.dumps(document, indent=2) + "\n")


def profile(client: Client, count: int, warmup: int, top: int) -> str:
    client.run(warmup)
    profiler = cProfile.Profile()
    profiler.runcall(client.run, count)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(top)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--lookups", type=int, default=2000, help="lease lookups a round")
    parser.add_argument("--host-cycles", type=int, default=500, help="host cycles a round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (medians)")
    parser.add_argument("--warmup", type=int, default=50, help="untimed iterations first")
    parser.add_argument(
        "--profile",
        choices=["native", "python", "pypureomapi"],
        help="instead: cProfile one client's lease lookups, print the top costs (tottime)",
    )
    parser.add_argument(
        "--native-library",
        type=Path,
        action="append",
        default=[],
        metavar="PREFIX",
        help="also measure the native backend on the shared ISC libraries in PREFIX (ABI mode, "
        "child process); repeat to compare builds, e.g. unpatched and hardened",
    )
    parser.add_argument("--top", type=int, default=15, help="--profile: how many lines")
    parser.add_argument(
        "--uvloop",
        action="store_true",
        help="also measure dhcpctl.aio on uvloop's event loop (the [test] extra installs it)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the table as JSON")
    parser.add_argument(
        "--algorithm",
        default="hmac-md5",
        choices=["none", *ALGORITHMS],
        help="the server's OMAPI key algorithm, or none (default: hmac-md5)",
    )
    parser.add_argument(
        "--placement",
        default="kernel",
        choices=PLACEMENTS,
        help="where dhcpd and the clients run: as the scheduler puts them (kernel, default), "
        "all on the first CPU (shared), or dhcpd on the second and the clients on the first "
        "(split)",
    )
    parser.add_argument("--worker", nargs=2, metavar=("WORKLOAD", "TAG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        workload, tag = args.worker
        return worker(workload, int(tag))
    counts: dict[Workload, int] = {"lookup": args.lookups, "host-cycle": args.host_cycles}

    with tempfile.TemporaryDirectory(prefix="dhcpctl-bench-") as scratch:
        try:
            binary = None if args.profile else compile_c_loop(Path(scratch))
        except BenchmarkError as error:
            print(error, file=sys.stderr)
            return 2
        key = None if args.algorithm == "none" else make_key(args.algorithm)
        with DhcpdServer(key, with_dataset=True) as server:
            endpoint = server.endpoint
            try:
                place(args.placement, server.pid)
            except (OSError, BenchmarkError) as error:
                print(f"--placement {args.placement}: {error}", file=sys.stderr)
                return 2
            # Keyed by --profile's choices; the table's names are in NAMES.
            makers: dict[str, Callable[[Workload], Client]] = {
                "native": lambda w: dhcpctl_client("native", endpoint, w),
                "python": lambda w: dhcpctl_client("python", endpoint, w),
                "pypureomapi": lambda w: pypureomapi_client(endpoint, w),
            }
            if args.profile:
                client = makers[args.profile]("lookup")
                print(profile(client, args.lookups, args.warmup, top=args.top))
                return 0
            assert binary is not None
            makers["c"] = lambda w: c_client(binary, endpoint, w)
            makers["floor"] = lambda w: floor_client(endpoint, w)
            for backend in ("python", "native"):
                makers[f"dhcpctl.Client (typed), {backend} backend"] = functools.partial(
                    typed_client, endpoint, backend=backend
                )
            for window in AIO_WINDOWS:
                makers[aio_name(window)] = functools.partial(aio_client, endpoint, window=window)
            for window in AIO_WINDOWS if args.uvloop else ():
                makers[aio_name(window, uvloop=True)] = functools.partial(
                    aio_client, endpoint, window=window, uvloop=True
                )
            for loops in SATURATION:
                makers[saturation_name(loops)] = functools.partial(
                    c_parallel_client, binary, endpoint, loops=loops
                )
            figures: dict[str, dict[Workload, Figure]] = {}
            for workload in WORKLOADS:
                clients: dict[str, Client] = {}
                for name, make in makers.items():
                    if workload != "lookup" and name.startswith("dhcpd saturation"):
                        continue  # the C loops' host names and MACs would collide
                    try:
                        clients[NAMES.get(name, name)] = make(workload)
                    except ImportError as error:
                        print(f"{NAMES.get(name, name)}: not measured: {error}", file=sys.stderr)
                for tag, prefix in enumerate(args.native_library, start=0x30):
                    label, client = native_library_client(prefix, tag, endpoint, workload)
                    clients[label] = client
                measured = round_rates(clients, counts[workload], args.rounds, args.warmup)
                width = max(map(len, measured), default=0)
                for name, figure in measured.items():
                    figures.setdefault(name, {})[workload] = figure
                    print(
                        f"{name:{width}} {COLUMN[workload]:>14} {figure.median:10,.0f}",
                        file=sys.stderr,
                    )
                for client in clients.values():
                    client.close()

    saturation = max(
        (figures[saturation_name(loops)]["lookup"].median for loops in SATURATION), default=None
    )
    print()
    print(markdown_table(figures, baseline=NAMES["c"], saturation=saturation))
    print()
    about = machine()
    print(
        f"One connection per client (sequential except dhcpctl.aio), medians of {args.rounds} "
        f"alternating rounds of {args.lookups} lookups / {args.host_cycles} host cycles after "
        f"{args.warmup} warm-up iterations (vs C: the median of the rounds' quotients); dhcpd "
        f"4.4.3-P1 in a network namespace, key: {args.algorithm}; placement: "
        f"{args.placement} ({PLACEMENTS[args.placement]}). {about['cpu']}, "
        f"{about['cores']} cores, {about['python']} ({about['interpreter']})."
    )
    if args.json:
        settings: dict[str, int | str] = {"lookups": args.lookups, "rounds": args.rounds}
        settings |= {"host_cycles": args.host_cycles, "warmup": args.warmup}
        settings["algorithm"] = args.algorithm
        settings["placement"] = args.placement
        write_json(args.json, figures, settings)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchmarkError as failure:
        sys.exit(f"benchmark failed: {failure}")
