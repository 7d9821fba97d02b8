"""The test bed's dataset (:mod:`testbed.dataset`) in a :class:`dhcpctl.testing.OmapiServer`:
the fake server the scenario corpus compares with a dhcpd holding the same dataset."""

from __future__ import annotations

from datetime import datetime, timezone

from dhcpctl._key import Key
from dhcpctl._states import LeaseState
from dhcpctl.testing import FakeClass, FakeGroup, FakeHost, FakeLease, FakeSubclass, OmapiServer
from testbed import dataset
from testbed.server import Endpoint, OmapiKey


def _hashstring(text: str) -> bytes:
    """A subclass's data as dhcpd.conf writes it (``1:52:54:...``): the raw bytes."""
    return bytes(int(octet, 16) for octet in text.split(":"))


def dataset_server(
    key: OmapiKey | None, *, extra_leases: tuple[FakeLease, ...] = ()
) -> OmapiServer:
    """An unstarted fake server keyed like ``key`` holding :mod:`testbed.dataset` (and
    ``extra_leases``), as ``DhcpdServer(key, with_dataset=True)`` holds it."""
    return OmapiServer(
        key=None if key is None else Key(key.name, key.algorithm, key.secret),
        leases=[
            *(
                FakeLease(
                    ip=lease.ip,
                    mac=lease.mac,
                    ends=datetime.fromtimestamp(lease.ends, timezone.utc),
                    starts=datetime.fromtimestamp(lease.starts, timezone.utc),
                    state=LeaseState[lease.state.upper()],
                    client_hostname=lease.hostname,
                )
                for lease in dataset.LEASES
            ),
            *extra_leases,
        ],
        ranges=[dataset.RANGE],
        groups=[FakeGroup(g.name, " ".join(g.statements)) for g in dataset.GROUPS],
        hosts=[FakeHost(h.name, mac=h.mac, ip=h.ip, group=h.group) for h in dataset.HOSTS],
        classes=[FakeClass(c.name) for c in dataset.CLASSES],
        subclasses=[
            FakeSubclass(c.name, _hashstring(sub)) for c in dataset.CLASSES for sub in c.subclasses
        ],
    )


def endpoint(server: OmapiServer, key: OmapiKey | None) -> Endpoint:
    """Where a started fake listens, with the key clients use."""
    return Endpoint(server.address, server.port, key)
