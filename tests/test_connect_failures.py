"""A connect that fails closes its socket, on both backends, whichever way it fails.

ISC's ``dhcpctl_timed_connect`` (``dhcpctl/dhcpctl.c``) only dereferences a connect that
failed: a socket it had opened stays open and registered with ISC's dispatcher, one descriptor
per attempt, and past ~1,020 of them every connect of the process fails (``ISC_R_RANGE``,
select()'s limit). The client runs in a child interpreter, so that its own descriptors are
counted (``/proc/self/fd``) apart from the fake servers' of this process.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable

import pytest
from child_python import run_python
from fake_omapi import (
    KEY_ALGORITHM,
    KEY_NAME,
    KEY_SECRET,
    PATIENCE,
    Behaviour,
    recv_exactly,
    recv_message,
)

from dhcpctl.fallback.wire import OP_STATUS, Message, encode_intro, encode_message

#: Failed connects per way of failing: one leaked descriptor each shows as this many.
ATTEMPTS = 12

#: The child: ``ATTEMPTS`` failed connects of one kind, then the descriptors before and after
#: and the error of each attempt, as JSON. argv: backend, port, how (see test_no_descriptor_left).
CHILD = f"""
import gc, json, os, signal, sys
import dhcpctl

backend, port, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = dhcpctl.load_backend(backend)
auth = None
if how in ("unanswered authenticator", "refused authenticator"):
    auth = d.dhcpctl_new_authenticator({KEY_NAME!r}, {KEY_ALGORITHM!r}, {KEY_SECRET!r})

def interrupt(signum, frame):
    raise KeyboardInterrupt

def attempt():
    if how == "typed":
        with dhcpctl.Client("127.0.0.1", port, timeout=0.2, backend=backend) as client:
            client.leases.get(ip="192.0.2.1")
    elif how == "interrupted":
        signal.setitimer(signal.ITIMER_REAL, 0.15)
        d.dhcpctl_timed_connect("127.0.0.1", port, None, {PATIENCE})
    else:
        d.dhcpctl_timed_connect("127.0.0.1", port, auth, 0.2)

signal.signal(signal.SIGALRM, interrupt)
before = len(os.listdir("/proc/self/fd"))
errors = []
for _ in range({ATTEMPTS}):
    try:
        attempt()
    except dhcpctl.DhcpctlError as error:
        errors.append(error.status)
    except KeyboardInterrupt:
        errors.append("KeyboardInterrupt")
    else:
        errors.append(None)
gc.collect()
print(json.dumps([before, len(os.listdir("/proc/self/fd")), errors]))
"""


def silent(sock: socket.socket) -> None:
    """Accepts, never sends its intro."""


def unanswered(sock: socket.socket) -> None:
    """Intro both ways, then never answers the authenticator OPEN."""
    sock.sendall(encode_intro())
    recv_exactly(sock, 8)


def refusing(sock: socket.socket) -> None:
    """Intro both ways, then refuses the authenticator OPEN (a STATUS of ISC_R_NOPERM, 38)."""
    unanswered(sock)
    auth_open = recv_message(sock, None)
    status = Message(OP_STATUS, 0, 1, auth_open.id, 0, ((b"result", 38),), ())
    sock.sendall(encode_message(status))


def garbled(sock: socket.socket) -> None:
    """An intro of another protocol version: a protocol error."""
    sock.sendall(b"\0\0\0\x63\0\0\0\x18")


#: Each way of failing, and what the fake server it meets does before it holds the connection
#: open until the test ends (None: a port that refuses).
SERVERS: dict[str, Behaviour | None] = {
    "silent": silent,
    "typed": silent,
    "interrupted": silent,
    "unanswered authenticator": unanswered,
    "refused authenticator": refusing,
    "garbled intro": garbled,
    "refused": None,
}


@pytest.mark.parametrize("how", list(SERVERS))
def test_no_descriptor_left(
    backend_name: str,
    how: str,
    fake_server: Callable[[Behaviour], int],
    released: threading.Event,
    closed_port: int,
) -> None:
    opening = SERVERS[how]

    def behaviour(sock: socket.socket) -> None:
        assert opening is not None
        opening(sock)
        released.wait(PATIENCE)

    port = closed_port if opening is None else fake_server(behaviour)
    run = run_python(["-c", CHILD, backend_name, str(port), how])
    assert run.returncode == 0, run.stderr
    before, after, errors = json.loads(run.stdout)
    assert None not in errors, errors  # every attempt failed
    assert after == before, (f"{before} -> {after} descriptors", errors, run.stderr)
