"""Network namespaces joined to this host by veth pairs: where test-bed dhcpd instances live.

dhcpd refuses the loopback device, so each instance gets a namespace of its own with an
Ethernet-like veth end and a /24 from the benchmarking range 198.18.0.0/15 (the ``dummy`` link
type is not available on every kernel; a veth pair is). Interface names are at most 15
characters. Nothing here routes anywhere but between this host and the namespaces it creates.

A namespace's name doubles as the lock on its index: ``ip netns add`` fails if another run owns
it. The owner's pid is recorded beside it, so a namespace left behind by a killed run is reclaimed
by the next one instead of leaking forever.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from testbed.ledger import OWNERS, namespaces, record_namespace, start_time

PREFIX = "dctl"
#: Indexes 1..199 map to 198.18.N.0/24; 200 and above are left to developers' own experiments.
INDEXES = range(1, 200)


class NamespaceError(RuntimeError):
    """A namespace or veth pair could not be set up."""


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise NamespaceError(f"ip {' '.join(args)}: {result.stderr.strip()}")


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a zombie counts as gone)."""
    return start_time(pid) is not None


def existing_namespaces() -> set[str]:
    """The names of the namespaces on this machine that belong to test beds."""
    return {name for name in namespaces() if name.startswith(PREFIX)}


@dataclass(frozen=True)
class Namespace:
    """One namespace: ``address`` inside it, ``host_address`` on this host's veth end."""

    index: int

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.index}"

    @property
    def host_interface(self) -> str:
        return f"{self.name}h"

    @property
    def interface(self) -> str:
        """The veth end inside the namespace: the interface dhcpd serves."""
        return f"{self.name}n"

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(f"198.18.{self.index}.0/24")

    @property
    def host_address(self) -> str:
        return str(self.network.network_address + 1)

    @property
    def address(self) -> str:
        return str(self.network.network_address + 2)

    def command(self, argv: Sequence[str]) -> list[str]:
        """``argv`` prefixed so that it runs inside this namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def _configure(self) -> None:
        _ip("link", "add", self.host_interface, "type", "veth", "peer", "name", self.interface)
        _ip("link", "set", self.interface, "netns", self.name)
        _ip("addr", "add", f"{self.host_address}/24", "dev", self.host_interface)
        _ip("link", "set", self.host_interface, "up")
        inside = ("-n", self.name)
        _ip(*inside, "addr", "add", f"{self.address}/24", "dev", self.interface)
        _ip(*inside, "link", "set", self.interface, "up")
        _ip(*inside, "link", "set", "lo", "up")

    def delete(self) -> None:
        """Kill what still runs inside, remove the namespace and its veth pair. Idempotent."""
        pids = subprocess.run(
            ["ip", "netns", "pids", self.name], capture_output=True, text=True, check=False
        ).stdout.split()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), 9)
        # Deleting the namespace destroys its veth end, and with it the host end; the explicit
        # delete covers a setup that failed before the end was moved into the namespace.
        subprocess.run(["ip", "link", "del", self.host_interface], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)
        (OWNERS / self.name).unlink(missing_ok=True)


def reclaim_if_stale(namespace: Namespace) -> bool:
    """Delete ``namespace`` if the run that created it is gone; tell whether it was."""
    try:
        owner = int((OWNERS / namespace.name).read_text())
    except (OSError, ValueError):
        owner = 0
    if owner and pid_alive(owner):
        return False
    namespace.delete()
    return True


def create_namespace() -> Namespace:
    """A fresh namespace with its veth pair up and addressed, on the first free index."""
    OWNERS.mkdir(parents=True, exist_ok=True)
    for index in INDEXES:
        namespace = Namespace(index)
        try:
            _ip("netns", "add", namespace.name)
        except NamespaceError:
            if not reclaim_if_stale(namespace):
                continue
            try:
                _ip("netns", "add", namespace.name)
            except NamespaceError:
                continue
        (OWNERS / namespace.name).write_text(str(os.getpid()))
        record_namespace(namespace.name, os.getpid())
        try:
            namespace._configure()
        except BaseException:
            namespace.delete()
            raise
        return namespace
    raise NamespaceError(f"all {len(INDEXES)} test-bed namespaces are in use")


@dataclass(frozen=True)
class Link:
    """A veth pair straight between two namespaces, on 198.19.N.0/30 (N: the first's index)."""

    first: Namespace
    second: Namespace

    @property
    def first_address(self) -> str:
        return f"198.19.{self.first.index}.1"

    @property
    def second_address(self) -> str:
        return f"198.19.{self.first.index}.2"


def link_namespaces(first: Namespace, second: Namespace) -> Link:
    """Join two namespaces directly (for a failover pair); removed with either namespace."""
    link = Link(first, second)
    a_end, b_end = f"{first.name}x", f"{first.name}y"
    _ip("-n", first.name, "link", "add", a_end, "type", "veth", "peer", "name", b_end)
    _ip("-n", first.name, "link", "set", b_end, "netns", second.name)
    for namespace, end, address in (
        (first, a_end, link.first_address),
        (second, b_end, link.second_address),
    ):
        _ip("-n", namespace.name, "addr", "add", f"{address}/30", "dev", end)
        _ip("-n", namespace.name, "link", "set", end, "up")
    return link
