"""What one run's test bed created, written down so that the run checks only its own leftovers.

With ``DHCPCTL_TESTBED_LEDGER=<file>`` set, every namespace the test bed creates and every
dhcpd it starts (in this process or in any child that inherits the variable) is appended to
that file, one line each:

- ``netns <name> <owner pid>``: the owner pid is the one :mod:`testbed.netns` writes beside
  the namespace, so a namespace of the same name created later by another run is not ours;
- ``dhcpd <pid> <start time>``: the start time (``/proc/<pid>/stat`` field 22, clock ticks
  since boot) tells a recycled pid from ours.

:func:`main` (``.ci/run`` calls it with the file) prints what of it is still there and returns 1
if anything is, 0 otherwise. A system ``isc-dhcp-server``, another run's servers or its
namespaces are never looked at.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Final

VARIABLE: Final = "DHCPCTL_TESTBED_LEDGER"
#: Where :mod:`testbed.netns` writes the owner pid of each namespace it creates.
OWNERS: Final = Path("/run/dhcpctl-testbed")


def start_time(pid: int) -> int | None:
    """Process ``pid``'s start time in clock ticks since boot; None if it is gone or a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # After the command name: field 3 (state) is fields[0], so field 22 is fields[19].
    return None if fields[0] == "Z" else int(fields[19])


def _append(line: str) -> None:
    path = os.environ.get(VARIABLE)
    if path:
        with open(path, "a", encoding="ascii") as ledger:
            ledger.write(line + "\n")


def record_namespace(name: str, owner: int) -> None:
    """Note that namespace ``name`` was created by process ``owner`` (if a ledger is kept)."""
    _append(f"netns {name} {owner}")


def record_dhcpd(pid: int) -> None:
    """Note that dhcpd (or its launcher, which execs it in place) runs as ``pid``."""
    started = start_time(pid)
    if started is not None:
        _append(f"dhcpd {pid} {started}")


def namespaces() -> set[str]:
    """The names of all network namespaces on this machine."""
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    return {line.split()[0] for line in listing.stdout.splitlines() if line.strip()}


def _owner(name: str) -> str:
    try:
        return (OWNERS / name).read_text().strip()
    except OSError:
        return ""


def leftovers(lines: Sequence[str]) -> list[str]:
    """The entries of a ledger whose namespace or process still exists, as written."""
    existing = namespaces()
    left = []
    for line in lines:
        kind, ident, mark = line.split()
        if kind == "netns":
            if ident in existing and _owner(ident) == mark:
                left.append(line)
        elif kind == "dhcpd":
            if str(start_time(int(ident))) == mark:
                left.append(line)
        else:
            raise ValueError(f"not a ledger line: {line!r}")
    return left


def main(argv: Sequence[str]) -> int:
    """Check the ledger ``argv[0]``: 1 and a message if anything it lists is left, else 0."""
    if len(argv) != 1:
        print("usage: main([LEDGER-FILE])", file=sys.stderr)
        return 2
    lines = [line for line in Path(argv[0]).read_text().splitlines() if line.strip()]
    left = leftovers(lines)
    if left:
        print("the test bed left behind:\n  " + "\n  ".join(left), file=sys.stderr)
        return 1
    print(f"test bed: nothing left of {len(lines)} namespaces and servers it made", file=sys.stderr)
    return 0
