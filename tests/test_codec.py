"""The fallback's sans-I/O OMAPI codec, against bytes built by reading ISC's C code."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dhcpctl._errors import DhcpctlError
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_INVALIDKEY,
    DHCP_R_KEY_UNKNOWN,
    DHCP_R_PROTOCOLERROR,
    DHCP_R_VERSIONMISMATCH,
    ISC_R_NOTFOUND,
)
from dhcpctl.fallback.auth import DIGESTS, Key
from dhcpctl.fallback.protocol import (
    AuthenticatorAccepted,
    AuthenticatorRefused,
    BadSignature,
    ClientProtocol,
    Intro,
    MessageReceived,
    State,
)
from dhcpctl.fallback.wire import (
    MAX_NAME_LEN,
    MAX_VALUE_LEN,
    OP_OPEN,
    OP_STATUS,
    OP_UPDATE,
    Message,
    encode_message,
    read_message,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def u16(n: int) -> bytes:
    return struct.pack("!H", n)


def u32(n: int) -> bytes:
    return struct.pack("!I", n)


def pair(name: bytes, value: bytes) -> bytes:
    return u16(len(name)) + name + u32(len(value)) + value


SERVER_INTRO = u32(100) + u32(24)


def decode(data: bytes, key: Key | None = None, header_size: int = 24) -> Message:
    """Drive the reader coroutine over ``data``, one byte at a time when it asks for more."""
    reader = read_message(header_size, lambda authid: key if authid else None)
    need = next(reader)
    pos = 0
    while True:
        chunk = data[pos : pos + need]
        if len(chunk) < need:
            raise EOFError
        pos += need
        try:
            need = reader.send(chunk)
        except StopIteration as done:
            assert pos == len(data)
            message: Message = done.value
            return message


def test_intro_is_version_100_header_24() -> None:
    assert ClientProtocol().initiate() == bytes.fromhex("00000064 00000018")


def test_unsigned_message_layout() -> None:
    message = Message(OP_OPEN, 7, 0x01020304, 9, 0, ((b"type", b"lease"),), ((b"ip", None),))
    expected = (
        u32(0) + u32(0) + u32(OP_OPEN) + u32(7) + u32(0x01020304) + u32(9)
        + pair(b"type", b"lease") + u16(0)
        + u16(2) + b"ip" + u32(0) + u16(0)
    )  # fmt: skip
    assert encode_message(message) == expected
    assert decode(expected) == message


def test_int_value_is_four_big_endian_bytes() -> None:
    data = encode_message(Message(OP_OPEN, message_values=((b"create", 1),)))
    assert pair(b"create", u32(1)) in data
    assert decode(data).message_value(b"create") == u32(1)


@pytest.mark.parametrize("algorithm", sorted(DIGESTS))
def test_signature_covers_authlen_to_last_terminator(algorithm: str) -> None:
    secret = b"a-shared-secret\0"
    key = Key("k", algorithm, secret)
    body = (
        u32(5) + u32(key.signature_size) + u32(OP_UPDATE) + u32(1) + u32(2) + u32(3)
        + u16(0) + pair(b"name", b"value") + u16(0)
    )  # fmt: skip
    signature = hmac.new(secret, body[4:], getattr(hashlib, DIGESTS[algorithm])).digest()
    message = Message(OP_UPDATE, 1, 2, 3, 5, (), ((b"name", b"value"),))
    assert encode_message(message, key) == body + signature
    assert decode(body + signature, key).signature == signature
    bad = bytearray(body + signature)
    bad[-1] ^= 1
    with pytest.raises(DhcpctlError) as info:
        decode(bytes(bad), key)
    assert info.value.status == DHCP_R_INVALIDKEY


def test_extra_header_bytes_are_skipped_and_not_signed() -> None:
    key = Key("k", "hmac-md5", b"s")
    signed = u32(16) + u32(OP_UPDATE) + u32(1) + u32(2) + u32(3)
    tail = u16(0) + u16(0)
    signature = hmac.new(b"s", signed + tail, "md5").digest()
    data = u32(9) + signed + b"EXTRA" + tail + signature
    assert decode(data, key, header_size=29).authid == 9


def test_algorithm_name_gets_isc_suffix_and_secret_stays_hidden() -> None:
    key = Key("k", "hmac-sha256", b"topsecret")
    assert key.algorithm == "hmac-sha256.SIG-ALG.REG.INT."
    assert "topsecret" not in repr(key)
    # Any name, as C: the server decides at the connect (see tests/test_scenarios_connections.py).
    assert Key("k", "hmac-sha3", b"x").digest is None
    assert Key("k", "HMAC-SHA256.sig-alg.reg.int.", b"x").digest == "sha256"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (u32(0) * 5 + u32(0) + u16(MAX_NAME_LEN + 1), DHCP_R_PROTOCOLERROR),
        (u32(0) * 6 + pair(b"n", b"")[:3] + u32(MAX_VALUE_LEN + 1), DHCP_R_PROTOCOLERROR),
        (u32(0) + u32(65) + u32(0) * 4, DHCP_R_PROTOCOLERROR),
        (u32(3) + u32(0) * 5, DHCP_R_KEY_UNKNOWN),
    ],
)
def test_limits_are_checked_before_reading(data: bytes, status: int) -> None:
    proto = ClientProtocol()
    proto.feed(SERVER_INTRO)
    with pytest.raises(DhcpctlError) as info:
        proto.feed(data)
    assert info.value.status == status
    assert proto.state is State.ERROR


def test_bad_intro() -> None:
    with pytest.raises(DhcpctlError) as info:
        ClientProtocol().feed(u32(99) + u32(24))
    assert info.value.status == DHCP_R_VERSIONMISMATCH
    with pytest.raises(DhcpctlError) as info:
        ClientProtocol().feed(u32(100) + u32(23))
    assert info.value.status == DHCP_R_PROTOCOLERROR


def _auth_exchange(key: Key) -> tuple[ClientProtocol, int]:
    proto = ClientProtocol(key)
    assert proto.feed(SERVER_INTRO) == [Intro(24)]
    request = proto.open_authenticator()
    decoded = decode(request)
    assert decoded.authid == 0 and decoded.op == OP_OPEN
    assert decoded.message_values == ((b"type", b"authenticator"),)
    assert decoded.object_values == (
        (b"name", b"k"),
        (b"algorithm", b"hmac-md5.SIG-ALG.REG.INT."),
    )
    assert b"secret" not in request
    return proto, decoded.id


def test_authenticator_negotiation_then_signed_traffic() -> None:
    key = Key("k", "hmac-md5", b"secret")
    proto, xid = _auth_exchange(key)
    reply = encode_message(Message(OP_UPDATE, 42, 1, xid, 0, (), ((b"name", b"k"),)))
    assert proto.feed(reply) == [AuthenticatorAccepted(42)]
    rid, request = proto.send(OP_OPEN, 0, ((b"type", b"lease"),))
    assert decode(request, key).authid == 42
    answer = encode_message(Message(OP_STATUS, 0, 2, rid, 42, ((b"result", 0),)), key)
    [event] = proto.feed(answer)
    assert isinstance(event, MessageReceived) and event.message.rid == rid
    # dhcpd's unsigned answer to a request it could not verify: ISC's client hangs up.
    with pytest.raises(DhcpctlError) as info:
        proto.feed(encode_message(Message(OP_STATUS, 0, 3, rid, 0, ((b"result", 1),))))
    assert info.value.status == DHCP_R_CONNRESET


def test_bad_signature_is_dropped_and_the_next_message_still_read() -> None:
    """protocol.c drops a badly signed message and reads on; so does the codec, byte by byte."""
    key = Key("k", "hmac-md5", b"secret")
    proto, xid = _auth_exchange(key)
    reply = encode_message(Message(OP_UPDATE, 42, 1, xid, 0, (), ((b"name", b"k"),)))
    assert proto.feed(reply) == [AuthenticatorAccepted(42)]
    rid, _ = proto.send(OP_OPEN, 0, ((b"type", b"lease"),))
    forged = bytearray(encode_message(Message(OP_STATUS, 0, 5, rid, 42, ((b"result", 0),)), key))
    forged[-1] ^= 0xFF
    genuine = encode_message(Message(OP_STATUS, 0, 6, rid, 42, ((b"result", 0),)), key)
    events = []
    for byte in bytes(forged) + genuine:
        events += proto.feed(bytes([byte]))
    assert events[0] == BadSignature(5)
    assert len(events) == 2
    assert isinstance(events[1], MessageReceived) and events[1].message.id == 6
    assert proto.state is State.READY


def test_authenticator_refused() -> None:
    proto, xid = _auth_exchange(Key("k", "hmac-md5", b"secret"))
    status = Message(OP_STATUS, 0, 1, xid, 0, ((b"result", ISC_R_NOTFOUND), (b"message", b"no")))
    assert proto.feed(encode_message(status)) == [AuthenticatorRefused(ISC_R_NOTFOUND, "no")]


names = st.binary(min_size=1, max_size=40)
values = st.one_of(st.none(), st.binary(min_size=1, max_size=100), st.integers(0, 2**32 - 1))
pairs = st.lists(st.tuples(names, values), max_size=8).map(tuple)
u32s = st.integers(0, 2**32 - 1)
messages = st.builds(Message, st.integers(1, 6), u32s, u32s, u32s, u32s, pairs, pairs)
keys = st.one_of(
    st.none(), st.builds(Key, st.just("k"), st.sampled_from(sorted(DIGESTS)), st.binary())
)


def _normal(values: tuple[tuple[bytes, object], ...]) -> tuple[tuple[bytes, object], ...]:
    return tuple((n, u32(v) if isinstance(v, int) else v) for n, v in values)


@SETTINGS
@given(messages, keys)
def test_round_trip(message: Message, key: Key | None) -> None:
    if key is not None and message.authid == 0:
        message = Message(message.op, message.handle, message.id, message.rid, 1)
    data = encode_message(message, key)
    decoded = decode(data, key)
    assert decoded.op == message.op and decoded.handle == message.handle
    assert (decoded.id, decoded.rid, decoded.authid) == (message.id, message.rid, message.authid)
    assert decoded.message_values == _normal(message.message_values)
    assert decoded.object_values == _normal(message.object_values)


@SETTINGS
@given(st.lists(messages, max_size=4), st.data())
def test_chunked_feed_matches_whole(batch: list[Message], data: st.DataObject) -> None:
    batch = [dataclasses.replace(m, authid=0) for m in batch]
    stream = b"".join(encode_message(m) for m in batch)
    proto = ClientProtocol()
    proto.feed(SERVER_INTRO)
    received = []
    pos = 0
    while pos < len(stream):
        size = data.draw(st.integers(1, 64))
        received += proto.feed(stream[pos : pos + size])
        pos += size
    assert [e.message.id for e in received if isinstance(e, MessageReceived)] == [
        m.id for m in batch
    ]


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_only_raise_dhcpctl_error(junk: bytes) -> None:
    proto = ClientProtocol(Key("k", "hmac-sha1", b"s"))
    try:
        proto.feed(SERVER_INTRO + junk)
    except DhcpctlError:
        assert proto.state is State.ERROR
    assert len(proto._buffer) <= max(len(junk), MAX_VALUE_LEN)


@SETTINGS
@given(messages, st.data())
def test_mutated_messages_only_raise_dhcpctl_error(message: Message, data: st.DataObject) -> None:
    key = Key("k", "hmac-md5", b"s")
    encoded = bytearray(encode_message(message))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(encoded) - 1))
        encoded[at] = data.draw(st.integers(0, 255))
    proto = ClientProtocol(key)
    proto.feed(SERVER_INTRO)
    with contextlib.suppress(DhcpctlError):
        proto.feed(bytes(encoded))
