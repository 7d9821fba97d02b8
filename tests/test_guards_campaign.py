"""A bounded run of the guard's campaign in CI (:mod:`guard_campaign`): statements the guard
accepts never crash a test-bed dhcpd, never lose a statement, never leave a leases file it
cannot read back. The long run: ``scripts/fuzz_guards.py``."""

from __future__ import annotations

from guard_campaign import Generator, report, run

from dhcpctl import load_backend
from testbed.pytest_plugin import ServerFactory


def test_accepted_statements_are_safe_on_dhcpd(dhcpd_factory: ServerFactory) -> None:
    server = dhcpd_factory.start(with_dataset=False)
    outcome = run(load_backend("python"), server, Generator(1), range(4000), restart_every=100)
    assert outcome.sent >= 250, report(outcome, 1)  # enough texts reach dhcpd
    assert outcome.answers[0] >= outcome.sent // 2, report(outcome, 1)
    assert not outcome.findings, report(outcome, 1)
