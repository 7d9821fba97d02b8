"""What every typed command shares: its parser's options and how its handler is run.

A handler takes the parsed arguments and a connected :class:`dhcpctl.Client` and returns the
typed object to print, or a record of what it did (a delete: :func:`deleted`). Bulk commands
(``host import``/``export``) take a :class:`dhcpctl.aio.Client` instead and return their exit
status (:mod:`.bulk`).
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from dhcpctl.cli import _connection
from dhcpctl.cli._output import JsonValue, plain

if TYPE_CHECKING:
    from dhcpctl import Client
    from dhcpctl.aio import Client as AsyncClient

T = TypeVar("T")
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Handler = Callable[[argparse.Namespace, "Client"], object]
#: Checks the parsed arguments before anything is sent: ValueError for bad usage.
Check = Callable[[argparse.Namespace], object]
BulkHandler = Callable[[argparse.Namespace, "AsyncClient"], Awaitable[int]]


def add(
    commands: Commands,
    name: str,
    text: str,
    handler: Handler,
    *,
    json_lines: bool = False,
    check: Check | None = None,
) -> argparse.ArgumentParser:
    """A subcommand running ``handler`` with a connected client; ``--json`` and the connection
    options included. ``check`` (ValueError: exit status 2) runs before the connection."""
    parser = commands.add_parser(name, help=text, description=text)
    parser.add_argument(
        "--json",
        action="store_true",
        help="JSON lines, one object per host" if json_lines else "one JSON object",
    )
    _connection.add_options(parser)
    parser.set_defaults(handler=handler, bulk=None, check=check)
    return parser


def add_bulk(
    commands: Commands, name: str, text: str, handler: BulkHandler
) -> argparse.ArgumentParser:
    """A bulk subcommand: ``handler`` gets a :class:`dhcpctl.aio.Client`."""
    parser = commands.add_parser(name, help=text, description=text)
    _connection.add_options(parser)
    parser.set_defaults(handler=None, bulk=handler, check=None)
    return parser


def group(commands: Commands, name: str, text: str) -> Commands:
    """A command group (``lease``, ``host``...) and its own subcommands."""
    parser = commands.add_parser(name, help=text, description=text)
    return parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND", required=True)


def parse_hex(text: str) -> bytes:
    """Bytes written as hex, with or without colons (``01:52:54``, ``015254``); a one-digit
    part is one byte (``1:52`` as dhcpd writes subclass data). ValueError otherwise."""
    try:
        if ":" not in text:
            return bytes.fromhex(text)
        parts = text.split(":")
        if any(not 1 <= len(part) <= 2 for part in parts):
            raise ValueError(text)
        return bytes(int(part, 16) for part in parts)
    except ValueError:
        raise ValueError(f"{text!r} is not hex bytes (such as 01:52:54 or 015254)") from None


def parse_number(text: str) -> int:
    """A whole number written in decimal (``1``, ``-1``); ValueError otherwise."""
    if not text.strip().removeprefix("-").isdigit():
        raise ValueError(f"{text!r} is not a number (a whole number such as 1)")
    return int(text)


def parse_hardware_type(text: str) -> int:
    """A hardware type written in decimal, 0 to 255 (``1`` Ethernet, ``32`` InfiniBand: dhcpd
    keeps one byte, ``includes/dhcpd.h`` struct hardware, hbuf[0]); ValueError otherwise (a
    number out of that range says the range)."""
    number = parse_number(text)
    if not 0 <= number <= 255:
        raise ValueError(f"{text!r} is not a hardware type (0 to 255: dhcpd keeps one byte)")
    return number


def add_hardware_type(parser: argparse.ArgumentParser, text: str) -> None:
    """The ``--hardware-type`` option (:func:`parse_hardware_type`), ``text`` its help."""
    parser.add_argument(
        "--hardware-type", metavar="TYPE", type=option_type(parse_hardware_type), help=text
    )


def deleted(kind: str, **keys: object) -> dict[str, JsonValue]:
    """What a delete prints (a table, or with ``--json`` one JSON object, as every typed
    command): ``deleted``, the kind of object, and the keys it was looked up by, in the
    command's words (null, left out of the table: not given)."""
    return {"deleted": kind, **{name: plain(value) for name, value in keys.items()}}


def check_mac_lookup(args: argparse.Namespace) -> None:
    """A lookup's ``--hardware-type`` needs its ``--mac`` (ValueError otherwise)."""
    if args.hardware_type is not None and args.mac is None:
        raise ValueError("--hardware-type without --mac: it is the type of the MAC to look up")


#: The help of a lookup's ``--hardware-type``.
LOOKUP_TYPE_HELP = (
    "the hardware type of --mac, 0 to 255 (default 1, Ethernet; 32 InfiniBand): dhcpd finds "
    "a hardware address with its type"
)


def option_type(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` as an argparse ``type``: its ValueError's text becomes the usage error
    (``argument --uid: 'zz' is not hex bytes ...``), not argparse's ``invalid parse_hex
    value``."""

    def checked(text: str) -> T:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return checked


#: :func:`parse_hex` as an option's type.
hex_bytes = option_type(parse_hex)
