"""``dhcpctl info``: which backend ``import dhcpctl`` gives here, and why (issue 10's report)."""

from __future__ import annotations

import warnings

from dhcpctl.cli._command import Commands


def register(commands: Commands) -> None:
    commands.add_parser("info", help="the backend in use, its ISC library, and why")


def lines() -> list[str]:
    """The lines ``dhcpctl info`` prints."""
    with warnings.catch_warnings():  # the reason says it already
        warnings.simplefilter("ignore")
        import dhcpctl

        found = [f"backend: {dhcpctl.BACKEND}", f"reason: {dhcpctl.BACKEND_REASON}"]
        try:
            from dhcpctl import _native
        except ImportError as error:
            return [*found, f"native: not available ({error})"]
    hardened = "yes" if _native.HARDENED else "no"
    return [
        *found,
        f"native mode: {_native.MODE}",
        f"ISC library: {_native.LIBRARY}",
        f"hardened: {hardened} ({_native.HARDENING or 'no dhcpctl_omapi_hardening marker'})",
    ]


def run() -> int:
    print("\n".join(lines()))
    return 0
