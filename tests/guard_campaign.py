"""Random statements the guard accepts, sent to a real dhcpd: none may crash it, lose a
statement, or leave a leases file it cannot read back at its next start.

:class:`Generator` makes texts in and around the statements :mod:`dhcpctl._guards` accepts
(option and parameter statements of many formats, with values from a vocabulary of numbers,
addresses, strings, hex, keywords and separators), so most are refused and the rest probe the
edges of what is accepted. :func:`run` sends each accepted text as a host's (or, every second
one, a group's) ``statements`` through the C-named API, and records a finding when dhcpd dies,
when a host created with success has fewer statements in the leases file than were sent, or
when dhcpd's restart (every ``restart_every`` texts, on its own leases file) reports a line of
that file it cannot read. ``Generator(seed).text(index)`` rebuilds any text.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from scenario_helpers import connect, open_object

from dhcpctl import DhcpctlError
from dhcpctl._api import Backend
from dhcpctl._guards import SERVER_PARAMETERS, check_statements, tokenize
from testbed.server import DhcpdServer

OPTIONS = (
    "host-name",
    "routers",
    "domain-name-servers",
    "domain-name",
    "domain-search",
    "ntp-servers",
    "subnet-mask",
    "broadcast-address",
    "time-offset",
    "ip-forwarding",
    "dhcp-lease-time",
    "dhcp-parameter-request-list",
    "vendor-encapsulated-options",
    "static-routes",
    "nis-domain",
    "netbios-name-servers",
    "tftp-server-name",
    "bootfile-name",
    "dhcp-client-identifier",
    "vendor-class-identifier",
    "interface-mtu",
    "default-ip-ttl",
    "slp-directory-agent",
    "slp-service-scope",
    "pxe-system-type",
    "dhcp.routers",
    "server.filename",
    "fqdn.hostname",
    "agent.circuit-id",
    "nonsense",
)
ATOMS = (
    "1",
    "0",
    "600",
    "-1",
    "255",
    "256",
    "65535",
    "4294967296",
    "99999999999999999999",
    "0x1f",
    "010",
    "ff",
    "1.2.3.4",
    "1.2.3",
    "255.255.255.0",
    "true",
    "false",
    "on",
    "off",
    "ignore",
    "null",
    "infinite",
    "lease-time",
    "if",
    "host-name",
    "option",
    "example.com",
    "a",
    "x_y",
    "booting",
    "unknown-clients",
    "bootp",
    "interim",
    "none",
    "ad-hoc",
    "standard",
    "local7",
    "never",
    '"web-1"',
    '""',
    '"a b"',
    '"{;}"',
    '"x=y(1)"',
    "01:02:03",
    '"example.com"',
)
SEPARATORS = (", ", ",", ".", ":", " ", ";")


class Generator:
    """Texts from a seed: ``text(index)`` is the same for the same seed and index."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def text(self, index: int) -> str:
        rng = random.Random(self.seed * 1_000_003 + index)
        return " ".join(self._statement(rng) for _ in range(rng.randint(1, 4)))

    @staticmethod
    def _value(rng: random.Random) -> str:
        value = rng.choice(ATOMS)
        for _ in range(rng.choice((0, 0, 0, 1, 2, 4))):
            value += rng.choice(SEPARATORS) + rng.choice(ATOMS)
        return value

    def _statement(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.55:
            verb = rng.choice(("option", "supersede", "default", "append", "prepend"))
            return f"{verb} {rng.choice(OPTIONS)} {self._value(rng)};"
        if roll < 0.9:
            return f"{rng.choice(sorted(SERVER_PARAMETERS))} {self._value(rng)};"
        word = rng.choice(("booting", "bootp", "unknown-clients", "x", "duplicates"))
        return f"{rng.choice(('allow', 'deny', 'ignore'))} {word};"


@dataclass
class Outcome:
    """What a run saw: texts generated, accepted and sent, dhcpd's answers, the findings."""

    generated: int = 0
    sent: int = 0
    answers: Counter[int] = field(default_factory=Counter)
    findings: list[str] = field(default_factory=list)


_WRITTEN = re.compile(r"^\s+(supersede|default|append|prepend) ", re.M)


def _statement_count(text: str) -> int:
    return sum(1 for token in tokenize(text) if token.kind == "punct" and token.text == ";")


def written(server: DhcpdServer, kind: str, name: str) -> str | None:
    """The body of the last ``KIND NAME {...}`` block in the leases file, if any."""
    pattern = rf"^{kind} {re.escape(name)} \{{\n(.*?)^\}}"
    blocks = re.findall(pattern, server.leases_file.read_text(errors="replace"), re.M | re.S)
    return str(blocks[-1]) if blocks else None


def create(backend: Backend, server: DhcpdServer, kind: str, values: dict[str, object]) -> int:
    """Create (CREATE|EXCL) a ``kind`` object with ``values`` on a connection of its own: the
    server's status; a connection the server dropped raises DhcpctlError."""
    connection = connect(backend, server.endpoint)
    flags = backend.DHCPCTL_CREATE | backend.DHCPCTL_EXCL
    _, status = open_object(backend, connection, kind, values, flags)  # type: ignore[arg-type]
    backend.dhcpctl_disconnect(connection, True)
    return status


def _send(backend: Backend, server: DhcpdServer, kind: str, name: str, text: str) -> int:
    values: dict[str, object] = {"name": name, "statements": text}
    if kind == "host":
        number = int(name[1:])
        values.update({"hardware-address": number.to_bytes(6, "big"), "hardware-type": 1})
    else:  # a group without statements gets a harmless warning at dhcpd's next start
        values["statements"] = "default-lease-time 600; " + text
    return create(backend, server, kind, values)


def _restart(server: DhcpdServer) -> list[str]:
    """Restart dhcpd on its leases file: the lines of that file it reports unreadable."""
    seen = len(server.log_file.read_bytes())
    server.restart()
    log = server.log_file.read_bytes()[seen:].decode(errors="replace")
    return [line for line in log.splitlines() if "dhcpd.leases line" in line or "orrupt" in line]


def run(
    backend: Backend,
    server: DhcpdServer,
    generator: Generator,
    indices: Iterable[int],
    restart_every: int = 100,
) -> Outcome:
    outcome = Outcome()
    for index in indices:
        text = generator.text(index)
        outcome.generated += 1
        try:
            check_statements(text)
        except ValueError:
            continue
        outcome.sent += 1
        kind, name = ("host", f"h{outcome.sent}") if outcome.sent % 2 else ("group", f"g{index}")
        try:
            status = _send(backend, server, kind, name, text)
        except DhcpctlError as error:
            died = server.wait(10.0)
            outcome.findings.append(f"{index}: {error} (dhcpd exit {died}): {text!r}")
            server.restart() if died is None else server.start()
            continue
        outcome.answers[status] += 1
        body = written(server, kind, name) if status == 0 and kind == "host" else None
        if body is not None and len(_WRITTEN.findall(body)) != _statement_count(text):
            outcome.findings.append(f"{index}: statements lost: {text!r} -> {body!r}")
        if outcome.sent % restart_every == 0:
            outcome.findings += [f"after {index}: {line}" for line in _restart(server)]
    return outcome


def report(outcome: Outcome, seed: int, limit: int = 10) -> str:
    lines = [
        f"seed {seed}: {outcome.generated} texts, {outcome.sent} accepted and sent, "
        f"answers {dict(outcome.answers)}, {len(outcome.findings)} findings"
    ]
    return "\n".join(lines + [f"  {finding}" for finding in outcome.findings[:limit]])
