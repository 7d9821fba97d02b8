"""The long fuzz run: hostile servers against the clients of both backends, printing per
backend the inputs tried, crashes, hangs, other findings and the child's peak memory.

The inputs, the fake servers and the properties are those of the CI campaign
(``tests/fuzz_campaign.py``, ``tests/test_fuzz_hostile.py``), only more of them::

    python scripts/fuzz_hostile.py [--inputs 20000] [--seed 1] [--backend python native]

A finding prints with its seed and index: ``Generator(seed).input(index)`` rebuilds it. Exits
1 if anything was found.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from fuzz_campaign import Campaign, Generator, report  # noqa: E402  (after the path is set)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=20000, help="inputs per backend")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", nargs="+", default=["python", "native"])
    parser.add_argument("--max-findings", type=int, default=1000)
    args = parser.parse_args()
    found = False
    for backend in args.backend:
        started = time.monotonic()
        outcome = Campaign(backend, Generator(args.seed)).run(range(args.inputs), args.max_findings)
        print(report(outcome, args.seed, limit=10))
        print(f"  {time.monotonic() - started:.0f} s", flush=True)
        found = found or bool(outcome.findings)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
