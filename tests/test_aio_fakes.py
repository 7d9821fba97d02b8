"""``dhcpctl.aio``'s engine against fake servers built on the codec (127.0.0.1) and against an
in-memory peer: replies out of order, twice, for unknown ids, wrongly signed or unsigned; and a
hypothesis property over interleavings and chunkings of the byte streams.

Each fake answers a lease OPEN with an UPDATE echoing the request's ``ip-address``, so every
call can check that it got the reply to its own request.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import queue
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from fake_omapi import AUTHID, KEY, PATIENCE, Behaviour, handshake, recv_message, reply
from hypothesis import given, settings
from hypothesis import strategies as st

import dhcpctl.aio
from dhcpctl import Client, Key
from dhcpctl._diagnosis import Peer as Server
from dhcpctl._diagnosis import connect_failed
from dhcpctl._errors import AuthenticationFailed, ConnectionLost, DeletedEarlier, NotFound, Timeout
from dhcpctl._exchange import Open, Reply
from dhcpctl._operations import missing_group
from dhcpctl._results import (
    DHCP_R_INVALIDKEY,
    ISC_R_NOMORE,
    ISC_R_NOTFOUND,
    ISC_R_SUCCESS,
    ISC_R_TIMEDOUT,
)
from dhcpctl.aio._connection import Connection, Lost
from dhcpctl.aio._session import Deadline, Session
from dhcpctl.fallback.protocol import status_of
from dhcpctl.fallback.wire import (
    OP_DELETE,
    OP_OPEN,
    OP_STATUS,
    OP_UPDATE,
    Message,
    MessageDecoder,
    encode_intro,
    encode_message,
)

FakeStarter = Callable[[Behaviour], int]
T = TypeVar("T")


def address(number: int) -> bytes:
    return socket.inet_aton(f"192.0.2.{number}")


def lookup(number: int) -> Open:
    return Open("lease", (("ip-address", address(number)),))


def echo(request: Message, xid: int = 1000, *, keyed: bool = True) -> bytes:
    """The fake's answer to a lease OPEN: an UPDATE carrying the asked ip-address."""
    (ip,) = (value for name, value in request.object_values if name == b"ip-address")
    assert isinstance(ip, bytes)
    return reply(request, keyed, object_values=((b"ip-address", ip),), xid=xid)


def session(
    port: int,
    *,
    timeout: float = PATIENCE,
    window: int = 64,
    keyed: bool = True,
    reconnect: bool = False,
) -> Session:
    return Session(
        "127.0.0.1",
        port,
        KEY if keyed else None,
        timeout=timeout,
        max_in_flight=window,
        reconnect=reconnect,
    )


async def lookups(sess: Session, numbers: range) -> list[bytes]:
    replies = await asyncio.gather(*(sess.execute(lookup(n), read=True) for n in numbers))
    return [r.values["ip-address"] for r in replies]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coroutine, PATIENCE))


def per_request(answer: Callable[[int, Message, socket.socket], bool]) -> Behaviour:
    """A keyed fake calling ``answer(connection number, request, socket)`` for each request
    of each connection (numbered from 1); the connection closes when it returns False."""
    connections = itertools.count(1)

    def behaviour(sock: socket.socket) -> None:
        number = next(connections)
        handshake(sock, keyed=True)
        while answer(number, recv_message(sock), sock):
            pass

    return behaviour


def read_requests(sock: socket.socket, count: int) -> list[Message]:
    return [recv_message(sock) for _ in range(count)]


@pytest.mark.parametrize("keyed, count", [(False, 16), (True, 4)])
def test_replies_out_of_order_reach_their_callers(
    fake_server: FakeStarter, keyed: bool, count: int
) -> None:
    """Keyed, the client keeps at most 4 lease lookups in flight (replies owed within 4,047
    bytes, see dhcpctl.aio._dhcpd_limits) once it has seen a lease reply: its first lease
    lookup goes alone, and the calls made with it, queued behind it, then go 4 at once (the
    bound is taken when a request is sent, from the replies read by then). The fake answers
    the first, then waits for as many as can come."""

    signed: list[bool] = []

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=keyed)
        first = recv_message(sock)
        sock.sendall(echo(first, keyed=keyed))
        requests = read_requests(sock, count)
        signed.extend(r.authid == AUTHID and len(r.signature) == 16 for r in (first, *requests))
        sock.sendall(b"".join(echo(r, keyed=keyed) for r in reversed(requests)))
        sock.recv(1)  # until the client closes

    async def main() -> list[bytes]:
        sess = session(fake_server(behaviour), keyed=keyed)
        try:
            return await lookups(sess, range(1, count + 2))
        finally:
            await sess.close()

    assert run(main()) == [address(n) for n in range(1, count + 2)]
    assert signed == [keyed] * (count + 1)  # keyed: every request signed (recv_message checked)


def test_after_a_lost_connection_reads_are_sent_again_once_writes_never(
    fake_server: FakeStarter,
) -> None:
    """The first connection dies with a request in flight: the read is sent again on a new
    connection and answered; the write is not sent again (ConnectionLost), and the call after
    it gets a new connection of its own."""
    received: list[int] = []  # the connection (1, 2...) each request came on

    def answer(number: int, request: Message, sock: socket.socket) -> bool:
        received.append(number)
        if len(received) in (1, 3):  # the read's first request, the write's: close
            return False
        sock.sendall(echo(request))
        return True

    behaviour = per_request(answer)

    async def main() -> tuple[bytes, BaseException, bytes, int]:
        sess = Session(
            "127.0.0.1",
            fake_server(behaviour),
            KEY,
            timeout=PATIENCE,
            max_in_flight=8,
            reconnect=True,
        )
        try:
            read = await sess.execute(lookup(1), read=True)
            with pytest.raises(ConnectionLost) as lost:
                await sess.execute(lookup(2), read=False)
            after = await sess.execute(lookup(3), read=True)
            return read.values["ip-address"], lost.value, after.values["ip-address"], sess.opened
        finally:
            await sess.close()

    read, lost, after, opened = run(main())
    assert (read, after) == (address(1), address(3))
    assert received == [1, 2, 2, 3]  # the read twice, the write once, the next read once
    assert opened == 3
    assert "open lease" in str(lost)


def test_a_second_answer_is_dropped(fake_server: FakeStarter) -> None:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        for _ in range(8):
            request = recv_message(sock)
            sock.sendall(echo(request) + echo(request, xid=2000))
        sock.recv(1)

    async def main() -> tuple[list[bytes], int]:
        sess = session(fake_server(behaviour))
        try:
            got = await lookups(sess, range(1, 9))
            await asyncio.sleep(0.1)  # the last duplicates arrive
            assert sess.connection is not None
            return got, sess.connection.dropped
        finally:
            await sess.close()

    got, dropped = run(main())
    assert got == [address(n) for n in range(1, 9)]
    assert dropped == 8


def test_a_reply_with_an_unknown_rid_is_dropped(fake_server: FakeStarter) -> None:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        (request,) = read_requests(sock, 1)
        stray = Message(OP_UPDATE, 9, 77, (request.id + 1) & 0xFFFFFFFF, AUTHID, (), ())
        sock.sendall(encode_message(stray, KEY) + echo(request))
        sock.recv(1)

    async def main() -> tuple[list[bytes], int]:
        sess = session(fake_server(behaviour))
        try:
            got = await lookups(sess, range(5, 6))
            assert sess.connection is not None
            return got, sess.connection.dropped
        finally:
            await sess.close()

    assert run(main()) == ([address(5)], 1)


def test_a_wrongly_signed_reply_is_answered_and_the_call_waits(fake_server: FakeStarter) -> None:
    """As ISC's client: the badly signed reply reaches no caller, the client answers it with a
    STATUS of DHCP_R_INVALIDKEY (signed), and the call takes the good reply that follows."""
    statuses: queue.Queue[Message] = queue.Queue()

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        (request,) = read_requests(sock, 1)
        forged = bytearray(echo(request, xid=555))
        forged[-1] ^= 0xFF
        sock.sendall(forged)
        statuses.put(recv_message(sock))
        sock.sendall(echo(request))
        sock.recv(1)

    async def main() -> list[bytes]:
        sess = session(fake_server(behaviour))
        try:
            return await lookups(sess, range(3, 4))
        finally:
            await sess.close()

    assert run(main()) == [address(3)]
    status = statuses.get(timeout=PATIENCE)
    assert (status.op, status.rid, status_of(status)) == (OP_STATUS, 555, DHCP_R_INVALIDKEY)
    assert status.authid == AUTHID  # signed (recv_message checked the signature)


def test_only_wrong_signatures_end_in_timeout(fake_server: FakeStarter) -> None:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        for request in read_requests(sock, 3):
            forged = bytearray(echo(request))
            forged[-1] ^= 0xFF
            sock.sendall(forged)
        while sock.recv(4096):  # the client's STATUS answers, until it closes
            pass

    async def main() -> list[BaseException | object]:
        sess = session(fake_server(behaviour), timeout=0.5)
        sess.learned["lease"] = 100  # as after a first lease reply: the 3 lookups go at once
        try:
            return await asyncio.gather(
                *(sess.execute(lookup(n), read=True) for n in range(3)), return_exceptions=True
            )
        finally:
            await sess.close()

    outcomes = run(main())
    assert [type(outcome) for outcome in outcomes] == [Timeout] * 3, outcomes


def test_an_unsigned_reply_on_a_keyed_connection_ends_it(fake_server: FakeStarter) -> None:
    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        requests = read_requests(sock, 4)
        sock.sendall(echo(requests[0]) + reply(requests[1], False))
        sock.recv(1)

    async def main() -> list[BaseException | object]:
        sess = session(fake_server(behaviour))
        sess.learned["lease"] = 100  # as after a first lease reply: 4 lookups go at once
        try:
            return await asyncio.gather(
                *(sess.execute(lookup(n), read=False) for n in range(1, 5)),
                return_exceptions=True,
            )
        finally:
            await sess.close()

    outcomes = run(main())
    assert isinstance(outcomes[0], Reply)
    assert outcomes[0].values["ip-address"] == address(1)
    assert all(isinstance(outcome, ConnectionLost) for outcome in outcomes[1:])
    assert "unsigned" in str(outcomes[1])


def pending(sock: socket.socket) -> bool:
    """Whether bytes from the client wait unread (without waiting for any)."""
    try:
        return bool(sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except BlockingIOError:
        return False


@pytest.mark.parametrize("window", [1, 4, 16])
def test_the_window_holds_requests_back(fake_server: FakeStarter, window: int) -> None:
    """Unkeyed (no rule of _dhcpd_limits applies), 4 rounds of ``window`` lookups: the fake
    reads requests until ``window`` are unanswered, then takes every byte already there (a
    client sending past its window wrote them in the same write: on loopback they are in the
    fake's buffer by then) and answers them all. It must count exactly ``window`` unanswered
    requests each round: never more (the window holds), never fewer (the window is used)."""
    rounds = 4
    seen: list[int] = []

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        while sum(seen) < rounds * window:
            batch = read_requests(sock, window)
            while pending(sock):
                batch.append(recv_message(sock))
            seen.append(len(batch))
            sock.sendall(b"".join(echo(r, keyed=False) for r in batch))
        sock.recv(1)

    async def main() -> list[bytes]:
        sess = session(fake_server(behaviour), window=window, keyed=False)
        try:
            return await lookups(sess, range(1, rounds * window + 1))
        finally:
            await sess.close()

    assert run(main()) == [address(n) for n in range(1, rounds * window + 1)]
    assert seen == [window] * rounds


# --- the property: interleavings and chunkings --------------------------------------------


class MemoryTransport(asyncio.Transport):
    """Collects what the connection writes."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def lookup_on(connection: Connection, ip: bytes) -> asyncio.Future[Message]:
    """A lease lookup by ``ip`` (4 bytes) queued on ``connection``, no timeout."""
    return connection.request(
        OP_OPEN,
        0,
        ((b"type", b"lease"),),
        ((b"ip-address", ip),),
        object_type="lease",
        kind="lease",
        timeout=None,
    )


class Peer:
    """The server side in memory: decodes the client's bytes, answers each OPEN with an echo."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._decoder = MessageDecoder(24, lambda authid: KEY if authid else None)
        self._intro_seen = False
        self.authenticated = False

    def take(self, data: bytes) -> Iterator[Message]:
        self._buffer += data
        if not self._intro_seen:
            if len(self._buffer) < 8:
                return
            del self._buffer[:8]
            self._intro_seen = True
        offset = 0
        while (done := self._decoder.parse(self._buffer, offset)) is not None:
            message, offset, verified = done
            assert verified
            yield message
        del self._buffer[:offset]


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(1, 40),
    window=st.integers(1, 12),
    data=st.data(),
)
def test_interleavings_and_chunkings_give_sequential_results(
    count: int, window: int, data: st.DataObject
) -> None:
    """Requests pipelined through a window, replies released in any order the draw picks and
    fed in arbitrary chunks, interleaved with new requests being sent: every call gets what
    asking alone would give (its own echo)."""

    async def main() -> list[bytes]:
        transport = MemoryTransport()
        connection = Connection(KEY, window, {})
        connection.connection_made(transport)
        peer = Peer()
        answers = bytearray(encode_intro())
        owed: list[bytes] = []
        calls = [
            asyncio.ensure_future(lookup_on(connection, address(n))) for n in range(1, count + 1)
        ]
        while not all(call.done() for call in calls):
            await asyncio.sleep(0)
            for message in peer.take(bytes(transport.written)):
                if not peer.authenticated:
                    auth = Message(OP_UPDATE, AUTHID, 1, message.id, 0, (), ((b"name", b"k"),))
                    answers += encode_message(auth)
                    peer.authenticated = True
                else:
                    owed.append(echo(message))
            transport.written.clear()
            # Release a reply when the draw says so, or when nothing else would move.
            if owed and (not answers or data.draw(st.booleans(), "release a reply")):
                answers += owed.pop(data.draw(st.integers(0, len(owed) - 1), "which"))
            if answers:
                cut = data.draw(st.integers(1, len(answers)), "chunk")
                connection.data_received(bytes(answers[:cut]))
                del answers[:cut]
        assert connection.dropped == 0
        return [call.result().object_values[0][1] for call in calls]  # type: ignore[misc]

    got = asyncio.run(asyncio.wait_for(main(), PATIENCE))
    assert got == [address(n) for n in range(1, count + 1)]


def test_requests_a_reply_admits_go_out_before_its_caller_runs() -> None:
    """A reply that frees the window sends the request waiting for it from ``data_received``
    itself, before the caller the reply wakes runs, and only once: the server works on it while
    this process decodes what it got (sent after the woken callers, such requests cost the
    pipelined lookups a quarter of their rate)."""

    async def main() -> None:
        transport = MemoryTransport()
        connection = Connection(None, 1, {})
        connection.connection_made(transport)
        connection.data_received(encode_intro())
        first, second = (lookup_on(connection, address(n)) for n in (1, 2))
        written_when_woken: list[bytes] = []

        async def caller() -> None:
            await first
            written_when_woken.append(bytes(transport.written))

        task = asyncio.create_task(caller())
        await asyncio.sleep(0)  # the first request goes out; the window holds the second
        peer = Peer()
        (sent,) = peer.take(bytes(transport.written))
        transport.written.clear()
        connection.data_received(echo(sent, keyed=False))
        await task
        (written,) = written_when_woken
        assert written, "the request the reply admitted was not written by data_received"
        (sent,) = peer.take(written)
        assert sent.object_values == ((b"ip-address", address(2)),)
        await asyncio.sleep(0)  # the flush scheduled meanwhile has run: nothing written twice
        assert bytes(transport.written) == written
        connection.close()
        with pytest.raises(ConnectionLost):
            await second

    run(main())


def status_answering(request: Message, result: int) -> bytes:
    """An unkeyed STATUS of ``result`` answering ``request``."""
    values = ((b"result", result.to_bytes(4, "big")),)
    return encode_message(Message(OP_STATUS, 0, 2000, request.id, 0, values))


def unkeyed_connection() -> tuple[MemoryTransport, Connection]:
    """A connection of window 8 on a transport in memory, the server's intro read (call in an
    event loop)."""
    transport = MemoryTransport()
    connection = Connection(None, 8, {})
    connection.connection_made(transport)
    connection.data_received(encode_intro())
    return transport, connection


def request_on(connection: Connection, op: int, handle: int) -> asyncio.Future[Message]:
    """A DELETE, or an UPDATE of a value, of the object ``handle``, queued, no timeout."""
    values = ((b"ip-address", address(9)),) if op == OP_UPDATE else ()
    return connection.request(op, handle, (), values, object_type=None, kind="x", timeout=None)


def delete_then_updates(connection: Connection) -> list[asyncio.Future[Message]]:
    """Queued on ``connection``: a DELETE of object 7, an UPDATE of it, an UPDATE of object 8."""
    return [request_on(connection, op, handle) for op, handle in _DELETE_THEN_UPDATES]


_DELETE_THEN_UPDATES = ((OP_DELETE, 7), (OP_UPDATE, 7), (OP_UPDATE, 8))


@pytest.mark.parametrize(
    ("deleted", "update_sent"), [(ISC_R_SUCCESS, False), (ISC_R_NOTFOUND, True)]
)
def test_an_update_after_a_delete_of_its_object_waits_for_the_delete(
    deleted: int, update_sent: bool
) -> None:
    """An UPDATE queued behind a DELETE of the same handle is held until the DELETE is
    answered (another handle's UPDATE goes out meanwhile); if the object was deleted it ends in
    NotFound without being sent (dhcpd 4.4.3-P1 would take it and, at the second, link the host
    to itself and hang), else it is sent."""

    async def main() -> None:
        transport, connection = unkeyed_connection()
        delete, update, other = delete_then_updates(connection)
        await asyncio.sleep(0)
        peer = Peer()
        (sent,) = peer.take(bytes(transport.written))
        assert (sent.op, sent.handle) == (OP_DELETE, 7)  # the rest waits behind the UPDATE
        transport.written.clear()
        connection.data_received(status_answering(sent, deleted))
        assert status_of(await delete) == deleted
        await asyncio.sleep(0)
        after = [(message.op, message.handle) for message in peer.take(bytes(transport.written))]
        assert after == ([(OP_UPDATE, 7)] if update_sent else []) + [(OP_UPDATE, 8)]
        if update_sent:
            assert not update.done()
        else:
            with pytest.raises(DeletedEarlier, match="not sent: an earlier request of this client"):
                await update
        assert not other.done()
        connection.close()
        for call in (update, other):
            call.cancel()

    run(main())


def test_an_update_held_for_a_delete_is_not_sent_again_when_the_connection_ends() -> None:
    """The connection ends while a DELETE is in flight: the UPDATE of its object held behind it
    fails with DeletedEarlier (it may be deleted: the session must not send it on a new
    connection), the UPDATE of another object with Lost (never sent: sent again)."""

    async def main() -> None:
        _, connection = unkeyed_connection()
        delete, held, other = delete_then_updates(connection)
        await asyncio.sleep(0)
        connection.close()
        with pytest.raises(Lost) as lost:
            await delete
        assert lost.value.sent
        with pytest.raises(DeletedEarlier, match="may have deleted the object"):
            await held
        with pytest.raises(Lost) as lost:
            await other
        assert not lost.value.sent

    run(main())


def test_a_group_update_not_sent_is_not_taken_for_a_missing_group() -> None:
    """The update operations word dhcpd's NotFound for a ``group`` as a missing group; the
    client's own refusal of an update of a deleted object keeps its words."""
    refused = DeletedEarlier("dhcpctl.aio", ISC_R_NOTFOUND, "not sent: deleted")
    assert missing_group(refused, (("group", b"g1"),)) is refused
    answered = missing_group(NotFound("f", ISC_R_NOTFOUND, "x"), (("group", b"g1"),))
    assert "dhcpd has no group 'g1'" in str(answered)


def test_a_timer_that_fires_after_its_call_ended_does_nothing() -> None:
    """A call's own timer can fire in the loop turn its reply came, before the callback that
    cancels the timer runs: the expiry leaves the ended call and the connection alone."""

    async def main() -> None:
        transport, connection = unkeyed_connection()
        errors: list[dict[str, Any]] = []
        asyncio.get_running_loop().set_exception_handler(lambda _, context: errors.append(context))
        connection.request(OP_DELETE, 7, (), (), object_type=None, kind="x", timeout=60.0)
        call = connection.request(
            OP_DELETE, 8, (), (), object_type=None, kind="x", timeout=0.01
        )  # shorter than the call before it: a timer of its own
        await asyncio.sleep(0)
        _, sent = Peer().take(bytes(transport.written))
        time.sleep(0.02)  # the call's own timer is due: the next turn runs it after the reply
        loop = asyncio.get_running_loop()
        loop.call_soon(connection.data_received, status_answering(sent, ISC_R_SUCCESS))
        await asyncio.sleep(0.05)
        assert status_of(call.result()) == ISC_R_SUCCESS
        assert (errors, connection.alive) == ([], True)
        connection.close()

    run(main())


def test_no_server_is_connection_lost_at_once() -> None:
    """Nothing listens: the call ends with ConnectionLost (no endless reconnecting)."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]

    async def main() -> BaseException | None:
        sess = Session("127.0.0.1", port, KEY, timeout=5.0, max_in_flight=8, reconnect=True)
        try:
            await sess.execute(lookup(1), read=True)
        except ConnectionLost as lost:
            return lost
        finally:
            await sess.close()
        return None

    lost = run(main())
    assert isinstance(lost, ConnectionLost)
    assert f"127.0.0.1:{port}" in str(lost)


def test_a_value_the_wire_cannot_carry_fails_its_call_only(fake_server: FakeStarter) -> None:
    """A name longer than the wire's 16-bit length: that call fails, the others go on."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        while True:
            sock.sendall(echo(recv_message(sock)))

    async def main() -> tuple[BaseException | Reply, ...]:
        sess = session(fake_server(behaviour))
        try:
            bad = Open("lease", (("x" * 70000, b"1"),))
            return await asyncio.gather(
                sess.execute(lookup(1), read=True),
                sess.execute(bad, read=True),
                sess.execute(lookup(2), read=True),
                return_exceptions=True,
            )
        finally:
            await sess.close()

    first, bad, last = run(main())
    assert isinstance(first, Reply) and isinstance(last, Reply)
    assert (first.values["ip-address"], last.values["ip-address"]) == (address(1), address(2))
    assert isinstance(bad, Exception) and not isinstance(bad, ConnectionLost)


def test_a_silent_server_is_left_for_a_new_connection(fake_server: FakeStarter) -> None:
    """The first connection takes requests and never answers: the call times out and the
    connection is dropped, so the next call gets a new connection (answered) instead of a
    window full of requests that will never be answered."""

    def answer(number: int, request: Message, sock: socket.socket) -> bool:
        if number > 1:
            sock.sendall(echo(request))
        return True

    sess = session(fake_server(per_request(answer)), timeout=0.5, reconnect=True)
    assert run(timeout_then_answer(sess)) == 2


def test_a_timeout_leaves_a_connection_the_server_answers_on_open(fake_server: FakeStarter) -> None:
    """Lookup 1 times out, but the server answered lookup 2 since lookup 1 went out: the
    connection stays open, lookup 1's late answer is dropped and lookup 3 is answered on it
    (``Connection._expired``; README, asyncio)."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)  # keyed, the first lease lookup would go alone
        second, first = read_requests(sock, 2)
        sock.sendall(echo(second, keyed=False))
        (third,) = read_requests(sock, 1)
        sock.sendall(echo(first, keyed=False) + echo(third, keyed=False))
        sock.recv(1)

    async def main() -> tuple[BaseException | Reply, bytes, int, int]:
        sess = session(fake_server(behaviour), keyed=False)
        loop = asyncio.get_running_loop()
        try:
            second = asyncio.ensure_future(sess.execute(lookup(2), read=True))
            deadline = Deadline(loop.time() + 0.5, 0.5)
            first = asyncio.ensure_future(sess.execute(lookup(1), read=True, deadline=deadline))
            assert (await second).values["ip-address"] == address(2)
            (late,) = await asyncio.gather(first, return_exceptions=True)
            third = await sess.execute(lookup(3), read=True)
            assert sess.connection is not None
            return late, third.values["ip-address"], sess.opened, sess.connection.dropped
        finally:
            await sess.close()

    late, third, opened, dropped = run(main())
    assert isinstance(late, Timeout), late
    assert (third, opened, dropped) == (address(3), 1, 1)


def test_a_read_with_no_time_left_to_be_sent_again_says_no_answer(
    fake_server: FakeStarter,
) -> None:
    """Two lookups to a server that never answers: the first's timeout ends the silent
    connection, the second (a read, to be sent again on a new connection) has no time left:
    its Timeout says no answer came, not that the connect failed."""

    def silent(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        read_requests(sock, 2)
        sock.recv(1)

    async def main() -> list[BaseException | Reply]:
        sess = session(fake_server(silent), timeout=0.3, keyed=False, reconnect=True)
        try:
            calls = (sess.execute(lookup(n), read=True) for n in (1, 2))
            return await asyncio.gather(*calls, return_exceptions=True)
        finally:
            await sess.close()

    for outcome in run(main()):
        assert isinstance(outcome, Timeout), outcome
        assert "no answer within 0.3 s" in str(outcome)
        assert "cannot connect" not in str(outcome)


def test_a_write_that_never_went_out_does_not_say_it_may_have_been_made(
    fake_server: FakeStarter, released: threading.Event
) -> None:
    """The connect times out: the write was never sent, so its Timeout does not say that the
    change may have been made (as it does for a write sent and not answered)."""

    def mute(sock: socket.socket) -> None:
        released.wait(PATIENCE)  # accepts, never says a word

    port = fake_server(mute)
    write = Open("host", (("name", b"web-1"),), create=True)

    async def main() -> None:
        sess = session(port, timeout=0.3, keyed=False)
        try:
            with pytest.raises(Timeout) as raised:
                await sess.execute(write, read=False)
        finally:
            await sess.close()
        assert "cannot connect" in str(raised.value)
        assert "may have been made" not in str(raised.value)

    run(main())


async def timeout_then_answer(sess: Session, ended: threading.Event | None = None) -> int:
    """Lookup 1 times out; once ``ended`` is set (if given), lookup 2 is answered. The
    connections ``sess`` opened; it is closed after."""
    try:
        (first,) = await asyncio.gather(sess.execute(lookup(1), read=True), return_exceptions=True)
        assert isinstance(first, Timeout), first
        if ended is not None:
            assert await asyncio.to_thread(ended.wait, PATIENCE)
        second = await sess.execute(lookup(2), read=True)
        assert second.values["ip-address"] == address(2)
        return sess.opened
    finally:
        await sess.close()


def test_a_shorter_deadline_after_a_longer_one_is_kept(fake_server: FakeStarter) -> None:
    """A call with a long timeout is answered; the next call, with a short one, is never
    answered: it times out at its own deadline, not at the earlier call's (whose timer was
    the one set)."""
    long = 2 * PATIENCE  # unfixed, the second call would end here, after run()'s PATIENCE
    short = 0.2

    def answer(number: int, request: Message, sock: socket.socket) -> bool:
        if request.object_values == ((b"ip-address", address(1)),):
            sock.sendall(echo(request))
        return True

    behaviour = per_request(answer)

    async def main() -> tuple[BaseException, float, float]:
        sess = session(fake_server(behaviour), timeout=long)
        loop = asyncio.get_running_loop()
        try:
            started = loop.time()
            await sess.execute(lookup(1), read=True)  # its deadline: started + long
            asked = loop.time()
            with pytest.raises(Timeout) as timeout:
                await sess.execute(lookup(2), read=True, deadline=Deadline(asked + short, short))
            return timeout.value, loop.time() - asked, loop.time() - started
        finally:
            await sess.close()

    error, waited, total = run(main())
    assert short <= waited and total < long, (waited, total)
    assert str(error).endswith("no answer within 0.2 s"), error  # rounded: not 0.19993 s


def silent_first(closed: threading.Event) -> Behaviour:
    """A keyed fake whose first connection never answers the intro (``closed`` is set when
    the client gives it up); later connections echo every lookup."""
    connections = itertools.count(1)

    def behaviour(sock: socket.socket) -> None:
        if next(connections) == 1:
            try:
                while sock.recv(4096):
                    pass
            finally:
                closed.set()
            return
        handshake(sock, keyed=True)
        while True:
            sock.sendall(echo(recv_message(sock)))

    return behaviour


def test_a_connect_that_timed_out_is_not_replayed(fake_server: FakeStarter) -> None:
    """The first call's connect gets no intro and times out; once that connect is given up,
    the next call connects anew (and is answered) instead of getting the old Timeout."""
    closed = threading.Event()  # set when the client gives up the first connect
    sess = session(fake_server(silent_first(closed)), timeout=0.3, reconnect=True)
    assert run(timeout_then_answer(sess, closed)) == 1


def test_many_calls_waiting_for_one_connect_cost_it_no_callback_each(
    fake_server: FakeStarter,
) -> None:
    """Thousands of calls wait for one connect that never completes and all end in Timeout.
    Each waits on a future of its own: the connect's callbacks do not grow with the callers
    (with ``asyncio.wait`` on the connect, each caller that timed out removed its callback
    from that list, a walk of all the others: 40,000 kept the event loop busy for 22 s)."""
    closed = threading.Event()
    callers = 5_000

    async def main() -> tuple[int, list[BaseException | Reply]]:
        sess = session(fake_server(silent_first(closed)), timeout=0.5)
        calls = [asyncio.ensure_future(sess.execute(lookup(1), read=True)) for _ in range(callers)]
        await asyncio.sleep(0.05)  # every call is waiting for the connect
        connecting = sess._connecting
        assert connecting is not None and not connecting.done()
        callbacks = len(connecting._callbacks)
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        await sess.close()
        return callbacks, outcomes

    callbacks, outcomes = run(main())
    assert callbacks <= 3, callbacks
    assert [type(outcome) for outcome in outcomes] == [Timeout] * callers


def test_calls_made_while_connecting_are_sent_in_their_order(fake_server: FakeStarter) -> None:
    """The calls that waited for the connect go out in the order they were made."""
    count = 250
    order: list[bytes] = []

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        while len(order) < count:
            request = recv_message(sock)
            order.extend(v for n, v in request.object_values if isinstance(v, bytes))
            sock.sendall(echo(request, keyed=False))
        sock.recv(1)

    async def main() -> list[bytes]:
        sess = session(fake_server(behaviour), keyed=False)
        try:
            return await lookups(sess, range(1, count + 1))
        finally:
            await sess.close()

    expected = [address(n) for n in range(1, count + 1)]
    assert run(main()) == expected
    assert order == expected


def test_a_connect_that_failed_unawaited_is_not_reported_unretrieved(
    fake_server: FakeStarter,
) -> None:
    """The connect outlives the call that started it and fails with nobody waiting: asyncio
    must not report "Task exception was never retrieved" when it is collected (the client was
    not closed: ``close`` cancels the task, which would hide the report)."""
    closed = threading.Event()
    reported: list[dict[str, Any]] = []

    async def main() -> type[BaseException | Reply]:
        asyncio.get_running_loop().set_exception_handler(
            lambda _, context: reported.append(context)
        )
        sess = session(fake_server(silent_first(closed)), timeout=0.3)
        (first,) = await asyncio.gather(sess.execute(lookup(1), read=True), return_exceptions=True)
        assert await asyncio.to_thread(closed.wait, PATIENCE)  # the connect has failed
        await asyncio.sleep(0)  # its done callbacks run
        outcome = type(first)  # the client is dropped unclosed (as after a failed ``async with``)
        del sess, first  # (the error's traceback holds the session)
        gc.collect()  # the connect task is collected: unretrieved, asyncio would report it
        return outcome

    assert run(main()) is Timeout
    assert reported == []


# --- what callers see: public error classes, the sync client's words ------------------------


def test_a_refused_connect_is_connection_lost_in_the_sync_clients_words(
    closed_port: int,
) -> None:
    """A plain ConnectionLost (not a class of dhcpctl.aio's own), with the status and the
    text of the sync client (pure-Python backend): the address, the cause, the hint."""
    with pytest.raises(ConnectionLost) as sync:
        Client("127.0.0.1", closed_port, timeout=PATIENCE, backend="python").connect()

    async def main() -> tuple[BaseException, BaseException]:
        client = dhcpctl.aio.Client("127.0.0.1", closed_port, timeout=PATIENCE)
        errors = []
        for call in (client.connect(), client.session.execute(lookup(1), read=True)):
            with pytest.raises(ConnectionLost) as error:
                await call
            errors.append(error.value)
        await client.close()
        return errors[0], errors[1]

    expected = connect_failed(Server("127.0.0.1", closed_port), ISC_R_NOMORE, "Connection refused")
    for error in (sync.value, *run(main())):
        assert type(error) is ConnectionLost, type(error)
        assert isinstance(error, ConnectionLost)
        assert error.status == ISC_R_NOMORE
        assert str(error).endswith(expected), error


def test_a_connect_timeout_names_the_address(fake_server: FakeStarter) -> None:
    """No intro comes: the Timeout says where, as the sync client does, and the time given."""
    closed = threading.Event()
    port = fake_server(silent_first(closed))

    async def main() -> BaseException:
        client = dhcpctl.aio.Client("127.0.0.1", port, timeout=0.25)
        try:
            with pytest.raises(Timeout) as error:
                await client.connect()
            return error.value
        finally:
            await client.close()

    error = run(main())
    said = connect_failed(Server("127.0.0.1", port), ISC_R_TIMEDOUT, "no answer within 0.25 s")
    assert type(error) is Timeout and str(error).endswith(said), error


@pytest.mark.parametrize("reconnect", [False, True])
def test_a_closed_client_opens_a_new_connection(fake_server: FakeStarter, reconnect: bool) -> None:
    """As dhcpctl.Client: after close() (the end of ``async with``), ``async with`` again and
    calls work on a new connection, whatever ``reconnect``."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        while True:
            sock.sendall(echo(recv_message(sock), keyed=False))

    async def main() -> tuple[list[bytes], int]:
        client = dhcpctl.aio.Client(
            "127.0.0.1", fake_server(behaviour), timeout=PATIENCE, reconnect=reconnect
        )
        got = []
        for number in (1, 2):
            async with client:
                got.append((await client.session.execute(lookup(number), read=True)).values)
        await client.close()
        got.append((await client.session.execute(lookup(3), read=True)).values)
        await client.close()
        return [each["ip-address"] for each in got], client.session.opened

    assert run(main()) == ([address(1), address(2), address(3)], 3)


def test_close_ends_the_calls_in_flight_without_sending_them_again(
    fake_server: FakeStarter,
) -> None:
    """A read in flight when close() is called ends with ConnectionLost: close() is not a lost
    connection, the read is not sent again on a new one."""
    received: queue.Queue[int] = queue.Queue()

    def answer(number: int, request: Message, sock: socket.socket) -> bool:
        received.put(number)  # never answered
        return True

    async def main() -> tuple[BaseException, int]:
        sess = session(fake_server(per_request(answer)), reconnect=True)
        call = asyncio.ensure_future(sess.execute(lookup(1), read=True))
        await asyncio.to_thread(received.get, timeout=PATIENCE)  # it is in flight
        await sess.close()
        with pytest.raises(ConnectionLost) as lost:
            await call
        return lost.value, sess.opened

    lost, opened = run(main())
    assert type(lost) is ConnectionLost and opened == 1, lost
    assert received.empty()


def test_a_wrong_secret_is_said_once(fake_server: FakeStarter) -> None:
    """dhcpd's answer to a wrong signature (an unsigned DHCP_R_INVALIDKEY): the error names
    the likely cause, the key, once."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=True)
        request = recv_message(sock)
        sock.sendall(
            reply(request, False, op=OP_STATUS, message_values=((b"result", DHCP_R_INVALIDKEY),))
        )
        sock.recv(1)

    async def main() -> BaseException:
        key = Key(KEY.name, KEY.algorithm, KEY.secret)
        async with dhcpctl.aio.Client("127.0.0.1", fake_server(behaviour), key=key) as client:
            with pytest.raises(AuthenticationFailed) as error:
                await client.session.execute(lookup(1), read=True)
            return error.value

    error = run(main())
    assert str(error).count(repr(KEY.name)) == 1, error
    assert "wrong secret" in str(error)
