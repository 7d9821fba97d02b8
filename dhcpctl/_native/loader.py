"""Loading ISC's libdhcpctl: the compiled API-mode module, else cffi's ABI mode.

The compiled API-mode module ``dhcpctl._native_lib`` (``build_ffi.py``) is used when it is
built; else (or with ``DHCPCTL_NATIVE_MODE=abi``) cffi's ABI mode loads ISC's shared libraries
at run time, without a compiler. If neither is possible, importing raises ImportError saying
what is missing.

ABI mode: ISC's libtool build records no dependencies between its shared libraries, so each
one of ``dlopen_order`` is opened with ``RTLD_NOW | RTLD_GLOBAL``, the dependencies first, and
the functions are then looked up in the global namespace.

The omapi functions that take ``MDL`` (the caller's file and line, for ISC's debugging) are
called differently in each mode: API mode has static C helpers that pass them (``py_*``, see
:mod:`dhcpctl._native_cdef`), ABI mode passes a C string and a line itself. The ``c_*``
functions here hide that.
"""

from __future__ import annotations

import os
from typing import Any, Final

from cffi import FFI  # type: ignore[import-untyped,unused-ignore]

from dhcpctl._isc_locate import IscLibraryNotFound, locate
from dhcpctl._native_cdef import CDEF

MODE: str
"""``"api"`` (the compiled ``dhcpctl._native_lib``) or ``"abi"`` (ISC's shared libraries)."""


def _load_abi() -> tuple[FFI, Any, tuple[Any, ...]]:
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


_abi_handles: tuple[Any, ...] = ()
if os.environ.get("DHCPCTL_NATIVE_MODE", "") == "abi":
    ffi, lib, _abi_handles = _load_abi()
    MODE = "abi"
else:
    try:
        from dhcpctl._native_lib import ffi, lib  # type: ignore[import-not-found,no-redef]

        MODE = "api"
    except ImportError as _api_error:
        try:
            ffi, lib, _abi_handles = _load_abi()
        except ImportError as _abi_error:
            raise ImportError(
                f"dhcpctl._native_lib is not built ({_api_error}), and {_abi_error}"
            ) from None
        MODE = "abi"

#: C string and line passed as omapi's MDL debugging arguments in ABI mode.
_MDL_FILE: Final = ffi.new("char[]", b"dhcpctl/_native/loader.py")


def c_data_string_new(cell: Any, length: int) -> int:
    if MODE == "api":
        return int(lib.py_omapi_data_string_new(cell, length))
    return int(lib.omapi_data_string_new(cell, length, _MDL_FILE, 0))


def c_object_dereference(cell: Any) -> int:
    if MODE == "api":
        return int(lib.py_omapi_object_dereference(cell))
    return int(lib.omapi_object_dereference(cell, _MDL_FILE, 0))


def c_data_string_dereference(cell: Any) -> int:
    if MODE == "api":
        return int(lib.py_dhcpctl_data_string_dereference(cell))
    return int(lib.dhcpctl_data_string_dereference(cell, _MDL_FILE, 0))
