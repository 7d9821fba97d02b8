"""The typed objects of :class:`dhcpctl.Client`: one frozen dataclass per OMAPI object type.

Each type has an attribute table (:data:`SCHEMAS`): for every attribute ISC DHCP 4.4.3-P1's
dhcpd sends or takes, its snake_case field name, ISC's name, the :class:`~dhcpctl._values.Codec`
that turns it into Python and back, and how dhcpd treats a write (:class:`Access`). The same
table decodes replies (:func:`decode`) and encodes writes (:func:`encode`), so the asyncio
client, a fake server and the CLI reuse it.

What dhcpd sends (its ``stuff_values`` functions) and takes (``set_value``):

- ``lease`` (``server/omapi.c`` dhcp_lease_stuff_values, dhcp_lease_set_value): only ``state``,
  ``ends`` and ``flags`` can change. dhcpd answers ``ISC_R_NOPERM`` for ``ip-address``,
  ``starts`` and ``pool`` (:attr:`Access.REFUSED`: sent, so that dhcpd's own refusal comes back
  as :class:`~dhcpctl.PermissionDenied`), and "success, unchanged" for the identifier, client
  host name, host, billing class and hardware address; a name it does not know (``tstp``...)
  it stores as a new binding-scope variable. Those would be silent no-ops or garbage, so the
  typed layer refuses them (:attr:`Access.IGNORED`) with a ValueError. Binding-scope variables
  (``ddns-fwd-name``...) are kept in ``raw``.
- ``host`` (dhcp_host_stuff_values, dhcp_host_set_value): ``name``, ``hardware-address`` and
  ``dhcp-client-identifier`` only when creating (dhcpd answers ``ISC_R_EXISTS`` later);
  ``hardware-type``, ``ip-address`` (a list: ``fixed-address a, b;``) and ``group`` any time;
  ``statements`` once. dhcpd never sends ``statements`` nor ``group`` back.
- ``group`` (``common/comapi.c`` dhcp_group_stuff_values): sends ``name`` only; takes ``name``
  and ``statements`` when creating.
- ``class`` and ``subclass`` (class_stuff_values): send ``lease-limit`` and ``leases-used``
  only; the name (a subclass's: its class's name) and a subclass's ``hashstring`` are filled
  from what was asked. Take ``name``, ``group``, a subclass's ``hashstring``.
- ``failover-state`` (``server/failover.c`` dhcp_failover_state_stuff): everything about the
  peer; only ``local-state`` changes anything (dhcp_failover_set_state), dhcpd answers success
  and ignores the rest. ``partner-address`` and ``local-address`` are sent as
  ``sizeof s->partner.address`` bytes of a ``struct option_cache *`` (a server memory address,
  not an IP address): kept as ``bytes``.

Every typed object also has ``raw``: every attribute exactly as the server sent it. Typed
objects are immutable, and pickle and deep-copy to equal objects (``raw`` included).
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from ipaddress import IPv4Address
from types import MappingProxyType
from typing import Any, Final, Generic, TypeVar

from dhcpctl import _values as v
from dhcpctl._errors import shorten
from dhcpctl._exchange import Values
from dhcpctl._states import FailoverHierarchy, FailoverStateName, LeaseState
from dhcpctl._values import Codec

_log = logging.getLogger("dhcpctl")


class Access(enum.Enum):
    """How dhcpd 4.4.3-P1 treats a write of an attribute (its ``set_value`` function)."""

    #: dhcpd sets it when creating and when updating.
    WRITE = "write"
    #: dhcpd sets it when creating; later it answers ISC_R_EXISTS.
    CREATE = "create"
    #: dhcpd refuses a write with an error status (ISC_R_NOPERM, DHCP_R_INVALIDARG): sent, and
    #: dhcpd's refusal is raised (PermissionDenied, InvalidValue).
    REFUSED = "refused"
    #: dhcpd answers success but keeps the old value (or stores garbage): refused locally.
    IGNORED = "ignored"


@dataclass(frozen=True)
class Attribute:
    """One attribute of an object type.

    ``field`` is the snake_case name (the dataclass field, or for a write-only attribute the
    keyword of the write), ``isc_name`` ISC's name on the wire, ``codec`` its encoding,
    ``access`` how dhcpd treats a write, ``sent`` whether dhcpd sends it in replies, ``keyword``
    the short argument name of lookups and writes (``mac``, ``ip``, ``uid``) where there is one.
    """

    field: str
    isc_name: str
    codec: Codec[Any]
    access: Access
    sent: bool = True
    keyword: str | None = None


def _raw() -> Mapping[str, bytes]:
    return MappingProxyType({})


class _Typed:
    """What every typed object shares: it pickles and deep-copies (``raw``, a read-only
    :class:`types.MappingProxyType`, goes as a ``dict`` and comes back read-only)."""

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "raw": dict(self.__dict__["raw"])}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, raw=MappingProxyType(dict(state["raw"])))


@dataclass(frozen=True)
class Lease(_Typed):
    """A lease (OMAPI type ``lease``; server/omapi.c dhcp_lease_stuff_values).

    Times are tz-aware UTC datetimes, None where ISC sends "never" (``MAX_TIME``, 0x7FFFFFFF);
    ``starts``, ``tstp``, ``tsfp``, ``atsfp`` and ``cltt`` are None also where ISC never set
    them (0, which server/db.c write_lease leaves out of the leases file). An ``ends`` of 0
    is the epoch: dhcpd compares it as a time (the lease has expired). ``host``, ``subnet``,
    ``pool`` and ``billing_class`` are the server's handles of those objects (int), not the
    objects.
    """

    ip_address: IPv4Address | None = None
    state: LeaseState | None = None
    dhcp_client_identifier: bytes | None = None
    client_hostname: str | None = None
    host: int | None = None
    subnet: int | None = None
    pool: int | None = None
    billing_class: int | None = None
    hardware_address: str | None = None
    hardware_type: int | None = None
    ends: datetime | None = None
    starts: datetime | None = None
    tstp: datetime | None = None
    tsfp: datetime | None = None
    atsfp: datetime | None = None
    cltt: datetime | None = None
    flags: int | None = None
    raw: Mapping[str, bytes] = field(default_factory=_raw, repr=False, compare=False)


@dataclass(frozen=True)
class Host(_Typed):
    """A host declaration (OMAPI type ``host``; server/omapi.c dhcp_host_stuff_values).

    ``ip_addresses`` are its fixed addresses (``fixed-address``), in order; ``ip_address`` is
    the first of them or None.
    """

    name: str | None = None
    hardware_address: str | None = None
    hardware_type: int | None = None
    dhcp_client_identifier: bytes | None = None
    ip_addresses: tuple[IPv4Address, ...] = ()
    raw: Mapping[str, bytes] = field(default_factory=_raw, repr=False, compare=False)

    @property
    def ip_address(self) -> IPv4Address | None:
        """the first of ``ip_addresses`` (None without)"""
        return self.ip_addresses[0] if self.ip_addresses else None


@dataclass(frozen=True)
class Group(_Typed):
    """A named group (OMAPI type ``group``; common/comapi.c dhcp_group_stuff_values)."""

    name: str | None = None
    raw: Mapping[str, bytes] = field(default_factory=_raw, repr=False, compare=False)


@dataclass(frozen=True)
class Class(_Typed):
    """A class (OMAPI type ``class``; server/omapi.c class_stuff_values).

    dhcpd does not send the name: it is the name that was asked for.
    """

    name: str | None = None
    lease_limit: int | None = None
    leases_used: int | None = None
    raw: Mapping[str, bytes] = field(default_factory=_raw, repr=False, compare=False)


@dataclass(frozen=True)
class Subclass(_Typed):
    """A subclass (OMAPI type ``subclass``; server/omapi.c class_stuff_values).

    ``class_name`` is its class's name (ISC's ``name``), ``data`` the bytes it matches (ISC's
    ``hashstring``); dhcpd sends neither: they are those that were asked for.
    """

    class_name: str | None = None
    data: bytes | None = None
    lease_limit: int | None = None
    leases_used: int | None = None
    raw: Mapping[str, bytes] = field(default_factory=_raw, repr=False, compare=False)


@dataclass(frozen=True)
class FailoverState(_Typed):
    """A failover peer's state (OMAPI type ``failover-state``; server/failover.c
    dhcp_failover_state_stuff). Times are UTC datetimes, None where dhcpd sends 0 (not set:
    ``last_packet_sent`` before the first packet; the state structure starts zeroed) or
    ``MAX_TIME``; ``mclt``, ``load_balance_max_secs``,
    ``max_response_delay`` and ``skew`` are seconds. ``partner_address``/``local_address``
    are what dhcpd sends there: the 8 bytes of a server pointer (``sizeof`` a pointer on a
    64-bit dhcpd, server/failover.c dhcp_failover_state_stuff), not an address."""

    name: str | None = None
    partner_address: bytes | None = None
    partner_port: int | None = None
    local_address: bytes | None = None
    local_port: int | None = None
    max_outstanding_updates: int | None = None
    mclt: int | None = None
    load_balance_max_secs: int | None = None
    load_balance_hba: bytes | None = None
    partner_state: FailoverStateName | None = None
    local_state: FailoverStateName | None = None
    partner_stos: datetime | None = None
    local_stos: datetime | None = None
    hierarchy: FailoverHierarchy | None = None
    last_packet_sent: datetime | None = None
    last_timestamp_received: datetime | None = None
    skew: int | None = None
    max_response_delay: int | None = None
    cur_unacked_updates: int | None = None
    raw: Mapping[str, bytes] = field(default_factory=_raw, repr=False, compare=False)


ObjectT = TypeVar("ObjectT", Lease, Host, Group, Class, Subclass, FailoverState)


@dataclass(frozen=True)
class Schema(Generic[ObjectT]):
    """An OMAPI object type: its ISC name, its dataclass and its attribute table."""

    object_type: str
    cls: type[ObjectT]
    attributes: tuple[Attribute, ...]

    @cached_property
    def decoders(self) -> tuple[tuple[str, str, Callable[[bytes], Any]], ...]:
        """For :func:`decode`, each attribute dhcpd sends that is a field of :attr:`cls`: its
        ISC name, field and codec's decoder (worked out once per type)."""
        fields = self.cls.__dataclass_fields__
        return tuple(
            (a.isc_name, a.field, a.codec.decode)
            for a in self.attributes
            if a.field in fields and a.sent
        )

    @cached_property
    def asked_decoders(self) -> tuple[tuple[str, str, Callable[[bytes], Any]], ...]:
        """As :attr:`decoders`, for the fields dhcpd does not send (filled from the request)."""
        fields = self.cls.__dataclass_fields__
        return tuple(
            (a.isc_name, a.field, a.codec.decode)
            for a in self.attributes
            if a.field in fields and not a.sent
        )

    @cached_property
    def defaults(self) -> Mapping[str, Any]:
        """Every field of :attr:`cls` but ``raw`` at its default, in the class's order."""
        return {f.name: f.default for f in dataclasses.fields(self.cls) if f.name != "raw"}

    @cached_property
    def _by_name(self) -> Mapping[str, Attribute]:
        """Each attribute by its field and by its keyword (the first one that has it)."""
        names: dict[str, Attribute] = {}
        for attribute in self.attributes:
            names.setdefault(attribute.field, attribute)
            if attribute.keyword is not None:
                names.setdefault(attribute.keyword, attribute)
        return names

    def by_field(self, name: str) -> Attribute:
        """The attribute of snake_case ``name`` or short ``keyword``; ValueError if none."""
        attribute = self._by_name.get(name)
        if attribute is not None:
            return attribute
        known = ", ".join(a.field for a in self.attributes)
        raise ValueError(f"{self.object_type} has no attribute {shorten(name)} (it has: {known})")

    def by_isc_name(self, isc_name: str) -> Attribute | None:
        for attribute in self.attributes:
            if attribute.isc_name == isc_name:
                return attribute
        return None


W, C, R, IGN = Access.WRITE, Access.CREATE, Access.REFUSED, Access.IGNORED

LEASE: Final = Schema(
    "lease",
    Lease,
    (
        Attribute("ip_address", "ip-address", v.IPV4, R, keyword="ip"),
        Attribute("state", "state", v.LEASE_STATE, W),
        Attribute("dhcp_client_identifier", "dhcp-client-identifier", v.BYTES, IGN, keyword="uid"),
        Attribute("client_hostname", "client-hostname", v.STRING, IGN),
        Attribute("host", "host", v.HANDLE, IGN),
        Attribute("subnet", "subnet", v.HANDLE, R),
        Attribute("pool", "pool", v.HANDLE, R),
        Attribute("billing_class", "billing-class", v.HANDLE, IGN),
        Attribute("hardware_address", "hardware-address", v.MAC, IGN, keyword="mac"),
        Attribute("hardware_type", "hardware-type", v.HARDWARE_TYPE, IGN),
        Attribute("ends", "ends", v.TIME, W),
        Attribute("starts", "starts", v.TIME_OR_UNSET, R),
        Attribute("tstp", "tstp", v.TIME_OR_UNSET, IGN),
        Attribute("tsfp", "tsfp", v.TIME_OR_UNSET, IGN),
        Attribute("atsfp", "atsfp", v.TIME_OR_UNSET, IGN),
        Attribute("cltt", "cltt", v.TIME_OR_UNSET, IGN),
        Attribute("flags", "flags", v.UINT8, W),
    ),
)

HOST: Final = Schema(
    "host",
    Host,
    (
        Attribute("name", "name", v.STRING, C),
        Attribute("hardware_address", "hardware-address", v.MAC, C, keyword="mac"),
        Attribute("hardware_type", "hardware-type", v.HARDWARE_TYPE, W),
        Attribute("dhcp_client_identifier", "dhcp-client-identifier", v.BYTES, C, keyword="uid"),
        Attribute("ip_addresses", "ip-address", v.IPV4_LIST, W, keyword="ip"),
        Attribute("statements", "statements", v.STRING, C, sent=False),
        Attribute("group", "group", v.STRING, W, sent=False),
    ),
)

GROUP: Final = Schema(
    "group",
    Group,
    (
        Attribute("name", "name", v.STRING, C),
        Attribute("statements", "statements", v.STRING, C, sent=False),
    ),
)

_CLASS_COUNTS: Final = (
    Attribute("lease_limit", "lease-limit", v.UINT32, IGN),
    Attribute("leases_used", "leases-used", v.UINT32, IGN),
)

CLASS: Final = Schema(
    "class",
    Class,
    (
        Attribute("name", "name", v.STRING, C, sent=False),
        *_CLASS_COUNTS,
        # An update of a class answers ISC_R_EXISTS (mdb.c enter_class finds it, itself).
        Attribute("group", "group", v.STRING, C, sent=False),
    ),
)

SUBCLASS: Final = Schema(
    "subclass",
    Subclass,
    (
        Attribute("class_name", "name", v.STRING, C, sent=False),
        Attribute("data", "hashstring", v.BYTES, C, sent=False),
        *_CLASS_COUNTS,
        Attribute("group", "group", v.STRING, W, sent=False),
    ),
)

FAILOVER_STATE: Final = Schema(
    "failover-state",
    FailoverState,
    (
        Attribute("name", "name", v.STRING, IGN),
        Attribute("partner_address", "partner-address", v.BYTES, IGN),
        Attribute("partner_port", "partner-port", v.UINT32, IGN),
        Attribute("local_address", "local-address", v.BYTES, IGN),
        Attribute("local_port", "local-port", v.UINT32, IGN),
        Attribute("max_outstanding_updates", "max-outstanding-updates", v.UINT32, IGN),
        Attribute("mclt", "mclt", v.UINT32, IGN),
        Attribute("load_balance_max_secs", "load-balance-max-secs", v.UINT32, IGN),
        Attribute("load_balance_hba", "load-balance-hba", v.BYTES, IGN),
        Attribute("partner_state", "partner-state", v.FAILOVER_STATE, IGN),
        Attribute("local_state", "local-state", v.FAILOVER_STATE, W),
        Attribute("partner_stos", "partner-stos", v.TIME_OR_UNSET, IGN),
        Attribute("local_stos", "local-stos", v.TIME_OR_UNSET, IGN),
        Attribute("hierarchy", "hierarchy", v.HIERARCHY, IGN),
        Attribute("last_packet_sent", "last-packet-sent", v.TIME_OR_UNSET, IGN),
        Attribute("last_timestamp_received", "last-timestamp-received", v.TIME_OR_UNSET, IGN),
        Attribute("skew", "skew", v.INT32, IGN),
        Attribute("max_response_delay", "max-response-delay", v.UINT32, IGN),
        Attribute("cur_unacked_updates", "cur-unacked-updates", v.UINT32, IGN),
    ),
)

#: Every object type's schema, by ISC's type name.
SCHEMAS: Final[Mapping[str, Schema[Any]]] = MappingProxyType(
    {s.object_type: s for s in (LEASE, HOST, GROUP, CLASS, SUBCLASS, FAILOVER_STATE)}
)


def decode(schema: Schema[ObjectT], values: Mapping[str, bytes], asked: Values = ()) -> ObjectT:
    """The typed object of a reply's ``values`` (every attribute as the server sent it).

    ``asked`` (ISC names and wire bytes of the request) fills the fields dhcpd does not send
    back (a class's name). A value not in the form ISC sends leaves its field None (logged at
    DEBUG); ``raw`` keeps it either way. Never raises for a reply's content.
    """
    state = dict(schema.defaults)
    _decode_into(state, schema, schema.decoders, values)
    if schema.asked_decoders:
        _decode_into(state, schema, schema.asked_decoders, dict(asked))
    state["raw"] = MappingProxyType(dict(values))
    # The object the class's __init__ would make, with the same attributes in the same order
    # (the frozen dataclass's __init__ sets each field through object.__setattr__: 33k of the
    # lookup's instructions for a lease's 18 fields, against 4k here).
    made = object.__new__(schema.cls)
    made.__dict__.update(state)
    return made


def _decode_into(
    state: dict[str, Any],
    schema: Schema[Any],
    decoders: tuple[tuple[str, str, Callable[[bytes], Any]], ...],
    values: Mapping[str, bytes],
) -> None:
    get = values.get
    for isc_name, field_name, decoder in decoders:
        data = get(isc_name)
        if data is None:
            continue
        try:
            state[field_name] = decoder(data)
        except ValueError as error:
            _log.debug("%s %s: undecodable value (%s)", schema.object_type, isc_name, error)


def encode(
    schema: Schema[Any], fields: Iterable[tuple[str, object]], *, write: bool = True
) -> Values:
    """Wire values of ``(field or keyword, value)`` pairs, in order, skipping None values.

    ``write`` False encodes lookup keys. Raises ValueError, before anything is sent, for an
    unknown name, a value its codec cannot encode (naming field and value), or a write of an
    attribute dhcpd would accept and ignore (:attr:`Access.IGNORED`). A MAC without a
    ``hardware_type`` gets type 1 (Ethernet; dhcpd's own default for lease lookups, while a
    host created without one becomes type 0).
    """
    encoded: dict[str, bytes] = {}
    for name, value in fields:
        if value is None:
            continue
        attribute = schema.by_field(name)
        if write and attribute.access is Access.IGNORED:
            raise ValueError(
                f"{schema.object_type} {attribute.field}: dhcpd 4.4.3-P1 accepts a write of "
                f"{attribute.isc_name!r} but does not change it; refused"
            )
        encoded[attribute.isc_name] = attribute.codec.encode(value, name)
    if "hardware-address" in encoded and "hardware-type" not in encoded:
        hardware_type = schema.by_isc_name("hardware-type")
        if hardware_type is not None:
            encoded["hardware-type"] = v.encode_hardware_type(1, "hardware_type")
    return tuple(encoded.items())
