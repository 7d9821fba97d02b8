"""Arguments checked and turned into what C takes: handles, C strings, ints, timevals.

The checks both backends share are :class:`dhcpctl._arguments.ArgumentChecks`; C adds its own
limits on top (a signed ``int``, a ``struct timeval`` it can add).
"""

from __future__ import annotations

import time
from typing import Any, Final

from dhcpctl._arguments import LONGEST_TIMEOUT, ArgumentChecks

from .handles import Handle
from .loader import ffi

CHECKS: Final = ArgumentChecks(
    foreign_module="dhcpctl.fallback",
    mixing="belongs to the pure-Python backend (dhcpctl.fallback); this is the native backend "
    "(dhcpctl._native): objects cannot be mixed",
)


def checked_handle(function: str, handle: object, kind: str | None = None) -> Handle:
    """A native handle (of ``kind``: ``"connection"``, ``"authenticator"``, ``"object"``)."""
    if not isinstance(handle, Handle) or (kind is not None and handle.kind != kind):
        expected = f"a dhcpctl {kind or ''} handle".replace("  ", " ")
        raise CHECKS.type_error(function, "the handle", expected, handle)
    return handle


def c_int(function: str, value: object) -> int:
    """A 32-bit int, signed or unsigned, as C's signed ``int``."""
    number = CHECKS.int32(function, value)
    return number - (1 << 32) if number >= (1 << 31) else number


def timeval(seconds: float, round_up: bool) -> Any:
    """A ``struct timeval`` C adds to the current time without carrying the microseconds.

    ISC adds ``tv_usec`` to ``gettimeofday``'s and never normalizes the sum; a sum of a
    million or more makes its ``select()`` fail, which drops the connection. So the fraction is
    cut to what fits the current second: the result may be shorter than ``seconds``
    (``round_up=False``, the caller waits again for the rest) or whole seconds, longer.
    """
    seconds = min(seconds, LONGEST_TIMEOUT)
    whole = int(seconds)
    usec = int((seconds - whole) * 1_000_000)
    room = 999_000 - int((time.time() % 1) * 1_000_000)
    if usec > room:
        if round_up:
            whole, usec = whole + 1, 0
        else:
            usec = max(room, 0)
    return ffi.new("struct timeval *", {"tv_sec": whole, "tv_usec": usec})
