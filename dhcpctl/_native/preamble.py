"""Whether ISC's library has dropped a connection, read without calling it.

A ``dhcpctl_connect`` handle is a generic object whose ``outer`` is the protocol object, whose
``outer`` in turn is the connection. When C drops a connection (the server closed it, a
protocol error, ``omapi_disconnect``), ``omapip/connection.c`` omapi_disconnect cuts the
protocol's ``outer``. ``dhcpctl/dhcpctl.c`` dhcpctl_disconnect tests exactly this (and then
returns ``DHCP_R_INVALIDARG`` and writes "dhcpctl_disconnect detected invalid arg" to stderr
through ``log_debug``), as does ``omapip/protocol.c`` omapi_protocol_send_message for every
request. :func:`dropped` tests it without a word on stderr.

It reads only ``OMAPI_OBJECT_PREAMBLE``, the public head of every object in ISC DHCP 4.4.3-P1's
``includes/omapip/omapip.h`` (``struct __omapi_object``): in API mode through a C helper
compiled against ISC's own header (``py_dropped``, ``build_ffi.py``: one C call, as each request
and wait asks), in ABI mode as declared once in :data:`dhcpctl._native_cdef.LAYOUT_CDEF` (whose
layout :mod:`.layout` checks). Call it with the library lock held.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .layout import LAYOUT
from .loader import MODE, ffi, lib


def _dropped_abi(connection: Any) -> bool:
    generic = LAYOUT.cast("omapi_object_head_t *", int(ffi.cast("uintptr_t", connection)))
    protocol = generic.outer
    return bool(protocol == LAYOUT.NULL or protocol.outer == LAYOUT.NULL)


#: ``dropped(connection)``: whether the C connection behind the ``dhcpctl_connect`` handle
#: ``connection`` (a ``dhcpctl_handle``, not NULL) is gone (true or false, maybe as an int).
dropped: Callable[[Any], object] = lib.py_dropped if MODE == "api" else _dropped_abi
