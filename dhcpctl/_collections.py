"""The collections of a typed client (``omapi.leases``, ``omapi.hosts``...), each defined once.

A collection is generic over a mode, :class:`Sync` or :class:`Async`. Its methods are
generator functions (:data:`dhcpctl._exchange.Operation`) decorated with :func:`operation`: a
descriptor that hands the generator to the collection's executor and is typed by the mode, so
``Hosts[Sync].get(...)`` returns a :class:`~dhcpctl.Host` and ``Hosts[Async].get(...)`` an
awaitable of one. The sync :class:`dhcpctl.Client` supplies a :class:`SyncExecutor`,
``dhcpctl.aio.Client`` an :class:`AsyncExecutor`; nothing else differs.

Lookups take the short keywords ``name``, ``mac``, ``uid`` (bytes) and ``ip``; writes take the
same plus the snake_case attribute names of :mod:`dhcpctl._model`. Every method raises
ValueError for a value it cannot encode (naming the field and the value) before anything is
sent, and the typed errors of :mod:`dhcpctl._errors` for dhcpd's refusals. What help() shows
of a method says so: its docstring followed by :data:`CALLS` (and :data:`STATEMENTS` where it
takes ``statements``), its signature the result (``-> 'Lease'``), not the generator.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from ipaddress import IPv4Address
from types import MethodType
from typing import (
    Any,
    ClassVar,
    Concatenate,
    Final,
    Generic,
    ParamSpec,
    Protocol,
    TypeVar,
    overload,
)

from dhcpctl import _operations as ops
from dhcpctl._errors import StateNotKept, shorten
from dhcpctl._exchange import Open, Operation, Values
from dhcpctl._model import (
    CLASS,
    FAILOVER_STATE,
    GROUP,
    HOST,
    LEASE,
    SUBCLASS,
    Class,
    FailoverState,
    Group,
    Host,
    Lease,
    Schema,
    Subclass,
    encode,
)
from dhcpctl._results import ISC_R_FAILURE
from dhcpctl._states import LeaseState
from dhcpctl._values import LEASE_STATE

P = ParamSpec("P")
T = TypeVar("T")

Mac = str | bytes
Ip = str | IPv4Address
Ips = Ip | list[Ip] | tuple[Ip, ...]


class Unchanged(enum.Enum):
    """The default of a write's argument where None has a meaning of its own (``ends=None``
    is "never"): :data:`UNCHANGED` leaves the attribute as it is."""

    UNCHANGED = "unchanged"


#: Leave the attribute as it is (``leases.update``'s ``ends`` default).
UNCHANGED: Final = Unchanged.UNCHANGED


class Sync:
    """The mode of a collection whose methods return their results."""


class Async:
    """The mode of a collection whose methods return awaitables of their results."""


ModeT = TypeVar("ModeT", Sync, Async)
NamedT = TypeVar("NamedT", Group, Class)


class SyncExecutor(Protocol):
    """Runs an operation to its result. ``read`` says whether it only reads (a read may be
    retried once on a new connection, a write never); ``function`` names it (``"hosts.get"``)
    for errors and logs.

    The contract every executor keeps (:class:`dhcpctl._sync.SyncExecutor` is the reference):
    send each request the generator yields; send back a :class:`~dhcpctl._exchange.Reply`
    whose ``values`` are exactly the object values the server's UPDATE carried (for an OPEN;
    empty for a STATUS) and whose ``target`` a later Update/Remove can use; for a status other
    than success, throw :func:`dhcpctl._operations.reply_error`'s error into the generator;
    for a lost connection or the call's deadline, throw ConnectionLost or Timeout into it
    (an operation may catch them: ``shutdown`` does); log one DEBUG line per request with
    :func:`dhcpctl._operations.describe`.
    """

    def run(self, operation: Operation[T], *, read: bool, function: str) -> T: ...


class AsyncExecutor(Protocol):
    """As :class:`SyncExecutor`, giving an awaitable of the result."""

    def run(self, operation: Operation[T], *, read: bool, function: str) -> Awaitable[T]: ...


class Collection(Generic[ModeT]):
    """The base of every collection: an executor and the collection's name (for messages)."""

    name: ClassVar[str]

    def __init__(self, executor: SyncExecutor | AsyncExecutor) -> None:
        self._executor = executor


#: What help() adds to every collection method's docstring: what a call gives on each client
#: and the errors every call may raise (each method's own text names the others).
CALLS: Final = """On dhcpctl.Client a call returns the result its signature names; on
dhcpctl.aio.Client it returns an awaitable of it. Every call raises ValueError, naming the
field and the value, for a value it cannot encode or dhcpd could not take safely, before
anything is sent; Timeout (a TimeoutError) when no answer came within the client's timeout
(seconds); ConnectionLost (a ConnectionError) when the connection could not be made or ended
before the answer; AuthenticationFailed when dhcpd refuses the key; and for dhcpd's other
refusals the OmapiError subclasses of dhcpctl._errors (NotFound, AlreadyExists, KeyConflict,
InvalidValue, PermissionDenied...)."""


#: What help() adds to the docstring of a method that takes ``statements``.
STATEMENTS: Final = """statements (str) is dhcpd.conf text checked before sending
(dhcpctl._guards.check_statements): only simple statements ending in ';' pass, 'option NAME
VALUE;' (or supersede, default, append, prepend), one of dhcpd's parameters
('default-lease-time 600;', 'ddns-hostname "web-1";') and 'allow/deny/ignore WORD;', each
value checked against its option's format. Any other statement ('set foo = "bar";',
'fixed-address ...;': give ip=), block (if, on, switch) or expression raises ValueError quoting
it: dhcpd 4.4.3-P1 crashed on such texts, dropped them while answering success, or wrote them
to its leases file in a form it cannot read back (the measurements: dhcpctl._guards)."""


def _shown_result(annotation: object) -> object:
    """What a call returns, for help(): ``'Operation[Lease]'`` (the generator's type, as
    ``from __future__ import annotations`` keeps it) as ``'Lease'``; :data:`NamedT` as the
    types it stands for."""
    text = str(annotation)
    if not (text.startswith("Operation[") and text.endswith("]")):
        return annotation
    result = text[len("Operation[") : -1]
    if result == NamedT.__name__:
        return " | ".join(each.__name__ for each in NamedT.__constraints__)
    return result


class OperationMethod(Generic[P, T]):
    """The descriptor :func:`operation` makes of a collection's generator function."""

    def __init__(self, func: Callable[Concatenate[Any, P], Operation[T]], read: bool) -> None:
        self._name = func.__name__

        #: The function's name in errors, per collection class (``Leases.get``: "leases.get").
        labels: dict[type, str] = {}

        @functools.wraps(func)
        def call(instance: Collection[Any], /, *args: Any, **kwargs: Any) -> Any:
            cls = instance.__class__
            label = labels.get(cls) or labels.setdefault(cls, f"{cls.name}.{self._name}")
            return instance._executor.run(
                func(instance, *args, **kwargs), read=read, function=label
            )

        signature = inspect.signature(func)
        notes = (STATEMENTS, CALLS) if "statements" in signature.parameters else (CALLS,)
        call.__doc__ = "\n\n".join((inspect.cleandoc(func.__doc__ or ""), *notes))
        shown = signature.replace(return_annotation=_shown_result(signature.return_annotation))
        call.__signature__ = shown  # type: ignore[attr-defined]

        #: What the collection's method calls, made once: each access binds it (a method
        #: object, a fraction of what ``functools.wraps`` costs per call). Not kept on the
        #: instance: a method held there would hold the instance, and a client dropped without
        #: close() would keep its connection until the garbage collector's next cycle.
        self._call = call

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type) -> OperationMethod[P, T]: ...

    @overload
    def __get__(self, instance: Collection[Sync], owner: type) -> Callable[P, T]: ...

    @overload
    def __get__(self, instance: Collection[Async], owner: type) -> Callable[P, Awaitable[T]]: ...

    def __get__(self, instance: Collection[Any] | None, owner: type) -> Any:
        if instance is None:
            return self
        return MethodType(self._call, instance)


def operation(
    *, read: bool
) -> Callable[[Callable[Concatenate[Any, P], Operation[T]]], OperationMethod[P, T]]:
    """Make a collection's generator function a method run by the collection's executor."""

    def decorate(func: Callable[Concatenate[Any, P], Operation[T]]) -> OperationMethod[P, T]:
        return OperationMethod(func, read)

    return decorate


class Leases(Collection[ModeT]):
    """``omapi.leases``: dhcpd's leases (OMAPI type ``lease``). dhcpd cannot create or delete
    a lease over OMAPI (server/omapi.c dhcp_lease_create, dhcp_lease_remove)."""

    name = "leases"

    @operation(read=True)
    def get(
        self,
        *,
        ip: Ip | None = None,
        mac: Mac | None = None,
        uid: bytes | None = None,
        hardware_type: int | None = None,
    ) -> Operation[Lease]:
        """The lease of ``ip``, ``mac`` or ``uid`` (several keys must name the same lease:
        KeyConflict otherwise). NotFound if none; MultipleMatches if ``mac`` or ``uid`` has
        several leases, even beside ``ip`` (dhcp_lease_lookup): ask by ``ip`` alone.
        ``hardware_type`` (int) is the type of ``mac`` (1, Ethernet, by default; dhcpd
        finds a hardware address with its type: 6 for token ring...)."""
        keys = ops.lookup_keys(LEASE, (("ip", ip), *_mac_keys(mac, hardware_type), ("uid", uid)))
        return (yield from ops.get(LEASE, keys))

    @operation(read=False)
    def update(
        self,
        /,
        *,
        ip: Ip | None = None,
        mac: Mac | None = None,
        uid: bytes | None = None,
        hardware_type: int | None = None,
        state: LeaseState | int | str | None = None,
        ends: datetime | Unchanged | None = UNCHANGED,
        flags: int | None = None,
        **attributes: object,
    ) -> Operation[Lease]:
        """Change the lease ``ip``/``mac``/``uid`` names (``hardware_type``, the type of
        ``mac``, as in :meth:`get`): its ``state`` (a :class:`LeaseState`, its number or its
        name in any case, ``"active"``; another raises ValueError naming ``state`` before
        anything is sent), ``ends`` (a tz-aware
        datetime, a fraction of a second dropped, before 2038-01-19 03:14:07 UTC, ISC's
        ``MAX_TIME``; None for "never"; left as it is by default) or ``flags`` (dhcpd keeps
        only its ephemeral flags), the only attributes dhcpd 4.4.3-P1 changes; the lease as
        dhcpd then sends it. ``attributes`` takes any other attribute of :class:`Lease` by its
        field name: those dhcpd refuses (``ip_address``, ``starts``, ``pool``) give
        PermissionDenied or InvalidValue from dhcpd, those it would silently ignore a
        ValueError here.

        dhcpd applies a new ``ends`` or ``flags`` by moving the lease on to its next binding
        state (free, for a lease it made active; ``server/omapi.c`` dhcp_lease_set_value and
        update_lease_flags, ``server/mdb.c`` supersede_lease) and loses a state sent with them:
        so ``state`` goes in an UPDATE of its own, after the other changes and a new lookup
        (two more requests), and is the state that stays; without ``state``, a new ``ends`` or
        ``flags`` may free an active lease. Raises StateNotKept (the lease as dhcpd then holds
        it, the other changes made) where dhcpd still holds the lease in another state: a
        lease whose ``ends`` is past cannot stay active (supersede_lease runs pool_timer)."""
        keys = ops.lookup_keys(LEASE, (("ip", ip), *_mac_keys(mac, hardware_type), ("uid", uid)))
        changes: Values = encode(LEASE, (("flags", flags), *attributes.items()))
        if ends is not UNCHANGED:
            new_ends = LEASE.by_field("ends").codec.encode(ends, "ends")
            changes = (("ends", new_ends), *changes)
        asked: Values = encode(LEASE, (("state", state),))
        # The state as the member it was encoded from (a name or number too), before sending.
        wanted = LEASE_STATE.decode(asked[0][1]) if asked else None
        lease: Lease = yield from ops.update(LEASE, keys, changes, then=asked)
        if wanted is not None and lease.state is not wanted:
            raise _state_not_kept(keys, wanted, lease)
        return lease


def _state_not_kept(keys: Values, asked: LeaseState, lease: Lease) -> StateNotKept:
    """What dhcpd did with the ``asked`` state of the lease ``keys`` name: holds ``lease``."""
    held = "no state" if lease.state is None else lease.state.name.lower()
    why = "dhcpd moved it on to its next state (server/mdb.c supersede_lease)"
    if lease.ends is not None and lease.ends <= datetime.now(timezone.utc):
        why = (
            f"its ends ({lease.ends}) is past, and dhcpd moves such a lease on to its next "
            "state at once (server/mdb.c supersede_lease, pool_timer): give a later ends with "
            "the state"
        )
    error = StateNotKept(
        "leases.update",
        ISC_R_FAILURE,
        f"asked {asked.name.lower()}, dhcpd holds it {held}: {why}",
        request=ops.describe(Open(LEASE.object_type, keys)),
    )
    error.lease, error.asked = lease, asked
    return error


class Hosts(Collection[ModeT]):
    """``omapi.hosts``: host declarations (OMAPI type ``host``). The ``statements`` their
    writes take: :data:`STATEMENTS`."""

    name = "hosts"

    @operation(read=False)
    def create(
        self,
        name: str,
        *,
        mac: Mac | None = None,
        ip: Ips | None = None,
        uid: bytes | None = None,
        hardware_type: int | None = None,
        statements: str | None = None,
        group: str | None = None,
    ) -> Operation[Host]:
        """A new host ``name`` (DHCPCTL_CREATE|DHCPCTL_EXCL). It needs a ``mac`` or a ``uid``
        (dhcpd refuses a host without: dhcp_host_signal_handler); ``hardware_type`` defaults
        to 1 (Ethernet) with a ``mac``; ``ip`` is one address or a list (``fixed-address``).
        AlreadyExists if a host of that name exists (with this MAC and uid, or with none
        another host has); KeyConflict if another host, of another name or of none given
        here, has that MAC (of that hardware type) or uid: dhcpd looks the new host up by uid,
        MAC and name and finds different hosts, or one by some keys and none by the others
        (server/omapi.c dhcp_host_lookup; :meth:`put` replaces them)."""
        values = encode(HOST, _host_fields(name, mac, ip, uid, hardware_type, statements, group))
        return (yield from ops.create(HOST, values))

    @operation(read=True)
    def get(
        self,
        *,
        name: str | None = None,
        mac: Mac | None = None,
        uid: bytes | None = None,
        ip: Ip | None = None,
        hardware_type: int | None = None,
    ) -> Operation[Host]:
        """The host of ``name``, ``mac``, ``uid`` or ``ip``. NotFound if none; KeyConflict if
        the keys name different hosts. ``ip`` finds the host whose hardware address holds the
        lease of that address (server/omapi.c dhcp_host_lookup), not a host's fixed address.
        ``hardware_type`` (int) is the type of ``mac``: 1 (Ethernet) by default; dhcpd finds a
        hardware address with its type, so a host created with another one is found by that
        one only."""
        keys = _host_keys(name, mac, hardware_type, uid, ip)
        return (yield from ops.get(HOST, keys))

    @operation(read=False)
    def update(
        self,
        name: str | None = None,
        *,
        mac: Mac | None = None,
        uid: bytes | None = None,
        ip: Ips | None = None,
        hardware_type: int | None = None,
        statements: str | None = None,
        group: str | None = None,
    ) -> Operation[Host]:
        """Change the host ``name``, ``mac`` or ``uid`` names: its ``ip`` (fixed addresses),
        ``hardware_type``, ``group``, or ``statements`` if it has none yet (AlreadyExists
        otherwise: dhcpd cannot replace them, nor a name, MAC or uid: use :meth:`put`).

        With ``mac``, ``hardware_type`` is the type of that MAC in the lookup (1, Ethernet, by
        default, as in :meth:`get`), not a change: to change a host's hardware type, find it
        by ``name`` or ``uid``."""
        lookup_type, new_type = (None, hardware_type) if mac is None else (hardware_type, None)
        keys = _host_keys(name, mac, lookup_type, uid, None)
        changes = encode(
            HOST,
            (
                ("ip", ip),
                ("hardware_type", new_type),
                ("statements", statements),
                ("group", group),
            ),
        )
        if not changes and name is not None and (mac is not None or uid is not None):
            raise ValueError(
                "hosts.update: name=, mac= and uid= only find the host to change; dhcpd "
                "4.4.3-P1 cannot change a host's MAC or uid in place: use hosts.put"
            )
        return (yield from ops.update(HOST, keys, changes))

    @operation(read=False)
    def put(
        self,
        name: str,
        *,
        mac: Mac | None = None,
        ip: Ips | None = None,
        uid: bytes | None = None,
        hardware_type: int | None = None,
        statements: str | None = None,
        group: str | None = None,
    ) -> Operation[Host]:
        """Create host ``name``, first deleting any host of that name, MAC or uid (dhcpd cannot
        change a host's name, MAC, uid or statements in place).

        Not atomic (OMAPI has no transaction; :func:`dhcpctl._operations.put`): a ``group``
        dhcpd does not have raises NotFound before anything is deleted; each host deleted is
        read first, and if dhcpd then refuses the create (InvalidValue for statements it
        cannot parse...), it is created again from what was read (its name, MAC, uid and
        fixed addresses; its statements and group are lost, dhcpd does not send them) and the
        error says so, or says that it is gone and gives its values if that failed too; so
        after a Timeout or ConnectionLost before the create is sent (a lookup's or a delete's
        answer lost: the create is not sent). A Timeout or ConnectionLost of the create
        restores nothing (it may have been made) and names the hosts deleted."""
        values = encode(HOST, _host_fields(name, mac, ip, uid, hardware_type, statements, group))
        given = dict(values)
        replace: list[Values] = [
            ((isc, given[isc]),) for isc in ("name", "dhcp-client-identifier") if isc in given
        ]
        if "hardware-address" in given:
            replace.append(
                (
                    ("hardware-address", given["hardware-address"]),
                    ("hardware-type", given["hardware-type"]),
                )
            )
        return (yield from ops.put(HOST, values, replace))

    @operation(read=False)
    def delete(
        self,
        *,
        name: str | None = None,
        mac: Mac | None = None,
        uid: bytes | None = None,
        ip: Ip | None = None,
        hardware_type: int | None = None,
    ) -> Operation[None]:
        """Delete the host ``name``, ``mac`` (of ``hardware_type``), ``uid`` or ``ip`` (as
        :meth:`get`) names. NotFound if none."""
        return (yield from ops.delete(HOST, _host_keys(name, mac, hardware_type, uid, ip)))


def _mac_keys(mac: Mac | None, hardware_type: int | None) -> tuple[tuple[str, object], ...]:
    """The lookup keys of ``mac`` and its ``hardware_type`` (:func:`dhcpctl._model.encode`
    makes a missing type 1, Ethernet, as dhcpd's lookups do: server/omapi.c dhcp_host_lookup,
    dhcp_lease_lookup); ValueError for a ``hardware_type`` without a ``mac``."""
    if hardware_type is not None and mac is None:
        raise ValueError(
            f"hardware_type={hardware_type!r} without mac=: the hardware type is the type of "
            "the MAC a lookup gives"
        )
    if hardware_type is None:
        return (("mac", mac),)
    return (("mac", mac), ("hardware_type", hardware_type))


def _host_keys(
    name: str | None,
    mac: Mac | None,
    hardware_type: int | None,
    uid: bytes | None,
    ip: Ip | None,
) -> Values:
    """The wire lookup keys of a host (ValueError as :func:`dhcpctl._operations.lookup_keys`
    and :func:`_mac_keys`)."""
    return ops.lookup_keys(
        HOST, (("name", name), *_mac_keys(mac, hardware_type), ("uid", uid), ("ip", ip))
    )


def _host_fields(
    name: str,
    mac: Mac | None,
    ip: Ips | None,
    uid: bytes | None,
    hardware_type: int | None,
    statements: str | None,
    group: str | None,
) -> tuple[tuple[str, object], ...]:
    """A new host's fields; ValueError without ``mac`` and ``uid``."""
    if mac is None and uid is None:
        raise ValueError(
            f"host {shorten(name)} needs mac= or uid=: dhcpd refuses a host without an identifier"
        )
    return (
        ("name", name),
        ("mac", mac),
        ("hardware_type", hardware_type),
        ("uid", uid),
        ("ip", ip),
        ("statements", statements),
        ("group", group),
    )


class _Named(Collection[ModeT], Generic[ModeT, NamedT]):
    """A collection of objects looked up by their ``name``: get and delete, once."""

    schema: ClassVar[Schema[Any]]

    @operation(read=True)
    def get(self, name: str) -> Operation[NamedT]:
        """The object ``name`` (a :class:`~dhcpctl.Group` from ``omapi.groups``, a
        :class:`~dhcpctl.Class` from ``omapi.classes``). NotFound if none."""
        keys = ops.lookup_keys(self.schema, (("name", name),))
        found: NamedT = yield from ops.get(self.schema, keys)
        return found

    @operation(read=False)
    def delete(self, name: str) -> Operation[None]:
        """Delete the object ``name``. NotFound if none."""
        return (yield from ops.delete(self.schema, ops.lookup_keys(self.schema, (("name", name),))))


class Groups(_Named[ModeT, Group]):
    """``omapi.groups``: named groups (OMAPI type ``group``; common/comapi.c): ``get(name)``,
    ``delete(name)`` and :meth:`create`."""

    name = "groups"
    schema = GROUP

    @operation(read=False)
    def create(self, name: str, *, statements: str) -> Operation[Group]:
        """A new group ``name`` (str) with ``statements`` (str, required: dhcpd 4.4.3-P1 makes
        the group's declarations from them and refuses a group without, answering "can't
        update object": common/comapi.c dhcp_group_signal_handler, no ``group->group`` until
        dhcp_group_set_value parsed statements): a call without it raises TypeError.
        AlreadyExists if it exists; ValueError for statements that are None or that the client
        refuses (only option, parameter and allow/deny statements: :data:`STATEMENTS`), before
        anything is sent."""
        if statements is None:
            raise ValueError(
                f"group {shorten(name)} needs statements= (such as 'default-lease-time 600;'): "
                "dhcpd 4.4.3-P1 refuses a group without ('can't update object'; "
                "common/comapi.c dhcp_group_signal_handler)"
            )
        values = encode(GROUP, (("name", name), ("statements", statements)))
        return (yield from ops.create(GROUP, values))


class Classes(_Named[ModeT, Class]):
    """``omapi.classes``: classes (OMAPI type ``class``; server/omapi.c): ``get(name)``,
    ``delete(name)`` and :meth:`create`."""

    name = "classes"
    schema = CLASS

    @operation(read=False)
    def create(self, name: str, *, group: str | None = None) -> Operation[Class]:
        """A new class ``name`` (in the named ``group``). AlreadyExists if it exists."""
        values = encode(CLASS, (("name", name), ("group", group)))
        return (yield from ops.create(CLASS, values))


class Subclasses(Collection[ModeT]):
    """``omapi.subclasses``: subclasses of a class, by the bytes they match (OMAPI type
    ``subclass``; server/omapi.c)."""

    name = "subclasses"

    @operation(read=False)
    def create(
        self, class_name: str, data: bytes, *, group: str | None = None
    ) -> Operation[Subclass]:
        """A new subclass of class ``class_name`` matching ``data``. NotFound if there is no
        such class."""
        values = encode(SUBCLASS, (("class_name", class_name), ("data", data), ("group", group)))
        return (yield from ops.create(SUBCLASS, values))

    @operation(read=True)
    def get(self, class_name: str, data: bytes) -> Operation[Subclass]:
        """The subclass of ``class_name`` matching ``data``. NotFound if none."""
        keys = ops.lookup_keys(SUBCLASS, (("class_name", class_name), ("data", data)))
        return (yield from ops.get(SUBCLASS, keys))

    @operation(read=False)
    def delete(self, class_name: str, data: bytes) -> Operation[None]:
        """Delete the subclass of ``class_name`` matching ``data``. NotFound if none."""
        keys = ops.lookup_keys(SUBCLASS, (("class_name", class_name), ("data", data)))
        return (yield from ops.delete(SUBCLASS, keys))


class Failover(Collection[ModeT]):
    """``omapi.failover``: failover peers' states (OMAPI type ``failover-state``;
    server/failover.c)."""

    name = "failover"

    @operation(read=True)
    def get(self, name: str) -> Operation[FailoverState]:
        """The state of the failover peer ``name`` (its ``failover peer "name"`` declaration).
        NotFound if none; ValueError for an empty name, before anything is sent."""
        if not name:
            raise ValueError(
                "failover peer name '': dhcpd finds a failover-state by its peer's name "
                '(failover peer "name" in dhcpd.conf)'
            )
        keys = ops.lookup_keys(FAILOVER_STATE, (("name", name),))
        return (yield from ops.get(FAILOVER_STATE, keys))


class Collections(Generic[ModeT]):
    """The collections of a typed client, all in one mode over one executor: the base of
    :class:`dhcpctl.Client` (``Collections[Sync]``) and ``dhcpctl.aio.Client``
    (``Collections[Async]``)."""

    leases: Leases[ModeT]
    hosts: Hosts[ModeT]
    groups: Groups[ModeT]
    classes: Classes[ModeT]
    subclasses: Subclasses[ModeT]
    failover: Failover[ModeT]

    def _attach(self, executor: SyncExecutor | AsyncExecutor) -> None:
        """Make the collections, each running its operations through ``executor``."""
        self.leases = Leases(executor)
        self.hosts = Hosts(executor)
        self.groups = Groups(executor)
        self.classes = Classes(executor)
        self.subclasses = Subclasses(executor)
        self.failover = Failover(executor)
