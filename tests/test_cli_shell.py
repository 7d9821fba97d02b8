"""``dhcpctl shell`` against ISC's omshell: the same script, the same dhcpd, the same stdout.

Every script of the corpus (tests/data/shell_corpus/, see :mod:`shell_corpus`) runs through
omshell and then through ``dhcpctl shell`` on each backend, against the same test-bed dhcpd;
standard output must be equal byte for byte. The exit status must say whether a command failed
(omshell always exits 0).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import (
    clean_environment,
    endpoint_environment,
    run_dhcpctl,
    run_dhcpctl_without_stdout,
)
from fake_omapi import PATIENCE, Behaviour, handshake, recv_message, reply
from shell_corpus import CORPUS, SCRIPTS, render, run_omshell_script, server_kind

from dhcpctl.cli._exit import ExitCode
from dhcpctl.cli.shell import fgets_lines
from testbed.omshell import connect_script, find_omshell
from testbed.pytest_plugin import ServerFactory, missing, require_local_servers
from testbed.server import Endpoint, make_key


class CorpusServers:
    """The servers of the corpus, started on first use and closed at the module's end."""

    def __init__(self, default: Endpoint) -> None:
        self._endpoints = {"default": default}
        self._factory = ServerFactory()

    def get(self, kind: str) -> Endpoint:
        if kind not in self._endpoints:
            require_local_servers()
            if kind == "failover":
                primary, _ = self._factory.failover_pair()
                self._endpoints[kind] = primary.endpoint
                settle(primary.endpoint)
            else:
                key = {"sha256": make_key("hmac-sha256"), "nokey": None}[kind]
                self._endpoints[kind] = self._factory.start(key).endpoint
        return self._endpoints[kind]

    def close(self) -> None:
        self._factory.close()


def settle(endpoint: Endpoint, limit: float = 90.0) -> None:
    """Wait until both failover peers are in state normal (2) with no update unacknowledged,
    the same twice in a row: before, their states, times and counters change from one moment
    to the next, and omshell's output with them."""
    probe = render(CORPUS / "45-failover.omshell", endpoint)
    settled = b"partner-state = 00:00:00:02\nlocal-state = 00:00:00:02\n"
    idle = b"cur-unacked-updates = 00:00:00:00\n"
    deadline = time.monotonic() + limit
    previous = b""
    while True:
        seen = run_omshell_script(probe).stdout
        if settled in seen and idle in seen and seen == previous:
            return
        assert time.monotonic() < deadline, f"the failover pair did not settle in {limit} s"
        previous = seen
        time.sleep(0.5)  # polling the server's own state: no event to wait on


@pytest.fixture(scope="module")
def corpus_servers(dhcpd_server: Endpoint) -> Iterator[CorpusServers]:
    if find_omshell() is None:
        missing("omshell not found: apt-get install isc-dhcp-server")
    servers = CorpusServers(dhcpd_server)
    try:
        yield servers
    finally:
        servers.close()


def test_corpus_size() -> None:
    assert len(SCRIPTS) >= 40


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.stem for path in SCRIPTS])
def test_shell_matches_omshell(
    script: Path, backend_name: str, corpus_servers: CorpusServers
) -> None:
    endpoint = corpus_servers.get(server_kind(script))
    text = render(script, endpoint)
    # omshell right before: the server's state (failover times) is that of the same moment.
    expected = run_omshell_script(text)
    assert expected.returncode == 0, expected.stderr
    ours = run_dhcpctl(["shell", "--backend", backend_name], text)
    assert ours.stdout.decode("latin-1") == expected.stdout.decode("latin-1"), (
        f"stdout differs from omshell's; stderr: {ours.stderr.decode()}"
    )
    assert ours.stderr.decode("latin-1") == secret_hidden(expected.stderr, text), (
        "stderr differs from omshell's (its key lines' secrets hidden)"
    )


def secret_hidden(stderr: bytes, script: bytes) -> str:
    """omshell's stderr as ``dhcpctl shell`` writes it: where omshell echoes a ``key`` line in
    a parse diagnostic (the line read so far, secret included: more than ``key NAME``), and
    where it quotes a part of a secret (the rest after ``=``, a bad character, the bits left
    over), the secret is hidden."""
    lines = stderr.decode("latin-1").split("\n")
    names = {
        line[:80]: " ".join(line.split()[:2])
        for line in script.decode("latin-1").splitlines()
        if line.split()[:1] and line.split()[0].lower() == "key"
    }
    for index, line in enumerate(lines):
        if not index or not lines[index - 1].startswith("<STDIN> line "):
            continue
        for key_line, name in names.items():
            if key_line.startswith(line) and len(line.rstrip()) > len(name):
                lines[index] = f"{name} <secret hidden>"
        for marker in (
            "stuff after base64 '=' terminator: ",
            "invalid base64 character ",
            "partial base64 value left over: ",
        ):
            if marker in lines[index - 1]:
                start = lines[index - 1].index(marker) + len(marker)
                lines[index - 1] = lines[index - 1][:start] + "<secret hidden>."
    return "\n".join(lines)


def _lease_script(endpoint: Endpoint, address: str) -> bytes:
    script = [*connect_script(endpoint), "new lease", f"set ip-address = {address}", "open"]
    return "".join(line + "\n" for line in script).encode()


@pytest.mark.parametrize(
    ("address", "expected"),
    [("198.18.254.150", ExitCode.OK), ("198.18.254.99", ExitCode.NOT_FOUND)],
)
def test_exit_status_says_whether_a_command_failed(
    dhcpd_server: Endpoint, backend_name: str, address: str, expected: ExitCode
) -> None:
    result = run_dhcpctl(["shell", "--backend", backend_name], _lease_script(dhcpd_server, address))
    assert result.returncode == expected, result.stderr


def test_exit_status_of_usage_and_wrong_key_failures(
    dhcpd_server: Endpoint, backend_name: str
) -> None:
    usage = run_dhcpctl(["shell", "--backend", backend_name], b"new\n")
    assert usage.returncode == ExitCode.FAILED
    assert usage.stdout == b"> usage: new <object-type>\n> "
    assert dhcpd_server.key is not None
    key = dataclasses.replace(dhcpd_server.key, secret=b"wrong")
    wrong = dataclasses.replace(dhcpd_server, key=key)
    refused = run_dhcpctl(
        ["shell", "--backend", backend_name], _lease_script(wrong, "198.18.254.150")
    )
    # dhcpd answers a request signed with the wrong secret by closing the connection: the
    # status omshell prints is ISC's, so the exit status is the lost connection's.
    assert b"can't open object: connection reset by peer\n" in refused.stdout
    assert refused.returncode == ExitCode.UNREACHABLE


@pytest.mark.parametrize("wrong", ["name", "algorithm"])
def test_exit_status_of_a_key_the_server_does_not_have(
    dhcpd_server: Endpoint, backend_name: str, wrong: str
) -> None:
    """The server refuses the authenticator at the connect (``ISC_R_NOTFOUND``, printed as
    omshell prints it): authentication failed, status 5, as the typed commands say, not 3
    (not found)."""
    assert dhcpd_server.key is not None
    key = (
        dataclasses.replace(dhcpd_server.key, name="no-such-key")
        if wrong == "name"
        else dataclasses.replace(dhcpd_server.key, algorithm="hmac-sha512")
    )
    unknown = dataclasses.replace(dhcpd_server, key=key)
    script = _lease_script(unknown, "198.18.254.150")
    refused = run_dhcpctl(["shell", "--backend", backend_name], script)
    assert b"dhcpctl_connect: not found\n" in refused.stderr
    assert refused.returncode == ExitCode.AUTHENTICATION
    typed = run_dhcpctl(
        ["--backend", backend_name, "lease", "get", "--ip", "198.18.254.150"],
        env=endpoint_environment(unknown),
    )
    assert typed.returncode == ExitCode.AUTHENTICATION, typed.stderr


def test_script_file_and_json_transcript(
    dhcpd_server: Endpoint, backend_name: str, tmp_path: Path
) -> None:
    script = tmp_path / "lease.omshell"
    script.write_bytes(_lease_script(dhcpd_server, "198.18.254.150") + b"set extra = 7\nfrob\n")
    result = run_dhcpctl(["shell", "--json", "--backend", backend_name, str(script)])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["command"] for record in records][-4:] == [
        "set ip-address = 198.18.254.150",
        "open",
        "set extra = 7",
        "frob",
    ]
    opened = records[-3]
    assert opened["ok"] and opened["object"]["type"] == "lease"
    values = opened["object"]["values"]
    assert values["ip-address"] == "c6:12:fe:96"
    assert values["client-hostname"] == "alpha"
    assert values["hardware-address"] == "52:54:00:12:34:56"
    assert records[-2]["object"]["values"]["extra"] == 7
    assert records[-1]["ok"] is False and "unknown token" in records[-1]["error"]
    assert result.returncode == ExitCode.FAILED


def test_timeout_ends_a_wait_on_a_silent_server(
    fake_server: Callable[[Behaviour], int], released: threading.Event, backend_name: str
) -> None:
    def silent(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        released.wait(PATIENCE)

    port = fake_server(silent)
    script = b"server 127.0.0.1\nport %d\nconnect\nnew lease\nopen\n" % port
    result = run_dhcpctl(["shell", "--timeout", "1", "--backend", backend_name], script)
    assert b"can't open object: timed out\n" in result.stdout
    assert result.returncode == ExitCode.UNREACHABLE


@pytest.mark.parametrize("algorithm", ["hmac-sha512", "hmac-sha224"])
def test_sha2_keys(dhcpd_factory: ServerFactory, backend_name: str, algorithm: str) -> None:
    endpoint = dhcpd_factory.start(make_key(algorithm)).endpoint
    script = _lease_script(endpoint, "198.18.254.151")
    assert f"key-algorithm {algorithm}\n".encode() in script
    result = run_dhcpctl(["shell", "--backend", backend_name], script)
    assert result.returncode == ExitCode.OK, result.stdout
    assert b'client-hostname = "bravo"\n' in result.stdout


@contextlib.contextmanager
def on_a_terminal(
    arguments: list[str], env: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``python -m dhcpctl ARGUMENTS`` on a new pseudo-terminal (its stdin, stdout and stderr):
    the process and the terminal's controlling end, closed afterwards."""
    controller, terminal = os.openpty()
    try:
        with subprocess.Popen(
            [sys.executable, "-m", "dhcpctl", *arguments],
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            env={**env, "TERM": "dumb"},
        ) as process:
            os.close(terminal)
            yield process, controller
    finally:
        os.close(controller)


def read_until(controller: int, marker: bytes) -> bytes:
    """What the terminal shows up to ``marker``, or up to the process's end (the terminal is
    closed: EIO) without it; 30 s of silence fail the test."""
    seen = b""
    while marker not in seen:
        ready, _, _ = select.select([controller], [], [], 30)
        assert ready, f"no {marker!r} in {seen!r}"
        try:
            seen += os.read(controller, 4096)
        except OSError:  # EIO: the process ended, its terminal is closed
            break
    return seen


def test_interactive_on_a_terminal(dhcpd_server: Endpoint) -> None:
    """On a terminal, commands are read line by line (readline) and each answered at once."""
    with on_a_terminal(["shell"], clean_environment()) as (process, controller):
        read_until(controller, b"> ")
        for line in connect_script(dhcpd_server):
            os.write(controller, line.encode() + b"\n")
            read_until(controller, b"> ")
        os.write(controller, b"new lease\n")
        assert b"obj: lease" in read_until(controller, b"> ")
        os.write(controller, b"set ip-address = 198.18.254.150\nopen\n")
        hostname = b'client-hostname = "alpha"'
        assert hostname in read_until(controller, hostname)
        os.write(controller, b"\x04")  # end of input (Ctrl-D)
        assert process.wait(timeout=30) == 0


def test_connection_options_preset_the_script(dhcpd_server: Endpoint, tmp_path: Path) -> None:
    """A script without server, port or key lines: the options and variables give them."""
    assert dhcpd_server.key is not None
    key_file = tmp_path / "omapi.key"
    key = dhcpd_server.key
    key_file.write_text(
        f'key {key.name} {{ algorithm {key.algorithm}; secret "{key.secret_base64}"; }};\n'
    )
    script = b"connect\nnew lease\nset ip-address = 198.18.254.151\nopen\n"
    env = {**clean_environment(), "DHCPCTL_KEY_FILE": str(key_file)}
    server = f"{dhcpd_server.address}:{dhcpd_server.port}"
    result = run_dhcpctl(["shell", "--server", server], script, env=env)
    assert result.returncode == ExitCode.OK, result.stdout
    assert b'client-hostname = "bravo"\n' in result.stdout
    missing = run_dhcpctl(["shell", str(tmp_path / "no-such-script")])
    assert missing.returncode == ExitCode.USAGE
    assert missing.stderr.startswith(b"dhcpctl: ") and missing.stderr.count(b"\n") == 1


def test_a_program_drives_the_shell_through_pipes(dhcpd_server: Endpoint) -> None:
    """As Net::ISC::DHCPd drives omshell: write a command, read up to the next prompt."""
    with subprocess.Popen(
        [sys.executable, "-m", "dhcpctl", "shell"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=clean_environment(),
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        commands = [*connect_script(dhcpd_server), "new lease", "set ip-address = 198.18.254.150"]
        answers = []
        for command in ["", *commands, "open"]:
            if command:
                process.stdin.write(command.encode() + b"\n")
                process.stdin.flush()
            answer = b""
            while not answer.endswith(b"> "):
                ready, _, _ = select.select([process.stdout], [], [], 30)
                assert ready, f"no prompt after {command!r}: {answer!r}"
                answer += os.read(process.stdout.fileno(), 4096)
            answers.append(answer)
        assert b'client-hostname = "alpha"\n' in answers[-1]
        process.stdin.close()
        assert process.wait(timeout=30) == 0


def test_no_secret_in_any_output(dhcpd_server: Endpoint, backend_name: str) -> None:
    """A key line is echoed as ``key NAME <secret hidden>`` (``--json``'s ``command``, the line
    as typed up to its name); no
    output path (JSON, omshell's text, stderr diagnostics) shows the secret."""
    assert dhcpd_server.key is not None
    name, secret = dhcpd_server.key.name, dhcpd_server.key.secret_base64
    script = _lease_script(dhcpd_server, "198.18.254.150")
    script += f'KEY {name} {secret}=x\nkey "{name}" {secret}\nkey {name}\n'.encode()
    assert secret.encode() in script
    outputs = {}
    for option in ("--json", "--timeout"):  # --timeout 10: omshell's text
        arguments = ["shell", option, *(["10"] if option == "--timeout" else [])]
        result = run_dhcpctl([*arguments, "--backend", backend_name], script)
        assert secret[:8].encode() not in result.stdout + result.stderr
        outputs[option] = result.stdout
    commands = [json.loads(line)["command"] for line in outputs["--json"].splitlines()]
    assert f"key {name} <secret hidden>" in commands[:5]
    assert commands[-3:] == [  # the line as typed up to its key's name, if it has a secret
        f"KEY {name} <secret hidden>",
        "key <secret hidden>",
        "key <secret hidden>",
    ]


DIAGNOSED = [
    b'set name = "unterminated',
    b"bogus\n",
    b"bogus foo\n  frob\n",
    b'set\tx = "a\\xzz"\n',
    b'connect foo\nport 1 2 "x\n',
    b'server 1.2.3 ; "no end\n# comment "x\n  \t bogus { "a" } "b\n',
]


@pytest.mark.parametrize("script", DIAGNOSED, ids=range(len(DIAGNOSED)))
def test_parse_diagnostics_as_omshell(script: bytes) -> None:
    """omshell's ``parse_warn`` diagnostics on stderr, message, line read so far and caret
    line, byte for byte (scripts that need no server)."""
    if find_omshell() is None:
        missing("omshell not found: apt-get install isc-dhcp-server")
    expected = run_omshell_script(script)
    assert expected.stderr.count(b"^\n") >= 1, expected.stderr  # the script has diagnostics
    ours = run_dhcpctl(["shell"], script)
    assert (ours.stdout, ours.stderr) == (expected.stdout, expected.stderr)


def _secret_pieces(output: bytes, secret: str) -> list[str]:
    """The 6-character pieces of ``secret`` found in ``output``."""
    text = output.decode("utf-8", "replace")
    return [secret[i : i + 6] for i in range(len(secret) - 5) if secret[i : i + 6] in text]


SECRET = "q7XWbnm0Pz4Kd9LfTt2VaRcYe5Hu8JsGk3MxNoBpQiE="
#: ``key`` lines longer than the 1,023 bytes omshell's ``fgets`` reads at once: cut in the
#: name, in the secret, before the secret, inside the word ``key`` itself, after indentation.
LONG_KEY_LINES = {
    "long name": b"key " + b"k" * 990 + b" " + SECRET.encode(),
    "indented": b" " * 990 + b"key omapi_key " + SECRET.encode(),
    "secret after the cut": b"key " + b"k" * 1030 + b" " + SECRET.encode(),
    "cut inside key": b" " * 1021 + b"KEy omapi_key " + SECRET.encode(),
    "tab and trailing blanks": b"\tkey omapi_key " + SECRET.encode() + b" " * 3000,
}


@pytest.mark.parametrize("line", LONG_KEY_LINES.values(), ids=LONG_KEY_LINES.keys())
@pytest.mark.parametrize("option", ["--json", "--timeout"])
def test_long_key_line_shows_no_secret(line: bytes, option: str) -> None:
    """A ``key`` line longer than omshell's 1,023-byte reads is refused whole: no part of its
    secret reaches stdout, stderr or ``--json``, its rest is not run as commands, the key is
    not used (a connect fails), and the next line runs as usual."""
    script = line + b"\nport 7\nconnect\n"
    arguments = ["shell", option, *(["10"] if option == "--timeout" else [])]
    result = run_dhcpctl(arguments, script)
    assert _secret_pieces(result.stdout + result.stderr, SECRET) == []
    assert b"longer than 1023 bytes" in result.stderr
    assert result.returncode != ExitCode.OK
    if option == "--json":
        records = [json.loads(text) for text in result.stdout.splitlines()]
        assert len(records) == 3  # the rest of the long line is not run as commands
        assert records[0]["ok"] is False
        assert "longer than 1023 bytes" in records[0]["error"]
        assert [record["command"] for record in records[1:]] == ["port 7", "connect"]


def test_a_quote_of_a_secret_in_a_string_is_hidden() -> None:
    """conflex quotes a bad ``\\x`` escape's byte (``invalid hex digit: 5a``); in a key's
    secret, that byte is hidden as the rest."""
    result = run_dhcpctl(["shell"], b'key abc "QUJD\\xZZ"\n')
    assert b"invalid hex digit: <secret hidden>\n" in result.stderr
    assert b"5a" not in result.stderr


def test_a_long_key_line_read_in_pieces() -> None:
    """The line reader sees a key line as a whole however its bytes arrive (a pipe's pieces)."""

    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            piece, self.data = self.data[:7], self.data[7:]
            buffer[: len(piece)] = piece
            return len(piece)

    line = LONG_KEY_LINES["indented"]
    stream = io.BufferedReader(Trickle(line + b"\nport 7\n" + b"k" * 1100), buffer_size=16)
    assert list(fgets_lines(stream)) == [
        (line[:1023], True),
        (b"port 7\n", False),
        (b"k" * 1023, False),
        (b"k" * 77, False),
    ]


#: Scripts whose key line a test of the first line's word alone would not see, and a quoted
#: secret that runs on over its line: ``S1 + S2`` is the secret.
S1, S2 = "Q0xBU1NJ", "RklFRA=="
ODD_KEY_LINES = {
    "byte order mark": f"\ufeffkey k {S1}{S2}\n",
    "byte order mark, CRLF": f"\ufeffkey k {S1}{S2}\r\n",
    "NUL before": f"\0key k {S1}{S2}\n",
    "no-break space before": f"\u00a0key k {S1}{S2}\n",
    "word before": f"frob key k {S1}{S2}\n",
    "trailing dot": f"key a.b. {S1}{S2}\n",
    "trailing dot, spaced padding": f"key a.b. {S1}{S2[:-2]} ==\n",
    "quoted over two lines": f'key k "{S1}\n{S2}"\n',
    "quoted over three lines": f'key k "{S1}\n{S2[:4]}\n{S2[4:]}"\n',
    "set key": f'set key = "{S1}{S2}"\n',
    "bad escape after key": f'frob key k "{S1}\\xZZ{S2}"\n',
    "commented out": f"# key k {S1}{S2}\n",
    "long, NUL before": "\0key k " + "A" * 1010 + S1 + S2 + "\n",
}


@pytest.mark.parametrize("text", ODD_KEY_LINES.values(), ids=ODD_KEY_LINES.keys())
@pytest.mark.parametrize("option", ["--json", "--timeout"])
def test_no_byte_of_a_secret_whatever_the_script(text: str, option: str) -> None:
    """No piece of a secret reaches stdout, stderr or ``--json``, wherever the word ``key``
    stands on its line and however the secret is split; the next line runs as usual."""
    script = (text + "port 7\n").encode("utf-8", "surrogateescape")
    arguments = ["shell", option, *(["10"] if option == "--timeout" else [])]
    result = run_dhcpctl(arguments, script)
    shown = (result.stdout + result.stderr).decode("utf-8", "replace")
    pieces = {piece[i : i + 4] for piece in (S1, S2) for i in range(len(piece) - 3)}
    assert sorted(piece for piece in pieces if piece in shown) == [], shown
    if option == "--json":
        records = [json.loads(line) for line in result.stdout.splitlines()]
        assert records[-1]["command"] == "port 7" and records[-1]["ok"]


#: A secret with conflex's separators in it (``+``, ``/``, ``=``: each splits a token).
SPLIT_SECRET = "Q2mZ7vT1pL0aRcYe5Hn8+JsGk3Mx/NoBpWiEu9Kx/w=="
#: Spellings of a key line omshell takes or refuses: ``@`` stands for :data:`SPLIT_SECRET`.
KEY_LINE_SPELLINGS = {
    "key NAME SECRET": "key k @",
    "any case": "KeY k @",
    "set key SECRET": "set key @",
    "set key = SECRET": "set key = @",
    "set key=SECRET": "set key=@",
    "set key quoted": 'SET KEY = "@"',
    "set quoted key": 'set "Key" = "@"',
    "no name": "key @",
    "quoted name": 'key "k" @',
    "quoted secret": 'key k "@"',
    "name=SECRET": "key k=@",
    "name.SECRET": "key a.b.@",
    "odd whitespace": "\t key\vk\f @ \r",
    "spaced pieces": "key k " + " ".join(SPLIT_SECRET),
    "secret on the next line": "key k\n@",
    "secret after a blank line": "key k\n\n  @",
    "set key, value on the next line": "set key\n= @",
    "quoted over lines": f'key k "{SPLIT_SECRET[:12]}\n{SPLIT_SECRET[12:]}"',
    "set key, quoted over lines": f'set key = "{SPLIT_SECRET[:12]}\n{SPLIT_SECRET[12:]}"',
    "word before": "frob key @",
    "byte order mark": "\ufeffkey k @",
    "comment": "# key @",
    "comment after": "key k @ # key",
}


@pytest.mark.parametrize("text", KEY_LINE_SPELLINGS.values(), ids=KEY_LINE_SPELLINGS.keys())
@pytest.mark.parametrize("option", ["--json", "--timeout"])
def test_no_piece_of_a_secret_in_any_spelling(text: str, option: str) -> None:
    """No 6 characters of a secret reach stdout, stderr or ``--json`` (its ``command``, its
    error), whatever the spelling of the key line: where a word may be the key's name or its
    secret, it is hidden. The next command runs as usual."""
    script = (text.replace("@", SPLIT_SECRET) + "\nport 7\n").encode()
    arguments = ["shell", option, *(["10"] if option == "--timeout" else [])]
    result = run_dhcpctl(arguments, script)
    assert _secret_pieces(result.stdout + result.stderr, SPLIT_SECRET) == []
    if option == "--json":
        records = [json.loads(line) for line in result.stdout.splitlines()]
        assert records[-1]["command"] == "port 7" and records[-1]["ok"]


def test_a_key_line_shows_what_precedes_its_secret() -> None:
    """A ``key NAME SECRET`` command is shown up to ``key NAME`` (the name as typed, up to a
    blank); any other line with the word ``key`` up to that word: the rest, and the lines a
    quoted secret runs on over, are hidden."""
    script = f'\0key a.b. {S1}{S2}\nkey a.b. {S1}{S2}\nkey k "{S1}\n{S2}"\nport 7\n'.encode()
    result = run_dhcpctl(["shell", "--json"], script)
    commands = [json.loads(line)["command"] for line in result.stdout.splitlines()]
    assert commands == [
        "\0key <secret hidden>",
        "key a.b. <secret hidden>",
        "key k <secret hidden>",
        "<secret hidden>",
        "port 7",
    ]


def test_a_byte_order_mark_is_refused_as_omshell_refuses_it() -> None:
    """omshell reads a UTF-8 byte order mark as three unknown bytes: so does the shell (stdout
    and stderr byte for byte); the line fails."""
    if find_omshell() is None:
        missing("omshell not found: apt-get install isc-dhcp-server")
    script = b"\xef\xbb\xbfport 7\nport 8\n"
    expected = run_omshell_script(script)
    assert b"unknown token" in expected.stderr
    ours = run_dhcpctl(["shell"], script)
    assert (ours.stdout, ours.stderr) == (expected.stdout, expected.stderr)
    assert ours.returncode == ExitCode.FAILED


#: Attribute names a hostile server may send, and how the shell's object print-out shows them:
#: control characters, format characters (a right-to-left override), line separators and bytes
#: that are not UTF-8 escaped as ``dhcpctl``'s other output does (dhcpctl/cli/_printable.py),
#: everything else (UTF-8, a backslash) as sent.
HOSTILE_NAMES = {
    b"\x1b]0;attr\x07": b"\\x1b]0;attr\\x07",
    b"tab\there\x7f": b"tab\\x09here\\x7f",
    b"c1 \xc2\x9b31m": b"c1 \\x9b31m",
    b"not utf-8 \xff": b"not utf-8 \\xff",
    b"caf\xc3\xa9 a\\b": b"caf\xc3\xa9 a\\b",
    "evil\u202egnp.exe\u2028\u200b".encode(): b"evil\\u202egnp.exe\\u2028\\u200b",
    b"hardware-address": b"hardware-address",
}


def hostile_names(sock: socket.socket) -> None:
    """A fake dhcpd (no key) whose every object has the names of :data:`HOSTILE_NAMES`."""
    handshake(sock, keyed=False)
    while True:
        request = recv_message(sock, None)
        values = tuple((name, b"\x01") for name in HOSTILE_NAMES)
        sock.sendall(reply(request, False, object_values=values))


def open_host_script(port: int) -> bytes:
    """Connect to 127.0.0.1:``port``, open a host."""
    return b"server 127.0.0.1\nport %d\nconnect\nnew host\nopen\n" % port


def test_a_server_s_names_reach_no_terminal_raw(
    fake_server: Callable[[Behaviour], int], backend_name: str
) -> None:
    """The object print-out shows a name from the server with its control and format characters
    and non-UTF-8 bytes escaped (omshell writes them raw: ``ESC ] 0 ;`` retitles a terminal)."""
    port = fake_server(hostile_names)
    arguments = ["shell", "--timeout", "10", "--backend", backend_name]
    result = run_dhcpctl(arguments, open_host_script(port))
    assert result.returncode == ExitCode.OK, result.stderr
    printout = result.stdout.rsplit(b"obj: host\n", 1)[1]
    assert printout.splitlines()[:-1] == [shown + b" = 01" for shown in HOSTILE_NAMES.values()]
    assert not set(result.stdout) & {*range(0x20), 0x7F} - {0x0A}


def test_json_has_a_server_s_names_exactly_and_in_ascii(
    fake_server: Callable[[Behaviour], int], backend_name: str
) -> None:
    """``--json`` holds the names as sent (a byte that is not UTF-8 as U+FFFD) and is printable
    ASCII: every control character JSON's escape, DEL too (``\\u007f``: ``ensure_ascii``), as
    the other commands' JSON."""
    port = fake_server(hostile_names)
    arguments = ["shell", "--json", "--timeout", "10", "--backend", backend_name]
    result = run_dhcpctl(arguments, open_host_script(port))
    assert result.returncode == ExitCode.OK, result.stderr
    assert all(0x20 <= byte < 0x7F for byte in result.stdout.replace(b"\n", b"")), result.stdout
    names = list(json.loads(result.stdout.splitlines()[-1])["object"]["values"])
    assert names == [name.decode("utf-8", "replace") for name in HOSTILE_NAMES]


@pytest.mark.parametrize("options", [[], ["--json"]], ids=["text", "json"])
def test_output_that_cannot_be_written_is_no_usage_error(options: list[str]) -> None:
    """A stdout that takes nothing (``> /dev/full``), or none at all (``>&-``): the command's own
    failure (1), one line on stderr, as for every other command; not bad usage (2), not a
    traceback."""
    with open("/dev/full", "wb") as full:
        result = run_dhcpctl(["shell", *options], b"port 7\n", stdout=full)
    assert result.returncode == ExitCode.FAILED
    no_space = b"cannot write the output: [Errno 28] No space left on device"
    assert result.stderr == b"dhcpctl: " + no_space + b"\n"
    closed = run_dhcpctl_without_stdout(["shell", *options], b"port 7\n")
    assert closed.returncode == ExitCode.FAILED
    assert closed.stderr == b"dhcpctl: cannot write the output: standard output is closed\n"


def test_a_name_the_terminal_cannot_write(fake_server: Callable[[Behaviour], int]) -> None:
    """On a terminal whose encoding lacks a name's character (``PYTHONIOENCODING=ascii``), the
    prompt's print-out writes it as a table does (``caf\\xe9``): no UnicodeEncodeError, exit 0."""
    port = fake_server(hostile_names)
    arguments = ["shell", "--timeout", "10"]
    env = {**clean_environment(), "PYTHONIOENCODING": "ascii"}
    with on_a_terminal(arguments, env) as (process, controller):
        os.write(controller, open_host_script(port))
        seen = read_until(controller, b"hardware-address = 01")
        if process.poll() is None:
            os.write(controller, b"\x04")  # end of input (Ctrl-D)
        assert process.wait(timeout=30) == ExitCode.OK, seen
    assert b"caf\\xe9 a\\b = 01" in seen
