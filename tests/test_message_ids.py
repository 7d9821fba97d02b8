"""Message ids differ from process to process, on both backends, so a signed reply recorded
once cannot be replayed to another process.

ISC's library draws a connection's first message id from libc's ``random()``
(``omapip/protocol.c`` omapi_protocol_send_intro), which nothing seeded: every process sent
the same ids (its first lease OPEN was always 1804289383, glibc's first ``random()``), and a
server without the key could answer a later process with a signed reply recorded earlier, its
rid and signature those of a real answer. Each client runs in a fresh interpreter.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
from collections.abc import Callable

from child_python import run_python
from fake_omapi import (
    AUTHID,
    KEY_ALGORITHM,
    KEY_NAME,
    KEY_SECRET,
    PATIENCE,
    Behaviour,
    handshake,
    recv_exactly,
    recv_message,
    reply,
)

from dhcpctl.fallback.wire import OP_UPDATE, Message, encode_intro, encode_message

#: The child: one lease lookup (argv: backend, port, how: "keyed", "plain", or "forked": plain,
#: by the process and by a child it forks after the import); prints the server's status and
#: the lease's client-hostname, or "refused" and the status of the error.
CHILD = f"""
import os, socket, sys
import dhcpctl

backend, port, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = dhcpctl.load_backend(backend)
keyed = how == "keyed"
key = ({KEY_NAME!r}, {KEY_ALGORITHM!r}, {KEY_SECRET!r})
auth = d.dhcpctl_new_authenticator(*key) if keyed else None
child = os.fork() if how == "forked" else None
if child:  # the parent looks up after the child
    os.waitpid(child, 0)
try:
    connection = d.dhcpctl_timed_connect("127.0.0.1", port, auth, {PATIENCE})
    lease = d.dhcpctl_new_object(connection, "lease")
    d.dhcpctl_set_value(lease, socket.inet_aton("192.0.2.1"), "ip-address")
    d.dhcpctl_open_object(lease, connection, 0)
    status = d.dhcpctl_timed_wait_for_completion(lease, {PATIENCE})
    print("answered", status, bytes(d.dhcpctl_get_value(lease, "client-hostname")).decode())
except dhcpctl.DhcpctlError as error:
    print("refused", error.status)
if child == 0:
    sys.stdout.flush()
    os._exit(0)
"""

#: The lease of the recorded answer.
LEASE = ((b"state", b"\0\0\0\2"), (b"client-hostname", b"recorded"))


def lookup(backend_name: str, port: int, how: str) -> str:
    """What a fresh client printed after its lease lookup on ``port`` (see :data:`CHILD`)."""
    run = run_python(["-c", CHILD, backend_name, str(port), how])
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def first_ids(fake_server: Callable[[Behaviour], int]) -> tuple[int, queue.Queue[int]]:
    """A fake server that answers a plain lease lookup; its port, and where it puts the id of
    each lookup."""
    ids: queue.Queue[int] = queue.Queue()

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        request = recv_message(sock, None)
        ids.put(request.id)
        sock.sendall(reply(request, False, object_values=LEASE))
        with contextlib.suppress(EOFError):
            recv_exactly(sock, 1)  # until the client closes

    return fake_server(behaviour), ids


def test_each_process_has_its_own_ids(
    backend_name: str, fake_server: Callable[[Behaviour], int]
) -> None:
    port, ids = first_ids(fake_server)
    for _ in range(2):
        assert lookup(backend_name, port, "plain") == "answered 0 recorded"
    first, second = ids.get_nowait(), ids.get_nowait()
    assert first != second, f"both processes sent their first lease OPEN as id {first}"


def test_a_forked_process_has_its_own_ids(
    backend_name: str, fake_server: Callable[[Behaviour], int]
) -> None:
    port, ids = first_ids(fake_server)
    assert lookup(backend_name, port, "forked") == "answered 0 recorded\nanswered 0 recorded"
    first, second = ids.get_nowait(), ids.get_nowait()
    assert first != second, f"parent and child sent their first lease OPEN as id {first}"


def test_a_recorded_signed_reply_is_refused_by_another_process(
    backend_name: str, fake_server: Callable[[Behaviour], int], released: threading.Event
) -> None:
    recorded: queue.Queue[bytes] = queue.Queue()

    def honest(sock: socket.socket) -> None:
        """Knows the key: answers the lookup with a signed reply, and records it."""
        handshake(sock, keyed=True)
        answer = reply(recv_message(sock), True, object_values=LEASE)
        recorded.put(answer)
        sock.sendall(answer)
        released.wait(PATIENCE)

    def replaying(sock: socket.socket) -> None:
        """Knows no key: accepts the authenticator unsigned, answers with the recording."""
        sock.sendall(encode_intro())
        recv_exactly(sock, 8)
        auth_open = recv_message(sock, None)
        accepted = Message(OP_UPDATE, AUTHID, 1, auth_open.id, 0, (), ((b"name", b"k"),))
        sock.sendall(encode_message(accepted))
        recv_message(sock, None)  # the signed lookup, its signature unchecked
        sock.sendall(recorded.get_nowait())
        released.wait(PATIENCE)

    assert lookup(backend_name, fake_server(honest), "keyed") == "answered 0 recorded"
    outcome = lookup(backend_name, fake_server(replaying), "keyed")
    assert outcome.startswith("refused"), outcome
