"""A bounded fuzz campaign in CI: hostile servers (:mod:`fuzz_campaign`) against both
backends, each client in a child process, 2,000 inputs per backend, keyed and unkeyed.

A failure lists the findings (crash, hang, late call, foreign exception, memory, an unsigned
reply accepted) with the seed and index that reproduce each input; ``scripts/fuzz_hostile.py``
is the longer run.
"""

from __future__ import annotations

from fuzz_campaign import Campaign, Generator, report

SEED = 8
INPUTS = 2000


def test_fuzz_campaign(backend_name: str) -> None:
    outcome = Campaign(backend_name, Generator(SEED)).run(range(INPUTS))
    assert not outcome.findings, report(outcome, SEED)
    assert outcome.inputs == INPUTS
    # The inputs reach the code they are meant for: keyed and unkeyed connections, servers
    # whose replies meet a waiting client, and replies the client takes.
    assert outcome.keyed > INPUTS // 3 and INPUTS - outcome.keyed > INPUTS // 3, report(
        outcome, SEED
    )
    assert outcome.requested > INPUTS // 2, report(outcome, SEED)
    assert outcome.completed > INPUTS // 10, report(outcome, SEED)
