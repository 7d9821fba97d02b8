"""The objects a fake server starts with, and the snapshots :class:`~.OmapiServer` gives of its
state: :class:`FakeLease`, :class:`FakeHost`, :class:`FakeGroup`, :class:`FakeClass`,
:class:`FakeSubclass`, :class:`FakeFailoverState`.

Inputs take the spellings the typed client takes, through its encoders
(:mod:`dhcpctl._values`: an address as ``str`` or ``ipaddress.IPv4Address``; a MAC as
``"aa:bb:.."``, ``"AA-BB-.."``, ``"aabb.ccdd.eeff"``, bare hex or bytes; times as tz-aware
``datetime``; a lease state or failover state as the enum, its number or its name in any case)
and are checked and normalized when the object is made: a value of the wrong type or range
raises ``ValueError`` naming the field (``FakeLease.uid``), so nothing given can fail later in
the server's threads. Snapshots hold the normalized values (``ip`` an ``IPv4Address``, or a
tuple of them for a host with several fixed addresses; ``mac`` ``"aa:bb:.."`` lower case; times
tz-aware UTC ``datetime``; a lease ``ends`` of None is ISC's "never", ``MAX_TIME``
(:data:`dhcpctl._values.NEVER`) on the wire; a ``starts`` of None is 0).
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from dhcpctl import _values as v
from dhcpctl._states import FailoverHierarchy, FailoverStateName, LeaseState
from dhcpctl._values import NEVER
from dhcpctl.fallback.wire import MAX_NAME_LEN

from . import _store

F = TypeVar("F")


def _encode_data(value: object, field: str) -> bytes:
    """Bytes as they are, empty too (a ``dhcp-client-identifier``, a failover value)."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise v.refuse(field, value, "is not bytes")
    return bytes(value)


def _encode_text(value: object, field: str) -> bytes:
    """Statements or a group's name: any ``str`` (never parsed as a C string by the fake)."""
    if not isinstance(value, str):
        raise v.refuse(field, value, "is not a str")
    return value.encode("utf-8", "surrogateescape")


def _decode_fixed_addresses(
    data: bytes,
) -> ipaddress.IPv4Address | tuple[ipaddress.IPv4Address, ...]:
    addresses = v.decode_ipv4_list(data)
    return addresses[0] if len(addresses) == 1 else addresses


_UID = v.Codec("uid", "bytes", _encode_data, v.decode_bytes)
_TEXT = v.Codec("text", "str", _encode_text, v.decode_string)
#: A host's ``fixed-address``: one address, or several (a list or tuple) as dhcpd allows.
_FIXED_ADDRESSES = v.Codec(
    "fixed-address",
    "IPv4Address | tuple[IPv4Address, ...]",
    v.encode_ipv4_list,
    _decode_fixed_addresses,
)


def _normalize(
    obj: object, required: Mapping[str, v.Codec[Any]], optional: Mapping[str, v.Codec[Any]]
) -> None:
    """Set each field of the frozen dataclass ``obj`` to its value through its codec (encoded,
    then decoded); ``optional`` fields may be None. Raises ValueError naming
    ``Class.field``."""
    for name, codec in (*required.items(), *optional.items()):
        value = getattr(obj, name)
        if value is None and name in optional:
            continue
        normalized = codec.decode(codec.encode(value, f"{type(obj).__name__}.{name}"))
        object.__setattr__(obj, name, normalized)


def _snapshot(cls: type[F], *values: object) -> F:
    """An object of ``cls`` holding ``values`` (one per field, in order) as the server holds
    them, not checked again: a client may have set what a user could not give (an ``ends``
    past "never", an empty client identifier), and a snapshot shows it."""
    obj = object.__new__(cls)
    for each, value in zip(dataclasses.fields(cls), values, strict=True):  # type: ignore[arg-type]
        object.__setattr__(obj, each.name, value)
    return obj


def _seconds(value: datetime | None) -> int:
    """A (normalized) time as ISC holds it: seconds since the epoch, None as "never"."""
    return NEVER if value is None else int(value.timestamp())


def _text(value: str | None) -> bytes | None:
    """A (checked) text as the bytes it came from."""
    return None if value is None else value.encode("utf-8", "surrogateescape")


def _wire_mac(mac: str | bytes | None) -> bytes | None:
    return None if mac is None else v.encode_mac(mac, "mac")


@dataclass(frozen=True)
class FakeLease:
    """A lease (``server/omapi.c`` dhcp_lease_*): found by ``ip``, ``mac`` or ``uid``; over
    OMAPI only ``state``, ``ends`` and ``flags`` (its ephemeral flags: update_lease_flags)
    change, anything else is refused (``ip``, ``starts``: ISC_R_NOPERM) or taken and ignored,
    as dhcpd does.

    ``state`` is a :class:`LeaseState`, its number, or its name in any case (``"active"``);
    ``uid`` bytes; ``hardware_type`` 0 to 255; ``ends`` None is "never"."""

    ip: ipaddress.IPv4Address | str
    mac: str | bytes | None = None
    ends: datetime | None = None
    state: LeaseState | int | str = LeaseState.ACTIVE
    starts: datetime | None = None
    uid: bytes | None = None
    client_hostname: str | None = None
    hardware_type: int = 1

    def __post_init__(self) -> None:
        _normalize(
            self,
            {"ip": v.IPV4, "state": v.LEASE_STATE, "hardware_type": v.UINT8},
            {
                "mac": v.MAC,
                "ends": v.TIME,
                "starts": v.TIME,
                "uid": _UID,
                "client_hostname": v.STRING,
            },
        )

    def _load(self, store: _store.Store) -> _store.Lease:
        ends = _seconds(self.ends)
        return _store.Lease(
            store,
            v.encode_ipv4(self.ip, "ip"),
            int(self.state),
            hardware=_wire_mac(self.mac),
            hardware_type=self.hardware_type,
            uid=self.uid,
            client_hostname=_text(self.client_hostname),
            starts=0 if self.starts is None else _seconds(self.starts),
            ends=ends,
            tstp=ends,
        )

    @classmethod
    def _snapshot(cls, lease: _store.Lease) -> FakeLease:
        return _snapshot(
            cls,
            v.decode_ipv4(lease.ip),
            lease.hardware.hex(":") if lease.hardware is not None else None,
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
    (never sent back). ``ip`` is one fixed address, or a list or tuple of several (dhcpd's
    ``fixed-address a, b;``; a snapshot gives a tuple then). ``uid`` is bytes;
    ``hardware_type`` (0 to 255) defaults to 1 (Ethernet) with a MAC."""

    name: str
    mac: str | bytes | None = None
    ip: ipaddress.IPv4Address | str | Sequence[ipaddress.IPv4Address | str] | None = None
    uid: bytes | None = None
    group: str | None = None
    statements: str | None = None
    hardware_type: int = 1

    def __post_init__(self) -> None:
        _normalize(
            self,
            {"name": v.STRING, "hardware_type": v.UINT8},
            {
                "mac": v.MAC,
                "ip": _FIXED_ADDRESSES,
                "uid": _UID,
                "group": _TEXT,
                "statements": _TEXT,
            },
        )
        if self.mac is None and self.uid is None:
            raise ValueError(f"FakeHost {self.name!r}: dhcpd needs a mac or a uid")

    def _load(self, store: _store.Store) -> _store.Host:
        host = _store.Host(
            store,
            name=v.encode_string(self.name, "name"),
            hardware=_wire_mac(self.mac),
            hardware_type=self.hardware_type if self.mac else 0,
            uid=self.uid,
            ip=None if self.ip is None else v.encode_ipv4_list(self.ip, "ip"),
            statements=_text(self.statements),
        )
        if self.group is not None:
            group = store.groups.get(self.group.encode("utf-8", "surrogateescape"))
            if group is None:
                raise ValueError(f"FakeHost {self.name!r}: no group {self.group!r}")
            host.group, host.group_generation = group, group.generation
        return host

    @classmethod
    def _snapshot(cls, host: _store.Host) -> FakeHost:
        try:
            ip = None if host.ip is None else _decode_fixed_addresses(host.ip)
        except ValueError:  # not whole addresses: what a client set, not what dhcpd serves
            ip = None
        return _snapshot(
            cls,
            v.decode_string(host.c_name),
            host.hardware.hex(":") if host.hardware is not None else None,
            ip,
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

    def __post_init__(self) -> None:
        _normalize(self, {"name": _TEXT, "statements": _TEXT}, {})

    def _load(self, store: _store.Store) -> _store.Group:
        return _store.Group(store, _text(self.name), _text(self.statements), cloned=True)


@dataclass(frozen=True)
class FakeClass:
    """A class (``server/omapi.c`` dhcp_class_*); ``lease_limit`` as ``lease limit N;``."""

    name: str
    lease_limit: int = 0

    def __post_init__(self) -> None:
        _normalize(self, {"name": v.STRING, "lease_limit": v.UINT32}, {})


@dataclass(frozen=True)
class FakeSubclass:
    """A subclass of ``class_name`` whose hash string is ``data`` (the raw bytes: a
    ``subclass "by-mac" 1:52:54:00:12:34:58;`` is ``bytes.fromhex("01525400123458")``)."""

    class_name: str
    data: bytes

    def __post_init__(self) -> None:
        _normalize(self, {"class_name": v.STRING, "data": v.BYTES}, {})


@dataclass(frozen=True)
class FakeFailoverState:
    """A failover peer's state as ``server/failover.c`` dhcp_failover_state_stuff sends it.
    Read-only over OMAPI but for ``local-state``. ``partner-address`` and ``local-address`` go
    out as 8 zero bytes: dhcpd sends the bytes of a server pointer there, not an address."""

    name: str
    local_state: FailoverStateName | int | str = FailoverStateName.NORMAL
    partner_state: FailoverStateName | int | str = FailoverStateName.NORMAL
    local_port: int = 647
    partner_port: int = 647
    mclt: int = 3600
    hierarchy: FailoverHierarchy | int | str = 0  # 0 primary, 1 secondary (i_am)
    max_outstanding_updates: int = 10
    max_response_delay: int = 60
    load_balance_max_secs: int = 3
    extra: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        uint32 = v.UINT32
        _normalize(
            self,
            {
                "name": v.STRING,
                "local_state": v.FAILOVER_STATE,
                "partner_state": v.FAILOVER_STATE,
                "local_port": uint32,
                "partner_port": uint32,
                "mclt": uint32,
                "hierarchy": v.HIERARCHY,
                "max_outstanding_updates": uint32,
                "max_response_delay": uint32,
                "load_balance_max_secs": uint32,
            },
            {},
        )
        if not isinstance(self.extra, Mapping):
            raise v.refuse("FakeFailoverState.extra", self.extra, "is not a dict")
        extra = {}
        for name, value in self.extra.items():
            where = f"FakeFailoverState.extra[{name!r}]"
            if not 0 < len(v.encode_string(name, where)) <= MAX_NAME_LEN:
                raise v.refuse(where, name, f"is not 1 to {MAX_NAME_LEN} bytes, as OMAPI names")
            extra[name] = _encode_data(value, where)
        object.__setattr__(self, "extra", extra)

    def _values(self) -> dict[bytes, bytes]:
        """Every value dhcp_failover_state_stuff sends, in its order."""
        u32 = _store.u32
        return {
            b"name": v.encode_string(self.name, "name"),
            # sizeof s->partner.address bytes of a pointer, not an address (failover.c)
            b"partner-address": bytes(8),
            b"partner-port": u32(self.partner_port),
            b"local-address": bytes(8),
            b"local-port": u32(self.local_port),
            b"max-outstanding-updates": u32(self.max_outstanding_updates),
            b"mclt": u32(self.mclt),
            b"load-balance-max-secs": u32(self.load_balance_max_secs),
            b"load-balance-hba": bytes(32),
            b"partner-state": u32(int(self.partner_state)),
            b"local-state": u32(int(self.local_state)),
            b"partner-stos": u32(0),
            b"local-stos": u32(0),
            b"hierarchy": u32(int(self.hierarchy)),
            b"last-packet-sent": u32(0),
            b"last-timestamp-received": u32(0),
            b"skew": u32(0),
            b"max-response-delay": u32(self.max_response_delay),
            b"cur-unacked-updates": u32(0),
            **{v.encode_string(name, "extra"): value for name, value in self.extra.items()},
        }
