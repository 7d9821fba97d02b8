"""The fallback's sans-I/O OMAPI codec, against bytes built by reading ISC's C code."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import itertools
import random
import re
import struct
from collections.abc import Callable
from unittest import mock

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_INVALIDKEY,
    DHCP_R_KEY_UNKNOWN,
    DHCP_R_NOKEYS,
    DHCP_R_PROTOCOLERROR,
    DHCP_R_VERSIONMISMATCH,
    ISC_R_NOTFOUND,
    ISC_R_UNEXPECTED,
    isc_result_totext,
)
from dhcpctl.fallback import wire
from dhcpctl.fallback.auth import DIGESTS, Key
from dhcpctl.fallback.protocol import (
    AuthenticatorAccepted,
    BadSignature,
    ClientProtocol,
    ConnectionFailed,
    Event,
    Intro,
    MessageReceived,
    State,
    Unauthenticated,
)
from dhcpctl.fallback.wire import (
    MAX_HEADER_SIZE,
    MAX_MESSAGE_LEN,
    MAX_NAME_LEN,
    MAX_SIGNATURE_LEN,
    MAX_VALUE_LEN,
    MAX_VALUES,
    MESSAGE_FIELDS,
    OP_NOTIFY,
    OP_OPEN,
    OP_STATUS,
    OP_UPDATE,
    Buffer,
    Message,
    MessageDecoder,
    Pair,
    ProtocolError,
    Value,
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
    with pytest.raises(ProtocolError) as info:
        decode(bytes(bad), key)
    assert info.value.status == DHCP_R_INVALIDKEY


@settings(SETTINGS, max_examples=100)
@given(
    st.sampled_from(sorted(DIGESTS)),
    st.one_of(st.sampled_from([63, 64, 65, 127, 128, 129]), st.integers(0, 300)).flatmap(
        lambda size: st.binary(min_size=size, max_size=size)
    ),
    st.binary(max_size=300),
)
def test_key_signs_as_hmac_new(algorithm: str, secret: bytes, data: bytes) -> None:
    """Key.sign is RFC 2104's HMAC, as the stdlib's: secrets shorter than, as long as and
    longer than the block size (64 bytes, 128 for SHA-384/512), hashed first when longer."""
    block = 128 if algorithm.startswith(("hmac-sha384", "hmac-sha512")) else 64
    event(f"secret {'longer than' if len(secret) > block else 'within'} the block size")
    expected = hmac.new(secret, data, DIGESTS[algorithm]).digest()
    assert Key("k", algorithm, secret).sign(data) == expected
    assert Key("k", algorithm, secret).sign(memoryview(bytearray(data))) == expected


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
    assert failure(proto.feed(data)) == status
    assert proto.state is State.ERROR
    with pytest.raises(ProtocolError):
        proto.feed(b"")


def failure(events: list[Event]) -> int:
    """The status of the ConnectionFailed that must end ``events``."""
    assert isinstance(events[-1], ConnectionFailed), events
    assert not any(isinstance(event, ConnectionFailed) for event in events[:-1])
    return events[-1].status


@pytest.mark.parametrize(
    ("intro", "status"),
    [
        (u32(99) + u32(24), DHCP_R_VERSIONMISMATCH),
        (u32(100) + u32(23), DHCP_R_PROTOCOLERROR),
        (u32(100) + u32(0xFFFFFFFF), DHCP_R_PROTOCOLERROR),
        (b"garbage!", DHCP_R_VERSIONMISMATCH),
    ],
)
def test_bad_intro(intro: bytes, status: int) -> None:
    assert failure(ClientProtocol().feed(intro)) == status


def feed_in_reads(proto: ClientProtocol, data: bytes, read: int | None) -> list[Event]:
    """``data`` fed whole (``read`` None: the decoder's fast path), or in reads of ``read``
    bytes (the resumable path), until the protocol fails."""
    if read is None:
        return proto.feed(data)
    events: list[Event] = []
    for at in range(0, len(data), read):
        events += proto.feed(data[at : at + read])
        if proto.state is State.ERROR:
            break
    return events


READS = pytest.mark.parametrize("read", [None, 1, 7], ids=["whole", "bytewise", "7-byte reads"])


@pytest.mark.parametrize(
    "name", [b"op", b"handle", b"id", b"rid", b"authid", b"object", b"notify-object"]
)
@pytest.mark.parametrize("value", [b"", b"\0\0\0\1"])
@READS
def test_message_fields_from_the_peer_break_the_protocol(
    name: bytes, value: bytes, read: int | None
) -> None:
    """``omapi_message_set_value`` cannot take them as data (C: a NULL dereference if null)."""
    proto = ClientProtocol()
    proto.feed(SERVER_INTRO)
    good = encode_message(Message(OP_STATUS, 0, 1, 5, 0, ((b"result", 0),)))
    bad = u32(0) * 2 + u32(OP_STATUS) + u32(0) * 3 + pair(name, value) + u16(0) + u16(0)
    events = feed_in_reads(proto, good + bad + good, read)
    assert isinstance(events[0], MessageReceived)  # what came before is not lost
    assert len(events) == 2 and failure(events) == DHCP_R_PROTOCOLERROR


@pytest.mark.parametrize("value", [b"", b"\0\0\1", b"\0\0\0\0\1"])
@READS
def test_remote_handle_must_be_four_bytes(value: bytes, read: int | None) -> None:
    proto = ClientProtocol()
    proto.feed(SERVER_INTRO)
    bad = u32(0) * 2 + u32(OP_UPDATE) + u32(0) * 3 + u16(0) + pair(b"remote-handle", value)
    assert failure(feed_in_reads(proto, bad + u16(0), read)) == DHCP_R_PROTOCOLERROR


def test_transaction_ids_are_not_from_the_global_random() -> None:
    """Reseeding the global generator does not replay a connection's ids."""

    def first_xid() -> int:
        random.seed(1)
        proto = ClientProtocol()
        proto.feed(SERVER_INTRO)
        return proto.send(OP_OPEN)[0]

    assert first_xid() != first_xid()


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
    unsigned = encode_message(Message(OP_STATUS, 0, 3, rid, 0, ((b"result", 1),)))
    assert failure(proto.feed(unsigned)) == DHCP_R_CONNRESET


def test_unsigned_message_without_rid_is_dropped_and_answered_nokeys() -> None:
    """omapi_message_process: on an authenticated connection a message that is not a reply
    and has no authenticator is answered with DHCP_R_NOKEYS, "No authenticator on message",
    and not processed; the protocol reads on."""
    key = Key("k", "hmac-md5", b"secret")
    proto, xid = _auth_exchange(key)
    reply = encode_message(Message(OP_UPDATE, 42, 1, xid, 0, (), ((b"name", b"k"),)))
    assert proto.feed(reply) == [AuthenticatorAccepted(42)]
    notify = encode_message(Message(OP_NOTIFY, 0, 9, 0, 0, (), ((b"state", b"x"),)))
    assert proto.feed(notify) == [Unauthenticated(9)]
    assert proto.state is State.READY
    answer = decode(proto.send_status(9, DHCP_R_NOKEYS, "No authenticator on message"), key)
    assert (answer.op, answer.rid, answer.authid) == (OP_STATUS, 9, 42)
    assert answer.message_values == (
        (b"result", DHCP_R_NOKEYS.to_bytes(4, "big")),
        (b"message", b"No authenticator on message"),
    )


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
    assert failure(proto.feed(encode_message(status))) == ISC_R_NOTFOUND


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ((OP_UPDATE, 0, 0), DHCP_R_PROTOCOLERROR),  # handle 0: no downgrade to unsigned
        ((OP_STATUS, 0, 0), ISC_R_UNEXPECTED),  # a "successful" refusal
        ((OP_NOTIFY, 42, 0), DHCP_R_PROTOCOLERROR),
        ((OP_OPEN, 42, 0), DHCP_R_PROTOCOLERROR),
        ((OP_UPDATE, 42, 9), DHCP_R_KEY_UNKNOWN),  # signed with an authid we do not know
    ],
)
def test_authenticator_accepted_only_by_an_update_with_a_handle(
    answer: tuple[int, int, int], status: int
) -> None:
    op, handle, authid = answer
    proto, xid = _auth_exchange(Key("k", "hmac-md5", b"secret"))
    reply = Message(op, handle, 1, xid, authid, ((b"result", 0),), ((b"name", b"k"),))
    assert failure(proto.feed(encode_message(reply))) == status
    assert proto.state is State.ERROR


# Names the codec refuses from the peer whatever their value are left out here (tested above).
names = st.binary(min_size=1, max_size=40).filter(
    lambda name: name not in MESSAGE_FIELDS | {b"authenticator", b"remote-handle"}
)
values = st.one_of(st.none(), st.binary(min_size=1, max_size=100), st.integers(0, 2**32 - 1))
pairs = st.lists(st.tuples(names, values), max_size=8).map(tuple)
u32s = st.integers(0, 2**32 - 1)
messages = st.builds(Message, st.integers(1, 6), u32s, u32s, u32s, u32s, pairs, pairs)
keys = st.one_of(
    st.none(), st.builds(Key, st.just("k"), st.sampled_from(sorted(DIGESTS)), st.binary())
)


def _normal(values: tuple[Pair, ...]) -> tuple[Pair, ...]:
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
    batch = [m._replace(authid=0) for m in batch]
    stream = b"".join(encode_message(m) for m in batch)
    proto = ClientProtocol()
    proto.feed(SERVER_INTRO)
    received = []
    pos = 0
    while pos < len(stream):
        size = data.draw(st.integers(1, 64))
        received += proto.feed(stream[pos : pos + size])
        pos += size
    # Each message, and the bytes it took on the wire, however the reads cut the stream.
    assert [(e.message.id, e.size) for e in received if isinstance(e, MessageReceived)] == [
        (m.id, len(encode_message(m))) for m in batch
    ]


# Streams a server could send: real messages, cut anywhere, then mutated at a chosen field.
#
# A stream is the server's intro, with a key the UPDATE that accepts the authenticator (rid
# patched to the OPEN's id once the client sent it, as AUTH_RID stands for it), then signed
# replies. Its map names each byte's field, so a property knows where a cut or a mutation lands
# and what the protocol must then say; ``hypothesis.event`` counts the examples per state
# (``pytest --hypothesis-show-statistics``).

AUTH_RID = 0x5EED_0000  # replaced by the authenticator OPEN's id when the client sent it
AUTHID = 42
STREAM_KEYS = st.one_of(
    st.none(), st.builds(Key, st.just("k"), st.sampled_from(sorted(DIGESTS)), st.binary())
)
replies = st.builds(
    Message,
    st.sampled_from([OP_UPDATE, OP_STATUS]),
    u32s,
    u32s,
    st.integers(1, 0xFFFF_FFFF),  # a reply's rid: never 0 (that is a message of the server's own)
    st.just(0),
    pairs,
    pairs,
)


@dataclasses.dataclass(frozen=True)
class Field:
    """Bytes ``start:end`` of the stream: ``name`` of message ``index`` (-1: the intro)."""

    index: int
    name: str
    start: int
    end: int


@dataclasses.dataclass(frozen=True)
class Stream:
    data: bytes
    key: Key | None
    messages: tuple[Message, ...]  # as sent, the authenticator's UPDATE first with a key
    fields: tuple[Field, ...]
    ends: tuple[int, ...]  # where each message ends

    def field_at(self, offset: int) -> Field:
        return next(f for f in self.fields if f.start <= offset < f.end)


def _value_size(value: Value) -> int:
    return 0 if value is None else 4 if isinstance(value, int) else len(value)


def _list_size(values: tuple[Pair, ...]) -> int:
    """Bytes of a name/value list on the wire, its terminator included."""
    return sum(2 + len(name) + 4 + _value_size(value) for name, value in values) + 2


def make_stream(key: Key | None, batch: list[Message]) -> Stream:
    messages = []
    if key is not None:
        messages.append(Message(OP_UPDATE, AUTHID, 1, AUTH_RID, 0, (), ((b"name", b"k"),)))
    messages += [m._replace(authid=AUTHID if key else 0) for m in batch]
    data = bytearray(SERVER_INTRO)
    fields = [Field(-1, "intro", 0, len(SERVER_INTRO))]
    ends = []
    for index, message in enumerate(messages):
        signer = key if message.authid else None
        parts = [
            ("header", 24),
            ("message-values", _list_size(message.message_values)),
            ("object-values", _list_size(message.object_values)),
            ("signature", signer.signature_size if signer else 0),
        ]
        at = len(data)
        for name, size in parts:
            fields.append(Field(index, name, at, at + size))
            at += size
        data += encode_message(message, signer)
        assert len(data) == at
        ends.append(at)
    fields = [f for f in fields if f.end > f.start]
    return Stream(bytes(data), key, tuple(messages), tuple(fields), tuple(ends))


streams = st.builds(make_stream, STREAM_KEYS, st.lists(replies, min_size=1, max_size=3))
unsigned_streams = st.builds(make_stream, st.none(), st.lists(replies, min_size=1, max_size=3))
#: Keyed streams with at least one signed reply after the authenticator's UPDATE.
signed_streams = st.builds(
    make_stream,
    st.builds(Key, st.just("k"), st.sampled_from(sorted(DIGESTS)), st.binary()),
    st.lists(replies, min_size=1, max_size=3),
)


@dataclasses.dataclass
class Outcome:
    proto: ClientProtocol
    events: list[object]
    error: ConnectionFailed | None


def drive(stream: Stream, data: bytes, chunks: st.DataObject) -> Outcome:
    """Feed ``data`` (``stream``'s bytes, maybe cut or mutated) in chunks as a client does: the
    intro first, then, with a key, the authenticator's OPEN goes out and its id is patched in."""
    proto = ClientProtocol(stream.key)
    buffer = bytearray(data)
    events: list[object] = []
    pos = 0
    while pos < len(buffer):
        stop = min(len(SERVER_INTRO), len(buffer)) if pos < len(SERVER_INTRO) else len(buffer)
        size = chunks.draw(st.integers(1, 64), label="chunk")
        events += proto.feed(bytes(buffer[pos : min(pos + size, stop)]))
        pos = min(pos + size, stop)
        last = events[-1] if events else None
        if isinstance(last, ConnectionFailed):
            events.pop()
            assert not any(isinstance(e, ConnectionFailed) for e in events)
            return Outcome(proto, events, last)
        if pos == len(SERVER_INTRO) and stream.key is not None:
            xid = decode(proto.open_authenticator()).id
            rid = slice(len(SERVER_INTRO) + 20, len(SERVER_INTRO) + 24)
            if buffer[rid] == u32(AUTH_RID):
                buffer[rid] = u32(xid)
    return Outcome(proto, events, None)


def expected_events(stream: Stream, complete: int) -> list[object]:
    """The events of the first ``complete`` messages, after the intro's."""
    events: list[object] = [Intro(24)]
    for index, message in enumerate(stream.messages[:complete]):
        authenticator = index == 0 and stream.key is not None
        events.append(AuthenticatorAccepted(AUTHID) if authenticator else message.id)
    return events


def comparable(events: list[object]) -> list[object]:
    """Events with each delivered message reduced to its id (the rest is the round trip's)."""
    return [e.message.id if isinstance(e, MessageReceived) else e for e in events]


FIELDS = ("intro", "header", "message-values", "object-values", "signature")


@pytest.mark.parametrize(
    ("where", "signed"),
    [
        (w, signed)
        for w in (*FIELDS, "a boundary")
        for signed in (False, True)
        if signed or w != "signature"
    ],
)
@settings(SETTINGS, max_examples=50)
@given(data=st.data())
def test_valid_prefix_stops_in_the_right_state(
    where: str, signed: bool, data: st.DataObject
) -> None:
    """Cut inside a field (or between two messages): no error, every complete message
    delivered, and the protocol waits in the state the cut's position says, the decoder in
    that field."""
    stream = data.draw(signed_streams if signed else unsigned_streams, label="stream")
    if where == "a boundary":
        cut = data.draw(st.sampled_from([len(SERVER_INTRO), *stream.ends]), label="cut")
    else:
        fields = [f for f in stream.fields if f.name == where]
        assume(fields)
        field = data.draw(st.sampled_from(fields), label="field")
        cut = data.draw(st.integers(field.start, field.end - 1), label="cut")
        assert stream.field_at(cut).name == where
    outcome = drive(stream, stream.data[:cut], data)
    assert outcome.error is None
    if cut < len(SERVER_INTRO):
        assert outcome.proto.state is State.INTRO_WAIT and outcome.events == []
    else:
        complete = sum(end <= cut for end in stream.ends)
        if stream.key is None:
            expected_state = State.INTRO_DONE
        else:
            expected_state = State.READY if complete else State.AUTH_WAIT
        assert outcome.proto.state is expected_state
        assert comparable(outcome.events) == expected_events(stream, complete)
    event(f"{outcome.proto.state.value}, cut in {where}")


Mutation = Callable[[bytearray, int], None]


def _set_u32(offset: int, value: int) -> Mutation:
    def mutate(buffer: bytearray, at: int) -> None:
        buffer[at + offset : at + offset + 4] = u32(value)

    return mutate


def _set_u16(value: int) -> Mutation:
    def mutate(buffer: bytearray, at: int) -> None:
        buffer[at : at + 2] = u16(value)

    return mutate


def _first_value_length(value: int) -> Mutation:
    """The length of the list's first value (the list must have a pair)."""

    def mutate(buffer: bytearray, at: int) -> None:
        (name_length,) = struct.unpack_from("!H", buffer, at)
        buffer[at + 2 + name_length : at + 6 + name_length] = u32(value)

    return mutate


def _flip(offset: int) -> Mutation:
    def mutate(buffer: bytearray, at: int) -> None:
        buffer[at + offset] ^= 0x5A

    return mutate


@dataclasses.dataclass(frozen=True)
class Target:
    """A mutation of one field whose outcome is known: ``status`` is the error the protocol
    must end with, or None when it must drop just that message (BadSignature)."""

    field: str
    what: str
    status: int | None
    mutate: Mutation
    signed: bool = False  # only a signed message (after the authenticator) can be hit
    pair: bool = False  # the field is a list that must hold a pair


TARGETED = [
    Target("intro", "version", DHCP_R_VERSIONMISMATCH, _set_u32(0, 99)),
    Target("intro", "header size too small", DHCP_R_PROTOCOLERROR, _set_u32(4, 23)),
    Target(
        "intro", "header size too large", DHCP_R_PROTOCOLERROR, _set_u32(4, MAX_HEADER_SIZE + 1)
    ),
    Target("header", "authlen too large", DHCP_R_PROTOCOLERROR, _set_u32(4, MAX_SIGNATURE_LEN + 1)),
    Target("header", "unknown authid", DHCP_R_KEY_UNKNOWN, _set_u32(0, AUTHID + 1), signed=True),
    Target("header", "unsigned on a signed link", DHCP_R_CONNRESET, _set_u32(0, 0), signed=True),
    Target("message-values", "name too long", DHCP_R_PROTOCOLERROR, _set_u16(MAX_NAME_LEN + 1)),
    Target("object-values", "name too long", DHCP_R_PROTOCOLERROR, _set_u16(MAX_NAME_LEN + 1)),
    Target(
        "object-values",
        "value too long",
        DHCP_R_PROTOCOLERROR,
        _first_value_length(MAX_VALUE_LEN + 1),
        pair=True,
    ),
    Target("object-values", "name changed", None, _flip(2), signed=True, pair=True),
    Target("signature", "wrong signature", None, _flip(0), signed=True),
]


@pytest.mark.parametrize("target", TARGETED, ids=lambda t: f"{t.field}: {t.what}")
@settings(SETTINGS, max_examples=50)
@given(data=st.data())
def test_mutated_field_gives_its_error(target: Target, data: st.DataObject) -> None:
    """One field of one message broken in a way whose consequence is known: the protocol
    ends in ERROR with that field's status, or (a signed message changed) drops just that
    message and reads on."""
    stream = data.draw(signed_streams, label="stream")
    candidates = [
        f
        for f in stream.fields
        if f.name == target.field
        and (not target.signed or stream.messages[f.index].authid)
        and (not target.pair or stream.messages[f.index].object_values)
    ]
    assume(candidates)
    field = data.draw(st.sampled_from(candidates), label="field")
    buffer = bytearray(stream.data)
    target.mutate(buffer, field.start)
    outcome = drive(stream, bytes(buffer), data)
    before = [] if field.index < 0 else expected_events(stream, field.index)
    seen = comparable(outcome.events)
    if target.status is None:
        assert outcome.error is None
        assert outcome.proto.state is State.READY
        after = expected_events(stream, len(stream.messages))[len(before) + 1 :]
        assert seen == [*before, BadSignature(stream.messages[field.index].id), *after]
    else:
        assert outcome.error is not None and outcome.error.status == target.status
        assert outcome.proto.state is State.ERROR
        assert seen == before[: len(seen)]
        with pytest.raises(ProtocolError):
            outcome.proto.feed(b"\0")
    event(f"{target.field}: {target.what} -> {outcome.proto.state.value}")


#: Statuses a corrupted stream may end with.
CORRUPTION_STATUSES = {
    DHCP_R_PROTOCOLERROR,
    DHCP_R_VERSIONMISMATCH,
    DHCP_R_KEY_UNKNOWN,
    DHCP_R_CONNRESET,
}


@SETTINGS
@given(streams, st.data())
def test_random_mutations_of_real_streams(stream: Stream, data: st.DataObject) -> None:
    """Bytes of a real stream overwritten at random: whatever field they hit, the result is a
    codec error (ERROR for good, nothing more accepted) or messages the stream could hold, and
    no more than one message's bytes are ever kept."""
    buffer = bytearray(stream.data)
    # The first damage in a field of a kind drawn first, so that each kind gets its share.
    kind = data.draw(
        st.sampled_from([n for n in FIELDS if any(f.name == n for f in stream.fields)])
    )
    field = data.draw(st.sampled_from([f for f in stream.fields if f.name == kind]))
    first_at = data.draw(st.integers(field.start, field.end - 1), label="first damage")
    more = st.lists(st.integers(first_at, len(buffer) - 1), max_size=3)
    offsets = [first_at, *data.draw(more, label="more damage")]
    for at in offsets:
        buffer[at] = data.draw(st.integers(0, 255), label="byte")
    first = stream.field_at(first_at)
    outcome = drive(stream, bytes(buffer), data)
    if outcome.error is not None:
        # A damaged answer to the authenticator may have become a STATUS: the connect then
        # fails with whatever result it carries.
        refused = stream.key is not None and first.index == 0
        assert refused or outcome.error.status in CORRUPTION_STATUSES
        assert outcome.proto.state is State.ERROR
        with pytest.raises(ProtocolError):
            outcome.proto.feed(b"\0")
    elif first.index >= 0:
        # Nothing before the first damaged field is lost or changed.
        intact = sum(end <= first.start for end in stream.ends)
        assert comparable(outcome.events)[: intact + 1] == expected_events(stream, intact)
    assert outcome.proto.buffered <= len(buffer)
    result = outcome.proto.state.value
    if outcome.error is not None:
        result = isc_result_totext(outcome.error.status)
    event(f"first damage in {first.name} -> {result}")


# The decoder's two paths (``wire.MessageDecoder.parse``): a message whose bytes all arrive with
# its header in one ``bytes`` object is read by the fast path (``wire._whole_lists``), any other
# by the resumable one. Both must give the same message, signature verdict, error (status and
# text) or wait for more, whatever the bytes.

Outcome2 = tuple[object, ...]


def _parse_outcome(decoder: MessageDecoder, buffer: Buffer) -> Outcome2:
    try:
        done = decoder.parse(buffer)
    except ProtocolError as error:
        return ("error", error.status, error.detail)
    return ("more", decoder.needed) if done is None else ("message", *done)


def _fast_path(buffer: bytes, key: Key | None) -> tuple[Outcome2, list[object]]:
    """One parse of the whole ``buffer``, and what each try of the fast path gave."""
    tries: list[object] = []
    real = wire._whole_lists

    def spy(data: bytes, pos: int) -> object:
        try:
            tries.append(real(data, pos))
        except ProtocolError:
            tries.append("raised")
            raise
        return tries[-1]

    with mock.patch.object(wire, "_whole_lists", spy):
        decoder = MessageDecoder(24, lambda authid: key if authid else None)
        return _parse_outcome(decoder, buffer), tries


def _resumable_path(buffer: bytes, key: Key | None, sizes: list[int]) -> Outcome2:
    """``buffer`` fed in reads of ``sizes`` bytes (then the rest), with the fast path off."""
    decoder = MessageDecoder(24, lambda authid: key if authid else None)
    received = bytearray()
    pos = 0
    outcome: Outcome2 = ("more", 24)
    with mock.patch.object(wire, "_whole_lists", lambda data, pos: None):
        for size in [*sizes, len(buffer)]:
            received += buffer[pos : pos + size]
            pos += size
            outcome = _parse_outcome(decoder, bytes(received))
            if outcome[0] != "more":
                break
    return outcome


@SETTINGS
@given(messages, keys, st.data())
def test_fast_and_resumable_paths_agree(
    message: Message, key: Key | None, data: st.DataObject
) -> None:
    if key is not None and message.authid == 0:
        message = message._replace(authid=1)
    if key is None:
        message = message._replace(authid=0)
    buffer = bytearray(encode_message(message, key))
    damage = st.tuples(st.integers(0, len(buffer) - 1), st.integers(0, 255))
    for at, byte in data.draw(st.lists(damage, max_size=2), label="damage"):
        buffer[at] = byte
    cut = data.draw(st.integers(0, len(buffer)), label="cut")
    whole = bytes(buffer[:cut]) if data.draw(st.booleans(), label="cut it") else bytes(buffer)
    fast, tries = _fast_path(whole, key)
    sizes = data.draw(st.lists(st.integers(1, 64), max_size=20), label="reads")
    assert _resumable_path(whole, key, sizes) == fast
    if fast[0] == "message":
        # The fast path read it: the resumable one was not needed.
        assert len(tries) == 1 and tries[0] is not None
        if whole == encode_message(message, key):
            sent = message._replace(
                message_values=_normal(message.message_values),
                object_values=_normal(message.object_values),
                signature=whole[len(whole) - (key.signature_size if key else 0) :],
            )
            assert fast[1:] == (sent, len(whole), True)
    if not tries:
        path = "not tried"  # an error in the header, or not all of it there
    elif tries[0] is None:
        path = "fell back"
    else:
        path = "raised" if tries[0] == "raised" else "read the lists"
    event(f"{fast[0]}; fast path: {path}")


# The two paths on hostile streams (``wire.StreamDecoder``): messages built field by field, with
# every name the codec refuses in either list, name and value lengths at and past their limits,
# lists of MAX_VALUES values and one more, a longer header, signatures right, wrong and too
# long, between well-formed messages (so a message also starts inside a read), cut anywhere.
# Fed whole (every message read by the fast path, counted below), in reads of random sizes,
# and one byte at a time (the resumable path alone): the same frames, then the same error, or
# the same bytes kept.

#: The names the message list refuses (remote-handle, refused in the object list unless of 4
#: bytes, is drawn as often as all of them): both are drawn for both lists.
REFUSED_NAMES = sorted(MESSAGE_FIELDS)


@st.composite
def hostile_list(draw: st.DrawFn) -> bytes:
    """One name/value list, its terminator included (unless a length past a limit comes
    first: the rest is then never read)."""
    out = b""
    for kind in draw(st.lists(st.sampled_from(HOSTILE_FIELDS), max_size=4)):
        if kind == "pair":
            out += pair(draw(st.binary(min_size=1, max_size=6)), draw(st.binary(max_size=12)))
        elif kind == "checked name":
            value = draw(st.sampled_from([b"", b"\0\0\1", b"\0\0\0\1", b"\0\0\0\0\1"]))
            name = draw(st.one_of(st.just(b"remote-handle"), st.sampled_from(REFUSED_NAMES)))
            out += pair(name, value)
        elif kind == "name length":
            nlen = draw(st.sampled_from([MAX_NAME_LEN, MAX_NAME_LEN + 1, 0xFFFF]))
            out += u16(nlen) + b"n" * min(nlen, MAX_NAME_LEN) + u32(1) + b"v"
        elif kind == "value length":
            vlen = draw(st.sampled_from([MAX_VALUE_LEN, MAX_VALUE_LEN + 1, 0xFFFF_FFFF]))
            out += u16(1) + b"v" + u32(vlen) + b"w" * min(vlen, MAX_VALUE_LEN)
        else:  # "values": as many as a list may hold, or one more
            out += pair(b"m", b"") * draw(st.sampled_from([MAX_VALUES, MAX_VALUES + 1]))
    return out + u16(0)


HOSTILE_FIELDS = (
    "pair",
    "pair",
    "checked name",
    "checked name",
    "name length",
    "value length",
    "values",
)


@st.composite
def hostile_streams(draw: st.DrawFn) -> tuple[bytes, Key | None]:
    """The intro, then well-formed messages around a hostile one, maybe cut."""
    key = draw(keys)
    extra = draw(st.sampled_from([0, 0, 4]))  # header bytes beyond 24, neither read nor signed
    authid = 1 if key is not None else 0
    size = key.signature_size if key is not None else 0

    def framed(message: bytes) -> bytes:
        return message[:24] + b"\xee" * extra + message[24:]

    def good(xid: int) -> bytes:
        message = Message(OP_STATUS, 0, xid, 1, authid, ((b"result", 0),))
        return framed(encode_message(message, key))

    authlen = draw(st.sampled_from([size] * 5 + [MAX_SIGNATURE_LEN + 1]))
    header = u32(draw(st.sampled_from([authid, 0]))) + u32(authlen) + u32(OP_UPDATE) + u32(7) * 3
    lists = draw(hostile_list()) + draw(hostile_list())
    signature = key.sign(header[4:] + lists) if key is not None else b""
    if draw(st.booleans()):  # a wrong one (or one of the wrong length)
        signature = bytes(b ^ 1 for b in signature) or b"\1"
    hostile = framed(header + lists + signature[:authlen] + b"\0" * (authlen - len(signature)))
    stream = u32(100) + u32(24 + extra)
    stream += b"".join(good(xid) for xid in range(draw(st.integers(0, 2)))) + hostile + good(9)
    if draw(st.booleans()):
        stream = stream[: draw(st.integers(0, len(stream)))]
    return stream, key


Fed = tuple[list[object], object]


def feed_stream(stream: bytes, key: Key | None, sizes: list[int]) -> Fed:
    """``stream`` fed to a :class:`wire.StreamDecoder` in reads of ``sizes`` bytes (the last
    size repeated): the frames, then the error (status and text) or the bytes kept."""
    decoder = wire.StreamDecoder(lambda authid: key if authid else None)
    frames: list[object] = []
    pos = 0
    for size in itertools.chain(sizes, itertools.repeat(sizes[-1])):
        if pos >= len(stream):
            break
        try:
            frames += decoder.feed(stream[pos : pos + size])
        except ProtocolError as error:
            return frames, (error.status, error.detail)
        pos += size
    return frames, decoder.buffered


@settings(SETTINGS, max_examples=300)
@given(hostile_streams(), st.lists(st.integers(1, 200), min_size=1, max_size=30))
def test_fast_and_resumable_paths_agree_on_hostile_streams(
    stream_key: tuple[bytes, Key | None], sizes: list[int]
) -> None:
    stream, key = stream_key
    bytewise = feed_stream(stream, key, [1])
    tries: list[object] = []
    real = wire._whole_lists

    def spy(data: bytes, pos: int) -> object:
        tries.append(None)
        tries[-1] = real(data, pos)  # stays None when it raises
        return tries[-1]

    with mock.patch.object(wire, "_whole_lists", spy):
        whole = feed_stream(stream, key, [len(stream) or 1])
    assert whole == bytewise
    # Fed whole, each message's header came with the rest of the read: one try of the fast path
    # each, and the ones delivered were read by it (the last one tried may lack its signature).
    messages = sum(isinstance(frame, tuple) for frame in whole[0])
    read = sum(result is not None for result in tries)
    assert messages <= read <= messages + 1
    assert feed_stream(stream, key, sizes) == bytewise
    fault = whole[1]
    event(
        re.sub(r"[0-9]+|'.*'", "N", f"then {fault[1] if isinstance(fault, tuple) else 'no error'}")
    )
    wrong = [frame for frame in whole[0] if isinstance(frame, tuple) and not frame[1]]
    event(f"a message with a wrong signature: {bool(wrong)}")


def _big(values: int, xid: int) -> bytes:
    """A message of ``values`` object values of MAX_VALUE_LEN bytes each."""
    big = tuple((b"v%d" % n, b"x" * MAX_VALUE_LEN) for n in range(values))
    return encode_message(Message(OP_UPDATE, 1, xid, 1, 0, (), big))


#: A message just under MAX_MESSAGE_LEN, and one past it.
UNDER_LIMIT = MAX_MESSAGE_LEN // MAX_VALUE_LEN - 1
PAST_LIMIT = MAX_MESSAGE_LEN // MAX_VALUE_LEN + 1


@pytest.mark.parametrize("read", [None, 4096, 65537], ids=["whole", "4K reads", "64K+1 reads"])
def test_paths_agree_around_the_message_limit(read: int | None) -> None:
    """A read longer than MAX_MESSAGE_LEN is not given to the fast path (its limit is the
    read's length); the resumable path reads its first message from it: two messages of
    almost MAX_MESSAGE_LEN in one read are both read, and a message longer than the limit is
    refused at the field that crosses it, whole or in reads."""
    intro = u32(100) + u32(24)
    near = [_big(UNDER_LIMIT, xid) for xid in (1, 2)]
    stream = intro + near[0] + near[1] + encode_message(Message(OP_STATUS, 0, 3, 1))
    frames, kept = feed_stream(stream, None, [read or len(stream)])
    assert [frame[0].id for frame in frames[1:] if isinstance(frame, tuple)] == [1, 2, 3]
    assert kept == 0
    assert frames[1:3] == [
        (decode(near[0]), True, len(near[0])),
        (decode(near[1]), True, len(near[1])),
    ]
    stream = intro + encode_message(Message(OP_STATUS, 0, 1, 1)) + _big(PAST_LIMIT, 2)
    frames, fault = feed_stream(stream, None, [read or len(stream)])
    assert len(frames) == 2
    assert fault == (DHCP_R_PROTOCOLERROR, f"message longer than {MAX_MESSAGE_LEN} bytes")
