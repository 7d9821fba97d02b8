"""The source of ISC's OMAPI message ids, seeded from the system's entropy.

ISC's library draws the first message id of each connection from libc's ``random()``
(``omapip/protocol.c`` omapi_protocol_send_intro: ``p->next_xid = random()``; the ids after it
count up) and nothing in it seeds ``random()``: every process sent the same ids (glibc's first
``random()``, 1804289383, was always the first lease OPEN's id). A server without the key could
then answer a later process with a signed reply recorded from an earlier one: the rid matches
and the signature is the real server's, so the reply passed as authentic. The pure-Python
backend draws its ids from ``secrets``.

:func:`seed` seeds ``random()`` (``srandom``) with 32 bits of ``os.urandom``: once when the
native backend is imported, and again in the child of every ``os.fork`` (else parent and
children would share one sequence). That is the whole of libc's ``random()`` state, the
process's: a program that uses ``random()`` itself (through a C extension) gets a seeded
sequence instead of the unseeded one, and one that calls ``srandom`` after the import keeps
its own seed, and makes ISC's ids as predictable as that seed. ISC's own state cannot be kept
apart: its draw happens inside the connect's wait, with the GIL released.
"""

from __future__ import annotations

import os
from typing import Final

from .loader import lib

#: Bytes of entropy per seed: ``srandom`` takes an ``unsigned int``.
_SEED_SIZE: Final = 4


def seed() -> None:
    """Seed libc's ``random()``, ISC's message ids, from ``os.urandom`` (raises nothing but
    OSError when the system has no entropy source)."""
    lib.srandom(int.from_bytes(os.urandom(_SEED_SIZE), "little"))


def seed_every_process() -> None:
    """:func:`seed` now and in the child of every later ``os.fork`` (call once)."""
    seed()
    os.register_at_fork(after_in_child=seed)
