"""cffi ABI mode: ISC's shared libdhcpctl loaded at run time, without a compiler.

Used by :mod:`dhcpctl._native` when the compiled ``dhcpctl._native_lib`` is missing (or
``DHCPCTL_NATIVE_MODE=abi``). ISC's libtool build records no dependencies between its shared
libraries, so each one of ``dlopen_order`` is opened with ``RTLD_NOW | RTLD_GLOBAL``, the
dependencies first, and the functions are then looked up in the global namespace.
"""

from __future__ import annotations

import os
from typing import Any

from cffi import FFI  # type: ignore[import-untyped,unused-ignore]

from dhcpctl._isc_locate import IscLibraryNotFound, locate
from dhcpctl._native_cdef import CDEF


def load() -> tuple[FFI, Any, tuple[Any, ...]]:
    """``(ffi, lib, handles)``; keep ``handles`` alive as long as ``lib`` is used.

    Raises ImportError saying what is missing when no shared ISC libraries are found.
    """
    try:
        installation = locate(purpose="dlopen")
    except IscLibraryNotFound as error:
        raise ImportError(f"dhcpctl._native_lib is not built and ABI mode found: {error}") from None
    ffi = FFI()
    ffi.cdef(CDEF)
    flags = os.RTLD_NOW | os.RTLD_GLOBAL
    try:
        handles = tuple(ffi.dlopen(str(path), flags) for path in installation.dlopen_order)
        lib = ffi.dlopen(None)
        lib.dhcpctl_initialize  # noqa: B018  (resolve one symbol now: fail at import, not later)
    except (OSError, AttributeError) as error:
        raise ImportError(f"cannot load ISC's shared libraries for ABI mode: {error}") from None
    return ffi, lib, handles
