"""The long run of the guard's campaign: random statements the guard accepts, sent to a
throwaway test-bed dhcpd, printing texts generated, sent, dhcpd's answers and the findings
(a crash, a lost statement, a leases file dhcpd cannot read back). Needs root and dhcpd::

    python scripts/fuzz_guards.py [--texts 20000] [--seed 1]

The texts and checks are those of ``tests/guard_campaign.py`` (CI: ``tests/
test_guards_campaign.py``); ``Generator(seed).text(index)`` rebuilds a finding's text. Exits 1
if anything was found.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from guard_campaign import Generator, report, run  # noqa: E402  (after the path is set)

from dhcpctl import load_backend  # noqa: E402
from testbed.server import DhcpdServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--restart-every", type=int, default=250)
    args = parser.parse_args()
    started = time.monotonic()
    with DhcpdServer(None) as server:
        outcome = run(
            load_backend("python"),
            server,
            Generator(args.seed),
            range(args.texts),
            args.restart_every,
        )
    print(report(outcome, args.seed, limit=20))
    print(f"  {time.monotonic() - started:.0f} s", flush=True)
    return 1 if outcome.findings else 0


if __name__ == "__main__":
    sys.exit(main())
