"""cffi out-of-line API-mode builder of ``dhcpctl._native_lib``: the real libdhcpctl for Python.

``setup.py`` uses it as ``cffi_modules=["build_ffi.py:ffibuilder"]`` when the ISC libraries are
found; ``python3 build_ffi.py`` builds the module in place. Where the libraries are, static or
shared, is ``dhcpctl/_isc_locate.py``'s business; the declarations shared with ABI mode are in
``dhcpctl/_native_cdef.py``. Both are loaded by file path: the package need not be importable.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from cffi import FFI

HERE = Path(__file__).resolve().parent


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, HERE / "dhcpctl" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


_isc_locate = _load("_isc_locate")
_native_cdef = _load("_native_cdef")

# API mode only (see _native_cdef's docstring): no MDL file/line arguments; the hardening
# marker, NULL when the library lacks it (a weak reference: linking never fails on it); and
# where the ISC library this module was built with came from.
CDEF_API = """
isc_result_t py_omapi_data_string_new(omapi_data_string_t **, unsigned);
isc_result_t py_omapi_object_dereference(omapi_object_t **);
isc_result_t py_dhcpctl_data_string_dereference(dhcpctl_data_string *);
const char *py_dhcpctl_omapi_hardening(void);
const char *py_isc_location(void);
"""

SOURCE = """
#include <stdarg.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <isc/result.h>
#include <dhcpctl/dhcpctl.h>

static isc_result_t py_omapi_data_string_new(omapi_data_string_t **s, unsigned len)
{ return omapi_data_string_new(s, len, MDL); }
static isc_result_t py_omapi_object_dereference(omapi_object_t **h)
{ return omapi_object_dereference(h, MDL); }
static isc_result_t py_dhcpctl_data_string_dereference(dhcpctl_data_string *s)
{ return dhcpctl_data_string_dereference(s, MDL); }

extern const char *dhcpctl_omapi_hardening(void) __attribute__((weak));
static const char *py_dhcpctl_omapi_hardening(void)
{ return dhcpctl_omapi_hardening ? dhcpctl_omapi_hardening() : NULL; }
static const char *py_isc_location(void)
{ return PY_ISC_LOCATION; }
"""

isc = _isc_locate.locate()
# A C string literal: json's escapes of a str are valid in C.
_location = json.dumps(f"{isc.kind} libraries in {isc.prefix}")

ffibuilder = FFI()
ffibuilder.cdef(_native_cdef.CDEF + CDEF_API)
ffibuilder.set_source(
    "dhcpctl._native_lib",
    f"#define PY_ISC_LOCATION {_location}\n{SOURCE}",
    include_dirs=list(isc.include_dirs),
    library_dirs=list(isc.library_dirs),
    libraries=list(isc.libraries),
    extra_objects=list(isc.extra_objects),
    runtime_library_dirs=list(isc.runtime_library_dirs),
)

if __name__ == "__main__":
    ffibuilder.compile(tmpdir=str(HERE), verbose=True)
