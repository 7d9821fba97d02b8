"""The objects a fake server starts with, and the snapshots :class:`~.OmapiServer` gives of its
state: :class:`FakeLease`, :class:`FakeHost`, :class:`FakeGroup`, :class:`FakeClass`,
:class:`FakeSubclass`, :class:`FakeFailoverState`.

Inputs take the spellings the typed client takes, through its encoders
(:mod:`dhcpctl._values`: an address as ``str`` or ``ipaddress.IPv4Address``; a MAC as
``"aa:bb:.."``, ``"AA-BB-.."``, ``"aabb.ccdd.eeff"``, bare hex or bytes; times as tz-aware
``datetime``) and are normalized when the object is made: a value that cannot be encoded raises
``ValueError`` naming the field. Snapshots hold the normalized values (``ip`` an
``IPv4Address``, ``mac`` ``"aa:bb:.."`` lower case, times tz-aware UTC ``datetime``; a lease
``ends`` of None is ISC's "never", 0xFFFFFFFF on the wire; a ``starts`` of None is 0).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime

from dhcpctl import _values as v
from dhcpctl._states import FailoverStateName, LeaseState

from . import _store


def _ip(value: object, field: str) -> ipaddress.IPv4Address:
    return v.decode_ipv4(v.encode_ipv4(value, field))


def _mac(value: object, field: str) -> str:
    return v.decode_mac(v.encode_mac(value, field))


def _text(value: str | None, field: str) -> bytes | None:
    return None if value is None else v.encode_string(value, field)


def _seconds(value: datetime | None, field: str) -> int:
    """A time as ISC holds it: seconds since the epoch, None as "never" (0xFFFFFFFF)."""
    return int.from_bytes(v.encode_time(value, field), "big")


def _wire_mac(mac: str | bytes | None) -> bytes | None:
    return None if mac is None else v.encode_mac(mac, "mac")


@dataclass(frozen=True)
class FakeLease:
    """A lease (``server/omapi.c`` dhcp_lease_*): found by ``ip``, ``mac`` or ``uid``; over
    OMAPI only ``state`` and ``ends`` change, anything else is refused (``ip``, ``starts``:
    ISC_R_NOPERM) or taken and ignored, as dhcpd does."""

    ip: ipaddress.IPv4Address | str
    mac: str | bytes | None = None
    ends: datetime | None = None
    state: LeaseState = LeaseState.ACTIVE
    starts: datetime | None = None
    uid: bytes | None = None
    client_hostname: str | None = None
    hardware_type: int = 1

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "ip", _ip(self.ip, "FakeLease.ip"))
        if self.mac is not None:
            set_(self, "mac", _mac(self.mac, "FakeLease.mac"))
        set_(self, "state", LeaseState(self.state))
        _seconds(self.ends, "FakeLease.ends")
        if self.starts is not None:
            _seconds(self.starts, "FakeLease.starts")
        _text(self.client_hostname, "FakeLease.client_hostname")

    def _load(self, store: _store.Store) -> _store.Lease:
        ends = _seconds(self.ends, "ends")
        return _store.Lease(
            store,
            v.encode_ipv4(self.ip, "ip"),
            int(self.state),
            hardware=_wire_mac(self.mac),
            hardware_type=self.hardware_type,
            uid=self.uid,
            client_hostname=_text(self.client_hostname, "client_hostname"),
            starts=0 if self.starts is None else _seconds(self.starts, "starts"),
            ends=ends,
            tstp=ends,
        )

    @classmethod
    def _snapshot(cls, lease: _store.Lease) -> FakeLease:
        return cls(
            v.decode_ipv4(lease.ip),
            lease.hardware,
            v.decode_time(_store.u32(lease.ends)),
            LeaseState(lease.state),
            v.decode_time(_store.u32(lease.starts)) if lease.starts else None,
            lease.uid,
            v.decode_string(lease.client_hostname) if lease.client_hostname else None,
            lease.hardware_type,
        )


@dataclass(frozen=True)
class FakeHost:
    """A host (``server/omapi.c`` dhcp_host_*): ``name`` is its key and never changes over
    OMAPI (ISC_R_EXISTS), nor do ``mac`` and ``uid`` once set; ``statements`` are write-only
    (never sent back). ``hardware_type`` defaults to 1 (Ethernet) with a MAC."""

    name: str
    mac: str | bytes | None = None
    ip: ipaddress.IPv4Address | str | None = None
    uid: bytes | None = None
    group: str | None = None
    statements: str | None = None
    hardware_type: int = 1

    def __post_init__(self) -> None:
        v.encode_string(self.name, "FakeHost.name")
        if self.mac is not None:
            object.__setattr__(self, "mac", _mac(self.mac, "FakeHost.mac"))
        if self.ip is not None:
            object.__setattr__(self, "ip", _ip(self.ip, "FakeHost.ip"))
        if self.mac is None and self.uid is None:
            raise ValueError(f"FakeHost {self.name!r}: dhcpd needs a mac or a uid")

    def _load(self, store: _store.Store) -> _store.Host:
        host = _store.Host(
            store,
            name=self.name.encode(),
            hardware=_wire_mac(self.mac),
            hardware_type=self.hardware_type if self.mac else 0,
            uid=self.uid,
            ip=None if self.ip is None else v.encode_ipv4(self.ip, "ip"),
            statements=_text(self.statements, "statements"),
        )
        if self.group is not None:
            group = store.groups.get(self.group.encode())
            if group is None:
                raise ValueError(f"FakeHost {self.name!r}: no group {self.group!r}")
            host.group, host.group_generation = group, group.generation
        return host

    @classmethod
    def _snapshot(cls, host: _store.Host) -> FakeHost:
        return cls(
            v.decode_string(host.c_name),
            host.hardware,
            v.decode_ipv4(host.ip) if host.ip is not None and len(host.ip) == 4 else None,
            host.uid,
            v.decode_string(host.group.name) if host.group and host.group.name else None,
            v.decode_string(host.statements) if host.statements is not None else None,
            host.hardware_type,
        )


@dataclass(frozen=True)
class FakeGroup:
    """A group (``common/comapi.c`` dhcp_group_*): a name and its statements (set once)."""

    name: str
    statements: str = ""

    def _load(self, store: _store.Store) -> _store.Group:
        return _store.Group(
            store, self.name.encode(), _text(self.statements, "statements"), cloned=True
        )


@dataclass(frozen=True)
class FakeClass:
    """A class (``server/omapi.c`` dhcp_class_*); ``lease_limit`` as ``lease limit N;``."""

    name: str
    lease_limit: int = 0


@dataclass(frozen=True)
class FakeSubclass:
    """A subclass of ``class_name`` whose hash string is ``data`` (the raw bytes: a
    ``subclass "by-mac" 1:52:54:00:12:34:58;`` is ``bytes.fromhex("01525400123458")``)."""

    class_name: str
    data: bytes


@dataclass(frozen=True)
class FakeFailoverState:
    """A failover peer's state as ``server/failover.c`` dhcp_failover_state_stuff sends it.
    Read-only over OMAPI but for ``local-state``. ``partner-address`` and ``local-address`` go
    out as 8 zero bytes: dhcpd sends the bytes of a server pointer there, not an address."""

    name: str
    local_state: FailoverStateName = FailoverStateName.NORMAL
    partner_state: FailoverStateName = FailoverStateName.NORMAL
    local_port: int = 647
    partner_port: int = 647
    mclt: int = 3600
    hierarchy: int = 0  # 0 primary, 1 secondary (dhcp_failover_state_t i_am)
    max_outstanding_updates: int = 10
    max_response_delay: int = 60
    load_balance_max_secs: int = 3
    extra: dict[str, bytes] = field(default_factory=dict)

    def _values(self) -> dict[bytes, bytes]:
        """Every value dhcp_failover_state_stuff sends, in its order."""
        u32 = _store.u32
        return {
            b"name": self.name.encode(),
            # sizeof s->partner.address bytes of a pointer, not an address (failover.c)
            b"partner-address": bytes(8),
            b"partner-port": u32(self.partner_port),
            b"local-address": bytes(8),
            b"local-port": u32(self.local_port),
            b"max-outstanding-updates": u32(self.max_outstanding_updates),
            b"mclt": u32(self.mclt),
            b"load-balance-max-secs": u32(self.load_balance_max_secs),
            b"load-balance-hba": bytes(32),
            b"partner-state": u32(self.partner_state),
            b"local-state": u32(self.local_state),
            b"partner-stos": u32(0),
            b"local-stos": u32(0),
            b"hierarchy": u32(self.hierarchy),
            b"last-packet-sent": u32(0),
            b"last-timestamp-received": u32(0),
            b"skew": u32(0),
            b"max-response-delay": u32(self.max_response_delay),
            b"cur-unacked-updates": u32(0),
            **{name.encode(): value for name, value in self.extra.items()},
        }
