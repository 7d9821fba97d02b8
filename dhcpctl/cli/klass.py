"""``dhcpctl class get|add|delete NAME`` and ``dhcpctl subclass get|add|delete CLASS DATA``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from dhcpctl.cli import _command

if TYPE_CHECKING:
    from dhcpctl import Client


def register(commands: _command.Commands) -> None:
    classes = _command.group(commands, "class", "classes of clients")
    for name, text, handler in (
        ("get", "look a class up", _get),
        ("add", "create a class", _add),
        ("delete", "delete a class", _delete),
    ):
        parser = _command.add(classes, name, text, handler)
        parser.add_argument("name", help="the class's name")
        if name == "add":
            parser.add_argument("--group", help="the group it belongs to")
    subclasses = _command.group(commands, "subclass", "subclasses of a class, by what they match")
    for name, text, handler in (
        ("get", "look a subclass up", _sub_get),
        ("add", "create a subclass", _sub_add),
        ("delete", "delete a subclass", _sub_delete),
    ):
        parser = _command.add(subclasses, name, text, handler)
        parser.add_argument("class_name", metavar="CLASS", help="the class's name")
        parser.add_argument(
            "data",
            type=_command.hex_bytes,
            help="the bytes it matches, in hex (1:52:54:00:12:34)",
        )


def _get(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.classes.get(args.name)


def _add(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.classes.create(args.name, group=args.group)


def _delete(args: argparse.Namespace, omapi: Client) -> object:
    omapi.classes.delete(args.name)
    return _command.deleted("class", name=args.name)


def _sub_get(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.subclasses.get(args.class_name, args.data)


def _sub_add(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.subclasses.create(args.class_name, args.data)


def _sub_delete(args: argparse.Namespace, omapi: Client) -> object:
    omapi.subclasses.delete(args.class_name, args.data)
    return _command.deleted("subclass", class_name=args.class_name, data=args.data)
