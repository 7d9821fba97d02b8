"""Which implementation ``import dhcpctl`` gives: the policy, read once, and the loader.

``DHCPCTL_BACKEND``: ``auto`` (the default: the native backend where it is built and loads,
else pure Python), ``native`` (ISC's own libdhcpctl through cffi; an ImportError saying what is
missing if it is not available) or ``python`` (``dhcpctl.fallback``).
"""

from __future__ import annotations

import importlib
from typing import Final, cast

from dhcpctl._api import Backend

POLICY_VARIABLE: Final = "DHCPCTL_BACKEND"
POLICIES: Final = ("auto", "native", "python")
_MODULES: Final = {"native": "dhcpctl._native", "python": "dhcpctl.fallback"}


def load_backend(name: str) -> Backend:
    """The backend ``"native"`` or ``"python"`` as a module with the whole C-named API.

    Both can be loaded in one process, side by side (as the differential tests do).
    """
    if name not in _MODULES:
        raise ValueError(f"unknown dhcpctl backend {name!r}; choose 'native' or 'python'")
    try:
        module = importlib.import_module(_MODULES[name])
    except ImportError as error:
        if name != "native":
            raise
        raise ImportError(
            "the native dhcpctl backend is not available: it needs ISC DHCP's libdhcpctl and "
            "libomapi (run `python3 scripts/build_isc_libs.py`, then reinstall this package; "
            f"see README.md). The import failed with: {error}"
        ) from error
    return cast(Backend, module)


def choose_backend(policy: str) -> tuple[str, Backend]:
    """Apply a ``DHCPCTL_BACKEND`` value: the backend's name and module."""
    if policy not in POLICIES:
        raise ValueError(
            f"{POLICY_VARIABLE}={policy!r} is not valid; use one of: {', '.join(POLICIES)}"
        )
    if policy == "auto":
        try:
            return "native", load_backend("native")
        except ImportError:
            return "python", load_backend("python")
    return policy, load_backend(policy)
