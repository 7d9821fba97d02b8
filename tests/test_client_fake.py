"""``dhcpctl.Client`` against fake servers on 127.0.0.1 (both backends): a silent or dying
server gives Timeout or ConnectionLost within the call's time, never a hang; which requests are
sent again on a new connection."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import gc
import socket
import threading
import time
import warnings
import weakref
from collections.abc import Callable

import pytest
from fake_omapi import (
    KEY_ALGORITHM,
    KEY_NAME,
    KEY_SECRET,
    PATIENCE,
    Behaviour,
    handshake,
    recv_message,
    reply,
)

import dhcpctl.aio
from dhcpctl import (
    AuthenticationFailed,
    Client,
    ConnectionLost,
    Key,
    LeaseState,
    MultipleMatches,
    NotFound,
    Timeout,
)
from dhcpctl._results import ISC_R_NOSPACE, ISC_R_SUCCESS
from dhcpctl.fallback.wire import OP_NOTIFY, Message, encode_message
from dhcpctl.testing import Delay, Drop, FakeHost, FakeLease, Garbage, OmapiServer, Stall

#: The timeout of these clients (seconds), and how much later than it a call may end at most:
#: the backends' 1 s slack plus scheduling (a bound against hangs, not a speed figure).
TIMEOUT = 0.5
LATEST = TIMEOUT + 3.0

StartFake = Callable[[Behaviour], int]


#: The key of the keyed fakes here.
KEY = Key("k", "hmac-sha256", b"sixteen byte key")


def counting(behaviour: Behaviour) -> tuple[Behaviour, list[int]]:
    """``behaviour`` that also counts the connections it was given."""
    seen: list[int] = []

    def counted(sock: socket.socket) -> None:
        seen.append(1)
        behaviour(sock)

    return counted, seen


def test_silent_server_gives_timeout_in_time(
    fake_server: StartFake, released: threading.Event, backend_name: str
) -> None:
    def silent(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        recv_message(sock, None)
        released.wait(PATIENCE)

    behaviour, connections = counting(silent)
    port = fake_server(behaviour)
    omapi = Client("127.0.0.1", port, timeout=TIMEOUT, backend=backend_name)
    for attempt in (1, 2):
        started = time.monotonic()
        with pytest.raises(Timeout) as raised:
            omapi.leases.get(ip="198.18.254.150")
        assert time.monotonic() - started < LATEST
        assert "no answer within 0.5 s" in str(raised.value)
        assert isinstance(raised.value, TimeoutError)
        assert len(connections) == attempt  # a timed-out connection is not used again
    with pytest.raises(Timeout, match="the change may have been made"):
        omapi.hosts.delete(name="web-1")
    omapi.close()


def test_server_silent_at_connect_gives_timeout(
    fake_server: StartFake, released: threading.Event, backend_name: str
) -> None:
    def mute(sock: socket.socket) -> None:
        released.wait(PATIENCE)  # accepts, never says a word

    port = fake_server(mute)
    omapi = Client("127.0.0.1", port, timeout=TIMEOUT, backend=backend_name)
    started = time.monotonic()
    with pytest.raises(Timeout):
        omapi.connect()
    assert time.monotonic() - started < LATEST


def closing_at_first_request(sock: socket.socket) -> None:
    handshake(sock, keyed=False)
    recv_message(sock, None)  # then the connection closes


@pytest.mark.parametrize(
    ("call", "connections_made", "says"),
    [
        # A read whose answer was lost is sent once more, on a new connection.
        (lambda omapi: omapi.leases.get(ip="198.18.254.150"), 2, "connection"),
        # A write is never sent again: it may have been carried out.
        (
            lambda omapi: omapi.hosts.create("web-1", mac="02:00:00:00:00:01"),
            1,
            "the change may have been made",
        ),
    ],
    ids=["read", "write"],
)
def test_an_answer_lost_with_the_connection(
    fake_server: StartFake,
    backend_name: str,
    call: Callable[[Client], object],
    connections_made: int,
    says: str,
) -> None:
    behaviour, connections = counting(closing_at_first_request)
    port = fake_server(behaviour)
    omapi = Client("127.0.0.1", port, timeout=5.0, backend=backend_name)
    with pytest.raises(ConnectionLost, match=says) as raised:
        call(omapi)
    assert isinstance(raised.value, ConnectionError)
    assert len(connections) == connections_made
    omapi.close()


def test_a_write_after_the_server_closed_the_idle_connection_goes_on_a_new_one(
    fake_server: StartFake, released: threading.Event, backend_name: str
) -> None:
    """The server answers a lookup, then closes the connection (as a dhcpd that restarts):
    the next write is not sent on it (it would be lost, "the change may have been made") but
    on a new connection, as a request the backend refuses on a connection it knows is dead."""
    hung_up = threading.Event()
    web_1 = ((b"name", b"web-1"), (b"hardware-address", b"\x02\0\0\0\0\1"))

    def answer_then_hang_up_once(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        first = not hung_up.is_set()
        while True:
            sock.sendall(reply(recv_message(sock, None), keyed=False, object_values=web_1))
            if first:
                sock.shutdown(socket.SHUT_RDWR)  # the FIN is on its way before the event
                hung_up.set()
                released.wait(PATIENCE)
                return

    behaviour, connections = counting(answer_then_hang_up_once)
    omapi = Client("127.0.0.1", fake_server(behaviour), timeout=5.0, backend=backend_name)
    assert omapi.hosts.get(name="web-1").name == "web-1"
    assert hung_up.wait(PATIENCE)
    assert omapi.hosts.create("web-1", mac="02:00:00:00:00:01").name == "web-1"
    assert len(connections) == 2
    omapi.close()


def test_a_key_proven_on_the_client_stays_proven_after_a_reconnect(backend_name: str) -> None:
    """Keyed: a lookup answered (the key verified), one timed out (its connection closed), then
    the server drops the next lookup's connection: a lost answer, not a wrong secret. The read
    is sent once more on a new connection and answered, as dhcpctl.aio does."""
    lease = FakeLease("10.0.0.1", mac="02:00:00:00:00:01")
    with (
        OmapiServer(key=KEY, leases=[lease]) as server,
        Client(
            server.address, server.port, key=KEY, timeout=TIMEOUT, backend=backend_name
        ) as omapi,
    ):
        found = omapi.leases.get(ip="10.0.0.1")
        server.inject(Stall())
        with pytest.raises(Timeout):
            omapi.leases.get(ip="10.0.0.1")
        server.inject(Drop())
        assert omapi.leases.get(ip="10.0.0.1") == found
        server.inject(Drop(), replies=2)
        with pytest.raises(ConnectionLost):  # sent once more only
            omapi.leases.get(ip="10.0.0.1")


def test_a_late_answer_is_not_taken_for_the_next_call(
    fake_server: StartFake, released: threading.Event, backend_name: str
) -> None:
    """The first request's answer comes after the timeout: the client has closed that
    connection, and the next call gets its own answer on a new one."""
    answered = threading.Event()

    def slow_then_fast(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        request = recv_message(sock, None)
        if not answered.is_set():
            answered.set()
            released.wait(TIMEOUT + 1.0)
            name = b"late"
        else:
            name = b"prompt"
        with_values = ((b"name", name), (b"hardware-address", b"\x02\0\0\0\0\1"))
        sock.sendall(reply(request, keyed=False, object_values=with_values))
        released.wait(PATIENCE)

    port = fake_server(slow_then_fast)
    omapi = Client("127.0.0.1", port, timeout=TIMEOUT, backend=backend_name)
    with pytest.raises(Timeout):
        omapi.hosts.get(name="any")
    assert omapi.hosts.get(name="any").name == "prompt"
    omapi.close()


@pytest.mark.parametrize(
    ("arguments", "options", "message"),
    [
        (("",), {}, "address"),
        (("127.0.0.1", 0), {}, "port"),
        (("127.0.0.1", 70000), {}, "port"),
        (("127.0.0.1",), {"timeout": 0}, "timeout"),
        (("127.0.0.1",), {"timeout": -1.0}, "timeout"),
        (("127.0.0.1",), {"backend": "c"}, "backend"),
        (("127.0.0.1",), {"key": "omapi_key"}, "key"),
    ],
)
def test_bad_client_arguments_are_refused(
    arguments: tuple[object, ...], options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{message}: "):
        Client(*arguments, **options)  # type: ignore[arg-type]


def test_repr_names_the_key_never_its_secret(backend_name: str) -> None:
    omapi = Client(
        "127.0.0.1", key=Key("omapi_key", "HMAC-SHA256", b"s3cr3t-bytes"), backend=backend_name
    )
    text = repr(omapi)
    assert text == f"<dhcpctl.Client 127.0.0.1:7911, key 'omapi_key', {backend_name} backend>"
    assert omapi.backend == backend_name


def test_the_aio_repr_is_the_sync_ones_never_a_secret() -> None:
    """As the sync Client's: address, port, the key's name (or no key) and what runs it."""
    key = Key("omapi_key", "HMAC-SHA256", b"s3cr3t-bytes")
    keyed = dhcpctl.aio.Client("198.18.2.2", key=key)
    assert (
        repr(keyed)
        == "<dhcpctl.aio.Client 198.18.2.2:7911, key 'omapi_key', asyncio, python codec>"
    )
    assert "s3cr3t" not in repr(keyed) and "czNjcjN0" not in repr(keyed)
    plain = dhcpctl.aio.Client("198.18.2.2", 7912)
    assert repr(plain) == "<dhcpctl.aio.Client 198.18.2.2:7912, no key, asyncio, python codec>"


def test_a_dropped_client_goes_with_its_last_reference(
    omapi_server_factory: Callable[..., OmapiServer], backend_name: str
) -> None:
    """A client dropped without close() goes, its connection with it, when its last
    reference does, not at the garbage collector's next cycle: nothing it holds refers back to
    it (a collection once kept its bound operations, each holding the collection). A bound
    operation held elsewhere keeps it."""
    server = omapi_server_factory(leases=[FakeLease(ip="198.18.1.150", mac="02:00:00:00:00:01")])
    omapi = Client(server.address, server.port, timeout=PATIENCE, backend=backend_name)
    lookup = omapi.leases.get
    assert lookup(ip="198.18.1.150").hardware_address == "02:00:00:00:00:01"
    omapi.hosts.get  # noqa: B018 (an access that binds, once more)
    client, executor = weakref.ref(omapi), weakref.ref(omapi._executor)
    gc.disable()
    try:
        with warnings.catch_warnings():
            # The python backend's socket, closed by its finalizer, says it was not closed.
            warnings.simplefilter("ignore", ResourceWarning)
            del omapi
            assert executor() is not None  # the bound operation holds its collection
            del lookup
            assert client() is None and executor() is None
    finally:
        gc.enable()


def test_multiple_matches_says_how_to_choose_for_what_was_asked(backend_name: str) -> None:
    """A MAC two leases share: dhcpd (dhcp_lease_lookup) refuses it as a key even beside ip=,
    so the hint is to ask by ip= alone, not to add ip=."""
    shared = "02:00:00:00:00:07"
    leases = [FakeLease("10.0.0.1", mac=shared), FakeLease("10.0.0.2", mac=shared)]
    with (
        OmapiServer(leases=leases) as server,
        Client(server.address, server.port, backend=backend_name) as omapi,
    ):
        with pytest.raises(MultipleMatches, match="ask by ip= to choose one"):
            omapi.leases.get(mac=shared)
        # Beside the address of the MAC's chain head (mdb.c hw_hash_add: of two equal
        # leases the one hashed later, 10.0.0.2); beside the other it is a KeyConflict.
        with pytest.raises(MultipleMatches) as raised:
            omapi.leases.get(ip="10.0.0.2", mac=shared)
        assert "ask by ip= alone" in str(raised.value)
        assert "to choose one" not in str(raised.value)
        assert omapi.leases.get(ip="10.0.0.1").hardware_address == shared


def test_an_address_as_packed_bytes_is_refused_as_the_docs_say(backend_name: str) -> None:
    """``ip=`` is ``str`` or ``IPv4Address`` (README, signatures, error texts): 4 packed bytes
    are refused before anything is sent, as any other type is."""
    with (
        OmapiServer(leases=[FakeLease("10.0.0.1", mac="02:00:00:00:00:01")]) as server,
        Client(server.address, server.port, backend=backend_name) as omapi,
    ):
        for packed in (b"\x0a\x00\x00\x01", bytearray(b"\x0a\x00\x00\x01")):
            with pytest.raises(ValueError, match=r"is not an IPv4 address \(str or IPv4Address\)"):
                omapi.leases.get(ip=packed)  # type: ignore[arg-type]
            with pytest.raises(ValueError, match=r"is not an IPv4 address \(str or IPv4Address\)"):
                omapi.hosts.create("web-1", mac="02:00:00:00:00:02", ip=[packed])  # type: ignore[list-item]
        assert server.hosts == []
        assert omapi.leases.get(ip="10.0.0.1").hardware_address == "02:00:00:00:00:01"


def test_fake_finds_hosts_and_leases_by_mac_with_their_hardware_type(backend_name: str) -> None:
    lease = FakeLease(ip="198.18.1.20", mac="02:00:00:00:00:1a", hardware_type=6)
    host = FakeHost("tr", mac="02:00:00:00:00:0a", hardware_type=6)
    with (
        OmapiServer(leases=[lease], hosts=[host]) as server,
        Client("127.0.0.1", server.port, backend=backend_name) as omapi,
    ):
        with pytest.raises(NotFound):
            omapi.hosts.get(mac="02:00:00:00:00:0a")
        assert omapi.hosts.get(mac="02:00:00:00:00:0a", hardware_type=6).name == "tr"
        with pytest.raises(NotFound):
            omapi.leases.get(mac="02:00:00:00:00:1a")
        assert omapi.leases.get(mac="02:00:00:00:00:1a", hardware_type=6).hardware_type == 6
        omapi.hosts.delete(mac="02:00:00:00:00:0a", hardware_type=6)
        assert server.hosts == []


GARBAGE_KEY = Key("omapi_key", "hmac-sha256", b"sixteen byte key")


def test_garbage_to_the_first_signed_request_is_a_protocol_error() -> None:
    """A reply that cannot be parsed is ConnectionLost (protocol error), not
    AuthenticationFailed, on a keyed client's first request: sync (python backend: the native
    one gets a reset connection from ISC's library) and aio alike; a read is sent once more."""
    lease = FakeLease(ip="198.18.1.20", mac="02:00:00:00:00:1a")
    with OmapiServer(key=GARBAGE_KEY, leases=[lease]) as server:
        server.inject(Garbage(), replies=1)
        with Client("127.0.0.1", server.port, key=GARBAGE_KEY, backend="python") as omapi:
            with pytest.raises(ConnectionLost, match="protocol error") as lost:
                omapi.hosts.create("web-1", mac="02:00:00:00:00:01")
            assert not isinstance(lost.value, dhcpctl.AuthenticationFailed)
        server.inject(Garbage(), replies=1)
        with Client("127.0.0.1", server.port, key=GARBAGE_KEY, backend="python") as omapi:
            assert omapi.leases.get(ip="198.18.1.20").hardware_address == lease.mac

        async def main() -> None:
            server.inject(Garbage(), replies=1)
            async with dhcpctl.aio.Client("127.0.0.1", server.port, key=GARBAGE_KEY) as omapi:
                with pytest.raises(ConnectionLost, match="protocol error") as lost:
                    await omapi.hosts.create("web-2", mac="02:00:00:00:00:02")
                assert not isinstance(lost.value, dhcpctl.AuthenticationFailed)

        asyncio.run(main())


def silent_first(arrived: threading.Event, released: threading.Event) -> Behaviour:
    """A fake (no key) that never answers the first request it gets (``arrived`` is set
    then), and answers every later one with the host web-1."""

    def behaviour(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        request = recv_message(sock, None)
        if not arrived.is_set():
            arrived.set()
        else:
            with_values = ((b"name", b"web-1"), (b"hardware-address", b"\x02\0\0\0\0\1"))
            sock.sendall(reply(request, keyed=False, object_values=with_values))
        released.wait(PATIENCE)

    return behaviour


def in_a_thread(call: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    """``call()`` run in a new thread, started: the thread, and a list that gets what the call
    raises."""
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as error:
            outcome.append(error)

    caller = threading.Thread(target=run)
    caller.start()
    return caller, outcome


@pytest.mark.parametrize("fault", [Drop(), Garbage()], ids=["drop", "garbage"])
def test_a_first_lookup_lost_with_the_right_key_is_sent_once_more(
    backend_name: str, fault: Drop | Garbage
) -> None:
    """A keyed connection opened (as ``with Client`` does), then the server drops the first
    lookup's connection, as a dhcpd restarted meanwhile does: a lost answer, not a wrong
    secret. The read is sent once more on a new connection and answered, as dhcpctl.aio does."""
    lease = FakeLease("10.0.0.1", mac="02:00:00:00:00:01")
    with (
        OmapiServer(key=KEY, leases=[lease]) as server,
        Client(server.address, server.port, key=KEY, timeout=5.0, backend=backend_name) as omapi,
    ):
        server.inject(fault)
        assert str(omapi.leases.get(ip="10.0.0.1").ip_address) == "10.0.0.1"


def test_a_first_write_lost_with_the_right_key_is_a_lost_connection(backend_name: str) -> None:
    """The first request of a keyed client is a write whose connection the server drops: the
    write is not sent again (it may have been carried out), and the key is not blamed: a
    harmless signed lookup on a new connection is answered, so the error is ConnectionLost."""
    with (
        OmapiServer(key=KEY) as server,
        Client(server.address, server.port, key=KEY, timeout=5.0, backend=backend_name) as omapi,
    ):
        server.inject(Drop())
        with pytest.raises(ConnectionLost, match="the change may have been made"):
            omapi.hosts.create("web-1", mac="02:00:00:00:00:01")
        assert omapi.hosts.get(name="web-1").name == "web-1"  # it was carried out


@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
def test_a_wrong_secret_is_authentication_failed_and_nothing_changes(
    backend_name: str, write: bool
) -> None:
    wrong = Key(KEY.name, KEY.algorithm, b"not the secret!!")
    with OmapiServer(key=KEY) as server:
        with (
            pytest.raises(AuthenticationFailed, match="secret"),
            Client(server.address, server.port, key=wrong, timeout=5.0, backend=backend_name) as c,
        ):
            if write:
                c.hosts.create("web-1", mac="02:00:00:00:00:01")
            else:
                c.leases.get(ip="10.0.0.1")
        with (
            Client(server.address, server.port, key=KEY, backend=backend_name) as omapi,
            pytest.raises(NotFound),
        ):
            omapi.hosts.get(name="web-1")


@pytest.mark.parametrize("timeout", [30.0, None], ids=["timed", "untimed"])
def test_close_from_another_thread_ends_the_running_call(
    fake_server: StartFake,
    released: threading.Event,
    backend_name: str,
    timeout: float | None,
) -> None:
    """A call waits for an answer that never comes; ``close()`` from another thread returns
    at once and ends it with ConnectionLost (as dhcpctl.aio's close does): within the native
    backend's 1 s wait slice, not at the call's timeout, or never."""
    arrived = threading.Event()
    port = fake_server(silent_first(arrived, released))
    omapi = Client("127.0.0.1", port, timeout=timeout, backend=backend_name)
    caller, outcome = in_a_thread(lambda: omapi.hosts.get(name="web-1"))
    assert arrived.wait(PATIENCE)
    started = time.monotonic()
    omapi.close()
    closed_in = time.monotonic() - started
    caller.join(LATEST)
    assert not caller.is_alive()
    assert closed_in < LATEST
    assert len(outcome) == 1 and isinstance(outcome[0], ConnectionLost), outcome
    assert "closed" in str(outcome[0])
    # The client is usable again: the next call opens a new connection.
    assert omapi.hosts.get(name="web-1").name == "web-1"
    omapi.close()


def test_a_call_waiting_for_its_turn_ends_within_its_timeout(
    fake_server: StartFake, released: threading.Event, backend_name: str
) -> None:
    """Ten threads share one client (one call at a time) and the server never answers: the
    time a call waits for its turn counts toward its timeout, so none takes ten timeouts."""

    def silent(sock: socket.socket) -> None:
        handshake(sock, keyed=False)
        released.wait(PATIENCE)

    port = fake_server(silent)
    omapi = Client("127.0.0.1", port, timeout=TIMEOUT, backend=backend_name)
    took: list[float] = []
    errors: list[BaseException] = []

    def call() -> None:
        started = time.monotonic()
        try:
            omapi.leases.get(ip="10.0.0.1")
        except BaseException as error:
            errors.append(error)
        took.append(time.monotonic() - started)

    callers = [threading.Thread(target=call) for _ in range(10)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(10 * LATEST)
    assert len(took) == 10 and all(isinstance(error, Timeout) for error in errors), errors
    assert max(took) < LATEST, took
    omapi.close()


def test_a_server_that_does_not_read_is_no_wrong_secret(fake_server: StartFake) -> None:
    """Keyed, the key never verified: the server floods unsigned notifications and reads
    nothing, so the python backend drops the connection itself (``ISC_R_NOSPACE``: the
    STATUS answers it owes pile up unsent). That is ConnectionLost, as dhcpctl.aio says, not
    AuthenticationFailed. (ISC's library sees only a dropped connection there, which on the
    native backend cannot be told from a wrong secret: see dhcpctl._sync.)"""
    flood = encode_message(Message(OP_NOTIFY, 0, 5, 0, 0, (), ((b"x", b"y"),))) * 200

    def flooding(sock: socket.socket) -> None:
        # (Its receive buffer is left as it is: shrunk under an open connection, it makes the
        # kernel drop segments, and loopback TCP backs off for tens of seconds.)
        handshake(sock, keyed=True)
        recv_message(sock)
        with contextlib.suppress(OSError):
            for _ in range(2000):
                sock.sendall(flood)

    port = fake_server(flooding)
    with (
        pytest.raises(ConnectionLost, match="does not read") as raised,
        Client(
            "127.0.0.1",
            port,
            key=Key(KEY_NAME, KEY_ALGORITHM, KEY_SECRET),
            timeout=60.0,
            backend="python",
        ) as omapi,
    ):
        omapi.leases.get(ip="10.0.0.1")
    assert raised.value.status == ISC_R_NOSPACE


def test_close_while_connecting_sends_nothing(
    fake_server: StartFake, released: threading.Event, backend_name: str
) -> None:
    """``close()`` while the call's connect waits for the server's intro: close returns at
    once; the connect cannot be cut, but once the server answers it, the call ends with
    ConnectionLost and its request (a write) is never sent."""
    closed = threading.Event()
    requests: list[Message] = []

    def late(sock: socket.socket) -> None:
        closed.wait(PATIENCE)
        handshake(sock, keyed=False)
        with contextlib.suppress(OSError):
            requests.append(recv_message(sock, None))
        released.wait(PATIENCE)

    omapi = Client("127.0.0.1", fake_server(late), timeout=10.0, backend=backend_name)
    caller, outcome = in_a_thread(lambda: omapi.hosts.create("web-1", mac="02:00:00:00:00:01"))
    time.sleep(0.3)  # the call is connecting: the server never speaks before `closed`
    started = time.monotonic()
    omapi.close()
    assert time.monotonic() - started < 0.5
    closed.set()
    caller.join(LATEST)
    assert not caller.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], ConnectionLost), outcome
    assert "closed" in str(outcome[0])
    assert requests == []


def test_close_during_a_call_leaves_a_client_without_reconnect_usable(
    fake_server: StartFake, released: threading.Event, backend_name: str
) -> None:
    """``reconnect=False`` keeps a lost connection lost, but a close is no loss: after a
    ``close()`` that cut a running call, the next call opens a new connection."""
    first = threading.Event()
    port = fake_server(silent_first(first, released))
    omapi = Client("127.0.0.1", port, timeout=30.0, backend=backend_name, reconnect=False)
    caller = threading.Thread(target=_get_web_1, args=(omapi,))
    caller.start()
    assert first.wait(PATIENCE)
    omapi.close()
    caller.join(LATEST)
    assert not caller.is_alive()
    assert omapi.hosts.get(name="web-1").name == "web-1"
    omapi.close()


def test_a_lost_connection_without_reconnect_keeps_its_status_until_close(
    backend_name: str,
) -> None:
    """``reconnect=False``: the calls after a loss raise ConnectionLost with the loss's status
    (never ISC_R_SUCCESS); ``close()`` ends that, and the next call (or ``with``) connects."""
    with OmapiServer(leases=[FakeLease("10.0.0.1")]) as server:
        omapi = Client(
            server.address, server.port, timeout=5.0, backend=backend_name, reconnect=False
        )
        omapi.leases.get(ip="10.0.0.1")
        server.inject(Drop())
        with pytest.raises(ConnectionLost) as first:
            omapi.leases.get(ip="10.0.0.1")
        for later in (lambda: omapi.leases.get(ip="10.0.0.1"), omapi.connect):
            with pytest.raises(ConnectionLost, match="reconnect=False") as raised:
                later()
            assert raised.value.status == first.value.status != ISC_R_SUCCESS
            assert "success" not in str(raised.value)
        omapi.close()
        assert omapi.leases.get(ip="10.0.0.1").state is LeaseState.ACTIVE
        server.inject(Drop())
        with pytest.raises(ConnectionLost):
            omapi.leases.get(ip="10.0.0.1")
        omapi.close()
        with omapi:
            assert omapi.leases.get(ip="10.0.0.1").state is LeaseState.ACTIVE


def test_aio_a_lost_connection_without_reconnect_stays_lost_until_close() -> None:
    async def scenario(server: OmapiServer) -> None:
        omapi = dhcpctl.aio.Client(server.address, server.port, reconnect=False)
        await omapi.leases.get(ip="10.0.0.1")
        server.inject(Drop())
        with pytest.raises(ConnectionLost):
            await omapi.leases.get(ip="10.0.0.1")
        with pytest.raises(ConnectionLost, match="reconnect=False") as raised:
            await omapi.leases.get(ip="10.0.0.1")
        assert raised.value.status != ISC_R_SUCCESS
        await omapi.close()
        async with omapi:
            assert (await omapi.leases.get(ip="10.0.0.1")).state is LeaseState.ACTIVE

    with OmapiServer(leases=[FakeLease("10.0.0.1")]) as server:
        asyncio.run(scenario(server))


def _get_web_1(omapi: Client) -> None:
    with contextlib.suppress(ConnectionLost):
        omapi.hosts.get(name="web-1")


@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
def test_a_wrong_secret_without_reconnect_is_authentication_failed(
    backend_name: str, write: bool
) -> None:
    """With ``reconnect=False`` too: the connection that asks whether the key is refused is
    opened only for that, and closed."""
    wrong = Key(KEY.name, KEY.algorithm, b"not the secret!!")
    with OmapiServer(key=KEY) as server:
        omapi = Client(
            server.address,
            server.port,
            key=wrong,
            timeout=5.0,
            backend=backend_name,
            reconnect=False,
        )
        with pytest.raises(AuthenticationFailed, match="secret"):
            if write:
                omapi.hosts.create("web-1", mac="02:00:00:00:00:01")
            else:
                omapi.leases.get(ip="10.0.0.1")
        with pytest.raises(ConnectionLost, match="reconnect=False"):
            omapi.leases.get(ip="10.0.0.1")


def test_a_secret_changed_on_the_server_is_authentication_failed(backend_name: str) -> None:
    """The key worked; the server restarts with a new secret for the same key name: the
    client's next calls say the key is refused, not that the connection was lost."""
    lease = FakeLease("10.0.0.1", mac="02:00:00:00:00:01")
    with OmapiServer(key=KEY, leases=[lease]) as first:
        omapi = Client(first.address, first.port, key=KEY, timeout=5.0, backend=backend_name)
        assert str(omapi.leases.get(ip="10.0.0.1").ip_address) == "10.0.0.1"
        port = first.port
    rotated = Key(KEY.name, KEY.algorithm, b"a new secret key")
    with OmapiServer(key=rotated, leases=[lease], port=port):
        with pytest.raises(AuthenticationFailed, match="secret"):
            omapi.leases.get(ip="10.0.0.1")
        with pytest.raises(AuthenticationFailed, match="secret"):
            omapi.hosts.create("web-1", mac="02:00:00:00:00:02")
    omapi.close()


def test_close_during_the_key_check_does_not_blame_the_key(backend_name: str) -> None:
    """A write's connection is dropped at its first request; the lookup that asks whether the
    key is refused is answered late, and ``close()`` comes meanwhile: ConnectionLost (the
    client was closed), not AuthenticationFailed."""
    with OmapiServer(key=KEY) as server:
        omapi = Client(server.address, server.port, key=KEY, timeout=30.0, backend=backend_name)
        omapi.connect()
        server.inject(Drop())
        server.inject(Delay(3.0))
        caller, outcome = in_a_thread(lambda: omapi.hosts.create("web-1", mac="02:00:00:00:00:01"))
        time.sleep(1.0)  # the write was dropped; the key check waits for its late answer
        omapi.close()
        caller.join(LATEST + 3.0)
        assert not caller.is_alive()
        assert len(outcome) == 1 and type(outcome[0]) is ConnectionLost, outcome
        assert "closed" in str(outcome[0])


def serving_one_lease() -> OmapiServer:
    ends = datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc)
    return OmapiServer(leases=[FakeLease(ip="198.18.1.150", ends=ends)])


@pytest.mark.parametrize("state", [LeaseState.RELEASED, 4, "released", "Released"])
def test_lease_update_takes_a_state_as_the_enum_its_number_or_its_name(
    backend_name: str, state: LeaseState | int | str
) -> None:
    with (
        serving_one_lease() as server,
        Client(server.address, server.port, backend=backend_name) as omapi,
    ):
        lease = omapi.leases.update(ip="198.18.1.150", state=state)
        assert lease.state is LeaseState.RELEASED
    assert server.leases[0].state is LeaseState.RELEASED


def test_aio_lease_update_takes_a_state_by_its_name() -> None:
    async def scenario(server: OmapiServer) -> None:
        async with dhcpctl.aio.Client(server.address, server.port) as omapi:
            lease = await omapi.leases.update(ip="198.18.1.150", state="abandoned")
            assert lease.state is LeaseState.ABANDONED

    with serving_one_lease() as server:
        asyncio.run(scenario(server))
        assert server.leases[0].state is LeaseState.ABANDONED


@pytest.mark.parametrize("state", ["bogus", 99, 2.0])
def test_lease_update_refuses_a_bad_state_before_anything_is_sent(
    backend_name: str, state: object
) -> None:
    ends = datetime.datetime(2035, 1, 1, tzinfo=datetime.timezone.utc)
    with (
        serving_one_lease() as server,
        Client(server.address, server.port, backend=backend_name) as omapi,
    ):
        with pytest.raises(ValueError, match=r"^state: .* is not a LeaseState"):
            omapi.leases.update(ip="198.18.1.150", ends=ends, state=state)  # type: ignore[arg-type]
        assert server.leases[0].ends == datetime.datetime(2036, 1, 1, tzinfo=datetime.timezone.utc)
        assert server.leases[0].state is LeaseState.ACTIVE
