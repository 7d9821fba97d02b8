"""Whether ISC's library has dropped a connection, read without calling it.

A ``dhcpctl_connect`` handle is a generic object whose ``outer`` is the protocol object, whose
``outer`` in turn is the connection. When C drops a connection (the server closed it, a
protocol error, ``omapi_disconnect``), ``omapip/connection.c`` omapi_disconnect cuts the
protocol's ``outer``. ``dhcpctl/dhcpctl.c`` dhcpctl_disconnect tests exactly this (and then
returns ``DHCP_R_INVALIDARG`` and writes "dhcpctl_disconnect detected invalid arg" to stderr
through ``log_debug``), as does ``omapip/protocol.c`` omapi_protocol_send_message for every
request. :func:`dropped` tests it without a word on stderr.

It reads only ``OMAPI_OBJECT_PREAMBLE``, the public head of every object in ISC DHCP 4.4.3-P1's
``includes/omapip/omapip.h`` (``struct __omapi_object``), as declared once in
:data:`dhcpctl._native_cdef.LAYOUT_CDEF` (whose layout :mod:`.layout` checks). Call it with the
library lock held.
"""

from __future__ import annotations

from typing import Any

from .layout import LAYOUT
from .loader import ffi


def head(handle: Any) -> Any:
    """The preamble of the C object behind ``handle`` (a ``dhcpctl_handle``, not NULL), as
    :func:`dropped` reads it; valid while the handle's reference is."""
    return LAYOUT.cast("omapi_object_head_t *", int(ffi.cast("uintptr_t", handle)))


def dropped(connection: Any) -> bool:
    """Whether the C connection behind the ``dhcpctl_connect`` handle ``connection`` (a
    ``dhcpctl_handle``, not NULL) is gone."""
    return is_cut(head(connection))


def is_cut(generic: Any) -> bool:
    """:func:`dropped` of the connection whose :func:`head` is ``generic``."""
    protocol = generic.outer
    return bool(protocol == LAYOUT.NULL or protocol.outer == LAYOUT.NULL)
