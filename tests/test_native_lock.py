"""The native backend's library lock (:class:`dhcpctl._native.lock._FairLock`), on its own:
first come first served, deadlines, Ctrl-C, and the finalizers' try that never blocks.

Each test makes its own lock; threads wait for one another through events, never sleeps.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import pytest
from conftest import backend_or_skip

from dhcpctl import DhcpctlError

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


class FinalizerAfterQueueing(deque[threading.Lock]):
    """A queue of gates whose first ``append`` runs ``hook`` right after it: the bytecode of
    :meth:`_FairLock.acquire` inside its hold of ``_mutex`` where a finalizer may run (the
    cyclic GC runs at eval-breaker checks on CPython 3.12+, at any allocation on PyPy)."""

    def __init__(self, hook: Callable[[], None]) -> None:
        super().__init__()
        self.hook: Callable[[], None] | None = hook

    def append(self, gate: threading.Lock) -> None:
        super().append(gate)
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()


def test_a_finalizer_inside_the_queue_mutex_neither_blocks_nor_takes_the_lock(lock: Any) -> None:
    """The interleaving: the holder's release saw no queue and freed the lock; before it looks
    again, a thread that found the lock held has queued its gate (``_mutex`` held), and a
    finalizer runs there (:func:`dhcpctl._native.lock.bury`: ``try_acquire``, then
    ``release`` if taken). Taking the free lock there made its release wait for the
    ``_mutex`` its own thread holds: the thread, and every later call, hung."""
    assert lock.acquire()
    tried: list[bool] = []

    def finalizer() -> None:
        del lock._held[0]  # the holder's release, landing here
        tried.append(lock.try_acquire())
        if tried[-1]:
            lock.release()

    lock._queue = FinalizerAfterQueueing(finalizer)
    outcome: list[bool] = []
    waiter = threading.Thread(
        target=lambda: outcome.append(lock.acquire(time.monotonic() + PATIENCE)), daemon=True
    )
    waiter.start()
    waiter.join(PATIENCE)
    assert not waiter.is_alive(), "the thread hung on the lock's own mutex"
    assert tried == [False]
    assert outcome == [True]  # the head of the queue took the freed lock
    assert not lock._queue
    assert not lock.try_acquire()
    lock.release()
    assert lock.try_acquire()
    lock.release()


def test_ctrl_c_right_after_enter_takes_the_lock_gives_it_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A signal handler's exception (Ctrl-C) is raised at the first check after a C call
    returns: also right after :func:`dhcpctl._native.lock.enter`'s take of the free lock,
    before it returns to its caller's ``try``. The lock then stayed taken for good: every
    later untimed call hung, every timed one failed as "busy"."""
    backend_or_skip("native")
    from dhcpctl._native import lock as library_lock

    take = library_lock._take

    def take_then_interrupted(*arguments: Any) -> Any:
        take(*arguments)
        raise Interrupted

    monkeypatch.setattr(library_lock, "_take", take_then_interrupted)
    with pytest.raises(Interrupted):
        library_lock.enter("dhcpctl_wait_for_completion")
    monkeypatch.undo()
    free = library_lock._lock.try_acquire()
    if free:
        library_lock._lock.release()
    else:  # taken for good: given back here, so that the tests after this one can run
        library_lock.leave()
    assert free, "the interrupted enter kept the library lock"
    library_lock.enter("dhcpctl_wait_for_completion", time.monotonic() + PATIENCE)
    library_lock.leave()


def test_ctrl_c_right_after_a_finalizers_take_gives_the_lock_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As for :func:`enter`: Ctrl-C raised right after a finalizer
    (:func:`dhcpctl._native.lock.bury`) took the free lock, before its ``try``, kept the
    lock for good (and a finalizer's exception is only printed: nobody would know)."""
    backend_or_skip("native")
    from dhcpctl._native import lock as library_lock
    from dhcpctl._native.loader import ffi, lib

    cell = ffi.new("dhcpctl_handle *")  # a C object no Handle owns, for the finalizer
    with library_lock.locked():
        assert lib.dhcpctl_new_authenticator(cell, b"k", b"hmac-md5", b"s", 1) == 0
    try_acquire = library_lock._lock.try_acquire

    def take_then_interrupted(*owner: object) -> bool:
        assert try_acquire(*owner)
        raise Interrupted

    monkeypatch.setattr(library_lock._lock, "try_acquire", take_then_interrupted)
    with pytest.raises(Interrupted):
        library_lock.bury(cell, "authenticator")
    monkeypatch.undo()
    free = library_lock._lock.try_acquire()
    library_lock._lock.release()  # this test's take, or else the one kept for good
    assert free, "the interrupted finalizer kept the library lock"
    library_lock.enter("dhcpctl_wait_for_completion", time.monotonic() + PATIENCE)
    library_lock.leave()  # the enter dereferenced the buried cell
    assert cell[0] == ffi.NULL


def test_a_give_back_an_exception_skipped_is_the_threads_own_lock() -> None:
    """Ctrl-C may land as :func:`dhcpctl._native.lock.leave` is entered, before it frees the
    lock. The thread's next call then finds the lock its own and goes on (and its leave hands
    it to the thread that queued meanwhile), rather than waiting for itself for good."""
    backend_or_skip("native")
    from dhcpctl._native import lock as library_lock

    library_lock.enter("dhcpctl_open_object")  # and no leave: the interrupted give-back
    outcome: list[bool] = []
    other = threading.Thread(
        target=lambda: outcome.append(library_lock._lock.acquire(time.monotonic() + PATIENCE))
    )
    other.start()
    queued(library_lock._lock, 1)
    try:
        library_lock.enter("dhcpctl_wait_for_completion", time.monotonic() + 1.0)
    except DhcpctlError as error:  # busy: it waited behind the thread waiting for it
        entered: DhcpctlError | None = error
    else:
        entered = None
    library_lock.leave()  # the lock goes to the thread that queued, which gives it back
    other.join(PATIENCE)
    if outcome == [True]:
        library_lock._lock.release()
    assert entered is None
    assert outcome == [True]
