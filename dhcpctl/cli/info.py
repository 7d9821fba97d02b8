"""``dhcpctl info``: which backend ``import dhcpctl`` gives here, and why.

The report is :func:`dhcpctl.backend_info`'s (:mod:`dhcpctl._info`); exit status 0.
"""

from __future__ import annotations

from dhcpctl._info import backend_info
from dhcpctl.cli._command import Commands


def register(commands: Commands) -> None:
    commands.add_parser("info", help="the backend in use, its ISC library, and why")


def run() -> int:
    print("\n".join(backend_info().lines()))
    return 0
