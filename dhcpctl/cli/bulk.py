"""Many requests at once: ``host import`` and ``host export``, pipelined through
:class:`dhcpctl.aio.Client`.

:func:`pipeline` keeps up to ``window`` calls in flight on the one connection (the client
queues beyond its own ``max_in_flight``), reports each finished item to a callback, counts
progress on a :mod:`tqdm` bar shown only when stderr is a terminal, and stops submitting after
the first failure with ``stop_on_error``. A failure of the connection itself (authentication,
timeout, lost connection) ends the run at once: every later row would fail the same way. They
run on dhcpctl.aio whatever ``--backend`` says, so ``dhcpctl`` refuses ``--backend native`` for
them (:data:`dhcpctl.cli.BULK_NOT_NATIVE`, exit status 2).

The import file is CSV with a header line; columns (any order, each once, unknown ones refused):
``name`` (required), ``mac``, ``ip`` (one or more addresses separated by spaces), ``uid``
(hex), ``hardware_type``, ``group``, ``statements``. Each row is a ``hosts.put``: create, or
replace the host of that name, MAC or uid, so running the same import again is safe. Rows whose
puts touch one host run in row order, each once the one before it has finished, the others
concurrently (:mod:`.import_order` makes the groups, :func:`pipeline` runs them): the import
ends as the rows put one after another. dhcpd never sends a host's group or statements, so the
export has neither and a put cannot keep them: :func:`warn_replaced` names, after the import,
the rows that replaced a host the server held without giving both. Line numbers are the
file's (the header is line 1; a row whose quoted cell holds a newline is the line it starts
on, :class:`RowLines`). Files are UTF-8, a byte order mark at the start allowed (``utf-8-sig``,
as spreadsheet programs save CSV; another encoding is refused naming the file:
``dhcpctl/cli/host.py``); a name or column with characters that do not print is shown escaped
in messages (:func:`shown`).
"""

from __future__ import annotations

import asyncio
import csv
import os
import sys
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TextIO, TypeVar

from dhcpctl._errors import AuthenticationFailed, ConnectionLost, DhcpctlError, Timeout, shorten
from dhcpctl._values import encode_mac
from dhcpctl.cli._command import parse_hardware_type, parse_hex
from dhcpctl.cli._exit import ExitCode, exit_code
from dhcpctl.cli._printable import error_text, printable

T = TypeVar("T")
#: How many calls ``pipeline`` keeps in flight.
WINDOW = 256
#: Import columns and what they become in ``hosts.put``.
COLUMNS = ("name", "mac", "ip", "uid", "hardware_type", "group", "statements")
#: The connection's own failures: no row after one of these can succeed.
FATAL = (AuthenticationFailed, Timeout, ConnectionLost)


@dataclass(frozen=True)
class Item:
    """One line of input: its number and what to do with it (or why it cannot be done)."""

    line: int
    label: str
    arguments: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class Summary:
    """How a bulk run went: rows, failures (line and reason), seconds taken."""

    total: int
    done: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0
    fatal: BaseException | None = None

    def exit_code(self) -> ExitCode:
        if self.fatal is not None:
            return exit_code(self.fatal)
        return ExitCode.SOME_ROWS_FAILED if self.failures else ExitCode.OK


def reason(error: BaseException) -> str:
    """One line: what went wrong (the server's message included where it sent one, shown as
    an error line shows it: :func:`._printable.error_text`, :func:`._printable.printable`). A
    bad value (ValueError) reads as a malformed row's reason does, without the type's name."""
    known = isinstance(error, (DhcpctlError, ValueError))
    text = error_text(error) if known else f"{type(error).__name__}: {error}"
    return printable(" ".join(text.split()))


def shown(text: str) -> str:
    """``text`` as a message shows it: as it is when every character is printable, else quoted
    with its invisible characters escaped (:func:`dhcpctl._errors.shorten`: ``'a\\u200bb'``)."""
    return text if text.isprintable() else shorten(text)


class InOrder(Generic[T]):
    """Results that finish in any order, released in the input's order: each as soon as every
    one before it has finished (:meth:`put`), the rest at the end (:meth:`rest`)."""

    def __init__(self, keys: Iterable[int]) -> None:
        self._order = list(keys)
        self._position = 0
        self._arrived: dict[int, T] = {}

    def put(self, key: int, value: T) -> list[T]:
        """Record ``key``'s result; the results now released, in order."""
        self._arrived[key] = value
        released = []
        while self._position < len(self._order) and self._order[self._position] in self._arrived:
            released.append(self._arrived.pop(self._order[self._position]))
            self._position += 1
        return released

    def rest(self) -> list[T]:
        """The results not yet released (those after a gap: items never run), in order."""
        order = self._order[self._position :]
        self._position = len(self._order)
        return [self._arrived.pop(key) for key in order if key in self._arrived]


class RowLines:
    """The lines of a CSV file as :mod:`csv` reads them, noting the line its current row starts
    on (:meth:`row_start`): a row whose quoted cell holds a newline runs on over several lines,
    and ``csv``'s ``line_num`` is its last."""

    def __init__(self, stream: Iterable[str]) -> None:
        self._lines = iter(stream)
        self._number = 0
        self._start: int | None = None

    def __iter__(self) -> RowLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._number += 1
        if self._start is None and line.strip("\r\n"):  # csv skips a blank line
            self._start = self._number
        return line

    def row_start(self) -> int:
        """The line the row read last starts on; the next row's start is noted afresh."""
        start, self._start = self._start or self._number, None
        return start


def read_hosts(stream: TextIO) -> list[Item]:
    """The import rows of a CSV file, each with the line it starts on; a malformed row is an
    item with its ``error``."""
    lines = RowLines(stream)
    reader = csv.DictReader(lines)
    _check_header(reader.fieldnames)
    lines.row_start()  # the header's
    items = []
    for record in reader:
        line = lines.row_start()
        label = record.get("name") or ""
        try:
            items.append(Item(line, label, _put_arguments(record)))
        except ValueError as error:
            items.append(Item(line, label, error=str(error)))
    return items


def _check_header(columns: Sequence[str] | None) -> None:
    """ValueError, naming the columns, unless the header names known columns, each once, and
    ``name`` among them."""
    expected = f"a header line naming its columns from: {', '.join(COLUMNS)} (name required)"
    if columns is None:
        raise ValueError(f"the CSV file is empty: no rows (and no header; it needs {expected})")
    unknown = sorted(set(columns) - set(COLUMNS))
    if unknown:
        raise ValueError(f"unknown CSV column {_named(unknown)}: the file needs {expected}")
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise ValueError(
            f"repeated CSV column {_named(repeated)}: the file needs {expected}, each once"
        )
    if "name" not in columns:
        raise ValueError(f"no name column in the CSV header: the file needs {expected}")


def _named(columns: Iterable[str]) -> str:
    """Columns as a message names them (quoted, invisible characters escaped)."""
    return ", ".join(shorten(column) for column in columns)


def _put_arguments(record: dict[str, str | None]) -> dict[str, Any]:
    values = {name: (value or "").strip() for name, value in record.items() if name}
    if None in record:
        raise ValueError("more fields than the header names")
    if not values.get("name"):
        raise ValueError("no name")
    arguments: dict[str, Any] = {"name": values["name"]}
    if values.get("mac"):
        arguments["mac"] = encode_mac(values["mac"], "mac")
    if values.get("ip"):
        arguments["ip"] = values["ip"].split()
    if values.get("uid"):
        arguments["uid"] = parse_hex(values["uid"])
    if values.get("hardware_type"):
        arguments["hardware_type"] = parse_hardware_type(values["hardware_type"])
    for name in ("group", "statements"):
        if values.get(name):
            arguments[name] = values[name]
    return arguments


def host_keys(item: Item) -> list[Hashable]:
    """What a row names its host by: its name, MAC (octets) and uid; rows that share one of
    these touch one host (:func:`.import_order.row_groups`)."""
    arguments = item.arguments
    return [(field, arguments[field]) for field in ("name", "mac", "uid") if field in arguments]


def read_names(stream: TextIO) -> list[Item]:
    """The host names to export, one a line (blank lines skipped)."""
    return [
        Item(number, line.strip(), {"name": line.strip()})
        for number, line in enumerate(stream, 1)
        if line.strip()
    ]


def progress_bar(total: int, unit: str, stream: TextIO) -> Any:
    """A tqdm bar on ``stream`` when it is a terminal; disabled (prints nothing) otherwise.

    A terminal that reports no size (0 columns: tqdm would draw nothing) gets 80 columns.
    """
    from tqdm import tqdm

    terminal = stream.isatty()
    try:
        sized = terminal and os.get_terminal_size(stream.fileno()).columns > 0
    except (OSError, ValueError):
        sized = False
    return tqdm(
        total=total,
        unit=unit,
        file=stream,
        disable=not terminal,
        leave=False,
        ncols=None if sized else 80,
    )


async def pipeline(
    items: Sequence[Item],
    call: Callable[[Item], Awaitable[T]],
    on_result: Callable[[Item, T], None],
    *,
    on_failure: Callable[[Item], None] | None = None,
    stop_on_error: bool,
    unit: str,
    err: TextIO = sys.stderr,
    window: int = WINDOW,
    keys: Callable[[Item], Iterable[Hashable]] = lambda item: (),
) -> Summary:
    """Run ``call`` for every item, ``window`` at a time: ``on_result`` gets each success,
    ``on_failure`` each failed item (also reported on ``err`` with its line). An item that
    shares one of its ``keys`` with earlier items is called once those have finished (however
    they ended); the window counts it while it waits."""
    summary = Summary(len(items))
    started = time.monotonic()
    bar = progress_bar(len(items), unit, err)
    pending: dict[asyncio.Task[T], Item] = {}
    latest: dict[Hashable, asyncio.Task[T]] = {}  # the last running item of each key
    messages: InOrder[str | None] = InOrder(item.line for item in items)

    def settle(item: Item, text: str | None) -> None:
        """An item finished (``text``: why it failed, or None): print the failures whose
        turn has come, in line order."""
        if text is not None:
            summary.failures.append((item.line, text))
            if on_failure is not None:
                on_failure(item)
        line = None if text is None else f"line {item.line}: {shown(item.label)}: {text}"
        show([message for message in messages.put(item.line, line) if message is not None])

    def show(lines: list[str]) -> None:
        if lines:
            bar.clear()
            print("\n".join(lines), file=err)

    def finish(tasks: Iterable[asyncio.Task[T]]) -> None:
        for task in tasks:
            item = pending.pop(task)
            for key in keys(item):
                if latest.get(key) is task:
                    del latest[key]
            bar.update(1)
            error = task.exception()
            if error is None:
                summary.done += 1
                on_result(item, task.result())
                settle(item, None)
            elif isinstance(error, FATAL):
                summary.fatal = summary.fatal or error
                settle(item, None)  # said once, at the end (report)
            else:
                settle(item, reason(error))

    try:
        for item in items:
            if summary.fatal is not None or (stop_on_error and summary.failures):
                break
            if item.error is not None:
                bar.update(1)
                settle(item, item.error)
                continue
            earlier = {latest[key] for key in keys(item) if key in latest}
            task = asyncio.ensure_future(_after(earlier, call, item))
            latest.update((key, task) for key in keys(item))
            pending[task] = item
            if len(pending) >= window:
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                finish(done)
        while pending:
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            finish(done)
    finally:
        for task in pending:
            task.cancel()
        show([message for message in messages.rest() if message is not None])
        bar.close()
    summary.seconds = time.monotonic() - started
    return summary


async def _after(
    earlier: Iterable[asyncio.Task[T]], call: Callable[[Item], Awaitable[T]], item: Item
) -> T:
    """``call(item)`` once every task of ``earlier`` has finished."""
    if waited := set(earlier):
        await asyncio.wait(waited)
    return await call(item)


#: How many rows :func:`warn_replaced` names (the count says how many there are).
NAMED = 5


def warn_replaced(items: Sequence[Item], err: TextIO = sys.stderr) -> None:
    """After ``host import``: one warning line on stderr naming the rows done that replaced a
    host the server held without giving both its group and statements
    (:func:`.import_order.replaced_unsent`), at most :data:`NAMED` of them; nothing if none."""
    if not items:
        return
    named = ", ".join(f"line {item.line}: {shown(item.label)}" for item in items[:NAMED])
    more = f" and {len(items) - NAMED} more" if len(items) > NAMED else ""
    rows = "1 row" if len(items) == 1 else f"{len(items)} rows"
    print(
        f"dhcpctl: warning: {rows} replaced a host the server held without giving both its "
        f"group and statements ({named}{more}): dhcpd never sends a host's group or "
        "statements, so what the replaced host had there is gone (give the group and "
        "statements columns to keep them)",
        file=err,
    )


def report(summary: Summary, what: str, err: TextIO = sys.stderr) -> None:
    """The closing line on stderr."""
    failed = f", {len(summary.failures)} failed" if summary.failures else ""
    skipped = summary.total - summary.done - len(summary.failures)
    rest = f", {skipped} not done" if skipped else ""
    print(
        f"{what}: {summary.done} of {summary.total} done{failed}{rest} in {summary.seconds:.1f} s",
        file=err,
    )
    if summary.fatal is not None:
        print(f"dhcpctl: {reason(summary.fatal)}", file=err)
