"""``python -m dhcpctl info``: which backend ``import dhcpctl`` gives here, and why.

Prints :func:`dhcpctl.backend_info`'s report (:mod:`dhcpctl._info`): the backend in use and the
reason it was chosen (``DHCPCTL_BACKEND``; where ``auto`` fell back to pure Python, why), then the
native backend's mode (``api``/``abi``), where its ISC library is, its version and whether it
carries the hardening patches, or why the native backend cannot be loaded. Works whatever
``DHCPCTL_BACKEND`` says (see :mod:`dhcpctl._backend`). Exit status 0; 2 for a usage error.
"""

from __future__ import annotations

import sys

from dhcpctl._info import backend_info


def main(argv: list[str]) -> int:
    if argv != ["info"]:
        print("usage: python -m dhcpctl info", file=sys.stderr)
        return 2
    print("\n".join(backend_info().lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
