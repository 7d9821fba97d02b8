"""The pure-Python dhcpctl backend: ISC DHCP 4.4.3-P1's OMAPI client without the C library.

It exports exactly the :class:`dhcpctl._api.Backend` interface (every name of
``FUNCTION_NAMES``, the ``DHCPCTL_*`` flags, every ``ISC_R_*``/``DHCP_R_*`` code) plus
:class:`DataString` and :class:`DhcpctlError`.

Layers, each its own module: :mod:`.wire` (message bytes, limits), :mod:`.auth` (HMAC keys),
:mod:`.protocol` (the sans-I/O connection state machine), :mod:`.transport` (a socket shared
by threads), :mod:`.session` (connecting; applying replies), :mod:`.objects` (handles),
:mod:`.api` (the functions) and :mod:`.received` (what a reply carried, for
:class:`dhcpctl.Client`: the C API cannot list values). :mod:`.server_protocol` is the server
side of the sans-I/O codec (sharing :mod:`.wire`'s stream decoder and limits and
:mod:`.auth`'s signing), which :mod:`dhcpctl.testing`'s fake server runs.

Threads: separate connections in separate threads are independent. One connection may also be
shared by several threads: a per-connection lock serializes requests, and one waiting thread
at a time reads the socket for all of them (see :mod:`.transport`). Callbacks run in whichever
thread is waiting when the reply arrives, outside the lock.
"""

from __future__ import annotations

from dhcpctl._api import DHCPCTL_CREATE as DHCPCTL_CREATE
from dhcpctl._api import DHCPCTL_EXCL as DHCPCTL_EXCL
from dhcpctl._api import DHCPCTL_UPDATE as DHCPCTL_UPDATE
from dhcpctl._errors import DhcpctlError as DhcpctlError
from dhcpctl._results import *  # noqa: F403  (every ISC_R_* and DHCP_R_* result code)

from .api import *  # noqa: F403  (the C-named functions: api.__all__)
from .datastring import DataString as DataString
