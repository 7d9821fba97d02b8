"""The ``dhcpctl`` command (console script and ``python -m dhcpctl``): OMAPI from the shell.

One module per command group (``lease``, ``host``, ``group``, ``class``/``subclass``,
``failover``, ``server``, ``shell``, ``info``); :mod:`._connection` holds the connection options
every command takes, :mod:`._exit` the exit statuses. Arguments are parsed with the standard
library's :mod:`argparse`. Errors are one line on stderr (``dhcpctl: ...``), with the server's
own message where it sent one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dhcpctl._api import Backend
from dhcpctl._backend import choose_backend
from dhcpctl.cli import _connection, _exit, info, shell


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (subcommands and their options)."""
    parser = argparse.ArgumentParser(
        prog="dhcpctl",
        description="Query and change a running ISC dhcpd over OMAPI.",
        epilog=_exit.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    info.register(commands)
    shell_parser = shell.register(commands)
    _connection.add_options(shell_parser)
    for each in commands.choices.values():
        each.epilog = _exit.EPILOG
        each.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def load_backend(name: str) -> Backend:
    """The C-named API of backend ``name`` (auto, native, python), initialized."""
    backend = choose_backend(name)[1]
    backend.dhcpctl_initialize()
    return backend


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "info":
        return info.run()
    try:
        connection = _connection.resolve(args)
        backend = load_backend(connection.backend)
        return shell.run(args, backend, connection)
    except _connection.UsageError as error:
        print(f"dhcpctl: {error}", file=sys.stderr)
        return _exit.ExitCode.USAGE
    except ImportError as error:
        print(f"dhcpctl: the {args.backend} backend cannot be loaded: {error}", file=sys.stderr)
        return _exit.ExitCode.USAGE
    except OSError as error:
        print(f"dhcpctl: {error}", file=sys.stderr)
        return _exit.ExitCode.USAGE
