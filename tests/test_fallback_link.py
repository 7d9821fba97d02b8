"""Units of the pure-Python backend below the API: :mod:`dhcpctl.fallback.transport`'s
:class:`Link` over a socketpair (this test plays the server on the other end), and
:mod:`dhcpctl.fallback.session`'s reply handling and connecting."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from fake_omapi import recv_exactly, recv_message

from dhcpctl._errors import DhcpctlError
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_INVALIDKEY,
    DHCP_R_PROTOCOLERROR,
    ISC_R_NOMORE,
    ISC_R_NOPERM,
    ISC_R_NOTFOUND,
    ISC_R_SUCCESS,
    ISC_R_TIMEDOUT,
    ISC_R_UNEXPECTED,
)
from dhcpctl.fallback.auth import Key
from dhcpctl.fallback.objects import RemoteObject
from dhcpctl.fallback.protocol import ClientProtocol, MessageReceived, State
from dhcpctl.fallback.session import Dispatcher, open_connection
from dhcpctl.fallback.transport import Link, LinkError
from dhcpctl.fallback.wire import (
    OP_DELETE,
    OP_NOTIFY,
    OP_OPEN,
    OP_STATUS,
    OP_UPDATE,
    Message,
    ProtocolError,
    encode_intro,
    encode_message,
)

KEY = Key("k", "hmac-sha256", b"secret")
AUTHID = 7
#: The longest any step here may take before the test fails instead of hanging.
PATIENCE = 10.0


def soon() -> float:
    return time.monotonic() + PATIENCE


class Server:
    """The peer end of a socketpair, speaking OMAPI with the codec's own functions."""

    def __init__(self, sock: socket.socket, key: Key | None) -> None:
        self.sock = sock
        self.key = key
        self.authid = 0
        sock.settimeout(PATIENCE)

    def recv_exactly(self, count: int) -> bytes:
        return recv_exactly(self.sock, count)

    def receive(self) -> Message:
        return recv_message(self.sock, self.key)

    def send(self, message: Message, *, signed: bool = True) -> None:
        key = self.key if signed and self.authid else None
        self.sock.sendall(encode_message(message, key))

    def reply(self, request: Message, op: int, **values: bytes) -> None:
        """An answer to ``request``, with ``values`` as object values (UPDATE) or message
        values (STATUS)."""
        pairs = tuple((name.encode(), value) for name, value in values.items())
        if op == OP_UPDATE:
            message = Message(op, 9, 100, request.id, self.authid, (), pairs)
        else:
            message = Message(op, 0, 100, request.id, self.authid, pairs)
        self.send(message)


def connected(
    pair: tuple[socket.socket, socket.socket], key: Key | None = None
) -> tuple[Link, Dispatcher, Server]:
    """A link past the intro (and with ``key``, past the authenticator), as open_connection
    leaves it."""
    client, server_sock = pair
    protocol = ClientProtocol(key)
    dispatcher = Dispatcher()
    link = Link(client, protocol, dispatcher)
    server = Server(server_sock, key)
    link.write(protocol.initiate())
    assert server.recv_exactly(8) == encode_intro()
    server.sock.sendall(encode_intro())
    link.wait(lambda: protocol.state is not State.INTRO_WAIT, soon())
    if key is not None:
        link.write(protocol.open_authenticator())
        auth_open = server.receive()
        server.send(Message(OP_UPDATE, AUTHID, 1, auth_open.id, 0, (), ((b"name", b"k"),)))
        link.wait(lambda: protocol.state is not State.AUTH_WAIT, soon())
        assert protocol.state is State.READY
        server.authid = AUTHID
    return link, dispatcher, server


def open_lease(link: Link, dispatcher: Dispatcher) -> RemoteObject:
    obj = RemoteObject("lease")
    link.request(
        OP_OPEN,
        0,
        ((b"type", b"lease"),),
        ((b"ip-address", b"\xc0\x00\x02\x01"),),
        lambda xid: dispatcher.register(xid, obj, OP_OPEN),
    )
    return obj


def failure(call: object, *args: object) -> LinkError:
    assert callable(call)
    with pytest.raises(LinkError) as info:
        call(*args)
    return info.value


# Link


@pytest.mark.parametrize("key", [None, KEY], ids=["unsigned", "signed"])
def test_request_and_reply(pair: tuple[socket.socket, socket.socket], key: Key | None) -> None:
    link, dispatcher, server = connected(pair, key)
    obj = open_lease(link, dispatcher)
    request = server.receive()
    assert (request.op, request.authid) == (OP_OPEN, AUTHID if key else 0)
    assert request.object_values == ((b"ip-address", b"\xc0\x00\x02\x01"),)
    assert dispatcher.pending == {request.id: (obj, OP_OPEN)} and obj.outstanding == 1
    server.reply(request, OP_UPDATE, ends=b"\0\0\0\1")
    link.wait(lambda: obj.outstanding == 0, soon())
    assert (obj.waitstatus, obj.values[b"ends"], obj.remote_handle) == (
        ISC_R_SUCCESS,
        b"\0\0\0\1",
        9,
    )
    assert (obj.unseen, dispatcher.pending) == (1, {})


def test_timeout_leaves_the_request_in_flight(pair: tuple[socket.socket, socket.socket]) -> None:
    link, dispatcher, server = connected(pair)
    obj = open_lease(link, dispatcher)
    request = server.receive()
    error = failure(link.wait, lambda: obj.outstanding == 0, time.monotonic() + 0.05)
    assert error.status == ISC_R_TIMEDOUT
    assert link.alive and obj.outstanding == 1
    server.reply(request, OP_STATUS, result=ISC_R_NOTFOUND.to_bytes(4, "big"))
    link.wait(lambda: obj.outstanding == 0, soon())
    assert obj.waitstatus == ISC_R_NOTFOUND


def test_peer_close_kills_the_link_for_good(pair: tuple[socket.socket, socket.socket]) -> None:
    link, dispatcher, server = connected(pair)
    obj = open_lease(link, dispatcher)
    server.receive()
    server.sock.close()
    assert failure(link.wait, lambda: obj.outstanding == 0, soon()).status == DHCP_R_CONNRESET
    assert not link.alive
    # Later requests and waits fail at once, with the same error.
    assert failure(open_lease, link, dispatcher).status == DHCP_R_CONNRESET
    assert failure(link.wait, lambda: False, None).status == DHCP_R_CONNRESET


def test_protocol_error_kills_the_link(pair: tuple[socket.socket, socket.socket]) -> None:
    link, dispatcher, server = connected(pair)
    obj = open_lease(link, dispatcher)
    server.receive()
    server.sock.sendall(bytes(4) + (65).to_bytes(4, "big") + bytes(16))  # authlen 65: too long
    error = failure(link.wait, lambda: obj.outstanding == 0, soon())
    assert error.status == DHCP_R_PROTOCOLERROR
    assert failure(link.wait, lambda: False, soon()).status == DHCP_R_PROTOCOLERROR


def test_close_wakes_a_blocked_reader(pair: tuple[socket.socket, socket.socket]) -> None:
    link, dispatcher, server = connected(pair)
    obj = open_lease(link, dispatcher)
    server.receive()
    errors: list[LinkError] = []

    def waiter() -> None:
        try:
            link.wait(lambda: obj.outstanding == 0, None)  # no deadline: only close ends it
        except LinkError as error:
            errors.append(error)

    thread = threading.Thread(target=waiter)
    thread.start()
    until = soon()
    while not link._reading and time.monotonic() < until:  # the waiter is in its read
        time.sleep(0.001)
    assert link._reading
    link.close()
    thread.join(PATIENCE)
    assert not thread.is_alive()
    assert [error.status for error in errors] == [DHCP_R_CONNRESET]


def test_bad_signature_is_answered_and_the_wait_goes_on(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    link, dispatcher, server = connected(pair, KEY)
    obj = open_lease(link, dispatcher)
    request = server.receive()
    forged = bytearray(
        encode_message(Message(OP_STATUS, 0, 55, request.id, AUTHID, ((b"result", 0),)), KEY)
    )
    forged[-1] ^= 1
    server.sock.sendall(bytes(forged))
    error = failure(link.wait, lambda: obj.outstanding == 0, time.monotonic() + 0.2)
    assert error.status == ISC_R_TIMEDOUT and obj.outstanding == 1
    answer = server.receive()  # signed and verified by the server's reader
    assert (answer.op, answer.rid, answer.authid) == (OP_STATUS, 55, AUTHID)
    assert answer.message_value(b"result") == DHCP_R_INVALIDKEY.to_bytes(4, "big")
    server.reply(request, OP_UPDATE, ends=b"\0\0\0\2")
    link.wait(lambda: obj.outstanding == 0, soon())
    assert obj.values[b"ends"] == b"\0\0\0\2"


def test_threads_share_one_link(pair: tuple[socket.socket, socket.socket]) -> None:
    """Eight waiters, one reader at a time: replies in reverse order reach each its object."""
    link, dispatcher, server = connected(pair, KEY)
    objects = [open_lease(link, dispatcher) for _ in range(8)]
    requests = [server.receive() for _ in objects]
    done: list[RemoteObject] = []
    errors: list[BaseException] = []

    def waiter(obj: RemoteObject) -> None:
        try:
            link.wait(lambda: obj.outstanding == 0, soon())
            done.append(obj)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=waiter, args=(obj,)) for obj in objects]
    for thread in threads:
        thread.start()
    for index, request in reversed(list(enumerate(requests))):
        server.reply(request, OP_UPDATE, index=bytes([index]))
    for thread in threads:
        thread.join(PATIENCE)
    assert errors == []
    assert sorted(map(id, done)) == sorted(map(id, objects))
    assert [obj.values[b"index"] for obj in objects] == [bytes([i]) for i in range(8)]


# session: what a reply does to the object that asked (omapi_message_process)


def received(message: Message) -> MessageReceived:
    """The event of ``message`` read from the wire."""
    return MessageReceived(message, len(encode_message(message)))


def dispatched(obj: RemoteObject, message: Message) -> list[int]:
    """Hand ``message`` (a reply to xid 5) to a dispatcher; the callback statuses it fired."""
    fired: list[int] = []
    obj.callback = (lambda handle, status, data: fired.append(status), None)
    dispatcher = Dispatcher()
    dispatcher.register(5, obj, OP_OPEN)
    for thunk in dispatcher(received(message)):
        thunk()
    return fired


def test_update_copies_values_and_calls_back_twice() -> None:
    obj = RemoteObject("host")
    obj.set(b"name", b"h")
    obj.set(b"gone", None)
    values = ((b"ends", b"\0\0\0\1"), (b"remote-handle", (12).to_bytes(4, "big")))
    fired = dispatched(obj, Message(OP_UPDATE, 0, 1, 5, 0, (), values))
    assert fired == [ISC_R_SUCCESS, ISC_R_SUCCESS]
    assert obj.values == {b"name": b"h", b"ends": b"\0\0\0\1"}  # nulls dropped
    assert (obj.changed, obj.remote_handle, obj.waitstatus) == (set(), 12, ISC_R_SUCCESS)
    assert (obj.outstanding, obj.unseen) == (0, 1)


def test_update_without_values_breaks_the_protocol() -> None:
    """Nothing to apply: the connection fails (as the patched ISC library drops it), and the
    request is not completed."""
    obj = RemoteObject("lease")
    with pytest.raises(ProtocolError) as info:
        dispatched(obj, Message(OP_UPDATE, 3, 1, 5))
    assert info.value.status == DHCP_R_PROTOCOLERROR
    assert (obj.outstanding, obj.unseen, obj.waitstatus) == (1, 0, ISC_R_SUCCESS)


@pytest.mark.parametrize(
    ("values", "status", "text"),
    [
        (((b"result", ISC_R_NOPERM.to_bytes(4, "big")), (b"message", b"no")), ISC_R_NOPERM, "no"),
        (((b"result", b"\1"),), ISC_R_UNEXPECTED, ""),  # not a 4-byte integer
        ((), ISC_R_UNEXPECTED, ""),
    ],
)
def test_status_sets_waitstatus_and_calls_back_once(
    values: tuple[tuple[bytes, bytes], ...], status: int, text: str
) -> None:
    obj = RemoteObject("lease")
    assert dispatched(obj, Message(OP_STATUS, 0, 1, 5, 0, values)) == [status]
    assert (obj.waitstatus, obj.message) == (status, text)


@pytest.mark.parametrize(
    ("rid", "op"),
    [(6, OP_STATUS), (6, OP_UPDATE), (5, OP_OPEN), (5, OP_NOTIFY), (5, OP_DELETE), (5, 0)],
    ids=["unknown rid", "unknown rid update", "open", "notify", "delete", "op 0"],
)
def test_reply_that_answers_no_request_breaks_the_protocol(rid: int, op: int) -> None:
    """As ISC's client: a rid naming no request in flight, or an op that cannot answer,
    fails the connection (the link catches the ProtocolError); nothing is completed."""
    dispatcher = Dispatcher()
    obj = RemoteObject("lease")
    dispatcher.register(5, obj, OP_OPEN)
    with pytest.raises(ProtocolError) as info:
        dispatcher(received(Message(op, 0, 1, rid, 0, ((b"result", 0),))))
    assert info.value.status == DHCP_R_PROTOCOLERROR
    assert dispatcher.pending == {5: (obj, OP_OPEN)} and (obj.outstanding, obj.unseen) == (1, 0)


def test_message_without_rid_is_ignored() -> None:
    dispatcher = Dispatcher()
    obj = RemoteObject("lease")
    dispatcher.register(5, obj, OP_OPEN)
    assert dispatcher(received(Message(OP_NOTIFY, 0, 1, 0))) == []
    assert dispatcher.pending == {5: (obj, OP_OPEN)} and obj.outstanding == 1


# session: open_connection against a listener on 127.0.0.1


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    yield sock
    sock.close()


def serve(listener: socket.socket, key: Key | None, accept: bool) -> threading.Thread:
    """In a thread: intro, then the authenticator accepted or refused with ISC_R_NOPERM."""

    def run() -> None:
        conn, _ = listener.accept()
        with conn:
            server = Server(conn, key)
            server.recv_exactly(8)
            conn.sendall(encode_intro())
            if key is None:
                return
            auth_open = server.receive()
            if accept:
                server.send(Message(OP_UPDATE, AUTHID, 1, auth_open.id, 0, (), ((b"n", b"k"),)))
            else:
                refusal = ((b"result", ISC_R_NOPERM.to_bytes(4, "big")), (b"message", b"denied"))
                server.send(Message(OP_STATUS, 0, 1, auth_open.id, 0, refusal))
            conn.recv(1)  # until the client hangs up

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("key", [None, KEY], ids=["unsigned", "signed"])
def test_open_connection(listener: socket.socket, key: Key | None) -> None:
    thread = serve(listener, key, accept=True)
    connection = open_connection("f", "127.0.0.1", listener.getsockname()[1], key, PATIENCE)
    assert connection.link.alive
    assert connection.link.protocol.state is (State.READY if key else State.INTRO_DONE)
    connection.link.close()
    thread.join(PATIENCE)


def test_refused_authenticator(listener: socket.socket) -> None:
    thread = serve(listener, KEY, accept=False)
    port = listener.getsockname()[1]
    with pytest.raises(DhcpctlError) as info:
        open_connection("f", "127.0.0.1", port, KEY, PATIENCE)
    assert (info.value.status, info.value.detail, info.value.function) == (
        ISC_R_NOPERM,
        f"127.0.0.1:{port}: the server refused the authenticator: denied",
        "f",
    )
    thread.join(PATIENCE)


def test_silent_listener_times_out(listener: socket.socket) -> None:
    with pytest.raises(DhcpctlError) as info:
        open_connection("f", "127.0.0.1", listener.getsockname()[1], None, 0.1)
    assert info.value.status == ISC_R_TIMEDOUT


def test_nothing_listening() -> None:
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    with pytest.raises(DhcpctlError) as info:
        open_connection("f", "127.0.0.1", port, None, PATIENCE)
    assert info.value.status == ISC_R_NOMORE
