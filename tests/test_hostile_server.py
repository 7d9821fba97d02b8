"""Hostile and broken servers against both backends (issue 8): one test per kind of the repro
table (N1-N8, P1-P5), each client in a child process (:mod:`hostile_client`), so a crash, an
abort or a hang fails its test and names its cause instead of taking pytest down.

The fakes (:mod:`fake_omapi`) speak real OMAPI and then misbehave. What both backends must do
is the contract of ``dhcpctl/_api.py`` ("Hostile servers"): the pure-Python backend's statuses
are checked exactly; for the native backend, where the status is whatever ISC's library
returns once it has dropped the connection, a failure must be a DhcpctlError that is not a
success or a timeout. Every timed call must return within its timeout plus
``TIMEOUT_SLACK``; the memory rows run the child under ``RLIMIT_AS`` and check how much its
peak resident size grew.
"""

from __future__ import annotations

import queue
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fake_omapi import (
    AUTHID,
    KEY,
    PATIENCE,
    Behaviour,
    handshake,
    recv_exactly,
    recv_message,
    reply,
)
from hostile_client import (
    ADDRESS_SPACE_MIB,
    RETAINED_KIB,
    RSS_GROWTH_KIB,
    ClientDied,
    ClientProcess,
    Result,
)

import dhcpctl
from dhcpctl._api import Backend
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_INVALIDKEY,
    DHCP_R_KEY_UNKNOWN,
    DHCP_R_NOKEYS,
    DHCP_R_PROTOCOLERROR,
    DHCP_R_VERSIONMISMATCH,
    ISC_R_NOMORE,
    ISC_R_NOSPACE,
    ISC_R_NOTFOUND,
    ISC_R_RANGE,
    ISC_R_SUCCESS,
    ISC_R_TIMEDOUT,
    ISC_R_UNEXPECTED,
)
from dhcpctl.fallback.protocol import ClientProtocol
from dhcpctl.fallback.transport import TIMEOUT_SLACK, Link, LinkError
from dhcpctl.fallback.wire import (
    MAX_UNSENT,
    OP_DELETE,
    OP_NOTIFY,
    OP_OPEN,
    OP_REFRESH,
    OP_STATUS,
    OP_UPDATE,
    Message,
    encode_message,
)
from testbed import dataset
from testbed.server import Endpoint

#: The timeout of the client's calls where a timeout is the expected end (seconds).
WAIT = 1.0
#: How long a job may run before its child counts as hung (seconds).
JOB_LIMIT = 30.0

WAIT_FUNCTION = "dhcpctl_timed_wait_for_completion"
CONNECT_FUNCTION = "dhcpctl_timed_connect"
UNTIMED_WAIT_FUNCTION = "dhcpctl_wait_for_completion"
#: What ISC's (patched) library returns once it has dropped a connection that broke the
#: protocol: it does not say why (dhcpctl/_api.py).
#: A wait: DHCP_R_CONNRESET; a connect: ISC_R_NOMORE, or DHCP_R_PROTOCOLERROR for an
#: authenticator "accepted" by a STATUS (0004-authenticator-handle).
NATIVE_DROPPED = {
    WAIT_FUNCTION: {DHCP_R_CONNRESET},
    UNTIMED_WAIT_FUNCTION: {DHCP_R_CONNRESET},
    CONNECT_FUNCTION: {ISC_R_NOMORE, DHCP_R_PROTOCOLERROR},
}


#: ``client(behaviour, address_space_mib=None, repeat=1, **job)``, see :func:`client`.
Client = Callable[..., list[Result]]


@pytest.fixture
def client(backend_name: str, fake_server: Callable[[Behaviour], int]) -> Iterator[Client]:
    """``client(behaviour, address_space_mib=None, repeat=1, **job)``: start a fake with
    ``behaviour``, run the job ``repeat`` times in one child client of the backend under test
    (its address space capped if asked) and return the results (a dead child fails the
    test)."""
    processes: list[ClientProcess] = []

    def run(
        behaviour: Behaviour, address_space_mib: int | None = None, repeat: int = 1, **job: Any
    ) -> list[Result]:
        job.setdefault("timeout", WAIT)
        job["port"] = fake_server(behaviour)
        process = ClientProcess(backend_name, address_space_mib)
        processes.append(process)
        try:
            return [process.run(job, JOB_LIMIT) for _ in range(repeat)]
        except ClientDied as died:
            pytest.fail(f"{backend_name} backend: {died}", pytrace=False)

    yield run
    for process in processes:
        process.close()


def bounded(outcome: Result, timeout: float | None = WAIT) -> Result:
    if timeout is not None:
        assert outcome["elapsed"] <= timeout + TIMEOUT_SLACK, outcome
    assert "exception" not in outcome, outcome  # only DhcpctlError may come out
    return outcome


def assert_failed(backend: str, outcome: Result, python_status: int, function: str) -> None:
    """The call raised a DhcpctlError saying the connection failed (see module docstring)."""
    bounded(outcome)
    assert "error" in outcome, f"accepted: {outcome}"
    assert outcome["function"] == function, outcome
    expected = {python_status} if backend == "python" else NATIVE_DROPPED[function]
    assert outcome["error"] in expected, outcome


def assert_timed_out(outcome: Result) -> None:
    bounded(outcome)
    assert outcome.get("error") == ISC_R_TIMEDOUT, outcome


def one_wait(result: Result) -> Result:
    """The only wait of a one-object job (after a successful connect)."""
    assert "ok" in result["connect"], result
    [wait] = result["waits"]
    outcome: Result = wait
    return outcome


def answer_with(*messages: Callable[[Message], bytes], keyed: bool = False) -> Behaviour:
    """A fake that takes the request and sends what ``messages`` make of it, in one write."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed)
        request = recv_message(sock)
        sock.sendall(b"".join(make(request) for make in messages))
        recv_exactly(sock, 1)  # until the client goes

    return behaviour


def raw(header: tuple[int, ...], body: bytes) -> Callable[[Message], bytes]:
    """Hand-made bytes: a header (authid, authlen, op, handle, id; rid from the request)."""
    return lambda request: struct.pack("!IIIIII", *header, request.id) + body


def pair(name: bytes, value: bytes) -> bytes:
    return struct.pack("!H", len(name)) + name + struct.pack("!I", len(value)) + value


END = b"\0\0"


# --- N1, N2, P4: values ISC cannot take ---------------------------------------------------


@pytest.mark.parametrize(
    "name", [b"op", b"object", b"notify-object", b"authid", b"handle", b"id", b"rid"]
)
def test_n1_null_message_value_fails_the_connection(
    backend_name: str, client: Client, name: bytes
) -> None:
    message = raw((0, 0, OP_STATUS, 0, 100), pair(name, b"") + END + END)
    [result] = client(answer_with(message))
    assert_failed(backend_name, one_wait(result), DHCP_R_PROTOCOLERROR, WAIT_FUNCTION)


def test_n1_null_authenticator_message_value_is_ignored(backend_name: str, client: Client) -> None:
    """C's ``omapi_message_set_value`` takes an ``authenticator`` and never uses a null one:
    the STATUS is taken (without a ``result``: ISC_R_UNEXPECTED), on both backends."""
    message = raw((0, 0, OP_STATUS, 0, 100), pair(b"authenticator", b"") + END + END)
    [result] = client(answer_with(message))
    assert bounded(one_wait(result)).get("ok") == ISC_R_UNEXPECTED, result


@pytest.mark.parametrize("name", [b"op", b"rid"])
def test_n1_null_message_value_during_connect(
    backend_name: str, client: Client, name: bytes
) -> None:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        auth_open = recv_message(sock)
        header = struct.pack("!IIIIII", 0, 0, OP_UPDATE, AUTHID, 1, auth_open.id)
        sock.sendall(header + pair(name, b"") + END + END)
        recv_exactly(sock, 1)

    [result] = client(behaviour, keyed=True)
    assert_failed(backend_name, result["connect"], DHCP_R_PROTOCOLERROR, CONNECT_FUNCTION)


@pytest.mark.parametrize("value", [b"", b"\0\0\1", b"\0\0\0\0\1"])
def test_n2_p4_remote_handle_not_four_bytes(
    backend_name: str, client: Client, value: bytes
) -> None:
    message = raw((0, 0, OP_UPDATE, 9, 100), END + pair(b"remote-handle", value) + END)
    [result] = client(answer_with(message))
    assert_failed(backend_name, one_wait(result), DHCP_R_PROTOCOLERROR, WAIT_FUNCTION)


def test_p4_bad_reply_loses_no_other_reply_of_the_same_read(
    backend_name: str, client: Client
) -> None:
    """Reply 1 and a reply 2 with a 3-byte remote-handle arrive in one read: object 1 gets its
    reply, object 2's wait fails (its own function's name), nothing times out."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        first, second = recv_message(sock), recv_message(sock)
        bad = struct.pack("!IIIIII", 0, 0, OP_UPDATE, 9, 101, second.id)
        bad += END + pair(b"remote-handle", b"\0\0\1") + END
        sock.sendall(reply(first, keyed=False) + bad)
        recv_exactly(sock, 1)

    [result] = client(behaviour, objects=2, names=["state"])
    good, failed = result["waits"]
    assert bounded(good).get("ok") == ISC_R_SUCCESS, result
    assert result["values"][0]["state"] == "00000002"
    assert_failed(backend_name, failed, DHCP_R_PROTOCOLERROR, WAIT_FUNCTION)


# --- N3, N4, N5 and keyed P3: nothing unsigned or misssigned is taken --------------------


def test_n3_unsigned_notifications_on_a_keyed_connection(backend_name: str, client: Client) -> None:
    notify = struct.pack("!IIIIII", 0, 0, OP_NOTIFY, 0, 5, 0) + END + END
    [result] = client(answer_with(lambda request: notify * 84, keyed=True), keyed=True)
    assert_failed(backend_name, one_wait(result), DHCP_R_CONNRESET, WAIT_FUNCTION)


def test_n3_many_keyed_requests_queued_before_a_wait(backend_name: str, client: Client) -> None:
    """A well-behaved server answering 250 signed requests that were queued before one wait
    (ISC 4.4.3-P1 aborts near 204: signing state kept across a write split over buffers)."""
    count = 250

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        for xid in range(count):
            sock.sendall(reply(recv_message(sock), keyed=True, xid=1000 + xid))
        recv_exactly(sock, 1)

    [result] = client(behaviour, keyed=True, objects=count, timeout=10.0)
    assert len(result["waits"]) == count, result["requests"][-1:]
    assert all(bounded(w, 10.0).get("ok") == ISC_R_SUCCESS for w in result["waits"]), result


def test_n3_many_keyed_requests_queued_before_a_dhcpd_wait(
    backend_name: str, dhcpd_server: Endpoint
) -> None:
    """The same against the test bed's real dhcpd: every queued open answered, no abort."""
    key = dhcpd_server.key
    assert key is not None
    job = {
        "address": dhcpd_server.address,
        "port": dhcpd_server.port,
        "key": [key.name, key.algorithm, key.secret.hex()],
        "timeout": 20.0,
        "objects": 250,
        "lease": socket.inet_aton(dataset.LEASES[0].ip).hex(),
    }
    process = ClientProcess(backend_name)
    try:
        result = process.run(job, JOB_LIMIT)
    except ClientDied as died:
        pytest.fail(f"{backend_name} backend: {died}", pytrace=False)
    finally:
        process.close()
    assert [w.get("ok") for w in result["waits"]] == [ISC_R_SUCCESS] * 250, result["waits"][:3]


def missigned(request: Message, signature: bytes) -> bytes:
    """A STATUS for ``request`` with our authid and ``signature`` instead of the right one."""
    good = reply(request, keyed=True, op=OP_STATUS, object_values=((b"state", b"hacked"),))
    unsigned = good[: -KEY.signature_size]
    return unsigned[:4] + struct.pack("!I", len(signature)) + unsigned[8:] + signature


@pytest.mark.parametrize(
    "signature", [b"", b"\0" * 8, b"\0" * 16], ids=["authlen-0", "short", "wrong"]
)
def test_n4_missigned_reply_is_dropped_and_answered(
    backend_name: str, client: Client, signature: bytes
) -> None:
    """Dropped; a signed STATUS DHCP_R_INVALIDKEY goes back (protocol.c); the wait goes on."""
    answers: queue.Queue[Message] = queue.Queue()

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        request = recv_message(sock)
        sock.sendall(missigned(request, signature))
        answers.put(recv_message(sock))
        recv_exactly(sock, 1)

    [result] = client(behaviour, keyed=True, names=["state"])
    assert_timed_out(one_wait(result))
    assert result["values"] == [{"state": None}]
    answer = answers.get(timeout=1)  # recv_message verified its signature
    assert (answer.op, answer.authid) == (OP_STATUS, AUTHID)
    assert answer.message_value(b"result") == DHCP_R_INVALIDKEY.to_bytes(4, "big")


@pytest.mark.parametrize("op", [OP_NOTIFY, OP_UPDATE, OP_OPEN])
def test_unsigned_message_without_rid_is_dropped_and_answered(
    backend_name: str, client: Client, op: int
) -> None:
    """Not a reply, unsigned, on a keyed connection: dropped, and answered with a signed
    STATUS DHCP_R_NOKEYS "No authenticator on message" (omapi_message_process); the good
    reply after it completes the wait."""
    answers: queue.Queue[Message] = queue.Queue()
    unsigned = encode_message(Message(op, 0, 77, 0, 0, (), ((b"state", b"hacked"),)))

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        request = recv_message(sock)
        sock.sendall(unsigned)
        answers.put(recv_message(sock))
        sock.sendall(reply(request, keyed=True))
        recv_exactly(sock, 1)

    [result] = client(behaviour, keyed=True, names=["state"])
    assert bounded(one_wait(result)).get("ok") == ISC_R_SUCCESS, result
    assert result["values"] == [{"state": "00000002"}]
    answer = answers.get(timeout=1)  # recv_message verified its signature
    assert (answer.op, answer.authid, answer.rid) == (OP_STATUS, AUTHID, 77)
    assert answer.message_value(b"result") == DHCP_R_NOKEYS.to_bytes(4, "big")
    assert answer.message_value(b"message") == b"No authenticator on message"


@pytest.mark.parametrize(
    ("authid", "status"), [(0, DHCP_R_CONNRESET), (AUTHID + 1, DHCP_R_KEY_UNKNOWN)]
)
def test_unsigned_or_unknown_authid_reply_fails_a_keyed_connection(
    backend_name: str, client: Client, authid: int, status: int
) -> None:
    def message(request: Message) -> bytes:
        status_reply = Message(OP_STATUS, 0, 5, request.id, authid, ((b"result", 0),))
        return encode_message(status_reply, KEY if authid else None)

    [result] = client(answer_with(message, keyed=True), keyed=True)
    assert_failed(backend_name, one_wait(result), status, WAIT_FUNCTION)


def authenticator_answer(op: int, handle: int, authid: int = 0) -> Behaviour:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        auth_open = recv_message(sock)
        answer = Message(op, handle, 1, auth_open.id, authid, ((b"result", 0),), ((b"n", b"k"),))
        sock.sendall(encode_message(answer, KEY if authid else None))
        # Then behave as if unauthenticated traffic were fine (the N5 downgrade).
        sock.sendall(reply(recv_message(sock), keyed=False))
        recv_exactly(sock, 1)

    return behaviour


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ((OP_UPDATE, 0), DHCP_R_PROTOCOLERROR),  # N5: handle 0
        ((OP_STATUS, 0), ISC_R_UNEXPECTED),  # P3: a "successful" STATUS is no acceptance
        ((OP_NOTIFY, AUTHID), DHCP_R_PROTOCOLERROR),  # P3: not an answer
        ((OP_UPDATE, AUTHID, AUTHID + 1), DHCP_R_KEY_UNKNOWN),  # P3: signed, unknown authid
    ],
    ids=["handle-0", "status-success", "notify", "unknown-authid"],
)
def test_n5_p3_connect_needs_an_accepted_authenticator(
    backend_name: str, client: Client, answer: tuple[int, ...], status: int
) -> None:
    [result] = client(authenticator_answer(*answer), keyed=True)
    assert_failed(backend_name, result["connect"], status, CONNECT_FUNCTION)


@pytest.mark.parametrize(
    ("intro", "status"),
    [
        (b"garbage!", DHCP_R_VERSIONMISMATCH),
        (struct.pack("!II", 99, 24), DHCP_R_VERSIONMISMATCH),
        (struct.pack("!II", 100, 23), DHCP_R_PROTOCOLERROR),
        (struct.pack("!II", 100, 0xFFFFFFFF), DHCP_R_PROTOCOLERROR),
    ],
    ids=["garbage", "version-99", "header-23", "header-ffffffff"],
)
def test_p3_bad_intro_fails_the_connect(
    backend_name: str, client: Client, intro: bytes, status: int
) -> None:
    def behaviour(sock: socket.socket) -> None:
        sock.sendall(intro)
        recv_exactly(sock, 8)
        recv_exactly(sock, 1)

    [result] = client(behaviour)
    assert_failed(backend_name, result["connect"], status, CONNECT_FUNCTION)


# --- N6, P2: a reply completes only its own request, with an op that may answer it --------


def test_n6_second_reply_for_an_answered_request_fails_the_connection(
    backend_name: str, client: Client
) -> None:
    """Request 1 (an open) gets a failed UPDATE (no values); then, while request 2 (a refresh
    of the same object) waits, a second UPDATE for request 1 comes. It must not complete
    request 2: it answers no request in flight, and the connection fails as ISC's client
    drops it (the patched library already at the failed UPDATE, see 0005-reply-matching)."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        first = recv_message(sock)
        sock.sendall(reply(first, keyed=True, object_values=()))
        recv_message(sock)  # the refresh, never answered
        sock.sendall(reply(first, keyed=True, object_values=((b"stale", b"1"),), xid=1001))
        recv_exactly(sock, 1)

    [result] = client(behaviour, keyed=True, names=["stale"], then_refresh=True)
    waits = result["waits"]
    assert all(wait.get("ok") != ISC_R_SUCCESS for wait in waits), result
    assert_failed(backend_name, waits[-1], DHCP_R_PROTOCOLERROR, WAIT_FUNCTION)
    assert all(values == {"stale": None} for values in result["values"]), result


@pytest.mark.parametrize("op", [OP_OPEN, OP_REFRESH, OP_NOTIFY, OP_DELETE, 0, 99])
def test_p2_reply_with_an_op_that_cannot_answer_fails_the_connection(
    backend_name: str, client: Client, op: int
) -> None:
    """The wrong op first, then a STATUS: the wrong one fails the connection (as ISC's client
    does), and the STATUS that follows completes nothing."""

    def wrong(request: Message) -> bytes:
        return reply(request, keyed=True, op=op, message_values=((b"result", 0),))

    def right(request: Message) -> bytes:
        status = ((b"result", ISC_R_NOTFOUND),)
        return reply(request, keyed=True, op=OP_STATUS, message_values=status, xid=1001)

    [result] = client(answer_with(wrong, right, keyed=True), keyed=True)
    assert_failed(backend_name, one_wait(result), DHCP_R_PROTOCOLERROR, WAIT_FUNCTION)


# --- N7, N8: claimed lengths, endless streams: memory stays bounded ------------------------


def a_filler(index: int) -> bytes:
    return b"A" * 65536


def stream_after(
    prefix: Callable[[Message], bytes],
    total: int,
    filler: Callable[[int], bytes] = a_filler,
) -> Behaviour:
    """Send ``prefix`` for the request, then ``filler(0)``, ``filler(1)``... (up to about
    ``total`` bytes) while the client reads, then wait for it to go."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        sock.sendall(prefix(recv_message(sock)))
        sent = index = 0
        while sent < total:
            chunk = filler(index)
            sock.sendall(chunk)
            sent, index = sent + len(chunk), index + 1
        recv_exactly(sock, 1)

    return behaviour


def assert_memory_bounded(result: Result) -> None:
    assert result["rss_growth_kib"] < RSS_GROWTH_KIB, result


HUGE_VALUE = raw(
    (0, 0, OP_STATUS, 0, 100), pair(b"result", b"")[:-4] + struct.pack("!I", 0xFFFFFFF0)
)
HUGE_AUTHLEN = raw((0, 0xFFFFFFF0, OP_STATUS, 0, 100), END + END)


@pytest.mark.parametrize("prefix", [HUGE_VALUE, HUGE_AUTHLEN], ids=["value", "authlen"])
def test_n7_claimed_length_of_4_gib(
    backend_name: str, client: Client, prefix: Callable[[Message], bytes]
) -> None:
    """Under RLIMIT_AS, eleven connections in one process (ISC exits after ten failed
    allocations): each fails as a protocol error, not as an allocation."""
    results = client(stream_after(prefix, 1 << 20), ADDRESS_SPACE_MIB, repeat=11)
    for result in results:
        assert_failed(backend_name, one_wait(result), DHCP_R_PROTOCOLERROR, WAIT_FUNCTION)
        assert_memory_bounded(result)
    # Nothing of a closed connection stays: the eleventh leaves no more behind than the first.
    retained = results[-1]["rss_after_kib"] - results[0]["rss_after_kib"]
    assert retained < RETAINED_KIB, [r["rss_after_kib"] for r in results]


_NUMBERED_PAIR = struct.Struct("!HcIIc")  # a name b"n" + 4 bytes, a 1-byte value


def numbered_pairs(index: int) -> bytes:
    """About 64 KiB of name/value pairs, every name new (a list that grows and never ends)."""
    first = index * 5461
    return b"".join(_NUMBERED_PAIR.pack(5, b"n", n, 1, b"y") for n in range(first, first + 5461))


def endless_object_list(request: Message) -> bytes:
    return struct.pack("!IIIIII", 0, 0, OP_UPDATE, 9, 100, request.id) + END


@pytest.mark.parametrize(
    "prefix",
    [
        raw((0, 0, OP_STATUS, 0, 100), pair(b"result", b"")[:-4] + struct.pack("!I", 50_000_000)),
        raw((0, 0xFFFFFFFF, OP_STATUS, 0, 100), END + END),
        endless_object_list,
    ],
    ids=["value-50MB", "authlen-ffffffff", "endless-list"],
)
@pytest.mark.parametrize("timed", [True, False], ids=["timed", "untimed"])
def test_n8_streams_beyond_the_limits_fail_the_connection(
    backend_name: str, client: Client, prefix: Callable[[Message], bytes], timed: bool
) -> None:
    """A timed or untimed wait: the limits end it, not the timeout."""
    filler = numbered_pairs if prefix is endless_object_list else a_filler
    behaviour = stream_after(prefix, 64 << 20, filler)
    [result] = client(behaviour, ADDRESS_SPACE_MIB, timeout=10.0 if timed else None)
    function = WAIT_FUNCTION if timed else UNTIMED_WAIT_FUNCTION
    assert_failed(backend_name, one_wait(result), DHCP_R_PROTOCOLERROR, function)
    assert_memory_bounded(result)


def test_n8_huge_header_size_in_the_intro(backend_name: str, client: Client) -> None:
    def behaviour(sock: socket.socket) -> None:
        sock.sendall(struct.pack("!II", 100, 0xFFFFFFF0))
        for _ in range(64 * 16):
            sock.sendall(b"A" * 65536)
        recv_exactly(sock, 1)

    [result] = client(behaviour, ADDRESS_SPACE_MIB, timeout=10.0)
    assert_failed(backend_name, result["connect"], DHCP_R_PROTOCOLERROR, CONNECT_FUNCTION)
    assert_memory_bounded(result)


# --- P1: a flood while the server does not read --------------------------------------------


def test_p1_missigned_flood_while_not_reading(backend_name: str, client: Client) -> None:
    """Each missigned message is owed a STATUS; the server never reads them. The timed wait
    returns in time: a timeout, or the connection failed on the unsent-output bound."""

    def behaviour(sock: socket.socket) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # little room for answers
        handshake(sock, keyed=True)
        request = recv_message(sock)
        flood = missigned(request, b"\0" * KEY.signature_size) * 1000
        stop = time.monotonic() + 30
        while time.monotonic() < stop:
            sock.sendall(flood)

    # Long enough for the answers to outgrow the kernel's buffers (4 MiB here) at the rate a
    # client makes them: the old blocking send then hung until the server stopped.
    [result] = client(behaviour, keyed=True, timeout=6.0)
    wait = bounded(one_wait(result), 6.0)
    # The patched ISC library drops the connection past its own bound (1 MiB unsent).
    failed = ISC_R_NOSPACE if backend_name == "python" else DHCP_R_CONNRESET
    assert wait.get("error") in (ISC_R_TIMEDOUT, failed), wait


def test_p1_unsent_output_is_bounded() -> None:
    """The python transport: answers owed to a peer that does not read pile up to MAX_UNSENT,
    then the link fails with ISC_R_NOSPACE; nothing ever blocks."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        link = Link(ours, ClientProtocol(), lambda event: [])
        answer = b"x" * 1000
        written = 0
        while link.alive:
            link.write(answer, owed=True)
            written += len(answer)
            assert written < 64 * MAX_UNSENT, "the bound never applied"
        with pytest.raises(LinkError) as info:
            link.wait(lambda: False, None)
        assert info.value.status == ISC_R_NOSPACE


# --- P5: more than FD_SETSIZE descriptors --------------------------------------------------


def test_p5_works_with_descriptors_above_1024(backend_name: str, client: Client) -> None:
    """The pure-Python backend polls: descriptors above FD_SETSIZE work. ISC's dispatcher
    (``omapip/dispatch.c``) is built on select(): it refuses such a socket, cleanly, with
    ISC_R_RANGE (a known limit of the native backend, written in dhcpctl/_api.py)."""
    [result] = client(
        answer_with(lambda r: reply(r, keyed=False)), descriptors=1100, names=["state"]
    )
    if backend_name == "native":
        assert bounded(result["connect"]).get("error") == ISC_R_RANGE, result
        return
    assert bounded(one_wait(result)).get("ok") == ISC_R_SUCCESS, result
    assert result["values"] == [{"state": "00000002"}]


# --- Timed calls while another thread is inside the library --------------------------------


def test_timed_wait_returns_in_time_while_another_thread_connects(
    backend: Backend, fake_server: Callable[[Behaviour], int], released: threading.Event
) -> None:
    """A server that accepts TCP but never introduces itself keeps one thread's timed connect
    busy (the native backend holds ISC's library meanwhile); another thread's 0.5 s wait on a
    request in flight elsewhere still returns by its deadline, ISC_R_TIMEDOUT."""
    accepted = threading.Event()

    def silent(sock: socket.socket) -> None:
        accepted.set()
        released.wait(PATIENCE)

    def answers_nothing(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        recv_message(sock)
        released.wait(PATIENCE)

    connection = backend.dhcpctl_timed_connect(
        "127.0.0.1", fake_server(answers_nothing), None, PATIENCE
    )
    lease = backend.dhcpctl_new_object(connection, "lease")
    backend.dhcpctl_set_value(lease, b"\xc0\x00\x02\x01", "ip-address")
    backend.dhcpctl_open_object(lease, connection, 0)
    busy_port = fake_server(silent)
    outcome: list[int] = []

    def connect_to_silence() -> None:
        try:
            backend.dhcpctl_timed_connect("127.0.0.1", busy_port, None, 4.0)
        except dhcpctl.DhcpctlError as error:
            outcome.append(error.status)

    thread = threading.Thread(target=connect_to_silence)
    thread.start()
    try:
        assert accepted.wait(PATIENCE)
        started = time.monotonic()
        with pytest.raises(dhcpctl.DhcpctlError) as info:
            backend.dhcpctl_timed_wait_for_completion(lease, 0.5)
        elapsed = time.monotonic() - started
        assert info.value.status == ISC_R_TIMEDOUT
        assert elapsed <= 0.5 + TIMEOUT_SLACK, elapsed
    finally:
        thread.join(PATIENCE)
    assert outcome == [ISC_R_TIMEDOUT]


def test_requests_queued_beyond_the_answer_bound_are_not_refused(
    backend: Backend, fake_server: Callable[[Behaviour], int]
) -> None:
    """The bound on unsent output is for answers a server is owed, never for the user's own
    requests: 200 opens of 60 KB each are queued (12 MB unsent), the server reads the first
    and answers it while the rest still waits to be sent; that reply completes its wait."""
    big = b"v" * 60_000

    def behaviour(sock: socket.socket) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        handshake(sock, keyed=False)
        sock.sendall(reply(recv_message(sock, None), keyed=False))
        while recv_message(sock, None):  # then take the rest, until the client goes
            pass

    connection = backend.dhcpctl_timed_connect("127.0.0.1", fake_server(behaviour), None, 5.0)
    leases = []
    for _ in range(200):
        lease = backend.dhcpctl_new_object(connection, "lease")
        backend.dhcpctl_set_value(lease, big, "filler")
        backend.dhcpctl_open_object(lease, connection, 0)
        leases.append(lease)
    assert backend.dhcpctl_timed_wait_for_completion(leases[0], PATIENCE) == ISC_R_SUCCESS
    backend.dhcpctl_disconnect(connection)
