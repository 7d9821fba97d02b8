"""The hardening patches of ISC's library (``dhcpctl/isc_patches/``): one test per repro row N1-N8
of issue 8, and the load-time detection of a library without them.

Each native client runs in a child interpreter (a segfault, an abort or ISC's ``log_fatal`` exit
fails its test, not the run) against a fake server in this process on 127.0.0.1, built from the
pure-Python codec's encoders (``fallback/wire.py``); N3 also against the test bed's real dhcpd.
The child reports what its calls returned or raised as JSON; a server's misbehaviour must end in
a :class:`DhcpctlError` (or a wait that goes on), never in a crash or a completed request.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import textwrap
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from child_python import run_python
from conftest import backend_or_skip, busy_poll_source
from fake_omapi import (
    AUTHID,
    KEY,
    KEY_ALGORITHM,
    KEY_NAME,
    KEY_SECRET,
    Behaviour,
    recv_exactly,
    recv_message,
)
from test_codec_fakeserver import handshake

import dhcpctl
from build_ffi import load_by_path
from dhcpctl import _busy_poll
from dhcpctl._results import (
    DHCP_R_INVALIDKEY,
    ISC_R_SUCCESS,
    ISC_R_TIMEDOUT,
)
from dhcpctl.fallback.wire import (
    MAX_HEADER_SIZE,
    MAX_VALUE_LEN,
    MAX_VALUES,
    OP_NOTIFY,
    OP_OPEN,
    OP_REFRESH,
    OP_STATUS,
    OP_UPDATE,
    Message,
    encode_intro,
    encode_message,
)
from testbed.pytest_plugin import ServerFactory
from testbed.server import make_key

ROOT = Path(__file__).resolve().parent.parent
FakeServer = Callable[[Behaviour], int]

#: All of it is the native backend: rerun by .ci/run in ABI mode too.
pytestmark = pytest.mark.native

CHILD_PRELUDE = f"""
import json, os, socket
from dhcpctl import _native as n

PORT = int(os.environ["HARDENING_FAKE_PORT"])

def connect(keyed, timeout=5.0):
    auth = None
    if keyed:
        auth = n.dhcpctl_new_authenticator({KEY_NAME!r}, {KEY_ALGORITHM!r}, {KEY_SECRET!r})
    return n.dhcpctl_timed_connect("127.0.0.1", PORT, auth, timeout)

def open_lease(connection, ip="192.0.2.1"):
    lease = n.dhcpctl_new_object(connection, "lease")
    n.dhcpctl_set_value(lease, socket.inet_aton(ip), "ip-address")
    n.dhcpctl_open_object(lease, connection, 0)
    return lease

def outcome(call, *args):
    try:
        return ["returned", call(*args)]
    except n.DhcpctlError as error:
        return ["raised", error.status]
"""


@pytest.fixture
def serve(fake_server: FakeServer) -> FakeServer:
    """``serve(behaviour)``: a fake server on 127.0.0.1 running ``behaviour`` per connection;
    its port."""
    return fake_server


@pytest.fixture(autouse=True)
def native() -> None:
    """Skip without the native backend (fail instead with DHCPCTL_REQUIRE_NATIVE=1)."""
    backend_or_skip("native")


def run_native(code: str, port: int, *, address_space: int | None = None) -> Any:
    """Run ``code`` after CHILD_PRELUDE in a fresh interpreter; it sets ``result``, which comes
    back decoded from JSON. The child must exit 0. ``address_space``: RLIMIT_AS in bytes on
    top of what the child uses once it has imported the backend."""
    limit = ""
    if address_space is not None:
        limit = (
            "import resource\n"
            "_used = int(open('/proc/self/statm').read().split()[0]) * resource.getpagesize()\n"
            f"resource.setrlimit(resource.RLIMIT_AS, (_used + {address_space},) * 2)\n"
        )
    script = f"{CHILD_PRELUDE}{limit}{textwrap.dedent(code)}\nprint('RESULT', json.dumps(result))\n"
    run = run_python(["-c", script], HARDENING_FAKE_PORT=str(port))
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert run.returncode == 0 and lines, (
        f"exit {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    )
    return json.loads(lines[-1].removeprefix("RESULT "))


def reply_to(request: Message, op: int, *, authid: int = 0, **lists: Any) -> bytes:
    """An unsigned reply to ``request`` (handle 9, id 100, as in the repro rows)."""
    message = Message(
        op, 9, 100, request.id, authid, lists.get("message", ()), lists.get("obj", ())
    )
    return encode_message(message)


def serve_unkeyed(then: Callable[[socket.socket, Message], None]) -> Behaviour:
    """Intro both ways, read the client's request, then ``then(sock, request)``."""

    def behaviour(sock: socket.socket) -> None:
        sock.sendall(encode_intro())
        recv_exactly(sock, 8)
        then(sock, recv_message(sock))
        sock.recv(1)  # until the client closes

    return behaviour


def open_and_wait(keyed: bool = False, timeout: float = 5.0) -> str:
    """Child code: connect, open a lease, wait for the reply; the wait's outcome."""
    return f"""
connection = connect(keyed={keyed})
lease = open_lease(connection)
result = outcome(n.dhcpctl_timed_wait_for_completion, lease, {timeout})
"""


# N1: a zero-length (NULL) value where the message list needs a typed one.
@pytest.mark.parametrize(
    "name", [b"op", b"object", b"notify-object", b"authid", b"handle", b"id", b"rid"]
)
def test_n1_null_typed_message_value(serve: FakeServer, name: bytes) -> None:
    def then(sock: socket.socket, request: Message) -> None:
        sock.sendall(reply_to(request, OP_STATUS, message=((name, None),)))

    result = run_native(open_and_wait(), serve(serve_unkeyed(then)))
    assert result == ["raised", dhcpctl.DHCP_R_CONNRESET]


def test_n1_null_value_while_connecting(serve: FakeServer) -> None:
    """Values are applied before any signature check: the authenticator's answer too."""

    def behaviour(sock: socket.socket) -> None:
        sock.sendall(encode_intro())
        recv_exactly(sock, 8)
        auth_open = recv_message(sock)
        sock.sendall(reply_to(auth_open, OP_UPDATE, message=((b"op", None),)))
        sock.recv(1)

    result = run_native("result = outcome(connect, True)", serve(behaviour))
    assert result == ["raised", dhcpctl.ISC_R_NOMORE]  # C's status for a connect cut short


# N2: the remote-handle of a reply's object NULL or not 4 bytes.
@pytest.mark.parametrize("handle", [None, b"\0\0\1", b"\0\0\0\0\1"])
def test_n2_bad_remote_handle(serve: FakeServer, handle: bytes | None) -> None:
    def then(sock: socket.socket, request: Message) -> None:
        sock.sendall(reply_to(request, OP_UPDATE, obj=((b"remote-handle", handle),)))

    result = run_native(open_and_wait(), serve(serve_unkeyed(then)))
    assert result == ["raised", dhcpctl.DHCP_R_CONNRESET]


# N3: a signed write (or read) split over two 4 KB buffers.
def bursts_then_reply(serve: FakeServer, bursts: list[list[bytes]]) -> list[Message]:
    """On a keyed connection, send each burst after the client's request and read one signed
    answer per message of it (``recv_message`` checks each signature) before the next, then
    reply to the request: the client's wait must complete. The answers."""
    answers: queue.Queue[Message] = queue.Queue()

    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        request = recv_message(sock)
        for burst in bursts:
            sock.sendall(b"".join(burst))
            for _ in burst:
                answers.put(recv_message(sock))
        reply = Message(OP_UPDATE, 9, 100, request.id, AUTHID, (), ((b"ends", b"\0\0\0\1"),))
        sock.sendall(encode_message(reply, KEY))
        sock.recv(1)

    assert run_native(open_and_wait(keyed=True, timeout=10.0), serve(behaviour)) == [
        "returned",
        ISC_R_SUCCESS,
    ]
    return [answers.get(timeout=1) for burst in bursts for _ in burst]


def test_n3_signed_answers_across_buffers(serve: FakeServer) -> None:
    """84 unsigned NOTIFYs: each gets a signed STATUS (DHCP_R_NOKEYS), ~4 KB of them."""
    statuses = bursts_then_reply(serve, [[encode_message(Message(OP_NOTIFY, 0, 5, 0))] * 84])
    assert {(m.op, m.authid, m.rid) for m in statuses} == {(OP_STATUS, AUTHID, 5)}


def signed_notify(size: int) -> bytes:
    """A NOTIFY signed with the authenticator, ``size`` bytes long (its value pads it)."""
    empty = len(encode_message(Message(OP_NOTIFY, 0, 1, 0, AUTHID, ((b"p", b""),)), KEY))
    message = Message(OP_NOTIFY, 0, 1, 0, AUTHID, ((b"p", b"x" * (size - empty)),))
    return encode_message(message, KEY)


def test_n3_signed_messages_read_across_buffers(serve: FakeServer) -> None:
    """The reading side: a signed message whose first signed field (authlen) straddles the
    end of a 4 KB input buffer, for each offset around it (a fresh buffer holds 4,047 bytes,
    a ring wraps at 4,048)."""
    bursts = [[signed_notify(start), signed_notify(100)] for start in range(4030, 4050)]
    statuses = bursts_then_reply(serve, bursts)
    # Each NOTIFY verified (else DHCP_R_INVALIDKEY) and answered "not implemented".
    results = {m.message_value(b"result") for m in statuses}
    assert results == {dhcpctl.ISC_R_NOTIMPLEMENTED.to_bytes(4, "big")}


@pytest.mark.server
@pytest.mark.netns
def test_n3_many_keyed_opens_queued_on_dhcpd(dhcpd_factory: ServerFactory) -> None:
    """A real dhcpd: 300 keyed opens queued before the first wait (C 4.4.3-P1 aborts the
    client at about 204). The test bed's dhcpd 4.4.3-P1 has the same bug in its own libomapi
    and aborts at about 50 of them: the client survives and every wait ends, answered or
    with DHCP_R_CONNRESET."""
    server = dhcpd_factory.start(make_key())
    endpoint = server.endpoint
    key = endpoint.key
    assert key is not None
    code = f"""
    auth = n.dhcpctl_new_authenticator({key.name!r}, {key.algorithm!r}, {key.secret!r})
    connection = n.dhcpctl_timed_connect({endpoint.address!r}, {endpoint.port}, auth, 10.0)
    leases = [open_lease(connection, "198.18.254.%d" % (i % 250 + 1)) for i in range(300)]
    result = [outcome(n.dhcpctl_timed_wait_for_completion, lease, 20.0) for lease in leases]
    """
    outcomes = run_native(code, 0)
    assert len(outcomes) == 300
    answered = {status for how, status in outcomes if how == "returned"}
    assert answered <= {ISC_R_SUCCESS, dhcpctl.ISC_R_NOTFOUND}
    failed = {status for how, status in outcomes if how == "raised"}
    assert failed <= {dhcpctl.DHCP_R_CONNRESET, dhcpctl.DHCP_R_INVALIDARG}


# N4: our authid, authlen 0, no signature.
def test_n4_unsigned_reply_with_our_authid(serve: FakeServer) -> None:
    answers: queue.Queue[Message] = queue.Queue()

    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        request = recv_message(sock)
        values = ((b"state", b"\0\0\0\2"), (b"hacked", b"x"))
        sock.sendall(reply_to(request, OP_UPDATE, authid=AUTHID, obj=values))
        answers.put(recv_message(sock))
        sock.recv(1)

    assert run_native(open_and_wait(keyed=True, timeout=1.5), serve(behaviour)) == [
        "raised",
        ISC_R_TIMEDOUT,
    ]
    status = answers.get(timeout=1)  # signed, as protocol.c answers a bad signature
    assert (status.op, status.authid, status.rid) == (OP_STATUS, AUTHID, 100)
    assert status.message_value(b"result") == DHCP_R_INVALIDKEY.to_bytes(4, "big")


# N5: the authenticator's OPEN answered by anything but an UPDATE with a nonzero handle.
@pytest.mark.parametrize(
    "answer",
    [
        Message(OP_UPDATE, 0, 1, 0, 0, (), ((b"name", b"k"),)),
        Message(OP_STATUS, 0, 1, 0, 0, ((b"result", ISC_R_SUCCESS),)),
        Message(OP_UPDATE, AUTHID, 1, 0, AUTHID, (), ((b"name", b"k"),)),
    ],
    ids=["update-handle-0", "status-success", "signed-unknown-authid"],
)
def test_n5_no_downgrade_to_unsigned(serve: FakeServer, answer: Message) -> None:
    def behaviour(sock: socket.socket) -> None:
        sock.sendall(encode_intro())
        recv_exactly(sock, 8)
        auth_open = recv_message(sock)
        key = KEY if answer.authid else None  # no authenticator is known to the client yet
        sock.sendall(encode_message(answer._replace(rid=auth_open.id), key))
        request = recv_message(sock)  # an unsigned request here means the downgrade happened
        sock.sendall(reply_to(request, OP_UPDATE, obj=((b"ends", b"\0\0\0\1"),)))
        sock.recv(1)

    code = """
    try:
        connection = connect(keyed=True)
    except n.DhcpctlError as error:
        result = ["connect raised", error.status]
    else:
        lease = open_lease(connection)
        result = outcome(n.dhcpctl_timed_wait_for_completion, lease, 2.0)
    """
    result = run_native(code, serve(behaviour))
    assert result[0] == "connect raised", result


# N6: a reply completes only the request it answers, with an op that may answer it.
def test_n6_failed_update_ends_its_request(serve: FakeServer) -> None:
    """A failed UPDATE for request 1, then another UPDATE for request 1 while request 2 (a
    refresh of the same object) waits: request 2 must not complete with request 1's values."""

    def then(sock: socket.socket, request: Message) -> None:
        sock.sendall(reply_to(request, OP_UPDATE, obj=((b"remote-handle", b"\0\0\1"),)))
        recv_message(sock)  # the refresh: only if the connection survived
        sock.sendall(reply_to(request, OP_UPDATE, obj=((b"state", b"stale"),)))

    code = """
    connection = connect(keyed=False)
    lease = open_lease(connection)
    first = outcome(n.dhcpctl_timed_wait_for_completion, lease, 5.0)
    try:
        n.dhcpctl_object_refresh(connection, lease)
    except n.DhcpctlError as error:
        second = ["refresh raised", error.status]
    else:
        second = outcome(n.dhcpctl_timed_wait_for_completion, lease, 2.0)
    state = outcome(lambda: bytes(n.dhcpctl_get_value(lease, "state")).decode())
    result = [first, second, state]
    """
    first, second, state = run_native(code, serve(serve_unkeyed(then)))
    assert first == ["raised", dhcpctl.DHCP_R_CONNRESET]
    assert second[0] == "refresh raised" or second[0] == "raised", second
    assert state != ["returned", "stale"]


def test_n6_reply_on_another_connection(serve: FakeServer) -> None:
    """A rid answers only a request sent on the same connection."""
    first_request: queue.Queue[int] = queue.Queue()
    connections = iter(("A", "B"))
    lock = threading.Lock()

    def behaviour(sock: socket.socket) -> None:
        with lock:
            which = next(connections)
        sock.sendall(encode_intro())
        recv_exactly(sock, 8)
        request = recv_message(sock)
        if which == "A":
            first_request.put(request.id)
        else:
            foreign = request._replace(id=first_request.get(timeout=5))
            sock.sendall(reply_to(foreign, OP_UPDATE, obj=((b"state", b"foreign"),)))
        sock.recv(1)

    code = """
    a = connect(keyed=False)
    lease_a = open_lease(a)
    b = connect(keyed=False)
    lease_b = open_lease(b, "192.0.2.2")
    result = outcome(n.dhcpctl_timed_wait_for_completion, lease_a, 1.5)
    """
    assert run_native(code, serve(behaviour)) == ["raised", ISC_R_TIMEDOUT]


def test_n6_update_without_rid(serve: FakeServer) -> None:
    """UPDATEs that answer no request, naming each of the first 32 object handles (omapi hands
    them out in order), neither update the lease nor complete its wait: libdhcpctl never gives
    its objects handles, so each is answered "not found" (C as is) and the wait goes on."""
    answers: queue.Queue[Message] = queue.Queue()
    handles = range(1, 33)

    def then(sock: socket.socket, request: Message) -> None:
        values = ((b"state", b"forged"),)
        sock.sendall(
            b"".join(encode_message(Message(OP_UPDATE, h, h, 0, 0, (), values)) for h in handles)
        )
        for _ in handles:
            answers.put(recv_message(sock))

    state = "outcome(lambda: bytes(n.dhcpctl_get_value(lease, 'state')).decode())"
    code = open_and_wait(timeout=1.5) + f"result = [result, {state}]"
    wait, state = run_native(code, serve(serve_unkeyed(then)))
    assert wait == ["raised", ISC_R_TIMEDOUT]
    assert state != ["returned", "forged"]
    statuses = [answers.get(timeout=1) for _ in handles]
    assert {status.op for status in statuses} == {OP_STATUS}
    results = {status.message_value(b"result") for status in statuses}
    assert results == {dhcpctl.ISC_R_NOTFOUND.to_bytes(4, "big")}


@pytest.mark.parametrize("op", [OP_OPEN, OP_REFRESH, OP_NOTIFY, 6, 0, 99])
def test_n6_op_that_cannot_answer(serve: FakeServer, op: int) -> None:
    def then(sock: socket.socket, request: Message) -> None:
        sock.sendall(reply_to(request, op, obj=((b"state", b"\0\0\0\2"),)))

    result = run_native(open_and_wait(), serve(serve_unkeyed(then)))
    assert result == ["raised", dhcpctl.DHCP_R_CONNRESET]


# N7: lengths that would allocate gigabytes; ISC exits the process after 10 failed allocations.
def test_n7_huge_value_length_under_address_space_limit(serve: FakeServer) -> None:
    def then(sock: socket.socket, request: Message) -> None:
        header = encode_message(Message(OP_STATUS, 0, 100, request.id))[:24]
        sock.sendall(header + b"\0\x06result" + (0xFFFFFFF0).to_bytes(4, "big") + b"A" * 4096)

    code = """
    result = []
    for _ in range(12):
        connection = connect(keyed=False)
        result.append(outcome(n.dhcpctl_timed_wait_for_completion, open_lease(connection), 5.0))
    """
    port = serve(serve_unkeyed(then))
    outcomes = run_native(code, port, address_space=512 << 20)
    assert outcomes == [["raised", dhcpctl.DHCP_R_CONNRESET]] * 12


# N8: what a server announces may not make the client buffer without end.
def test_n8_huge_header_size_in_intro(serve: FakeServer) -> None:
    def behaviour(sock: socket.socket) -> None:
        sock.sendall((100).to_bytes(4, "big") + (0xFFFFFFF0).to_bytes(4, "big"))
        recv_exactly(sock, 8)
        with contextlib.suppress(OSError):
            while True:
                sock.sendall(b"\0" * 65536)

    code = 'result = outcome(lambda: connect(False, 3.0) and "connected")'
    result = run_native(code, serve(behaviour), address_space=512 << 20)
    assert result[0] == "raised" and result[1] != ISC_R_TIMEDOUT, result


def test_n8_huge_authlen(serve: FakeServer) -> None:
    def then(sock: socket.socket, request: Message) -> None:
        header = bytearray(encode_message(Message(OP_STATUS, 0, 100, request.id))[:24])
        header[4:8] = (0xFFFFFFFF).to_bytes(4, "big")
        sock.sendall(bytes(header) + b"\0\0\0\0")
        with contextlib.suppress(OSError):
            while True:
                sock.sendall(b"\0" * 65536)

    result = run_native(open_and_wait(), serve(serve_unkeyed(then)), address_space=512 << 20)
    assert result == ["raised", dhcpctl.DHCP_R_CONNRESET]


def _pairs(count: int, value: bytes = b"v") -> tuple[tuple[bytes, bytes], ...]:
    return tuple((b"n%d" % i, value) for i in range(count))


@pytest.mark.parametrize(
    ("values", "accepted"),
    [
        (((b"big", b"x" * MAX_VALUE_LEN),), True),
        (((b"big", b"x" * (MAX_VALUE_LEN + 1)),), False),
        (((b"n" * 1024, b"x"),), True),
        (((b"n" * 1025, b"x"),), False),
        (_pairs(MAX_VALUES), True),
        (_pairs(MAX_VALUES + 1), False),
        (_pairs(15, b"x" * MAX_VALUE_LEN), True),
        (_pairs(16, b"x" * MAX_VALUE_LEN), False),  # over 1 MiB with the names and lengths
    ],
    ids=[
        "value-64K",
        "value-64K+1",
        "name-1024",
        "name-1025",
        "pairs-1024",
        "pairs-1025",
        "message-under-1M",
        "message-over-1M",
    ],
)
def test_n8_limits(
    serve: FakeServer, values: tuple[tuple[bytes, bytes], ...], accepted: bool
) -> None:
    def then(sock: socket.socket, request: Message) -> None:
        sock.sendall(reply_to(request, OP_UPDATE, obj=values))

    result = run_native(open_and_wait(), serve(serve_unkeyed(then)), address_space=512 << 20)
    assert result == (
        ["returned", ISC_R_SUCCESS] if accepted else ["raised", dhcpctl.DHCP_R_CONNRESET]
    )


@pytest.mark.parametrize(
    ("size", "accepted"), [(MAX_HEADER_SIZE, True), (MAX_HEADER_SIZE + 1, False)]
)
def test_n8_header_size_limit(serve: FakeServer, size: int, accepted: bool) -> None:
    """The largest header size accepted connects (its extra bytes would be skipped); one more
    fails the connect at once."""

    def behaviour(sock: socket.socket) -> None:
        sock.sendall((100).to_bytes(4, "big") + size.to_bytes(4, "big"))
        recv_exactly(sock, 8)
        sock.recv(1)

    code = """
    try:
        connect(False, 3.0)
        result = ["connected"]
    except n.DhcpctlError as error:
        result = ["raised", error.status]
    """
    result = run_native(code, serve(behaviour))
    if accepted:
        assert result == ["connected"]
    else:
        assert result[0] == "raised" and result[1] != ISC_R_TIMEDOUT, result


def test_output_bounded_while_server_floods_without_reading(serve: FakeServer) -> None:
    """Unsigned NOTIFYs on a keyed connection each owe a signed STATUS; the server never reads
    them. The client drops the connection once 1 MiB of answers is pending."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock)
        recv_message(sock)
        notify = encode_message(Message(OP_NOTIFY, 0, 5, 0)) * 1024
        with contextlib.suppress(OSError):
            while True:
                sock.sendall(notify)

    code = """
    connection = connect(keyed=True)
    result = outcome(n.dhcpctl_timed_wait_for_completion, open_lease(connection), 30.0)
    """
    result = run_native(code, serve(behaviour), address_space=512 << 20)
    assert result == ["raised", dhcpctl.DHCP_R_CONNRESET]


# Detection: the loader tells a library with the patches from one without. The libraries are
# copies of the real (hardened) shared ISC libraries, so that everything else the import checks
# (version, layout) holds; in the copy of libdhcpctl the marker is edited in place (same length,
# the ELF stays valid): its symbol renamed ("none": the lookup finds nothing), or the version in
# its text lowered ("old").
MARKER_EDITS = {
    "none": (b"dhcpctl_omapi_hardening", b"dhcpctl_omapi_hardeninX"),
    "old": (b"dhcpctl-omapi-hardening/1 ", b"dhcpctl-omapi-hardening/0 "),
    "current": (b"", b""),
}


def copied_library(prefix: Path, marker: str) -> Path:
    """The real shared ISC libraries copied to ``prefix/lib`` for ABI mode, libdhcpctl's marker
    edited as ``MARKER_EDITS[marker]`` says; returns the copy of ``libdhcpctl.so.0``."""
    installation = load_by_path("_isc_locate", ROOT / "dhcpctl" / "_isc_locate.py").locate(
        purpose="dlopen"
    )
    source = Path(installation.dlopen_order[-1]).parent
    lib = prefix / "lib"
    lib.mkdir(parents=True)
    for path in source.glob("lib*.so.*"):
        data = path.read_bytes()  # follows the links: each name gets the library itself
        if path.name.startswith("libdhcpctl.so"):
            before, after = MARKER_EDITS[marker]
            assert not before or data.count(before) >= 1, f"no {before!r} in {path}"
            data = data.replace(before, after) if before else data
        (lib / path.name).write_bytes(data)
    return lib / "libdhcpctl.so.0"


def import_in_child(prefix: Path, policy: str) -> dict[str, Any]:
    """``import dhcpctl`` in ABI mode on the library in ``prefix``, under ``policy``."""
    code = """
    import json, warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import dhcpctl
        from dhcpctl import _native
    print(json.dumps({
        "backend": dhcpctl.BACKEND, "reason": dhcpctl.BACKEND_REASON,
        "hardened": _native.HARDENED, "marker": _native.HARDENING, "library": _native.LIBRARY,
        "warnings": [(w.category.__name__, str(w.message)) for w in caught],
    }))
    """
    run = run_python(
        ["-c", textwrap.dedent(code)],
        DHCPCTL_NATIVE_MODE="abi",
        DHCPCTL_ISC_PREFIX=str(prefix),
        DHCPCTL_BACKEND=policy,
    )
    assert run.returncode == 0, run.stderr
    loaded: dict[str, Any] = json.loads(run.stdout)
    return loaded


@pytest.mark.parametrize("marker", ["none", "old"])
def test_auto_refuses_a_library_without_the_fixes(tmp_path: Path, marker: str) -> None:
    library = copied_library(tmp_path, marker)
    auto = import_in_child(tmp_path, "auto")
    assert (auto["backend"], auto["hardened"], auto["warnings"]) == ("python", False, [])
    if marker == "none":
        assert auto["marker"] is None
    else:
        assert auto["marker"].startswith("dhcpctl-omapi-hardening/0 (")
    assert str(library) in auto["library"]
    assert str(library) in auto["reason"] and "hardening patches" in auto["reason"]
    forced = import_in_child(tmp_path, "native")
    assert forced["backend"] == "native"
    [(category, message)] = forced["warnings"]
    assert category == "UnhardenedLibraryWarning"
    assert "crash" in message and "signature" in message and str(library) in message
    assert "warning" in forced["reason"]


def test_auto_takes_a_library_with_the_fixes(tmp_path: Path) -> None:
    copied_library(tmp_path, "current")
    auto = import_in_child(tmp_path, "auto")
    assert (auto["backend"], auto["hardened"], auto["warnings"]) == ("native", True, [])
    assert auto["marker"].startswith("dhcpctl-omapi-hardening/1 (")
    assert "hardened" in auto["reason"]


def test_the_library_under_test_is_hardened() -> None:
    """The library this run tests (built by dhcpctl/build_isc.py) carries the patches."""
    native = backend_or_skip("native")
    assert getattr(native, "HARDENED", False), getattr(native, "LIBRARY", None)
    assert str(getattr(native, "HARDENING", "")).startswith("dhcpctl-omapi-hardening/")


def test_info_command() -> None:
    run = run_python(["-m", "dhcpctl", "info"])
    assert run.returncode == 0, run.stderr
    backend_or_skip("native")
    with warnings.catch_warnings():  # an unhardened library: the test above fails already
        warnings.simplefilter("ignore")
        from dhcpctl import _native
    lines = run.stdout.splitlines()
    polled = round(_busy_poll.LIMIT * 1e6)  # the child reads the same DHCPCTL_BUSY_POLL
    assert lines[0] == f"backend: {dhcpctl.BACKEND}"
    assert lines[1] == f"reason: {dhcpctl.BACKEND_REASON}"
    assert lines[2:] == [
        f"native mode: {_native.MODE}",
        f"ISC library: {_native.LIBRARY}",
        f"ISC version: {_native.VERSION}",
        f"hardened: {'yes' if _native.HARDENED else 'no'} "
        f"({_native.HARDENING or 'no dhcpctl_omapi_hardening marker'})",
        f"busy poll: {f'{polled} us' if polled else 'never'} ({busy_poll_source()})",
    ]
