"""``dhcpctl failover get NAME`` and ``dhcpctl server shutdown``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from dhcpctl.cli import _command

if TYPE_CHECKING:
    from dhcpctl import Client


def register(commands: _command.Commands) -> None:
    failover = _command.group(commands, "failover", "failover peers")
    get = _command.add(failover, "get", "a failover peer's state", _failover_get)
    get.add_argument("name", help='the peer\'s name (failover peer "NAME" in dhcpd.conf)')
    server = _command.group(commands, "server", "the server itself")
    _command.add(server, "shutdown", "shut dhcpd down (its control object)", _shutdown)


def _failover_get(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.failover.get(args.name)


def _shutdown(args: argparse.Namespace, omapi: Client) -> object:
    omapi.shutdown()
    return {"shutdown": "requested"}
