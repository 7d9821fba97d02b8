"""Real ISC dhcpd instances for tests, each in a network namespace of its own.

A :class:`DhcpdServer` runs ``docker/dhcpd_launch.py`` (the docker image's entrypoint) inside a
fresh namespace, waits until OMAPI accepts connections, and on :meth:`~DhcpdServer.close`
stops dhcpd and removes the namespace. Use it as a context manager so that a failing or
interrupted test still cleans up.
"""

from __future__ import annotations

import base64
import binascii
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from testbed import dataset
from testbed.ledger import record_dhcpd
from testbed.netns import Namespace, create_namespace, link_namespaces

LAUNCHER = Path(__file__).resolve().parent.parent / "docker" / "dhcpd_launch.py"
OMAPI_PORT = 7911
FAILOVER_PORT = 647
ALGORITHMS = ("hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512")


class ServerError(RuntimeError):
    """dhcpd did not start, or did not answer on its OMAPI port in time."""


@dataclass(frozen=True)
class OmapiKey:
    """An OMAPI key as ``dhcpctl_new_authenticator`` takes it: the secret raw, not base64."""

    name: str
    algorithm: str
    secret: bytes = field(repr=False)

    @property
    def secret_base64(self) -> str:
        """The secret as dhcpd.conf and omshell write it."""
        return base64.b64encode(self.secret).decode()


@dataclass(frozen=True)
class Endpoint:
    """Where a server's OMAPI listens and the key it wants: all a client needs."""

    address: str
    port: int
    key: OmapiKey | None


def endpoint_from_env(env: Mapping[str, str]) -> Endpoint | None:
    """The external server named by ``DHCPCTL_TEST_SERVER=host:port``, if set.

    Its key comes from ``DHCPCTL_TEST_KEY_NAME``, ``DHCPCTL_TEST_KEY_ALGORITHM`` (hmac-md5)
    and ``DHCPCTL_TEST_KEY_SECRET`` (base64, as in dhcpd.conf); no name means no key.
    """
    target = env.get("DHCPCTL_TEST_SERVER", "")
    if not target:
        return None
    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"DHCPCTL_TEST_SERVER={target!r} is not host:port")
    key = None
    if env.get("DHCPCTL_TEST_KEY_NAME"):
        try:
            secret = base64.b64decode(env.get("DHCPCTL_TEST_KEY_SECRET", ""), validate=True)
        except binascii.Error:
            raise ValueError("DHCPCTL_TEST_KEY_SECRET is not base64") from None
        algorithm = env.get("DHCPCTL_TEST_KEY_ALGORITHM", "hmac-md5")
        key = OmapiKey(env["DHCPCTL_TEST_KEY_NAME"], algorithm, secret)
    return Endpoint(host.strip("[]"), int(port), key)


def local_servers_unavailable() -> str | None:
    """Why this machine cannot start test-bed servers, or None if it can."""
    if os.geteuid() != 0:
        return (
            "starting dhcpd in network namespaces needs root; run as root, or point "
            "DHCPCTL_TEST_SERVER at a running server (see docker/README.md)"
        )
    for program, package in (("ip", "iproute2"), ("dhcpd", "isc-dhcp-server")):
        if shutil.which(program, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin") is None:
            return f"{program} not found: apt-get install {package}"
    return None


def make_key(algorithm: str = "hmac-md5", name: str = "omapi_key") -> OmapiKey:
    """A key with a fresh random secret, as long as the algorithm's digest."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r}; one of {', '.join(ALGORITHMS)}")
    return OmapiKey(name, algorithm, os.urandom(32))


def wait_for_port(
    address: str, port: int, deadline: float, process: subprocess.Popen[bytes]
) -> None:
    """Return once ``address:port`` accepts a TCP connection; raise if dhcpd exits first."""
    while True:
        if process.poll() is not None:
            raise ServerError(f"dhcpd exited with status {process.returncode}")
        try:
            with socket.create_connection((address, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise ServerError(f"no OMAPI answer on {address}:{port}") from None
            time.sleep(0.05)


class DhcpdServer:
    """One dhcpd with OMAPI, in a namespace created for it.

    ``conf_extra`` is appended to dhcpd.conf, ``leases`` is the initial leases file. With
    ``with_dataset`` the :mod:`testbed.dataset` state is loaded first.
    """

    def __init__(
        self,
        key: OmapiKey | None,
        *,
        conf_extra: str = "",
        leases: str = "",
        with_dataset: bool = False,
        namespace: Namespace | None = None,
    ) -> None:
        self.key = key
        self.port = OMAPI_PORT
        self.namespace = namespace or create_namespace()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{self.namespace.name}-"))
        self._process: subprocess.Popen[bytes] | None = None
        if with_dataset:
            conf_extra = dataset.render_conf() + conf_extra
            leases = dataset.render_leases() + leases
        (self.workdir / "extra.conf").write_text(conf_extra)
        (self.workdir / "initial.leases").write_text(leases)

    @property
    def address(self) -> str:
        return self.namespace.address

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(self.address, self.port, self.key)

    @property
    def leases_file(self) -> Path:
        """The leases file dhcpd writes (created hosts appear here, removed ones as deleted)."""
        return self.workdir / "state" / "dhcpd.leases"

    @property
    def log_file(self) -> Path:
        return self.workdir / "dhcpd.log"

    @property
    def pid(self) -> int | None:
        """dhcpd's process id while it runs (the launcher execs it in place)."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _environment(self) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            "OMAPI_PORT": str(self.port),
            "DHCPD_INTERFACE": self.namespace.interface,
            "DHCPD_CONF_EXTRA": str(self.workdir / "extra.conf"),
            "DHCPD_LEASES": str(self.workdir / "initial.leases"),
            "DHCPD_STATE_DIR": str(self.workdir / "state"),
        }
        if self.key is not None:
            env.update(
                OMAPI_KEY_NAME=self.key.name,
                OMAPI_KEY_ALGORITHM=self.key.algorithm,
                OMAPI_KEY_SECRET=self.key.secret_base64,
            )
        return env

    def start(self, timeout: float = 15.0) -> DhcpdServer:
        """Start dhcpd and wait until its OMAPI port accepts connections."""
        if self.running:
            return self
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                self.namespace.command([sys.executable, str(LAUNCHER)]),
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        record_dhcpd(self._process.pid)
        try:
            wait_for_port(self.address, self.port, time.monotonic() + timeout, self._process)
        except ServerError as error:
            self.stop()
            raise ServerError(f"{error}; dhcpd said:\n{self.log_tail()}") from None
        return self

    def stop(self) -> None:
        """Stop dhcpd (SIGTERM, then SIGKILL after 5 s). The namespace stays. Idempotent."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def wait(self, timeout: float) -> int | None:
        """dhcpd's exit status once it exits (negative: the signal that killed it), or None if
        it still runs after ``timeout`` seconds. The process stays known until :meth:`stop`."""
        if self._process is None:
            return None
        try:
            return self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def restart(self, timeout: float = 15.0) -> DhcpdServer:
        """Stop dhcpd and start it again on the leases file it wrote (as after a reboot)."""
        self.stop()
        if self.leases_file.exists():
            shutil.copyfile(self.leases_file, self.workdir / "initial.leases")
        return self.start(timeout)

    def close(self) -> None:
        """Stop dhcpd, remove the namespace and the work directory. Idempotent."""
        self.stop()
        self.namespace.delete()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> DhcpdServer:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


#: The pool both members of a failover pair serve; declared on no interface, like the dataset's.
FAILOVER_POOL = ("198.18.253.0", "255.255.255.0", "198.18.253.100", "198.18.253.199")


def _failover_conf(role: str, address: str, peer_address: str) -> str:
    subnet, netmask, first, last = FAILOVER_POOL
    primary_only = "  mclt 60;\n  split 128;\n" if role == "primary" else ""
    return (
        'failover peer "pair" {\n'
        f"  {role};\n"
        f"  address {address};\n  port {FAILOVER_PORT};\n"
        f"  peer address {peer_address};\n  peer port {FAILOVER_PORT};\n"
        "  max-response-delay 10;\n  max-unacked-updates 10;\n  load balance max seconds 3;\n"
        f"{primary_only}"
        "}\n"
        f"subnet {subnet} netmask {netmask} {{\n"
        f'  pool {{\n    failover peer "pair";\n    range {first} {last};\n  }}\n'
        "}\n"
    )


def failover_pair(key: OmapiKey | None) -> tuple[DhcpdServer, DhcpdServer]:
    """A primary (``failover peer "pair"``) and its secondary, joined by a link of their own.

    Not yet started. Both serve :data:`FAILOVER_POOL` under failover; the failover protocol
    runs over the direct link between the two namespaces.
    """
    primary_ns = create_namespace()
    try:
        secondary_ns = create_namespace()
    except BaseException:
        primary_ns.delete()
        raise
    try:
        link = link_namespaces(primary_ns, secondary_ns)
    except BaseException:
        primary_ns.delete()
        secondary_ns.delete()
        raise
    primary = DhcpdServer(
        key,
        conf_extra=_failover_conf("primary", link.first_address, link.second_address),
        namespace=primary_ns,
    )
    secondary = DhcpdServer(
        key,
        conf_extra=_failover_conf("secondary", link.second_address, link.first_address),
        namespace=secondary_ns,
    )
    return primary, secondary
