"""A dhcpctl client in a child process, driven by jobs: the client side of the hostile-server
tests and of the fuzz campaign.

Run as a script (``python tests/hostile_client.py BACKEND [--address-space-mib N]``), the child
loads the backend, optionally caps its address space (``RLIMIT_AS``: the current size plus N
MiB), then reads one JSON job per line on stdin. For each it prints ``{"start": i}``, runs the
job, and prints ``{"done": i, "result": ...}``, so a crash, an abort or a hang is caught by the
parent and pinned on the job that caused it, and the process goes on to the next job.

A job connects to a (fake) server on 127.0.0.1, opens ``objects`` leases (requests queued
before any wait), waits for each, and reports every call's outcome: ``{"ok": value}``,
``{"error": status, "function": name}`` for a :class:`~dhcpctl.DhcpctlError` or
``{"exception": text}`` for anything else, each with its ``elapsed`` seconds; the ``names``
values each object holds afterwards (hex or None); and how much the peak resident size grew.

The parent side is :class:`ClientProcess`.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, NoReturn

ROOT = Path(__file__).resolve().parent.parent
#: The address space a memory-bound child may add after its start-up (MiB): far below what
#: hostile claimed lengths would cost, far above what the documented limits allow.
ADDRESS_SPACE_MIB = 256
#: How far a child's peak resident size may grow while it meets a hostile server (KiB): a few
#: times ``MAX_MESSAGE_LEN`` + ``MAX_UNSENT``, the most a connection may hold.
RSS_GROWTH_KIB = 16 * 1024
#: How much more a child may hold after its last connection than after its first, once each
#: is closed (KiB): nothing of a connection is kept after it is gone.
RETAINED_KIB = 2 * 1024

Job = dict[str, Any]
Result = dict[str, Any]


# --- the child --------------------------------------------------------------------------


def _outcome(call: Callable[..., Any], *args: Any) -> tuple[Result, Any]:
    from dhcpctl._errors import DhcpctlError

    started = time.monotonic()
    try:
        value = call(*args)
    except DhcpctlError as error:
        return {
            "error": error.status,
            "function": error.function,
            "text": str(error),
            "elapsed": time.monotonic() - started,
        }, None
    except Exception as error:  # any other exception breaks the contract: report it
        text = f"{type(error).__name__}: {error}"
        return {"exception": text, "elapsed": time.monotonic() - started}, None
    shown = value if isinstance(value, int) else None
    return {"ok": shown, "elapsed": time.monotonic() - started}, value


def _peak_rss_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _status_kib(field: str) -> int:
    """A size of this process now (``VmRSS``, ``VmSize``: KiB), from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _rss_now_kib() -> int:
    """The resident size now (KiB), after a garbage collection."""
    gc.collect()
    return _status_kib("VmRSS")


def _value(backend: Any, handle: Any, name: str) -> str | None:
    try:
        return bytes(backend.dhcpctl_get_value(handle, name)).hex()
    except Exception:  # absent (ISC_R_NOTFOUND) or a dead handle: no value
        return None


def _open(backend: Any, connection: Any, address: bytes) -> Any:
    lease = backend.dhcpctl_new_object(connection, "lease")
    backend.dhcpctl_set_value(lease, address, "ip-address")
    backend.dhcpctl_open_object(lease, connection, 0)
    return lease


def _wait_all(backend: Any, leases: list[Any], job: Job, result: Result) -> None:
    """Wait for each object in turn; record the outcomes and the ``names`` values."""
    timeout = job.get("timeout")
    for lease in leases:
        if timeout is None:
            wait, _ = _outcome(backend.dhcpctl_wait_for_completion, lease)
        else:
            wait, _ = _outcome(backend.dhcpctl_timed_wait_for_completion, lease, timeout)
        result["waits"].append(wait)
        result["values"].append({n: _value(backend, lease, n) for n in job.get("names", ())})


def run_job(backend: Any, job: Job) -> Result:
    """One job (see the module docstring); keys: port, address (127.0.0.1), keyed (the fake's
    key) or key ([name, algorithm, secret in hex]), timeout (None: untimed calls), objects,
    lease (the address of every object, else 192.0.2.0 and on), names, then_refresh (after
    the waits, refresh every object and wait again: more entries in waits and values)."""
    from fake_omapi import KEY_ALGORITHM, KEY_NAME, KEY_SECRET

    timeout = job.get("timeout")
    result: Result = {"waits": [], "values": [], "requests": []}
    rss_before = _peak_rss_kib()
    auth = None
    if job.get("keyed"):
        auth = backend.dhcpctl_new_authenticator(KEY_NAME, KEY_ALGORITHM, KEY_SECRET)
    elif job.get("key"):
        name, algorithm, secret = job["key"]
        auth = backend.dhcpctl_new_authenticator(name, algorithm, bytes.fromhex(secret))
    address = job.get("address", "127.0.0.1")
    result["connect"], connection = _outcome(
        backend.dhcpctl_timed_connect, address, job["port"], auth, timeout
    )
    if connection is not None:
        leases = []
        for index in range(job.get("objects", 1)):
            ip = job.get("lease") or (0xC0000200 + index).to_bytes(4, "big").hex()
            request, lease = _outcome(_open, backend, connection, bytes.fromhex(ip))
            result["requests"].append(request)
            if lease is not None:
                leases.append(lease)
        _wait_all(backend, leases, job, result)
        if job.get("then_refresh"):  # each object refreshed once its first reply is in
            for lease in leases:
                request, _ = _outcome(backend.dhcpctl_object_refresh, connection, lease)
                result["requests"].append(request)
            _wait_all(backend, leases, job, result)
        result["disconnect"], _ = _outcome(backend.dhcpctl_disconnect, connection)
        del connection, leases  # the job's handles go: what stays is retained memory
    result["rss_growth_kib"] = _peak_rss_kib() - rss_before
    result["rss_after_kib"] = _rss_now_kib()
    return result


def _vm_size() -> int:
    """The process's address space now (bytes)."""
    return _status_kib("VmSize") * 1024


def _child_main(argv: list[str]) -> None:
    from dhcpctl import load_backend

    backend = load_backend(argv[0])
    if "--address-space-mib" in argv:
        extra = int(argv[argv.index("--address-space-mib") + 1]) << 20
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + extra, hard))
    kept: list[int] = []
    for index, line in enumerate(sys.stdin):
        job = json.loads(line)
        descriptors = job.get("descriptors", 0)
        if descriptors > len(kept):  # P5: more than FD_SETSIZE descriptors open
            _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, descriptors + 256), hard))
            kept += [os.open(os.devnull, os.O_RDONLY) for _ in range(descriptors - len(kept))]
        print(json.dumps({"start": index}), flush=True)
        print(json.dumps({"done": index, "result": run_job(backend, job)}), flush=True)


# --- the parent -------------------------------------------------------------------------


class ClientDied(Exception):
    """The child crashed, aborted, exited or hung during a job: ``job`` is its index."""

    def __init__(self, job: int, how: str, stderr: str) -> None:
        super().__init__(f"the client {how} during job {job}; its stderr ends:\n{stderr}")
        self.job = job
        self.how = how
        self.stderr = stderr


def _describe_exit(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with status {code}"


class ClientProcess:
    """A child running :func:`_child_main` for ``backend``; :meth:`run` gives it one job.

    ``limit``: how long a job may take before the child counts as hung (seconds; the jobs'
    own timeouts are much shorter). After :class:`ClientDied` the process is gone: make a new
    one for the next jobs.
    """

    def __init__(self, backend: str, address_space_mib: int | None = None) -> None:
        argv = [sys.executable, "-X", "faulthandler", str(Path(__file__)), backend]
        if address_space_mib is not None:
            argv += ["--address-space-mib", str(address_space_mib)]
        # Closed in close(): it outlives this call (the child writes to it).
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        self._selector = selectors.DefaultSelector()
        assert self._process.stdout is not None
        self._selector.register(self._process.stdout, selectors.EVENT_READ)
        self._pending = b""
        self._jobs = 0

    def run(self, job: Job, limit: float) -> Result:
        """Run ``job`` in the child; its result, or :class:`ClientDied`."""
        index = self._jobs
        self._jobs += 1
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(job).encode() + b"\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            self._died(index, "", None)
        deadline = time.monotonic() + limit
        started = self._line(index, deadline)
        if started.get("start") != index:
            self._died(index, f"said {started!r}", None)
        done = self._line(index, deadline)
        result: Result = done["result"]
        return result

    def _line(self, index: int, deadline: float) -> dict[str, Any]:
        assert self._process.stdout is not None
        fd = self._process.stdout.fileno()
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                self._died(index, "hung (no answer in time)", "kill")
            chunk = os.read(fd, 65536)
            if not chunk:
                self._died(index, "", None)
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        decoded: dict[str, Any] = json.loads(line)
        return decoded

    def _died(self, index: int, how: str, kill: str | None) -> NoReturn:
        if kill:
            self._process.kill()
        code = self._process.wait()
        self._stderr.seek(0)
        stderr = self._stderr.read().decode(errors="replace")[-3000:]
        self.close()
        raise ClientDied(index, how or _describe_exit(code), stderr)

    def close(self) -> None:
        """End the child (it exits when its stdin closes) and release its pipes."""
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._selector.close()
        for stream in (self._process.stdin, self._process.stdout, self._stderr):
            if stream is not None:
                stream.close()

    @property
    def peak_rss_kib(self) -> int:
        """The child's peak resident size so far (KiB), from /proc."""
        status = Path(f"/proc/{self._process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # dhcpctl and testbed; this file's folder is there already
    _child_main(sys.argv[1:])
