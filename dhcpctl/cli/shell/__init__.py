"""``dhcpctl shell [SCRIPT]``: omshell's language, with the same standard output, and more.

Reads omshell commands from ``SCRIPT``, from standard input (``-`` or no argument), or, on a
terminal, interactively (line editing and history through :mod:`readline`). Standard output is
omshell's, byte for byte, for the same script against the same dhcpd (:mod:`._interpreter`),
but for a name from the server with a control or format character or a byte that is not UTF-8:
escaped (``\\x1b``, ``\\u202e``; :mod:`._objects`), where omshell writes it to the terminal raw.
Beyond omshell (ISC DHCP 4.4.3-P1 ``dhcpctl/omshell.c``):

- the exit status is not 0 when a command failed: the status of the first failure's class
  (:mod:`dhcpctl.cli._exit`; 1 for a failure of omshell's own, such as a usage message); a
  failed ``connect`` is classed as :class:`dhcpctl.Client`'s connect
  (:func:`dhcpctl._errors.connect_error_class`): ``dhcpctl_connect: not found``, the server
  refusing the key's name or algorithm, is 5 (authentication), as for the typed commands;
- ``--timeout`` bounds every connect and wait (omshell waits forever on a silent dhcpd);
- any key algorithm ISC signs with (``key-algorithm hmac-sha256`` ...), on either backend;
- ``--json``: one JSON object per command instead of omshell's text (its line number, text,
  whether it failed and why, what omshell would have printed, and the object afterwards);
- the connection options (``--server``, ``--key-file`` ...) preset what ``server``, ``port``
  and ``key`` would set, so a script may leave its key out.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import re
import sys
from collections.abc import Iterator
from typing import BinaryIO

from dhcpctl._api import Backend
from dhcpctl.cli._command import Commands
from dhcpctl.cli._connection import Connection
from dhcpctl.cli._exit import ExitCode, status_exit_code
from dhcpctl.cli._output import BinaryOutput, standard_output, writable, writing

from . import _secret
from ._interpreter import Interpreter, Outcome
from ._objects import json_value

#: omshell reads with ``fgets(buf, 1024, stdin)``: a longer line arrives in pieces.
LINE_LIMIT = 1023


def register(commands: Commands) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        "shell",
        help="run omshell commands (a drop-in for omshell scripts)",
        description=__doc__.split("\n\n")[0].split(": ", 1)[1] if __doc__ else None,
    )
    parser.add_argument(
        "script", nargs="?", default="-", help="a file of omshell commands; - or none: stdin"
    )
    parser.add_argument(
        "--json", action="store_true", help="one JSON object per command instead of omshell's text"
    )
    return parser


def fgets_lines(stream: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """omshell's ``fgets(buf, 1024, stdin)`` loop: up to a newline, at most 1023 bytes, each
    read as it arrives (a program driving the shell through a pipe gets every answer before
    it writes the next command); each with whether it is a ``key`` line cut there.

    Unlike omshell, a ``key`` line longer than :data:`LINE_LIMIT` is not read on as new lines
    (there, its rest is the secret or a part of it, which omshell echoes as an unknown
    command): its first :data:`LINE_LIMIT` bytes come with True and the rest up to the newline
    is read and dropped (:meth:`._interpreter.Interpreter.run_line` refuses the key). A line
    is such a key line when it has the word ``key`` in any case anywhere (:func:`opens_key_line`),
    or a part of ``key`` cut at the 1,023rd byte."""
    while line := stream.readline(LINE_LIMIT):
        if line.endswith(b"\n") or not opens_key_line(line):
            yield line, False
            continue
        rest = stream.readline(LINE_LIMIT)
        yield line, bool(rest)
        while rest and not rest.endswith(b"\n"):
            rest = stream.readline(LINE_LIMIT)


def opens_key_line(line: bytes) -> bool:
    """Whether ``line`` (without its newline) may hold a secret: it has the word ``key``
    (:func:`._secret.mask`: wherever it stands), or it ends inside that word (its last word,
    conflex's letters, digits, ``-``, ``_``, is a start of ``key``)."""
    if _secret.mask(line).start is not None:
        return True
    word = re.search(rb"[-\w]*\Z", line)
    assert word is not None  # matches the empty string at least
    last = word.group().lower()
    return bool(last) and b"key".startswith(last)


def _interactive_lines(interpreter: Interpreter) -> Iterator[tuple[bytes, bool]]:
    import readline  # noqa: F401  (line editing and history for input())

    while True:
        prompt = interpreter.prompt().decode("utf-8", "replace")
        try:
            line = input(writable(prompt, sys.stdout))  # a name in the terminal's encoding
        except EOFError:
            with writing():
                print()
            return
        yield line.encode("utf-8", "surrogateescape") + b"\n", False


def run(args: argparse.Namespace, backend: Backend, connection: Connection) -> int:
    """Run the script; the exit status (0 when every command succeeded).

    Raises :class:`OutputError` when standard output is closed (before anything is sent) or
    cannot be written (exit status 1, as any command's), BrokenPipeError when its reader has
    gone (:func:`dhcpctl.cli.main`: 141)."""
    stdout = BinaryOutput(standard_output().buffer)
    sys.stderr.flush()  # what is written there goes on in bytes: the script's, as omshell's
    interpreter = Interpreter(
        backend,
        timeout=connection.timeout,
        out=None if args.json else stdout,
        err=sys.stderr.buffer,
    )
    interpreter.preset(connection.host, connection.port, connection.key)
    interactive = args.script == "-" and sys.stdin.isatty() and not args.json
    with contextlib.ExitStack() as stack:
        if interactive:
            lines = _interactive_lines(interpreter)
        elif args.script == "-":
            lines = fgets_lines(sys.stdin.buffer)
        else:
            lines = fgets_lines(stack.enter_context(open(args.script, "rb")))
        return _run_lines(args, interpreter, lines, stdout, interactive=interactive)


def _run_lines(
    args: argparse.Namespace,
    interpreter: Interpreter,
    lines: Iterator[tuple[bytes, bool]],
    stdout: BinaryOutput,
    *,
    interactive: bool,
) -> int:
    first_failure: Outcome | None = None
    prompting = not interactive and not args.json  # input() prompts on a terminal
    try:
        for number in itertools.count(1):
            if prompting:  # before reading, as omshell: a driving program waits for it
                stdout.write(interpreter.prompt())
                stdout.flush()
            read = next(lines, None)
            if read is None:
                break
            outcome = interpreter.run_line(*read)
            if args.json:
                _write_json(stdout, number, outcome, interpreter)
            if outcome.failed and first_failure is None:
                first_failure = outcome
        stdout.flush()
    finally:
        interpreter.disconnect()
    if first_failure is None:
        return ExitCode.OK
    if first_failure.status is None:
        return ExitCode.FAILED
    return status_exit_code(first_failure.status, connect=first_failure.connect)


def _write_json(
    stdout: BinaryOutput, number: int, outcome: Outcome, interpreter: Interpreter
) -> None:
    record = {
        "line": number,
        "command": outcome.command,
        "ok": not outcome.failed,
        "error": outcome.message or None,
        "output": outcome.output.decode("utf-8", "replace"),
        "object": None
        if interpreter.object_type is None
        else {
            "type": interpreter.object_type,
            "values": {
                name.decode("utf-8", "replace"): json_value(value)
                for name, value in interpreter.values()
            },
        },
    }
    stdout.write(json.dumps(record).encode() + b"\n")  # ASCII, DEL too: as _output.to_json
    stdout.flush()
