"""``dhcpctl group get|add|delete NAME``: groups of host declarations."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from dhcpctl.cli import _command

if TYPE_CHECKING:
    from dhcpctl import Client


def register(commands: _command.Commands) -> None:
    groups = _command.group(commands, "group", "groups of hosts")
    for name, text, handler in (
        ("get", "look a group up", _get),
        ("add", "create a group", _add),
        ("delete", "delete a group", _delete),
    ):
        parser = _command.add(groups, name, text, handler)
        parser.add_argument("name", help="the group's name")
        if name == "add":
            parser.add_argument("--statements", help="its statements, as in dhcpd.conf")


def _get(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.groups.get(args.name)


def _add(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.groups.create(args.name, statements=args.statements)


def _delete(args: argparse.Namespace, omapi: Client) -> object:
    omapi.groups.delete(args.name)
    return _command.deleted("group", name=args.name)
