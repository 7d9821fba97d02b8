"""The objects a fake server starts with, and the snapshots :class:`~.OmapiServer` gives of its
state: :class:`FakeLease`, :class:`FakeHost`, :class:`FakeGroup`, :class:`FakeClass`,
:class:`FakeSubclass`, :class:`FakeFailoverState`.

Inputs take the spellings the typed client takes (an address as ``str`` or
``ipaddress.IPv4Address``; a MAC as ``"aa:bb:.."``, ``"AA-BB-.."``, ``"aabb.ccdd.eeff"``, bare hex
or bytes; times as tz-aware ``datetime`` or seconds since the epoch) and are normalized when the
object is made: a value that cannot be encoded raises ``ValueError`` naming the field. Snapshots
hold the normalized values (``ip`` an ``IPv4Address``, ``mac`` ``"aa:bb:.."`` lower case,
times tz-aware UTC ``datetime``; a lease ``ends`` of None is ISC's "never", 0xFFFFFFFF on the
wire).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from dhcpctl._states import FailoverStateName, LeaseState

from . import _store

_HEX = re.compile(r"[0-9a-fA-F]+")
#: ISC's "never" for a lease end (``(u_int32_t)MAX_TIME``).
NEVER = 0xFFFF_FFFF


def _ip(value: object, what: str) -> ipaddress.IPv4Address:
    try:
        return ipaddress.IPv4Address(value if not isinstance(value, bytes) else bytes(value))
    except (ValueError, TypeError) as error:
        raise ValueError(f"{what}: {value!r} is not an IPv4 address") from error


def _mac(value: object, what: str) -> str:
    """``"aa:bb:cc:dd:ee:ff"``: from bytes, or text with ``:``/``-``/``.`` or none; 1 to 20
    octets (HARDWARE_ADDR_LEN, ``includes/dhcp.h``)."""
    if isinstance(value, (bytes, bytearray)):
        octets = bytes(value)
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[0-9a-fA-F]{1,2}([:-][0-9a-fA-F]{1,2})*", text):
            octets = bytes(int(part, 16) for part in re.split("[:-]", text))
        else:
            digits = text.replace(".", "")
            if not _HEX.fullmatch(digits) or len(digits) % 2:
                raise ValueError(f"{what}: {value!r} is not a hardware address")
            octets = bytes.fromhex(digits)
    else:
        raise ValueError(f"{what}: {value!r} is not a hardware address")
    if not 1 <= len(octets) <= 20:
        raise ValueError(f"{what}: {value!r} has {len(octets)} octets (1 to 20)")
    return octets.hex(":")


def _time(value: datetime | int | None, what: str, *, never: bool = False) -> int:
    if value is None:
        if never:
            return NEVER
        raise ValueError(f"{what}: a time is required")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{what}: {value!r} has no time zone")
        value = int(value.timestamp())
    if not isinstance(value, int) or not 0 <= value <= NEVER:
        raise ValueError(f"{what}: {value!r} is not a time ISC can carry")
    return value


def _datetime(seconds: int) -> datetime | None:
    return None if seconds == NEVER else datetime.fromtimestamp(seconds, tz=timezone.utc)


def _text(value: str | None, what: str) -> bytes | None:
    if value is None:
        return None
    if "\0" in value:
        raise ValueError(f"{what}: {value!r} contains NUL")
    return value.encode()


@dataclass(frozen=True)
class FakeLease:
    """A lease (``server/omapi.c`` dhcp_lease_*): found by ``ip``, ``mac`` or ``uid``; over
    OMAPI only ``state`` and ``ends`` change, anything else is refused (``ip``, ``starts``:
    ISC_R_NOPERM) or taken and ignored, as dhcpd does."""

    ip: ipaddress.IPv4Address | str
    mac: str | bytes | None = None
    ends: datetime | int | None = None
    state: LeaseState = LeaseState.ACTIVE
    starts: datetime | int = 0
    uid: bytes | None = None
    client_hostname: str | None = None
    hardware_type: int = 1

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "ip", _ip(self.ip, "FakeLease.ip"))
        if self.mac is not None:
            set_(self, "mac", _mac(self.mac, "FakeLease.mac"))
        set_(self, "state", LeaseState(self.state))
        _time(self.ends, "FakeLease.ends", never=True)
        _time(self.starts, "FakeLease.starts")
        _text(self.client_hostname, "FakeLease.client_hostname")

    def _load(self, store: _store.Store) -> _store.Lease:
        ends = _time(self.ends, "FakeLease.ends", never=True)
        return _store.Lease(
            store,
            _ip(self.ip, "ip").packed,
            int(self.state),
            hardware=bytes.fromhex(str(self.mac).replace(":", "")) if self.mac else None,
            hardware_type=self.hardware_type,
            uid=self.uid,
            client_hostname=_text(self.client_hostname, "client_hostname"),
            starts=_time(self.starts, "starts"),
            ends=ends,
            tstp=ends,
        )

    @classmethod
    def _snapshot(cls, lease: _store.Lease) -> FakeLease:
        return cls(
            ipaddress.IPv4Address(lease.ip),
            lease.hardware,
            _datetime(lease.ends),
            LeaseState(lease.state),
            lease.starts,
            lease.uid,
            lease.client_hostname.decode("utf-8", "replace") if lease.client_hostname else None,
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
        _text(self.name, "FakeHost.name")
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
            hardware=bytes.fromhex(str(self.mac).replace(":", "")) if self.mac else None,
            hardware_type=self.hardware_type if self.mac else 0,
            uid=self.uid,
            ip=_ip(self.ip, "ip").packed if self.ip is not None else None,
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
            (host.name or b"").decode("utf-8", "replace"),
            host.hardware,
            ipaddress.IPv4Address(host.ip) if host.ip is not None and len(host.ip) == 4 else None,
            host.uid,
            host.group.name.decode("utf-8", "replace") if host.group and host.group.name else None,
            host.statements.decode("utf-8", "replace") if host.statements is not None else None,
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
    Read-only over OMAPI but for ``local-state``."""

    name: str
    local_state: FailoverStateName = FailoverStateName.NORMAL
    partner_state: FailoverStateName = FailoverStateName.NORMAL
    local_address: ipaddress.IPv4Address | str = "127.0.0.1"
    local_port: int = 647
    partner_address: ipaddress.IPv4Address | str = "127.0.0.2"
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
            b"partner-address": _ip(self.partner_address, "partner_address").packed,
            b"partner-port": u32(self.partner_port),
            b"local-address": _ip(self.local_address, "local_address").packed,
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
