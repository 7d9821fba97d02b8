"""The one C struct read from Python, ``dhcpctl_remote_object_t``, and the checks that ISC's
library loaded is the one whose layout it is (ISC DHCP 4.4.3-P1).

:mod:`.replies` reads and writes the ``waitstatus`` of remote objects (:func:`remote`), a field
that ``dhcpctl.h`` declares but no function gives access to. Its offset is hand-copied here
(:data:`LAYOUT`, from ``dhcpctl/dhcpctl.h`` and ``omapip.h``'s ``OMAPI_OBJECT_PREAMBLE``), so
:func:`verify`, run once at import after ``dhcpctl_initialize``, refuses (ImportError naming
what was found and what is needed) any library where it would be wrong:

- the version: ISC's libraries record no DHCP version, but the BIND they are built on does
  (``isc_version`` in libisc): ISC DHCP 4.4.3-P1 bundles BIND :data:`BIND_VERSION`;
- API mode: the offset and size the C compiler computed from ISC's real header at build time
  (``build_ffi.py`` also refuses to compile against another layout);
- both modes: the library's own description of its remote object type (``dhcpctl_remote_type``,
  registered by ``dhcpctl_initialize`` in ``dhcpctl/dhcpctl.c``): its name and its ``size``, which
  is ``sizeof (dhcpctl_remote_object_t)``; and a remote object made by ``dhcpctl_new_object``
  (``dhcpctl/remote.c``), whose preamble must point back at that type; and the connection
  object type (``omapi_type_connection``, ``omapip/support.c``): its name and size, which is
  ``sizeof (omapi_connection_object_t)`` (``omapip/omapip_p.h``), whose ``socket`` and
  ``out_bytes`` the waits read (:func:`connection_object`).
"""

from __future__ import annotations

from typing import Any, Final

from cffi import FFI  # type: ignore[import-untyped,unused-ignore]

from dhcpctl._isc_locate import ISC_DHCP_VERSION
from dhcpctl._native_cdef import LAYOUT_CDEF

from .loader import MODE, c_object_dereference, ffi, lib

#: The BIND that ISC DHCP 4.4.3-P1 bundles (``bind/bind.tar.gz``) and links its libraries with.
BIND_VERSION: Final = "9.11.36"
#: The name ``dhcpctl_initialize`` registers the remote object type under.
REMOTE_TYPE_NAME: Final = b"dhcpctl-remote"
#: The name ``omapi_init`` (``omapip/support.c``) registers the connection object type under.
CONNECTION_TYPE_NAME: Final = b"connection"

LAYOUT = FFI()
LAYOUT.cdef(LAYOUT_CDEF)


def remote(pointer: Any) -> Any:
    """The ``dhcpctl_remote_object_t`` a ``dhcpctl_handle`` of a remote object points to."""
    return LAYOUT.cast("dhcpctl_remote_object_t *", int(ffi.cast("uintptr_t", pointer)))


def connection_object(handle: Any) -> Any:
    """The ``omapi_connection_object_t`` of a ``dhcpctl_connect`` handle C has not dropped
    (its ``outer`` is the protocol object, whose ``outer`` is the connection: :mod:`.preamble`)."""
    generic = LAYOUT.cast("omapi_object_head_t *", int(ffi.cast("uintptr_t", handle)))
    return LAYOUT.cast("omapi_connection_object_t *", generic.outer.outer)


class LayoutMismatch(ImportError):
    """ISC's library is not the version, or has not the struct layout, the backend needs."""


def _refuse(found: str) -> LayoutMismatch:
    return LayoutMismatch(
        f"ISC's libdhcpctl found is not usable: {found}; the native backend needs ISC DHCP "
        f"{ISC_DHCP_VERSION}'s (BIND {BIND_VERSION}, dhcpctl_remote_object_t of "
        f"{LAYOUT.sizeof('dhcpctl_remote_object_t')} bytes, waitstatus at offset "
        f"{LAYOUT.offsetof('dhcpctl_remote_object_t', 'waitstatus')}). Rebuild it with "
        "`python -m dhcpctl.build_isc`, or point DHCPCTL_ISC_PREFIX at that version."
    )


def _check_version() -> None:
    found = ffi.string(lib.isc_version).decode("ascii", "replace")
    if found != BIND_VERSION:
        raise _refuse(f"it is built on BIND {found} (libisc's isc_version)")


def _check_compiled_layout() -> None:
    """API mode: what the compiler read in ISC's header when it built ``dhcpctl._native_lib``."""
    offset = int(lib.py_remote_waitstatus_offset)
    size = int(lib.py_remote_object_size)
    expected = (
        LAYOUT.offsetof("dhcpctl_remote_object_t", "waitstatus"),
        LAYOUT.sizeof("dhcpctl_remote_object_t"),
    )
    if (offset, size) != expected:
        raise _refuse(
            f"its dhcpctl.h puts waitstatus at offset {offset} of a {size}-byte "
            "dhcpctl_remote_object_t"
        )


def _registered(object_type: Any, what: str) -> tuple[int, bytes, int]:
    """The address, name and size of an object type the library registered."""
    address = int(ffi.cast("uintptr_t", object_type))
    if address == 0:
        raise _refuse(f"dhcpctl_initialize registered no {what}")
    head = LAYOUT.cast("omapi_object_type_head_t *", address)
    name = LAYOUT.string(head.name) if head.name != LAYOUT.NULL else b""
    return address, name, int(head.size)


def _check_library_layout() -> None:
    """The remote object type as the library registered it, and one object of it; the
    connection type (the waits read a connection's socket and queued output)."""
    address, name, size = _registered(lib.dhcpctl_remote_type, "dhcpctl_remote_type")
    if name != REMOTE_TYPE_NAME or size != LAYOUT.sizeof("dhcpctl_remote_object_t"):
        raise _refuse(f"its remote object type is {name!r}, of {size} bytes")
    _, name, size = _registered(lib.omapi_type_connection, "omapi_type_connection")
    if name != CONNECTION_TYPE_NAME or size != LAYOUT.sizeof("omapi_connection_object_t"):
        raise _refuse(f"its connection object type is {name!r}, of {size} bytes")
    cell = ffi.new("dhcpctl_handle *")
    status = lib.dhcpctl_new_object(cell, ffi.NULL, b"lease")
    if status != 0:
        raise _refuse(f"dhcpctl_new_object failed with status {status}")
    try:
        obj = remote(cell[0])
        # Its own reference and the one of its inner generic object (``remote.c``).
        found = (int(LAYOUT.cast("uintptr_t", obj.type)), obj.refcnt, obj.waitstatus)
        if found != (address, 2, 0) or obj.rtype == LAYOUT.NULL:
            raise _refuse(
                "a remote object from dhcpctl_new_object has another layout (type, refcnt, "
                f"waitstatus: {found[0]:#x}, {found[1]}, {found[2]}; the type is {address:#x})"
            )
    finally:
        c_object_dereference(cell)


def version() -> str:
    """The loaded library's version, as :func:`verify` established it: ISC DHCP's (which no ISC
    library records: the one whose layout and BIND passed) and libisc's ``isc_version``."""
    bind = ffi.string(lib.isc_version).decode("ascii", "replace")
    return f"ISC DHCP {ISC_DHCP_VERSION} (BIND {bind})"


def verify() -> None:
    """Refuse (:class:`LayoutMismatch`, an ImportError) a library this backend cannot drive.

    Call once, after ``dhcpctl_initialize`` and with the library lock held or before any other
    thread can use the library (at import).
    """
    try:
        _check_version()
        if MODE == "api":
            _check_compiled_layout()
        _check_library_layout()
    except AttributeError as error:  # cffi: a symbol the checks read is not in the library
        raise _refuse(f"it lacks a symbol of ISC DHCP's libraries ({error})") from None
