"""``dhcpctl_set_callback``: both backends call it as C's signal chain would.

What C does (ISC DHCP 4.4.3-P1):

- ``dhcpctl_set_callback`` hangs a callback object at the inner end of the handle's chain
  (``dhcpctl/callback.c:57-63``: remote object -> generic object -> callback). Its signal
  handler (``callback.c:103-131``) calls ``func(handle, waitstatus, data)`` with the handle
  it was given and the remote object's ``waitstatus`` on every "ready", and does not pass
  "ready" on; a second callback set on the handle hangs inside the first and never hears it.
- The remote object turns "updated" and "status" into "ready" (``dhcpctl/remote.c:301-314``).
- ``omapi_message_process`` answers an UPDATE that replies to a request with
  ``omapi_object_update`` (whose "updated" signal is ``omapip/support.c:556``), then signals
  "status" (``omapip/message.c:680-700``); a STATUS signals "status" only
  (``message.c:711-736``).
- dhcpd answers an open or refresh that succeeds with an UPDATE (``message.c:628-643``) and
  everything else (not found, update, remove, any error) with a STATUS.

So a found open or refresh calls back twice with ``ISC_R_SUCCESS``; an open not found, an
update and a remove call back once with the server's status. The one deliberate difference:
in C a wait on a handle with a callback blocks forever (the callback object swallows the
"ready" the waiter needs); here it returns the status as without a callback. A callback that
raises is logged (logger ``dhcpctl``) and otherwise ignored (``dhcpctl._callback``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pytest
from scenario_helpers import (
    TIMEOUT,
    Recorder,
    Value,
    connect,
    get,
    ip,
    mac,
    open_object,
    refresh,
    remove,
    set_values,
    uint32,
    update,
)

import dhcpctl
from dhcpctl._api import Backend, Handle
from testbed import dataset
from testbed.pytest_plugin import ServerFactory
from testbed.server import Endpoint, make_key

LEASE = dataset.LEASES[0]
SUCCESS = dhcpctl.ISC_R_SUCCESS


def open_with_callback(
    backend: Backend,
    connection: Handle,
    object_type: str,
    keys: Mapping[str, Value],
    flags: int = 0,
) -> tuple[Handle, int, Recorder, object]:
    """A new object with a :class:`Recorder` set before ``dhcpctl_open_object``: the handle,
    the wait's status, the recorder and the data it was set with."""
    handle = backend.dhcpctl_new_object(connection, object_type)
    set_values(backend, handle, keys)
    recorder, data = Recorder(), object()
    backend.dhcpctl_set_callback(handle, data, recorder)
    backend.dhcpctl_open_object(handle, connection, flags)
    return handle, backend.dhcpctl_timed_wait_for_completion(handle, TIMEOUT), recorder, data


def test_open_found_calls_twice(backend: Backend, dhcpd_server: Endpoint) -> None:
    connection = connect(backend, dhcpd_server)
    lease, status, recorder, data = open_with_callback(
        backend, connection, "lease", {"ip-address": ip(LEASE.ip)}
    )
    assert status == SUCCESS
    assert recorder.statuses(lease, data) == [SUCCESS, SUCCESS]
    # Both calls ran in this thread, inside the wait that read the reply.
    assert len({call.thread for call in recorder.calls}) == 1


def test_open_not_found_calls_once(backend: Backend, dhcpd_server: Endpoint) -> None:
    connection = connect(backend, dhcpd_server)
    unknown = {"hardware-address": mac("52:54:00:00:00:99")}
    lease, status, recorder, data = open_with_callback(backend, connection, "lease", unknown)
    assert status == dhcpctl.ISC_R_NOTFOUND
    assert recorder.statuses(lease, data) == [dhcpctl.ISC_R_NOTFOUND]


def test_create_refresh_update_remove(backend: Backend, dhcpd_factory: ServerFactory) -> None:
    server = dhcpd_factory.start(make_key("hmac-sha256"))
    connection = connect(backend, server.endpoint)
    made: dict[str, Value] = {"name": "called-back", "hardware-address": mac("02:00:00:00:0c:0b")}
    flags = dhcpctl.DHCPCTL_CREATE | dhcpctl.DHCPCTL_EXCL
    host, status, recorder, data = open_with_callback(backend, connection, "host", made, flags)
    assert status == SUCCESS
    assert recorder.statuses(host, data) == [SUCCESS] * 2
    assert refresh(backend, connection, host) == SUCCESS
    assert recorder.statuses(host, data) == [SUCCESS] * 4
    assert update(backend, connection, host, {"ip-address": ip("198.18.254.78")}) == SUCCESS
    assert recorder.statuses(host, data) == [SUCCESS] * 5
    # omapi.c dhcp_host_set_value: a host cannot be renamed.
    assert update(backend, connection, host, {"name": "renamed"}) == dhcpctl.ISC_R_EXISTS
    assert recorder.statuses(host, data) == [SUCCESS] * 5 + [dhcpctl.ISC_R_EXISTS]
    assert remove(backend, connection, host) == SUCCESS
    assert recorder.statuses(host, data) == [SUCCESS] * 5 + [dhcpctl.ISC_R_EXISTS, SUCCESS]


def test_only_the_first_callback_is_called(backend: Backend, dhcpd_server: Endpoint) -> None:
    connection = connect(backend, dhcpd_server)
    lease, _ = open_object(backend, connection, "lease", {"ip-address": ip(LEASE.ip)})
    first, second = Recorder(), Recorder()
    backend.dhcpctl_set_callback(lease, "first", first)
    backend.dhcpctl_set_callback(lease, "second", second)
    assert refresh(backend, connection, lease) == SUCCESS
    assert first.statuses(lease, "first") == [SUCCESS, SUCCESS]
    assert second.calls == []


def test_callback_may_call_dhcpctl(backend: Backend, dhcpd_server: Endpoint) -> None:
    """Callbacks run outside the backend's lock: they may read the values the reply brought."""
    connection = connect(backend, dhcpd_server)
    lease = backend.dhcpctl_new_object(connection, "lease")
    backend.dhcpctl_set_value(lease, ip(LEASE.ip), "ip-address")
    seen: list[bytes] = []
    backend.dhcpctl_set_callback(
        lease, None, lambda handle, status, data: seen.append(get(backend, handle, "ends"))
    )
    backend.dhcpctl_open_object(lease, connection, 0)
    assert backend.dhcpctl_timed_wait_for_completion(lease, TIMEOUT) == SUCCESS
    assert seen == [uint32(LEASE.ends)] * 2


def test_callback_exception_is_logged_and_dropped(
    backend: Backend, dhcpd_server: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """The wait still returns the server's status, every call is still made, and the
    connection goes on working."""
    connection = connect(backend, dhcpd_server)
    lease = backend.dhcpctl_new_object(connection, "lease")
    backend.dhcpctl_set_value(lease, ip(LEASE.ip), "ip-address")
    recorder = Recorder(error=RuntimeError("callback bug"))
    backend.dhcpctl_set_callback(lease, "data", recorder)
    with caplog.at_level(logging.ERROR, logger="dhcpctl"):
        backend.dhcpctl_open_object(lease, connection, 0)
        assert backend.dhcpctl_timed_wait_for_completion(lease, TIMEOUT) == SUCCESS
        assert refresh(backend, connection, lease) == SUCCESS
    assert recorder.statuses(lease, "data") == [SUCCESS] * 4
    errors = [record for record in caplog.records if record.name == "dhcpctl"]
    assert len(errors) == 4
    assert all(record.exc_info and record.exc_info[1] is recorder.error for record in errors)
    other, status = open_object(backend, connection, "lease", {"ip-address": ip(LEASE.ip)})
    assert status == SUCCESS
    assert get(backend, other, "ends") == uint32(LEASE.ends)
