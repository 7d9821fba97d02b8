"""``python -m dhcpctl info``: which backend ``import dhcpctl`` gives here, and why.

Prints the backend in use and the reason it was chosen (``DHCPCTL_BACKEND``), then the native
backend's mode (``api``/``abi``), where its ISC library is and whether it carries the
hardening patches, or why the native backend cannot be loaded. Exit status 0; 2 for a usage
error.
"""

from __future__ import annotations

import sys
import warnings


def info() -> list[str]:
    """The lines ``python -m dhcpctl info`` prints."""
    with warnings.catch_warnings():  # the reason says it already
        warnings.simplefilter("ignore")
        import dhcpctl

        lines = [f"backend: {dhcpctl.BACKEND}", f"reason: {dhcpctl.BACKEND_REASON}"]
        try:
            from dhcpctl import _native
        except ImportError as error:
            return [*lines, f"native: not available ({error})"]
    hardened = "yes" if _native.HARDENED else "no"
    return [
        *lines,
        f"native mode: {_native.MODE}",
        f"ISC library: {_native.LIBRARY}",
        f"hardened: {hardened} ({_native.HARDENING or 'no dhcpctl_omapi_hardening marker'})",
    ]


def main(argv: list[str]) -> int:
    if argv != ["info"]:
        print("usage: python -m dhcpctl info", file=sys.stderr)
        return 2
    print("\n".join(info()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
