"""The pure-Python backend against a real ISC dhcpd, where it deliberately differs from C.

What both backends do alike is in test_scenarios_objects.py and test_scenarios_errors.py.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest

import dhcpctl
from testbed import dataset
from testbed.server import Endpoint

LEASE = dataset.LEASES[0]
python = dhcpctl.load_backend("python")


def connect(endpoint: Endpoint) -> Any:
    key = endpoint.key
    auth = None
    if key is not None:
        auth = python.dhcpctl_new_authenticator(key.name, key.algorithm, key.secret)
    return python.dhcpctl_timed_connect(endpoint.address, endpoint.port, auth, 10.0)


def open_lease(connection: Any, ip: str) -> tuple[Any, int]:
    lease = python.dhcpctl_new_object(connection, "lease")
    address = python.omapi_data_string_new(4)
    address.value[:] = socket.inet_aton(ip)
    python.dhcpctl_set_value(lease, address, "ip-address")
    python.dhcpctl_open_object(lease, connection, 0)
    return lease, python.dhcpctl_timed_wait_for_completion(lease, 10.0)


def test_use_after_disconnect_raises(dhcpd_server: Endpoint) -> None:
    """In C the handle is freed by dhcpctl_disconnect; here using it raises instead."""
    connection = connect(dhcpd_server)
    _, status = open_lease(connection, LEASE.ip)
    assert status == dhcpctl.ISC_R_SUCCESS
    python.dhcpctl_disconnect(connection)
    with pytest.raises(dhcpctl.DhcpctlError) as info:
        python.dhcpctl_new_object(connection, "lease")
    assert info.value.status == dhcpctl.DHCP_R_INVALIDARG
