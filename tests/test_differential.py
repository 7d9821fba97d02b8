"""Differential tests: the pure-Python and the native backend, call for call, against real dhcpd
and against the fake server (:class:`dhcpctl.testing.OmapiServer`).

Every call runs on both backends against dhcpd and on both against fakes set up the same way
(:func:`make_twin`: four sides of a :class:`differential_corpus.Twin`) and every outcome must be
equal: return values, the server statuses waits return, ``DhcpctlError.status``, values read
back (as bytes). Where :class:`differential_corpus.Model` can tell, the outcome must also be
what ISC's source makes the server do. (:class:`ConnectionMachine` is about dhcpd's process:
stopped, frozen, killed; it runs against dhcpd only.)

- :class:`HostGroupMachine`: hypothesis stateful testing of hosts and groups: created, looked
  up, updated, refreshed and removed, with random names, MACs, client ids, addresses
  (198.18.254.2-99: records only, never contacted, in no lease) and statements. Each backend
  has a server of its own, started once per test with the same configuration; each example
  works in a name/MAC/client-id space of its own (:attr:`HostGroupMachine.example`).
- :class:`ConnectionMachine`: hypothesis stateful testing of connections that end, both
  backends on one server of their own: connects with odd key algorithm names, requests left in
  flight, waits on objects and on connections, disconnects and dereferences, data strings read,
  released and set, threads sharing the latest connection, and the server frozen, stopped,
  killed and restarted under open connections. It asserts the steps and outcomes it must reach
  (:data:`MUST_REACH`); the suite runs a fixed derandomized set, and
  ``DHCPCTL_CONNECTION_EXAMPLES=N`` runs N random examples to look for more differences.
- Values that stress the encoding (``test_encoding_*``): local values and reads with both
  backends on one server (``shared``), changes with a server per backend (``paired``: the two
  would otherwise create the same object twice).
- :data:`differential_corpus.SCENARIOS`: fixed scenarios as data, full transcripts.

Regressions: when hypothesis finds a failure it prints the shrunk steps as code
(``state = BoundHostGroupMachine()``, ``hosts_0 = state.create_host(...)``, ...,
``state.teardown()``). Keep it as a plain test function below ``# --- regressions``: take the
``twin`` fixture, make the machine with ``state = machine(twin)()`` and paste the steps
unchanged; name the test after what it found.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import ClassVar

import pytest
from conftest import BACKENDS, backend_or_skip
from differential_corpus import (
    CREATE_EXCL,
    INVALID_STATEMENTS,
    SCENARIOS,
    SUCCESS,
    VALID_STATEMENTS,
    Model,
    ModelGroup,
    ModelHandle,
    ModelHost,
    Outcome,
    Setting,
    Side,
    Twin,
    TwinHandle,
    algorithm_variants,
    check,
    raised,
    returned,
    run_scenario,
    wire,
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from scenario_helpers import TIMEOUT, Omshell, connect, ip, omshell_open, uint32

import dhcpctl
from dhcpctl._api import Backend, DataString, Handle
from dhcpctl._results import RESULT_NAMES
from testbed import dataset
from testbed.pytest_plugin import ServerFactory, require_local_servers
from testbed.server import DhcpdServer, make_key

#: Every test here starts test-bed servers of its own (twins, or this module's shared ones).
pytestmark = [pytest.mark.server, pytest.mark.netns, pytest.mark.native]

SETTINGS = settings(
    max_examples=300,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

#: Every value the tests read back from a host or group handle.
HOST_VALUES = (
    "name",
    "hardware-address",
    "hardware-type",
    "dhcp-client-identifier",
    "ip-address",
    "statements",
    "group",
    "no-such-value",
)


def make_twin(
    factory: ServerFactory, servers: int, *, dhcpd: bool = True, fake: bool = True
) -> Twin:
    """Both backends, each connected to its own dhcpd (``servers=2``) or to one (``1``); and,
    with ``fake``, both again on fake servers (:class:`dhcpctl.testing.OmapiServer`) set up the
    same way, so every outcome is also compared between dhcpd and the fake."""
    key = make_key("hmac-sha256")
    started = [factory.start(key).endpoint for _ in range(servers)] if dhcpd else []
    fakes = [factory.fake(key).endpoint for _ in range(servers)] if fake else []
    sides = []
    for where, endpoints in (("", started), ("@fake", fakes)):
        if not endpoints:
            continue
        for i, name in enumerate(BACKENDS):
            backend = backend_or_skip(name)
            endpoint = endpoints[i % servers]
            sides.append(Side(name + where, backend, endpoint, connect(backend, endpoint)))
    return Twin(sides)


@pytest.fixture
def twin(dhcpd_factory: ServerFactory) -> Twin:
    """Two fresh identical servers, one per backend (and two fakes)."""
    return make_twin(dhcpd_factory, 2)


@pytest.fixture
def dhcpd_twin(dhcpd_factory: ServerFactory) -> Twin:
    """Two fresh identical dhcpd servers, one per backend, without fakes: for the host and
    group machine. CI runs of the whole suite saw both dhcpd servers drop their connections at
    one step of a long random example (at another example each time, with or without fakes
    beside them; never in runs of this module alone), which the fake does not do; until that
    is understood the machine compares the backends on dhcpd only, on a fixed set, and the
    fake is compared with dhcpd on the fixed corpus."""
    return make_twin(dhcpd_factory, 2, fake=False)


@pytest.fixture
def fake_twin(dhcpd_factory: ServerFactory) -> Twin:
    """Two fresh identical fakes, one per backend: the random host and group machine checks
    the fake against the model of dhcpd that the machine on dhcpd checks dhcpd against."""
    return make_twin(dhcpd_factory, 2, dhcpd=False)


def module_twin(servers: int) -> Iterator[Twin]:
    require_local_servers()
    factory = ServerFactory()
    try:
        yield make_twin(factory, servers)
    finally:
        factory.close()


@pytest.fixture(scope="module")
def shared() -> Iterator[Twin]:
    """Both backends on one server of this module's own: for reads and local values."""
    yield from module_twin(1)


@pytest.fixture(scope="module")
def paired() -> Iterator[Twin]:
    """A server per backend for this module's tests that change state (each its own names)."""
    yield from module_twin(2)


# --- the state machine -------------------------------------------------------------------------

_examples = itertools.count(1)

short_names = st.text(alphabet="ab", min_size=1, max_size=2)
statements = st.sampled_from(sorted(VALID_STATEMENTS) + list(INVALID_STATEMENTS))
flags = st.sampled_from([CREATE_EXCL, CREATE_EXCL, dhcpctl.DHCPCTL_CREATE, 0])


class Ref:
    """A handle in the bundles: both backends' handles and the model's view of it."""

    def __init__(self, handle: TwinHandle, model: ModelHandle) -> None:
        self.handle = handle
        self.model = model

    def __repr__(self) -> str:
        return f"<{type(self.model.target).__name__} handle>"


class HostGroupMachine(RuleBasedStateMachine):
    """Hosts and groups through both backends, against the model of :mod:`differential_corpus`."""

    twin: ClassVar[Twin]
    #: Examples whose every step the model predicted.
    exact_examples: ClassVar[int] = 0
    hosts = Bundle("hosts")
    groups = Bundle("groups")

    def __init__(self) -> None:
        super().__init__()
        self.example = next(_examples)
        self.model = Model()

    # Keys of this example: names carry its number, MACs and client ids its two bytes.
    def name(self, text: str) -> str:
        return f"x{self.example}-{text}"

    def mac(self, number: int) -> bytes:
        return bytes([0x02, 0xD1]) + self.example.to_bytes(2, "big") + bytes([0, number])

    def uid(self, tail: bytes) -> bytes:
        return b"\xfe" + self.example.to_bytes(2, "big") + tail

    def _open(self, object_type: str, values: Sequence[tuple[str, Setting]], how: int) -> object:
        handle, outcome = self.twin.open(object_type, values, how)
        status, target = self.model.open(object_type, [(n, wire(v)) for n, v in values], how)
        check(outcome, self.model.predict(status), f"open {object_type} {values}")
        if outcome != returned(SUCCESS):
            return multiple()
        if target is None:  # the model no longer follows the server: mirror what it answered
            target = ModelHost() if object_type == "host" else ModelGroup()
        model = ModelHandle(target)
        for name, value in values:
            model.set(name, wire(value))
        model.server_update()
        ref = Ref(handle, model)
        self._read(ref)
        return ref

    def _read(self, ref: Ref) -> None:
        for name in HOST_VALUES:
            outcome = self.twin.read(ref.handle, name)
            predicted = ref.model.get(name) if self.model.exact else None
            check(outcome, predicted, f"get {name}")

    def _update(self, ref: Ref, values: Sequence[tuple[str, Setting]]) -> None:
        outcome = self.twin.update(ref.handle, values)
        for name, value in values:
            ref.model.set(name, wire(value))
        predicted = self.model.predict_by_handle(ref.model.target, SUCCESS)
        status = self.model.apply(ref.model.target, ref.model.pending())
        check(outcome, None if predicted is None else self.model.predict(status), "update")
        self._read(ref)

    @rule(
        target=hosts,
        name=short_names,
        mac=st.none() | st.integers(0, 3),
        uid=st.none() | st.binary(min_size=1, max_size=2),
        address=st.none() | st.integers(2, 99),
        statement=st.none() | statements,
        group=st.none() | short_names,
        how=flags,
    )
    def create_host(
        self,
        name: str,
        mac: int | None,
        uid: bytes | None,
        address: int | None,
        statement: bytes | None,
        group: str | None,
        how: int,
    ) -> object:
        values: list[tuple[str, Setting]] = [("name", self.name(name))]
        if mac is not None:
            values += [("hardware-address", self.mac(mac)), ("hardware-type", 1)]
        if uid is not None:
            values.append(("dhcp-client-identifier", self.uid(uid)))
        if address is not None:
            values.append(("ip-address", ip(f"198.18.254.{address}")))
        if statement is not None:
            values.append(("statements", statement.decode()))
        if group is not None:
            values.append(("group", self.name(group)))
        return self._open("host", values, how)

    @rule(
        target=hosts,
        by=st.sampled_from(["name", "hardware-address", "dhcp-client-identifier"]),
        name=short_names,
        mac=st.integers(0, 3),
        uid=st.binary(min_size=1, max_size=2),
    )
    def open_host(self, by: str, name: str, mac: int, uid: bytes) -> object:
        key: dict[str, list[tuple[str, Setting]]] = {
            "name": [("name", self.name(name))],
            "hardware-address": [("hardware-address", self.mac(mac)), ("hardware-type", 1)],
            "dhcp-client-identifier": [("dhcp-client-identifier", self.uid(uid))],
        }
        return self._open("host", key[by], 0)

    @rule(
        ref=hosts,
        change=st.one_of(
            st.tuples(st.just("ip-address"), st.none() | st.integers(2, 99)),
            st.tuples(st.just("statements"), statements),
            st.tuples(st.just("group"), short_names),
            st.tuples(st.just("name"), short_names),
            st.tuples(st.just("hardware-address"), st.integers(0, 3)),
        ),
    )
    def update_host(self, ref: Ref, change: tuple[str, object]) -> None:
        name, drawn = change
        value: Setting
        if name == "ip-address":
            value = None if drawn is None else ip(f"198.18.254.{drawn}")
        elif isinstance(drawn, bytes):
            value = drawn.decode()
        elif isinstance(drawn, int):
            value = self.mac(drawn)
        else:
            value = self.name(str(drawn))
        self._update(ref, [(name, value)])

    @rule(
        target=groups,
        name=short_names,
        statement=st.none() | statements,
        how=flags,
    )
    def create_group(self, name: str, statement: bytes | None, how: int) -> object:
        values: list[tuple[str, Setting]] = [("name", self.name(name))]
        if statement is not None:
            values.append(("statements", statement.decode()))
        return self._open("group", values, how)

    @rule(target=groups, name=short_names)
    def open_group(self, name: str) -> object:
        return self._open("group", [("name", self.name(name))], 0)

    @rule(ref=groups, statement=statements)
    def update_group(self, ref: Ref, statement: bytes) -> None:
        self._update(ref, [("statements", statement.decode())])

    @rule(ref=st.one_of(hosts, groups))
    def refresh(self, ref: Ref) -> None:
        predicted = self.model.predict_by_handle(ref.model.target, SUCCESS)
        check(self.twin.refresh(ref.handle), predicted, "refresh")
        ref.model.server_update()
        self._read(ref)

    @rule(ref=st.one_of(consumes(hosts), consumes(groups)))
    def remove(self, ref: Ref) -> None:
        outcome = self.twin.remove(ref.handle)
        predicted = self.model.predict_by_handle(ref.model.target, SUCCESS)
        self.model.remove(ref.model.target)
        check(outcome, predicted, "remove")

    def teardown(self) -> None:
        if self.model.exact:
            type(self).exact_examples += 1


def machine(twin: Twin) -> type[HostGroupMachine]:
    """:class:`HostGroupMachine` bound to ``twin``."""
    return type("BoundHostGroupMachine", (HostGroupMachine,), {"twin": twin})


def test_hosts_and_groups_stateful(dhcpd_twin: Twin) -> None:
    """On dhcpd, a fixed derandomized set: random sets in CI runs of the whole suite met a step
    where both dhcpd servers had dropped their connections (see :func:`dhcpd_twin`), which
    runs of this module alone never showed; ``DHCPCTL_HOST_EXAMPLES=N`` explores N random
    examples instead."""
    bound = machine(dhcpd_twin)
    explore = os.environ.get("DHCPCTL_HOST_EXAMPLES")
    chosen = settings(SETTINGS, derandomize=explore is None, max_examples=int(explore or "300"))
    run_state_machine_as_test(bound, settings=chosen)


def test_hosts_and_groups_stateful_on_the_fake(fake_twin: Twin) -> None:
    """The fake against the model, on a fixed derandomized set (the fake's answers depend on
    nothing but the requests, so the set is the same in every run)."""
    bound = machine(fake_twin)
    run_state_machine_as_test(bound, settings=settings(SETTINGS, derandomize=True))
    assert bound.exact_examples > 0, "the model predicted nothing"


# --- connections that end ----------------------------------------------------------------------

#: How long a wait that cannot end before its timeout may take (seconds).
SHORT = 0.2
LEASE_IP = ip(dataset.LEASES[0].ip)
#: Values read from a lease handle into data strings.
LEASE_VALUES = ("ends", "ip-address", "client-hostname", "no-such-value")
HANDLE_VALUE_NAMES = ("name", "algorithm", "key", "no-such-value")
HANDLE_VALUE_CALLS = ("get", "get_boolean", "set", "set_null")


class ConnRef:
    """A connection on both sides and what the machine knows of it: ``live``, ``dropped``
    (its server went away, no call noticed yet), ``lost`` (a call noticed) or ``closed``
    (disconnected or dereferenced here)."""

    def __init__(self, handle: TwinHandle) -> None:
        self.handle = handle
        self.state = "live"

    def __repr__(self) -> str:
        return f"<connection {self.state}>"


class ObjRef:
    """A lease handle on both sides, the connection it was made on and its requests in flight
    (``pending``), or None once dereferenced."""

    def __init__(self, handle: TwinHandle, conn: ConnRef) -> None:
        self.handle = handle
        self.conn = conn
        self.pending: int | None = 0

    def __repr__(self) -> str:
        if self.pending is None:
            return "<lease handle, dereferenced>"
        return f"<lease handle, {self.pending} in flight>"


class ConnectionMachine(RuleBasedStateMachine):
    """Connections through both backends while their server runs, freezes, stops and comes
    back: connects with odd algorithm names, requests left in flight, waits on objects and on
    connections, disconnects, dereferences of handles and data strings.

    Both backends share one server, so a stop hits both alike. The machine keeps its steps
    deterministic: a server is frozen (SIGSTOP) or stopped only with no request in flight on a
    live connection, or frozen already (then killed), so whether a reply came before the end
    never depends on timing; and a new connection is opened only once every earlier one is
    known gone (ISC's dispatcher reads all connections in any wait, the pure-Python backend
    only the one it waits on: a documented difference, see dhcpctl/_api.py).
    """

    twin: ClassVar[Twin]
    server: ClassVar[DhcpdServer]
    #: How often each step ended each way, over all examples ("step (state): outcome").
    reached: ClassVar[Counter[str]]
    connections = Bundle("connections")
    objects = Bundle("objects")
    strings = Bundle("strings")

    def __init__(self) -> None:
        super().__init__()
        self.mode = "running"
        self.made: list[ConnRef] = []
        self.leases: list[ObjRef] = []

    def _run(self, step: str, call: Callable[[Side, int], object]) -> Outcome:
        """``call`` on both sides (see :meth:`Twin.run`), its outcome counted in ``reached``."""
        outcome = self.twin.run(step, call)
        result = "ok" if outcome.kind == "returned" else outcome.kind
        if isinstance(outcome.value, int) and outcome.kind == "DhcpctlError":
            result = RESULT_NAMES.get(outcome.value, result)
        self.reached[f"{step}: {result}"] += 1
        return outcome

    def _connect(self, algorithm: str, accepted: bool) -> object:
        made: list[Handle] = []
        key = self.server.endpoint.key
        assert key is not None

        def call(side: Side, _: int) -> None:
            auth = side.backend.dhcpctl_new_authenticator(key.name, algorithm, key.secret)
            address, port = self.server.address, self.server.port
            made.append(side.backend.dhcpctl_timed_connect(address, port, auth, TIMEOUT))

        outcome = self._run("connect", call)
        check(outcome, returned(None) if accepted else raised(dhcpctl.ISC_R_NOTFOUND), "connect")
        if outcome != returned(None):
            return multiple()
        ref = ConnRef(TwinHandle(made))
        self.made.append(ref)
        return ref

    @initialize(target=connections)
    def first_connection(self) -> object:
        key = self.server.endpoint.key
        assert key is not None
        return self._connect(key.algorithm, True)

    @precondition(
        lambda self: (
            self.mode == "running" and all(conn.state in ("lost", "closed") for conn in self.made)
        )
    )
    @rule(target=connections, variant=st.integers(0, 6))
    def connect(self, variant: int) -> object:
        """A new connection, once every earlier one is known gone; a lost one is disconnected
        first (DHCP_R_INVALIDARG, as C)."""
        if self.made[-1].state == "lost":
            self.disconnect(self.made[-1], "disconnect")
        key = self.server.endpoint.key
        assert key is not None
        return self._connect(*algorithm_variants(key.algorithm)[variant])

    @rule(target=objects)
    def new_lease_on_the_latest_connection(self) -> object:
        return self.new_lease(self.made[-1])

    @rule(target=objects, conn=connections)
    def new_lease(self, conn: ConnRef) -> object:
        made: list[Handle] = []

        def call(side: Side, i: int) -> None:
            handle = side.backend.dhcpctl_new_object(conn.handle.handles[i], "lease")
            side.backend.dhcpctl_set_data_value(handle, LEASE_IP, "ip-address")
            made.append(handle)

        if self._run(f"new lease ({conn.state})", call) != returned(None):
            return multiple()
        ref = ObjRef(TwinHandle(made), conn)
        self.leases.append(ref)
        return ref

    @rule(obj=objects, how=st.sampled_from(["open", "refresh", "remove"]))
    def send(self, obj: ObjRef, how: str) -> None:
        """A request left in flight (dhcpd answers a lease remove ISC_R_NOTIMPLEMENTED)."""

        def call(side: Side, i: int) -> None:
            handle, conn = obj.handle.handles[i], obj.conn.handle.handles[i]
            if how == "open":
                side.backend.dhcpctl_open_object(handle, conn, 0)
            elif how == "refresh":
                side.backend.dhcpctl_object_refresh(conn, handle)
            else:
                side.backend.dhcpctl_object_remove(conn, handle)

        step = f"{how} ({obj.conn.state}, server {self.mode})"
        if self._run(step, call) == returned(None) and obj.pending is not None:
            obj.pending += 1

    def _noticed(self, outcome: Outcome, conn: ConnRef) -> None:
        if outcome == raised(dhcpctl.DHCP_R_CONNRESET) and conn.state == "dropped":
            conn.state = "lost"

    @rule(obj=objects)
    def wait(self, obj: ObjRef) -> None:
        unanswered = self.mode == "frozen" and obj.conn.state == "live"
        timeout = SHORT if unanswered else TIMEOUT

        def call(side: Side, i: int) -> int:
            return side.backend.dhcpctl_timed_wait_for_completion(obj.handle.handles[i], timeout)

        outcome = self._run(f"wait ({obj.conn.state}, {obj}, server {self.mode})", call)
        if outcome.kind == "returned" and obj.pending is not None:
            obj.pending -= 1
        self._noticed(outcome, obj.conn)

    @rule(conn=connections, timed=st.booleans())
    def wait_on_connection(self, conn: ConnRef, timed: bool) -> None:
        def call(side: Side, i: int) -> int:
            handle = conn.handle.handles[i]
            if timed:
                return side.backend.dhcpctl_timed_wait_for_completion(handle, SHORT)
            return side.backend.dhcpctl_wait_for_completion(handle)

        step = f"{'timed' if timed else 'untimed'} wait on connection ({conn.state})"
        self._noticed(self._run(step, call), conn)

    @rule(conn=connections, how=st.sampled_from(["disconnect", "force", "dereference"]))
    def disconnect(self, conn: ConnRef, how: str) -> None:
        """``dhcpctl_disconnect`` (``force`` 0 or 1) or ``omapi_object_dereference``."""

        def call(side: Side, i: int) -> None:
            handle = conn.handle.handles[i]
            if how == "dereference":
                side.backend.omapi_object_dereference(handle)
            else:
                side.backend.dhcpctl_disconnect(handle, how == "force")

        if self._run(f"{how} ({conn.state})", call) == returned(None):
            conn.state = "closed"

    @rule(obj=objects)
    def dereference(self, obj: ObjRef) -> None:
        self._run(
            f"dereference {obj}",
            lambda s, i: s.backend.omapi_object_dereference(obj.handle.handles[i]),
        )
        obj.pending = None

    @rule(
        target=strings,
        obj=objects,
        name=st.sampled_from(LEASE_VALUES),
        use=st.sampled_from(["keep", "read", "release", "set"]),
    )
    def get_value(self, obj: ObjRef, name: str, use: str) -> object:
        """A value as a data string, used at once as ``use`` says (see :meth:`use_string`)."""
        made: list[DataString] = []

        def call(side: Side, i: int) -> bytes:
            made.append(side.backend.dhcpctl_get_value(obj.handle.handles[i], name))
            return bytes(made[-1])

        if self._run(f"get {name}", call).kind != "returned":
            return multiple()
        data = TwinData(made)
        if use != "keep":
            self.use_string(data, use, obj)
        return data

    @rule(data=strings, how=st.sampled_from(["read", "release", "set"]), obj=objects)
    def use_string(self, data: TwinData, how: str, obj: ObjRef) -> None:
        """Read a data string, release it (dhcpctl_data_string_dereference), or set it as an
        object's ip-address (dhcpctl_set_value)."""
        strings, backends = data.strings, [side.backend for side in self.twin.sides]
        calls: dict[str, Callable[[Side, int], object]] = {
            "read": lambda _, i: (strings[i].len, bytes(strings[i])),
            "release": lambda _, i: backends[i].dhcpctl_data_string_dereference(strings[i]),
            "set": lambda _, i: backends[i].dhcpctl_set_value(
                obj.handle.handles[i], strings[i], "ip-address"
            ),
        }
        self._run(f"{how} data string", calls[how])
        if how == "release":
            self._run("read released data string", calls["read"])

    @rule(
        which=st.sampled_from(["authenticator", "connection"]),
        name=st.sampled_from(HANDLE_VALUE_NAMES),
        how=st.sampled_from(HANDLE_VALUE_CALLS),
    )
    def handle_values(self, which: str, name: str, how: str) -> None:
        """Values of the latest connection handle, read or set one way; of a new authenticator,
        every name every way (no I/O, so each example compares them all)."""
        key = self.server.endpoint.key
        assert key is not None
        if which == "authenticator":
            steps = list(itertools.product(HANDLE_VALUE_NAMES, HANDLE_VALUE_CALLS))
        else:
            steps = [(name, how)]

        for name, how in steps:

            def call(side: Side, i: int, name: str = name, how: str = how) -> object:
                backend = side.backend
                if which == "authenticator":
                    handle = backend.dhcpctl_new_authenticator(key.name, key.algorithm, key.secret)
                else:
                    handle = self.made[-1].handle.handles[i]
                if how == "get":
                    return backend.dhcpctl_get_value(handle, name)
                if how == "get_boolean":
                    return backend.dhcpctl_get_boolean(handle, name)
                if how == "set":
                    backend.dhcpctl_set_string_value(handle, "x", name)
                else:
                    backend.dhcpctl_set_null_value(handle, name)
                return None

            self._run(f"{how} {name} of {which}", call)

    def _quiet(self) -> bool:
        """No request in flight on a live connection: a stop or freeze races with no reply."""
        return all(not obj.pending or obj.conn.state != "live" for obj in self.leases)

    @precondition(
        lambda self: self.mode == "running" and self._quiet() and self.made[-1].state == "live"
    )
    @rule(
        end=st.sampled_from(["stop", "disconnect", "force", "dereference"]),
        connection_first=st.booleans(),
    )
    def in_flight_when_it_ends(self, end: str, connection_first: bool) -> None:
        """An open left in flight (the server frozen: no reply) when the connection ends, by
        the server's stop or here; then waits on it and on its connection."""
        conn = self.made[-1]
        obj = self.new_lease(conn)
        assert isinstance(obj, ObjRef)
        self.freeze_server()
        self.send(obj, "open")
        self.wait(obj)
        if end == "stop":
            self.stop_server()
        else:
            self.disconnect(conn, end)
        if connection_first:
            self.wait_on_connection(conn, True)
        self.wait(obj)
        self.wait_on_connection(conn, True)
        self.resume_server()

    @precondition(lambda self: self.made[-1].state == "live")
    @rule(target=objects, how=st.sampled_from(["open", "refresh", "remove"]))
    def round_trip(self, how: str) -> object:
        """A lease opened on the latest connection and waited for, then ``how`` and a wait."""
        obj = self.new_lease(self.made[-1])
        assert isinstance(obj, ObjRef)
        self.send(obj, "open")
        self.wait(obj)
        if how != "open":
            self.send(obj, how)
            self.wait(obj)
        return obj

    @precondition(lambda self: self.mode == "running" and self.made[-1].state == "live")
    @rule(count=st.integers(2, 6), rounds=st.integers(1, 4))
    def threads_share_the_connection(self, count: int, rounds: int) -> None:
        """``count`` threads on the latest connection at once, each ``rounds`` times: a lease
        opened, waited for, refreshed, waited for and read. Every thread's outcomes, in
        thread order, must be the same on both backends (with the server running they do
        not depend on which thread reads which reply)."""
        conn = self.made[-1]

        def call(side: Side, i: int) -> list[list[Outcome]]:
            backend, connection = side.backend, conn.handle.handles[i]
            results: list[list[Outcome]] = [[] for _ in range(count)]

            def work(index: int) -> None:
                for _ in range(rounds):
                    results[index] += lease_round(backend, connection)

            threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(count)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(TIMEOUT * 2 * rounds)
            assert not any(thread.is_alive() for thread in threads), "a thread hangs"
            return results

        self._run(f"threads on one connection ({conn.state})", call)

    def _signal(self, number: signal.Signals, mode: str) -> None:
        pid = self.server.pid
        assert pid is not None
        os.kill(pid, number)
        self.mode = mode

    @precondition(lambda self: self.mode == "running" and self._quiet())
    @rule()
    def freeze_server(self) -> None:
        self._signal(signal.SIGSTOP, "frozen")

    @precondition(lambda self: self.mode != "running")
    @rule()
    def resume_server(self) -> None:
        """Thaw a frozen server (SIGCONT), start a stopped one."""
        if self.mode == "frozen":
            self._signal(signal.SIGCONT, "running")
        else:
            self.server.start()
            self.mode = "running"

    @precondition(lambda self: self.mode == "frozen" or (self.mode == "running" and self._quiet()))
    @rule()
    def stop_server(self) -> None:
        if self.mode == "frozen":
            self._signal(signal.SIGKILL, "stopped")
        self.server.stop()
        self.mode = "stopped"
        for conn in self.made:
            if conn.state == "live":
                conn.state = "dropped"

    def teardown(self) -> None:
        if self.mode != "running":
            self.resume_server()
        for conn in self.made:
            for side, handle in zip(self.twin.sides, conn.handle.handles, strict=True):
                with contextlib.suppress(dhcpctl.DhcpctlError):
                    side.backend.omapi_object_dereference(handle)


def lease_round(backend: Backend, connection: Handle) -> list[Outcome]:
    """A lease opened, waited for, refreshed, waited for and read: each call's outcome."""
    lease = backend.dhcpctl_new_object(connection, "lease")
    backend.dhcpctl_set_data_value(lease, LEASE_IP, "ip-address")
    steps: list[Callable[[], object]] = [
        partial(backend.dhcpctl_open_object, lease, connection, 0),
        partial(backend.dhcpctl_timed_wait_for_completion, lease, TIMEOUT),
        partial(backend.dhcpctl_object_refresh, connection, lease),
        partial(backend.dhcpctl_timed_wait_for_completion, lease, TIMEOUT),
        partial(backend.dhcpctl_get_value, lease, "ends"),
        partial(backend.dhcpctl_get_value, lease, "client-hostname"),
    ]
    return [Outcome.of(step) for step in steps]


class TwinData:
    """The same data string as each side's ``dhcpctl_data_string``."""

    def __init__(self, strings: list[DataString]) -> None:
        self.strings = strings

    def __repr__(self) -> str:
        return "<data string>"


def connection_machine(twin: Twin, server: DhcpdServer) -> type[ConnectionMachine]:
    """:class:`ConnectionMachine` bound to ``twin`` and the server both its sides use."""
    attributes = {"twin": twin, "server": server, "reached": Counter()}
    return type("BoundConnectionMachine", (ConnectionMachine,), attributes)


@pytest.fixture
def connection_twin(dhcpd_factory: ServerFactory) -> tuple[Twin, DhcpdServer]:
    """Both backends on one fresh server of the test's own (the machine stops it)."""
    server = dhcpd_factory.start(make_key("hmac-sha256"))
    sides = []
    for name in BACKENDS:
        backend = backend_or_skip(name)
        sides.append(Side(name, backend, server.endpoint, connect(backend, server.endpoint)))
    return Twin(sides), server


#: ``DHCPCTL_CONNECTION_EXAMPLES=N``: N random examples (to look for differences) instead of
#: the fixed derandomized set the suite runs.
_EXPLORE = os.environ.get("DHCPCTL_CONNECTION_EXAMPLES")
CONNECTION_SETTINGS = settings(
    max_examples=int(_EXPLORE or "60"),
    derandomize=_EXPLORE is None,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


#: Steps and outcomes the machine must have reached (label prefix, outcome), or it tested
#: less than it claims.
MUST_REACH = (
    ("connect", "ok"),
    ("connect", "ISC_R_NOTFOUND"),
    ("wait (live", "ok"),
    ("wait (live", "ISC_R_TIMEDOUT"),
    ("wait (dropped", "DHCP_R_CONNRESET"),
    ("wait (closed", "DHCP_R_CONNRESET"),
    ("timed wait on connection (live)", "ISC_R_TIMEDOUT"),
    ("timed wait on connection (dropped)", "DHCP_R_CONNRESET"),
    ("untimed wait on connection (live)", "DHCP_R_INVALIDARG"),
    ("disconnect (lost)", "DHCP_R_INVALIDARG"),
    ("new lease (dropped)", "ok"),
    ("release data string", "ok"),
    ("threads on one connection (live)", "ok"),
    ("get no-such-value of authenticator", "ISC_R_NOTFOUND"),
    ("read released data string", "DHCP_R_INVALIDARG"),
)


#: Rounds of random examples the test may add when the fixed set missed a state.
EXTRA_ROUNDS = 3


def test_connections_stateful(connection_twin: tuple[Twin, DhcpdServer]) -> None:
    """The fixed derandomized set; where the server's timing kept it from some state of
    :data:`MUST_REACH`, up to :data:`EXTRA_ROUNDS` more rounds of random examples on the same
    server, each step still compared between the backends, until every state was reached."""
    bound = connection_machine(*connection_twin)

    def missed() -> list[tuple[str, str]]:
        return [
            (step, result)
            for step, result in MUST_REACH
            if not any(label.startswith(step) and label.endswith(result) for label in bound.reached)
        ]

    run_state_machine_as_test(bound, settings=CONNECTION_SETTINGS)
    for _ in range(EXTRA_ROUNDS):
        if not missed():
            break
        run_state_machine_as_test(bound, settings=settings(CONNECTION_SETTINGS, derandomize=False))
    print("\n".join(f"{count:5} {label}" for label, count in sorted(bound.reached.items())))
    assert not missed(), f"never reached: {missed()}"


# --- scenarios as data -------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_scenario_transcript(twin: Twin, scenario: str) -> None:
    steps, expected = SCENARIOS[scenario]
    assert run_scenario(twin, steps) == expected


# --- values that stress the encoding -----------------------------------------------------------

_hosts = itertools.count(1)


def new_host_values(name: Setting) -> list[tuple[str, Setting]]:
    """A host named ``name`` with a MAC no other test of this module uses."""
    mac = bytes([0x02, 0xE5, 0, 0, 0, next(_hosts)])
    return [("name", name), ("hardware-address", mac), ("hardware-type", 1)]


@pytest.mark.parametrize(
    ("name", "created", "read_back"),
    [
        # protocol.c: a 0-length value arrives as a null; dhcp_host_set_value wants data.
        (b"", returned(dhcpctl.DHCP_R_INVALIDARG), None),
        # db.c write_host refuses a name db_printable() rejects: mdb.c enter_host's ISC_R_IOERROR.
        ("h\u00e9t\u00e9-\u2603", returned(dhcpctl.ISC_R_IOERROR), None),
        (b"\xff\xfe-raw", returned(dhcpctl.ISC_R_IOERROR), None),
        # The host name is a C string: stored up to the NUL, sent back with strlen.
        (b"nul\x00tail", returned(SUCCESS), returned(b"nul")),
        (b"L" * 1000, returned(SUCCESS), returned(b"L" * 1000)),
        (b"M" * 60000, returned(SUCCESS), returned(b"M" * 60000)),
    ],
    ids=["empty", "non-ascii", "raw-bytes", "nul", "1000", "60000"],
)
def test_encoding_host_name(
    paired: Twin, name: Setting, created: Outcome, read_back: Outcome | None
) -> None:
    handle, outcome = paired.open("host", new_host_values(name), CREATE_EXCL)
    assert outcome == created
    if read_back is not None:
        assert paired.read(handle, "name") == read_back
        assert paired.refresh(handle) == returned(SUCCESS)
        assert paired.read(handle, "name") == read_back


@pytest.mark.parametrize(
    ("uid", "found"),
    [
        (b"\x00", returned(SUCCESS)),
        (b"\x00\x00\xff\x80nul\x00", returned(SUCCESS)),
        ("cl\u00efent".encode(), returned(SUCCESS)),
        (bytes(range(256)) * 4, returned(SUCCESS)),
    ],
    ids=["nul", "binary", "non-ascii", "1024"],
)
def test_encoding_client_identifier(paired: Twin, uid: bytes, found: Outcome) -> None:
    name = f"uid-{next(_hosts)}"
    values: list[tuple[str, Setting]] = [("name", name), ("dhcp-client-identifier", uid)]
    _, outcome = paired.open("host", values, CREATE_EXCL)
    assert outcome == returned(SUCCESS)
    handle, outcome = paired.open("host", [("dhcp-client-identifier", uid)], 0)
    assert outcome == found
    assert paired.read(handle, "dhcp-client-identifier") == returned(uid)
    assert paired.read(handle, "name") == returned(name.encode())


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("default-lease-time 1; " * 48, SUCCESS),
        ("max-lease-time 2; " * 3400, SUCCESS),
        # A 0-length value arrives as a null, which dhcp_host_set_value refuses.
        ("", dhcpctl.DHCP_R_INVALIDARG),
        ("if {", dhcpctl.DHCP_R_BADPARSE),
        # parse_executable_statements stops at what starts no statement: success.
        ("default-lease-time 60;;", SUCCESS),
        ("default-lease-time 60", SUCCESS),
        ("zzz;", SUCCESS),
    ],
    ids=["1000", "60000", "empty", "bad", "empty-statement", "no-semicolon", "junk"],
)
def test_encoding_statements(paired: Twin, text: str, status: int) -> None:
    handle, outcome = paired.open("host", new_host_values(f"st-{next(_hosts)}"), CREATE_EXCL)
    assert outcome == returned(SUCCESS)
    assert paired.update(handle, [("statements", text)]) == returned(status)
    assert paired.read(handle, "statements") == returned(text.encode())


def local_object(shared: Twin) -> TwinHandle:
    """A host handle never sent anywhere: for values set and read locally."""
    made: list[Handle] = []
    shared.run("new", lambda s, _: made.append(s.backend.dhcpctl_new_object(s.connection, "host")))
    return TwinHandle(made)


INT32_CASES = [
    (2**31 - 1, returned(uint32(2**31 - 1))),
    (-(2**31), returned(uint32(2**31))),
    (0, returned(uint32(0))),
    (-1, returned(uint32(2**32 - 1))),
    # Both backends take 2**31..2**32-1 as C's unsigned wrap of an int, and refuse wider.
    (2**32 - 1, returned(uint32(2**32 - 1))),
    (2**32, raised(dhcpctl.DHCP_R_INVALIDARG)),
    (-(2**31) - 1, raised(dhcpctl.DHCP_R_INVALIDARG)),
    (2**64, raised(dhcpctl.DHCP_R_INVALIDARG)),
    (True, returned(uint32(1))),
    (1.0, Outcome("TypeError")),
]


@pytest.mark.parametrize(("number", "expected"), INT32_CASES, ids=lambda v: repr(v))
def test_encoding_int_value(shared: Twin, number: int, expected: Outcome) -> None:
    handle = local_object(shared)
    set_outcome = shared.run(
        "set_int", lambda s, i: s.backend.dhcpctl_set_int_value(handle.handles[i], number, "n")
    )
    if expected.kind == "returned":
        assert set_outcome == returned(None)
        assert shared.read(handle, "n") == expected
    else:
        assert set_outcome == expected
        assert shared.read(handle, "n") == raised(dhcpctl.ISC_R_NOTFOUND)


@pytest.mark.parametrize(
    ("number", "status"),
    [
        (255, SUCCESS),
        # omapi.c dhcp_host_lookup: a 4-byte hardware-type must have three zero bytes first.
        (256, dhcpctl.DHCP_R_INVALIDARG),
        (2**31 - 1, dhcpctl.DHCP_R_INVALIDARG),
        (-(2**31), dhcpctl.DHCP_R_INVALIDARG),
        (-1, dhcpctl.DHCP_R_INVALIDARG),
    ],
)
def test_encoding_int_on_the_wire(paired: Twin, number: int, status: int) -> None:
    """An int goes out as 4 big-endian bytes; the server reads hardware-type from them."""
    values = new_host_values(f"int-{next(_hosts)}")
    values[-1] = ("hardware-type", number)
    handle, outcome = paired.open("host", values, CREATE_EXCL)
    assert outcome == returned(status)
    if status == SUCCESS:
        assert paired.read(handle, "hardware-type") == returned(uint32(number))


@pytest.mark.parametrize("flag", [True, False])
def test_encoding_boolean(shared: Twin, flag: bool) -> None:
    handle = local_object(shared)
    shared.run(
        "set_bool", lambda s, i: s.backend.dhcpctl_set_boolean_value(handle.handles[i], flag, "b")
    )
    assert shared.read(handle, "b") == returned(uint32(int(flag)))
    assert shared.run(
        "get_bool", lambda s, i: s.backend.dhcpctl_get_boolean(handle.handles[i], "b")
    ) == returned(flag)


def test_encoding_null_value(paired: Twin) -> None:
    """A null is sent as a 0-length value: dhcp_host_set_value drops the fixed address, and the
    server's next update clears the null from the handle (generic.c clear_flags)."""
    values = [*new_host_values(f"null-{next(_hosts)}"), ("ip-address", ip("198.18.254.9"))]
    handle, outcome = paired.open("host", values, CREATE_EXCL)
    assert outcome == returned(SUCCESS)
    assert paired.update(handle, [("ip-address", None)]) == returned(SUCCESS)
    assert paired.read(handle, "ip-address") == raised(dhcpctl.ISC_R_NOTFOUND)
    assert paired.refresh(handle) == returned(SUCCESS)
    assert paired.read(handle, "ip-address") == raised(dhcpctl.ISC_R_NOTFOUND)
    assert paired.update(handle, [("ip-address", ip("198.18.254.8"))]) == returned(SUCCESS)
    assert paired.refresh(handle) == returned(SUCCESS)
    assert paired.read(handle, "ip-address") == returned(ip("198.18.254.8"))


@pytest.mark.parametrize(
    ("object_type", "keys", "omshell_keys"),
    [
        (
            "lease",
            [("ip-address", ip(dataset.LEASES[0].ip))],
            [f"ip-address = {dataset.LEASES[0].ip}"],
        ),
        ("host", [("name", dataset.HOSTS[2].name)], [f'name = "{dataset.HOSTS[2].name}"']),
        ("group", [("name", dataset.GROUPS[0].name)], [f'name = "{dataset.GROUPS[0].name}"']),
    ],
    ids=["lease", "host", "group"],
)
def test_every_attribute_reads_the_same(
    shared: Twin,
    omshell: Omshell,
    object_type: str,
    keys: list[tuple[str, Setting]],
    omshell_keys: list[str],
) -> None:
    """Every value the server sends (omshell lists them) reads as the same bytes through both
    backends as through omshell."""
    handle, outcome = shared.open(object_type, keys, 0)
    assert outcome == returned(SUCCESS)
    expected = omshell_open(omshell, shared.sides[0].endpoint, object_type, omshell_keys)
    assert expected
    for name, value in expected.items():
        assert shared.read(handle, name) == returned(value), name


# --- regressions -------------------------------------------------------------------------------


def test_regression_hardware_type_defaults_to_zero(twin: Twin) -> None:
    """A MAC set by update, without hardware-type, is stored as type 0 (host_allocate zeroes
    ``interface.hbuf``) and read back so; a lookup by that MAC (type 1) misses it."""
    state = machine(twin)()
    state.create_group(how=5, name="a", statement=None)
    hosts_0 = state.create_host(
        address=None, group=None, how=5, mac=None, name="a", statement=None, uid=b"\x00"
    )
    state.update_host(change=("hardware-address", 0), ref=hosts_0)
    state.refresh(ref=hosts_0)
    state.open_host(by="hardware-address", name="a", mac=0, uid=b"\x00")
    state.teardown()


def test_regression_requests_after_an_unnoticed_drop(
    connection_twin: tuple[Twin, DhcpdServer],
) -> None:
    """The pure-Python backend took a failed send for the end of the connection and refused
    the next request (DHCP_R_INVALIDARG), where C, which only buffers a request, sends it."""
    state = connection_machine(*connection_twin)()
    connections_0 = state.first_connection()
    state.stop_server()
    objects_0 = state.new_lease(conn=connections_0)
    objects_1 = state.new_lease(conn=connections_0)
    objects_2 = state.new_lease(conn=connections_0)
    state.send(how="open", obj=objects_0)
    state.resume_server()
    state.send(how="open", obj=objects_1)
    state.send(how="open", obj=objects_2)
    state.teardown()


def test_regression_two_requests_in_flight_on_one_object(
    connection_twin: tuple[Twin, DhcpdServer],
) -> None:
    """Three opens in flight on one object: the native backend's second wait timed out (both
    later replies came in one read; C signals the object once), the pure-Python one took the
    second reply. Both now refuse a request while one is in progress on the object."""
    state = connection_machine(*connection_twin)()
    state.first_connection()
    objects_2 = state.new_lease_on_the_latest_connection()
    state.send(how="open", obj=objects_2)
    state.send(how="open", obj=objects_2)
    state.send(how="open", obj=objects_2)
    state.wait(obj=objects_2)
    state.wait(obj=objects_2)
    state.teardown()


def test_regression_in_flight_when_a_frozen_server_is_killed(
    connection_twin: tuple[Twin, DhcpdServer],
) -> None:
    """A request in flight when its (frozen) server is killed: ISC's wait said ISC_R_NOMORE
    (the reset took the connection away without a signal to the object) where the pure-Python
    backend said DHCP_R_CONNRESET; both say DHCP_R_CONNRESET now."""
    state = connection_machine(*connection_twin)()
    state.first_connection()
    state.freeze_server()
    objects_0 = state.new_lease_on_the_latest_connection()
    state.send(how="remove", obj=objects_0)
    state.stop_server()
    state.wait(obj=objects_0)
    state.teardown()
