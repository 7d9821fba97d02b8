"""``python -m dhcpctl``: the ``dhcpctl`` command (:mod:`dhcpctl.cli`; ``info`` is one of its
subcommands, :mod:`dhcpctl.cli.info`)."""

from __future__ import annotations

import sys

from dhcpctl.cli import main

if __name__ == "__main__":
    sys.exit(main())
