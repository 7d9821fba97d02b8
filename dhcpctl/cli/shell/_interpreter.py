"""omshell's command loop (ISC DHCP 4.4.3-P1 ``dhcpctl/omshell.c``, ``main``) over the C-named API.

:class:`Interpreter` runs one line at a time exactly as omshell does: the same commands, the
same value syntax, the same messages on standard output in the same order, the same object
print-out before each prompt (:mod:`._objects`), so that a script's standard output is omshell's
byte for byte. What omshell writes on stderr goes to stderr here too, byte for byte: connect
failures, and ``parse_warn``'s diagnostics with the line read so far and the caret line
(:class:`._lexer.Diagnostic`), except that no byte of a key's secret is shown (omshell echoes
it): a line with the word ``key`` is echoed up to that word (a ``key NAME SECRET`` command up
to its name) and then ``<secret hidden>``, the lines a quoted secret runs on over are neither
shown nor run, and those after a ``key`` line without its secret, up to a command, are hidden
(:mod:`._secret` has the rule; stdout is unchanged: omshell prints nothing there for them).
Beyond omshell: each command's outcome is kept (:class:`Outcome`: did it fail, with which
``isc_result_t``), connects and waits honour a timeout, and any algorithm the backend knows
(SHA-2 included) works.

Where omshell's C misbehaves, this does not copy it: a ``key`` line at the very end of input
without a newline makes omshell loop forever (``parse_base64`` peeks the end of input as the
last token again); here it ends there. A ``key`` line longer than omshell's 1,023-byte reads
fails whole (:data:`KEY_LINE_CUT`; omshell runs its rest, the secret's tail, as commands).
Malformed octal escapes in strings (``"\\19"``) are read as far as they are valid (conflex
stores an indeterminate byte). A UTF-8 byte order mark is what omshell makes of it: three
bytes conflex does not know (``unknown token``), the line fails.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from dhcpctl._api import DHCPCTL_CREATE, DHCPCTL_EXCL, Backend
from dhcpctl._errors import DhcpctlError
from dhcpctl._key import Key
from dhcpctl._results import DHCP_R_INVALIDARG, ISC_R_SUCCESS
from dhcpctl.cli._output import BinaryOutput

from . import _lexer as lx
from . import _secret
from ._objects import ObjectReader, Values, omshell_name
from ._secret import SECRET_HIDDEN

#: Why a ``key`` line longer than omshell's 1,023-byte reads fails (its secret not shown).
KEY_LINE_CUT = "key line longer than 1023 bytes: key not set, the rest of the line not read"
#: Why a line a key's quoted secret runs on over (:mod:`._secret`) is neither shown nor run.
SECRET_RUNS_ON = "a key's quoted secret runs on over this line: line not shown, not run"
#: omshell's ``help`` text.
HELP = b"""Commands:
  port <server omapi port>
  server <server address>
  key <key name> <key value>
  connect
  disconnect
  new <object-type>
  set <name> = <value>
  create
  open
  update
  unset <name>
  refresh
  remove
"""
_FROM64 = {
    c: i for i, c in enumerate(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
}


@dataclass
class Outcome:
    """One command: its text, what it printed, and whether it failed (with what status).

    ``status`` is the ``isc_result_t`` of a failed call, or None for a failure of omshell's own
    (usage, not connected, bad value). ``command`` is the line as typed, except a line that
    may hold a secret: up to its ``key`` (or ``key NAME``), then :data:`SECRET_HIDDEN`, or
    :data:`SECRET_HIDDEN` alone (:mod:`._secret`).
    """

    command: str
    output: bytes = b""
    failed: bool = False
    status: int | None = None
    message: str = ""
    #: Whether the failure is a connect's (its status is classed as the typed client's).
    connect: bool = False


@dataclass
class _Session:
    server: str = "127.0.0.1"
    port: int = 7911
    key_name: str | None = None
    algorithm: str = "hmac-md5"
    secret: bytes = b""
    connection: Any = None
    connected: bool = False
    object: Any = None
    object_type: str = ""
    strings: set[bytes] = field(default_factory=set)


def c_atoi(text: bytes) -> int:
    """glibc's ``atoi``: ``(int) strtol(text, NULL, 10)``."""
    digits = text.lstrip(b" \t\n\v\f\r")
    sign = -1 if digits[:1] == b"-" else 1
    digits = digits[1:] if digits[:1] in (b"-", b"+") else digits
    count = 0
    while count < len(digits) and digits[count : count + 1].isdigit():
        count += 1
    value = sign * int(digits[:count] or b"0")
    value = max(-(2**63), min(2**63 - 1, value))
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def convert_hex_byte(text: bytes, warnings: list[str]) -> int:
    """``convert_num(cfile, buf, text, 16, 8)`` (``common/parse.c``): one byte of a cshl."""
    negative = text[:1] == b"-"
    digits = text[1:] if negative else text
    value = 0
    for index in range(max(1, len(digits))):
        c = digits[index] if index < len(digits) else 0
        if c >= ord("a"):
            digit = c - ord("a") + 10
        elif c >= ord("A"):
            digit = c - ord("A") + 10
        elif c >= ord("0"):
            digit = c - ord("0")
        else:
            warnings.append(f"Bogus number: {text.decode('latin-1')}.")
            break
        if digit >= 16:
            warnings.append(f"Bogus number {text.decode('latin-1')}: digit {digit} not in base 16")
            break
        value = (value * 16 + digit) & 0xFFFFFFFF
    limit = 128 if negative else 255
    if value > limit:
        warnings.append(f"{'-' if negative else ''}{value:x} exceeds max ({limit}) for precision.")
    return (-value if negative else value) & 0xFF


def decode_base64(text: bytes, warnings: list[str]) -> bytes | None:
    """``parse_base64``'s decoding of its tokens' text; None where it fails (or is empty).

    Its warnings are omshell's, but where omshell quotes a part of the secret (a character,
    the bits left over): :data:`SECRET_HIDDEN` there."""
    out = bytearray()
    accumulator = count = 0
    terminated = False
    for c in text:
        if terminated and c != ord("="):
            warnings.append(f"stuff after base64 '=' terminator: {SECRET_HIDDEN}.")
            return None
        if c < 0x20 or c > ord("z"):
            warnings.append(f"invalid base64 character {SECRET_HIDDEN}.")
            return None
        if c == ord("="):
            terminated = True
            continue
        if c not in _FROM64:
            warnings.append(f"invalid base64 character {SECRET_HIDDEN}.")
            return None
        accumulator = (accumulator << 6) + _FROM64[c]
        phase = count % 4
        if phase == 1:
            out.append((accumulator >> 4) & 0xFF)
            accumulator &= 0x0F
        elif phase == 2:
            out.append((accumulator >> 2) & 0xFF)
            accumulator &= 0x03
        elif phase == 3:
            out.append(accumulator & 0xFF)
            accumulator = 0
        count += 1
    if count % 4 and accumulator:
        warnings.append(f"partial base64 value left over: {SECRET_HIDDEN}.")
    return bytes(out) or None


def _base64_token(token: lx.Token) -> bool:
    """Whether ``parse_base64`` takes the peeked token as more of the secret."""
    if token.kind == lx.END_OF_FILE:
        return False
    return all(0x20 <= c <= ord("z") and (c in _FROM64 or c == ord("=")) for c in token.text)


class Interpreter:
    """omshell's state and commands; :meth:`run_line` runs one input line.

    ``backend`` is a module of the C-named API (``dhcpctl`` or :func:`dhcpctl.load_backend`'s);
    ``timeout`` (seconds, None for none) bounds each connect and each wait for a reply.
    ``out`` receives what omshell prints on stdout (unless None), ``err`` its stderr lines (the
    script's bytes as they are, as omshell writes them).
    """

    def __init__(
        self,
        backend: Backend,
        *,
        timeout: float | None,
        out: BinaryOutput | None,
        err: BinaryIO,
    ) -> None:
        self._api = backend
        self._timeout = timeout
        self._out = out
        self._err = err
        self._session = _Session()
        self._reader = ObjectReader()
        self._outcome = Outcome("")
        self._lexer = lx.Lexer(b"")
        self._mask = _secret.Mask()
        self._key_read = False  # this line's ``key`` command ran
        self._secret_runs_on = False  # this line is inside a key's quoted secret

    # -- the loop ----------------------------------------------------------------------------

    def prompt(self) -> bytes:
        """What omshell prints before it reads a line: the object, if connected, then ``> ``."""
        return self.object_text() + b"> "

    def object_text(self) -> bytes:
        """omshell's print-out of its current object (empty when not connected)."""
        session = self._session
        if not session.connected:
            return b""
        if session.object is None:
            return b"obj: <null>\n"
        lines = [b"obj: " + session.object_type.encode("utf-8", "surrogateescape") + b"\n"]
        for name, value in self.values():
            shown = b"<null>" if value is None else value.omshell_text()
            lines.append(omshell_name(name) + b" = " + shown + b"\n")
        return b"".join(lines)

    def values(self) -> Values:
        """The current object's values (empty when there is none)."""
        if self._session.object is None:
            return []
        return self._reader.read(self._session.object)

    @property
    def object_type(self) -> str | None:
        """The current object's type, or None."""
        return self._session.object_type if self._session.object is not None else None

    def run_line(self, line: bytes, cut: bool = False) -> Outcome:
        """Run one line (at most 1023 bytes, as omshell's ``fgets`` reads) and say how it went.

        ``cut``: the line is the start of a longer ``key`` line whose rest was dropped
        (:func:`dhcpctl.cli.shell.fgets_lines`): it fails (:data:`KEY_LINE_CUT`), the key it
        sets is not used (its secret is emptied, so a connect fails as with a bad secret)."""
        if self._secret_runs_on:
            self._secret_runs_on = not _secret.closes_string(line)
            self._outcome = Outcome(SECRET_HIDDEN)
            self._warn(SECRET_RUNS_ON)
            return self._outcome
        self._mask = _secret.follow(line, self._mask)
        self._secret_runs_on = self._mask.continues and not cut
        command = _secret.shown(line.rstrip(b"\n"), self._mask.start, always=True)
        self._outcome = Outcome(command.decode("utf-8", "replace"))
        lexer = lx.Lexer(line)
        self._lexer = lexer
        token = lexer.next()
        self._key_read = False
        if cut:
            self._failed(KEY_LINE_CUT, None)  # first: the reason the line does nothing
        if token.kind == "keyword":
            getattr(self, "_" + token.text.decode().lower().replace("-", "_"))(lexer)
        elif token.kind == "?":
            self._help(lexer)
        elif not token.is_end():
            lexer.warn(f"unknown token: {token.word}")
            lexer.skip_to_semi()
        for diagnostic in lexer.warnings:
            start = self._mask.start
            if start is not None and diagnostic.read > start:
                diagnostic = replace(diagnostic, text=_secret.hidden_quote(diagnostic.text))
            self._write_err(diagnostic.render(_secret.shown(diagnostic.line, start)))
            self._failed(diagnostic.text, None)
        if cut:
            if self._key_read:
                self._session.secret = b""
            self._write_err(KEY_LINE_CUT + "\n")
        return self._outcome

    def preset(self, server: str, port: int, key: Key | None) -> None:
        """Start with this server, port and key (as if set by ``server``, ``port``, ``key``)."""
        session = self._session
        session.server, session.port = server, port
        if key is not None:
            session.key_name, session.algorithm, session.secret = (
                key.name,
                key.algorithm,
                key.secret,
            )

    def disconnect(self) -> None:
        """Release the connection and object (at the end of a session)."""
        session = self._session
        session.object = None
        if session.connection is not None:
            with contextlib.suppress(DhcpctlError):
                self._api.dhcpctl_disconnect(session.connection, True)
            session.connection = None
        session.connected = False

    # -- output ------------------------------------------------------------------------------

    def _print(self, text: str | bytes) -> None:
        data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
        self._outcome.output += data
        if self._out is not None:
            self._out.write(data)

    def _fail(self, text: str, status: int | None = None) -> None:
        """A message omshell prints on stdout that reports a failure; then, as omshell, the
        rest of the command is skipped (``skip_to_semi``: its strings are still read)."""
        self._print(text + "\n")
        self._failed(text, status)
        self._lexer.skip_to_semi()

    def _parse_warnings(self, found: list[str]) -> None:
        """``parse_warn`` of ISC's parse functions, said where the lexer is now."""
        for text in found:
            self._lexer.warn(text)

    def _failed(self, text: str, status: int | None) -> None:
        if not self._outcome.failed:
            self._outcome.failed = True
            self._outcome.status = status
            self._outcome.message = text

    def _warn(self, text: str, status: int | None = None) -> None:
        """A message omshell writes on stderr with ``fprintf(stderr, ...)`` (its
        ``parse_warn`` diagnostics are the lexer's, :class:`._lexer.Diagnostic`)."""
        self._write_err(f"{text}\n")
        self._failed(text, status)

    def _write_err(self, text: str) -> None:
        self._err.write(text.encode("utf-8", "surrogateescape"))
        self._err.flush()

    def _text(self, status: int) -> str:
        return str(self._api.isc_result_totext(status))

    def _call(self, call: Callable[[], object]) -> tuple[int, object]:
        """Run a C-named function: ``(ISC_R_SUCCESS, result)`` or ``(status, None)``."""
        try:
            return ISC_R_SUCCESS, call()
        except DhcpctlError as error:
            return error.status, None
        except UnicodeEncodeError:  # a name C would take byte for byte, Python needs UTF-8
            return DHCP_R_INVALIDARG, None

    # -- the commands (omshell.c's switch, in its order) ----------------------------------------

    def _help(self, lexer: lx.Lexer) -> None:
        self._print(HELP)

    def _port(self, lexer: lx.Lexer) -> None:
        token = lexer.next()
        if token.is_identifier():
            try:
                port = socket.getservbyname(token.word, "tcp")
            except (OSError, UnicodeError):
                self._fail(f"unknown service name: {token.word}")
                return
        elif token.kind == lx.NUMBER:
            port = c_atoi(token.text)
        else:
            self._fail("usage: port <port>")
            return
        self._session.port = port
        if not lexer.next().is_end():
            self._fail("usage: port <server>")

    def _server(self, lexer: lx.Lexer) -> None:
        token = lexer.next()
        if token.kind == lx.NUMBER:
            parts = [token.word]
            for _ in range(3):
                if lexer.next().kind != lx.DOT:
                    self._fail("usage: server <server>")
                    return
                token = lexer.next()
                if token.kind != lx.NUMBER:
                    self._fail("usage: server <server>")
                    return
                parts.append(token.word)
            server = ".".join(parts)
        elif token.is_identifier():
            server = token.word
        else:
            self._fail("usage: server <server>")
            return
        self._session.server = server
        if not lexer.next().is_end():
            self._fail("usage: server <server>")

    def _key_algorithm(self, lexer: lx.Lexer) -> None:
        token = lexer.next()
        if token.kind != lx.NAME:
            self._print("missing or invalid algorithm name\n")
            self._fail("usage: key-algoritm <algorithm name>")
            return
        self._session.algorithm = token.word
        if not lexer.next().is_end():
            self._print(f"extra information after {token.word}\n")
            self._fail("usage: key-algorithm <algorithm name>")

    def _key(self, lexer: lx.Lexer) -> None:
        if lexer.peek().kind == lx.STRING:
            lexer.next()  # a quoted name is never an identifier: omshell refuses it
            self._fail("usage: key <name> <value>")
            return
        labels: list[str] = []
        trailing_dot = False
        while True:
            token = lexer.peek()
            if not token.is_identifier() and token.kind != lx.NUMBER:
                break
            labels.append(lexer.next().word)
            trailing_dot = lexer.peek().kind == lx.DOT
            if not trailing_dot:
                break
            lexer.next()
        if not labels:
            self._fail("usage: key <name> <value>")
            return
        session = self._session
        session.key_name = ".".join(labels) + ("." if trailing_dot else "")
        session.secret = b""
        self._key_read = True
        text = lexer.next().text
        while _base64_token(lexer.peek()):
            text += lexer.next().text
        found: list[str] = []
        secret = decode_base64(text, found)
        self._parse_warnings(found)
        if secret is None:
            self._failed("invalid key secret", None)
            return
        session.secret = secret
        if not lexer.next().is_end():
            self._fail("usage: key <name> <value>")

    def _connect(self, lexer: lx.Lexer) -> None:
        if not lexer.next().is_end():
            self._fail("usage: connect")
            return
        session = self._session
        api = self._api
        authenticator = None
        if session.key_name is not None:
            name, algorithm, secret = session.key_name, session.algorithm, session.secret
            status, authenticator = self._call(
                lambda: api.dhcpctl_new_authenticator(name, algorithm, secret)
            )
            if status != ISC_R_SUCCESS:
                self._warn(f"Cannot create authenticator: {self._text(status)}", status)
                return
        server, port, timeout = session.server, session.port, self._timeout
        status, connection = self._call(
            lambda: api.dhcpctl_timed_connect(server, port, authenticator, timeout)
        )
        if status != ISC_R_SUCCESS:
            self._warn(f"dhcpctl_connect: {self._text(status)}", status)
            self._outcome.connect = True
            return
        session.connection = connection
        session.connected = True

    def _disconnect(self, lexer: lx.Lexer) -> None:
        if not lexer.next().is_end():
            self._fail("usage: disconnect")
            return
        session = self._session
        if not session.connected or session.connection is None:
            self._warn("not connected")
            return
        connection = session.connection
        status, _ = self._call(lambda: self._api.dhcpctl_disconnect(connection, False))
        if status != ISC_R_SUCCESS:
            self._warn(f"dhcpctl_disconnect: {self._text(status)}", status)
            return
        session.connection = None
        session.connected = False

    def _new(self, lexer: lx.Lexer) -> None:
        token = lexer.next()
        if not token.is_identifier() and token.kind != lx.STRING:
            self._fail("usage: new <object-type>")
            return
        session = self._session
        if session.object is not None:
            self._fail("an object is already open.")
            return
        if not session.connected:
            self._fail("not connected.")
            return
        connection, object_type = session.connection, token.word
        status, handle = self._call(lambda: self._api.dhcpctl_new_object(connection, object_type))
        if status != ISC_R_SUCCESS:
            self._fail(f"can't create object: {self._text(status)}", status)
            return
        session.object, session.object_type = handle, object_type
        if not lexer.next().is_end():
            self._fail("usage: new <object-type>")

    def _close(self, lexer: lx.Lexer) -> None:
        if not lexer.next().is_end():
            self._fail("usage: close")
            return
        if not self._session.connected:
            self._fail("not connected.")
            return
        if self._session.object is None:
            self._fail("not open.")
            return
        self._drop_object()

    def _drop_object(self) -> None:
        handle, self._session.object = self._session.object, None
        self._call(lambda: self._api.omapi_object_dereference(handle))

    def _named_target(self, lexer: lx.Lexer, usage: str) -> str | None:
        """The name after ``set``/``unset``, once omshell's checks pass (else None)."""
        token = lexer.next()
        if not token.is_identifier() and token.kind != lx.STRING:
            self._fail(usage)
            return None
        if self._session.object is None:
            self._fail("no open object.")
            return None
        if not self._session.connected:
            self._fail("not connected.")
            return None
        return token.text[:1023].decode("utf-8", "surrogateescape")

    def _set(self, lexer: lx.Lexer) -> None:
        usage = "usage: set <name> = <value>"
        name = self._named_target(lexer, usage)
        if name is None:
            return
        if lexer.next().kind != lx.EQUAL:
            self._fail(usage)
            return
        token = lexer.next()
        if token.kind == lx.STRING:
            self._set_string(name, token.text)
            token = lexer.next()
        elif token.kind == lx.NUMBER and lexer.peek().kind == lx.DOT:
            after = self._set_dotted(name, token, lexer)
            if after is None:
                self._fail(usage)
                return
            token = after
        elif token.kind == lx.NUMBER and lexer.peek().kind != lx.COLON:
            value = c_atoi(token.text)
            self._set_value(lambda h: self._api.dhcpctl_set_int_value(h, value, name))
            token = lexer.next()
        elif token.kind in (lx.NUMBER, lx.NUMBER_OR_NAME):
            token = self._set_hex_list(name, token, lexer)
        else:
            self._fail("invalid value.")
        if not token.is_end():
            self._fail(usage)

    def _set_value(self, call: Callable[[Any], object]) -> None:
        handle = self._session.object
        status, _ = self._call(lambda: call(handle))
        if status != ISC_R_SUCCESS:  # omshell ignores it; the transcript records it
            self._failed(f"cannot set the value: {self._text(status)}", status)

    def _set_string(self, name: str, text: bytes) -> None:
        value = text.split(b"\0", 1)[0]  # C's strlen
        try:
            decoded = value.decode()
        except UnicodeDecodeError:  # C takes any bytes; the same bytes go as data
            self._set_value(lambda h: self._api.dhcpctl_set_data_value(h, value, name))
        else:
            self._set_value(lambda h: self._api.dhcpctl_set_string_value(h, decoded, name))
        self._reader.mark_string(self._session.object, name.encode("utf-8", "surrogateescape"))

    def _set_dotted(self, name: str, token: lx.Token, lexer: lx.Lexer) -> lx.Token | None:
        """A dotted value (``10.0.0.1``, also ``1..2``): one byte per number, a missing number 0."""
        data = bytearray()
        while True:
            octet = c_atoi(token.text)
            if octet > 255:
                lexer.warn(f"dotted octet > 255: {token.word}")
                return None
            data.append(octet & 0xFF)
            token = lexer.next()
            if token.kind != lx.DOT:
                break
            token = lexer.next()
            while token.kind == lx.DOT:
                data.append(0)
                token = lexer.next()
            if token.kind != lx.NUMBER:
                break
        value = bytes(data)
        self._set_value(lambda h: self._api.dhcpctl_set_data_value(h, value, name))
        return token

    def _set_hex_list(self, name: str, token: lx.Token, lexer: lx.Lexer) -> lx.Token:
        """A colon-separated hex list (``00:11:22``, also a single ``ab``): one byte each."""
        data = bytearray()
        while True:
            found: list[str] = []
            data.append(convert_hex_byte(token.text, found))
            self._parse_warnings(found)
            token = lexer.next()
            if token.kind != lx.COLON:
                break
            token = lexer.next()
            if token.kind not in (lx.NUMBER, lx.NUMBER_OR_NAME):
                break
        value = bytes(data)
        self._set_value(lambda h: self._api.dhcpctl_set_data_value(h, value, name))
        return token

    def _unset(self, lexer: lx.Lexer) -> None:
        usage = "usage: unset <name>"
        name = self._named_target(lexer, usage)
        if name is None:
            return
        if not lexer.next().is_end():
            self._fail(usage)
            return
        self._set_value(lambda h: self._api.dhcpctl_set_null_value(h, name))

    def _ready(self, lexer: lx.Lexer, missing_object: str, usage: str | None = None) -> bool:
        """omshell's checks before a request: end of line, connected, an object."""
        token = lexer.next()
        if not token.is_end():
            self._fail(usage or f"usage: {token.word}")
            return False
        if not self._session.connected:
            self._fail("not connected.")
            return False
        if self._session.object is None:
            self._fail(missing_object)
            return False
        return True

    def _request(self, send: Callable[[Any, Any], object], failure: str) -> bool:
        """Send a request on the object, wait for its reply: True on success."""
        session, api, timeout = self._session, self._api, self._timeout
        handle, connection = session.object, session.connection
        status, _ = self._call(lambda: send(handle, connection))
        if status == ISC_R_SUCCESS:
            status, waited = self._call(
                lambda: api.dhcpctl_timed_wait_for_completion(handle, timeout)
            )
            if status == ISC_R_SUCCESS:
                assert isinstance(waited, int)
                status = waited
        if status != ISC_R_SUCCESS:
            self._fail(f"{failure}: {self._text(status)}", status)
            return False
        return True

    def _create(self, lexer: lx.Lexer) -> None:
        self._open_with(lexer, DHCPCTL_CREATE | DHCPCTL_EXCL)

    def _open(self, lexer: lx.Lexer) -> None:
        self._open_with(lexer, 0)

    def _open_with(self, lexer: lx.Lexer, flags: int) -> None:
        if self._ready(lexer, "you must make a new object first!"):
            api = self._api
            self._request(lambda h, c: api.dhcpctl_open_object(h, c, flags), "can't open object")

    def _update(self, lexer: lx.Lexer) -> None:
        if self._ready(lexer, "you haven't opened an object yet!"):
            api = self._api
            self._request(lambda h, c: api.dhcpctl_object_update(c, h), "can't update object")

    def _remove(self, lexer: lx.Lexer) -> None:
        if self._ready(lexer, "no object.", "usage: remove"):
            api = self._api
            if self._request(lambda h, c: api.dhcpctl_object_remove(c, h), "can't destroy object"):
                self._drop_object()

    def _refresh(self, lexer: lx.Lexer) -> None:
        if self._ready(lexer, "no object.", "usage: refresh"):
            api = self._api
            self._request(lambda h, c: api.dhcpctl_object_refresh(c, h), "can't refresh object")
