"""Threads on both backends: one connection shared by several threads, and one each.

The pure-Python backend serializes requests per connection and lets one waiting thread at a
time read the socket for all of them; the native one holds one library lock around every C
call. Either way each thread must get its own objects' replies, and nothing may hang: every
thread is joined with a deadline.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from scenario_helpers import TIMEOUT, Recorder, connect, get, ip, mac, open_object, uint32

import dhcpctl
from dhcpctl._api import Backend, Handle
from testbed import dataset
from testbed.server import Endpoint

LOOKUPS = 25
#: How long all threads of a test may take together before it counts as a deadlock.
DEADLINE = 60.0


def run_threads(count: int, work: Callable[[int], None]) -> list[threading.Thread]:
    """Run ``work(0)`` .. ``work(count - 1)`` in threads started together; fail on a thread
    still running at the deadline or on the first exception one raised. Returns the threads."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def main(index: int) -> None:
        try:
            start.wait(TIMEOUT)
            work(index)
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)

    threads = [
        threading.Thread(target=main, args=(index,), name=f"worker-{index}", daemon=True)
        for index in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"deadlock: still running after {DEADLINE} s: {stuck}"
    if errors:
        raise errors[0]
    return threads


def lookup(backend: Backend, connection: Handle, lease: dataset.Lease) -> Handle:
    """Open ``lease`` by address and check the values the server sent are that lease's."""
    handle, status = open_object(backend, connection, "lease", {"ip-address": ip(lease.ip)})
    assert status == dhcpctl.ISC_R_SUCCESS
    assert get(backend, handle, "ip-address") == ip(lease.ip)
    assert get(backend, handle, "hardware-address") == mac(lease.mac)
    assert get(backend, handle, "client-hostname") == lease.hostname.encode()
    assert get(backend, handle, "ends") == uint32(lease.ends)
    return handle


def lease_of(index: int) -> dataset.Lease:
    """Thread ``index``'s lease: neighbouring threads ask for different ones."""
    return dataset.LEASES[index % len(dataset.LEASES)]


def test_eight_threads_share_one_connection(backend: Backend, dhcpd_server: Endpoint) -> None:
    connection = connect(backend, dhcpd_server)

    def work(index: int) -> None:
        for _ in range(LOOKUPS):
            backend.omapi_object_dereference(lookup(backend, connection, lease_of(index)))

    run_threads(8, work)
    # The connection is still fine for the main thread.
    lookup(backend, connection, dataset.LEASES[0])


def test_four_threads_with_a_connection_each(backend: Backend, dhcpd_server: Endpoint) -> None:
    def work(index: int) -> None:
        connection = connect(backend, dhcpd_server)
        for _ in range(LOOKUPS):
            backend.omapi_object_dereference(lookup(backend, connection, lease_of(index)))
        backend.dhcpctl_disconnect(connection)

    run_threads(4, work)


def test_callbacks_on_a_shared_connection(backend: Backend, dhcpd_server: Endpoint) -> None:
    """Whichever thread's wait reads a reply runs the callbacks of its object, so a callback
    may run in another thread than the one that sent the request, and maybe only after that
    thread's wait has returned; but every reply gets exactly C's calls (two for a found open,
    see test_callbacks.py) with the object's own handle and data."""
    connection = connect(backend, dhcpd_server)
    results: list[list[tuple[Handle, object, Recorder]]] = [[] for _ in range(8)]

    def work(index: int) -> None:
        for number in range(LOOKUPS):
            lease = lease_of(index)
            handle = backend.dhcpctl_new_object(connection, "lease")
            backend.dhcpctl_set_value(handle, ip(lease.ip), "ip-address")
            recorder, data = Recorder(), (index, number)
            backend.dhcpctl_set_callback(handle, data, recorder)
            backend.dhcpctl_open_object(handle, connection, 0)
            status = backend.dhcpctl_timed_wait_for_completion(handle, TIMEOUT)
            assert status == dhcpctl.ISC_R_SUCCESS
            assert get(backend, handle, "client-hostname") == lease.hostname.encode()
            results[index].append((handle, data, recorder))

    workers = set(run_threads(8, work))
    for per_thread in results:
        assert len(per_thread) == LOOKUPS
        for handle, data, recorder in per_thread:
            assert recorder.statuses(handle, data) == [dhcpctl.ISC_R_SUCCESS] * 2
            assert {call.thread for call in recorder.calls} <= workers


def two_waits(backend: Backend, obj: Handle, timed_first: bool) -> list[int]:
    """What two threads waiting on ``obj`` at once get (a status, or an error's status); one
    wait is timed, the other untimed."""
    outcomes: list[int] = []

    def wait(index: int) -> None:
        try:
            if (index == 0) == timed_first:
                outcomes.append(backend.dhcpctl_timed_wait_for_completion(obj, TIMEOUT))
            else:
                outcomes.append(backend.dhcpctl_wait_for_completion(obj))
        except dhcpctl.DhcpctlError as error:
            outcomes.append(error.status)

    run_threads(2, wait)
    return sorted(outcomes)


def test_two_threads_waiting_on_one_object(backend: Backend, dhcpd_server: Endpoint) -> None:
    """Two threads wait on the same object's one request: one gets the server's status, the
    other ``DHCP_R_INVALIDARG`` (nothing left in progress), on both backends, untimed and
    timed. On the pure-Python backend the second used to wait for good (or out its timeout)
    within a few dozen rounds."""
    connection = connect(backend, dhcpd_server)
    lease = dataset.LEASES[0]
    for round_number in range(150):
        obj = backend.dhcpctl_new_object(connection, "lease")
        backend.dhcpctl_set_value(obj, ip(lease.ip), "ip-address")
        backend.dhcpctl_open_object(obj, connection, 0)
        outcomes = two_waits(backend, obj, timed_first=round_number % 2 == 0)
        assert outcomes == [dhcpctl.ISC_R_SUCCESS, dhcpctl.DHCP_R_INVALIDARG], outcomes
        backend.omapi_object_dereference(obj)
