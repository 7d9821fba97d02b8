"""``dhcpctl host get|add|put|delete|import|export``: host declarations, one or many."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from dhcpctl.cli import _command, bulk, import_order
from dhcpctl.cli._output import fields, plain, standard_output, to_json, write
from dhcpctl.cli._printable import printable

if TYPE_CHECKING:
    from dhcpctl import Client
    from dhcpctl.aio import Client as AsyncClient

T = TypeVar("T")


def register(commands: _command.Commands) -> None:
    hosts = _command.group(commands, "host", "host declarations")
    for name, text, handler in (
        ("get", "look a host up", _get),
        ("delete", "delete a host", _delete),
    ):
        parser = _command.add(hosts, name, text, handler, check=_keys)
        parser.add_argument("name", nargs="?", help="the host's name")
        parser.add_argument("--mac", help="its hardware address")
        _command.add_hardware_type(parser, _command.LOOKUP_TYPE_HELP)
        parser.add_argument("--uid", type=_command.hex_bytes, help="its client identifier, hex")
        parser.add_argument("--ip", help="the address of its lease")
    for name, text, handler in (
        ("add", "create a host (fails if one of that name, MAC or uid exists)", _add),
        ("put", "create a host, replacing any of that name, MAC or uid", _put),
    ):
        parser = _command.add(hosts, name, text, handler)
        parser.add_argument("name", help="the host's name")
        parser.add_argument("--mac", help="its hardware address (hardware-type 1, Ethernet)")
        parser.add_argument("--uid", type=_command.hex_bytes, help="its client identifier, hex")
        parser.add_argument("--ip", action="append", help="a fixed address (again for several)")
        _command.add_hardware_type(
            parser, "the hardware type, 0 to 255 (default 1, Ethernet; 32 InfiniBand)"
        )
        parser.add_argument("--group", help="the group it belongs to")
        parser.add_argument("--statements", help="its statements, as in dhcpd.conf")
    importer = _command.add_bulk(
        hosts,
        "import",
        "create or replace many hosts from CSV (pipelined on dhcpctl.aio, the "
        "pure-Python codec: --backend native is refused)",
        _import,
    )
    importer.add_argument(
        "file", metavar="FILE.csv", help="columns: " + ", ".join(bulk.COLUMNS) + "; - for stdin"
    )
    importer.add_argument(
        "--stop-on-error", action="store_true", help="stop at the first failed row"
    )
    exporter = _command.add_bulk(
        hosts,
        "export",
        "look many hosts up (pipelined on dhcpctl.aio, the pure-Python codec: "
        "--backend native is refused)",
        _export,
    )
    exporter.add_argument(
        "--names", required=True, metavar="FILE", help="host names, one a line; - for stdin"
    )
    exporter.add_argument(
        "--format",
        choices=("json", "csv"),
        default="json",
        help="JSON lines (default) or CSV that host import reads; neither has a host's group "
        "or statements (dhcpd never sends them): importing it again drops them",
    )
    exporter.add_argument(
        "--stop-on-error", action="store_true", help="stop at the first name not found"
    )


def _keys(args: argparse.Namespace) -> dict[str, Any]:
    """The lookup keys of ``host get``/``delete`` (ValueError: none, or a type without MAC)."""
    keys = {"name": args.name, "mac": args.mac, "uid": args.uid, "ip": args.ip}
    if not any(value is not None for value in keys.values()):
        raise ValueError("name the host: NAME, --mac, --uid or --ip")
    _command.check_mac_lookup(args)
    return {**keys, "hardware_type": args.hardware_type}


def _get(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.hosts.get(**_keys(args))


def _delete(args: argparse.Namespace, omapi: Client) -> object:
    keys = _keys(args)
    omapi.hosts.delete(**keys)
    return _command.deleted("host", **keys)


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "mac": args.mac,
        "uid": args.uid,
        "ip": args.ip,
        "hardware_type": args.hardware_type,
        "group": args.group,
        "statements": args.statements,
    }


def _add(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.hosts.create(args.name, **_fields(args))


def _put(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.hosts.put(args.name, **_fields(args))


def _read(path: str, parse: Callable[[TextIO], T]) -> T:
    """``parse`` of the file ``path`` (``-``: stdin) as UTF-8 text (:func:`_open`); ValueError
    naming the file, and how to save it, if it is not UTF-8 (a CSV saved as UTF-16)."""
    with ExitStack() as stack:
        try:
            return parse(_open(path, stack))
        except UnicodeDecodeError as error:
            where = "standard input" if path == "-" else path
            raise ValueError(
                f"{where}: not UTF-8 text (byte 0x{error.object[error.start]:02x}): save it as "
                "UTF-8 (a spreadsheet program's CSV UTF-8)"
            ) from None


def _open(path: str, stack: ExitStack) -> TextIO:
    """The file ``path`` (``-``: stdin) as UTF-8 text, a leading byte order mark dropped."""
    if path == "-":
        if isinstance(sys.stdin, io.TextIOWrapper):
            sys.stdin.reconfigure(encoding="utf-8-sig", newline="")
        return sys.stdin
    return stack.enter_context(open(path, encoding="utf-8-sig", newline=""))


async def _import(args: argparse.Namespace, omapi: AsyncClient) -> int:
    items = _read(args.file, bulk.read_hosts)

    async def put(item: bulk.Item) -> object:
        arguments = dict(item.arguments)
        return await omapi.hosts.put(arguments.pop("name"), **arguments)

    found = await import_order.existing_hosts(items, omapi.hosts.get)
    groups = import_order.row_groups(items, found)
    done: set[int] = set()
    summary = await bulk.pipeline(
        items,
        put,
        lambda item, host: done.add(item.line),
        stop_on_error=args.stop_on_error,
        unit="host",
        keys=lambda item: [groups[item.line]],
    )
    bulk.report(summary, "host import")
    replaced = import_order.replaced_unsent(items, found)
    bulk.warn_replaced([item for item in replaced if item.line in done])
    return summary.exit_code()


async def _export(args: argparse.Namespace, omapi: AsyncClient) -> int:
    items = _read(args.names, bulk.read_names)
    out = standard_output()
    as_csv = args.format == "csv"
    if as_csv:
        write(_csv_line(bulk.COLUMNS[:5]), out)
    # Hosts are written in the order of the names, as soon as all before them are done.
    hosts: bulk.InOrder[object] = bulk.InOrder(item.line for item in items)

    def flush(item: bulk.Item, host: object) -> None:
        for found in hosts.put(item.line, host):
            if found is not None:
                write(_exported(found, as_csv), out)

    async def get(item: bulk.Item) -> object:
        return await omapi.hosts.get(name=item.arguments["name"])

    summary = await bulk.pipeline(
        items,
        get,
        flush,
        on_failure=lambda item: flush(item, None),
        stop_on_error=args.stop_on_error,
        unit="host",
    )
    for found in hosts.rest():
        if found is not None:
            write(_exported(found, as_csv), out)
    bulk.report(summary, "host export")
    return summary.exit_code()


def _exported(host: object, as_csv: bool) -> str:
    """A host as ``host export`` writes it: one JSON line, or one CSV row of the columns
    ``host import`` reads (without group and statements, which dhcpd never sends)."""
    record = fields(host)
    if not as_csv:
        return to_json(record) + "\n"
    ips = record.get("ip_addresses") or []
    cells = [
        record.get("name") or "",
        record.get("hardware_address") or "",
        " ".join(ips) if isinstance(ips, list) else ips,
        record.get("dhcp_client_identifier") or "",
        "" if record.get("hardware_type") is None else plain(record["hardware_type"]),
    ]
    # The server's text as a table shows it (control characters, bytes not UTF-8 as \xNN).
    return _csv_line([printable(str(cell)) for cell in cells])


def _csv_line(cells: Sequence[str]) -> str:
    """One CSV row, its newline included."""
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(cells)
    return line.getvalue()
