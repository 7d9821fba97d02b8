"""Adds the optional native backend to the build; everything else is in pyproject.toml.

``dhcpctl._native_lib`` (``build_ffi.py``) is built if ``dhcpctl/_isc_locate.py`` finds the ISC
DHCP libraries. If it finds none, or the build fails, the install is pure Python and a warning in
the build output says why and what to run (``pip install -v`` shows the build output; afterwards
``python -m dhcpctl info`` explains too). Errors that fail the install: ``DHCPCTL_ISC_PREFIX``
set to a directory without usable libraries (the message names what is missing and the command
that builds them there), and, with ``DHCPCTL_REQUIRE_NATIVE=1``, no libraries or a failed build.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, CompileError, ExecError, LinkError

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # build backends do not always put the project there
from build_ffi import load_by_path  # noqa: E402  (needs the line above)

REQUIRE_NATIVE = os.environ.get("DHCPCTL_REQUIRE_NATIVE") == "1"


def say(message: str) -> None:
    print(f"dhcpctl-omapi: {message}", file=sys.stderr, flush=True)


def warn(why: str) -> None:
    """The install goes on pure Python: say so where a reader of the build output looks."""
    rule = "=" * 72
    say(
        f"WARNING: native backend not built, pure Python only: {why}\n{rule}\n"
        "dhcpctl-omapi installs with its pure-Python backend only (`python -m dhcpctl info` "
        f"says why, afterwards).\n{rule}"
    )


class OptionalBuildExt(build_ext):
    """A failed native build leaves the pure-Python backend, unless DHCPCTL_REQUIRE_NATIVE=1."""

    def finalize_options(self) -> None:
        super().finalize_options()
        # The ISC libraries are outside the tree: setuptools cannot tell that build/ is stale.
        self.force = True

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except (CCompilerError, CompileError, ExecError, LinkError) as exc:
            if REQUIRE_NATIVE:
                sys.exit(
                    f"DHCPCTL_REQUIRE_NATIVE=1: building {ext.name} failed: {exc}\n"
                    "Needs a C compiler and the Python headers (apt-get install "
                    "build-essential python3-dev), and the ISC libraries: run `python -m "
                    "dhcpctl.build_isc` or install them."
                )
            warn(f"building {ext.name} failed: {exc}")


def cffi_modules() -> list[str]:
    locate = load_by_path("_isc_locate", HERE / "dhcpctl" / "_isc_locate.py")
    try:
        isc = locate.locate()
    except locate.IscLibraryNotFound as exc:
        if REQUIRE_NATIVE:
            sys.exit(f"DHCPCTL_REQUIRE_NATIVE=1: {exc}")
        if os.environ.get("DHCPCTL_ISC_PREFIX"):  # asked for by name: no silent fallback
            sys.exit(f"dhcpctl-omapi: error: {exc}")
        warn(str(exc))
        return []
    say(f"building the native backend against the {isc.kind} ISC libraries in {isc.prefix}")
    return ["build_ffi.py:ffibuilder"]


setup(cffi_modules=cffi_modules(), cmdclass={"build_ext": OptionalBuildExt})
