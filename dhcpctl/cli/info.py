"""``dhcpctl info [--json]``: which backend ``import dhcpctl`` gives here, and why.

The report is :func:`dhcpctl.backend_info`'s (:mod:`dhcpctl._info`): ``name: value`` lines, or
with ``--json`` one JSON object of :class:`dhcpctl._info.BackendInfo`'s fields; exit status 0.
"""

from __future__ import annotations

import argparse
import dataclasses

from dhcpctl._info import backend_info
from dhcpctl.cli._command import Commands
from dhcpctl.cli._output import to_json


def register(commands: Commands) -> None:
    parser = commands.add_parser("info", help="the backend in use, its ISC library, and why")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object (BackendInfo's fields)"
    )


def run(args: argparse.Namespace) -> int:
    found = backend_info()
    print(to_json(dataclasses.asdict(found)) if args.json else "\n".join(found.lines()))
    return 0
