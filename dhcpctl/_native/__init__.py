"""The native dhcpctl backend: ISC DHCP 4.4.3-P1's own libdhcpctl through cffi.

The interface is :class:`dhcpctl._api.Backend`, like the pure-Python backend's
(:mod:`dhcpctl.fallback`), plus :data:`MODE`, :data:`LIBRARY`, :data:`VERSION`,
:data:`HARDENED` and :data:`HARDENING`. Importing raises ImportError saying what is missing
when ISC's library can be loaded neither way.

Modules, each one job: :mod:`.loader` (API or ABI mode: ``ffi``, ``lib``, ``MODE``; which
library, ``LIBRARY``, and whether it carries the hardening patches, ``HARDENED``/``HARDENING``),
:mod:`.layout` (the C structs read from Python; refuses a library of another version or
layout with an ImportError that names both),
:mod:`.lock` (the one lock around the library that is not thread-safe; deferred dereferences and
callbacks), :mod:`.waking` (where a wait sleeps without that lock, and what wakes it),
:mod:`.handles` (the Python owners of C objects), :mod:`.calls` (the C calls of the hot path,
each checking its handles' cells first), :mod:`.replies` (which reply
arrived for which object; callbacks, which C's own cannot do), :mod:`.arguments` (checks, and
conversions to C values), :mod:`.api` (the C-named functions), :mod:`.received` (the values
and STATUS text a reply left in a remote object, for :class:`dhcpctl.Client`) and
:mod:`.message_ids` (ISC's message ids seeded per process, so that a recorded reply cannot be
replayed to another).

Threads may share everything: each call holds the library lock for its C call, which releases
the GIL; a wait holds it only for its steps, which never block, and sleeps on its connection's
socket without it (:mod:`.waking`); callbacks run outside the lock, in the thread whose call read
the reply.

Where C would crash, hang or read freed memory, these raise instead (as the pure-Python
backend does):

- a handle after ``omapi_object_dereference`` or ``dhcpctl_disconnect``, a data string after
  ``dhcpctl_data_string_dereference``: :class:`DhcpctlError` ``DHCP_R_INVALIDARG``;
- a wait on an object with no request in flight (C blocks forever), or a second request on an
  object whose first is still in progress: ``DHCP_R_INVALIDARG``; a wait on an object whose
  request was in flight when its connection ended (the server closed it, or ISC's patched
  library dropped it for a reply that broke the protocol): ``DHCP_R_CONNRESET`` (see
  :mod:`dhcpctl._api` for these and the other answers on connections that end);
- ``None`` or a wrong type where a handle is required: TypeError.

Ctrl-C interrupts a wait: it sleeps in Python's ``poll``, which runs the signal handlers.
"""

from __future__ import annotations

from dhcpctl._api import DHCPCTL_CREATE as DHCPCTL_CREATE
from dhcpctl._api import DHCPCTL_EXCL as DHCPCTL_EXCL
from dhcpctl._api import DHCPCTL_UPDATE as DHCPCTL_UPDATE
from dhcpctl._errors import DhcpctlError as DhcpctlError
from dhcpctl._results import *  # noqa: F403  (every ISC_R_* and DHCP_R_* result code)

from . import api, layout
from .api import *  # noqa: F403  (the C-named functions, isc_result_totext the C one)
from .handles import DataString as DataString
from .handles import Handle as Handle
from .loader import HARDENED as HARDENED
from .loader import HARDENING as HARDENING
from .loader import LIBRARY as LIBRARY
from .loader import MODE as MODE

layout.verify()  # after api's dhcpctl_initialize, before anything else uses the library
#: The ISC library's version, e.g. ``"ISC DHCP 4.4.3-P1 (BIND 9.11.36)"`` (checked at import).
VERSION = layout.version()

__all__ = [
    "DHCPCTL_CREATE",
    "DHCPCTL_EXCL",
    "DHCPCTL_UPDATE",
    "HARDENED",
    "HARDENING",
    "LIBRARY",
    "MODE",
    "VERSION",
    "DataString",
    "DhcpctlError",
    "Handle",
]
__all__ += api.__all__
