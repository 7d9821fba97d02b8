#!/usr/bin/env python3
"""Write a dhcpd.conf with OMAPI enabled from environment variables, then exec ISC dhcpd.

The one launcher for both the docker image (its entrypoint) and the test bed (which runs it
inside a network namespace), so the tests exercise exactly what users run. Standard library
only: the image carries nothing but ``python3`` and ``isc-dhcp-server`` (the modules those
Debian packages ship: ``tests/test_dhcpd_launch.py`` checks the imports against their file lists).

Environment (all optional):

``OMAPI_PORT``            OMAPI TCP port (7911).
``OMAPI_KEY_NAME``        key name; unset or empty means OMAPI without authentication.
``OMAPI_KEY_ALGORITHM``   hmac-md5 (default), hmac-sha1, hmac-sha224, hmac-sha256,
                          hmac-sha384 or hmac-sha512.
``OMAPI_KEY_SECRET``      the key's secret, base64 as in dhcpd.conf (required with a name).
``DHCPD_INTERFACE``       interface to serve; default: the first non-loopback IPv4 interface.
``DHCPD_RANGE``           "FIRST LAST" dynamic range; default: .100 to .200 of the subnet
                          (or the upper half of a smaller subnet).
``DHCPD_CONF_EXTRA``      path of a dhcpd.conf fragment appended verbatim (hosts, groups,
                          classes, a failover peer declaration...).
``DHCPD_LEASES``          path of a leases file to seed an empty state directory with (copied,
                          never written to): a state directory that has a leases file already
                          (a persisted volume) keeps it, with the hosts created over OMAPI.
``DHCPD_STATE_DIR``       where dhcpd.conf, dhcpd.leases and dhcpd.pid are written
                          (/var/lib/dhcpd-omapi).

``--print-config`` prints the generated configuration with the secret masked and exits.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import ipaddress
import os
import shutil
import socket
import struct
import sys
from collections.abc import Mapping
from pathlib import Path

ALGORITHMS = (
    "hmac-md5",
    "hmac-sha1",
    "hmac-sha224",
    "hmac-sha256",
    "hmac-sha384",
    "hmac-sha512",
)

_SIOCGIFADDR = 0x8915
_SIOCGIFNETMASK = 0x891B
_MASKED_SECRET = "********"


class LaunchError(Exception):
    """The environment does not describe a server dhcpd can run."""


def interface_network(name: str) -> ipaddress.IPv4Interface:
    """The IPv4 address and netmask of interface ``name`` (ioctl, no iproute2 needed)."""
    request = struct.pack("256s", name.encode()[:15])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            address = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, request)[20:24]
            netmask = fcntl.ioctl(sock.fileno(), _SIOCGIFNETMASK, request)[20:24]
        except OSError as error:
            raise LaunchError(f"interface {name!r} has no IPv4 address ({error})") from error
    return ipaddress.IPv4Interface(f"{socket.inet_ntoa(address)}/{socket.inet_ntoa(netmask)}")


def default_interface() -> str:
    """The first interface, other than loopback, that has an IPv4 address."""
    for _, name in socket.if_nameindex():
        if name == "lo":
            continue
        try:
            interface_network(name)
        except LaunchError:
            continue
        return name
    raise LaunchError("no interface with an IPv4 address; set DHCPD_INTERFACE")


def default_range(network: ipaddress.IPv4Network) -> tuple[str, str]:
    """.100 to .200 of a /24 or larger; the upper half of the hosts of a smaller network."""
    hosts = list(network.hosts()) if network.num_addresses <= 256 else []
    if not hosts:
        return str(network.network_address + 100), str(network.network_address + 200)
    if len(hosts) >= 201:
        return str(hosts[99]), str(hosts[199])
    return str(hosts[len(hosts) // 2]), str(hosts[-1])


def dynamic_range(text: str, network: ipaddress.IPv4Network) -> tuple[str, str]:
    """``DHCPD_RANGE`` checked against the served network, or the default range."""
    if not text.strip():
        return default_range(network)
    words = text.split()
    try:
        first, last = (ipaddress.IPv4Address(word) for word in words)
    except ValueError:
        raise LaunchError(f"DHCPD_RANGE {text!r} is not two IPv4 addresses") from None
    if first not in network or last not in network or first > last:
        raise LaunchError(f"DHCPD_RANGE {text!r} is not an ascending range in {network}")
    return str(first), str(last)


def key_block(env: Mapping[str, str], *, mask_secret: bool) -> str:
    """The ``key`` and ``omapi-key`` statements, or nothing when no key name is set."""
    name = env.get("OMAPI_KEY_NAME", "")
    if not name:
        return ""
    algorithm = env.get("OMAPI_KEY_ALGORITHM", "hmac-md5").lower()
    if algorithm not in ALGORITHMS:
        raise LaunchError(
            f"OMAPI_KEY_ALGORITHM {algorithm!r} is not one of: {', '.join(ALGORITHMS)}"
        )
    secret = env.get("OMAPI_KEY_SECRET", "")
    try:
        base64.b64decode(secret, validate=True)
    except binascii.Error as error:
        raise LaunchError("OMAPI_KEY_SECRET is not valid base64") from error
    if not secret:
        raise LaunchError("OMAPI_KEY_NAME is set but OMAPI_KEY_SECRET is empty")
    shown = _MASKED_SECRET if mask_secret else secret
    return (
        f'key "{name}" {{\n  algorithm {algorithm};\n  secret "{shown}";\n}}\nomapi-key "{name}";\n'
    )


def render_config(
    env: Mapping[str, str], network: ipaddress.IPv4Network, *, mask_secret: bool = False
) -> str:
    """The complete dhcpd.conf for this environment and the served network."""
    port = env.get("OMAPI_PORT", "7911")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise LaunchError(f"OMAPI_PORT {port!r} is not a TCP port number")
    first, last = dynamic_range(env.get("DHCPD_RANGE", ""), network)
    extra = ""
    if env.get("DHCPD_CONF_EXTRA"):
        extra = Path(env["DHCPD_CONF_EXTRA"]).read_text()
    return (
        "# Generated by dhcpd_launch.py\n"
        f"omapi-port {port};\n"
        f"{key_block(env, mask_secret=mask_secret)}"
        "authoritative;\n"
        "default-lease-time 600;\n"
        "max-lease-time 7200;\n"
        f"{extra}\n"
        f"subnet {network.network_address} netmask {network.netmask} {{\n"
        f"  range {first} {last};\n"
        "}\n"
    )


def seed_leases(leases: Path, initial: str | None) -> None:
    """Start ``leases`` from the file ``initial`` if it does not exist yet (an empty state
    directory, a new volume); else keep it: dhcpd wrote it, and what OMAPI created is in it."""
    if leases.exists():
        return
    if initial:
        shutil.copyfile(initial, leases)
    else:
        leases.touch()


def main(argv: list[str], env: Mapping[str, str]) -> int:
    interface = env.get("DHCPD_INTERFACE") or default_interface()
    network = interface_network(interface).network
    if argv[1:] == ["--print-config"]:
        sys.stdout.write(render_config(env, network, mask_secret=True))
        return 0
    if argv[1:]:
        raise LaunchError(f"unknown arguments {argv[1:]}; the only one is --print-config")
    state = Path(env.get("DHCPD_STATE_DIR", "/var/lib/dhcpd-omapi"))
    state.mkdir(parents=True, exist_ok=True)
    conf, leases, pid = state / "dhcpd.conf", state / "dhcpd.leases", state / "dhcpd.pid"
    # The configuration holds the secret: readable by root only, like /etc/dhcp/dhcpd.conf.
    conf.touch(mode=0o600)
    conf.write_text(render_config(env, network))
    seed_leases(leases, env.get("DHCPD_LEASES"))
    dhcpd = shutil.which("dhcpd", path=f"{env.get('PATH', os.defpath)}:/usr/sbin")
    if dhcpd is None:
        raise LaunchError("dhcpd not found: apt-get install isc-dhcp-server")
    command = [dhcpd, "-4", "-d", "-cf", str(conf), "-lf", str(leases), "-pf", str(pid)]
    os.execv(dhcpd, [*command, interface])


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv, os.environ))
    except (LaunchError, OSError) as error:
        sys.exit(f"dhcpd_launch: {error}")
