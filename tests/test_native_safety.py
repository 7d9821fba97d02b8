"""The native backend never crashes or hangs the interpreter, whatever Python passes it.

Every scenario runs in a child interpreter, so a segfault or a hang fails its test instead of
taking pytest down. The child reaches the test-bed server through the ``DHCPCTL_TEST_SERVER``
variables (:func:`testbed.server.endpoint_from_env`).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from child_python import run_python
from conftest import backend_or_skip, require_api_mode

from testbed import dataset
from testbed.server import Endpoint

ROOT = Path(__file__).resolve().parent.parent
LEASE = dataset.LEASES[0]

PRELUDE = f"""
import os, socket, sys, threading, time
import pytest
from dhcpctl import _native as n
from dhcpctl import fallback
from testbed.server import endpoint_from_env

LEASE_IP = {LEASE.ip!r}

def connect():
    endpoint = endpoint_from_env(os.environ)
    key = endpoint.key
    auth = n.dhcpctl_new_authenticator(key.name, key.algorithm, key.secret) if key else None
    return n.dhcpctl_timed_connect(endpoint.address, endpoint.port, auth, 10.0)

def open_lease(connection, ip=LEASE_IP):
    lease = n.dhcpctl_new_object(connection, "lease")
    n.dhcpctl_set_data_value(lease, socket.inet_aton(ip), "ip-address")
    n.dhcpctl_open_object(lease, connection, 0)
    return lease, n.dhcpctl_timed_wait_for_completion(lease, 10.0)

def raises(error, call, *args, status=None):
    with pytest.raises(error) as info:
        call(*args)
    if status is not None:
        assert info.value.status == status, (call.__name__, info.value)
    return info.value
"""


pytestmark = pytest.mark.native


@pytest.fixture(autouse=True)
def native() -> None:
    """Skip without the native backend (fail instead with DHCPCTL_REQUIRE_NATIVE=1)."""
    backend_or_skip("native")


def server_environ(endpoint: Endpoint | None) -> dict[str, str]:
    """The DHCPCTL_TEST_* variables that name ``endpoint`` to the child (none for None)."""
    if endpoint is None:
        return {}
    environ = {"DHCPCTL_TEST_SERVER": f"{endpoint.address}:{endpoint.port}"}
    if endpoint.key is not None:
        environ["DHCPCTL_TEST_KEY_NAME"] = endpoint.key.name
        environ["DHCPCTL_TEST_KEY_ALGORITHM"] = endpoint.key.algorithm
        environ["DHCPCTL_TEST_KEY_SECRET"] = endpoint.key.secret_base64
    return environ


def run_child(code: str, endpoint: Endpoint | None = None, **extra: str) -> str:
    """Run ``code`` after PRELUDE in a fresh interpreter; it must print OK and exit 0."""
    script = PRELUDE + textwrap.dedent(code) + "\nprint('OK')\n"
    run = run_python(["-c", script], **server_environ(endpoint), **extra)
    assert run.returncode == 0 and run.stdout.rstrip().endswith("OK"), (
        f"exit {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    )
    return run.stdout


def test_handle_after_dereference() -> None:
    run_child("""
    auth = n.dhcpctl_new_authenticator("k", "hmac-md5", b"secret")
    assert bytes(n.dhcpctl_get_value(auth, "name")) == b"k"
    n.omapi_object_dereference(auth)
    for call, args in [
        (n.dhcpctl_get_value, (auth, "name")),
        (n.dhcpctl_set_int_value, (auth, 1, "x")),
        (n.omapi_object_dereference, (auth,)),
        (n.dhcpctl_timed_connect, ("127.0.0.1", 1, auth, 1.0)),
    ]:
        raises(n.DhcpctlError, call, *args, status=n.DHCP_R_INVALIDARG)
    del auth
    """)


def test_copied_handle() -> None:
    """A copy of a handle is the handle: a second Handle on the same cell released the C
    object when it was dropped, under the first. A deep copy is refused, as cffi refuses to
    copy the cell, with no half-made Handle left to its finalizer ("Exception ignored")."""
    run_child("""
    import copy, gc
    unraisable = []
    sys.unraisablehook = unraisable.append
    auth = n.dhcpctl_new_authenticator("k", "hmac-md5", b"secret")
    copied = copy.copy(auth)
    del copied
    gc.collect()
    assert bytes(n.dhcpctl_get_value(auth, "name")) == b"k", repr(auth)
    raises(TypeError, copy.deepcopy, [auth])
    gc.collect()
    assert not unraisable, [(hook.exc_value, hook.object) for hook in unraisable]
    assert bytes(n.dhcpctl_get_value(auth, "name")) == b"k", repr(auth)
    """)


def test_data_string_after_dereference() -> None:
    run_child("""
    ds = n.omapi_data_string_new(4)
    ds.value[:] = b"abcd"
    assert (ds.len, bytes(ds)) == (4, b"abcd")
    n.dhcpctl_data_string_dereference(ds)
    raises(n.DhcpctlError, n.dhcpctl_data_string_dereference, ds, status=n.DHCP_R_INVALIDARG)
    raises(n.DhcpctlError, bytes, ds, status=n.DHCP_R_INVALIDARG)
    raises(n.DhcpctlError, lambda: ds.value, status=n.DHCP_R_INVALIDARG)
    raises(n.DhcpctlError, lambda: ds.len, status=n.DHCP_R_INVALIDARG)
    assert repr(ds) == "DataString(<released>)"
    auth = n.dhcpctl_new_authenticator("k", "hmac-md5", b"secret")
    raises(n.DhcpctlError, n.dhcpctl_set_value, auth, ds, "x", status=n.DHCP_R_INVALIDARG)
    # Many data strings dropped without dereference: freed by their finalizers.
    for _ in range(10000):
        n.omapi_data_string_new(64).value[:2] = b"xy"
    """)


def test_none_and_wrong_types() -> None:
    run_child("""
    auth = n.dhcpctl_new_authenticator("k", "hmac-md5", b"secret")
    calls = [
        (n.dhcpctl_connect, ("127.0.0.1", 7911, 42)),
        (n.dhcpctl_connect, (None, 7911, None)),
        (n.dhcpctl_connect, ("127.0.0.1", "7911", None)),
        (n.dhcpctl_timed_connect, ("127.0.0.1", 7911, None, "1")),
        (n.dhcpctl_disconnect, (None,)),
        (n.dhcpctl_disconnect, (auth,)),
        (n.dhcpctl_wait_for_completion, (None,)),
        (n.dhcpctl_timed_wait_for_completion, (None, 1.0)),
        (n.dhcpctl_get_value, (None, "name")),
        (n.dhcpctl_get_value, (auth, None)),
        (n.dhcpctl_get_boolean, (None, "name")),
        (n.dhcpctl_set_value, (None, b"x", "name")),
        (n.dhcpctl_set_value, (auth, "text", "name")),
        (n.dhcpctl_set_string_value, (auth, b"x", "name")),
        (n.dhcpctl_set_data_value, (auth, "x", "name")),
        (n.dhcpctl_set_null_value, (None, "name")),
        (n.dhcpctl_set_boolean_value, (auth, "yes", "name")),
        (n.dhcpctl_set_int_value, (auth, 1.5, "name")),
        (n.dhcpctl_object_update, (None, None)),
        (n.dhcpctl_object_refresh, (auth, auth)),
        (n.dhcpctl_object_remove, (None, auth)),
        (n.dhcpctl_set_callback, (None, None, print)),
        (n.dhcpctl_new_authenticator, (None, "hmac-md5", b"")),
        (n.dhcpctl_new_authenticator, ("k", "hmac-md5", "text")),
        (n.dhcpctl_new_object, (None, "lease")),
        (n.dhcpctl_new_object, (auth, "lease")),
        (n.dhcpctl_open_object, (None, None, 0)),
        (n.dhcpctl_data_string_dereference, (None,)),
        (n.dhcpctl_data_string_dereference, (b"abcd",)),
        (n.omapi_data_string_new, ("4",)),
        (n.omapi_object_dereference, (None,)),
        (n.isc_result_totext, ("0",)),
    ]
    for call, args in calls:
        error = raises(TypeError, call, *args)
        assert call.__name__ in str(error), error
    raises(n.DhcpctlError, n.dhcpctl_set_int_value, auth, 1 << 32, "x",
           status=n.DHCP_R_INVALIDARG)
    raises(n.DhcpctlError, n.dhcpctl_get_value, auth, "a\\0b", status=n.DHCP_R_INVALIDARG)
    raises(n.DhcpctlError, n.omapi_data_string_new, -1, status=n.DHCP_R_INVALIDARG)
    raises(n.DhcpctlError, n.dhcpctl_connect, "127.0.0.1", 70000, None,
           status=n.DHCP_R_INVALIDARG)
    assert n.isc_result_totext(2**40 + n.ISC_R_TIMEDOUT) == "timed out"
    """)


def test_handles_of_the_python_backend() -> None:
    run_child("""
    foreign_auth = fallback.dhcpctl_new_authenticator("k", "hmac-md5", b"secret")
    foreign_ds = fallback.omapi_data_string_new(4)
    auth = n.dhcpctl_new_authenticator("k", "hmac-md5", b"secret")
    for call, args in [
        (n.dhcpctl_get_value, (foreign_auth, "name")),
        (n.dhcpctl_connect, ("127.0.0.1", 7911, foreign_auth)),
        (n.omapi_object_dereference, (foreign_auth,)),
        (n.dhcpctl_data_string_dereference, (foreign_ds,)),
        (n.dhcpctl_set_value, (auth, foreign_ds, "x")),
    ]:
        error = raises(TypeError, call, *args)
        assert "pure-Python backend" in str(error), error
    """)


def test_connection_misuse(dhcpd_server: Endpoint) -> None:
    run_child(
        """
    connection = connect()
    # Nothing comes on a connection after the connect: C would block.
    raises(n.DhcpctlError, n.dhcpctl_wait_for_completion, connection, status=n.DHCP_R_INVALIDARG)
    lease = n.dhcpctl_new_object(connection, "lease")
    # Nothing pending: C would block forever.
    raises(n.DhcpctlError, n.dhcpctl_wait_for_completion, lease, status=n.DHCP_R_INVALIDARG)
    raises(n.DhcpctlError, n.dhcpctl_timed_wait_for_completion, lease, 0.1,
           status=n.DHCP_R_INVALIDARG)
    lease, status = open_lease(connection)
    assert status == n.ISC_R_SUCCESS
    # The reply was taken: a second wait has nothing to wait for.
    raises(n.DhcpctlError, n.dhcpctl_wait_for_completion, lease, status=n.DHCP_R_INVALIDARG)
    # Wrong handle kinds where C would follow a pointer that is not there.
    raises(TypeError, n.dhcpctl_object_refresh, lease, connection)
    raises(TypeError, n.dhcpctl_new_object, lease, "lease")
    n.dhcpctl_object_refresh(connection, lease)
    n.dhcpctl_disconnect(connection)
    # The request was in flight on a closed connection: it can never complete.
    raises(n.DhcpctlError, n.dhcpctl_wait_for_completion, lease, status=n.DHCP_R_CONNRESET)
    for call, args in [
        (n.dhcpctl_new_object, (connection, "lease")),
        (n.dhcpctl_object_refresh, (connection, lease)),
        (n.dhcpctl_disconnect, (connection,)),
        (n.dhcpctl_wait_for_completion, (connection,)),
        (n.omapi_object_dereference, (connection,)),
    ]:
        raises(n.DhcpctlError, call, *args, status=n.DHCP_R_INVALIDARG)
    # The values the object got stay readable.
    assert len(bytes(n.dhcpctl_get_value(lease, "ends"))) == 4
    # Explicit dereference of a connection, then the finalizers of everything.
    other = connect()
    n.omapi_object_dereference(other)
    raises(n.DhcpctlError, n.dhcpctl_new_object, other, "lease", status=n.DHCP_R_INVALIDARG)
    del connection, lease, other
    import gc; gc.collect()
    again = connect()
    assert open_lease(again)[1] == n.ISC_R_SUCCESS
    """,
        dhcpd_server,
    )


def test_replies_read_by_another_wait(dhcpd_server: Endpoint) -> None:
    """Two objects in flight, waited for in reverse order: C would block on the second wait."""
    run_child(
        """
    connection = connect()
    other = connect()
    objects = []
    for conn in (connection, connection, other):
        lease = n.dhcpctl_new_object(conn, "lease")
        n.dhcpctl_set_data_value(lease, socket.inet_aton(LEASE_IP), "ip-address")
        n.dhcpctl_open_object(lease, conn, 0)
        objects.append(lease)
    for lease in reversed(objects):
        assert n.dhcpctl_timed_wait_for_completion(lease, 5.0) == n.ISC_R_SUCCESS
        assert len(bytes(n.dhcpctl_get_value(lease, "ends"))) == 4
        raises(n.DhcpctlError, n.dhcpctl_wait_for_completion, lease, status=n.DHCP_R_INVALIDARG)
    """,
        dhcpd_server,
    )


@pytest.mark.parametrize("mode", ["api", "abi"])
def test_gil_released_while_waiting(mode: str) -> None:
    """While a connect blocks in C, a Python thread runs: it is the peer that answers the connect.

    The peer accepts and introduces itself from a thread of the same interpreter; if C held the
    GIL while it waits, that thread could not run and the connect would time out instead.
    """
    if mode == "api":
        require_api_mode()
    run_child(
        """
    assert n.MODE == os.environ["DHCPCTL_NATIVE_MODE"], n.MODE
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    def peer():
        conn, _ = listener.accept()
        conn.sendall((100).to_bytes(4, "big") + (24).to_bytes(4, "big"))  # OMAPI intro
        conn.recv(8)
        peers.append(conn)
    peers = []
    thread = threading.Thread(target=peer)
    thread.start()
    connection = n.dhcpctl_timed_connect("127.0.0.1", listener.getsockname()[1], None, 20.0)
    thread.join()
    assert len(peers) == 1  # the peer ran while C waited in the connect
    n.dhcpctl_disconnect(connection)
    """,
        DHCPCTL_NATIVE_MODE=mode,
    )


def test_threads_share_the_library(dhcpd_server: Endpoint) -> None:
    """Calls from many threads are serialized by the module lock: all succeed."""
    run_child(
        """
    errors = []
    def worker():
        try:
            connection = connect()
            for _ in range(20):
                lease, status = open_lease(connection)
                assert status == n.ISC_R_SUCCESS
                assert len(bytes(n.dhcpctl_get_value(lease, "ends"))) == 4
            n.dhcpctl_disconnect(connection)
        except BaseException as error:
            errors.append(error)
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    """,
        dhcpd_server,
    )


def test_abi_mode_lease_query(dhcpd_server: Endpoint) -> None:
    """cffi ABI mode (ISC's shared libraries, no compiled module) runs the seed query."""
    run_child(
        """
    assert n.MODE == "abi", n.MODE
    connection = connect()
    ipaddrstring = n.omapi_data_string_new(4)
    ipaddrstring.value[:] = socket.inet_aton(LEASE_IP)
    lease = n.dhcpctl_new_object(connection, "lease")
    n.dhcpctl_set_value(lease, ipaddrstring, "ip-address")
    n.dhcpctl_open_object(lease, connection, 0)
    assert n.dhcpctl_wait_for_completion(lease) == n.ISC_R_SUCCESS
    n.dhcpctl_data_string_dereference(ipaddrstring)
    value = n.dhcpctl_get_value(lease, "ends")
    print("ends", int.from_bytes(bytes(value), "big"))
    n.dhcpctl_data_string_dereference(value)
    n.omapi_object_dereference(lease)
    raises(n.DhcpctlError, n.dhcpctl_wait_for_completion, lease, status=n.DHCP_R_INVALIDARG)
    n.dhcpctl_disconnect(connection)
    """,
        dhcpd_server,
        DHCPCTL_NATIVE_MODE="abi",
    )


def test_the_import_keeps_the_programs_signal_handling() -> None:
    """ISC's start-up (``omapip/isclib.c``) sets SIGINT and SIGTERM to their default action:
    importing the backend made Ctrl-C kill the process (status 130, no KeyboardInterrupt, no
    ``finally``) and silently dropped a program's own SIGTERM handler (status 143). Each
    signal comes after the import, in this mode (API, or ABI in CI's rerun), from the process
    itself."""
    code = textwrap.dedent("""
        import os, signal
        caught = []
        signal.signal(signal.SIGTERM, lambda number, frame: caught.append("SIGTERM"))
        # Python's own Ctrl-C handler, which it leaves out where SIGINT was ignored at its
        # start (a background job of a shell, as in CI)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        from dhcpctl import _native
        assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == mask
        os.kill(os.getpid(), signal.SIGTERM)
        try:
            os.kill(os.getpid(), signal.SIGINT)
            signal.sigtimedwait([], 0.1)  # a bytecode boundary for the handlers to run
        except KeyboardInterrupt:
            caught.append("KeyboardInterrupt")
        finally:
            print(caught)
    """)
    result = run_python(["-c", code])
    assert (result.returncode, result.stdout.strip()) == (0, "['SIGTERM', 'KeyboardInterrupt']"), (
        result.returncode,
        result.stdout,
        result.stderr,
    )


def test_a_refused_connect_beside_an_open_connection(dhcpd_server: Endpoint) -> None:
    """ISC's library drops a refused connect but its wait returns only when no other
    connection is open: with one open, an untimed connect waited for good and a timed one
    out its timeout (ISC_R_TIMEDOUT, "no answer in time"). Both fail at once with
    ISC_R_NOMORE, as with nothing else open, and the open connection still works."""
    run_child(
        """
        connection = connect()
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
            for timeout in (None, 30.0):
                started = time.monotonic()
                if timeout is None:
                    raises(n.DhcpctlError, n.dhcpctl_connect, "127.0.0.1", port, None,
                           status=n.ISC_R_NOMORE)
                else:
                    raises(n.DhcpctlError, n.dhcpctl_timed_connect, "127.0.0.1", port, None,
                           timeout, status=n.ISC_R_NOMORE)
                assert time.monotonic() - started < 10, time.monotonic() - started
        lease, status = open_lease(connection)
        assert status == n.ISC_R_SUCCESS
        """,
        dhcpd_server,
    )
