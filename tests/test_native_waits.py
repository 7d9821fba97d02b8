"""A native wait on one connection does not keep other threads out of ISC's library.

First, where a wait sleeps (:mod:`dhcpctl._native.waking`), on its own: a socket pair stands
for a connection; the sleeps have a long timeout, so only what the test does ends them.

Then whole waits: thread A waits, untimed, for a reply that never comes (``dhcpctl.testing``'s
``Stall``). The test knows A is at its wait from events: A sets one right before it calls the
wait, and the server has taken A's request (its fault is used up). Meanwhile other threads'
calls go through at once: a typed call on another server keeps its timeout, local C calls do
not wait, and ``Client.close()`` from another thread returns at once and ends A's call.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import backend_or_skip

from dhcpctl import Client, ConnectionLost, DhcpctlError
from dhcpctl._results import DHCP_R_CONNRESET
from dhcpctl.testing import FakeLease, OmapiServer, Stall

pytestmark = pytest.mark.native
LEASE_IP = "198.18.1.150"
#: Seconds a call may take at most here (a bound against hangs, not a speed figure).
PATIENCE = 10.0
#: The longest another thread's call may wait for the library while A waits (seconds): a
#: wait holds it only for its steps, each a few C calls that never block (milliseconds; before,
#: up to a 1 s slice per call). Half that slice, for a loaded machine.
AT_ONCE = 0.5


@pytest.fixture
def native() -> Any:
    backend_or_skip("native")
    from dhcpctl._native import api

    return api


@pytest.fixture
def waking(native: Any) -> Any:
    from dhcpctl._native import waking

    return waking


#: A sleep's timeout in the tests of :mod:`dhcpctl._native.waking`: longer than any test takes.
FOREVER = 3600.0


def sleeping(waking: Any, ours: socket.socket, output: bool = False) -> threading.Thread:
    """A thread that takes a bell (as a wait does under the lock) and sleeps on ``ours``."""
    bell = waking.bell()

    def sleep() -> None:
        try:
            waking.sleep(bell, ours.fileno(), output, FOREVER)
        finally:
            waking.give_back(bell)

    thread = threading.Thread(target=sleep, daemon=True)
    thread.start()
    return thread


def ends(thread: threading.Thread) -> bool:
    thread.join(PATIENCE)
    return not thread.is_alive()


def test_input_ends_a_sleep(waking: Any, pair: tuple[socket.socket, socket.socket]) -> None:
    ours, peer = pair
    thread = sleeping(waking, ours)
    peer.sendall(b"reply")
    assert ends(thread)


def test_room_for_output_ends_a_sleep_that_waits_for_it(
    waking: Any, pair: tuple[socket.socket, socket.socket]
) -> None:
    ours, _ = pair
    assert ends(sleeping(waking, ours, output=True))  # an empty socket buffer has room


def test_a_ring_ends_every_sleep_and_only_once(
    waking: Any, pair: tuple[socket.socket, socket.socket]
) -> None:
    """What another thread does under the lock (a reply of the sleeper's read, a close) rings:
    the sleepers look again at once; their bells are quiet again afterwards."""
    ours, peer = pair
    threads = [sleeping(waking, ours) for _ in range(3)]
    waking.ring()
    assert all(ends(thread) for thread in threads)
    assert not waking._sleepers
    # The rings were read: the next sleeps (on the same bells, from the pool) wait again.
    again = [sleeping(waking, ours) for _ in range(3)]
    peer.sendall(b"x")  # the one way these end now
    assert all(ends(thread) for thread in again)


def test_a_ring_before_the_sleep_is_not_lost(
    waking: Any, pair: tuple[socket.socket, socket.socket]
) -> None:
    """A wait takes its bell under the lock and sleeps after releasing it: a ring in between
    (another thread read its reply meanwhile) ends the sleep at once."""
    ours, _ = pair
    bell = waking.bell()
    waking.ring()
    try:
        waking.sleep(bell, ours.fileno(), False, FOREVER)  # returns: the ring came first
    finally:
        waking.give_back(bell)


def test_a_bell_given_back_is_not_rung(waking: Any) -> None:
    bell = waking.bell()
    waking.give_back(bell)
    waking.ring()
    with pytest.raises(BlockingIOError):  # nothing in its pipe
        os.read(bell.read_end, 1)


def lease_server(factory: Callable[..., OmapiServer]) -> OmapiServer:
    return factory(leases=[FakeLease(ip=LEASE_IP, mac="02:00:00:00:00:01")])


def request_taken(server: OmapiServer) -> None:
    """Wait until ``server`` has used up the faults injected (it took the request)."""
    deadline = time.monotonic() + PATIENCE
    while server._faults:
        assert time.monotonic() < deadline, "the server never got the request"
        time.sleep(0.001)


class StalledWait:
    """Thread A: an untimed wait on a lease opened on a silent server; ``error`` is what it
    raised (it ends when its connection is closed)."""

    def __init__(self, api: Any, server: OmapiServer) -> None:
        self.api = api
        self.connection = api.dhcpctl_timed_connect(server.address, server.port, None, PATIENCE)
        self.lease = api.dhcpctl_new_object(self.connection, "lease")
        api.dhcpctl_set_data_value(self.lease, socket.inet_aton(LEASE_IP), "ip-address")
        server.inject(Stall())
        self.waiting = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.waiting.wait(PATIENCE)
        request_taken(server)

    def _run(self) -> None:
        self.api.dhcpctl_open_object(self.lease, self.connection, 0)
        self.waiting.set()
        try:
            self.api.dhcpctl_wait_for_completion(self.lease)
        except BaseException as error:  # kept for the test to look at
            self.error = error

    def end(self) -> None:
        self.api.dhcpctl_disconnect(self.connection, True)
        self.thread.join(PATIENCE)
        assert not self.thread.is_alive()


@pytest.fixture
def stalled(native: Any, omapi_server_factory: Callable[..., OmapiServer]) -> Iterator[StalledWait]:
    wait = StalledWait(native, lease_server(omapi_server_factory))
    yield wait
    if wait.thread.is_alive():
        wait.end()


def test_a_typed_call_keeps_its_timeout_while_another_thread_waits(
    stalled: StalledWait, omapi_server_factory: Callable[..., OmapiServer]
) -> None:
    """Trial D 03: B's lookup (timeout 2 s) on a healthy server took 6.7 s and raised Timeout,
    each of its calls into the library waiting for a slice of A's wait."""
    healthy = lease_server(omapi_server_factory)
    with Client(healthy.address, healthy.port, timeout=2.0, backend="native") as client:
        lease = client.leases.get(ip=LEASE_IP)
    assert str(lease.ip_address) == LEASE_IP
    assert stalled.thread.is_alive()  # A still waits: nothing answered it


def test_local_calls_do_not_wait_for_another_threads_wait(
    stalled: StalledWait, native: Any, omapi_server_factory: Callable[..., OmapiServer]
) -> None:
    """Trial D 03b: dhcpctl_new_object and dhcpctl_set_value, which send nothing, each waited
    ~1 s for A's wait to give the library back."""
    healthy = lease_server(omapi_server_factory)
    connection = native.dhcpctl_timed_connect(healthy.address, healthy.port, None, PATIENCE)
    started = time.monotonic()
    lease = native.dhcpctl_new_object(connection, "lease")
    for _ in range(3):
        native.dhcpctl_set_data_value(lease, socket.inet_aton(LEASE_IP), "ip-address")
    took = time.monotonic() - started
    assert took < AT_ONCE, f"four local calls took {took:.3f} s"
    native.dhcpctl_open_object(lease, connection, 0)
    assert native.dhcpctl_timed_wait_for_completion(lease, 2.0) == 0
    native.dhcpctl_disconnect(connection, True)
    assert stalled.thread.is_alive()


def test_disconnect_from_another_thread_ends_the_wait(stalled: StalledWait) -> None:
    """ISC closes the socket A sleeps on, which does not wake A's poll(): the close does."""
    started = time.monotonic()
    stalled.end()
    took = time.monotonic() - started
    assert took < AT_ONCE, f"the disconnect and the end of the wait took {took:.3f} s"
    assert isinstance(stalled.error, DhcpctlError)
    assert stalled.error.status == DHCP_R_CONNRESET


def test_client_close_from_another_thread_returns_at_once(
    native: Any, omapi_server_factory: Callable[..., OmapiServer]
) -> None:
    """Trial D 01: close() waited for the running wait's slice to end (0.3-0.9 s), and the
    call ended then."""
    server = lease_server(omapi_server_factory)
    client = Client(server.address, server.port, backend="native")
    client.connect()
    server.inject(Stall())
    outcome: list[BaseException] = []
    calling = threading.Event()

    def call() -> None:
        calling.set()
        try:
            client.leases.get(ip=LEASE_IP)
        except BaseException as error:  # kept for the test to look at
            outcome.append(error)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    assert calling.wait(PATIENCE)
    request_taken(server)
    started = time.monotonic()
    client.close()
    took = time.monotonic() - started
    thread.join(PATIENCE)
    ended = time.monotonic() - started
    assert not thread.is_alive()
    assert took < AT_ONCE, f"close() took {took:.3f} s"
    assert ended < AT_ONCE, f"the call ended {ended:.3f} s after close() began"
    assert len(outcome) == 1 and isinstance(outcome[0], ConnectionLost)
