"""``dhcpctl.testing``: an OMAPI server that behaves like dhcpd 4.4.3-P1, for your own tests.

No root, no dhcpd, no network namespaces: :class:`OmapiServer` listens on 127.0.0.1 (a free
port by default) in background threads, as a context manager (``with``) or in an event loop
(``async with``), and speaks real OMAPI, signed with a :class:`dhcpctl.Key` or unkeyed: this
package on either backend and ISC's ``omshell`` are tested against it. What it answers is read
from ISC's source and checked against real dhcpd by this project's own scenario corpus (the
same scenarios, on both backends, against dhcpd and against the fake, with identical results;
the differences are listed below)::

    from datetime import datetime, timezone

    import dhcpctl
    from dhcpctl import Key, LeaseState
    from dhcpctl.testing import Drop, FakeHost, FakeLease, OmapiServer

    key = Key("omapi_key", "hmac-sha256", b"a secret for tests only")
    lease = FakeLease(ip="198.18.1.150", mac="00:11:22:33:44:55", state=LeaseState.ACTIVE,
                      ends=datetime(2030, 1, 1, tzinfo=timezone.utc))
    host = FakeHost(name="web-1", mac="02:00:00:00:00:01", ip="198.18.1.60")
    with OmapiServer(key=key, leases=[lease], hosts=[host]) as server:
        with dhcpctl.Client(server.address, server.port, key=key, timeout=2.0) as omapi:
            assert omapi.leases.get(ip="198.18.1.150").state is LeaseState.ACTIVE
            omapi.hosts.delete(name="web-1")
            assert server.hosts == []
            server.inject(Drop(), replies=1)  # the next answer never comes: the link is reset
            assert omapi.leases.get(mac="00:11:22:33:44:55").ip_address is not None  # sent again

The pytest plugin (installed with the package) gives the fixtures ``omapi_server`` (an unkeyed
server with no objects) and ``omapi_server_factory`` (``omapi_server_factory(key=..., hosts=...)``
starts one; all are closed when the test ends).

Where dhcpd 4.4.3-P1 would crash (a null value for a group or class attribute, or for a number
dhcpd reads with ``omapi_get_int_value``: a lease's state, ends or flags, the control state, a
failover local-state; a failover local-state that is none of failover.c's states, which
dhcpd meets with log_fatal; statements with a value-less option before an empty statement, or 1,500
whitespace characters in a row; a lease variable unset twice), the fake answers an error and
warns :class:`DhcpdWouldCrash`.

Where the fake differs from dhcpd 4.4.3-P1:

- No leases file: nothing is written; a lease exists as given (:class:`FakeLease`), not as
  read from a leases file (its next binding state is its state, ``tstp`` is ``ends``).
- Lease times do not run on a clock: a lease whose ``ends`` passes while the server runs
  stays as it is (dhcpd's pool timer would expire it then). A client's change of ``state``,
  ``ends`` or ``flags`` makes the transitions dhcpd makes (``server/mdb.c`` supersede_lease,
  make_binding_state_transition): the lease moves on to its next binding state (an active
  lease's next state is free), a lease leaving the active state loses its client hostname
  and its ``ends`` becomes ``tstp``, and if the lease's ``ends`` is past, dhcpd's pool timer
  runs at once (every lease whose ``ends`` is past and that has a next state moves on).
- "Never" is ISC's ``MAX_TIME``, 0x7FFFFFFF (2038-01-19 03:14:07 UTC,
  :data:`dhcpctl._values.NEVER`), as dhcpd sends it; a lease ``ends`` of None is sent so. A
  client may set a later ``ends``: dhcpd keeps the number until it rewrites its leases file,
  where it becomes ``never``; the fake, without a leases file, keeps the number.
- Statements are not parsed with dhcpd's grammar (``dhcpctl/testing/_statements.py``): the
  fake refuses an ``if`` left open (``DHCP_R_BADPARSE``, as dhcpd does), answers
  ``DHCP_R_BADPARSE`` with a :class:`DhcpdWouldCrash` warning where dhcpd dies, and takes
  everything else, where dhcpd refuses a few more malformed texts (unknown option names, bad
  expressions: ``DHCP_R_BADPARSE``).
- The control object's shutdown: dhcpd stops listening, drops OMAPI connections after its
  countdown (about 12 s) and exits; the fake drops them at once and stops listening
  (:attr:`OmapiServer.shut_down`).
- failover-state: the fake runs no failover protocol; its states are what
  :class:`FakeFailoverState` says (a ``local-state`` update is recorded, nothing transitions).
  Values a running pair fills in are sent as fixed placeholders: ``partner-address`` and
  ``local-address`` 8 zero bytes (dhcpd sends the bytes of a pointer), ``load-balance-hba``
  32 zero bytes (dhcpd: the hash bucket bitmap of its split), ``partner-stos``,
  ``local-stos``, ``last-packet-sent``, ``last-timestamp-received``, ``skew`` and
  ``cur-unacked-updates`` 0 (dhcpd: times and counters of the running protocol).
- No process to stop, freeze or kill: connections under such a server behave as the fake's
  :meth:`OmapiServer.inject` faults make them, not as dhcpd's process would. A restart is
  :meth:`OmapiServer.close` then :meth:`OmapiServer.start`: the same objects, the same
  address and port.
- Handles of removed objects: once a host or group is removed, the fake answers every
  request naming its handle ``ISC_R_NOTFOUND``. dhcpd's answer follows ISC's reference counts
  (``omapip/handle.c`` keeps a handle while something holds the object): ``ISC_R_NOTFOUND``
  too for a host created over OMAPI, but a host of dhcpd.conf (here: a :class:`FakeHost`
  given at the start) stays reachable through its handle after its removal, opened by one
  key or several (measured: a refresh gives its old values, an update or another remove
  answers success), and so does any host an exclusive create collided with
  (``ISC_R_EXISTS``), from then on. An update through such a handle enters the removed host
  again (``server/mdb.c`` enter_host): after two, the host is linked to itself and the next
  lookup of its hardware address (a create with that MAC) hangs dhcpd at full CPU (measured).
  :mod:`dhcpctl.aio` does not send an update of a host its connection deleted.
- Lease variables (an update of a name a lease does not have, ``omapi.c``
  binding_scope_set_value): dhcpd keeps one set by a client as a boolean whatever was sent
  and sends back 4 bytes of its memory instead of the value (the low half of a pointer,
  different from run to run); the fake sends 4 zero bytes. Both send the newest variable
  first, drop one that a null value unset, and refuse a null value for a name never set
  (``DHCP_R_UNKNOWNATTRIBUTE``); a second null value for the same variable kills dhcpd,
  where the fake warns :class:`DhcpdWouldCrash`.
- One subnet and one pool hold every lease (their handles are those of a dhcpd with one
  ``subnet`` and ``range``); classes match no client (``leases-used`` stays 0).
"""

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
