"""The calls of the native hot path (``dhcpctl._native.calls``): in API mode the C helpers of
``build_ffi.py`` (``py_new_object`` and the others), in ABI mode their Python twins. In each
mode, run in a child interpreter: a lease lookup made of them alone, against a real dhcpd, and
each check they make before calling C (a cell holding NULL, a wait's closed connection), with
the statuses that say so (in API mode the C ones equal the Python ones)."""

from __future__ import annotations

import textwrap

import pytest
from child_python import run_python
from conftest import require_api_mode

from testbed import Endpoint, dataset

pytestmark = pytest.mark.native

CHILD = textwrap.dedent(
    """
    import select, socket, sys
    from dhcpctl import load_backend
    from dhcpctl._results import ISC_R_TIMEDOUT
    from dhcpctl._native import calls
    from dhcpctl._native.loader import MODE, ffi, lib
    from dhcpctl._native.lock import locked

    assert MODE == sys.argv[-1], MODE
    if MODE == "api":
        refusals = (lib.PY_DEREFERENCED, lib.PY_CLOSED, lib.PY_DROPPED)
        assert refusals == (calls.DEREFERENCED, calls.CLOSED, calls.DROPPED), refusals
    address, port, name, algorithm, secret, lease_ip = sys.argv[1:7]
    api = load_backend("native")
    auth = api.dhcpctl_new_authenticator(name, algorithm, bytes.fromhex(secret))
    conn = api.dhcpctl_connect(address, int(port), auth)
    null = ffi.new("dhcpctl_handle *")
    status = ffi.new("dhcpctl_status *")
    ready = ffi.new("int[2]")
    buffer = ffi.new("unsigned char[]", 64)
    value = ffi.new("dhcpctl_data_string *")
    length = ffi.new("size_t *")
    requests = [calls.open_object, calls.object_update, calls.object_refresh,
                calls.object_remove]
    with locked():
        cell = ffi.new("dhcpctl_handle *")
        assert calls.new_object(cell, null, b"lease") == calls.DEREFERENCED
        assert cell[0] == ffi.NULL
        assert calls.new_object(cell, conn.cell, b"lease") == 0 and cell[0] != ffi.NULL
        ip = socket.inet_aton(lease_ip)
        assert calls.set_data_value(null, ip, 4, b"ip-address") == calls.DEREFERENCED
        assert calls.set_data_value(cell, ip, 4, b"ip-address") == 0
        for request in requests:
            assert request(null, cell, 0) == calls.DEREFERENCED
            assert request(conn.cell, null, 0) == calls.DEREFERENCED
        assert calls.open_object(conn.cell, cell, 0) == 0
        assert calls.wait_step(null, conn.cell, status, ready) == calls.DEREFERENCED
        assert calls.wait_step(cell, null, status, ready) == calls.CLOSED
        # The first step writes the request; none blocks: a step is tried again once its
        # socket has input.
        while (stepped := calls.wait_step(cell, conn.cell, status, ready)) == ISC_R_TIMEDOUT:
            assert ready[1] in (0, 1), ready[1]
            select.select([ready[0]], [ready[0]] if ready[1] else [], [], 5)
        assert stepped == 0 and status[0] == 0, (stepped, status[0])
        length[0] = 99
        assert calls.get_value(null, b"ends", buffer, 64, value, length) == calls.DEREFERENCED
        assert length[0] == 0 and value[0] == ffi.NULL
        assert calls.get_value(cell, b"ends", buffer, 64, value, length) == 0
        assert length[0] == 4 and value[0] == ffi.NULL
        assert calls.get_value(cell, b"ip-address", buffer, 64, value, length) == 0
        assert bytes(buffer[0:length[0]]) == ip
        setters = [(calls.set_value, ffi.NULL), (calls.set_string_value, b"text"),
                   (calls.set_boolean_value, 1), (calls.set_int_value, 7)]
        for setter, argument in setters:
            assert setter(null, argument, b"x") == calls.DEREFERENCED
        assert calls.set_null_value(null, b"x") == calls.DEREFERENCED
        assert calls.set_string_value(cell, b"text", b"x-string") == 0
        assert calls.set_int_value(cell, 7, b"x-int") == 0
        assert calls.get_value(cell, b"x-string", buffer, 64, value, length) == 0
        assert bytes(buffer[0:length[0]]) == b"text"
        assert calls.set_null_value(cell, b"x-int") == 0
        assert calls.release(cell) == 0 and cell[0] == ffi.NULL
        assert calls.release(cell) == calls.DEREFERENCED
        for request in requests:
            assert request(conn.cell, cell, 0) == calls.DEREFERENCED
    print("looked up", MODE)
    """
)


@pytest.mark.parametrize("mode", ["api", "abi"])
def test_calls_check_their_cells_and_look_up_a_lease(dhcpd_server: Endpoint, mode: str) -> None:
    if mode == "api":
        require_api_mode()
    key = dhcpd_server.key
    assert key is not None
    arguments = [key.name, key.algorithm, key.secret.hex(), dataset.LEASES[0].ip, mode]
    done = run_python(
        ["-c", CHILD, dhcpd_server.address, str(dhcpd_server.port), *arguments],
        DHCPCTL_NATIVE_MODE="" if mode == "api" else "abi",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"looked up {mode}"
