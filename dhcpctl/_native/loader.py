"""Loading ISC's libdhcpctl: the compiled API-mode module, else cffi's ABI mode.

The compiled API-mode module ``dhcpctl._native_lib`` (``build_ffi.py``) is used when it is
built; else (or with ``DHCPCTL_NATIVE_MODE=abi``) cffi's ABI mode loads ISC's shared libraries
at run time, without a compiler. If neither is possible, importing raises ImportError, one
sentence without a chain of causes: what was found, what is missing and the command that fixes
it (:func:`_unavailable`). A compiled module whose shared ISC libraries have moved is told apart
from one that was never built: the place it was linked against is read from the module file.

ABI mode: ISC's libtool build records no dependencies between its shared libraries, so each
one of ``dlopen_order`` is opened with ``RTLD_NOW | RTLD_GLOBAL``, the dependencies first, and
the functions are then looked up in the global namespace.

Whether the library carries the project's hardening patches (``dhcpctl/isc_patches/``: a
server's reply can otherwise crash, abort or exhaust the process, or be accepted unsigned on a
keyed connection) is found out here: the patch set exports ``dhcpctl_omapi_hardening()``. API
mode asks a helper compiled with a weak reference to it, ABI mode looks the symbol up.
:data:`HARDENING` is its text (None without it), :data:`HARDENED` whether it names at least
:data:`HARDENING_VERSION`, :data:`LIBRARY` where the ISC library came from.

The omapi functions that take ``MDL`` (the caller's file and line, for ISC's debugging) are
called differently in each mode: API mode has static C helpers that pass them (``py_*``, see
:mod:`dhcpctl._native_cdef`), ABI mode passes a C string and a line itself. The ``c_*``
functions here hide that.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from cffi import FFI  # type: ignore[import-untyped,unused-ignore]

from dhcpctl._isc_locate import (
    BUILD_COMMAND,
    BUILD_TOOLS,
    REINSTALL,
    IscLibraryNotFound,
    locate,
)
from dhcpctl._native_cdef import CDEF

MODE: str
"""``"api"`` (the compiled ``dhcpctl._native_lib``) or ``"abi"`` (ISC's shared libraries)."""
LIBRARY: str
"""Where the ISC library in use came from: the shared ``libdhcpctl`` (ABI mode), or the prefix
the compiled module was built against (API mode)."""

#: The oldest patch set (``dhcpctl-omapi-hardening/<version>``) that counts as hardened.
HARDENING_VERSION: Final = 1
_HARDENING_TEXT: Final = re.compile(r"dhcpctl-omapi-hardening/(\d+)(?: |$)")
#: ABI mode only: the marker may be absent, so it is declared apart from CDEF (API mode reaches
#: it through ``py_dhcpctl_omapi_hardening``).
_CDEF_MARKER: Final = "const char *dhcpctl_omapi_hardening(void);"
#: ABI mode only, for the twins of API mode's helpers (:mod:`.calls`): libc's ``sigaction``
#: (``py_initialize``; its ``struct sigaction`` is copied as opaque bytes, never read), and
#: the start of ``dhcpctl_timed_connect`` (``py_connect_start``), a wait's step
#: (``py_wait_step``: the connection's socket, reader and writer), ISC's array of connections
#: (``py_connections``, :mod:`.closing`); libc's ``srandom``, which API mode declares too
#: (:mod:`.message_ids`).
_CDEF_ABI_ONLY: Final = """
int sigaction(int, const void *, void *);
void srandom(unsigned int);
isc_result_t omapi_generic_new(omapi_object_t **, const char *, int);
isc_result_t omapi_object_reference(omapi_object_t **, omapi_object_t *, const char *, int);
int omapi_connection_readfd(omapi_object_t *);
isc_result_t omapi_connection_reader(omapi_object_t *);
isc_result_t omapi_connection_writer(omapi_object_t *);
isc_result_t omapi_disconnect(omapi_object_t *, int);
isc_result_t omapi_protocol_connect(omapi_object_t *, const char *, unsigned, omapi_object_t *);
extern void *omapi_connections;
"""
#: ``build_ffi.py``'s ``PY_ISC_LOCATION``, a C string in the compiled module's file.
_LOCATION_TEXT: Final = re.compile(rb"(shared|static) libraries in ([^\0]+)\0")
_API_MODULE: Final = "dhcpctl._native_lib"


class _NoSharedLibraries(ImportError):
    """ABI mode found no shared ISC libraries: ``not_found`` says where it looked."""

    def __init__(self, not_found: IscLibraryNotFound) -> None:
        super().__init__(f"ABI mode found {not_found}")
        self.not_found = not_found


def _load_abi() -> tuple[FFI, Any, tuple[Any, ...], str]:
    """``(ffi, lib, handles, library)``; keep ``handles`` alive as long as ``lib`` is used.

    Raises ImportError saying what is missing when no shared ISC libraries are found.
    """
    try:
        installation = locate(purpose="dlopen")
    except IscLibraryNotFound as error:
        raise _NoSharedLibraries(error) from None
    ffi = FFI()
    ffi.cdef(CDEF)
    ffi.cdef(_CDEF_MARKER)
    ffi.cdef(_CDEF_ABI_ONLY)
    flags = os.RTLD_NOW | os.RTLD_GLOBAL
    try:
        handles = tuple(ffi.dlopen(str(path), flags) for path in installation.dlopen_order)
        lib = ffi.dlopen(None)
        lib.dhcpctl_initialize  # noqa: B018  (resolve one symbol now: fail at import, not later)
    except (OSError, AttributeError) as error:
        raise ImportError(f"cannot load ISC's shared libraries for ABI mode: {error}") from None
    library = installation.dlopen_order[-1] if installation.dlopen_order else installation.prefix
    return ffi, lib, handles, f"shared libraries: {library}"


def _linked_against(module: Path) -> tuple[str, Path] | None:
    """``(kind, prefix)`` of the ISC libraries the compiled module was built against, or None
    where its file does not say (a module built before it recorded it)."""
    try:
        found = _LOCATION_TEXT.search(module.read_bytes())
    except OSError:
        return None
    if found is None:
        return None
    return found.group(1).decode(), Path(os.fsdecode(found.group(2)))


def _unavailable(api_error: ImportError, abi_error: ImportError) -> str:
    """Why neither mode loads, in one sentence: the compiled module never built (and ABI mode
    finds no shared libraries), or built but its shared ISC libraries are gone."""
    spec = importlib.util.find_spec(_API_MODULE)
    if spec is None or spec.origin is None:
        if not isinstance(abi_error, _NoSharedLibraries) or abi_error.not_found.explicit:
            return f"{_API_MODULE} is not built, and {abi_error}"
        looked = "".join(f"\n  - {line}" for line in abi_error.not_found.looked)
        return (
            f"{_API_MODULE} is not built (pip install found no ISC libraries, or could not "
            "compile against them) and ABI mode finds no shared ISC libraries: run "
            f"`{BUILD_COMMAND}`, then `{REINSTALL}` (the compiled backend), or "
            f"`{BUILD_COMMAND} --kind shared` alone (ABI mode, loaded at import; needs: "
            f"{BUILD_TOOLS}). ABI mode looked in:{looked}"
        )
    module = Path(spec.origin)
    linked = _linked_against(module)
    if linked is None or linked[0] != "shared":
        return (
            f"{_API_MODULE} ({module}) is built but does not load ({api_error}); run `{REINSTALL}`"
        )
    prefix = linked[1]
    if prefix.name == "shared":  # a build root of dhcpctl.build_isc: rebuild it in place
        fix = f"run `{BUILD_COMMAND} --kind shared --prefix {prefix.parent}`"
    else:
        fix = f"run `DHCPCTL_ISC_PREFIX=DIR {REINSTALL}` (DIR: where they are now)"
    return (
        f"{_API_MODULE} ({module}) was built against the shared ISC libraries in {prefix}, "
        f"which no longer load ({api_error}); {fix}"
    )


def _api_location(api_lib: Any) -> str:
    """Where the compiled module's ISC library came from (a module built before the helper
    existed does not say)."""
    helper = getattr(api_lib, "py_isc_location", None)
    where = "unknown" if helper is None else ffi.string(helper()).decode(errors="replace")
    return f"compiled into dhcpctl._native_lib ({where})"


def _hardening_marker() -> str | None:
    """The text of ``dhcpctl_omapi_hardening()``, or None if the library lacks the symbol."""
    if MODE == "api":
        marker = getattr(lib, "py_dhcpctl_omapi_hardening", None)
    else:
        try:
            marker = lib.dhcpctl_omapi_hardening
        except AttributeError:  # cffi: the symbol is not in the loaded libraries
            marker = None
    text = ffi.NULL if marker is None else marker()
    return None if text == ffi.NULL else str(ffi.string(text).decode(errors="replace"))


def _is_hardened(marker: str | None) -> bool:
    match = None if marker is None else _HARDENING_TEXT.match(marker)
    return match is not None and int(match.group(1)) >= HARDENING_VERSION


_abi_handles: tuple[Any, ...] = ()
if os.environ.get("DHCPCTL_NATIVE_MODE", "") == "abi":
    ffi, lib, _abi_handles, LIBRARY = _load_abi()
    MODE = "abi"
else:
    try:
        from dhcpctl._native_lib import ffi, lib  # type: ignore[import-not-found,no-redef]

        MODE = "api"
        LIBRARY = _api_location(lib)
    except ImportError as _api_error:
        try:
            ffi, lib, _abi_handles, LIBRARY = _load_abi()
        except ImportError as _abi_error:
            raise ImportError(_unavailable(_api_error, _abi_error)) from None
        MODE = "abi"

#: The hardening marker's text, None for a library without the patches.
HARDENING: Final = _hardening_marker()
#: Whether the library carries the hardening patch set (:data:`HARDENING_VERSION` or later).
HARDENED: Final = _is_hardened(HARDENING)

#: C string and line passed as omapi's MDL debugging arguments in ABI mode.
_MDL_FILE: Final = ffi.new("char[]", b"dhcpctl/_native/loader.py")


def _abi_data_string_new(cell: Any, length: int) -> int:
    return int(lib.omapi_data_string_new(cell, length, _MDL_FILE, 0))


def _abi_object_dereference(cell: Any) -> int:
    return int(lib.omapi_object_dereference(cell, _MDL_FILE, 0))


def _abi_data_string_dereference(cell: Any) -> int:
    return int(lib.dhcpctl_data_string_dereference(cell, _MDL_FILE, 0))


# Bound once: in API mode the C helpers themselves, no Python frame in between.
c_data_string_new: Callable[[Any, int], int]
c_object_dereference: Callable[[Any], int]
c_data_string_dereference: Callable[[Any], int]
if MODE == "api":
    c_data_string_new = lib.py_omapi_data_string_new
    c_object_dereference = lib.py_omapi_object_dereference
    c_data_string_dereference = lib.py_dhcpctl_data_string_dereference
else:
    c_data_string_new = _abi_data_string_new
    c_object_dereference = _abi_object_dereference
    c_data_string_dereference = _abi_data_string_dereference
