"""Busy polling before a wait sleeps (``dhcpctl/_busy_poll.py``): the setting, the backoff, and
both backends' waits polling, bounded by their timeouts, interruptible, off at 0 and while
other threads run.

The backends' tests run against fake servers on 127.0.0.1 (``fake_omapi``) with the limit made
long (seconds), so that whether a wait polled or slept does not depend on the machine's speed.
A fake server runs in a thread of the test's process, where the waits would never poll: the
tests that need them to say they run alone on several CPUs (the ``alone`` fixture); one test
keeps the threads as they are and sees the waits sleep at once, and one confines a child
process to one CPU.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from fake_omapi import (
    AUTHID,
    KEY,
    PATIENCE,
    Behaviour,
    Interrupted,
    interrupted_after,
    open_lease,
    open_lease_on,
    recv_message,
)
from fake_omapi import handshake as keyed_handshake
from scenario_helpers import backend_name, connect, uint32

import dhcpctl
from dhcpctl import _busy_poll
from dhcpctl._api import Backend
from dhcpctl._busy_poll import MAX_BACKOFF, BusyPoll, limit_of
from dhcpctl.fallback.wire import OP_UPDATE, Message, encode_message
from testbed import dataset
from testbed.server import Endpoint

# --- the setting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, 500e-6),
        ("", 500e-6),
        ("  ", 500e-6),
        ("0", 0.0),
        (" 50 ", 50e-6),
        ("1000000", 1.0),
        ("0" * 5000 + "5", 5e-6),
    ],
)
def test_the_limit_is_read_in_microseconds(value: str | None, seconds: float) -> None:
    assert limit_of(value) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "value", ["abc", "-1", "1.5", "1e3", "1000001", "\u00b2", "\u0663", "9" * 5000, "10000000"]
)
def test_another_value_is_refused_with_the_variable_named(value: str) -> None:
    refused = r"DHCPCTL_BUSY_POLL=.* is not valid: .*0 \(never\) to 1000000$"
    with pytest.raises(ValueError, match=refused):
        limit_of(value)


def run_python(code: str, value: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ, DHCPCTL_BUSY_POLL=value, DHCPCTL_BACKEND="python")
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=60
    )


def test_a_program_gets_the_error_at_import() -> None:
    result = run_python("import dhcpctl", "fast")
    assert result.returncode == 1
    assert "ValueError: DHCPCTL_BUSY_POLL='fast' is not valid" in result.stderr


def test_the_variable_is_read_at_import() -> None:
    code = "import dhcpctl, dhcpctl._busy_poll as b; print(b.LIMIT, repr(b.SETTING))"
    result = run_python(code, " 0 ")
    assert (result.returncode, result.stdout.strip()) == (0, "0.0 '0'"), result.stderr


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("", "busy poll: 500 us (default: DHCPCTL_BUSY_POLL unset)"),
        (" 50 ", "busy poll: 50 us (DHCPCTL_BUSY_POLL=50)"),
        ("0", "busy poll: never (DHCPCTL_BUSY_POLL=0)"),
    ],
)
def test_the_report_says_where_the_limit_comes_from(value: str, line: str) -> None:
    result = run_python("import dhcpctl; print(dhcpctl.backend_info().lines()[-1])", value)
    assert (result.returncode, result.stdout.strip()) == (0, line), result.stderr


def run_command(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m dhcpctl ARGS`` with ``DHCPCTL_BUSY_POLL=fast``."""
    environ = dict(os.environ, DHCPCTL_BUSY_POLL="fast")
    return subprocess.run(
        [sys.executable, "-m", "dhcpctl", *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_refuses_the_value_as_bad_usage() -> None:
    result = run_command("info")
    assert result.returncode == 2
    assert result.stderr.startswith("dhcpctl: DHCPCTL_BUSY_POLL='fast' is not valid")
    assert "Traceback" not in result.stderr


# --- BusyPoll on a socket pair -------------------------------------------------------------


@pytest.fixture
def limit(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """``limit(seconds)``: :data:`dhcpctl._busy_poll.LIMIT` for the test."""
    return lambda seconds: monkeypatch.setattr(_busy_poll, "LIMIT", seconds)


Limit = Callable[[float], None]


@pytest.fixture
def several_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Polling as on a machine of two CPUs or more (connections made from now on)."""
    monkeypatch.setattr(_busy_poll, "_cpus", lambda: 2)


@pytest.fixture
def alone(monkeypatch: pytest.MonkeyPatch, several_cpus: None) -> None:
    """Polling as if the test's thread were the process's only one, on several CPUs."""
    monkeypatch.setattr(_busy_poll, "_alone", lambda: True)


def poller_of(sock: socket.socket) -> select.poll:
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return poller


def test_input_already_there_is_seen_at_once(
    pair: tuple[socket.socket, socket.socket], limit: Limit, alone: None
) -> None:
    limit(5.0)
    ours, theirs = pair
    theirs.send(b"x")
    started = time.monotonic()
    assert BusyPoll().poll(poller_of(ours), None) == [(ours.fileno(), select.POLLIN)]
    assert time.monotonic() - started < 1.0


def test_input_that_comes_while_polling_ends_the_poll(
    pair: tuple[socket.socket, socket.socket], limit: Limit, alone: None
) -> None:
    limit(5.0)
    ours, theirs = pair
    timer = threading.Timer(0.05, theirs.send, (b"x",))
    timer.start()
    started = time.monotonic()
    try:
        events = BusyPoll().poll(poller_of(ours), None)
    finally:
        timer.join()
    assert events == [(ours.fileno(), select.POLLIN)]
    assert 0.04 < time.monotonic() - started < 2.5


class CountingPoller:
    """A poller that never has events and counts its calls (each must not sleep)."""

    def __init__(self) -> None:
        self.calls = 0

    def poll(self, timeout: float | None = None) -> list[tuple[int, int]]:
        assert timeout == 0
        self.calls += 1
        return []


def test_nothing_polled_for_backs_off_then_starts_over(
    pair: tuple[socket.socket, socket.socket], limit: Limit, alone: None
) -> None:
    limit(0.002)
    counting = CountingPoller()
    busy = BusyPoll()
    poller: Any = counting
    outcomes = []
    for _ in range(1 + 1 + 1 + 2 + 1 + 4):
        before = counting.calls
        result = busy.poll(poller, None)
        outcomes.append("skip" if result is None else "miss")
        assert (counting.calls > before) == (result is not None)
    assert outcomes == ["miss", "skip", "miss", "skip", "skip", "miss"] + ["skip"] * 4
    # A poll that sees input starts over: the next wait polls again.
    ours, theirs = pair
    theirs.send(b"x")
    assert busy.poll(poller_of(ours), None)
    assert busy.poll(poller, None) == []


def test_the_backoff_is_bounded(limit: Limit, alone: None) -> None:
    limit(0.0001)
    busy = BusyPoll()
    poller: Any = CountingPoller()
    polled = [index for index in range(1000) if busy.poll(poller, None) is not None]
    assert max(b - a for a, b in itertools.pairwise(polled)) == MAX_BACKOFF + 1


def test_the_timeout_bounds_the_poll_and_is_no_miss(limit: Limit, alone: None) -> None:
    """A poll ends with the wait's own timeout; and since the backoff is for replies later
    than the limit, a poll the timeout cut short leaves the next wait polling."""
    limit(30.0)
    busy = BusyPoll()
    poller: Any = CountingPoller()
    started = time.monotonic()
    assert busy.poll(poller, 0.05) == []
    assert time.monotonic() - started < 5.0
    assert busy.poll(poller, 0.01) == []
    assert busy.poll(poller, 0.0) is None
    limit(0.01)
    assert busy.poll(poller, None) == []
    assert busy.poll(poller, None) is None


def test_a_limit_of_zero_never_polls(limit: Limit, alone: None) -> None:
    limit(0.0)
    counting = CountingPoller()
    poller: Any = counting
    assert all(BusyPoll().poll(poller, None) is None for _ in range(10))
    assert counting.calls == 0


# --- both backends' waits --------------------------------------------------------------------


class Polls:
    """Counts the backends' busy polls by outcome (``BusyPoll.poll`` wrapped): ``started``
    counts the calls that got past the backoff's skips."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started = 0
        self.seen = 0
        self.missed = 0
        original = BusyPoll.poll

        def counted(busy: BusyPoll, poller: select.poll, timeout: float | None) -> Any:
            if busy._skip <= 0:
                self.started += 1
            events = original(busy, poller, timeout)
            if events:
                self.seen += 1
            elif events is not None:
                self.missed += 1
            return events

        monkeypatch.setattr(BusyPoll, "poll", counted)


def answering_after(delay: float, released: threading.Event, count: int = 1) -> Behaviour:
    """A server that answers ``count`` OPENs of leases, each ``delay`` seconds after it came."""

    def behaviour(sock: socket.socket) -> None:
        keyed_handshake(sock, keyed=True)
        for number in range(count):
            request = recv_message(sock)
            time.sleep(delay)
            values = ((b"ends", b"\0\0\0\1"),)
            reply = Message(OP_UPDATE, 9 + number, 3 + number, request.id, AUTHID, (), values)
            sock.sendall(encode_message(reply, KEY))
        released.wait(PATIENCE)

    return behaviour


def silent(released: threading.Event) -> Behaviour:
    def behaviour(sock: socket.socket) -> None:
        keyed_handshake(sock, keyed=True)
        recv_message(sock)
        released.wait(PATIENCE)

    return behaviour


#: A fake server's behaviour, made with the test's ``released`` event.
Serving = Callable[[threading.Event], Behaviour]


@pytest.fixture
def lease_on(
    backend: Backend,
    fake_server: Callable[[Behaviour], int],
    released: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
    limit: Limit,
) -> LeaseOn:
    """``start(serving, seconds)``: with :data:`dhcpctl._busy_poll.LIMIT` set to ``seconds``,
    a connection to a fake server that behaves as ``serving`` says, a lease opened on it (its
    OPEN sent), and the counts of the busy polls from then on (a connect never polls)."""

    def start(serving: Serving, seconds: float) -> tuple[Any, Any, Polls]:
        limit(seconds)
        polls = Polls(monkeypatch)
        connection, lease = open_lease(backend, fake_server(serving(released)))
        return connection, lease, polls

    return start


LeaseOn = Callable[[Serving, float], tuple[Any, Any, Polls]]


def answering_soon(released: threading.Event) -> Behaviour:
    return answering_after(0.2, released)


@pytest.mark.parametrize("timed", [False, True])
def test_a_wait_takes_the_reply_that_comes_while_it_polls(
    backend: Backend, lease_on: LeaseOn, alone: None, timed: bool
) -> None:
    _, lease, polls = lease_on(answering_soon, 20.0)
    if timed:
        status = backend.dhcpctl_timed_wait_for_completion(lease, PATIENCE)
    else:
        status = backend.dhcpctl_wait_for_completion(lease)
    assert status == dhcpctl.ISC_R_SUCCESS
    assert bytes(backend.dhcpctl_get_value(lease, "ends")) == b"\0\0\0\1"
    assert (polls.seen, polls.missed) == (1, 0)


def test_a_wait_polls_no_longer_than_its_timeout(
    backend: Backend, lease_on: LeaseOn, alone: None
) -> None:
    _, lease, polls = lease_on(silent, 20.0)
    started = time.monotonic()
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(lease, 0.3)
    assert info.value.status == dhcpctl.ISC_R_TIMEDOUT
    assert time.monotonic() - started < 0.3 + 1.5
    assert polls.missed == 1


def test_ctrl_c_interrupts_a_wait_that_polls(
    backend: Backend, lease_on: LeaseOn, alone: None
) -> None:
    _, lease, polls = lease_on(silent, 20.0)
    started = time.monotonic()
    with interrupted_after(0.3), pytest.raises(Interrupted):
        backend.dhcpctl_wait_for_completion(lease)
    assert time.monotonic() - started < 0.3 + 1.5
    assert (polls.started, polls.seen, polls.missed) == (1, 0, 0)  # interrupted inside it
    # The connection is as it was: the request is still in flight.
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(lease, 0.3)
    assert info.value.status == dhcpctl.ISC_R_TIMEDOUT


def test_at_zero_a_wait_sleeps_at_once(backend: Backend, lease_on: LeaseOn, alone: None) -> None:
    _, lease, polls = lease_on(answering_soon, 0.0)
    assert backend.dhcpctl_wait_for_completion(lease) == dhcpctl.ISC_R_SUCCESS
    assert (polls.seen, polls.missed) == (0, 0)


def test_a_second_thread_stops_the_polling(
    pair: tuple[socket.socket, socket.socket], several_cpus: None
) -> None:
    """A thread that polls holds Python's GIL from the others' work: with two threads doing
    lookups on their own connections, polling cost up to 16 % of their lookups per second."""
    ours, theirs = pair
    theirs.send(b"x")
    done = threading.Event()
    other = threading.Thread(target=done.wait, args=(PATIENCE,))
    other.start()
    try:
        assert BusyPoll().poll(poller_of(ours), None) is None
    finally:
        done.set()
        other.join()


def test_waits_sleep_at_once_beside_another_thread(
    backend: Backend, lease_on: LeaseOn, several_cpus: None
) -> None:
    _, lease, polls = lease_on(answering_soon, 20.0)
    assert threading.active_count() > 1  # the fake server's
    assert backend.dhcpctl_wait_for_completion(lease) == dhcpctl.ISC_R_SUCCESS
    assert (polls.seen, polls.missed) == (0, 0)


def test_a_process_confined_to_one_cpu_never_polls() -> None:
    """In a child process of one thread: a connection's BusyPoll made while the process may
    run on several CPUs polls (input waiting: seen), one made once it is confined to one does
    not, with the same input waiting."""
    code = (
        "import os, select, socket, dhcpctl._busy_poll as b\n"
        "ours, theirs = socket.socketpair()\n"
        "theirs.send(b'x')\n"
        "poller = select.poll()\n"
        "poller.register(ours, select.POLLIN)\n"
        "before = b.BusyPoll()\n"
        "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
        "print(bool(before.poll(poller, None)), b.BusyPoll().poll(poller, None))"
    )
    result = run_python(code, "500")
    several = len(os.sched_getaffinity(0)) > 1
    assert (result.returncode, result.stdout.split()) == (0, [str(several), "None"]), result.stderr


def test_a_wait_polls_once(backend: Backend, lease_on: LeaseOn, alone: None) -> None:
    """Once, before it first sleeps: a native wait sleeps in slices of up to 1 s, and polled
    again after each (finding 1 of trial E: 3 s of CPU in an 8 s wait at a 1 s limit)."""
    _, lease, polls = lease_on(silent, 0.2)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(lease, 2.5)
    assert info.value.status == dhcpctl.ISC_R_TIMEDOUT
    assert (polls.seen, polls.missed) == (0, 1)


def test_waits_after_a_poll_that_saw_nothing_sleep_1_2_4_times(
    backend: Backend, lease_on: LeaseOn, alone: None
) -> None:
    """Replies 50 ms late, polls of 5 ms: the waits that poll are the 1st, 3rd, 6th and 11th
    (the next 1, 2, 4 waits after each sleep at once, as documented)."""
    late = functools.partial(answering_after, 0.05, count=12)
    connection, lease, polls = lease_on(late, 0.005)
    polled = []
    for number in range(1, 13):
        if number > 1:
            lease = open_lease_on(backend, connection)
        before = polls.missed
        assert backend.dhcpctl_timed_wait_for_completion(lease, PATIENCE) == dhcpctl.ISC_R_SUCCESS
        if polls.missed > before:
            polled.append(number)
    assert (polled, polls.seen) == ([1, 3, 6, 11], 0)


def test_connects_and_waits_on_a_connection_do_not_poll(
    backend: Backend, lease_on: LeaseOn, alone: None
) -> None:
    """They wait for no reply: a poll could only miss and push the connection's backoff on
    (the pure-Python backend polled in both, the native one in neither)."""
    connection, lease, polls = lease_on(functools.partial(answering_after, 0.3), 20.0)
    with contextlib.suppress(dhcpctl.DhcpctlError):
        backend.dhcpctl_timed_wait_for_completion(connection, 0.05)
    assert (polls.started, polls.seen, polls.missed) == (0, 0, 0)
    assert backend.dhcpctl_wait_for_completion(lease) == dhcpctl.ISC_R_SUCCESS
    assert (polls.started, polls.seen, polls.missed) == (1, 1, 0)


def test_the_report_says_never_at_zero() -> None:
    info = dataclasses.replace(dhcpctl.backend_info(), busy_poll_setting="00")
    assert dataclasses.replace(info, busy_poll_us=0).lines()[-1] == (
        "busy poll: never (DHCPCTL_BUSY_POLL=00)"
    )


def test_help_works_with_a_bad_value() -> None:
    result = run_command("--help")
    assert (result.returncode, result.stderr) == (0, "")
    assert "DHCPCTL_BUSY_POLL" in result.stdout  # exit status 2 names it


def test_a_long_value_is_cut_in_the_error() -> None:
    with pytest.raises(ValueError) as info:
        limit_of("9" * 5000)
    assert len(str(info.value)) < 300


def test_waits_poll_for_dhcpd_replies(
    backend: Backend,
    dhcpd_server: Endpoint,
    monkeypatch: pytest.MonkeyPatch,
    limit: Limit,
    alone: None,
    request: pytest.FixtureRequest,
) -> None:
    """Against the test bed's dhcpd, 10 lookups of each lease with a limit of 2 s (which no
    reply of a local dhcpd needs): the values are right and every poll saw its reply. A
    pure-Python wait always reads through its poll; a native wait's first step (write, then
    read, under the library lock) may already take the reply, and then it does not sleep."""
    limit(2.0)
    connection = connect(backend, dhcpd_server)
    polls = Polls(monkeypatch)
    lookups = list(dataset.LEASES) * 10
    for lease in lookups:
        remote = backend.dhcpctl_new_object(connection, "lease")
        backend.dhcpctl_set_value(remote, socket.inet_aton(lease.ip), "ip-address")
        backend.dhcpctl_open_object(remote, connection, 0)
        assert backend.dhcpctl_timed_wait_for_completion(remote, PATIENCE) == 0
        assert bytes(backend.dhcpctl_get_value(remote, "ends")) == uint32(lease.ends)
        backend.omapi_object_dereference(remote)
    assert (polls.missed, polls.started) == (0, polls.seen)
    if backend_name(request) == "python":
        assert polls.seen == len(lookups)
