"""The rules of ``dhcpctl.aio._dhcpd_limits`` on the sizes measured against dhcpd 4.4.3-P1."""

from __future__ import annotations

from dhcpctl.aio._dhcpd_limits import (
    ALONE,
    MARGIN,
    OUTPUT_BUFFER,
    REPLY_BOUNDS,
    SignedQueueGuard,
    reply_bound,
)


def test_the_authlen_of_request_872_would_cross_the_input_ring() -> None:
    """871 hmac-md5 lookups (79 bytes) written back to back were answered, the 872nd killed
    dhcpd: the guard holds exactly that one back while anything is in flight, and lets it go
    once the ring is fresh (nothing in flight)."""
    guard = SignedQueueGuard()
    held = []
    for number in range(2000):
        if not guard.admits(79, 1):
            held.append(number)
            while guard.in_flight:  # every reply comes: the ring is fresh again
                guard.answered(1)
            assert guard.admits(79, 1)
        guard.wrote(79, 1)
        if guard.in_flight > 1:
            guard.answered(1)  # one request stays in flight: the ring is never fresh
    assert held[0] == 871


def test_replies_owed_stay_within_one_output_buffer() -> None:
    guard = SignedQueueGuard()
    bound = reply_bound("lease", 290)  # the dataset's leases: 289 to 291 bytes
    admitted = 0
    while guard.admits(79, bound):
        guard.wrote(79, bound)
        admitted += 1
    assert admitted == OUTPUT_BUFFER // bound
    assert guard.owed <= OUTPUT_BUFFER
    guard.answered(bound)
    assert guard.admits(79, bound)


def test_a_request_too_big_for_the_budget_goes_alone() -> None:
    guard = SignedQueueGuard()
    guard.wrote(79, reply_bound(None))
    assert not guard.admits(5000, reply_bound(None))  # longer than the input ring
    assert not guard.admits(79, OUTPUT_BUFFER + 1)  # a reply that may not fit
    guard.answered(reply_bound(None))
    assert guard.admits(5000, reply_bound(None))
    guard.wrote(5000, reply_bound(None))
    assert not guard.admits(79, reply_bound(None))  # nothing follows it until it is answered
    guard.answered(reply_bound(None))
    assert guard.admits(79, reply_bound(None))


def test_leases_and_hosts_have_no_prior_bound() -> None:
    """A lease reply carries its binding scope's variables, a host's its fixed addresses: the
    first request of the kind goes alone, later ones are bounded by twice the largest reply
    seen (never below the prior bound); bounded kinds keep their prior or the largest seen."""
    for kind in ("lease", "host"):
        assert reply_bound(kind) == ALONE
        assert reply_bound(kind, 290) == REPLY_BOUNDS[kind]
        assert reply_bound(kind, 1150) == MARGIN * 1150
        assert reply_bound(kind, 3000) > OUTPUT_BUFFER  # alone again
    assert reply_bound("class") == REPLY_BOUNDS["class"]
    assert reply_bound("class", 2000) == 2000
    assert reply_bound(None) == reply_bound(None, 10) < reply_bound(None, 1000) == 1000
