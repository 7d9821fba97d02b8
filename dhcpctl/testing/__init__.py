"""``dhcpctl.testing``: an OMAPI server that behaves like dhcpd 4.4.3-P1, for your own tests.

No root, no dhcpd, no network namespaces: :class:`OmapiServer` listens on 127.0.0.1 (a free
port by default) in background threads, as a context manager (``with``) or in an event loop
(``async with``), and speaks real OMAPI, signed with a :class:`dhcpctl.Key` or unkeyed: this
package on either backend and ISC's ``omshell`` are tested against it. What it answers is read
from ISC's source and checked against real dhcpd by this project's own scenario corpus (see
``tests/test_testing_server.py`` for what was compared and the documented differences)::

    from dhcpctl.testing import OmapiServer, FakeLease, FakeHost

    with OmapiServer(key=key, leases=[FakeLease(ip="198.18.1.150", mac="00:11:22:33:44:55",
                                                ends=..., state=LeaseState.ACTIVE)],
                     hosts=[FakeHost(name="web-1", mac="02:00:00:00:00:01", ip="198.18.1.60")]
                     ) as server:
        ...  # connect to server.address, server.port
        assert [host.name for host in server.hosts] == ["web-1"]
        server.inject(Drop(), replies=1)   # the next answer never comes: the link is reset

The pytest plugin (installed with the package) gives the fixtures ``omapi_server`` (an unkeyed
server with no objects) and ``omapi_server_factory`` (``omapi_server_factory(key=..., hosts=...)``
starts one; all are closed when the test ends).

Where dhcpd 4.4.3-P1 would crash (a null value for a group or class attribute, or for a number
dhcpd reads with ``omapi_get_int_value``: a lease's state, ends or flags, the control state, a
failover local-state; statements with a value-less option before an empty statement, or 1,500
whitespace characters in a row), the fake answers an error and warns :class:`DhcpdWouldCrash`.
"""

from __future__ import annotations

from ._faults import BadSignature, Delay, Drop, Fault, Garbage, Stall
from ._objects import (
    FakeClass,
    FakeFailoverState,
    FakeGroup,
    FakeHost,
    FakeLease,
    FakeSubclass,
)
from ._server import OmapiServer
from ._statements import DhcpdWouldCrash

__all__ = [
    "BadSignature",
    "Delay",
    "DhcpdWouldCrash",
    "Drop",
    "FakeClass",
    "FakeFailoverState",
    "FakeGroup",
    "FakeHost",
    "FakeLease",
    "FakeSubclass",
    "Fault",
    "Garbage",
    "OmapiServer",
    "Stall",
]
