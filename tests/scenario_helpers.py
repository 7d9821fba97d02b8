"""Shared steps of the backend-parametrized scenario tests (test_scenarios_*.py).

Every helper takes the backend under test first and only calls its ``dhcpctl_*`` functions, so
one scenario runs unchanged on the pure-Python and the native implementation.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import dhcpctl
from dhcpctl._api import Backend, DataString, Handle
from testbed import dataset
from testbed.omshell import OmshellRun
from testbed.pytest_plugin import StartedServer
from testbed.server import Endpoint

#: Seconds any single connect or wait may take before the test fails.
TIMEOUT = 10.0

Omshell = Callable[[Endpoint, Sequence[str]], OmshellRun]

#: A value to set on an object: ``str`` goes through ``dhcpctl_set_string_value``, ``bytes``
#: through ``dhcpctl_set_data_value``, ``int`` through ``dhcpctl_set_int_value``, a
#: ``DataString`` through ``dhcpctl_set_value``.
Value = str | bytes | int | DataString


def ip(text: str) -> bytes:
    """An IPv4 address as the 4 bytes OMAPI carries."""
    return socket.inet_aton(text)


def mac(text: str) -> bytes:
    """Colon-separated hex octets as dhcpd.conf writes them (``52:54:00:12:34:56``, ``1:52``)."""
    return bytes(int(octet, 16) for octet in text.split(":"))


def uint32(number: int) -> bytes:
    """An integer as the 4 big-endian bytes the server sends for it."""
    return number.to_bytes(4, "big")


def backend_name(request: pytest.FixtureRequest) -> str:
    """``"python"`` or ``"native"``: the ``backend`` fixture's parameter for this test."""
    name: str = request.node.callspec.params["backend"]
    return name


def connect(backend: Backend, endpoint: Endpoint) -> Handle:
    """A connection to ``endpoint``, authenticated with its key when it has one."""
    key = endpoint.key
    authenticator = None
    if key is not None:
        authenticator = backend.dhcpctl_new_authenticator(key.name, key.algorithm, key.secret)
    return backend.dhcpctl_timed_connect(endpoint.address, endpoint.port, authenticator, TIMEOUT)


def open_with_wrong_secret(backend: Backend, endpoint: Endpoint) -> dhcpctl.DhcpctlError:
    """Open the data set's first lease through ``endpoint`` whose key has a wrong secret:
    connecting works (the key name is known); the open's wait must raise: the error."""
    connection = connect(backend, endpoint)
    lease = backend.dhcpctl_new_object(connection, "lease")
    backend.dhcpctl_set_data_value(lease, ip(dataset.LEASES[0].ip), "ip-address")
    backend.dhcpctl_open_object(lease, connection, 0)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        backend.dhcpctl_timed_wait_for_completion(lease, TIMEOUT)
    return info.value


def data_string(backend: Backend, data: bytes) -> DataString:
    """A ``dhcpctl_data_string`` from ``omapi_data_string_new``, filled in place as C does."""
    result = backend.omapi_data_string_new(len(data))
    result.value[:] = data
    return result


def set_values(backend: Backend, handle: Handle, values: Mapping[str, Value | None]) -> None:
    """Each value set as its type says; None with ``dhcpctl_set_null_value``."""
    for name, value in values.items():
        if value is None:
            backend.dhcpctl_set_null_value(handle, name)
        elif isinstance(value, DataString):
            backend.dhcpctl_set_value(handle, value, name)
        elif isinstance(value, str):
            backend.dhcpctl_set_string_value(handle, value, name)
        elif isinstance(value, bytes):
            backend.dhcpctl_set_data_value(handle, value, name)
        else:
            backend.dhcpctl_set_int_value(handle, value, name)


def open_object(
    backend: Backend,
    connection: Handle,
    object_type: str,
    keys: Mapping[str, Value],
    flags: int = 0,
) -> tuple[Handle, int]:
    """``dhcpctl_new_object`` + values + ``dhcpctl_open_object``: the handle, server status."""
    handle = backend.dhcpctl_new_object(connection, object_type)
    set_values(backend, handle, keys)
    backend.dhcpctl_open_object(handle, connection, flags)
    return handle, backend.dhcpctl_timed_wait_for_completion(handle, TIMEOUT)


def update(
    backend: Backend, connection: Handle, handle: Handle, values: Mapping[str, Value | None]
) -> int:
    """Set ``values`` on an object and send them with ``dhcpctl_object_update``: the status."""
    set_values(backend, handle, values)
    backend.dhcpctl_object_update(connection, handle)
    return backend.dhcpctl_timed_wait_for_completion(handle, TIMEOUT)


def refresh(backend: Backend, connection: Handle, handle: Handle) -> int:
    backend.dhcpctl_object_refresh(connection, handle)
    return backend.dhcpctl_timed_wait_for_completion(handle, TIMEOUT)


def remove(backend: Backend, connection: Handle, handle: Handle) -> int:
    backend.dhcpctl_object_remove(connection, handle)
    return backend.dhcpctl_timed_wait_for_completion(handle, TIMEOUT)


def get(backend: Backend, handle: Handle, name: str) -> bytes:
    return bytes(backend.dhcpctl_get_value(handle, name))


def assert_matches_omshell(
    backend: Backend, handle: Handle, omshell_values: Mapping[str, object]
) -> None:
    """Every value omshell received for the same object reads the same through ``backend``."""
    assert omshell_values, "omshell saw no values"
    seen = {name: get(backend, handle, name) for name in omshell_values}
    assert seen == dict(omshell_values)


def omshell_open(
    omshell: Omshell, endpoint: Endpoint, object_type: str, keys: Sequence[str]
) -> dict[str, object]:
    """omshell's values after ``new TYPE``, ``set KEY`` for each key and ``open``."""
    commands = [f"new {object_type}", *(f"set {key}" for key in keys), "open"]
    step = omshell(endpoint, commands).last
    assert step.messages == [], step.messages
    return dict(step.values)


@dataclass(frozen=True)
class Call:
    """One call of a callback: its arguments and the thread it ran in."""

    handle: Handle
    status: int
    data: object
    thread: threading.Thread


class Recorder:
    """A callback for ``dhcpctl_set_callback`` that records its calls, then raises ``error``
    if one is given."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[Call] = []
        self.error = error

    def __call__(self, handle: Handle, status: int, data: object) -> None:
        self.calls.append(Call(handle, status, data, threading.current_thread()))
        if self.error is not None:
            raise self.error

    def statuses(self, handle: Handle, data: object) -> list[int]:
        """The status of each call so far; every call must have passed ``handle`` and ``data``
        themselves (not copies)."""
        assert all(c.handle is handle and c.data is data for c in self.calls), self.calls
        return [call.status for call in self.calls]


def dhcpd_wrote(server: StartedServer, kind: str, name: str) -> str | None:
    """What dhcpd wrote to its leases file for ``KIND NAME`` (:func:`declaration`), or None
    for a fake server, which keeps no leases file: the file checks are dhcpd's alone."""
    if server.leases_file is None:
        return None
    return declaration(server.leases_file, kind, name)


def declaration(leases_file: Path, kind: str, name: str) -> str:
    """The body of the last ``KIND NAME { ... }`` block dhcpd wrote to its leases file."""
    pattern = re.compile(rf"^{re.escape(kind)} {re.escape(name)} \{{\n(.*?)^\}}", re.M | re.S)
    blocks = pattern.findall(leases_file.read_text())
    assert blocks, f"no {kind} {name} in {leases_file}"
    return str(blocks[-1])
