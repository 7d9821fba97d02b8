"""The pure-Python dhcpctl backend: ISC DHCP 4.4.3-P1's OMAPI client without the C library.

It exports exactly the :class:`dhcpctl._api.Backend` interface (every name of
``FUNCTION_NAMES``, the ``DHCPCTL_*`` flags, every ``ISC_R_*``/``DHCP_R_*`` code) plus
:class:`DataString` and :class:`DhcpctlError`.

Layers, each its own module: :mod:`.wire` (message bytes, limits), :mod:`.auth` (HMAC keys),
:mod:`.protocol` (the sans-I/O connection state machine), :mod:`.transport` (a socket shared
by threads), :mod:`.session` (connecting; applying replies), :mod:`.objects` (handles) and
:mod:`.api` (the functions).

Threads: separate connections in separate threads are independent. One connection may also be
shared by several threads: a per-connection lock serializes requests, and one waiting thread
at a time reads the socket for all of them (see :mod:`.transport`). Callbacks run in whichever
thread is waiting when the reply arrives, outside the lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dhcpctl import _results
from dhcpctl._api import DHCPCTL_CREATE, DHCPCTL_EXCL, DHCPCTL_UPDATE, FUNCTION_NAMES
from dhcpctl._errors import DhcpctlError

from . import api
from .api import *  # noqa: F403  (the functions: api.__all__)
from .datastring import DataString

if TYPE_CHECKING:
    from dhcpctl._results import *  # noqa: F403  (the result codes, for type checkers)

_RESULT_CODES = {
    name: value
    for name, value in vars(_results).items()
    if name.startswith(("ISC_R_", "DHCP_R_")) and isinstance(value, int)
}
globals().update(_RESULT_CODES)

__all__ = [
    *api.__all__,
    *_RESULT_CODES,
    "DHCPCTL_CREATE",
    "DHCPCTL_EXCL",
    "DHCPCTL_UPDATE",
    "DataString",
    "DhcpctlError",
]

# The functions are exactly the interface's: a difference is a bug of this package.
assert sorted(api.__all__) == sorted(FUNCTION_NAMES)
del TYPE_CHECKING
