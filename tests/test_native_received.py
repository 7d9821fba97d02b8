"""The typed client's ``received`` extension of the native backend: in API mode its C helpers
(``build_ffi.py``: ``py_slots``, ``py_received``) read exactly what ABI mode's field-by-field
walk through cffi reads, on the same live objects of a real dhcpd (a lease looked up; a host
created, then refreshed, which replaces every value; nothing new since a mark), also when their
buffers must grow. Run in a child interpreter in API mode, so that ``.ci/run``'s ABI-mode rerun
checks it too."""

from __future__ import annotations

import textwrap

import pytest
from child_python import run_python
from conftest import require_api_mode

from testbed import Endpoint, dataset

pytestmark = pytest.mark.native

CHILD = textwrap.dedent(
    """
    import socket, sys
    import dhcpctl._native as native
    from dhcpctl import DHCPCTL_CREATE, DHCPCTL_EXCL, load_backend
    from dhcpctl._native import received as r
    from dhcpctl._native.loader import ffi
    from dhcpctl._native.lock import locked

    assert native.MODE == "api", native.MODE
    address, port, name, algorithm, secret, lease_ip, host = sys.argv[1:]
    api = load_backend("native")
    auth = api.dhcpctl_new_authenticator(name, algorithm, bytes.fromhex(secret))
    conn = api.dhcpctl_connect(address, int(port), auth)
    compared = []

    def compare(handle, before):
        with locked():
            generic = r._generic("test", handle)
            pointer = handle.pointer("test")
            assert r.slots_in_c(pointer) == r._slots(generic)
            in_c = r.received_in_c(pointer, before)
            in_python = r.received_in_python(generic, before)
        assert in_c == in_python, (in_c, in_python)
        compared.append(len(in_c))
        return in_c

    def run(handle, send):
        before = r.mark(handle)
        send()
        assert api.dhcpctl_wait_for_completion(handle) == 0
        return compare(handle, before)

    lease = api.dhcpctl_new_object(conn, "lease")
    api.dhcpctl_set_data_value(lease, socket.inet_aton(lease_ip), "ip-address")
    values = run(lease, lambda: api.dhcpctl_open_object(lease, conn, 0))
    assert values["ip-address"] == socket.inet_aton(lease_ip) and len(values["ends"]) == 4
    assert compare(lease, r.mark(lease)) == {}  # nothing came since the mark
    assert compare(lease, []).keys() >= values.keys()

    # Buffers too small at first: both helpers grow them and read again.
    r._SLOTS[0] = ffi.new("uintptr_t[]", 1)
    r._PACKED[0] = ffi.new("unsigned char[]", 8)
    assert compare(lease, []).keys() >= values.keys()
    assert len(r._SLOTS[0]) > 1 and len(r._PACKED[0]) > 8

    made = api.dhcpctl_new_object(conn, "host")
    api.dhcpctl_set_string_value(made, host, "name")
    api.dhcpctl_set_data_value(made, bytes.fromhex("0200000000aa"), "hardware-address")
    api.dhcpctl_set_int_value(made, 1, "hardware-type")
    created = run(made, lambda: api.dhcpctl_open_object(made, conn, DHCPCTL_CREATE | DHCPCTL_EXCL))
    refreshed = run(made, lambda: api.dhcpctl_object_refresh(conn, made))
    assert refreshed["name"] == host.encode() and refreshed.keys() >= created.keys()
    api.dhcpctl_object_remove(conn, made)
    assert api.dhcpctl_wait_for_completion(made) == 0
    print("compared", compared)
    """
)


def test_c_helpers_read_what_the_cffi_walk_reads(dhcpd_server: Endpoint) -> None:
    require_api_mode()
    key = dhcpd_server.key
    assert key is not None
    arguments = [key.name, key.algorithm, key.secret.hex(), dataset.LEASES[0].ip]
    done = run_python(
        ["-c", CHILD, dhcpd_server.address, str(dhcpd_server.port), *arguments, "received-c"],
        DHCPCTL_NATIVE_MODE="",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("compared [")
    counts = [int(each) for each in done.stdout.strip()[len("compared [") : -1].split(",")]
    assert counts[0] >= 10 and counts[1] == 0 and min(counts[2:]) >= 3, counts
