"""The fake server's objects and what dhcpd 4.4.3-P1 does with them over OMAPI.

Each class is one OMAPI object type as ISC's server implements it: ``lookup`` (the type's
lookup method; keys are the request's object values), ``create``, ``set_value`` (one value of an
update, in the order sent), ``updated`` (the "updated" signal after all values are set),
``stuff`` (the values an UPDATE reply carries, in ISC's order) and ``remove``. Sources:
``server/omapi.c`` (lease, host, class, subclass, pool), ``common/comapi.c`` (group, control,
subnet, shared-network), ``server/failover.c`` (failover-state), ``server/mdb.c`` (enter_host,
delete_host). Statuses are ISC's numbers; values are the bytes on the wire (a 4-byte
big-endian integer where ISC sends an integer; None is a null value).

Every object gets a handle from the one handle table the first time it is sent, as in
``omapip/handle.c`` omapi_object_handle (a lease's subnet and pool right after the lease), so
handles read the same as from a fresh dhcpd given the same requests.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol, TypeVar

from dhcpctl import _values as v
from dhcpctl._results import (
    DHCP_R_INVALIDARG,
    DHCP_R_KEYCONFLICT,
    DHCP_R_MULTIPLE,
    DHCP_R_NOKEYS,
    DHCP_R_UNCHANGED,
    DHCP_R_UNKNOWNATTRIBUTE,
    ISC_R_EXISTS,
    ISC_R_NOPERM,
    ISC_R_NOTFOUND,
    ISC_R_NOTIMPLEMENTED,
    ISC_R_SUCCESS,
)

from ._hosts import HostTables
from ._statements import DhcpdWouldCrash, parse_statements

T = TypeVar("T")

#: A value as it came off the wire: bytes, or None for a null value.
Wire = bytes | None
#: Name/value pairs as sent.
Pairs = list[tuple[bytes, bytes]]

#: ``binding state`` numbers dhcpd accepts (FTS_FREE..FTS_BACKUP, includes/dhcpd.h FTS_LAST).
FTS_LAST = 7
#: includes/dhcpd.h binding states the transitions name.
FTS_FREE, FTS_ACTIVE, FTS_EXPIRED, FTS_RELEASED, FTS_ABANDONED, FTS_BACKUP = 1, 2, 3, 4, 5, 7
#: includes/failover.h enum failover_state: unknown_state (0) to conflict_done (11), and
#: recover_wait (254).
FAILOVER_STATES = frozenset((*range(12), 254))
#: control_object_state_t ``server_shutdown`` (includes/dhcpd.h).
SERVER_SHUTDOWN = 2


def u32(number: int) -> bytes:
    """An integer as the 4 big-endian bytes ISC sends."""
    return (number & 0xFFFF_FFFF).to_bytes(4, "big")


def int_value(value: Wire) -> int | None:
    """``omapi_get_int_value``: a 4-byte value as an unsigned integer, else None."""
    if value is None or len(value) != 4:
        return None
    return int.from_bytes(value, "big")


def unnamed(prefix: bytes, now: int, made: object) -> bytes:
    """The name dhcpd gives a host or group created without one (omapi.c
    dhcp_host_signal_handler, comapi.c dhcp_group_signal_handler): ``prefix`` + ``%08lx%08lx``
    of cur_time (``now``, seconds) and the object's address, a 64-bit user-space pointer of
    12 hex digits (here ``made``'s id): 20 hex digits in all, ``nh69a1b2c37f3a5c0d4e10``."""
    return prefix + b"%08x%012x" % (now, id(made) & 0xFFFF_FFFF_FFFF)


def crashes(what: str) -> int:
    """Warn that dhcpd 4.4.3-P1 would have crashed on ``what``; the fake answers
    DHCP_R_INVALIDARG instead."""
    warnings.warn(
        DhcpdWouldCrash(
            f"dhcpd 4.4.3-P1 would have crashed on {what}; the fake answered DHCP_R_INVALIDARG"
        ),
        stacklevel=3,
    )
    return DHCP_R_INVALIDARG


class Handles:
    """``omapip/handle.c``: one table numbering every object the server has sent, from 1."""

    def __init__(self) -> None:
        self._by_object: dict[int, int] = {}
        self._objects: dict[int, object] = {}
        self._next = 1

    def handle_of(self, obj: object) -> int:
        handle = self._by_object.get(id(obj))
        if handle is None:
            handle = self._next
            self._next += 1
            self._by_object[id(obj)] = handle
            self._objects[handle] = obj
        return handle

    def lookup(self, handle: int) -> object | None:
        return self._objects.get(handle)

    def forget(self, obj: object) -> None:
        """A removed object: requests naming its handle find nothing (ISC_R_NOTFOUND)."""
        handle = self._by_object.pop(id(obj), None)
        if handle is not None:
            del self._objects[handle]


class ServerObject(Protocol):
    """What message.c needs of an object."""

    def set_value(self, name: bytes, value: Wire) -> int: ...
    def updated(self) -> int: ...
    def stuff(self) -> Pairs: ...
    def remove(self) -> int: ...


@dataclass(eq=False)
class Marker:
    """An object only ever sent as a handle (a lease's subnet and pool)."""

    name: str


# --- lease -------------------------------------------------------------------------------------


@dataclass(eq=False)
class Lease:
    store: Store
    ip: bytes
    state: int
    hardware: bytes | None = None
    hardware_type: int = 1
    uid: bytes | None = None
    client_hostname: bytes | None = None
    starts: int = 0
    ends: int = 0
    tstp: int = 0
    tsfp: int = 0
    atsfp: int = 0
    cltt: int = 0
    flags: int = 0
    #: The lease's binding scope: each variable an update of an unknown name set, and what
    #: dhcpd sends of it (None: a null value unset it; dhcpd keeps its binding, unsent).
    scope: dict[bytes, bytes | None] = field(default_factory=dict)
    #: ``next_binding_state``: 0 is the binding state (a leases file's ``binding state``
    #: without ``next binding state``, confpars.c parse_lease_declaration).
    next_state: int = 0

    def __post_init__(self) -> None:
        if not self.next_state:
            self.next_state = self.state

    def set_value(self, name: bytes, value: Wire) -> int:
        """omapi.c dhcp_lease_set_value."""
        if value is None and name in (b"state", b"ends", b"flags"):
            return crashes(f"a null lease {name.decode()}")  # omapi_get_int_value(NULL)
        if name == b"state":
            state = int_value(value)
            if state is None:
                return DHCP_R_INVALIDARG
            if not 1 <= state <= FTS_LAST:
                return DHCP_R_INVALIDARG
            if state == self.state:
                return DHCP_R_UNCHANGED
            self.next_state = state
            self.supersede()
            return ISC_R_SUCCESS
        if name in (b"ip-address", b"pool", b"starts"):
            return ISC_R_NOPERM
        if name == b"subnet":
            return DHCP_R_INVALIDARG
        if name in _LEASE_IGNORED:
            return DHCP_R_UNCHANGED  # "XXX take change"
        if name == b"ends":
            ends = int_value(value)
            if ends is None:
                return DHCP_R_INVALIDARG
            self.ends = ends
            self.supersede()
            return ISC_R_SUCCESS
        if name == b"flags":
            assert value is not None
            return self._flags(value)
        return self._set_variable(name, value)

    def _set_variable(self, name: bytes, value: Wire) -> int:
        """omapi.c binding_scope_set_value, then write_lease: a value sets the variable (a new
        one goes to the head of the scope's list), a null one unsets a variable (its binding
        stays, without a value). Unsetting it again dies in dhcpd 4.4.3-P1 (SIGSEGV,
        measured: binding_value_dereference of the null value)."""
        if value is not None:
            self.scope[name] = value if name == b"remote-handle" else _NOT_THE_VALUE
            return ISC_R_SUCCESS
        if name not in self.scope:
            return DHCP_R_UNKNOWNATTRIBUTE
        if self.scope[name] is None:
            return crashes(f"lease variable {name.decode(errors='replace')!r} unset twice")
        self.scope[name] = None
        return ISC_R_SUCCESS

    def _flags(self, value: bytes) -> int:
        """omapi.c update_lease_flags: one byte, or a 4-byte integer (as omshell sends it);
        only the ephemeral flags change."""
        number = value[0] if len(value) == 1 else int_value(value)
        if number is None:
            return DHCP_R_INVALIDARG
        flags = (self.flags & ~_EPHEMERAL_FLAGS) | (number & _EPHEMERAL_FLAGS)
        if flags == self.flags:
            return DHCP_R_UNCHANGED
        self.flags = flags
        self.store.unhash_lease(self)  # supersede_lease with a lease to copy: re-hashed
        self.store.hash_lease(self)
        self.supersede()
        return ISC_R_SUCCESS

    def supersede(self, *, from_pool: bool = False) -> None:
        """mdb.c supersede_lease as OMAPI calls it (commit, propagate, pimmediate): the
        lease moves on to its next binding state; if its ``ends`` (the sort time) is past and
        it has yet another state to go to, pool_timer runs at once (not from pool_timer)."""
        self.atsfp = 0
        self._make_binding_state_transition()
        if not from_pool and self.ends < self.store.clock() and self.next_state != self.state:
            self.store.pool_timer()

    def _make_binding_state_transition(self) -> None:
        """mdb.c make_binding_state_transition, without a failover peer: an active lease that
        leaves the active state (expiry or release) loses its client hostname and sends its
        ``ends`` as ``tstp``; the next state of an active, expired, released, abandoned or
        reset lease is free, of a free or backup lease itself."""
        if self.next_state != self.state and self.state == FTS_ACTIVE:
            self.client_hostname = None
            self.tstp = self.ends
        self.state = self.next_state
        self.next_state = self.state if self.state in (FTS_FREE, FTS_BACKUP) else FTS_FREE

    def updated(self) -> int:
        return ISC_R_SUCCESS

    def stuff(self) -> Pairs:
        """omapi.c dhcp_lease_stuff_values, in its order."""
        handles = self.store.handles
        values: Pairs = [(b"state", u32(self.state)), (b"ip-address", self.ip)]
        if self.uid:
            values.append((b"dhcp-client-identifier", self.uid))
        if self.client_hostname is not None:
            values.append((b"client-hostname", self.client_hostname))
        # No "host": dhcpd sends one only for a lease it gave a known host's client over DHCP
        # (dhcp.c ack_lease sets lease->host); no lease of this server was.
        values.append((b"subnet", u32(handles.handle_of(self.store.subnet))))
        values.append((b"pool", u32(handles.handle_of(self.store.pool))))
        if self.hardware:
            values.append((b"hardware-address", self.hardware))
            values.append((b"hardware-type", u32(self.hardware_type)))
        for name, number in (
            (b"ends", self.ends),
            (b"starts", self.starts),
            (b"tstp", self.tstp),
            (b"tsfp", self.tsfp),
            (b"atsfp", self.atsfp),
            (b"cltt", self.cltt),
        ):
            values.append((name, u32(number)))
        values.append((b"flags", bytes([self.flags & _EPHEMERAL_FLAGS])))
        # binding_scope_stuff_values, newest variable first, those with a value.
        scope = reversed(self.scope.items())
        values.extend((name, held) for name, held in scope if held is not None)
        return values

    def remove(self) -> int:
        return ISC_R_NOTIMPLEMENTED  # leases have no remove method


#: What a lease variable set by a client reads back as here. binding_scope_set_value gives a
#: value from the wire (always data) no binding type: it stays binding_boolean, and
#: binding_scope_stuff_values sends 4 bytes of the binding's memory (the low half of a
#: pointer), not the value. The one variable dhcpd sets as an integer, ``remote-handle``
#: (omapip/support.c omapi_object_update), is binding_numeric and reads back as set.
_NOT_THE_VALUE: Final = bytes(4)
_LEASE_IGNORED = frozenset(
    (
        b"dhcp-client-identifier",
        b"hostname",
        b"client-hostname",
        b"host",
        b"billing-class",
        b"hardware-address",
        b"hardware-type",
    )
)
#: includes/dhcpd.h EPHEMERAL_FLAGS (MS_NULL_TERMINATION | UNICAST_BROADCAST_HACK |
#: RESERVED_LEASE | BOOTP_LEASE).
_EPHEMERAL_FLAGS = 0x08 | 0x40 | 0x04 | 0x02


def lookup_lease(store: Store, keys: dict[bytes, bytes]) -> tuple[int, object | None]:
    """omapi.c dhcp_lease_lookup."""
    status, found = _by_handle(store, keys, Lease)
    if status != ISC_R_SUCCESS:
        return status, None
    if b"ip-address" in keys:
        lease = store.lease_at(keys[b"ip-address"])
        if found is not None and found is not lease:
            return DHCP_R_KEYCONFLICT, None
        if lease is None:
            return ISC_R_NOTFOUND, None
        found = lease
    if b"dhcp-client-identifier" in keys:
        status, found = _one(found, store.lease_uids.get(keys[b"dhcp-client-identifier"], []))
        if status != ISC_R_SUCCESS:
            return status, None
    if b"hardware-address" in keys:
        hardware_type = _hardware_type(keys)
        if hardware_type is None:
            return DHCP_R_INVALIDARG, None
        hbuf = bytes([hardware_type]) + keys[b"hardware-address"]
        status, found = _one(found, store.lease_hardware.get(hbuf, []))
        if status != ISC_R_SUCCESS:
            return status, None
    if found is None:
        return DHCP_R_NOKEYS, None
    return ISC_R_SUCCESS, found


def _one(found: Lease | None, matches: list[Lease]) -> tuple[int, Lease | None]:
    """A lease key's hash chain (its head first): another lease than one found already is a
    conflict; more than one lease under the key is DHCP_R_MULTIPLE."""
    head = matches[0] if matches else None
    if found is not None and found is not head:
        return DHCP_R_KEYCONFLICT, None
    if head is None:
        return ISC_R_NOTFOUND, None
    if len(matches) > 1:
        return DHCP_R_MULTIPLE, None
    return ISC_R_SUCCESS, head


def _hardware_type(keys: dict[bytes, bytes]) -> int | None:
    """The hardware type a MAC key goes with: ``hardware-type`` (4 bytes, at most 255), else
    1, ethernet ("Telus is currently relying on this behavior")."""
    value = keys.get(b"hardware-type")
    if value is None:
        return 1
    if len(value) != 4 or value[:3] != bytes(3):
        return None
    return value[3]


def _by_handle(store: Store, keys: dict[bytes, bytes], kind: type[T]) -> tuple[int, T | None]:
    """A lookup's "handle" key: the object of that handle, which must be of the type."""
    if b"handle" not in keys:
        return ISC_R_SUCCESS, None
    number = int_value(keys[b"handle"])
    obj = None if number is None else store.handles.lookup(number)
    if obj is None:
        return ISC_R_NOTFOUND, None
    if not isinstance(obj, kind):
        return DHCP_R_INVALIDARG, None
    return ISC_R_SUCCESS, obj


_TRANSITIONAL = (FTS_EXPIRED, FTS_RELEASED)


def _client_lease_preferred(cand: Lease, lease: Lease) -> bool:
    """mdb.c client_lease_preferred: whether ``lease`` goes before ``cand`` in a chain
    (active, the longest ``ends`` first; then expired or released, the latest ``cltt``
    first; then the other states but abandoned, by ``cltt``; abandoned last)."""
    if cand.state == FTS_ACTIVE:
        return lease.state == FTS_ACTIVE and lease.ends >= cand.ends
    if cand.state in _TRANSITIONAL:
        if lease.state == FTS_ACTIVE:
            return True
        return lease.state in _TRANSITIONAL and lease.cltt >= cand.cltt
    if cand.state != FTS_ABANDONED:
        if lease.state in (FTS_ACTIVE, *_TRANSITIONAL):
            return True
        return lease.state != FTS_ABANDONED and lease.cltt >= cand.cltt
    return lease.state != FTS_ABANDONED or lease.cltt >= cand.cltt


# --- host and group ----------------------------------------------------------------------------


@dataclass(eq=False)
class Group:
    """comapi.c's group object. ``cloned``: it has its own ``group->group`` (statements can
    be set once); ``generation`` counts replacements of ``group->group``, which hosts that
    joined the group compare with (omapi.c dhcp_host_set_value "statements")."""

    store: Store
    name: bytes | None = None
    statements: bytes | None = None
    cloned: bool = False
    removed: bool = False
    generation: int = 0

    def set_value(self, name: bytes, value: Wire) -> int:
        """comapi.c dhcp_group_set_value."""
        if value is None:
            return crashes(f"a null {name.decode(errors='replace')} value for a group")
        if name == b"name":
            if self.name is not None:
                return ISC_R_EXISTS
            self.name = value
            return ISC_R_SUCCESS
        if name == b"statements":
            if self.cloned and self.statements is not None:
                return ISC_R_EXISTS
            if not self.cloned:
                self.cloned, self.generation = True, self.generation + 1
            status = parse_statements(value, "group statements")
            if status == ISC_R_SUCCESS:
                self.statements = value
            return status
        return ISC_R_NOTFOUND

    def updated(self) -> int:
        """comapi.c dhcp_group_signal_handler, then memory.c supersede_group."""
        if not self.cloned:
            return DHCP_R_INVALIDARG
        if self.name is None:
            self.name = unnamed(b"ng", self.store.clock(), self)
        if not self.removed:
            self.store.groups[self.name] = self
        return ISC_R_SUCCESS

    def stuff(self) -> Pairs:
        """comapi.c dhcp_group_stuff_values."""
        return [] if self.name is None else [(b"name", self.name)]

    def remove(self) -> int:
        """comapi.c dhcp_group_remove (dhcp_group_destroy frees the name and statements)."""
        if self.name is not None and self.store.groups.get(self.name) is self:
            del self.store.groups[self.name]
        self.removed, self.name, self.statements = True, None, None
        if self.cloned:
            self.cloned, self.generation = False, self.generation + 1
        self.store.handles.forget(self)
        return ISC_R_SUCCESS


def _by_name(
    store: Store, keys: dict[bytes, bytes], kind: type[T], table: Mapping[bytes, T]
) -> tuple[int, T | None]:
    """The lookup of comapi.c dhcp_group_lookup and omapi.c class_lookup: by handle, then by
    name (another object than the handle's is a conflict; a name not found is NOTFOUND only
    without a handle); no key at all is DHCP_R_NOKEYS."""
    status, found = _by_handle(store, keys, kind)
    if status != ISC_R_SUCCESS:
        return status, None
    if b"name" in keys:
        named = table.get(keys[b"name"])
        if named is not None:
            if found is not None and found is not named:
                return DHCP_R_KEYCONFLICT, None
            found = named
        elif found is None:
            return ISC_R_NOTFOUND, None
    return (DHCP_R_NOKEYS, None) if found is None else (ISC_R_SUCCESS, found)


def lookup_group(store: Store, keys: dict[bytes, bytes]) -> tuple[int, object | None]:
    """comapi.c dhcp_group_lookup: a removed group is not found."""
    status, found = _by_name(store, keys, Group, store.groups)
    if found is not None and found.removed:
        return ISC_R_NOTFOUND, None
    return status, found


@dataclass(eq=False)
class Host:
    store: Store
    name: bytes | None = None
    hardware: bytes | None = None
    #: ``interface.hbuf[0]``: 0 until hardware-type is set, part of the MAC's hash key.
    hardware_type: int = 0
    uid: bytes | None = None
    ip: bytes | None = None
    statements: bytes | None = None
    group: Group | None = None
    group_generation: int = 0
    deleted: bool = False
    #: Declared in dhcpd.conf (HOST_DECL_STATIC): its name stays taken after a delete.
    static: bool = False
    #: mdb.c's one link for the hardware and the client-id chain.
    n_ipaddr: Host | None = None

    @property
    def hbuf(self) -> bytes | None:
        """``interface.hbuf``: the hardware type, then the MAC (the hardware hash key)."""
        return None if self.hardware is None else bytes([self.hardware_type]) + self.hardware

    @property
    def c_name(self) -> bytes:
        """The name as C holds it: up to the first NUL."""
        return (self.name or b"").split(b"\0", 1)[0]

    def set_value(self, name: bytes, value: Wire) -> int:
        """omapi.c dhcp_host_set_value."""
        if name == b"ip-address":
            self.ip = value
            return ISC_R_SUCCESS
        if name == b"hardware-type":
            number = int_value(value)
            if number is None:
                return DHCP_R_INVALIDARG
            self.hardware_type = number & 0xFF
            return ISC_R_SUCCESS
        if name == b"known":
            return ISC_R_SUCCESS
        if name in (b"name", b"hardware-address", b"dhcp-client-identifier"):
            return self._set_key(name, value)
        if name == b"group":
            if value is None:
                return DHCP_R_INVALIDARG
            group = self.store.groups.get(value)
            if group is None or group.removed:
                return ISC_R_NOTFOUND
            self.group, self.group_generation, self.statements = group, group.generation, None
            return ISC_R_SUCCESS
        if name == b"statements":
            return self._set_statements(value)
        return DHCP_R_UNKNOWNATTRIBUTE

    def _set_key(self, name: bytes, value: Wire) -> int:
        attribute = {b"name": "name", b"hardware-address": "hardware"}.get(name, "uid")
        if getattr(self, attribute) is not None:
            return ISC_R_EXISTS
        if value is None:
            return DHCP_R_INVALIDARG
        if attribute == "hardware" and len(value) > v.HARDWARE_ADDR_LEN:  # sizeof hbuf - 1
            return DHCP_R_INVALIDARG
        setattr(self, attribute, value)
        return ISC_R_SUCCESS

    def _set_statements(self, value: Wire) -> int:
        group = self.group
        joined = group is not None and self.group_generation != group.generation
        if self.statements is not None or joined:
            return ISC_R_EXISTS
        if value is None:
            return DHCP_R_INVALIDARG
        status = parse_statements(value, "host statements")
        if status == ISC_R_SUCCESS:
            self.statements = value
        return status

    def updated(self) -> int:
        """omapi.c dhcp_host_signal_handler "updated", then mdb.c enter_host."""
        if self.hardware is None and self.uid is None:
            return DHCP_R_INVALIDARG
        if self.name is None:
            self.name = unnamed(b"nh", self.store.clock(), self)
        return self.store.enter_host(self)

    def stuff(self) -> Pairs:
        """omapi.c dhcp_host_stuff_values, in its order (statements are never sent)."""
        values: Pairs = []
        if self.ip is not None:
            values.append((b"ip-address", self.ip))
        if self.uid is not None:
            values.append((b"dhcp-client-identifier", self.uid))
        if self.name is not None:
            values.append((b"name", self.c_name))
        if self.hardware is not None:
            values.append((b"hardware-address", self.hardware))
            values.append((b"hardware-type", u32(self.hardware_type)))
        return values

    def remove(self) -> int:
        """omapi.c dhcp_host_remove: mdb.c delete_host."""
        self.store.delete_host(self)
        return ISC_R_SUCCESS


def lookup_host(store: Store, keys: dict[bytes, bytes]) -> tuple[int, object | None]:
    """omapi.c dhcp_host_lookup: by handle, client id, MAC, the MAC of the address's lease,
    then name; every key given must name the same host."""
    status, by_handle = _by_handle(store, keys, Host)
    if status != ISC_R_SUCCESS:
        return status, None
    found = by_handle if isinstance(by_handle, Host) and not by_handle.deleted else None
    tables = store.tables
    candidates: list[Host | None] = []
    if b"dhcp-client-identifier" in keys:
        candidates.append(tables.uids.lookup(keys[b"dhcp-client-identifier"]))
    if b"hardware-address" in keys:
        hardware_type = _hardware_type(keys)
        if hardware_type is None:
            return DHCP_R_INVALIDARG, None
        candidates.append(
            tables.hardware.lookup(bytes([hardware_type]) + keys[b"hardware-address"])
        )
    for host in candidates:
        if found is not None and found is not host:
            return DHCP_R_KEYCONFLICT, None
        if host is None or host.deleted:
            return ISC_R_NOTFOUND, None
        found = host
    if b"ip-address" in keys:
        lease = store.leases.get(keys[b"ip-address"])
        if lease is None and found is None:
            return ISC_R_NOTFOUND, None
        if lease is not None:
            host = store.host_of_lease(lease)
            if host is not None and found is not None and found is not host:
                return DHCP_R_KEYCONFLICT, None
            if host is None or host.deleted:
                if found is None:
                    return ISC_R_NOTFOUND, None
            elif found is None:
                found = host
    if b"name" in keys:
        host = tables.names.lookup(keys[b"name"])
        if found is not None and found is not host:
            return DHCP_R_KEYCONFLICT, None
        if host is None or host.deleted:
            return ISC_R_NOTFOUND, None
        found = host
    if found is None:
        return DHCP_R_NOKEYS, None
    return ISC_R_SUCCESS, found


# --- class and subclass ------------------------------------------------------------------------


@dataclass(eq=False)
class Class:
    """omapi.c's class object (a subclass when ``superclass`` is given by name)."""

    store: Store
    subclass: bool = False
    name: bytes | None = None
    superclass: Class | None = None
    hashstring: bytes | None = None
    lease_limit: int = 0
    leases_used: int = 0
    deleted: bool = False

    def set_value(self, name: bytes, value: Wire) -> int:
        """omapi.c class_set_value."""
        if value is None:
            return crashes(f"a null {name.decode(errors='replace')} value for a class")
        if name == b"name":
            if self.name is not None:
                return ISC_R_EXISTS
            if self.subclass:
                superclass = self.store.classes.get(value.split(b"\0", 1)[0])
                if superclass is None:
                    return ISC_R_NOTFOUND
                self.superclass, self.lease_limit = superclass, superclass.lease_limit
                return ISC_R_SUCCESS
            self.name = value
            return ISC_R_SUCCESS
        if self.subclass and name == b"hashstring":
            if self.hashstring is not None:
                return ISC_R_EXISTS
            self.hashstring = value
            return ISC_R_SUCCESS
        if name == b"group":
            group = self.store.groups.get(value)
            return ISC_R_NOTFOUND if group is None or group.removed else ISC_R_SUCCESS
        if name == b"match":
            return ISC_R_SUCCESS if b"hardware".startswith(value[:8]) else DHCP_R_INVALIDARG
        if name == b"option":
            return DHCP_R_INVALIDARG
        return DHCP_R_UNKNOWNATTRIBUTE

    def updated(self) -> int:
        """omapi.c class_signal_handler "updated", then mdb.c enter_class, which finds a class
        of the name already there (itself, for an update of a class that exists): an update
        answers ISC_R_EXISTS, after its values were set (a subclass has no name: not it)."""
        if self.subclass:
            if self.superclass is None or self.hashstring is None:
                return DHCP_R_INVALIDARG
            self.store.subclasses[(self.superclass.name or b"", self.hashstring)] = self
        else:
            if not self.name:
                return DHCP_R_INVALIDARG
            if self.name in self.store.classes:
                return ISC_R_EXISTS
            self.store.classes[self.name] = self
        self.deleted = False
        return ISC_R_SUCCESS

    def stuff(self) -> Pairs:
        """omapi.c class_stuff_values: the name is not sent."""
        return [(b"lease-limit", u32(self.lease_limit)), (b"leases-used", u32(self.leases_used))]

    def remove(self) -> int:
        """omapi.c dhcp_class_remove, dhcp_subclass_remove: class.c delete_class."""
        self.deleted = True
        if self.subclass:
            if self.superclass is not None and self.hashstring is not None:
                self.store.subclasses.pop((self.superclass.name or b"", self.hashstring), None)
        elif self.name is not None and self.store.classes.get(self.name) is self:
            del self.store.classes[self.name]
        self.store.handles.forget(self)
        return ISC_R_SUCCESS


def lookup_class(store: Store, keys: dict[bytes, bytes]) -> tuple[int, object | None]:
    """omapi.c class_lookup for classes."""
    return _by_name(store, keys, Class, store.classes)


def lookup_subclass(store: Store, keys: dict[bytes, bytes]) -> tuple[int, object | None]:
    """omapi.c class_lookup for subclasses: the class by name, then its hashstring."""
    status, found = _by_handle(store, keys, Class)
    if status != ISC_R_SUCCESS:
        return status, None
    if b"name" in keys:
        if keys[b"name"] not in store.classes:
            return ISC_R_NOTFOUND, None
        if b"hashstring" in keys:
            sub = store.subclasses.get((keys[b"name"], keys[b"hashstring"]))
            if sub is None:
                return ISC_R_NOTFOUND, None
            if found is not None and found is not sub:
                return DHCP_R_KEYCONFLICT, None
            found = sub
    return (DHCP_R_NOKEYS, None) if found is None else (ISC_R_SUCCESS, found)


# --- failover-state and control ----------------------------------------------------------------


@dataclass(eq=False)
class FailoverState:
    """failover.c's failover-state object: read-only but for ``local-state``."""

    store: Store
    values: dict[bytes, bytes]

    def set_value(self, name: bytes, value: Wire) -> int:
        """failover.c dhcp_failover_state_set_value: every known name "succeeds" unchanged;
        ``local-state`` asks for a state change, which the fake records. A state that is not
        one of ``enum failover_state`` (includes/failover.h) reaches log_fatal("Impossible
        case") in failover.c dhcp_failover_set_service_state: dhcpd exits."""
        if name == b"local-state":
            if value is None:
                return crashes("a null failover local-state")  # omapi_get_int_value(NULL)
            state = int_value(value)
            if state is None:
                return DHCP_R_INVALIDARG
            if state not in FAILOVER_STATES:
                return crashes(f"failover local-state {state}, not a failover state")
            self.values[name] = value
            return ISC_R_SUCCESS
        return ISC_R_SUCCESS if name in self.values else ISC_R_NOTFOUND

    def updated(self) -> int:
        return ISC_R_SUCCESS

    def stuff(self) -> Pairs:
        return list(self.values.items())

    def remove(self) -> int:
        return ISC_R_NOTIMPLEMENTED


def lookup_failover(store: Store, keys: dict[bytes, bytes]) -> tuple[int, object | None]:
    """failover.c dhcp_failover_state_lookup: by handle, then name."""
    status, found = _by_handle(store, keys, FailoverState)
    if status != ISC_R_SUCCESS:
        return status, None
    if b"name" in keys:
        state = store.failover.get(keys[b"name"])
        if state is None:
            return ISC_R_NOTFOUND, None
        if found is not None and found is not state:
            return DHCP_R_KEYCONFLICT, None
        found = state
    return (DHCP_R_NOKEYS, None) if found is None else (ISC_R_SUCCESS, found)


@dataclass(eq=False)
class Control:
    """comapi.c's one control object."""

    store: Store
    state: int = 0

    def set_value(self, name: bytes, value: Wire) -> int:
        """comapi.c dhcp_control_set_value: dhcpd.c dhcp_set_control_state takes only
        ``server_shutdown``."""
        if name != b"state":
            return ISC_R_NOTFOUND
        if value is None:
            return crashes("a null control state")  # omapi_get_int_value(NULL)
        state = int_value(value)
        if state is None or state != SERVER_SHUTDOWN:
            return DHCP_R_INVALIDARG
        self.state = state
        self.store.shutdown_requested = True
        return ISC_R_SUCCESS

    def updated(self) -> int:
        return ISC_R_SUCCESS

    def stuff(self) -> Pairs:
        return [(b"state", u32(self.state))]

    def remove(self) -> int:
        return ISC_R_NOPERM  # "Form is emptiness; emptiness form."


def lookup_control(store: Store, keys: dict[bytes, bytes]) -> tuple[int, object | None]:
    status, _ = _by_handle(store, keys, Control)
    if status != ISC_R_SUCCESS:
        return status, None
    return ISC_R_SUCCESS, store.control


def no_lookup(store: Store, keys: dict[bytes, bytes]) -> tuple[int, object | None]:
    """pool, subnet, shared-network: their lookups never find anything."""
    return DHCP_R_NOKEYS, None


# --- the types ---------------------------------------------------------------------------------

Lookup = Callable[["Store", dict[bytes, bytes]], tuple[int, object | None]]
Create = Callable[["Store"], object | None]


@dataclass(frozen=True)
class ObjectType:
    """An OMAPI object type: its lookup, and its create (None: ISC_R_NOTIMPLEMENTED)."""

    lookup: Lookup
    create: Create | None


TYPES: dict[bytes, ObjectType] = {
    b"lease": ObjectType(lookup_lease, None),
    b"host": ObjectType(lookup_host, lambda store: Host(store)),
    b"group": ObjectType(lookup_group, lambda store: Group(store)),
    b"class": ObjectType(lookup_class, lambda store: Class(store)),
    b"subclass": ObjectType(lookup_subclass, lambda store: Class(store, subclass=True)),
    b"failover-state": ObjectType(lookup_failover, None),
    b"control": ObjectType(lookup_control, None),
    b"pool": ObjectType(no_lookup, None),
    b"subnet": ObjectType(no_lookup, None),
    b"shared-network": ObjectType(no_lookup, None),
}


class Store:
    """Everything the fake server holds. Not thread-safe: the server serializes requests."""

    def __init__(self, clock: Callable[[], int]) -> None:
        self.clock = clock
        self.handles = Handles()
        self.subnet = Marker("subnet")
        self.pool = Marker("pool")
        self.leases: dict[bytes, Lease] = {}
        #: ``lease_uid_hash`` and ``lease_hw_addr_hash`` (hardware type byte first): each
        #: key's chain of leases, its head (the lease a lookup finds) first.
        self.lease_uids: dict[bytes, list[Lease]] = {}
        self.lease_hardware: dict[bytes, list[Lease]] = {}
        #: The ``range`` declarations: first and last address, as integers.
        self.ranges: list[tuple[int, int]] = []
        #: Every host that is not deleted, in the order they were first entered.
        self.hosts: list[Host] = []
        self.tables = HostTables()
        self.groups: dict[bytes, Group] = {}
        self.classes: dict[bytes, Class] = {}
        self.subclasses: dict[tuple[bytes, bytes], Class] = {}
        self.failover: dict[bytes, FailoverState] = {}
        self.control = Control(self)
        self.shutdown_requested = False

    def lease_at(self, ip: bytes) -> Lease | None:
        """The lease of address ``ip`` (``lease_ip_addr_hash``): one given, or one of a range
        (mdb.c new_address_range: free, ``starts`` and ``ends`` MIN_TIME, 0), made when a
        client first names it and kept from then on."""
        lease = self.leases.get(ip)
        if lease is None and len(ip) == 4:
            number = int.from_bytes(ip, "big")
            if any(first <= number <= last for first, last in self.ranges):
                lease = self.leases[ip] = Lease(self, ip, FTS_FREE)
        return lease

    def instantiate_leases(self) -> None:
        """mdb.c expire_all_pools: lease_instantiate for every lease in the order
        ``lease_ip_hash_foreach`` visits them (omapip/hash.c do_ip4_hash: the address modulo
        LEASE_HASH_SIZE, 100003; a later entry first in its bucket), which hashes each by
        client identifier and MAC."""
        order = {ip: index for index, ip in enumerate(self.leases)}
        for ip in sorted(order, key=lambda ip: (int.from_bytes(ip, "big") % 100003, -order[ip])):
            self.hash_lease(self.leases[ip])

    def _chains(self, lease: Lease) -> list[tuple[dict[bytes, list[Lease]], bytes]]:
        chains = []
        if lease.uid:
            chains.append((self.lease_uids, lease.uid))
        if lease.hardware:
            chains.append((self.lease_hardware, bytes([lease.hardware_type]) + lease.hardware))
        return chains

    def hash_lease(self, lease: Lease) -> None:
        """mdb.c uid_hash_add, hw_hash_add: into each chain before the first lease it is
        preferred to (client_lease_preferred)."""
        for table, key in self._chains(lease):
            chain = table.setdefault(key, [])
            at = next(
                (i for i, cand in enumerate(chain) if _client_lease_preferred(cand, lease)),
                len(chain),
            )
            chain.insert(at, lease)

    def unhash_lease(self, lease: Lease) -> None:
        """mdb.c uid_hash_delete, hw_hash_delete."""
        for table, key in self._chains(lease):
            chain = table.get(key, [])
            if lease in chain:
                chain.remove(lease)
            if not chain:
                table.pop(key, None)

    def pool_timer(self) -> None:
        """mdb.c pool_timer: every lease whose ``ends`` has come and that has a next state
        moves on to it (supersede_lease from the pool)."""
        now = self.clock()
        for lease in list(self.leases.values()):
            if lease.ends <= now and lease.next_state != lease.state:
                lease.supersede(from_pool=True)

    def host_of_lease(self, lease: Lease) -> Host | None:
        """The host with the lease's MAC (omapi.c dhcp_host_lookup: host_hw_addr_hash by the
        lease's hardware_addr)."""
        if not lease.hardware:
            return None
        return self.tables.hardware.lookup(bytes([lease.hardware_type]) + lease.hardware)

    def enter_host(self, host: Host, *, dynamic: bool = True) -> int:
        """mdb.c enter_host; the host is one of :attr:`hosts` from then on."""
        status = self.tables.enter_host(host, dynamic, commit=True)
        if host not in self.hosts and status != ISC_R_EXISTS:
            self.hosts.append(host)
        return status

    def delete_host(self, host: Host) -> None:
        """omapi.c dhcp_host_remove: mdb.c delete_host; its handle is no longer answered."""
        self.tables.delete_host(host, commit=True)
        if host in self.hosts:
            self.hosts.remove(host)
        self.handles.forget(host)
