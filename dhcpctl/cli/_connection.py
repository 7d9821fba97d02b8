"""The connection options every ``dhcpctl`` command takes, each also from an environment variable.

======================  =========================  ========================================
option                  variable                   meaning
======================  =========================  ========================================
``--server HOST[:PORT]`` ``DHCPCTL_SERVER``         dhcpd's OMAPI address (127.0.0.1:7911)
``--key-file PATH``     ``DHCPCTL_KEY_FILE``       a dhcpd.conf / tsig-keygen ``key`` block
``--key-name NAME``     ``DHCPCTL_KEY_NAME``       the key's name (picks a block of the file)
``--key-algorithm A``   ``DHCPCTL_KEY_ALGORITHM``  hmac-md5 (default) ... hmac-sha512
``--key-secret-env V``  ``DHCPCTL_KEY_SECRET_ENV`` the variable holding the base64 secret
``--timeout SECONDS``   ``DHCPCTL_TIMEOUT``        per call (:data:`TIMEOUT_HELP`; default 10)
``--backend B``         ``DHCPCTL_BACKEND``        auto, native or python (any case)
======================  =========================  ========================================

``--timeout`` is the client's own ``timeout``: :class:`dhcpctl.Client`'s for a typed command,
which makes one call of it (``lease set`` one ``leases.update``, ``host put`` one
``hosts.put``), so it bounds the whole command, its connect and every request the call makes
(``lease set --ends --state`` makes 5), plus the backends' 1 s slack (``dhcpctl._sync``);
:class:`dhcpctl.aio.Client`'s for ``host import``/``export``, where it bounds each call (each
lookup, each row's ``hosts.put``, waiting for its turn in flight included), not the whole run;
in ``dhcpctl shell``, each connect and each wait for completion.

The secret itself is never an option (``ps`` would show it): it comes from the key file or
from the variable ``--key-secret-env`` names.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass

from dhcpctl._backend import POLICIES, POLICY_VARIABLE, policy_of
from dhcpctl._key import Key


def _algorithm(name: str) -> str:
    try:
        return Key("k", name, b"k").algorithm
    except ValueError as error:
        raise UsageError(str(error)) from None


DEFAULT_PORT = 7911
DEFAULT_TIMEOUT = 10.0
#: ``--timeout``'s help (see the module docstring).
TIMEOUT_HELP = (
    "seconds each call of the client may take, 0 waits forever: a typed command is one call "
    "(its connect and every request it makes), host import/export a call per lookup and per "
    "row, shell each connect and each wait"
)


class UsageError(ValueError):
    """A bad option or option value (exit status 2)."""


@dataclass(frozen=True)
class Connection:
    """Where and how to connect, resolved from options and environment."""

    host: str
    port: int
    key: Key | None
    timeout: float | None
    backend: str


#: Each option: its flag, environment variable, default, metavar and help.
_OPTIONS: tuple[tuple[str, str, str | None, str | None, str], ...] = (
    ("--server", "DHCPCTL_SERVER", f"127.0.0.1:{DEFAULT_PORT}", "HOST[:PORT]", "dhcpd's OMAPI"),
    ("--key-file", "DHCPCTL_KEY_FILE", None, "PATH", "a key block (dhcpd.conf, tsig-keygen)"),
    ("--key-name", "DHCPCTL_KEY_NAME", None, "NAME", "the key's name"),
    ("--key-algorithm", "DHCPCTL_KEY_ALGORITHM", None, "ALGORITHM", "hmac-md5 (default), "
     "hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384 or hmac-sha512"),
    ("--key-secret-env", "DHCPCTL_KEY_SECRET_ENV", None, "VAR", "the variable that holds the "
     "base64 secret (never the secret itself on the command line)"),
    ("--timeout", "DHCPCTL_TIMEOUT", str(DEFAULT_TIMEOUT), "SECONDS", TIMEOUT_HELP),
)  # fmt: skip


def add_options(parser: argparse.ArgumentParser, *, command: bool = True) -> None:
    """Add the connection options to a parser: a command's (``command``), or the main parser's
    (``command=False``: before the command, ``dhcpctl --server H lease get ...``).

    The main parser holds the defaults (from the environment); a command's options have none
    (argparse's SUPPRESS), so one given after the command wins over one given before, and one
    not given after leaves the value from before (argparse copies a command's namespace over
    the main one).
    """
    group = parser.add_argument_group("connection (each also from its environment variable)")
    for flag, variable, default, metavar, text in _OPTIONS:
        shown = f"; default {default}" if default else ""
        group.add_argument(
            flag,
            default=argparse.SUPPRESS if command else os.environ.get(variable) or default,
            metavar=metavar,
            help=f"{text} [{variable}{shown}]",
        )
    add_backend_option(group, command=command)


def add_backend_option(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, command: bool = True
) -> None:
    """The ``--backend`` option alone (``dhcpctl info`` takes it, not the others), with
    defaults as :func:`add_options` says."""
    parser.add_argument(
        "--backend",
        type=policy_of,
        default=argparse.SUPPRESS if command else os.environ.get(POLICY_VARIABLE) or "auto",
        choices=POLICIES,
        help=f"the OMAPI implementation, in any case [{POLICY_VARIABLE}; default auto]",
    )


def parse_server(text: str) -> tuple[str, int]:
    """``HOST[:PORT]`` (``[v6]:PORT`` too) as a host and a port; UsageError if malformed."""
    host, port = text, DEFAULT_PORT
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            port = _port(text, rest.removeprefix(":"))
    elif text.count(":") == 1:
        host, _, number = text.partition(":")
        port = _port(text, number)
    if not host:
        raise UsageError(f"--server {text!r}: no host")
    return host, port


def _port(text: str, number: str) -> int:
    if not number.isdigit() or not 0 < int(number) < 65536:
        raise UsageError(f"--server {text!r}: the port must be a number from 1 to 65535")
    return int(number)


def parse_timeout(text: str) -> float | None:
    """Seconds; 0 means no limit (None). UsageError if not a non-negative number."""
    try:
        seconds = float(text)
    except ValueError:
        raise UsageError(f"--timeout {text!r}: not a number of seconds") from None
    if not seconds >= 0 or seconds == float("inf"):
        raise UsageError(f"--timeout {text!r}: must be 0 (no limit) or a positive number")
    return seconds or None


def resolve_key(args: argparse.Namespace, environ: Mapping[str, str]) -> Key | None:
    """The key the options name: from a key file, or name + algorithm + secret variable."""
    if args.key_file:
        try:
            key = Key.from_file(args.key_file, name=args.key_name)
        except OSError as error:
            raise UsageError(f"--key-file {args.key_file}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"--key-file {args.key_file}: not a text (UTF-8) file") from None
        except ValueError as error:
            raise UsageError(key_file_error(args.key_file, str(error))) from None
        if args.key_algorithm and _algorithm(args.key_algorithm) != key.algorithm:
            raise UsageError(
                f"--key-algorithm {args.key_algorithm} disagrees with the key file's "
                f"{key.algorithm}"
            )
        return key
    if not args.key_secret_env:
        if args.key_name:
            raise UsageError("--key-name needs --key-secret-env VAR (or --key-file)")
        return None
    if not args.key_name:
        raise UsageError("--key-secret-env needs --key-name")
    secret = environ.get(args.key_secret_env)
    if secret is None:
        raise UsageError(f"--key-secret-env: ${args.key_secret_env} is not set")
    try:
        return Key.from_base64(args.key_name, args.key_algorithm or "hmac-md5", secret)
    except ValueError as error:
        raise UsageError(f"the key: {error}") from None


def key_file_error(path: str, message: str) -> str:
    """``--key-file PATH: MESSAGE``, as every error of the key file reads, the path said once:
    the ``PATH: `` that :meth:`Key.from_file`'s messages start with is dropped."""
    return f"--key-file {path}: {message.removeprefix(f'{path}: ')}"


def resolve(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> Connection:
    """The connection the parsed options describe; UsageError for a bad one."""
    host, port = parse_server(args.server)
    return Connection(
        host=host,
        port=port,
        key=resolve_key(args, environ),
        timeout=parse_timeout(args.timeout),
        backend=args.backend,
    )
