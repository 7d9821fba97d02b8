"""The typed layer's values without a server: encoders and decoders (hypothesis round trips),
the attribute tables, the operations' checks and descriptions, the error classes."""

from __future__ import annotations

import dataclasses
import ipaddress
import pickle
import re
from datetime import datetime, timedelta, timezone
from typing import TypeVar

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import dhcpctl
from dhcpctl import _model, _values
from dhcpctl._collections import Failover, Groups, Hosts, Leases, Sync
from dhcpctl._errors import typed_error
from dhcpctl._exchange import Open, Operation, Request, Update
from dhcpctl._model import SCHEMAS, Access
from dhcpctl._operations import describe, reply_error

T = TypeVar("T")
SETTINGS = settings(max_examples=300, deadline=None)

macs = st.binary(min_size=1, max_size=_values.HARDWARE_ADDR_LEN)
epoch_seconds = st.integers(min_value=0, max_value=_values.NEVER - 1)


# -- MAC addresses ------------------------------------------------------------------------------


def spellings(octets: bytes) -> list[object]:
    """Every spelling of ``octets`` the issue lists that fits its length."""
    hexes = [f"{octet:02x}" for octet in octets]
    found: list[object] = [
        octets,
        bytearray(octets),
        ":".join(hexes),
        ":".join(hexes).upper(),
        "-".join(hexes).upper(),
        "".join(hexes),
    ]
    if len(octets) >= 2:  # one digit where it suffices, with separators
        found.append(":".join(f"{octet:x}" for octet in octets))
    if len(octets) % 2 == 0 and len(octets) >= 4:
        text = "".join(hexes)
        found.append(".".join(text[at : at + 4] for at in range(0, len(text), 4)))
    return found


@SETTINGS
@given(macs)
def test_mac_every_spelling_encodes_to_the_octets_and_decodes_lower_case(octets: bytes) -> None:
    for spelling in spellings(octets):
        assert _values.MAC.encode(spelling, "mac") == octets, spelling
    text = _values.MAC.decode(octets)
    assert text == text.lower()
    assert _values.MAC.encode(text, "mac") == octets


@pytest.mark.parametrize(
    "bad",
    ["", "zz:11", "00:11:22:33:44:55:", "00:11-22:33", "0011.2233.445", "001", b"", b"x" * 21, 5],
)
def test_mac_that_cannot_be_encoded_names_field_and_value(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^mac: ") as raised:
        _values.MAC.encode(bad, "mac")
    assert repr(bad) in str(raised.value)


def test_mac_of_an_infiniband_port_is_20_octets() -> None:
    """includes/dhcpd.h HARDWARE_ADDR_LEN 20 (InfiniBand, hardware type 32): 20 octets are
    kept, 21 refused with the limit named."""
    octets = bytes(range(1, 21))
    assert _values.MAC.encode(octets.hex(":"), "mac") == octets
    assert _values.MAC.decode(octets) == octets.hex(":")
    with pytest.raises(ValueError, match="has 21 octets; ISC keeps 1 to 20"):
        _values.MAC.encode((octets + b"\x15").hex(":"), "mac")
    with pytest.raises(ValueError):
        _values.MAC.decode(octets + b"\x15")


# -- IPv4 ---------------------------------------------------------------------------------------


@SETTINGS
@given(st.binary(min_size=4, max_size=4))
def test_ipv4_round_trips_in_every_form(packed: bytes) -> None:
    address = _values.IPV4.decode(packed)
    assert isinstance(address, ipaddress.IPv4Address)
    for form in (address, str(address)):
        assert _values.IPV4.encode(form, "ip") == packed
    with pytest.raises(ValueError, match=r"^ip: .* is not an IPv4 address \(str or IPv4Address\)"):
        _values.IPV4.encode(packed, "ip")  # as README and the signatures say


#: Text near dotted quads: digits, dots, signs, spaces, leading zeros, hex and octal forms.
NEAR_IPV4 = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.text(alphabet="0123456789.", max_size=16),
    st.text(alphabet="0123456789.x+- \t", max_size=18),
    st.lists(st.integers(0, 300).map(str), min_size=1, max_size=5).map(".".join),
    st.lists(st.from_regex(r"0[0-9]{1,3}", fullmatch=True), min_size=4, max_size=4).map(".".join),
    # Text the C parser cannot even take: a NUL, a lone surrogate (no UTF-8), anything.
    st.tuples(st.ip_addresses(v=4).map(str), st.sampled_from(["\0", "\udc80"])).map("".join),
    st.text(max_size=18),
)


@SETTINGS
@given(NEAR_IPV4)
@example("1.2.3.4\0").via("a NUL: inet_pton raises ValueError")
@example("\udc80").via("a lone surrogate: UnicodeEncodeError")
def test_ipv4_text_is_read_as_ipaddress_reads_it(text: str) -> None:
    """The encoder's fast path (the C parser) accepts exactly what ipaddress accepts, with
    the same bytes, and refuses the rest."""
    try:
        expected: bytes | None = ipaddress.IPv4Address(text.strip()).packed
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(ValueError, match=r"^ip: "):
            _values.IPV4.encode(text, "ip")
    else:
        assert _values.IPV4.encode(text, "ip") == expected


@SETTINGS
@given(st.lists(st.binary(min_size=4, max_size=4), min_size=1, max_size=8))
def test_ipv4_list_round_trips(addresses: list[bytes]) -> None:
    wire = b"".join(addresses)
    decoded = _values.IPV4_LIST.decode(wire)
    assert _values.IPV4_LIST.encode(list(decoded), "ip") == wire
    assert _values.IPV4_LIST.encode([str(each) for each in decoded], "ip") == wire


@pytest.mark.parametrize("bad", ["1.2.3", "1.2.3.256", "::1", b"\1\2\3", 16909060, []])
def test_ipv4_that_cannot_be_encoded_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^ip: "):
        _values.IPV4_LIST.encode(bad, "ip")


# -- times --------------------------------------------------------------------------------------


@SETTINGS
@given(epoch_seconds)
def test_time_round_trips_as_utc_datetime(seconds: int) -> None:
    wire = seconds.to_bytes(4, "big")
    moment = _values.TIME.decode(wire)
    assert moment is not None and moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)
    assert _values.TIME.encode(moment, "ends") == wire
    other_zone = moment.astimezone(timezone(timedelta(hours=-7)))
    assert _values.TIME.encode(other_zone, "ends") == wire


def test_time_never_is_iscs_max_time_both_ways() -> None:
    """ISC's "never" is MAX_TIME, 0x7FFFFFFF (includes/dhcpd.h), not 0xFFFFFFFF."""
    assert _values.TIME.decode(b"\x7f\xff\xff\xff") is None
    assert _values.TIME.encode(None, "ends") == b"\x7f\xff\xff\xff"
    assert _values.TIME.decode(b"\x7f\xff\xff\xfe") == datetime(
        2038, 1, 19, 3, 14, 6, tzinfo=timezone.utc
    )


@pytest.mark.parametrize(
    "bad",
    [
        datetime(2030, 1, 1),  # naive
        datetime(1969, 12, 31, tzinfo=timezone.utc),
        datetime(2038, 1, 19, 3, 14, 7, tzinfo=timezone.utc),  # MAX_TIME itself
        datetime(2040, 1, 1, tzinfo=timezone.utc),
        datetime(2100, 1, 1, tzinfo=timezone.utc),
        1_700_000_000,
    ],
)
def test_time_that_cannot_be_encoded_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^ends: "):
        _values.TIME.encode(bad, "ends")


def test_time_at_or_after_max_time_is_refused_saying_why() -> None:
    with pytest.raises(ValueError, match=r"MAX_TIME.*'never' \(give None for never\)"):
        _values.TIME.encode(datetime(2040, 1, 1, tzinfo=timezone.utc), "ends")


@pytest.mark.parametrize(
    ("bad", "shown"),
    [
        (datetime(2030, 1, 1), "'2030-01-01T00:00:00' is a naive datetime"),
        (datetime(1969, 12, 31, tzinfo=timezone.utc), "'1969-12-31T00:00:00+00:00' is before"),
        (datetime(2040, 1, 1, tzinfo=timezone.utc), "'2040-01-01T00:00:00+00:00' is at or after"),
    ],
)
def test_a_refused_time_is_shown_whole_and_readable(bad: datetime, shown: str) -> None:
    """Its repr would be cut mid-word ('tzinfo=datetime.timezon... (70 characters)')."""
    with pytest.raises(ValueError, match=f"^ends: {re.escape(shown)}"):
        _values.TIME.encode(bad, "ends")


def test_time_drops_a_fraction_of_a_second() -> None:
    whole = datetime(2030, 1, 1, 0, 0, 0, tzinfo=timezone.utc)
    wire = _values.TIME.encode(whole, "ends")
    assert _values.TIME.encode(whole.replace(microsecond=999_999), "ends") == wire
    assert _values.TIME.encode(whole.replace(microsecond=500), "ends") == wire


def test_time_or_unset_decodes_zero_as_none_where_time_keeps_the_epoch() -> None:
    zero = bytes(4)
    assert _values.TIME_OR_UNSET.decode(zero) is None
    assert _values.TIME_OR_UNSET.decode(b"\x7f\xff\xff\xff") is None
    assert _values.TIME.decode(zero) == datetime(1970, 1, 1, tzinfo=timezone.utc)
    lease = _model.decode(_model.LEASE, {"starts": zero, "cltt": zero, "tsfp": zero, "ends": zero})
    assert (lease.starts, lease.cltt, lease.tsfp) == (None, None, None)
    assert lease.ends == datetime(1970, 1, 1, tzinfo=timezone.utc)
    peer = _model.decode(_model.FAILOVER_STATE, {"local-stos": zero, "last-packet-sent": zero})
    assert (peer.local_stos, peer.last_packet_sent) == (None, None)


# -- integers, enumerations, strings --------------------------------------------------------


@SETTINGS
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_uint32_round_trips(number: int) -> None:
    assert _values.UINT32.decode(_values.UINT32.encode(number, "n")) == number


@SETTINGS
@given(st.integers(min_value=-(2**31), max_value=2**31 - 1))
def test_int32_round_trips(number: int) -> None:
    assert _values.INT32.decode(_values.INT32.encode(number, "skew")) == number


@pytest.mark.parametrize("bad", [-1, 2**32, True, "5", 1.0])
def test_uint32_out_of_range_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^n: "):
        _values.UINT32.encode(bad, "n")


@pytest.mark.parametrize("state", list(dhcpctl.LeaseState))
def test_lease_state_takes_member_number_and_name(state: dhcpctl.LeaseState) -> None:
    wire = int(state).to_bytes(4, "big")
    for form in (state, int(state), state.name, state.name.lower()):
        assert _values.LEASE_STATE.encode(form, "state") == wire
    assert _values.LEASE_STATE.decode(wire) is state


@pytest.mark.parametrize("bad", [0, 8, "bound", None])
def test_lease_state_unknown_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^state: "):
        _values.LEASE_STATE.encode(bad, "state")


@SETTINGS
@given(st.text().filter(lambda text: "\0" not in text))
def test_string_round_trips(text: str) -> None:
    assert _values.STRING.decode(_values.STRING.encode(text, "name")) == text


@SETTINGS
@given(st.binary().filter(lambda data: b"\0" not in data))
def test_string_of_any_bytes_round_trips(data: bytes) -> None:
    assert _values.STRING.encode(_values.STRING.decode(data), "name") == data


def test_string_with_nul_is_refused() -> None:
    with pytest.raises(ValueError, match="NUL"):
        _values.STRING.encode("a\0b", "name")


# -- the attribute tables -----------------------------------------------------------------------


def test_every_dataclass_field_has_one_sent_attribute() -> None:
    for schema in SCHEMAS.values():
        fields = set(schema.cls.__dataclass_fields__) - {"raw"}
        described = {a.field for a in schema.attributes if a.field in fields}
        assert described == fields, schema.object_type
        isc_names = [a.isc_name for a in schema.attributes]
        assert len(isc_names) == len(set(isc_names)), schema.object_type


@SETTINGS
@given(
    st.sampled_from(sorted(SCHEMAS)),
    st.dictionaries(
        st.sampled_from(
            sorted({a.isc_name for s in SCHEMAS.values() for a in s.attributes} | {"x-other"})
        ),
        st.binary(max_size=40),
    ),
)
def test_decode_of_any_reply_never_raises_and_keeps_raw(
    object_type: str, values: dict[str, bytes]
) -> None:
    """A reply is untrusted: any bytes under any name give an object (fields that cannot be
    decoded None), and ``raw`` is exactly what came."""
    schema = SCHEMAS[object_type]
    obj = _model.decode(schema, values)
    assert dict(obj.raw) == values
    for attribute in schema.attributes:
        if attribute.sent and attribute.isc_name in values and attribute.field != "ip_addresses":
            data = values[attribute.isc_name]
            try:
                expected = attribute.codec.decode(data)
            except ValueError:
                expected = None
            assert getattr(obj, attribute.field) == expected


@SETTINGS
@given(
    st.sampled_from(sorted(SCHEMAS)),
    st.dictionaries(
        st.sampled_from(sorted({a.isc_name for s in SCHEMAS.values() for a in s.attributes})),
        st.binary(max_size=8),
    ),
)
def test_decode_makes_the_object_the_class_would(
    object_type: str, values: dict[str, bytes]
) -> None:
    """decode builds the object without the dataclass's __init__: it is the object __init__
    makes from the same fields (equal, same repr and hash, same attributes in the same order,
    frozen, pickled to an equal object as it is), whatever fields the reply filled."""
    schema = SCHEMAS[object_type]
    obj = _model.decode(schema, values, tuple(values.items()))
    fields = {name: getattr(obj, name) for name in schema.cls.__dataclass_fields__}
    made = schema.cls(**fields)
    assert type(obj) is schema.cls
    assert obj == made and repr(obj) == repr(made) and hash(obj) == hash(made)
    assert list(vars(obj)) == list(vars(made))
    for each in (obj, made):
        back = pickle.loads(pickle.dumps(each))
        assert back == obj and list(vars(back)) == list(vars(obj)) and back.raw == each.raw
    with pytest.raises(dataclasses.FrozenInstanceError):
        obj.raw = {}


@SETTINGS
@given(macs, st.binary(min_size=4, max_size=4), st.text(min_size=1).filter(lambda t: "\0" not in t))
def test_host_encode_then_decode_round_trips(mac: bytes, ip: bytes, name: str) -> None:
    address = ipaddress.IPv4Address(ip)
    values = _model.encode(_model.HOST, (("name", name), ("mac", mac), ("ip", address)))
    host = _model.decode(_model.HOST, dict(values))
    assert host.name == name
    assert host.hardware_address == _values.decode_mac(mac)
    assert host.hardware_type == 1  # the default with a MAC
    assert host.ip_address == address


def test_encode_keeps_an_explicit_hardware_type() -> None:
    values = dict(_model.encode(_model.HOST, (("mac", "aa:bb"), ("hardware_type", 6))))
    assert values["hardware-type"] == b"\0\0\0\6"


def test_encode_refuses_what_dhcpd_would_ignore_and_unknown_names() -> None:
    ignored = [a for a in _model.LEASE.attributes if a.access is Access.IGNORED]
    assert {a.field for a in ignored} >= {"client_hostname", "hardware_address", "tstp"}
    with pytest.raises(ValueError, match="does not change it"):
        _model.encode(_model.LEASE, (("client_hostname", "x"),))
    with pytest.raises(ValueError, match="has no attribute 'colour'"):
        _model.encode(_model.HOST, (("colour", "red"),))


def test_lookup_keys_need_one_key() -> None:
    from dhcpctl._operations import lookup_keys

    with pytest.raises(ValueError, match="needs one of name=, mac="):
        lookup_keys(_model.HOST, (("name", None), ("mac", None)))


def test_describe_shows_decoded_keys_and_never_statements() -> None:
    values = _model.encode(
        _model.HOST,
        (
            ("name", "web-1"),
            ("ip", ["198.18.1.60", "198.18.1.61"]),
            ("statements", 'option host-name "x";'),
        ),
    )
    text = describe(Open("host", values, create=True))
    assert text.startswith("create host (name='web-1', ip-address=198.18.1.60,198.18.1.61, ")
    one = _model.encode(_model.HOST, (("ip", "198.18.1.60"),))
    assert describe(Open("host", one)) == "open host (ip-address=198.18.1.60)"
    assert "host-name" not in text and "statements=<21 bytes>" in text
    assert describe(Update(object(), values)) == "update name, ip-address, statements"


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (dhcpctl.ISC_R_NOTFOUND, dhcpctl.NotFound),
        (dhcpctl.ISC_R_EXISTS, dhcpctl.AlreadyExists),
        (dhcpctl.DHCP_R_KEYCONFLICT, dhcpctl.KeyConflict),
        (dhcpctl.DHCP_R_MULTIPLE, dhcpctl.MultipleMatches),
        (dhcpctl.ISC_R_NOPERM, dhcpctl.PermissionDenied),
        (dhcpctl.DHCP_R_INVALIDARG, dhcpctl.InvalidValue),
        (dhcpctl.DHCP_R_BADPARSE, dhcpctl.InvalidValue),
        (dhcpctl.ISC_R_TIMEDOUT, dhcpctl.Timeout),
        (dhcpctl.DHCP_R_CONNRESET, dhcpctl.ConnectionLost),
        (dhcpctl.ISC_R_IOERROR, dhcpctl.OmapiError),
    ],
)
def test_typed_error_class_and_content(status: int, cls: type[dhcpctl.OmapiError]) -> None:
    error = typed_error(status, function="hosts.get", request="open host", server_message="m")
    assert type(error) is cls
    assert isinstance(error, dhcpctl.DhcpctlError)
    assert error.status == status and error.text == dhcpctl.isc_result_totext(status)
    assert error.server_message == "m" and error.request == "open host"
    assert "open host" in str(error) and "the server said: m" in str(error)


def test_timeout_and_connection_lost_are_the_builtin_kinds_too() -> None:
    assert issubclass(dhcpctl.Timeout, TimeoutError)
    assert issubclass(dhcpctl.ConnectionLost, ConnectionError)


def test_reply_error_names_the_key_to_add_and_a_missing_key() -> None:
    multiple = reply_error(
        dhcpctl.DHCP_R_MULTIPLE, None, "lease", function="leases.get", request="r", keyed=True
    )
    assert isinstance(multiple, dhcpctl.MultipleMatches) and "ask by ip=" in str(multiple)
    nokey = reply_error(
        dhcpctl.DHCP_R_NOKEYS,
        "No authenticator on message",
        "host",
        function="hosts.get",
        request="r",
        keyed=False,
    )
    assert isinstance(nokey, dhcpctl.AuthenticationFailed)
    assert "requires a key" in str(nokey)


class Sent(Exception):
    """What :class:`FirstRequest` raises once an operation has yielded its first request."""


class FirstRequest:
    """An executor that keeps the first request an operation yields, then stops it."""

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def run(self, operation: Operation[T], *, read: bool, function: str) -> T:
        self.requests.append(next(operation))
        operation.close()
        raise Sent


def test_an_empty_failover_peer_name_is_refused_before_anything_is_sent() -> None:
    executor = FirstRequest()
    failover: Failover[Sync] = Failover(executor)
    with pytest.raises(ValueError, match="failover peer name ''"):
        failover.get("")
    assert executor.requests == []
    with pytest.raises(Sent):
        failover.get("pair")
    assert executor.requests == [Open("failover-state", (("name", b"pair"),))]


def test_a_host_update_of_only_keys_says_the_mac_cannot_change_in_place() -> None:
    executor = FirstRequest()
    hosts: Hosts[Sync] = Hosts(executor)
    with pytest.raises(
        ValueError, match=r"cannot change a host.s MAC or uid in place: use hosts\.put"
    ):
        hosts.update(name="web-1", mac="02:00:00:00:00:01")
    with pytest.raises(ValueError, match="needs at least one attribute"):
        hosts.update(name="web-1")
    assert executor.requests == []


def test_a_group_without_statements_is_refused_before_anything_is_sent() -> None:
    """dhcpd 4.4.3-P1 answers a group create without statements "can't update object"
    (common/comapi.c dhcp_group_signal_handler: no group->group)."""
    executor = FirstRequest()
    groups: Groups[Sync] = Groups(executor)
    with pytest.raises(ValueError, match="group 'g' needs statements="):
        groups.create("g", statements=None)  # type: ignore[arg-type]
    assert executor.requests == []
    with pytest.raises(Sent):
        groups.create("g", statements="default-lease-time 600;")
    assert len(executor.requests) == 1


@pytest.mark.parametrize("address", ["::1", "fe80::1%lo", "2001:db8::2"])
def test_an_ipv6_address_is_refused_as_ipv4_only(address: str) -> None:
    with pytest.raises(ValueError, match="IPv4 only"):
        dhcpctl.Client(address)


@pytest.mark.parametrize("hardware_type", [-1, 256, 1 << 16])
def test_a_hardware_type_beyond_one_byte_is_refused_before_anything_is_sent(
    hardware_type: int,
) -> None:
    """dhcpd keeps one byte of a hardware type: a host created with 256 became type 0
    (server/omapi.c dhcp_host_set_value: hbuf[0] = type), a lookup with it was refused."""
    executor = FirstRequest()
    hosts: Hosts[Sync] = Hosts(executor)
    leases: Leases[Sync] = Leases(executor)
    for call in (
        lambda: hosts.create("h", mac="02:00:00:00:00:01", hardware_type=hardware_type),
        lambda: hosts.get(mac="02:00:00:00:00:01", hardware_type=hardware_type),
        lambda: leases.get(mac="02:00:00:00:00:01", hardware_type=hardware_type),
    ):
        with pytest.raises(ValueError, match="0 to 255"):
            call()
    assert executor.requests == []
    with pytest.raises(Sent):
        hosts.create("h", mac="02:00:00:00:00:01", hardware_type=255)
    assert len(executor.requests) == 1
