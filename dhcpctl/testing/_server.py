"""``OmapiServer``: an OMAPI server that behaves like dhcpd 4.4.3-P1, on 127.0.0.1, in threads.

The wire protocol is the codec's server side
(:class:`dhcpctl.fallback.server_protocol.ServerProtocol`); what requests do is
:mod:`._dispatch` and :mod:`._store` (ISC's ``omapip/message.c``, ``server/omapi.c``,
``common/comapi.c``). One thread accepts, one thread serves each connection; requests are
processed one at a time, as dhcpd's single-threaded dispatch does. A connection's thread and
socket are forgotten as soon as it ends (a stalled one ends when its client closes), so a
server that lives for a whole test session holds only what its open connections need.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

from dhcpctl import _values as v
from dhcpctl._key import Key
from dhcpctl.fallback.auth import Key as WireKey
from dhcpctl.fallback.server_protocol import Answer, Closed, Request, ServerProtocol

from . import _store
from ._dispatch import process
from ._faults import FAULTS, BadSignature, Delay, Drop, Fault, Garbage, Stall
from ._objects import (
    FakeClass,
    FakeFailoverState,
    FakeGroup,
    FakeHost,
    FakeLease,
    FakeSubclass,
)

K = TypeVar("K")
#: An IPv4 address as :class:`OmapiServer` takes one.
Address = str | ipaddress.IPv4Address
V = TypeVar("V")

#: Bytes read from a connection at once.
_CHUNK = 65536


class OmapiServer:
    """A fake dhcpd for tests: ``with OmapiServer(key=..., leases=[...], hosts=[...]) as
    server:`` then connect any OMAPI client to ``server.address``, ``server.port``.

    ``key`` (a :class:`dhcpctl.Key`, or None for a server without a key: dhcpd's ``omapi-key``)
    is the one key it knows; with a key every request must be signed with it. ``address`` and
    ``port`` (0: a free port) are where it listens. The objects it starts with are copied in;
    :attr:`leases`, :attr:`hosts`, :attr:`groups` give its state at the time of the call.
    ``ranges`` are dhcpd.conf's ``range FIRST LAST;`` (pairs of addresses, ``str`` or
    ``IPv4Address``, first <= last): an address in one that no given lease holds has a free
    lease (``ends`` and ``starts`` 1970-01-01, mdb.c new_address_range), found by its address
    and changed as any other.

    Raises ``ValueError`` for objects dhcpd could not hold (a host whose group is not given,
    two hosts or leases of one name or address, a range that is not two addresses in order),
    ``OSError`` if it cannot listen.
    """

    def __init__(
        self,
        *,
        key: Key | None = None,
        leases: Iterable[FakeLease] = (),
        hosts: Iterable[FakeHost] = (),
        groups: Iterable[FakeGroup] = (),
        classes: Iterable[FakeClass] = (),
        subclasses: Iterable[FakeSubclass] = (),
        failover: Iterable[FakeFailoverState] = (),
        ranges: Iterable[tuple[Address, Address]] = (),
        address: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.key = key
        self._keys = [] if key is None else [WireKey(key.name, key.algorithm, key.secret)]
        self._store = _store.Store(lambda: int(time.time()))
        self._store.ranges = [_range(pair) for pair in ranges]
        self._load(leases, hosts, groups, classes, subclasses, failover)
        self._bind = (address, port)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._faults: collections.deque[_Pending] = collections.deque()
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()  # those running
        self.address = address
        self.port = port

    def _load(
        self,
        leases: Iterable[FakeLease],
        hosts: Iterable[FakeHost],
        groups: Iterable[FakeGroup],
        classes: Iterable[FakeClass],
        subclasses: Iterable[FakeSubclass],
        failover: Iterable[FakeFailoverState],
    ) -> None:
        store = self._store
        for group in groups:
            loaded = group._load(store)
            assert loaded.name is not None
            _unique(store.groups, loaded.name, loaded, "group")
        for host in hosts:
            made = host._load(store)
            made.static = True  # declared in dhcpd.conf
            if store.enter_host(made, dynamic=False) != 0:
                raise ValueError(f"two hosts named {host.name!r}")
        for lease in leases:
            loaded_lease = lease._load(store)
            _unique(store.leases, loaded_lease.ip, loaded_lease, "lease", lease.ip)
        store.instantiate_leases()
        for klass in classes:
            made_class = _store.Class(
                store, name=v.encode_string(klass.name, "name"), lease_limit=klass.lease_limit
            )
            _unique(store.classes, v.encode_string(klass.name, "name"), made_class, "class")
        for sub in subclasses:
            superclass = store.classes.get(v.encode_string(sub.class_name, "class_name"))
            if superclass is None:
                raise ValueError(f"FakeSubclass: no class {sub.class_name!r}")
            made_sub = _store.Class(
                store,
                subclass=True,
                superclass=superclass,
                hashstring=bytes(sub.data),
                lease_limit=superclass.lease_limit,
            )
            _unique(
                store.subclasses, (superclass.name or b"", bytes(sub.data)), made_sub, "subclass"
            )
        for state in failover:
            _unique(
                store.failover,
                v.encode_string(state.name, "name"),
                _store.FailoverState(store, state._values()),
                "failover state",
            )

    # --- life cycle --------------------------------------------------------------------------

    def start(self) -> OmapiServer:
        """Listen and serve in background threads; returns self. After :meth:`close` (or a
        shutdown through the control object) it starts again as a restarted dhcpd would: with
        the objects it held, at the address and port where it listened before.

        Raises RuntimeError while it is listening; OSError if it cannot listen (another
        program took the port meanwhile).
        """
        if self._listener is not None:
            raise RuntimeError("OmapiServer already started")
        self._closing.clear()  # close() has joined every thread of the last run
        listener = socket.create_server(self._bind)
        self._listener = listener
        self._bind = listener.getsockname()[:2]  # a restart listens there again
        self.address, self.port = listener.getsockname()[:2]
        self._spawn(self._accept, listener)
        return self

    def close(self) -> None:
        """Stop: close the listener and every connection, wait for the threads (a stalled
        or delayed answer ends at once)."""
        self._closing.set()
        self._shutdown()
        while True:  # until every thread has ended (the accepting one may have just spawned)
            with self._lock:
                running = self._threads - {threading.current_thread()}
            if not running:
                return
            for thread in running:
                thread.join()

    def __enter__(self) -> OmapiServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> OmapiServer:
        return self.start()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.close)

    # --- state for assertions ----------------------------------------------------------------

    @property
    def leases(self) -> list[FakeLease]:
        """Every lease as it is now: those given, then those of a range a client has named."""
        with self._lock:
            return [FakeLease._snapshot(lease) for lease in self._store.leases.values()]

    @property
    def hosts(self) -> list[FakeHost]:
        """Every host that exists now (created over OMAPI or given), in order of creation."""
        with self._lock:
            return [FakeHost._snapshot(host) for host in self._store.hosts]

    @property
    def groups(self) -> list[FakeGroup]:
        """Every named group that exists now."""
        with self._lock:
            return [
                FakeGroup(v.decode_string(name), v.decode_string(g.statements or b""))
                for name, g in self._store.groups.items()
            ]

    @property
    def shut_down(self) -> bool:
        """Whether a client set the control object's state to shutdown (dhcpd would exit:
        the fake stops answering and drops every connection)."""
        return self._store.shutdown_requested

    def inject(self, fault: Fault, *, replies: int = 1) -> None:
        """Commit ``fault`` on the next ``replies`` answers to requests (see
        :mod:`dhcpctl.testing._faults`); faults injected earlier are used up first.
        Raises TypeError for a ``fault`` that is not an instance of a fault class (the class
        itself, a name, None) or ``replies`` that is not an int (a bool too), ValueError for
        ``replies`` < 1 or a bad signature on a server without key."""
        if not isinstance(fault, FAULTS):
            names = ", ".join(f"{kind.__name__}()" for kind in FAULTS)
            raise TypeError(f"inject takes a fault instance ({names}), not {fault!r}")
        if isinstance(replies, bool) or not isinstance(replies, int):
            raise TypeError(f"replies must be an int, not {replies!r}")
        if replies < 1:
            raise ValueError(f"replies must be at least 1, not {replies!r}")
        if isinstance(fault, BadSignature) and self.key is None:
            raise ValueError("BadSignature needs a keyed server: nothing is signed without a key")
        with self._lock:
            self._faults.append(_Pending(fault, replies))

    def _next_fault(self) -> Fault | None:
        """The fault due on the answer about to be sent (the lock held), or None."""
        if not self._faults:
            return None
        pending = self._faults[0]
        pending.left -= 1
        if pending.left == 0:
            self._faults.popleft()
        return pending.fault

    # --- serving -----------------------------------------------------------------------------

    def _spawn(self, target: Callable[[socket.socket], None], sock: socket.socket) -> None:
        thread = threading.Thread(target=self._run, args=(target, sock), daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def _run(self, target: Callable[[socket.socket], None], sock: socket.socket) -> None:
        """A thread's life: ``target(sock)``, then the server forgets the thread."""
        try:
            target(sock)
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _accept(self, listener: socket.socket) -> None:
        while not self._closing.is_set():
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                if self._closing.is_set():
                    _shut(sock)
                    return
                self._connections.add(sock)
            self._spawn(self._serve, sock)

    def _serve(self, sock: socket.socket) -> None:
        try:
            with contextlib.suppress(OSError):
                self._converse(sock)
        finally:
            with self._lock:
                self._connections.discard(sock)
            _shut(sock)

    def _converse(self, sock: socket.socket) -> None:
        protocol = ServerProtocol(self._keys, self._store.handles.handle_of)
        sock.sendall(protocol.initiate())
        while not self._closing.is_set():
            data = sock.recv(_CHUNK)
            if not data:
                return
            with self._lock:
                events = protocol.feed(data)
            for event in events:
                if isinstance(event, Closed):
                    return
                if isinstance(event, Answer):
                    sock.sendall(event.data)
                elif isinstance(event, Request) and not self._answer(sock, protocol, event):
                    return

    def _answer(self, sock: socket.socket, protocol: ServerProtocol, event: Request) -> bool:
        """Process one request and send its answer, faulted if a fault is due; False when the
        connection must end."""
        with self._lock:
            if self._store.shutdown_requested:
                return False
            reply = process(self._store, protocol, event.message)
            fault = self._next_fault() if reply is not None else None
            shutting_down = self._store.shutdown_requested
        if reply is None or shutting_down:
            if shutting_down:
                self._shutdown()
            return False
        if isinstance(fault, Delay):
            if self._closing.wait(fault.seconds):
                return False
        elif isinstance(fault, Drop):
            return False
        elif isinstance(fault, Stall):
            _drain(sock)
            return False
        elif isinstance(fault, BadSignature):
            reply = reply[:-1] + bytes([reply[-1] ^ 0xFF])
        elif isinstance(fault, Garbage):
            reply = fault.data
        sock.sendall(reply)
        return True

    def _shutdown(self) -> None:
        """dhcpd.c dhcp_set_control_state(server_shutdown): stop listening, drop every
        connection without answering."""
        listener, self._listener = self._listener, None
        if listener is not None:
            _shut(listener)
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            _shut(sock)


@dataclass
class _Pending:
    """An injected fault and how many answers it still applies to."""

    fault: Fault
    left: int


def _range(pair: tuple[Address, Address]) -> tuple[int, int]:
    """A ``range`` as its first and last address, integers. Raises ValueError."""
    try:
        first, last = pair
    except (TypeError, ValueError):
        raise ValueError(f"a range is two addresses, first and last, not {pair!r}") from None
    numbers = [int.from_bytes(v.encode_ipv4(each, "range"), "big") for each in (first, last)]
    if numbers[0] > numbers[1]:
        raise ValueError(f"range {first} {last}: the first address is after the last")
    return numbers[0], numbers[1]


def _unique(table: dict[K, V], key: K, value: V, what: str, shown: object = None) -> None:
    """Enter ``value``; ValueError naming ``shown`` (else ``key``) if ``key`` is taken."""
    if key in table:
        label = str(shown) if shown is not None else repr(key)
        raise ValueError(f"two {what}s under {label}")
    table[key] = value


def _drain(sock: socket.socket) -> None:
    """Read and drop what the peer sends until it closes (or :meth:`OmapiServer.close` shuts
    the socket): a stalled conversation ends with its client."""
    with contextlib.suppress(OSError):
        while sock.recv(_CHUNK):
            pass


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
