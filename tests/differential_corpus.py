"""Two backends side by side, and what dhcpd 4.4.3-P1 does with hosts and groups, as a model.

:class:`Twin` runs one call sequence on both backends (each against its own connection) and
asserts that every outcome, a return value or a raised exception, is the same. :class:`Model`
predicts the server's statuses from ISC's source (``server/omapi.c`` dhcp_host_*,
``server/mdb.c`` enter_host/delete_host, ``common/comapi.c`` dhcp_group_*,
``omapip/message.c`` OMAPI_OP_OPEN/UPDATE) and the values a client handle holds
(``omapip/generic.c``: changed marks, cleared and null values dropped by a server update).
:data:`SCENARIOS` are fixed call sequences as data, for :func:`run_scenario`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from scenario_helpers import (
    TIMEOUT,
    Value,
    get,
    ip,
    refresh,
    remove,
    set_values,
    uint32,
    update,
)

import dhcpctl
from dhcpctl._api import Backend, DataString, Handle
from testbed.server import Endpoint

CREATE_EXCL = dhcpctl.DHCPCTL_CREATE | dhcpctl.DHCPCTL_EXCL
SUCCESS = dhcpctl.ISC_R_SUCCESS

#: A value to set, or None for ``dhcpctl_set_null_value``.
Setting = Value | None


@dataclass(frozen=True)
class Outcome:
    """What one call did: ``returned`` and its value (data strings as bytes), or the name of
    the exception it raised and, for a DhcpctlError, its status."""

    kind: str
    value: object = None

    @classmethod
    def of(cls, call: Callable[[], object]) -> Outcome:
        try:
            result = call()
        except dhcpctl.DhcpctlError as error:
            return cls("DhcpctlError", error.status)
        except (TypeError, ValueError, OverflowError) as error:
            return cls(type(error).__name__)
        if isinstance(result, DataString):
            return cls("returned", bytes(result))
        return cls("returned", result)


def returned(value: object) -> Outcome:
    return Outcome("returned", value)


def raised(status: int) -> Outcome:
    return Outcome("DhcpctlError", status)


@dataclass
class Side:
    """One backend and its connection."""

    name: str
    backend: Backend
    endpoint: Endpoint
    connection: Handle


@dataclass
class TwinHandle:
    """The same object as each side's handle to it, in the order of :attr:`Twin.sides`."""

    handles: list[Handle]


class Twin:
    """Runs each call on every side and asserts the outcomes are equal."""

    def __init__(self, sides: Sequence[Side]) -> None:
        self.sides = tuple(sides)

    def run(self, what: str, call: Callable[[Side, int], object]) -> Outcome:
        outcomes = [Outcome.of(partial(call, side, i)) for i, side in enumerate(self.sides)]
        names = [side.name for side in self.sides]
        assert all(o == outcomes[0] for o in outcomes), (
            f"{what}: {dict(zip(names, outcomes, strict=True))}"
        )
        return outcomes[0]

    def open(
        self, object_type: str, values: Sequence[tuple[str, Setting]], flags: int
    ) -> tuple[TwinHandle, Outcome]:
        made: list[Handle] = []

        def call(side: Side, _: int) -> int:
            handle = side.backend.dhcpctl_new_object(side.connection, object_type)
            made.append(handle)
            assign(side.backend, handle, values)
            side.backend.dhcpctl_open_object(handle, side.connection, flags)
            return side.backend.dhcpctl_timed_wait_for_completion(handle, TIMEOUT)

        outcome = self.run(f"open {object_type} {values} flags={flags}", call)
        return TwinHandle(made), outcome

    def update(self, target: TwinHandle, values: Sequence[tuple[str, Setting]]) -> Outcome:
        def call(side: Side, i: int) -> int:
            assign(side.backend, target.handles[i], values)
            return update(side.backend, side.connection, target.handles[i], {})

        return self.run(f"update {values}", call)

    def refresh(self, target: TwinHandle) -> Outcome:
        return self.run("refresh", lambda s, i: refresh(s.backend, s.connection, target.handles[i]))

    def remove(self, target: TwinHandle) -> Outcome:
        return self.run("remove", lambda s, i: remove(s.backend, s.connection, target.handles[i]))

    def read(self, target: TwinHandle, name: str) -> Outcome:
        return self.run(f"get {name}", lambda s, i: get(s.backend, target.handles[i], name))


def algorithm_variants(algorithm: str) -> list[tuple[str, bool]]:
    """Spellings of a key's ``algorithm`` for ``dhcpctl_new_authenticator``, each with whether
    the server takes it: any case of the name, bare or with ``.SIG-ALG.REG.INT.``
    (omapip/auth.c omapi_auth_key_lookup compares ignoring case); nothing else."""
    full = algorithm + ".SIG-ALG.REG.INT."
    return [
        (algorithm, True),
        (algorithm.upper(), True),
        (full, True),
        (full.lower(), True),
        (full[:-1], False),
        (algorithm + ".", False),
        ("hmac-md4", False),
    ]


def assign(backend: Backend, handle: Handle, values: Sequence[tuple[str, Setting]]) -> None:
    """Set ``values`` in order; None through ``dhcpctl_set_null_value``."""
    for name, value in values:
        if value is None:
            backend.dhcpctl_set_null_value(handle, name)
        else:
            set_values(backend, handle, {name: value})


def wire(value: Setting) -> bytes | None:
    """What the handle holds after setting ``value`` (ints are 4 big-endian bytes)."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, int):
        return uint32(value & 0xFFFF_FFFF)
    return bytes(value)


# --- the model ---------------------------------------------------------------------------------


@dataclass(eq=False)
class ModelGroup:
    """A group object on the server. ``cloned``: it has its own ``group->group``."""

    name: bytes | None = None
    cloned: bool = False
    has_statements: bool = False
    removed: bool = False
    #: Bumped whenever ``group->group`` is replaced; hosts remember the one they joined.
    generation: int = 0

    def sent(self) -> list[tuple[str, bytes]]:
        """comapi.c dhcp_group_stuff_values."""
        return [] if self.name is None else [("name", self.name)]


@dataclass(eq=False)
class ModelHost:
    name: bytes | None = None
    mac: bytes | None = None
    #: ``interface.hbuf[0]``: 0 until hardware-type is set, part of the MAC's hash key.
    hardware_type: int = 0
    uid: bytes | None = None
    address: bytes | None = None
    own_statements: bool = False
    group: ModelGroup | None = None
    group_generation: int = 0
    deleted: bool = False

    @property
    def mac_key(self) -> bytes | None:
        """The host_hw_addr_hash key: hardware type, then the MAC."""
        return None if self.mac is None else bytes([self.hardware_type]) + self.mac

    def sent(self) -> list[tuple[str, bytes]]:
        """omapi.c dhcp_host_stuff_values, in its order."""
        values: list[tuple[str, bytes]] = []
        if self.address is not None:
            values.append(("ip-address", self.address))
        if self.uid is not None:
            values.append(("dhcp-client-identifier", self.uid))
        if self.name is not None:
            values.append(("name", self.name))
        if self.mac is not None:
            values += [
                ("hardware-address", self.mac),
                ("hardware-type", uint32(self.hardware_type)),
            ]
        return values


Target = ModelHost | ModelGroup


@dataclass
class ModelHandle:
    """A client handle: omapi_generic_object_t's value slots and changed marks."""

    target: Target
    slots: list[tuple[str, bytes | None] | None] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)

    def set(self, name: str, value: bytes | None) -> None:
        """generic.c omapi_generic_set_value: replace in place, else the first free slot."""
        for i, slot in enumerate(self.slots):
            if slot is not None and slot[0] == name:
                self.slots[i] = (name, value)
                break
        else:
            free = next((i for i, slot in enumerate(self.slots) if slot is None), None)
            if free is None:
                self.slots.append((name, value))
            else:
                self.slots[free] = (name, value)
        self.changed.add(name)

    def pending(self) -> list[tuple[str, bytes | None]]:
        """What an update sends (generic_stuff_values): the changed values in slot order."""
        return [slot for slot in self.slots if slot is not None and slot[0] in self.changed]

    def server_update(self) -> None:
        """The server's update (open, refresh) sets its values, then remote.c clears marks."""
        for name, value in self.target.sent():
            self.set(name, value)
        self.changed.clear()
        self.slots = [slot if slot is None or slot[1] is not None else None for slot in self.slots]

    def get(self, name: str) -> Outcome:
        """dhcpctl_get_value: a null or missing value is ISC_R_NOTFOUND (generic.c)."""
        for slot in self.slots:
            if slot is not None and slot[0] == name:
                return raised(dhcpctl.ISC_R_NOTFOUND) if slot[1] is None else returned(slot[1])
        return raised(dhcpctl.ISC_R_NOTFOUND)


def statements_parse(text: bytes) -> bool:
    """Whether dhcpd's parse_executable_statements takes the statements this suite sends."""
    return text in VALID_STATEMENTS


VALID_STATEMENTS = frozenset(
    f"{keyword} {seconds};".encode()
    for keyword in ("default-lease-time", "max-lease-time")
    for seconds in (60, 300, 3600)
)
#: dhcpd's parser takes most junk ("}", "zzz;", "default-lease-time ;"); an open "if" it refuses.
INVALID_STATEMENTS = (b"if {", b"if (")


class Model:
    """What exists on one server, for names, MACs and client ids of one example.

    ``exact`` turns False when the server's state leaves what the model follows (two hosts
    sharing a MAC or client id chain through ``n_ipaddr`` in mdb.c, a removed object entered
    again); predictions are None from then on and only the backends are compared.
    """

    def __init__(self) -> None:
        self.names: dict[bytes, ModelHost] = {}
        self.macs: dict[bytes, ModelHost] = {}
        self.uids: dict[bytes, ModelHost] = {}
        self.groups: dict[bytes, ModelGroup] = {}
        self.exact = True

    # omapi.c dhcp_host_lookup, for the keys this suite sends (no lease holds its addresses).
    def lookup_host(self, keys: dict[str, bytes | None]) -> tuple[int, ModelHost | None]:
        found: ModelHost | None = None
        if "dhcp-client-identifier" in keys:
            found = self.uids.get(keys["dhcp-client-identifier"] or b"")
            if found is None:
                return dhcpctl.ISC_R_NOTFOUND, None
        if "hardware-address" in keys:
            # The suite always sends hardware-type 1 with a MAC key.
            host = self.macs.get(b"\x01" + (keys["hardware-address"] or b""))
            if found is not None and found is not host:
                return dhcpctl.DHCP_R_KEYCONFLICT, None
            if host is None:
                return dhcpctl.ISC_R_NOTFOUND, None
            found = host
        if "ip-address" in keys and found is None:
            return dhcpctl.ISC_R_NOTFOUND, None
        if "name" in keys:
            host = self.names.get(keys["name"] or b"")
            if found is not None and found is not host:
                return dhcpctl.DHCP_R_KEYCONFLICT, None
            if host is None:
                return dhcpctl.ISC_R_NOTFOUND, None
            found = host
        if found is None:
            return dhcpctl.DHCP_R_NOKEYS, None
        return SUCCESS, found

    def lookup_group(self, keys: dict[str, bytes | None]) -> tuple[int, ModelGroup | None]:
        """comapi.c dhcp_group_lookup."""
        if "name" not in keys:
            return dhcpctl.DHCP_R_NOKEYS, None
        group = self.groups.get(keys["name"] or b"")
        return (SUCCESS, group) if group is not None else (dhcpctl.ISC_R_NOTFOUND, None)

    def set_host_value(self, host: ModelHost, name: str, value: bytes | None) -> int:
        """omapi.c dhcp_host_set_value."""
        if name == "ip-address":
            host.address = value
            return SUCCESS
        if name == "hardware-type":
            assert value is not None and len(value) == 4
            host.hardware_type = value[3]
            return SUCCESS
        if value is None:
            return dhcpctl.DHCP_R_INVALIDARG
        if name in ("name", "hardware-address", "dhcp-client-identifier"):
            attribute = {"name": "name", "hardware-address": "mac"}.get(name, "uid")
            if getattr(host, attribute) is not None:
                return dhcpctl.ISC_R_EXISTS
            setattr(host, attribute, value)
            return SUCCESS
        if name == "group":
            group = self.groups.get(value)
            if group is None:
                return dhcpctl.ISC_R_NOTFOUND
            host.group, host.group_generation, host.own_statements = group, group.generation, False
            return SUCCESS
        if name == "statements":
            joined = host.group is not None and host.group_generation != host.group.generation
            if host.own_statements or joined:
                return dhcpctl.ISC_R_EXISTS
            if not statements_parse(value):
                return dhcpctl.DHCP_R_BADPARSE
            host.own_statements = True
            return SUCCESS
        return dhcpctl.DHCP_R_UNKNOWNATTRIBUTE

    def set_group_value(self, group: ModelGroup, name: str, value: bytes | None) -> int:
        """comapi.c dhcp_group_set_value (a null value would crash dhcpd: never sent)."""
        assert value is not None
        if name == "name":
            if group.name is not None:
                return dhcpctl.ISC_R_EXISTS
            group.name = value
            return SUCCESS
        if name == "statements":
            if group.cloned and group.has_statements:
                return dhcpctl.ISC_R_EXISTS
            if not group.cloned:
                group.cloned, group.generation = True, group.generation + 1
            if not statements_parse(value):
                return dhcpctl.DHCP_R_BADPARSE
            group.has_statements = True
            return SUCCESS
        return dhcpctl.ISC_R_NOTFOUND

    def host_updated(self, host: ModelHost) -> int:
        """dhcp_host_signal_handler "updated", then mdb.c enter_host."""
        if host.mac is None and host.uid is None:
            return dhcpctl.DHCP_R_INVALIDARG
        assert host.name is not None
        other = self.names.get(host.name)
        if other is not None and other is not host:
            return dhcpctl.ISC_R_EXISTS
        if host.deleted:
            self.exact = False  # back in the hash tables, still marked deleted
            return SUCCESS
        self.names[host.name] = host
        for index, key in ((self.macs, host.mac_key), (self.uids, host.uid)):
            if key is not None and index.setdefault(key, host) is not host:
                self.exact = False  # mdb.c chains the two hosts
        return SUCCESS

    def group_updated(self, group: ModelGroup) -> int:
        """dhcp_group_signal_handler "updated", then memory.c supersede_group."""
        if not group.cloned:
            return dhcpctl.DHCP_R_INVALIDARG
        if group.name is None:
            group.name = b"(generated)"  # ng%08lx%08lx: never one of this suite's names
        if not group.removed:
            self.groups[group.name] = group
        return SUCCESS

    def open(
        self, object_type: str, values: Sequence[tuple[str, bytes | None]], flags: int
    ) -> tuple[int, Target | None]:
        """message.c OMAPI_OP_OPEN."""
        keys = dict(values)
        found: Target | None
        if object_type == "host":
            status, found = self.lookup_host(keys)
        else:
            status, found = self.lookup_group(keys)
        if status not in (SUCCESS, dhcpctl.ISC_R_NOTFOUND, dhcpctl.DHCP_R_NOKEYS):
            return status, None
        create = bool(flags & dhcpctl.DHCPCTL_CREATE)
        if status == dhcpctl.ISC_R_NOTFOUND and not create:
            return status, None
        if status == SUCCESS and create and flags & dhcpctl.DHCPCTL_EXCL:
            return dhcpctl.ISC_R_EXISTS, None
        target = (
            found if found is not None else (ModelHost() if object_type == "host" else ModelGroup())
        )
        if create or flags & dhcpctl.DHCPCTL_UPDATE:
            status = self.apply(target, values)
            if status != SUCCESS:
                return status, None
        return SUCCESS, target

    def apply(self, target: Target, values: Sequence[tuple[str, bytes | None]]) -> int:
        """support.c omapi_object_update: set each value, stop at the first refusal, signal."""
        for name, value in values:
            if isinstance(target, ModelHost):
                status = self.set_host_value(target, name, value)
            else:
                status = self.set_group_value(target, name, value)
            if status != SUCCESS:
                return status
        if isinstance(target, ModelHost):
            return self.host_updated(target)
        return self.group_updated(target)

    def remove(self, target: Target) -> int:
        """omapi.c dhcp_host_remove (mdb.c delete_host), comapi.c dhcp_group_remove."""
        if isinstance(target, ModelHost):
            if not target.deleted:
                target.deleted = True
                for index, key in (
                    (self.names, target.name),
                    (self.macs, target.mac_key),
                    (self.uids, target.uid),
                ):
                    if key is not None and index.get(key) is target:
                        del index[key]
            return SUCCESS
        if target.name is not None and self.groups.get(target.name) is target:
            del self.groups[target.name]
        target.removed, target.name, target.has_statements = True, None, False
        if target.cloned:
            target.cloned, target.generation = False, target.generation + 1
        return SUCCESS

    def predict(self, status: int) -> Outcome | None:
        return returned(status) if self.exact else None

    def predict_by_handle(self, target: Target, status: int) -> Outcome | None:
        """A request naming the object by handle: after a remove the server answers
        ISC_R_NOTFOUND (seen from both backends), so the model stops predicting then."""
        if target.deleted if isinstance(target, ModelHost) else target.removed:
            self.exact = False
        return self.predict(status)


def check(outcome: Outcome, predicted: Outcome | None, what: str) -> None:
    """The backends agreed on ``outcome``; it must also be the model's prediction, if any."""
    assert predicted is None or outcome == predicted, f"{what}: got {outcome}, C gives {predicted}"


# --- scenarios as data -------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """``op`` is open, update, refresh, remove or get; ``ref`` names the handle it acts on
    (open stores its handle under ``ref``)."""

    op: str
    ref: str
    object_type: str = ""
    values: tuple[tuple[str, Setting], ...] = ()
    flags: int = 0


def run_scenario(twin: Twin, steps: Sequence[Step]) -> list[Outcome]:
    """Every step on both backends: the transcript of agreed outcomes."""
    handles: dict[str, TwinHandle] = {}
    transcript: list[Outcome] = []
    for step in steps:
        if step.op == "open":
            handles[step.ref], outcome = twin.open(step.object_type, step.values, step.flags)
        elif step.op == "update":
            outcome = twin.update(handles[step.ref], step.values)
        elif step.op == "refresh":
            outcome = twin.refresh(handles[step.ref])
        elif step.op == "remove":
            outcome = twin.remove(handles[step.ref])
        else:
            outcome = twin.read(handles[step.ref], str(step.values[0][0]))
        transcript.append(outcome)
    return transcript


_MAC = bytes.fromhex("020000c0ffee")
#: Without hardware-type the server keys the MAC as type 0, lookups as 1 (ethernet).
_ETHER = (("hardware-address", _MAC), ("hardware-type", 1))
_UID = b"\x00\xff\x00corpus"

#: name -> (steps, the transcript ISC's source predicts)
SCENARIOS: dict[str, tuple[list[Step], list[Outcome]]] = {
    "host-lifecycle": (
        [
            Step("open", "h", "host", (("name", "c-h"), *_ETHER), CREATE_EXCL),
            Step("get", "h", values=(("hardware-type", None),)),
            Step("update", "h", values=(("ip-address", ip("198.18.254.3")),)),
            Step("update", "h", values=(("statements", "default-lease-time 60;"),)),
            # The statements are sent again with the next update until a refresh (generic.c).
            Step("update", "h", values=(("ip-address", None),)),
            Step("refresh", "h"),
            Step("get", "h", values=(("ip-address", None),)),
            Step("update", "h", values=(("ip-address", ip("198.18.254.4")),)),
            Step("remove", "h"),
            # After a remove, the server no longer answers for the handle: ISC_R_NOTFOUND.
            Step("remove", "h"),
            Step("open", "again", "host", (("name", "c-h"),)),
        ],
        [
            returned(SUCCESS),
            returned(uint32(1)),
            returned(SUCCESS),
            returned(SUCCESS),
            returned(dhcpctl.ISC_R_EXISTS),
            returned(SUCCESS),
            raised(dhcpctl.ISC_R_NOTFOUND),
            returned(SUCCESS),
            returned(SUCCESS),
            returned(dhcpctl.ISC_R_NOTFOUND),
            returned(dhcpctl.ISC_R_NOTFOUND),
        ],
    ),
    "client-id-first": (
        # dhcp_host_lookup tries the client id before the MAC: a new client id makes the open
        # create a second host with the MAC (NOTFOUND first); without it, the MAC's host is
        # found and a different name conflicts.
        [
            Step("open", "a", "host", (("name", "c-a"), *_ETHER), CREATE_EXCL),
            Step(
                "open",
                "b",
                "host",
                (("name", "c-b"), *_ETHER),
                CREATE_EXCL,
            ),
            Step(
                "open",
                "c",
                "host",
                (("name", "c-c"), *_ETHER, ("dhcp-client-identifier", _UID)),
                CREATE_EXCL,
            ),
            Step("open", "by-uid", "host", (("dhcp-client-identifier", _UID),)),
            Step("get", "by-uid", values=(("name", None),)),
        ],
        [
            returned(SUCCESS),
            returned(dhcpctl.DHCP_R_KEYCONFLICT),
            returned(SUCCESS),
            returned(SUCCESS),
            returned(b"c-c"),
        ],
    ),
    "group-lifecycle": (
        [
            Step("open", "g", "group", (("name", "c-g"),), CREATE_EXCL),
            Step(
                "open",
                "g",
                "group",
                (("name", "c-g"), ("statements", "max-lease-time 300;")),
                CREATE_EXCL,
            ),
            Step("open", "g2", "group", (("name", "c-g"),), dhcpctl.DHCPCTL_CREATE),
            Step("update", "g", values=(("statements", "max-lease-time 60;"),)),
            Step("remove", "g"),
            Step("open", "g3", "group", (("name", "c-g"),)),
            # After a remove, the server no longer answers for the handle: ISC_R_NOTFOUND.
            Step("update", "g", values=(("statements", "max-lease-time 60;"),)),
            Step("refresh", "g"),
            Step("open", "g4", "group", (("name", "c-g"),)),
        ],
        [
            returned(dhcpctl.DHCP_R_INVALIDARG),
            returned(SUCCESS),
            returned(dhcpctl.ISC_R_EXISTS),
            returned(dhcpctl.ISC_R_EXISTS),
            returned(SUCCESS),
            returned(dhcpctl.ISC_R_NOTFOUND),
            returned(dhcpctl.ISC_R_NOTFOUND),
            returned(dhcpctl.ISC_R_NOTFOUND),
            returned(dhcpctl.ISC_R_NOTFOUND),
        ],
    ),
}
