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
``Stall()``            no answer, the connection stays open until the server closes
``BadSignature()``     the answer is sent with its signature's last byte flipped (keyed only)
``Garbage(data)``      ``data`` (default: 32 bytes of 0xff) is sent instead of the answer
=====================  ==========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Delay:
    """Send the answer ``seconds`` (float, >= 0) late."""

    seconds: float

    def __post_init__(self) -> None:
        if not self.seconds >= 0:
            raise ValueError(f"Delay: seconds must be >= 0, not {self.seconds!r}")


@dataclass(frozen=True)
class Drop:
    """Close the connection instead of answering."""


@dataclass(frozen=True)
class Stall:
    """Never answer; keep the connection open until the server closes."""


@dataclass(frozen=True)
class BadSignature:
    """Answer with a signature that does not verify (the last byte flipped)."""


@dataclass(frozen=True)
class Garbage:
    """Send ``data`` instead of the answer."""

    data: bytes = b"\xff" * 32

    def __post_init__(self) -> None:
        if not self.data:
            raise ValueError("Garbage: data must not be empty")


Fault = Delay | Drop | Stall | BadSignature | Garbage
