"""What ``dhcpctl`` prints of what a server sent, whatever it sent: a fake server on 127.0.0.1
answers every request, both backends, the command in a child process as a user runs it.

dhcpd keeps whatever bytes a DHCP client sent in option 12 (``client-hostname``): not always
UTF-8. The command's output stays valid in its encoding (a strict UTF-8 stdout, as on an
``en_US.UTF-8`` desktop, simulated with ``PYTHONIOENCODING``).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Callable

from cli_helpers import clean_environment, run_dhcpctl
from fake_omapi import Behaviour, handshake, recv_message, reply

from dhcpctl.cli._exit import ExitCode
from dhcpctl.fallback.wire import Pair

LEASE = ("lease", "get", "--ip", "10.0.0.1")


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
        result = subprocess.run(
            [sys.executable, "-m", "dhcpctl", *arguments],
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
            env=clean_environment(),
        )
    assert result.returncode == ExitCode.FAILED
    no_space = b"cannot write the output: [Errno 28] No space left on device"
    assert result.stderr == b"dhcpctl: " + no_space + b"\n"
