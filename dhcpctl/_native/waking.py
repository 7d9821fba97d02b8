"""Where a native wait sleeps without ISC's library lock, and what wakes it.

A wait (:mod:`.api`) holds the library lock only for its steps (``calls.wait_step``: write what
its connection has queued, read what has come; neither blocks). Between two steps it sleeps in
``poll()`` on its connection's socket (input; output too while ISC has some queued) and on a
bell of its own, a pipe that another thread rings when what it did under the lock may concern
a sleeper, which then looks again at once (:func:`ring`):

- it read the reply of an object another thread waits on (two threads with requests on one
  connection, or a connect, whose dispatch reads every connection: :func:`.replies.arrived`);
- it closed a connection (:mod:`.closing`): ISC closes the socket, and closing a descriptor
  does not end a ``poll()`` on it in another thread.

A sleep also ends after its timeout (the wait's remaining time, at most ``api.WAIT_SLICE``:
the bound for what nothing rings, such as a connection ISC dropped in another thread's
dispatch whose descriptor number was taken again meanwhile). Ctrl-C interrupts it: Python's
``poll`` runs the signal handlers.

Bells are kept for good in a pool, one per thread sleeping at a time (never closed): a ring
that comes late reaches an idle bell, whose next sleep it ends early, never a descriptor that
another file took over.
"""

from __future__ import annotations

import contextlib
import os
import select
from typing import Final

from dhcpctl._busy_poll import BusyPoll

_INPUT: Final = select.POLLIN
_INPUT_OUTPUT: Final = select.POLLIN | select.POLLOUT


class Bell:
    """A pipe (both ends non-blocking) and a ``poll`` object that watches its read end."""

    __slots__ = ("poll", "read_end", "write_end")

    def __init__(self) -> None:
        self.read_end, self.write_end = os.pipe()
        os.set_blocking(self.read_end, False)
        os.set_blocking(self.write_end, False)
        self.poll = select.poll()
        self.poll.register(self.read_end, select.POLLIN)

    def silence(self) -> None:
        """Read the rings it got (there may be none)."""
        with contextlib.suppress(BlockingIOError):
            while os.read(self.read_end, 256):
                pass


#: The bells of no sleeper.
_pool: list[Bell] = []
#: The write ends of the bells of the threads that sleep, or are about to.
_sleepers: set[int] = set()


def bell() -> Bell:
    """A bell for a sleep, rung from now on (call with the library lock held, then release it
    and call :func:`sleep`); :func:`give_back` it after, also when an exception comes first."""
    taken = _pool.pop() if _pool else Bell()
    _sleepers.add(taken.write_end)
    return taken


def give_back(taken: Bell) -> None:
    """The bell of a sleep that ended: no longer rung, back in the pool."""
    _sleepers.discard(taken.write_end)
    _pool.append(taken)


def sleep(
    taken: Bell, socket: int, output: bool, timeout: float, busy: BusyPoll | None = None
) -> None:
    """Sleep until ``socket`` has input (``output``: or takes output), ``taken`` rings, or
    ``timeout`` seconds pass. For input it first polls without sleeping for a moment
    (``busy``: the connection's :class:`dhcpctl._busy_poll.BusyPoll`, None: never); a poll
    that saw nothing returns, and the wait steps again before it sleeps. Call without the
    library lock.

    Raises what a signal handler raises (KeyboardInterrupt for Ctrl-C).
    """
    poll = taken.poll
    poll.register(socket, _INPUT_OUTPUT if output else _INPUT)
    try:
        events = None if output or busy is None else busy.poll(poll, timeout)
        if events is None:
            events = poll.poll(timeout * 1000.0)
        for descriptor, _ in events:
            if descriptor == taken.read_end:
                taken.silence()
    finally:
        poll.unregister(socket)


def ring() -> None:
    """Wake every sleeper (call with the library lock held): each looks again at once."""
    for write_end in tuple(_sleepers):
        with contextlib.suppress(BlockingIOError):
            os.write(write_end, b"\0")
