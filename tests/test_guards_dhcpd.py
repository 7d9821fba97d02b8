"""What dhcpd 4.4.3-P1 does with each class of value dhcpctl._guards refuses.

Every value is sent raw through the C-named API (which sends what C sends) to a throwaway
test-bed dhcpd: it crashes or exits, answers success and drops statements, or accepts a name
or string it loses or garbles at its next start (``DhcpdServer.restart``: the same leases
file). Each test also checks that the guard refuses the value, with the reason seen here.
"""

from __future__ import annotations

import signal

import pytest
from guard_campaign import create, written
from scenario_helpers import connect, open_object

from dhcpctl import ISC_R_IOERROR, ISC_R_NOTFOUND, ISC_R_SUCCESS, DhcpctlError, load_backend
from dhcpctl._api import Backend
from dhcpctl._guards import check_name, check_object_size, check_statements
from testbed.pytest_plugin import ServerFactory
from testbed.server import DhcpdServer, make_key

#: Seconds dhcpd may take to die of a request, after its answer (or the reset) arrived.
DEATH = 10.0


@pytest.fixture(scope="module")
def backend() -> Backend:
    return load_backend("python")


def lookup(backend: Backend, server: DhcpdServer, kind: str, name: str | bytes) -> int:
    connection = connect(backend, server.endpoint)
    _, status = open_object(backend, connection, kind, {"name": name})
    backend.dhcpctl_disconnect(connection, True)
    return status


def host(number: int, statements: str | bytes) -> dict[str, object]:
    return {
        "name": f"h{number}",
        "hardware-address": bytes([2, 0, 0, 0, 0, number]),
        "hardware-type": 1,
        "statements": statements,
    }


def refused(text: str | bytes) -> str:
    """The guard's reason for refusing ``text`` (bytes read as Latin-1, one char a byte)."""
    with pytest.raises(ValueError) as caught:
        check_statements(text.decode("latin-1") if isinstance(text, bytes) else text)
    return str(caught.value)


@pytest.mark.parametrize(
    ("kind", "statements", "status", "reason"),
    [
        ("host", "option routers ;;; nonsense {", -signal.SIGSEGV, "SIGSEGV"),
        ("host", "default-lease-time 600; option routers;;", -signal.SIGSEGV, "SIGSEGV"),
        ("group", "default-lease-time;;", -signal.SIGSEGV, "SIGSEGV"),
        ("host", " " * 1500 + "default-lease-time 600;", 1, "exits"),
    ],
)
def test_dhcpd_dies_of_statements_the_guard_refuses(
    backend: Backend,
    dhcpd_factory: ServerFactory,
    kind: str,
    statements: str,
    status: int,
    reason: str,
) -> None:
    server = dhcpd_factory.start(with_dataset=False)
    values: dict[str, object] = {"name": "victim", "statements": statements}
    if kind == "host":
        values = host(1, statements)
    with pytest.raises(DhcpctlError):  # the connection dies with dhcpd
        create(backend, server, kind, values)
    assert server.wait(DEATH) == status, server.log_tail()
    if status == 1:
        assert "whitespace too long" in server.log_tail()
    assert reason in refused(statements)


#: Statements after which dhcpd answers success and keeps only what came before: each case is
#: sent as "default-lease-time 600; CASE option host-name "after";".
TRUNCATING: list[str | bytes] = [
    "}",
    "{",
    "option routers 1.2.3.4",
    ";",
    "option routers;",
    'option domain-name "unterminated',
    "option domain-name-servers 1.2.3.4,;",
    b"\0",
    b"\xff",
    b"\xe9",
    'option domain-name "' + "a" * 1500 + '";',
    'prepend ip-forwarding "yes";',
    "option host-name web 1;",
    "option routers 1.2.3;",
    "deny x;",
]


def test_dhcpd_drops_statements_after_what_the_guard_refuses(
    backend: Backend, dhcpd_factory: ServerFactory
) -> None:
    server = dhcpd_factory.start(with_dataset=False)
    control = 'default-lease-time 600; option domain-name "x"; option host-name "after";'
    check_statements(control)
    assert create(backend, server, "host", host(1, control)) == ISC_R_SUCCESS
    assert "after" in (written(server, "host", "h1") or "")
    for number, case in enumerate(TRUNCATING, start=2):
        prefix, suffix = "default-lease-time 600; ", ' option host-name "after";'
        text = (
            prefix.encode() + case + suffix.encode()
            if isinstance(case, bytes)
            else prefix + case + suffix
        )
        assert create(backend, server, "host", host(number, text)) == ISC_R_SUCCESS, case
        body = written(server, "host", f"h{number}")
        assert body is not None, case
        assert "default-lease-time" in body, (case, body)
        assert "after" not in body, (case, body)
        refused(text)
    assert server.running


def test_dhcpd_wraps_numbers_the_guard_refuses(
    backend: Backend, dhcpd_factory: ServerFactory
) -> None:
    """A number too large for its option is kept modulo its width (convert_num only warns)."""
    server = dhcpd_factory.start(with_dataset=False)
    for number, (statement, kept) in enumerate(
        [
            ("option default-ip-ttl 256;", "default-ip-ttl = 00;"),
            ("option time-offset 99999999999;", "time-offset = 48:76:e7:ff;"),
        ],
        start=1,
    ):
        assert create(backend, server, "host", host(number, statement)) == ISC_R_SUCCESS
        assert kept in (written(server, "host", f"h{number}") or ""), statement
        assert "does not fit" in refused(statement)


def test_strings_with_quotes_or_backslashes_corrupt_the_leases_file(
    backend: Backend, dhcpd_factory: ServerFactory
) -> None:
    """dhcpd writes strings back unescaped: at its next start a backslash changes the value, and
    a quote ends the string early: the rest is read as statements, the next host is lost."""
    server = dhcpd_factory.start(with_dataset=False)
    escaped = 'option host-name "a\\\\b";'
    injected = 'ddns-hostname "a\\"; }";'
    for number, statements in enumerate([escaped, injected, "default-lease-time 600;"], 1):
        assert create(backend, server, "host", host(number, statements)) == ISC_R_SUCCESS
    assert 'host-name = "a\\b";' in (written(server, "host", "h1") or "")
    assert 'ddns-hostname = "a"; }";' in (written(server, "host", "h2") or "")
    server.restart()
    assert "Corrupt lease file - possible data loss!" in server.log_file.read_text()
    assert "host-name = 61:08;" in (written(server, "host", "h1") or "")  # "a", backspace
    assert 'ddns-hostname = "a";' in (written(server, "host", "h2") or "")
    assert lookup(backend, server, "host", "h3") == ISC_R_NOTFOUND
    assert "backslash" in refused(injected)
    assert "backslash" in refused(escaped)


def test_statements_outside_the_allow_list_are_written_unreadably(
    backend: Backend, dhcpd_factory: ServerFactory
) -> None:
    """``return EXPR;`` is accepted, then written back as ``return;``, which dhcpd cannot read
    at its next start: the host loses it."""
    server = dhcpd_factory.start(with_dataset=False)
    assert create(backend, server, "host", host(1, "return 1;")) == ISC_R_SUCCESS
    assert "return;" in (written(server, "host", "h1") or "")
    server.restart()
    assert "expecting data expression" in server.log_file.read_text()
    assert "not an option statement" in refused("return 1;")


#: (kind, name, the create's status): names dhcpd loses at its next start.
LOST_NAMES: list[tuple[str, str | bytes, int]] = [
    ("host", "web 1", ISC_R_SUCCESS),
    ("host", "a;b", ISC_R_SUCCESS),
    ("host", "_a", ISC_R_SUCCESS),
    ("host", "x" * 1500, ISC_R_SUCCESS),
    ("host", b"caf\xe9", ISC_R_IOERROR),  # db_printable; kept in memory
    ("host", 'a"b', ISC_R_IOERROR),
    ("group", "a.b", ISC_R_SUCCESS),
    ("group", "123", ISC_R_SUCCESS),
    ("group", b"caf\xe9", ISC_R_SUCCESS),  # never written at all
    ("class", 'a"b', ISC_R_SUCCESS),
]
KEPT_NAMES = [("host", "web-1.example"), ("group", "gold-1"), ("class", "class one")]


def test_names_the_guard_refuses_are_lost_at_restart(
    backend: Backend, dhcpd_factory: ServerFactory
) -> None:
    server = dhcpd_factory.start(with_dataset=False)
    everything = [(kind, name, ISC_R_SUCCESS) for kind, name in KEPT_NAMES] + LOST_NAMES
    for number, (kind, name, status) in enumerate(everything, start=1):
        values: dict[str, object] = {"name": name}
        if kind == "host":
            values.update(hardware_address=bytes([2, 0, 0, 0, 1, number]), hardware_type=1)
            values = {key.replace("_", "-"): value for key, value in values.items()}
        if kind == "group":
            values["statements"] = "default-lease-time 600;"
        assert create(backend, server, kind, values) == status, (kind, name)
        assert lookup(backend, server, kind, name) == ISC_R_SUCCESS, (kind, name)
    server.restart()
    for kind, name in KEPT_NAMES:
        assert lookup(backend, server, kind, name) == ISC_R_SUCCESS, (kind, name)
        check_name(kind, name)
    for kind, name, _ in LOST_NAMES:
        assert lookup(backend, server, kind, name) == ISC_R_NOTFOUND, (kind, name)
        text = name.decode("latin-1") if isinstance(name, bytes) else name
        with pytest.raises(ValueError, match=r"next start|unescaped"):
            check_name(kind, text)


def test_a_value_over_the_reply_limit_is_kept_but_its_reply_dropped(
    backend: Backend, dhcpd_factory: ServerFactory
) -> None:
    server = dhcpd_factory.start(with_dataset=False)
    uid = b"u" * 65537
    values = {**host(1, "default-lease-time 600;"), "dhcp-client-identifier": uid}
    with pytest.raises(DhcpctlError, match="65537 exceeds 65536"):
        create(backend, server, "host", values)
    assert written(server, "host", "h1") is not None  # dhcpd created it all the same
    with pytest.raises(ValueError, match="65537 bytes"):
        check_object_size("host", (("name", b"h1"), ("dhcp-client-identifier", uid)))


def test_a_signature_across_an_output_buffer_aborts_a_keyed_dhcpd(
    backend: Backend, dhcpd_factory: ServerFactory
) -> None:
    """Not a size bound (so not refused, documented in dhcpctl._guards): the first reply of a
    connection to an hmac-md5 dhcpd, for a host named with 3,943 to 3,957 bytes, puts its
    signature across the end of a 4,048-byte output buffer, and dhcpd aborts."""
    server = dhcpd_factory.start(make_key("hmac-md5"), with_dataset=False)
    values = {"name": "n" * 3950, "hardware-address": bytes(6), "hardware-type": 1}
    with pytest.raises(DhcpctlError):
        create(backend, server, "host", values)
    assert server.wait(DEATH) == -signal.SIGABRT
    check_object_size("host", tuple((k, str(v).encode()) for k, v in values.items()))
