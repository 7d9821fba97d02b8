"""Which implementation ``import dhcpctl`` gives: the policy, read once, and the loader.

``DHCPCTL_BACKEND``: ``auto`` (the default: the native backend where it is built, loads and its
ISC library carries the hardening patches, else pure Python), ``native`` (ISC's own libdhcpctl
through cffi; an ImportError saying what is missing if it is not available) or ``python``
(``dhcpctl.fallback``). Unset, empty or blank is ``auto``; case and surrounding white space do
not count (``" Native "`` is ``native``): :func:`policy_of`.

An ISC library without the project's patches (``dhcpctl/isc_patches/``, detected by
:data:`dhcpctl._native.HARDENED`), such as a distribution's ``libdhcpctl``, can be crashed,
aborted, made to exhaust memory or to accept unsigned replies by the server it talks to:
``auto`` never picks it (it takes pure Python and says why), and loading it explicitly warns
with :class:`UnhardenedLibraryWarning`.

The package's own commands (``python -m dhcpctl info``, ``python -m dhcpctl.build_isc``) must
run where the native backend is broken, since they explain and fix it: while Python locates the
module of ``python -m dhcpctl...`` it imports this package, and a forced ``native`` that cannot
load then gives pure Python with the reason (:func:`running_a_command`), instead of the
ImportError a program gets.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from typing import Final, NamedTuple, cast

from dhcpctl._api import Backend
from dhcpctl._isc_locate import BUILD_COMMAND

POLICY_VARIABLE: Final = "DHCPCTL_BACKEND"
POLICIES: Final = ("auto", "native", "python")
_MODULES: Final = {"native": "dhcpctl._native", "python": "dhcpctl.fallback"}
_RISKS: Final = (
    "a server's reply can crash or abort the process, make it allocate gigabytes, or be "
    "accepted without a valid signature on a keyed connection"
)


class UnhardenedLibraryWarning(RuntimeWarning):
    """The native backend was loaded on an ISC library without the hardening patches."""


class Choice(NamedTuple):
    """What ``DHCPCTL_BACKEND`` gave: the backend's name, its module and why it was chosen."""

    name: str
    backend: Backend
    reason: str


def _import(name: str) -> Backend:
    if name not in _MODULES:
        raise ValueError(f"unknown dhcpctl backend {name!r}; choose 'native' or 'python'")
    try:
        module = importlib.import_module(_MODULES[name])
    except ImportError as error:
        if name != "native":
            raise
        # The loader's message says what was found, what is missing and what to run: the
        # chain would only repeat it.
        raise ImportError(f"the native dhcpctl backend is not available: {error}") from None
    return cast(Backend, module)


def _unhardened(native: Backend) -> str | None:
    """Why the native backend's library is not safe to use, or None if it is hardened."""
    if getattr(native, "HARDENED", False):
        return None
    return (
        f"the ISC library ({getattr(native, 'LIBRARY', 'unknown')}) lacks dhcpctl's hardening "
        f"patches (dhcpctl/isc_patches/; build a patched one with `{BUILD_COMMAND}`): {_RISKS}"
    )


def load_backend(name: str) -> Backend:
    """The backend ``"native"`` or ``"python"`` as a module with the whole C-named API.

    Both can be loaded in one process, side by side (as the differential tests do). Raises
    ValueError for another name, ImportError if the native backend cannot be loaded; warns
    with :class:`UnhardenedLibraryWarning` if its ISC library lacks the hardening patches.
    """
    module = _import(name)
    risk = _unhardened(module) if name == "native" else None
    if risk is not None:
        warnings.warn(risk, UnhardenedLibraryWarning, stacklevel=2)
    return module


def running_a_command(argv: list[str] | None = None, orig_argv: list[str] | None = None) -> bool:
    """Whether this package is being imported to run one of its commands: the ``dhcpctl``
    console script (``sys.argv[0]`` is its path), ``python -m dhcpctl`` or ``python -m
    dhcpctl.<module>`` (while ``-m`` locates its module, ``sys.argv[0]`` is ``"-m"``, Python's
    documentation of ``-m``, and ``sys.orig_argv`` names the module)."""
    argv = sys.argv if argv is None else argv
    orig_argv = sys.orig_argv if orig_argv is None else orig_argv
    if argv[:1] and os.path.basename(argv[0]) == "dhcpctl":  # the console script (dhcpctl.cli)
        return True
    if argv[:1] != ["-m"]:
        return False
    for index, arg in enumerate(orig_argv[1:], 1):
        if arg.startswith("-m"):
            target = arg[2:] or (orig_argv[index + 1] if index + 1 < len(orig_argv) else "")
            return target == "dhcpctl" or target.startswith("dhcpctl.")
    return False


def policy_of(value: str | None) -> str:
    """A ``DHCPCTL_BACKEND`` value as a policy: None (unset), empty or blank is ``auto``, else
    the value without surrounding white space, in lower case. Whether it is one of
    :data:`POLICIES` is not checked here."""
    return (value or "").strip().lower() or "auto"


def choose_backend(value: str | None, *, command: bool = False) -> Choice:
    """Apply a ``DHCPCTL_BACKEND`` value (read as :func:`policy_of` says): the backend's name,
    module and the reason.

    ``reason`` keeps why: with ``auto``, the exact reason the native backend was not taken.
    Raises ValueError for an unknown policy; ImportError if ``native`` is forced and cannot
    be loaded, unless ``command`` (:func:`running_a_command`): then pure Python, and the
    reason says that a program would get the error (the command itself refuses an unknown
    policy as bad usage, ``dhcpctl.cli``, once it has read its arguments: ``--help`` works).
    """
    policy = policy_of(value)
    if policy not in POLICIES:
        invalid = f"{POLICY_VARIABLE}={value!r} is not valid; use one of: {', '.join(POLICIES)}"
        if not command:
            raise ValueError(invalid)
        return Choice("python", _import("python"), f"{invalid} (a program's import raises)")
    if policy == "python":
        return Choice("python", _import("python"), f"{POLICY_VARIABLE}=python")
    if policy == "native":
        try:
            native = load_backend("native")
        except ImportError as error:
            if not command:
                raise
            return Choice(
                "python",
                _import("python"),
                f"{POLICY_VARIABLE}=native, which fails (a program's `import dhcpctl` raises "
                f"ImportError: {error}); this `python -m dhcpctl` command runs on pure Python",
            )
        risk = _unhardened(native)
        reason = f"{POLICY_VARIABLE}=native" + (f"; warning: {risk}" if risk else "")
        return Choice("native", native, reason)
    try:
        native = _import("native")
    except ImportError as error:
        return Choice("python", _import("python"), f"auto: {error}")
    risk = _unhardened(native)
    if risk is not None:
        return Choice("python", _import("python"), f"auto: not the native backend, since {risk}")
    return Choice("native", native, "auto: the native backend, its ISC library is hardened")
