"""Faults a fake server can be told to commit: :meth:`OmapiServer.inject`.

A fault applies to the next ``replies`` answers to requests (OPEN, REFRESH, UPDATE, DELETE,
NOTIFY), on whichever connection they are due, in the order the server sends them; the
connection set-up (introductions, the authenticator's OPEN) is never faulted, so a client
connects normally and meets the fault on its first request. The request itself is processed
as usual (an UPDATE still changes the server's state): only its answer is affected, as when a
network or a server fails after doing the work.

=====================  ==========================================================================
``Delay(seconds)``     the answer is sent ``seconds`` late (other connections go on meanwhile)
``Drop()``             the connection is closed instead of answering (a client sees a reset)
``Stall()``            no answer, the connection stays open until the client or the server closes
``BadSignature()``     the answer is sent with its signature's last byte flipped (keyed only)
``Garbage(data)``      ``data`` (default: 32 bytes of 0xff) is sent instead of the answer
=====================  ==========================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Delay:
    """Send the answer ``seconds`` (an int or float, finite, >= 0) late. Raises TypeError for
    anything else than a number (a bool too), ValueError for a negative, infinite or NaN one."""

    seconds: float

    def __post_init__(self) -> None:
        seconds = self.seconds
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError(f"Delay: seconds must be an int or float, not {seconds!r}")
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"Delay: seconds must be finite and >= 0, not {seconds!r}")


@dataclass(frozen=True)
class Drop:
    """Close the connection instead of answering."""


@dataclass(frozen=True)
class Stall:
    """Never answer; keep the connection open (reading and dropping what the client sends)
    until the client or the server closes it."""


@dataclass(frozen=True)
class BadSignature:
    """Answer with a signature that does not verify (the last byte flipped)."""


@dataclass(frozen=True)
class Garbage:
    """Send ``data`` (bytes, not empty) instead of the answer. Raises TypeError for anything
    else than bytes, ValueError for empty bytes."""

    data: bytes = b"\xff" * 32

    def __post_init__(self) -> None:
        if not isinstance(self.data, bytes):
            raise TypeError(f"Garbage: data must be bytes, not {type(self.data).__name__}")
        if not self.data:
            raise ValueError("Garbage: data must not be empty")


Fault = Delay | Drop | Stall | BadSignature | Garbage

#: The fault classes :meth:`OmapiServer.inject` takes an instance of.
FAULTS = (Delay, Drop, Stall, BadSignature, Garbage)
