"""The typed clients as twins against servers that break OMAPI: the sync ``dhcpctl.Client`` on
each backend and ``dhcpctl.aio.Client`` give the same result and the same error class for the
same server behaviour (README: "the same errors"). A reply that breaks the protocol fails the
connection (``dhcpctl/_api.py``, "Hostile servers"): ConnectionLost at once, not a Timeout, and
never an object whose every field is None."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Callable

import pytest
from conftest import backend_or_skip
from fake_omapi import (
    KEY,
    KEY_ALGORITHM,
    KEY_NAME,
    KEY_SECRET,
    Behaviour,
    handshake,
    recv_exactly,
    recv_message,
    reply,
)

import dhcpctl
import dhcpctl.aio
from dhcpctl import AuthenticationFailed, ConnectionLost, Lease
from dhcpctl._results import ISC_R_NOTFOUND, ISC_R_SUCCESS
from dhcpctl.fallback.wire import (
    OP_DELETE,
    OP_NOTIFY,
    OP_OPEN,
    OP_REFRESH,
    OP_STATUS,
    Message,
    encode_intro,
    encode_message,
)

#: The clients' timeout (seconds): a protocol error must come before it (else it is a Timeout).
TIMEOUT = 2.0

StartFake = Callable[[Behaviour], int]
Answer = Callable[[Message], bytes]


@pytest.fixture(params=("python", "native", "aio"))
def client_kind(request: pytest.FixtureRequest) -> str:
    """The sync client on each backend, then the asyncio client."""
    kind: str = request.param
    if kind != "aio":
        backend_or_skip(kind)
    return kind


def lease_lookups(
    kind: str, port: int, count: int, *, keyed: bool = False, reconnect: bool = True
) -> list[object]:
    """``count`` lease lookups by one client of ``kind``, one after the other: each one's Lease
    or the error it raised (a connect's error ends the list)."""
    key = dhcpctl.Key(KEY_NAME, KEY_ALGORITHM, KEY_SECRET) if keyed else None
    outcomes: list[object] = []

    async def asynchronous() -> None:
        async with dhcpctl.aio.Client(
            "127.0.0.1", port, timeout=TIMEOUT, key=key, reconnect=reconnect
        ) as omapi:
            for _ in range(count):
                try:
                    outcomes.append(await omapi.leases.get(ip="10.0.0.1"))
                except dhcpctl.DhcpctlError as error:
                    outcomes.append(error)

    def synchronous() -> None:
        with dhcpctl.Client(
            "127.0.0.1", port, timeout=TIMEOUT, key=key, backend=kind, reconnect=reconnect
        ) as omapi:
            for _ in range(count):
                try:
                    outcomes.append(omapi.leases.get(ip="10.0.0.1"))
                except dhcpctl.DhcpctlError as error:
                    outcomes.append(error)

    try:
        if kind == "aio":
            asyncio.run(asynchronous())
        else:
            synchronous()
    except dhcpctl.DhcpctlError as error:
        outcomes.append(error)
    return outcomes


def answering(answer: Answer, connections: list[int]) -> Behaviour:
    """A fake (no key) answering each request of each connection with ``answer(request)``;
    ``connections`` gets one item per connection."""
    numbers = itertools.count(1)

    def behaviour(sock: socket.socket) -> None:
        connections.append(next(numbers))
        handshake(sock, keyed=False)
        while True:
            sock.sendall(answer(recv_message(sock, None)))

    return behaviour


LEASE = ((b"ip-address", socket.inet_aton("10.0.0.1")), (b"state", b"\0\0\0\2"))


def good(request: Message) -> bytes:
    return reply(request, keyed=False, object_values=LEASE)


def assert_protocol_broken(kind: str, answer: Answer, fake_server: StartFake) -> None:
    """A lookup that every connection answers with ``answer`` raises ConnectionLost (a read
    is sent once more on a new connection, on every client, and fails there too)."""
    connections: list[int] = []
    [lost] = lease_lookups(kind, fake_server(answering(answer, connections)), 1)
    assert isinstance(lost, ConnectionLost), f"{kind}: {lost!r}"
    assert len(connections) == 2, f"{kind}: {len(connections)} connections"


def test_an_update_reply_without_object_values_is_connection_lost(
    client_kind: str, fake_server: StartFake
) -> None:
    """Nothing to apply: no object (message.c omapi_message_process, the patched library and
    the python backend's Dispatcher fail the connection)."""
    assert_protocol_broken(
        client_kind, lambda request: reply(request, keyed=False, object_values=()), fake_server
    )


def test_a_lookup_answered_success_without_the_object_is_connection_lost(
    client_kind: str, fake_server: StartFake
) -> None:
    """dhcpd answers an OPEN with an UPDATE of the object or a STATUS of its error
    (omapip/message.c omapi_message_process_internal, OMAPI_OP_OPEN): a STATUS "success" gives
    no object, and a lookup that found none is no Lease."""
    assert_protocol_broken(
        client_kind,
        lambda request: reply(request, keyed=False, op=OP_STATUS, object_values=()),
        fake_server,
    )


def test_a_good_reply_is_a_lease_on_every_client(client_kind: str, fake_server: StartFake) -> None:
    """The fake's good answer, the reference the tests above compare with."""
    connections: list[int] = []
    [found] = lease_lookups(client_kind, fake_server(answering(good, connections)), 1)
    assert isinstance(found, Lease) and str(found.ip_address) == "10.0.0.1"
    assert connections == [1]


@pytest.mark.parametrize("op", [OP_OPEN, OP_REFRESH, OP_NOTIFY, OP_DELETE, 99])
def test_a_reply_of_an_op_that_cannot_answer_is_connection_lost(
    client_kind: str, fake_server: StartFake, op: int
) -> None:
    """A message with the rid of the request in flight and an op other than UPDATE or STATUS
    (the patched omapip/message.c omapi_message_process_internal: DHCP_R_PROTOCOLERROR, and
    protocol.c drops the connection): ConnectionLost at once, not a Timeout."""
    assert_protocol_broken(
        client_kind,
        lambda request: reply(request, keyed=False, op=op, object_values=LEASE),
        fake_server,
    )


def authenticator_answered(result: int) -> Behaviour:
    """A keyed fake answering the authenticator OPEN with a STATUS of ``result``."""

    def behaviour(sock: socket.socket) -> None:
        sock.sendall(encode_intro())
        recv_exactly(sock, 8)
        auth_open = recv_message(sock, None)
        status = Message(OP_STATUS, 0, 1, auth_open.id, 0, ((b"result", result),), ())
        sock.sendall(encode_message(status))
        recv_exactly(sock, 1)  # until the client goes

    return behaviour


@pytest.mark.parametrize(
    "result, error",
    [(ISC_R_SUCCESS, ConnectionLost), (ISC_R_NOTFOUND, AuthenticationFailed)],
    ids=["success", "notfound"],
)
def test_an_authenticator_answered_by_a_status(
    client_kind: str, fake_server: StartFake, result: int, error: type[Exception]
) -> None:
    """Only an UPDATE with a handle accepts the authenticator (omapip/protocol.c
    omapi_protocol_signal_handler): a STATUS "success" accepts nothing and breaks the protocol
    (ConnectionLost); dhcpd refuses a key it does not know with ISC_R_NOTFOUND
    (omapip/auth.c omapi_auth_key_lookup): AuthenticationFailed, naming the key."""
    [outcome] = lease_lookups(
        client_kind, fake_server(authenticator_answered(result)), 1, keyed=True
    )
    assert type(outcome) is error, f"{client_kind}: {outcome!r}"
    if error is AuthenticationFailed:
        assert repr(KEY.name) in str(outcome), outcome


#: The sync clients: dhcpctl.aio drops a reply for no request in flight instead (its contract;
#: tests/test_aio_fakes.py test_a_reply_with_an_unknown_rid_is_dropped and
#: test_a_second_answer_is_dropped).
SYNC = pytest.mark.parametrize("client_kind", ["python", "native"])


@SYNC
@pytest.mark.parametrize("distance", [1, 1000, -1])
def test_a_reply_to_a_request_never_sent_is_connection_lost(
    client_kind: str, fake_server: StartFake, distance: int
) -> None:
    """A reply whose rid names no request sent on the connection (omapip/message.c
    omapi_message_process_internal: ISC_R_NOTFOUND, and protocol.c drops the connection):
    ConnectionLost at once, not a Timeout."""

    def stray(request: Message) -> bytes:
        rid = (request.id + distance) & 0xFFFFFFFF or 1
        return reply(request._replace(id=rid), keyed=False, object_values=LEASE)

    assert_protocol_broken(client_kind, stray, fake_server)


@SYNC
def test_a_second_reply_to_an_answered_request_is_connection_lost(
    client_kind: str, fake_server: StartFake
) -> None:
    """The first lookup is answered; the second gets another reply to the first (answered
    already: ISC's client unregisters a request at its reply, so the rid names nothing in
    flight) and then its own. The stale reply fails the connection: ConnectionLost (no
    reconnect), never the second lookup's answer delivered after it."""
    connections: list[int] = []
    first: list[Message] = []

    def answer(request: Message) -> bytes:
        if not first:
            first.append(request)
            return good(request)
        return reply(first[0], keyed=False, object_values=LEASE, xid=2000) + good(request)

    port = fake_server(answering(answer, connections))
    found, lost = lease_lookups(client_kind, port, 2, reconnect=False)
    assert isinstance(found, Lease), f"{client_kind}: {found!r}"
    assert isinstance(lost, ConnectionLost), f"{client_kind}: {lost!r}"
