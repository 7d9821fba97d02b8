"""The native backend's books of replies (:mod:`dhcpctl._native.replies`), driven by hand.

Real remote objects of ISC's library (``dhcpctl_new_object`` needs no connection); a reply is
what ISC's signal handler does to one: it writes the object's ``waitstatus``. Everything runs
with the library lock held, as the backend calls it; callbacks run when the lock is released.
"""

from __future__ import annotations

import select
import socket
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import backend_or_skip

from dhcpctl._results import ISC_R_NOTFOUND, ISC_R_SUCCESS, ISC_R_TIMEDOUT
from dhcpctl.testing import FakeLease, OmapiServer

pytestmark = pytest.mark.native
NO_REPLY = 0xFFFF_FFFF
#: Seconds a call may take at most here (a bound against hangs, not a speed figure).
PATIENCE = 10.0


@pytest.fixture(autouse=True)
def native() -> None:
    backend_or_skip("native")


@pytest.fixture
def books() -> Iterator[Any]:
    """:mod:`dhcpctl._native.replies`, with only this test's objects in flight."""
    from dhcpctl._native import replies

    others = set(replies._in_flight)
    replies._in_flight.clear()
    yield replies
    replies._in_flight.clear()
    replies._in_flight.update(others)


def remote_object() -> Any:
    from dhcpctl._native.handles import Handle
    from dhcpctl._native.loader import ffi, lib

    cell = ffi.new("dhcpctl_handle *")
    assert lib.dhcpctl_new_object(cell, ffi.NULL, b"lease") == ISC_R_SUCCESS
    return Handle("object", cell)


def waitstatus(obj: Any) -> int:
    from dhcpctl._native.layout import remote

    return int(remote(obj.cell[0]).waitstatus)


def reply(obj: Any, status: int) -> None:
    """What ISC's remote object does when its reply is read: waitstatus = the status."""
    from dhcpctl._native.layout import remote

    remote(obj.cell[0]).waitstatus = status


def with_callback(obj: Any) -> list[int]:
    fired: list[int] = []
    obj.callback = (lambda handle, status, data: fired.append(status), None)
    return fired


def test_reply_read_by_another_call_is_kept_for_the_wait(books: Any) -> None:
    from dhcpctl._native.lock import locked

    obj, connection = remote_object(), remote_object()
    fired = with_callback(obj)
    with locked():
        books.sent(obj, connection, update_reply=True)
        assert (obj.pending, list(obj.unreplied), obj.connection) == (1, [True], connection)
        armed = books.arm()
        assert [entry[0] for entry in armed] == [obj] and waitstatus(obj) == NO_REPLY
        reply(obj, ISC_R_SUCCESS)  # read during some other call's dispatch
        books.collect(armed)
        assert (obj.arrived, obj.arrived_status, list(obj.unreplied)) == (1, ISC_R_SUCCESS, [])
        # All its replies arrived: the next dispatch has nothing to watch on it.
        assert books.arm() == []
        assert fired == []  # not while the lock is held
    assert fired == [ISC_R_SUCCESS, ISC_R_SUCCESS]  # an UPDATE: "updated", then the status
    with locked():
        assert books.took(obj, obj.arrived_status, arrived=True) == ISC_R_SUCCESS
        assert (obj.pending, obj.arrived) == (0, 0)
        assert obj.flight is None


def test_no_reply_leaves_the_books_alone(books: Any) -> None:
    from dhcpctl._native.lock import locked

    obj = remote_object()
    fired = with_callback(obj)
    with locked():
        books.sent(obj, obj, update_reply=False)
        books.collect(books.arm())
        assert (obj.pending, obj.arrived, list(obj.unreplied)) == (1, 0, [False])
        assert obj.flight in books._in_flight
    assert fired == []


def test_failed_open_and_status_replies_call_back_once(books: Any) -> None:
    from dhcpctl._native.lock import locked

    opened, updated = remote_object(), remote_object()
    fired_open, fired_update = with_callback(opened), with_callback(updated)
    with locked():
        books.sent(opened, opened, update_reply=True)
        books.sent(updated, updated, update_reply=False)
        armed = books.arm()
        reply(opened, ISC_R_NOTFOUND)  # an open answered by a STATUS: not found
        reply(updated, ISC_R_SUCCESS)  # an update answered by a STATUS: success
        books.collect(armed)
    assert (fired_open, fired_update) == ([ISC_R_NOTFOUND], [ISC_R_SUCCESS])


def test_the_waits_own_reply_is_not_counted_as_arrived(books: Any) -> None:
    """A wait arms only the other objects in flight (its own reply it counts itself:
    ``seen``, ``took``); another object's reply read by the same call is kept for that
    object."""
    from dhcpctl._native.lock import locked

    waited, other = remote_object(), remote_object()
    with locked():
        books.sent(waited, waited, update_reply=False)
        books.sent(other, other, update_reply=False)
        armed = books.arm(waited)
        assert [obj for obj, _ in armed] == [other]
        reply(waited, ISC_R_SUCCESS)
        reply(other, ISC_R_NOTFOUND)
        books.collect(armed)
        assert (waited.arrived, other.arrived, other.arrived_status) == (0, 1, ISC_R_NOTFOUND)
        books.seen(waited, ISC_R_SUCCESS)
        assert books.took(waited, ISC_R_SUCCESS, arrived=False) == ISC_R_SUCCESS
        assert waited.pending == 0 and waited.flight is None
        assert other.flight in books._in_flight


def test_two_requests_in_flight_on_one_object(books: Any) -> None:
    from dhcpctl._native.lock import locked

    obj = remote_object()
    fired = with_callback(obj)
    with locked():
        books.sent(obj, obj, update_reply=True)
        books.sent(obj, obj, update_reply=False)
        armed = books.arm()
        reply(obj, ISC_R_SUCCESS)
        books.collect(armed)
        # One of two arrived: the object stays watched for the second.
        assert (obj.pending, obj.arrived) == (2, 1)
        assert [entry[0] for entry in books.arm()] == [obj]
    assert fired == [ISC_R_SUCCESS, ISC_R_SUCCESS]


def test_dereferenced_object_is_not_watched(books: Any) -> None:
    from dhcpctl._native.loader import c_object_dereference
    from dhcpctl._native.lock import locked

    obj = remote_object()
    with locked():
        books.sent(obj, obj, update_reply=False)
        c_object_dereference(obj.cell)
        assert books.arm() == []


def test_an_object_in_flight_going_while_arm_walks_changes_nothing(
    books: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A garbage collection may free an object in flight at any allocation, also while
    :func:`arm` walks the set of them (its weak reference's callback discarded it from the set
    then: ``RuntimeError: Set changed size during iteration`` out of an API call). Here the
    object goes, by construction, as the walk takes the set's first entry: the walk completes,
    and drops the entry of the object gone."""
    from dhcpctl._native.lock import locked

    watched, connection = remote_object(), remote_object()
    going = [remote_object()]
    gone = weakref.ref(going[0])

    class Walked(set[Any]):
        def __iter__(self) -> Iterator[Any]:
            for index, flight in enumerate(set.__iter__(self)):
                if index == 0:
                    going.clear()  # its last reference: the object goes here
                yield flight

    monkeypatch.setattr(books, "_in_flight", Walked())
    with locked():
        books.sent(watched, connection, update_reply=False)
        books.sent(going[0], connection, update_reply=False)
        armed = books.arm()
        assert gone() is None
        assert [obj for obj, _ in armed] == [watched]
        assert list(books._in_flight) == [watched.flight]


def open_leases(server: OmapiServer, ips: list[str]) -> tuple[Any, list[Any]]:
    """A connection to ``server`` and a lease opened on it for each of ``ips`` (in flight)."""
    from dhcpctl._native import api as n

    connection = n.dhcpctl_timed_connect(server.address, server.port, None, PATIENCE)
    leases = [n.dhcpctl_new_object(connection, "lease") for _ in ips]
    for lease, ip in zip(leases, ips, strict=True):
        n.dhcpctl_set_data_value(lease, socket.inet_aton(ip), "ip-address")
        n.dhcpctl_open_object(lease, connection, 0)
    return connection, leases


@pytest.fixture
def lease_server(omapi_server_factory: Callable[..., OmapiServer]) -> OmapiServer:
    """dhcpctl.testing's server with the one lease :data:`LEASE_IP`."""
    return omapi_server_factory(leases=[FakeLease(ip=LEASE_IP, mac="02:00:00:00:00:01")])


LEASE_IP = "198.18.1.150"


def test_ctrl_c_as_a_wait_returns_keeps_the_replies_it_read(
    lease_server: OmapiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C during a wait raises KeyboardInterrupt as the C call returns, after C read
    replies: its own object's and those of the others in flight. The next waits on them take
    those replies at once (C signalled them already: waited for again, they never came)."""
    from dhcpctl._native import api as n
    from dhcpctl._native import replies

    connection, leases = open_leases(lease_server, [LEASE_IP, LEASE_IP])
    real = replies.wait_step

    def interrupted(cell: Any, conn: Any, status: Any, ready: Any) -> int:
        # Steps until one takes the second one's reply (the first one's is read before it).
        while real(cell, conn, status, ready) == ISC_R_TIMEDOUT:
            select.select([ready[0]], [ready[0]] if ready[1] else [], [], PATIENCE)
        raise KeyboardInterrupt  # what Python's handler of a SIGINT that came meanwhile does

    monkeypatch.setattr(replies, "wait_step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        n.dhcpctl_timed_wait_for_completion(leases[1], PATIENCE)
    monkeypatch.undo()
    for lease in leases:
        assert n.dhcpctl_timed_wait_for_completion(lease, 2.0) == ISC_R_SUCCESS
        assert bytes(n.dhcpctl_get_value(lease, "ip-address")) == socket.inet_aton(LEASE_IP)
    n.dhcpctl_disconnect(connection, True)


def test_ctrl_c_before_c_waits_makes_up_no_reply(
    lease_server: OmapiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C raised before C's wait began (at the entry of ABI mode's Python helper) took
    no reply: the next wait takes the real one, not the previous reply's status left in the
    object's waitstatus."""
    from dhcpctl._native import api as n
    from dhcpctl._native import replies

    connection, (lease,) = open_leases(lease_server, [LEASE_IP])
    assert n.dhcpctl_timed_wait_for_completion(lease, PATIENCE) == ISC_R_SUCCESS
    n.dhcpctl_set_data_value(lease, socket.inet_aton("198.18.1.151"), "ip-address")  # no such
    n.dhcpctl_open_object(lease, connection, 0)

    def interrupted(*args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(replies, "wait_step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        n.dhcpctl_timed_wait_for_completion(lease, PATIENCE)
    monkeypatch.undo()
    assert n.dhcpctl_timed_wait_for_completion(lease, PATIENCE) == ISC_R_NOTFOUND
    n.dhcpctl_disconnect(connection, True)


def test_a_value_left_by_an_interrupted_get_value_is_freed_by_the_next(
    lease_server: OmapiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dhcpctl_get_value's C data string is one cell, reused by every call. A call stopped
    (Ctrl-C, MemoryError) after C filled it, before it was freed, leaves it full; ISC's
    dhcpctl_get_value into a full cell fails, and then drops the value it read from the
    object (4.4.3-P1: omapi_typed_data_dereference of the stored value). The next call frees
    what was left first: it reads the value, and the object keeps it."""
    from dhcpctl._native import api as n

    connection = n.dhcpctl_timed_connect(lease_server.address, lease_server.port, None, PATIENCE)
    host = n.dhcpctl_new_object(connection, "host")
    n.dhcpctl_set_value(host, b"L" * 1000, "name")  # longer than get_value's own buffer
    n.dhcpctl_set_value(host, b"short", "statements")

    def interrupted(cell: Any) -> int:
        raise KeyboardInterrupt  # as it lands right before the free

    monkeypatch.setattr(n, "c_data_string_dereference", interrupted)
    with pytest.raises(KeyboardInterrupt):
        n.dhcpctl_get_value(host, "name")
    monkeypatch.undo()
    for _ in range(2):
        assert bytes(n.dhcpctl_get_value(host, "statements")) == b"short"
    assert bytes(n.dhcpctl_get_value(host, "name")) == b"L" * 1000
    n.dhcpctl_disconnect(connection, True)
