"""Where the ISC DHCP client libraries (libdhcpctl, libomapi and BIND's libraries) are.

The one place that knows it. Used at build time by ``build_ffi.py``, ``setup.py`` and
``dhcpctl/build_isc.py`` (imported by file path: standard library only, no package-relative
imports) and at run time to find ``libdhcpctl.so.0`` for cffi's ABI mode.

Search order, first usable installation wins:

1. ``DHCPCTL_ISC_PREFIX``, if set. If it holds no usable installation that is an error that says
   what is missing: there is no silent fallback to another place.
2. The usual system prefixes (``/usr``, ``/usr/local``; ``lib64``, ``lib`` and multiarch library
   directories), as Fedora/RHEL's ``dhcp-libs`` ship ``libdhcpctl.so.0`` and ``libomapi.so.0``.
3. The project's build cache, filled by ``python -m dhcpctl.build_isc`` (:data:`BUILD_COMMAND`).

Two kinds of installation exist. "shared": ``libdhcpctl.so.0`` and ``libomapi.so.0`` (plus, to
compile against them, the headers and the development links of all six libraries). "static":
all six static archives ``libdhcpctl.a libomapi.a libirs.a libdns.a libisccfg.a libisc.a``,
which must be position-independent. Debian's ``isc-dhcp-dev`` ships only the first two, built
as PIE (they cannot be linked into a shared object), so a prefix that lacks BIND's archives is
rejected. In a prefix that holds both kinds, shared wins (a libtool install: its archives are not
position-independent); in the build cache, static wins (it makes a self-contained extension).
``DHCPCTL_ISC_KIND=shared|static`` restricts the search to one kind.
"""

from __future__ import annotations

import os
import sysconfig
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["shared", "static"]
Purpose = Literal["build", "dlopen"]

ISC_DHCP_VERSION = "4.4.3-P1"
# Link order: each library only needs the ones after it.
LIBRARIES = ("dhcpctl", "omapi", "irs", "dns", "isccfg", "isc")
RUNTIME_SONAMES = ("libdhcpctl.so.0", "libomapi.so.0")
HEADERS = ("dhcpctl/dhcpctl.h", "omapip/omapip.h", "isc/result.h")
# Written last by dhcpctl/build_isc.py into each prefix it completes.
STAMP = ".dhcpctl-omapi-build-complete"
SYSTEM_PREFIXES = (Path("/usr"), Path("/usr/local"))
#: The builder, shipped in the package (``dhcpctl/build_isc.py``): builds the static kind into
#: the build cache, where ``pip install`` finds it.
BUILD_COMMAND = "python -m dhcpctl.build_isc"
#: After a build: the reinstall that compiles the native backend against it (no cached wheel,
#: no prebuilt wheel: a wheel built without the libraries would be reused).
REINSTALL = (
    "pip install --force-reinstall --no-deps --no-cache-dir --no-binary dhcpctl-omapi dhcpctl-omapi"
)
#: What the builder needs on Debian/Ubuntu.
BUILD_TOOLS = "apt-get install autoconf automake libtool build-essential dpkg-dev patch"


class IscLibraryNotFound(LookupError):
    """No usable ISC DHCP library installation: the message says where we looked and why not.

    ``looked``: one line per place looked at (empty for a bad ``DHCPCTL_ISC_KIND``), for
    messages of their own; ``explicit``: whether ``DHCPCTL_ISC_PREFIX`` named the place.
    """

    def __init__(self, message: str, looked: Sequence[str] = (), explicit: bool = False) -> None:
        super().__init__(message)
        self.looked = tuple(looked)
        self.explicit = explicit


@dataclass(frozen=True)
class IscInstallation:
    """A usable installation, in the terms ``cffi.FFI.set_source()`` and ``ffi.dlopen()`` need."""

    kind: Kind
    prefix: Path
    include_dirs: tuple[str, ...]
    library_dirs: tuple[str, ...]
    libraries: tuple[str, ...]  # to link with -l, in link order (shared kind)
    extra_objects: tuple[str, ...]  # static archives, in link order (static kind)
    runtime_library_dirs: tuple[str, ...]  # rpath of the extension (non-system shared prefix)
    # ABI mode: what to dlopen with RTLD_GLOBAL, dependencies first. ISC's libtool build does not
    # record them (libdhcpctl.so.0 and libomapi.so.0 only NEED libc), so dlopen(libdhcpctl) alone
    # fails with undefined symbols.
    dlopen_order: tuple[Path, ...]


def default_cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``${DHCPCTL_ISC_CACHE:-${XDG_CACHE_HOME:-~/.cache}}/dhcpctl-omapi/isc-dhcp-<version>``."""
    base = environ.get("DHCPCTL_ISC_CACHE") or environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "dhcpctl-omapi" / f"isc-dhcp-{ISC_DHCP_VERSION}"


def _library_dirs(prefix: Path) -> list[Path]:
    names = ["lib64", "lib"]
    multiarch = sysconfig.get_config_var("MULTIARCH")
    if multiarch:
        names.append(f"lib/{multiarch}")
    return [prefix / name for name in names if (prefix / name).is_dir()]


def _missing(base: Path, names: Sequence[str]) -> list[str]:
    return [name for name in names if not (base / name).exists()]


def _dlopen_order(libdir: Path) -> tuple[Path, ...]:
    """The shared libraries of ``libdir``, dependencies first, by their shortest versioned name
    (``libisc.so.1107``). BIND's may be missing (linked into libomapi): they are left out."""
    order = []
    for name in reversed(LIBRARIES):
        versions = sorted(libdir.glob(f"lib{name}.so.*"), key=lambda path: len(path.name))
        order += versions[:1]
    return tuple(order)


def stamped_version(prefix: Path) -> str | None:
    """The ISC DHCP version ``dhcpctl/build_isc.py`` built in ``prefix`` (its stamp says
    ``isc-dhcp <version> <kind>``), or None where no stamp says it (ISC's libraries do not
    record their version: ``dhcpctl._native.layout`` checks the loaded one)."""
    try:
        words = (prefix / STAMP).read_text().split()
    except OSError:
        return None
    return words[1] if len(words) >= 2 and words[0] == "isc-dhcp" else None


def check_prefix(
    prefix: Path, kind: Kind, purpose: Purpose, *, system: bool = False
) -> IscInstallation | str:
    """The installation of ``kind`` in ``prefix``, or the reasons why there is none."""
    built = stamped_version(prefix)
    if built not in (None, ISC_DHCP_VERSION):
        return f"{kind} in {prefix}: built from ISC DHCP {built!r}, needs {ISC_DHCP_VERSION}"
    include = prefix / "include"
    missing_headers = _missing(include, HEADERS) if purpose == "build" else []
    reasons = []
    for libdir in _library_dirs(prefix) or [prefix / "lib"]:
        if kind == "static":
            wanted = [f"lib{name}.a" for name in LIBRARIES]
        else:
            wanted = list(RUNTIME_SONAMES)
            if purpose == "build":
                wanted += [f"lib{name}.so" for name in LIBRARIES]
        if not (libdir / wanted[0]).exists():
            reasons.append(f"{kind} in {libdir}: no {wanted[0]}")
            continue
        missing = [f"{libdir}/{name}" for name in _missing(libdir, wanted)]
        missing += [f"{include}/{name}" for name in missing_headers]
        if missing:
            reasons.append(f"{kind} in {libdir}: missing {', '.join(missing)}")
            continue
        shared = kind == "shared"
        return IscInstallation(
            kind=kind,
            prefix=prefix,
            include_dirs=(str(include),),
            library_dirs=(str(libdir),) if shared else (),
            libraries=LIBRARIES if shared else (),
            extra_objects=() if shared else tuple(str(libdir / w) for w in wanted),
            runtime_library_dirs=(str(libdir),) if shared and not system else (),
            dlopen_order=_dlopen_order(libdir) if shared else (),
        )
    return "\n  - ".join(reasons)


# DHCPCTL_ISC_KIND -> the kinds to look for. In one prefix, shared first: a prefix that holds
# both is a libtool install, whose static archives are not position-independent.
_KINDS: dict[str, tuple[Kind, ...]] = {
    "": ("shared", "static"),
    "static": ("static",),
    "shared": ("shared",),
}


def _kinds(purpose: Purpose, environ: Mapping[str, str]) -> tuple[Kind, ...]:
    forced = environ.get("DHCPCTL_ISC_KIND", "")
    if forced not in _KINDS:
        raise IscLibraryNotFound(f"DHCPCTL_ISC_KIND={forced!r}: expected 'shared' or 'static'")
    if purpose == "dlopen":
        if forced == "static":
            raise IscLibraryNotFound("DHCPCTL_ISC_KIND=static: ABI mode (dlopen) needs 'shared'")
        return ("shared",)
    return _KINDS[forced]


def locate(
    purpose: Purpose = "build",
    *,
    environ: Mapping[str, str] = os.environ,
    system_prefixes: Sequence[Path] = SYSTEM_PREFIXES,
) -> IscInstallation:
    """Find the ISC libraries to compile against ("build") or to ``dlopen`` at run time."""
    kinds = _kinds(purpose, environ)
    explicit = environ.get("DHCPCTL_ISC_PREFIX")

    def build_root(root: Path, stamped: bool) -> list[tuple[Path, tuple[Kind, ...], bool, bool]]:
        # One prefix per kind, static first: it makes a self-contained extension.
        return [
            (root / kind, (kind,), False, stamped) for kind in ("static", "shared") if kind in kinds
        ]

    # (prefix, kinds to look for there, system?, needs our stamp?)
    if explicit:  # an installation prefix, or a build root of ours
        candidates = [(Path(explicit), kinds, False, False), *build_root(Path(explicit), False)]
    else:
        candidates = [(prefix, kinds, True, False) for prefix in system_prefixes]
        candidates += build_root(default_cache_dir(environ), True)
    looked: list[str] = []
    for prefix, kinds_here, system, stamped in candidates:
        if not prefix.is_dir():
            looked.append(f"{prefix}: no such directory")
            continue
        if stamped and not (prefix / STAMP).exists():
            looked.append(f"{prefix}: no complete build (no {STAMP})")
            continue
        for kind in kinds_here:
            found = check_prefix(prefix, kind, purpose, system=system)
            if isinstance(found, IscInstallation):
                return found
            looked.append(found)
    where = f"DHCPCTL_ISC_PREFIX={explicit}" if explicit else "the system and the build cache"
    build = BUILD_COMMAND + (" --kind shared" if kinds == ("shared",) else "")
    then = "" if purpose == "dlopen" else f", then `{REINSTALL}`"  # ABI mode: found at import
    if explicit:
        fix = (
            f"Build them there with `{build} --prefix {explicit}` (the builder ships in "
            "this package: a first install without DHCPCTL_ISC_PREFIX gives it), or point "
            "DHCPCTL_ISC_PREFIX at the directory that holds them."
        )
    else:
        fix = (
            f"Build them with `{build}` (needs: {BUILD_TOOLS}){then}; or "
            "install the shared libraries (Fedora/RHEL: dhcp-libs dhcp-devel). Debian's "
            "isc-dhcp-dev is not usable: its static archives are PIE, not PIC, and BIND's are "
            "missing."
        )
    raise IscLibraryNotFound(
        f"no usable ISC DHCP {ISC_DHCP_VERSION} libraries ({' or '.join(kinds)}) in {where}.\n"
        + "".join(f"  - {line}\n" for line in looked)
        + fix,
        looked,
        bool(explicit),
    )
