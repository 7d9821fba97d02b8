"""The native backend's library lock (:class:`dhcpctl._native.lock._FairLock`), on its own:
first come first served, deadlines, Ctrl-C, and the finalizers' try that never blocks.

Each test makes its own lock; threads wait for one another through events, never sleeps.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

import pytest
from conftest import backend_or_skip

pytestmark = pytest.mark.native
PATIENCE = 10.0


@pytest.fixture
def lock() -> Any:
    backend_or_skip("native")
    from dhcpctl._native.lock import _FairLock

    return _FairLock()


def queued(lock: Any, count: int) -> None:
    """Wait until ``count`` threads wait for ``lock``."""
    deadline = time.monotonic() + PATIENCE
    while len(lock._queue) < count:
        assert time.monotonic() < deadline, "the threads did not queue"
        time.sleep(0.001)


def test_released_lock_goes_to_the_first_in_line(lock: Any) -> None:
    assert lock.acquire()
    order: list[str] = []

    def take(name: str) -> None:
        assert lock.acquire(time.monotonic() + PATIENCE)
        order.append(name)
        lock.release()

    first = threading.Thread(target=take, args=("first",))
    first.start()
    queued(lock, 1)
    second = threading.Thread(target=take, args=("second",))
    second.start()
    queued(lock, 2)
    # The holder asks again right after its release: it goes behind the two.
    lock.release()
    assert lock.acquire(time.monotonic() + PATIENCE)
    order.append("again")
    lock.release()
    first.join(PATIENCE)
    second.join(PATIENCE)
    assert order == ["first", "second", "again"]


def test_a_deadline_that_passes_leaves_the_queue(lock: Any) -> None:
    assert lock.acquire()
    outcome: list[bool] = []
    waiter = threading.Thread(target=lambda: outcome.append(lock.acquire(time.monotonic() + 0.05)))
    waiter.start()
    waiter.join(PATIENCE)
    assert outcome == [False]
    assert not lock._queue
    lock.release()
    assert lock.try_acquire()  # nobody was handed the lock
    lock.release()


def test_try_acquire_never_waits(lock: Any) -> None:
    assert lock.try_acquire()
    assert not lock.try_acquire()
    outcome: list[bool] = []
    other = threading.Thread(target=lambda: outcome.append(lock.try_acquire()))
    other.start()
    other.join(PATIENCE)
    assert outcome == [False]
    lock.release()
    assert lock.acquire(time.monotonic())


class Interrupted(Exception):
    """Raised by the test's SIGALRM handler, standing for Ctrl-C's KeyboardInterrupt."""


def test_an_interrupted_wait_leaves_the_queue(lock: Any) -> None:
    holder_done = threading.Event()
    taken = threading.Event()

    def hold() -> None:
        lock.acquire()
        taken.set()
        holder_done.wait(PATIENCE)
        lock.release()

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(PATIENCE)

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    try:
        with pytest.raises(Interrupted):
            lock.acquire()  # untimed
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not lock._queue
    holder_done.set()
    holder.join(PATIENCE)
    assert lock.try_acquire()
    lock.release()
