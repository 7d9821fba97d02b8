"""The known server state the default test server starts with: leases, hosts, groups, classes.

Its addresses live in 198.18.254.0/24, a subnet that dhcpd declares but serves on no interface
(as for a relayed network), so the same dataset loads into any test-bed namespace and into the
docker container alike. Nothing ever sends traffic to these addresses: they are records only.

``python -m testbed.dataset DIR`` writes ``dataset.conf`` and ``dataset.leases`` for the
container (see docker/README.md).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SUBNET = "198.18.254.0"
NETMASK = "255.255.255.0"
RANGE = ("198.18.254.100", "198.18.254.199")


@dataclass(frozen=True)
class Lease:
    ip: str
    mac: str
    hostname: str
    starts: int
    ends: int
    state: str = "active"


@dataclass(frozen=True)
class Host:
    name: str
    mac: str
    ip: str
    group: str | None = None


@dataclass(frozen=True)
class Group:
    name: str
    statements: tuple[str, ...]


@dataclass(frozen=True)
class Class:
    name: str
    match: str
    subclasses: tuple[str, ...] = ()


def _utc(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


LEASES = (
    Lease("198.18.254.150", "52:54:00:12:34:56", "alpha", _utc("2026-01-01"), _utc("2036-01-01")),
    Lease("198.18.254.151", "52:54:00:12:34:57", "bravo", _utc("2026-02-01"), _utc("2036-02-01")),
    Lease(
        "198.18.254.152",
        "52:54:00:ab:cd:ef",
        "charlie",
        _utc("2026-03-01T12:30:00"),
        _utc("2036-03-01T12:30:00"),
    ),
)

GROUPS = (Group("gold", ("default-lease-time 1200;", "max-lease-time 2400;")),)

HOSTS = (
    Host("static-one", "00:11:22:33:44:01", "198.18.254.11"),
    Host("static-two", "00:11:22:33:44:02", "198.18.254.12"),
    Host("gold-one", "00:11:22:33:44:03", "198.18.254.13", group="gold"),
)

CLASSES = (
    Class(
        "vendor-test",
        'if substring (option vendor-class-identifier, 0, 4) = "test"',
    ),
    Class("by-mac", "hardware", subclasses=("1:52:54:00:12:34:58",)),
)


def _lease_time(epoch: int) -> str:
    moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    # dhcpd's format: weekday (0 is Sunday) then UTC date and time.
    return f"{(moment.weekday() + 1) % 7} {moment:%Y/%m/%d %H:%M:%S}"


def render_conf() -> str:
    """The dhcpd.conf fragment declaring the dataset's subnet, groups, hosts and classes."""
    parts = [f"subnet {SUBNET} netmask {NETMASK} {{\n  range {RANGE[0]} {RANGE[1]};\n}}\n"]
    for group in GROUPS:
        members = "".join(
            f"  host {host.name} {{ hardware ethernet {host.mac}; fixed-address {host.ip}; }}\n"
            for host in HOSTS
            if host.group == group.name
        )
        statements = "".join(f"  {statement}\n" for statement in group.statements)
        parts.append(f'group "{group.name}" {{\n{statements}{members}}}\n')
    parts.extend(
        f"host {host.name} {{ hardware ethernet {host.mac}; fixed-address {host.ip}; }}\n"
        for host in HOSTS
        if host.group is None
    )
    for klass in CLASSES:
        parts.append(f'class "{klass.name}" {{ match {klass.match}; }}\n')
        parts.extend(f'subclass "{klass.name}" {sub};\n' for sub in klass.subclasses)
    return "".join(parts)


def render_leases() -> str:
    """A dhcpd.leases file holding the dataset's leases."""
    return "".join(
        f"lease {lease.ip} {{\n"
        f"  starts {_lease_time(lease.starts)};\n"
        f"  ends {_lease_time(lease.ends)};\n"
        f"  binding state {lease.state};\n"
        f"  hardware ethernet {lease.mac};\n"
        f'  client-hostname "{lease.hostname}";\n'
        "}\n"
        for lease in LEASES
    )


def write(directory: Path) -> tuple[Path, Path]:
    """Write ``dataset.conf`` and ``dataset.leases`` into ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    conf, leases = directory / "dataset.conf", directory / "dataset.leases"
    conf.write_text(render_conf())
    leases.write_text(render_leases())
    return conf, leases


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m testbed.dataset DIR")
    for path in write(Path(sys.argv[1])):
        print(path)
