"""The ``dhcpctl`` command's exit statuses, one per failure class, and how errors map to them.

The classes are those of the typed errors (:mod:`dhcpctl._errors`, ``typed_error``), so an
``isc_result_t`` from the C-named API (``dhcpctl shell``) and a typed error from
:class:`dhcpctl.Client` give the same status.
"""

from __future__ import annotations

import socket
from enum import IntEnum

from dhcpctl._errors import (
    AlreadyExists,
    AuthenticationFailed,
    ConnectionLost,
    DhcpctlError,
    KeyConflict,
    NotFound,
    Timeout,
    connect_error_class,
    typed_error,
)


class ExitCode(IntEnum):
    """What ``dhcpctl`` exits with (``--help`` and README list them)."""

    OK = 0
    #: The server refused for another reason (invalid value, read-only field, several
    #: matches...), or a command of a ``dhcpctl shell`` script failed in its parsing, or the
    #: output could not be written (``> /dev/full``; :class:`._output.OutputError`).
    FAILED = 1
    #: Bad usage: unknown command or option, a value that cannot be encoded, a bad key file.
    USAGE = 2
    NOT_FOUND = 3
    #: Already exists, or the keys given match another object (``KeyConflict``).
    CONFLICT = 4
    #: Wrong key name, wrong secret, no key for a keyed server, unsupported algorithm.
    AUTHENTICATION = 5
    #: Timed out, refused, unreachable, or the connection was lost.
    UNREACHABLE = 6
    #: Bulk import/export: some rows failed (the others were done).
    SOME_ROWS_FAILED = 7
    #: Interrupted (Ctrl-C, SIGINT): 128 + 2, as a shell reports it.
    INTERRUPTED = 130
    #: Standard output was closed by its reader (``dhcpctl ... | head``): 128 + SIGPIPE (13),
    #: what a shell reports for a program that SIGPIPE ended. Nothing is printed.
    OUTPUT_CLOSED = 141


EPILOG = """exit status:
  0  success
  1  the server refused for another reason (invalid value, read-only field, several matches),
     or a command of a shell script failed, or the output could not be written
  2  bad usage (unknown option, DHCPCTL_BACKEND or DHCPCTL_BUSY_POLL, a value that cannot
     be encoded, unreadable key file)
  3  not found
  4  already exists, or the keys given belong to another object
  5  authentication failed (key name, secret or algorithm)
  6  timeout, connection refused or lost, server unreachable
  7  import/export: some rows failed
  130  interrupted (Ctrl-C)
  141  standard output closed by its reader (dhcpctl ... | head), quietly"""

_CLASSES: tuple[tuple[type[DhcpctlError], ExitCode], ...] = (
    (NotFound, ExitCode.NOT_FOUND),
    (AlreadyExists, ExitCode.CONFLICT),
    (KeyConflict, ExitCode.CONFLICT),
    (AuthenticationFailed, ExitCode.AUTHENTICATION),
    (Timeout, ExitCode.UNREACHABLE),
    (ConnectionLost, ExitCode.UNREACHABLE),
)


def exit_code(error: BaseException) -> ExitCode:
    """The exit status for an error raised by the typed client or the C-named API."""
    if isinstance(error, DhcpctlError) and type(error) is DhcpctlError:
        error = typed_error(error.status, function=error.function)
    if isinstance(error, (TimeoutError, ConnectionError, socket.gaierror)) and not isinstance(
        error, DhcpctlError
    ):
        return ExitCode.UNREACHABLE
    for cls, code in _CLASSES:
        if isinstance(error, cls):
            return code
    if isinstance(error, (ValueError, OSError)):  # a bad value, an unreadable file
        return ExitCode.USAGE
    return ExitCode.FAILED


def status_exit_code(status: int, *, connect: bool = False) -> ExitCode:
    """The exit status for an ``isc_result_t`` that is not success; ``connect``: the status of
    a failed connect, classed as :class:`dhcpctl.Client`'s (:func:`connect_error_class`:
    ``ISC_R_NOTFOUND`` there is a refused key, status 5, not "not found")."""
    if connect:
        return exit_code(connect_error_class(status)("dhcpctl_connect", status))
    return exit_code(typed_error(status, function="dhcpctl"))
