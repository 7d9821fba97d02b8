"""Busy polling: a wait for a reply looks at its socket without sleeping for a short while
before it sleeps in ``poll()``, as Linux's ``net.core.busy_read`` does for a socket's reads.

Why: a sequential client sends a request and waits for the reply. Where waking a process on
another CPU is slow, as on a virtual machine (an inter-processor interrupt goes through the
hypervisor), sleeping in ``poll()`` and being woken costs more than a local ``dhcpd`` takes to
answer, and the client then runs with cold caches. Measured on a 2-CPU VM against a local
dhcpd (``--placement kernel`` of ``benchmarks/run.py``: the scheduler puts the processes),
93 % of lease lookups' replies came within 60 us, 99.8 % within 200 us; a host's create or
delete within 150 to 300 us (dhcpd writes its leases file first). An A/B run of its own (five
alternating rounds of 3,000 lookups with the C-named API, then of 400 host create+remove
cycles, each client a process of its own, polling off and at the default limit, against ISC's
own C loop; ``benchmarks/run.py``'s figures in the README come from another run):

============================  ==============  ==============  ==================  ==================
                              native lookups  python lookups  native host cycles  python host cycles
============================  ==============  ==============  ==================  ==================
rate vs the C loop            0.73x -> 1.00x  0.56x -> 1.06x  0.59x -> 0.84x      0.54x -> 0.72x
client CPU (us each)          134 -> 131      150 -> 141      253 -> 614          305 -> 685
============================  ==============  ==============  ==================  ==================

The cost is CPU: a wait polls once, before it first sleeps, for at most :data:`LIMIT` seconds,
so a sequential client keeps its CPU busy while a reply comes within the limit (a lookup's
reply comes so soon that polling costs less CPU than sleeping). It never polls where it could
only hurt:

- *after polls that saw nothing*: a connection whose replies come later than the limit (a
  remote server, a slow one) stops polling by itself: the next 1, 2, 4 ... up to
  :data:`MAX_BACKOFF` waits of the connection sleep at once, and input seen while polling
  (the first bytes of a reply; on the native backend also a ring of the wait's bell,
  :mod:`dhcpctl._native.waking`) starts over (:class:`BusyPoll`). A poll that the wait's own
  timeout cut short does not count;
- *beside another thread*: a polling thread holds Python's GIL from threads that have work.
  Measured, two threads doing lookups on their own connections made up to 16 % fewer when
  one of them polled; so a wait polls only while its thread is the only one of Python's
  ``threading`` module (``threading.active_count()``; a thread started with ``_thread``
  directly is not seen);
- *confined to one CPU* (``sched_getaffinity`` of the thread that makes the connection, read
  then: a process confined later still polls): it may share that CPU with the server, which
  could then answer only while the client sleeps. With dhcpd and the client pinned to one CPU
  (``--placement shared``), polling cost up to a third of the native backend's lookups. A
  client pinned to a CPU the server does not use (``--placement split``) loses the gain: where
  the server runs is not known here. Between two polls the wait yields its CPU
  (``sched_yield``) to a process ready to run there, such as a server the scheduler put on
  it.

``DHCPCTL_BUSY_POLL``: the limit in microseconds, a whole number from 0 (never poll: every
wait sleeps, as ISC's library does) to 1000000; unset or blank: :data:`DEFAULT_MICROSECONDS`.
Read once, at ``import dhcpctl``; another value raises ValueError there (where one of the
package's commands runs, the default is taken instead and the ``dhcpctl`` command refuses the
value as bad usage once it has read its arguments: :data:`REFUSED`).

Both backends poll: the pure-Python backend's reads (``fallback/transport.py``
``Link._pump``) and the native backend's sleeps between the steps of a wait
(``dhcpctl/_native/waking.py``). ISC's own library always sleeps (``omapip/dispatch.c``
omapi_one_dispatch, in ``select()``). :mod:`dhcpctl.aio` does not: its event loop sleeps.
Polling through the loop (a callback that keeps it turning while requests are in flight) was
measured and gained nothing: a pipelined client has replies coming while it works, and its
CPU, not the wake-up, bounds it.
"""

from __future__ import annotations

import os
import select
import threading
import time
from typing import Final

from dhcpctl._backend import running_a_command

VARIABLE: Final = "DHCPCTL_BUSY_POLL"
#: The limit when :data:`VARIABLE` is unset (microseconds).
DEFAULT_MICROSECONDS: Final = 500
#: The largest limit :data:`VARIABLE` takes (microseconds): one second.
MAX_MICROSECONDS: Final = 1_000_000
#: The most waits a connection sleeps at once after polls that saw nothing.
MAX_BACKOFF: Final = 64

_Events = list[tuple[int, int]]


def limit_of(value: str | None) -> float:
    """A :data:`VARIABLE` value as the limit in seconds: None, empty or blank is
    :data:`DEFAULT_MICROSECONDS`. Raises ValueError, naming the variable, for anything but a
    whole number of microseconds from 0 to :data:`MAX_MICROSECONDS`."""
    text = (value or "").strip()
    if not text:
        return DEFAULT_MICROSECONDS / 1e6
    digits = text.lstrip("0") or "0"  # int() of thousands of digits raises its own error
    if not (text.isascii() and text.isdigit()) or int(digits[:8]) > MAX_MICROSECONDS:
        raise ValueError(
            f"{VARIABLE}={_shown(value)} is not valid: give the microseconds a wait polls "
            f"before it sleeps, a whole number from 0 (never) to {MAX_MICROSECONDS}"
        )
    return int(digits) / 1e6


def _shown(value: str | None) -> str:
    """``value`` as an error shows it: its ``repr``, cut after 40 characters."""
    return repr(value) if value is None or len(value) <= 40 else f"{value[:40]!r}..."


def _read() -> tuple[float, str | None, str | None]:
    value = os.environ.get(VARIABLE)
    setting = (value or "").strip() or None
    try:
        return limit_of(value), setting, None
    except ValueError as error:
        if not running_a_command():
            raise
        return DEFAULT_MICROSECONDS / 1e6, None, str(error)


#: How long a wait polls before it sleeps (seconds), read from :data:`VARIABLE` once; the
#: value that set it (surrounding spaces dropped; None: unset or blank, the default); and why
#: its value was refused (None: it was not), where a command of this package runs.
LIMIT: float
SETTING: str | None
REFUSED: str | None
LIMIT, SETTING, REFUSED = _read()


#: Lets another process that is ready run on this CPU first (the server, when it shares the
#: CPU); returns at once when none is.
_yield: Final = getattr(os, "sched_yield", lambda: None)


def _cpus() -> int:
    """The CPUs the calling thread may run on (``sched_getaffinity``; elsewhere, the
    machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _alone() -> bool:
    """Whether the calling thread is the process's only Python thread (then a wait may poll)."""
    return threading.active_count() == 1


class BusyPoll:
    """One connection's busy polling. The pure-Python backend calls it from the thread that
    reads the socket; the native backend from each thread that waits on the connection, under
    the GIL (it polls only where there is one thread)."""

    __slots__ = ("_backoff", "_parallel", "_skip")

    def __init__(self) -> None:
        #: Whether the calling thread may run on more than one CPU (read once per
        #: connection): confined to one, it may share it with the server.
        self._parallel = _cpus() > 1
        #: Waits to sleep at once after the last poll that saw nothing, and those left.
        self._backoff = 0
        self._skip = 0

    def poll(self, poller: select.poll, timeout: float | None) -> _Events | None:
        """``poller.poll(0)`` again and again for at most :data:`LIMIT` seconds (and at most
        ``timeout`` seconds; None: no bound of its own): the events of the first call that
        has any, ``[]`` if none came (then the caller looks at its deadline and waits again:
        that wait sleeps at once), or None without a call while backing off or with no time
        to poll (then sleep in ``poller.poll`` at once). Raises what ``poller.poll`` raises,
        and what a signal handler raises (KeyboardInterrupt for Ctrl-C) between two calls."""
        if self._skip > 0:
            self._skip -= 1
            return None
        limit = LIMIT if timeout is None else min(LIMIT, timeout)
        if limit <= 0 or not self._parallel or not _alone():
            return None
        check = poller.poll
        end = time.monotonic() + limit
        while True:
            events = check(0)
            if events:
                self._backoff = 0
                return events
            if time.monotonic() >= end:
                break
            _yield()
        if limit >= LIMIT:  # not a poll the wait's own timeout cut short
            self._backoff = min(2 * self._backoff or 1, MAX_BACKOFF)
            self._skip = self._backoff
        return []
