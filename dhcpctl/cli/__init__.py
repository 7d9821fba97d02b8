"""The ``dhcpctl`` command (console script and ``python -m dhcpctl``): OMAPI from the shell.

One module per command group (:mod:`.lease`, :mod:`.host` with :mod:`.bulk`, :mod:`.group`,
:mod:`.klass` for ``class``/``subclass``, :mod:`.server` for ``failover`` and ``server``,
:mod:`.shell`, :mod:`.info`); :mod:`._connection` holds the connection options every command
takes, :mod:`._exit` the exit statuses, :mod:`._output` the table and JSON forms. Arguments are
parsed with the standard library's :mod:`argparse`. Typed commands run on
:class:`dhcpctl.Client`, bulk ones on :class:`dhcpctl.aio.Client`, ``shell`` on the C-named API.
Errors are one line on stderr (``dhcpctl: ...``), with the server's own message where it sent
one (bounded, its control characters escaped: :mod:`._printable`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn, cast

from dhcpctl import _busy_poll
from dhcpctl._api import Backend
from dhcpctl._backend import POLICIES, POLICY_VARIABLE, choose_backend, policy_of
from dhcpctl._errors import DhcpctlError
from dhcpctl.cli import (
    _command,
    _connection,
    _exit,
    _output,
    _printable,
    group,
    host,
    info,
    klass,
    lease,
    server,
    shell,
)

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line of stderr (exit status 2), and ``--help``
    written as every output is (:func:`._output.write`): argparse's own ``print_help`` drops
    a failed write, so ``--help > /dev/full`` would exit 0 with nothing written."""

    def error(self, message: str) -> NoReturn:
        self.exit(_exit.ExitCode.USAGE, f"{self.prog}: {message} (see --help)\n")

    def print_help(self, file: SupportsWrite[str] | None = None) -> None:
        """Write the help on stdout (``--help``; on ``file`` as argparse does, if given).
        Raises :class:`._output.OutputError` when it cannot be written, BrokenPipeError when
        its reader has gone."""
        if file is not None:
            super().print_help(file)
            return
        _output.write(self.format_help(), _output.standard_output())


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (subcommands and their options)."""
    parser = _Parser(
        prog="dhcpctl",
        description="Query and change a running ISC dhcpd over OMAPI.",
        epilog=_exit.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version",
        action=_Version,
        nargs=0,
        help="show the version and the backend (--backend before it selects) and exit",
    )
    _connection.add_options(parser, command=False)
    commands = cast(
        _command.Commands,
        parser.add_subparsers(dest="command", metavar="COMMAND", required=True),
    )
    for module in (lease, host, group, klass, server):
        module.register(commands)
    _connection.add_options(shell.register(commands))
    info.register(commands)
    _epilogs(parser)
    return parser


def version(policy: str | None) -> str:
    """``--version``: the package's version and the backend the policy ``policy`` (the
    ``--backend`` given before it, else ``DHCPCTL_BACKEND``) selects, and why
    (:func:`.info.chosen`)."""
    import dhcpctl

    choice = info.chosen(policy)
    return f"dhcpctl {dhcpctl.__version__}, backend {choice.name} ({choice.reason})"


class _Version(argparse.Action):
    """``--version``: prints :func:`version` for the ``--backend`` parsed so far, exits 0
    (:class:`._output.OutputError` when it cannot be written)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> NoReturn:
        _output.write(
            version(getattr(namespace, "backend", None)) + "\n", _output.standard_output()
        )
        parser.exit()


def _epilogs(parser: argparse.ArgumentParser) -> None:
    """The exit statuses at the end of every command's --help."""
    parser.epilog = _exit.EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _epilogs(child)


def load_backend(name: str) -> Backend:
    """The C-named API of backend ``name`` (auto, native, python), initialized."""
    backend = choose_backend(name)[1]
    backend.dhcpctl_initialize()
    return backend


def _run(args: argparse.Namespace, connection: _connection.Connection) -> int:
    if getattr(args, "check", None) is not None:
        args.check(args)  # bad usage (ValueError) before anything is sent
    if args.command == "shell":
        return shell.run(args, load_backend(connection.backend), connection)
    if args.bulk is not None:
        if connection.backend == "native":
            raise _connection.UsageError(BULK_NOT_NATIVE)
        return asyncio.run(_run_bulk(args, connection))
    from dhcpctl import Client

    backend = None if connection.backend == "auto" else connection.backend
    with Client(
        connection.host,
        connection.port,
        key=connection.key,
        timeout=connection.timeout,
        backend=backend,
    ) as omapi:
        result = args.handler(args, omapi)
    if result is not None:
        _output.show(result, as_json=args.json, out=_output.standard_output())
    return _exit.ExitCode.OK


#: Why ``host import``/``export`` refuse the native backend (exit status 2, nothing sent).
BULK_NOT_NATIVE = (
    "host import and export run on dhcpctl.aio (the pure-Python codec), never on ISC's "
    "library: --backend native (or DHCPCTL_BACKEND=native) cannot apply; use --backend auto "
    "or python"
)


async def _run_bulk(args: argparse.Namespace, connection: _connection.Connection) -> int:
    from dhcpctl.aio import Client

    async with Client(
        connection.host, connection.port, key=connection.key, timeout=connection.timeout
    ) as omapi:
        code: int = await args.bulk(args, omapi)
        return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); the exit status."""
    try:
        code = _main(argv)
        if sys.stdout is not None:  # None: started with descriptor 1 closed (``>&-``)
            with _output.writing():  # here, not at exit, where a failure cannot be handled
                sys.stdout.flush()
        return code
    except _output.OutputError as error:  # the command's own failure, not the user's usage
        _error(str(error))
        return _exit.ExitCode.FAILED
    except BrokenPipeError:
        # The reader of stdout went away (``dhcpctl ... | head``): Python's documentation
        # (signal, "Note on SIGPIPE") points stdout at /dev/null so that the flush at exit
        # does not fail again, and the command ends quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _exit.ExitCode.OUTPUT_CLOSED


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    variable = os.environ.get(POLICY_VARIABLE)
    if policy_of(getattr(args, "backend", None) or variable) not in POLICIES:
        # argparse checks --backend, not the variable's default
        _error(f"{POLICY_VARIABLE}={variable!r} is not valid; use one of: {', '.join(POLICIES)}")
        return _exit.ExitCode.USAGE
    if _busy_poll.REFUSED is not None:
        _error(_busy_poll.REFUSED)
        return _exit.ExitCode.USAGE
    if args.command == "info":
        return info.run(args)
    try:
        return _run(args, _connection.resolve(args))
    except DhcpctlError as error:
        _error(_printable.error_text(error))
        return _exit.exit_code(error)
    except ImportError as error:
        _error(f"the {args.backend} backend cannot be loaded: {error}")
        return _exit.ExitCode.USAGE
    except (ValueError, OSError) as error:
        if isinstance(error, BrokenPipeError) and _output.reader_gone(sys.stdout):
            raise  # stdout's reader, not the server, went away (main ends quietly)
        _error(_printable.error_text(error))
        return _exit.exit_code(error)
    except KeyboardInterrupt:
        _error("interrupted")
        return _exit.ExitCode.INTERRUPTED


def _error(text: str) -> None:
    print(_printable.error_line(text), file=sys.stderr)
