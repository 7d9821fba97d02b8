"""The OMAPI wire format (``omapip/protocol.c``, ``omapip/buffer.c``): encoding and a resumable
decoder, no I/O.

A message is a 24-byte header of six big-endian uint32 (authid, authlen, op, handle, id, rid),
then the message's name/value list, then the object's name/value list (each name a uint16
length and bytes, each value a uint32 length and bytes; a zero-length name ends a list), then
``authlen`` bytes of signature. A zero-length value is a *null* value, which ISC's generic
object remembers as "delete this name".

What is signed (``omapi_connection_copyin``/``copyout`` feed the HMAC only while a key is active
on the connection, ``protocol.c`` activates it right after the authid and reads the signature
after deactivating it): every byte from ``authlen`` to the last list terminator. The authid,
any header bytes beyond 24 (which the receiver skips without signing) and the signature itself
are not signed.

Every length and count from the peer is checked against the ``MAX_*`` limits *before* any buffer
of that size is allocated or waited for; a violation is a :class:`ProtocolError` with
``DHCP_R_PROTOCOLERROR`` (the peer broke the protocol: the connection is unusable). So are the
message values ISC's ``omapi_message_set_value`` cannot take from the wire
(:data:`MESSAGE_FIELDS`, for which C fails the connection, or dereferences NULL in 4.4.3-P1 when
the value is null; an ``authenticator`` value is taken, as C takes it, and never used) and a
``remote-handle`` in the object list that is not 4 bytes (``dhcpctl_remote_set_value`` reads 4
bytes from it). The codec raises only :class:`ProtocolError`; the API layer turns it into the
public :class:`~dhcpctl.DhcpctlError`, naming the function the user called.
"""

from __future__ import annotations

import hmac
import struct
from collections.abc import Callable, Generator, Sequence
from typing import Final, NamedTuple, TypeAlias

from dhcpctl._diagnosis import not_omapi
from dhcpctl._results import (
    DHCP_R_INVALIDARG,
    DHCP_R_INVALIDKEY,
    DHCP_R_PROTOCOLERROR,
    DHCP_R_VERSIONMISMATCH,
)

from .auth import Key

OMAPI_PROTOCOL_VERSION: Final = 100
HEADER_SIZE: Final = 24
INTRO_SIZE: Final = 8

OP_OPEN: Final = 1
OP_REFRESH: Final = 2
OP_UPDATE: Final = 3
OP_NOTIFY: Final = 4
OP_STATUS: Final = 5
OP_DELETE: Final = 6

#: Longest name accepted from the peer (ISC's names are a few dozen bytes; the field allows 64K).
MAX_NAME_LEN: Final = 1024
#: Longest value accepted from the peer (the field allows 4G; dhcpd's values are small).
MAX_VALUE_LEN: Final = 65536
#: Most name/value pairs accepted in one list (message values or object values).
MAX_VALUES: Final = 1024
#: Most bytes one message may span, header to signature.
MAX_MESSAGE_LEN: Final = 1 << 20
#: Longest signature accepted (HMAC-SHA512 gives 64 bytes).
MAX_SIGNATURE_LEN: Final = 64
#: Largest header size accepted in the peer's introduction (ISC sends 24).
MAX_HEADER_SIZE: Final = 256
#: Most bytes the client lets pile up unsent (requests, and the STATUS answers it owes the
#: peer) before an answer it owes makes the connection fail: a peer that stops reading.
MAX_UNSENT: Final = 1 << 20

#: Message-list names that ``omapi_message_set_value`` takes only as typed data (an integer or
#: an object), which the wire cannot carry: from a peer they break the protocol.
MESSAGE_FIELDS: Final = frozenset(
    (b"op", b"handle", b"id", b"rid", b"authid", b"object", b"notify-object")
)

_U16 = struct.Struct("!H")
_U32 = struct.Struct("!I")
_INTRO = struct.Struct("!II")
_HEADER = struct.Struct("!IIIIII")
_INT = struct.Struct("!II")
_NULL: Final = bytes(4)
_END: Final = bytes(2)

#: A value to encode: bytes, a 32-bit integer (sent as 4 big-endian bytes), or None (null).
Value: TypeAlias = "bytes | int | None"
#: Received bytes as the decoder reads them: one read's bytes, or a buffer of several.
Buffer: TypeAlias = "bytes | bytearray"
#: One name/value pair. Decoded values are always bytes or None: the wire has no types.
Pair: TypeAlias = "tuple[bytes, Value]"


class Message(NamedTuple):
    """One OMAPI message. ``signature`` is what was received (empty when sending).

    A named tuple, not a frozen dataclass: one is made for every message sent or received,
    and a frozen dataclass takes four times as long to make (2.0 against 0.5 us measured).
    """

    op: int
    handle: int = 0
    id: int = 0
    rid: int = 0
    authid: int = 0
    message_values: tuple[Pair, ...] = ()
    object_values: tuple[Pair, ...] = ()
    signature: bytes = b""

    def message_value(self, name: bytes) -> Value:
        """The last message value named ``name`` (None if absent or null)."""
        return _lookup(self.message_values, name)


def _lookup(pairs: Sequence[Pair], name: bytes) -> Value:
    for key, value in reversed(pairs):
        if key == name:
            return value
    return None


class ProtocolError(Exception):
    """The codec's own error: an ISC status and what went wrong. The API layer turns it into
    a :class:`~dhcpctl.DhcpctlError` naming the user's function."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail

    def __reduce__(self) -> tuple[object, ...]:
        return type(self), (self.status, self.detail), self.__dict__


def _fail(detail: str) -> ProtocolError:
    return ProtocolError(DHCP_R_PROTOCOLERROR, detail)


def encode_intro() -> bytes:
    """The 8-byte introduction each side sends first: protocol version and header size."""
    return _INTRO.pack(OMAPI_PROTOCOL_VERSION, HEADER_SIZE)


def decode_intro(data: Buffer) -> int:
    """Check the peer's introduction; return its header size."""
    version, header_size = _INTRO.unpack(data)
    if version != OMAPI_PROTOCOL_VERSION:  # OMAPI has no other version: not an OMAPI peer
        raise ProtocolError(DHCP_R_VERSIONMISMATCH, not_omapi(bytes(data)))
    if not HEADER_SIZE <= header_size <= MAX_HEADER_SIZE:
        raise _fail(f"peer announced a header size of {header_size}")
    return int(header_size)


def _put_pairs(out: bytearray, pairs: Sequence[Pair]) -> None:
    """Append a name/value list and its zero-length-name terminator to ``out``.

    Each value is length-prefixed (``omapi_connection_write_typed_data``): an int as 4
    big-endian bytes, None as the zero-length null value.
    """
    for name, value in pairs:
        if not 0 < len(name) <= 0xFFFF:
            raise ProtocolError(DHCP_R_INVALIDARG, "name length out of range")
        out += _U16.pack(len(name))
        out += name
        if value is None:
            out += _NULL
        elif isinstance(value, int):
            if not -(1 << 31) <= value < (1 << 32):
                raise ProtocolError(DHCP_R_INVALIDARG, "integer outside 32 bits")
            out += _INT.pack(4, value & 0xFFFF_FFFF)
        else:
            out += _U32.pack(len(value))
            out += value
    out += _END


def encode_message(message: Message, key: Key | None = None) -> bytes:
    """Serialize ``message``; with ``key``, set authlen and append the HMAC signature."""
    return encode(
        message.op,
        message.handle,
        message.id,
        message.rid,
        message.authid,
        message.message_values,
        message.object_values,
        key,
    )


def encode(
    op: int,
    handle: int,
    xid: int,
    rid: int,
    authid: int,
    message_values: Sequence[Pair],
    object_values: Sequence[Pair],
    key: Key | None,
) -> bytes:
    """:func:`encode_message` of a message given by its fields, for a sender that needs no
    :class:`Message` (making one costs 3,500 instructions, a tenth of a request's encoding)."""
    out = bytearray(_HEADER.pack(authid, key.signature_size if key else 0, op, handle, xid, rid))
    _put_pairs(out, message_values)
    _put_pairs(out, object_values)
    if key is not None:
        out += key.sign(memoryview(out)[4:])  # the view is gone before out grows
    return bytes(out)


#: Gives the key that must have signed a message with the given authid (None: unsigned).
KeyLookup: TypeAlias = Callable[[int], "Key | None"]


class MessageDecoder:
    """Decodes the messages of one connection out of a buffer, no I/O.

    :meth:`parse` takes the buffer and where the next message starts in it. It walks the
    fields whose bytes are there, checking every length against the limits as soon as it is
    read, and returns the message once the buffer holds all of it, with whether its signature
    is right (one HMAC over the signed span); else it remembers how far it got and returns
    None, and :attr:`needed` says how many bytes (counted from the message's start) the next
    call needs at least. The buffer may be compacted between calls, as long as the message's
    bytes keep their offsets relative to its start. After a message the decoder starts afresh,
    also after one with a wrong signature: like ``protocol.c``, which reads a message whole
    before it compares signatures, the decoder has then consumed all of it, and the caller
    decides what a wrong signature means (the client drops the message and says so to the
    peer). A wrong signature is never reported as a valid one.

    ``key_for(authid)`` gives the key that must have signed a message with that authid (None
    for an unsigned message); it raises if the authid is not acceptable. It is called once the
    header is there.

    Two paths, one result: when the header arrives in a ``bytes`` buffer, the lists are first
    read in one go (:func:`_whole_lists`, about a quarter cheaper for a 15-value reply); only
    if the buffer ends before the message does, the resumable walk reads them again and
    remembers how far it got. Both check the same fields in the same order.
    """

    __slots__ = (
        "_header",
        "_header_size",
        "_key",
        "_key_for",
        "_lists",
        "_pairs",
        "_resume",
        "needed",
    )

    def __init__(self, header_size: int, key_for: KeyLookup) -> None:
        self._header_size = header_size
        self._key_for = key_for
        self._restart()

    def _restart(self) -> None:
        self._header: tuple[int, ...] | None = None
        self._key: Key | None = None
        self._lists: list[tuple[Pair, ...]] = []
        self._pairs: list[Pair] = []
        #: Where (from the message's start) the first field not parsed yet begins.
        self._resume = self._header_size
        #: How many bytes from the message's start the next :meth:`parse` needs, at least.
        self.needed = self._header_size

    def parse(self, buffer: Buffer, start: int = 0) -> tuple[Message, int, bool] | None:
        """The message at ``buffer[start:]``, the offset just past it and whether its signature
        is right (True for an unsigned message), or None for now."""
        end = len(buffer)
        if end - start < self.needed:
            return None
        header = self._header
        if header is None:
            header = _HEADER.unpack_from(buffer, start)
            authlen = header[1]
            if authlen > MAX_SIGNATURE_LEN:
                raise _fail(f"signature length {authlen} exceeds {MAX_SIGNATURE_LEN}")
            key = self._key_for(header[0])
            # The usual case: the message is all there (see :func:`_whole_lists`); the limit on
            # its length is then met by the buffer's. The decoder's state is not touched: it is
            # the fresh one the next message needs (2,000 instructions less per message).
            if type(buffer) is bytes and end - start <= MAX_MESSAGE_LEN - authlen:
                whole = _whole_lists(buffer, start + self._header_size)
                if whole is not None and whole[2] + authlen <= end:
                    return self._finish(buffer, start, header, key, *whole)
            self._header, self._key = header, key
        authlen = header[1]
        # Where the lists must end at the latest, for the message to fit MAX_MESSAGE_LEN.
        limit = start + MAX_MESSAGE_LEN - authlen
        pos = start + self._resume
        lists = self._lists
        pairs = self._pairs
        # Each field is read once the buffer holds it; one comparison with ``stop`` tells
        # whether it might not (then :meth:`_short` says which: too long, or not there yet).
        stop = min(end, limit)
        while len(lists) < 2:
            # The name's length, and with a name, the name and its value's length.
            name_at = pos + 2
            if name_at > stop:
                self._short(start, pos, name_at, limit)
                return None
            (nlen,) = _U16.unpack_from(buffer, pos)
            if nlen == 0:
                lists.append(tuple(pairs))
                self._pairs = pairs = []
                pos = name_at
                continue
            if nlen > MAX_NAME_LEN:
                raise _fail(f"name length {nlen} exceeds {MAX_NAME_LEN}")
            if len(pairs) == MAX_VALUES:
                raise _fail(f"more than {MAX_VALUES} values in one list")
            value_at = name_at + nlen + 4
            if value_at > stop:
                self._short(start, pos, value_at, limit)
                return None
            (vlen,) = _U32.unpack_from(buffer, value_at - 4)
            if vlen > MAX_VALUE_LEN:
                raise _fail(f"value length {vlen} exceeds {MAX_VALUE_LEN}")
            after = value_at + vlen
            if after > stop:
                self._short(start, pos, after, limit)
                return None
            name = bytes(buffer[name_at : value_at - 4])
            # What ISC's receiving side cannot take (see the module docstring).
            if lists:  # the object list
                if vlen != 4 and name == b"remote-handle":
                    raise _fail(f"remote-handle of {vlen} bytes")
            elif name in MESSAGE_FIELDS:
                raise _fail(_refused(name))
            pairs.append((name, bytes(buffer[value_at:after]) if vlen else None))
            pos = after
        if pos + authlen > end:
            self._suspend(start, pos, pos + authlen)
            return None
        done = self._finish(buffer, start, header, self._key, lists[0], lists[1], pos)
        self._restart()
        return done

    def _finish(
        self,
        buffer: Buffer,
        start: int,
        header: tuple[int, ...],
        key: Key | None,
        message_values: tuple[Pair, ...],
        object_values: tuple[Pair, ...],
        pos: int,
    ) -> tuple[Message, int, bool]:
        """The message of ``header`` whose lists end at ``pos``, the signature being in the
        buffer too; ``key`` must have signed it."""
        authid, authlen, op, handle, xid, rid = header
        signature = bytes(buffer[pos : pos + authlen])
        verified = key is None or hmac.compare_digest(
            self._sign(key, buffer, start, pos), signature
        )
        message = Message(op, handle, xid, rid, authid, message_values, object_values, signature)
        return message, pos + authlen, verified

    def _sign(self, key: Key, buffer: Buffer, start: int, end: int) -> bytes:
        """The HMAC of the signed span of the message from ``start`` to the end of its lists.

        A view, not a copy, of the buffer is signed; it is gone when this returns (also when
        it raises), so the caller may resize the buffer.
        """
        if self._header_size != HEADER_SIZE:  # the extra header bytes are not signed
            lists = start + self._header_size
            return key.sign(buffer[start + 4 : start + HEADER_SIZE] + buffer[lists:end])
        return key.sign(memoryview(buffer)[start + 4 : end])

    def _short(self, start: int, pos: int, wanted: int, limit: int) -> None:
        """The field at ``pos`` ends at ``wanted``: past ``limit`` the message is too long,
        else the buffer does not hold it yet (:meth:`_suspend`)."""
        if wanted > limit:
            raise _fail(f"message longer than {MAX_MESSAGE_LEN} bytes")
        self._suspend(start, pos, wanted)

    def _suspend(self, start: int, pos: int, wanted: int) -> None:
        """Stop at the field at ``pos`` until the buffer holds ``wanted`` bytes."""
        self._resume = pos - start
        self.needed = wanted - start


def _whole_lists(data: bytes, pos: int) -> tuple[tuple[Pair, ...], tuple[Pair, ...], int] | None:
    """Both name/value lists of a message, the first starting at ``pos``, and where they end;
    None if ``data`` does not hold them whole.

    :meth:`MessageDecoder.parse`'s fast path, tried once per message, when a message's header
    arrives in a ``bytes`` object: the same fields read with the same checks in the same
    order as the resumable path, which also reads on to the end of the buffer, but without
    the bookkeeping that lets it stop at any field. When a field lies past the end of
    ``data`` (``struct.error`` for a length, a check for a value), the caller goes on with the
    resumable path from the first list, and the work done here is lost (once per message).
    """
    end = len(data)
    try:
        if data.startswith(_END, pos):  # no message values, as in an UPDATE reply of dhcpd
            message_values: tuple[Pair, ...] = ()
            pos += 2
        else:
            message_values, pos = _whole_list(data, pos, end, MESSAGE_FIELDS, False)
            if pos > end:
                return None
        object_values, pos = _whole_list(data, pos, end, _REMOTE_HANDLE, True)
    except struct.error:
        return None
    return None if pos > end else (message_values, object_values, pos)


def _whole_list(
    data: bytes, pos: int, end: int, special: frozenset[bytes], object_list: bool
) -> tuple[tuple[Pair, ...], int]:
    """One list for :func:`_whole_lists`: its pairs and where its terminator ends, or an end
    past ``end`` when a value does not end by ``end``; raises ``struct.error`` when a length
    lies past the end of ``data``. A name in ``special`` breaks the protocol, but in the
    object list only with a value that is not 4 bytes (see the module docstring): one set
    lookup per name.

    A value that does not end by ``end`` is looked at only when its name is special (the
    resumable path then waits for it before it judges the name); otherwise the next length,
    read past the end of ``data``, raises ``struct.error``, which tells the caller the same.
    This loop runs once per value received (three quarters of a lease reply's decoding): each
    step less is about 60 instructions per value, 1,000 per reply.
    """
    pairs: list[Pair] = []
    unpack_u16 = _U16.unpack_from
    unpack_u32 = _U32.unpack_from
    for _ in _EACH_VALUE:  # counts the values: no len(pairs) per value (7% of the loop)
        (nlen,) = unpack_u16(data, pos)
        if not nlen:
            return tuple(pairs), pos + 2
        if nlen > MAX_NAME_LEN:
            raise _fail(f"name length {nlen} exceeds {MAX_NAME_LEN}")
        name_at = pos + 2
        pos = name_at + nlen  # the name's end: its value's length
        (vlen,) = unpack_u32(data, pos)
        if vlen > MAX_VALUE_LEN:
            raise _fail(f"value length {vlen} exceeds {MAX_VALUE_LEN}")
        name = data[name_at:pos]
        value_at = pos + 4
        pos = value_at + vlen
        if name in special and not (object_list and vlen == 4):
            if pos > end:
                return (), pos
            raise _fail(f"remote-handle of {vlen} bytes" if object_list else _refused(name))
        pairs.append((name, data[value_at:pos] if vlen else None))
    # MAX_VALUES values read: the terminator, or the checks of a name the list cannot take.
    (nlen,) = unpack_u16(data, pos)
    if not nlen:
        return tuple(pairs), pos + 2
    if nlen > MAX_NAME_LEN:
        raise _fail(f"name length {nlen} exceeds {MAX_NAME_LEN}")
    raise _fail(f"more than {MAX_VALUES} values in one list")


#: One step per value :func:`_whole_list` may read.
_EACH_VALUE: Final = range(MAX_VALUES)


_REMOTE_HANDLE: Final = frozenset((b"remote-handle",))


def _refused(name: bytes) -> str:
    return f"message value {name!r} from the peer"


#: What :meth:`StreamDecoder.feed` yields: the peer's header size (its introduction), or a
#: message, whether its signature is right and the bytes it took on the wire (header to
#: signature).
Frame: TypeAlias = "int | tuple[Message, bool, int]"


class StreamDecoder:
    """One side's incoming byte stream, no I/O: the peer's 8-byte introduction, then
    messages (:class:`MessageDecoder`), for both the client's and the server's protocol.

    Whole messages are decoded straight from the bytes fed (the decoder's fast path); only an
    incomplete tail is kept, and the buffer is compacted once per :meth:`feed`. The message
    that straddles two reads is decoded from the buffer, the ones after it from the read's own
    bytes again. ``key_for`` is the
    :class:`MessageDecoder`'s. The caller that stops early (on an error raised by
    :meth:`feed` or by its own handling of a frame) calls :meth:`clear`.
    """

    __slots__ = ("_buffer", "_decoder", "_key_for")

    def __init__(self, key_for: KeyLookup) -> None:
        self._key_for = key_for
        #: Bytes received but not decoded yet: the start of a message, at most.
        self._buffer = bytearray()
        self._decoder: MessageDecoder | None = None

    def feed(self, data: bytes) -> Generator[Frame, None, None]:
        """Every frame ``data`` completes, in order; raises :class:`ProtocolError` (after the
        frames before the fault) when the bytes break the protocol."""
        buffer: Buffer = data
        kept = len(self._buffer)  # where ``data`` starts in the buffer
        if kept:
            self._buffer += data
            buffer = self._buffer
        offset = 0
        while True:
            if buffer is not data and offset >= kept:  # the kept bytes are decoded
                buffer, offset = data, offset - kept
                self._buffer.clear()
            decoder = self._decoder
            if decoder is None:
                if len(buffer) - offset < INTRO_SIZE:
                    break
                header_size = decode_intro(buffer[offset : offset + INTRO_SIZE])
                offset += INTRO_SIZE
                self._decoder = MessageDecoder(header_size, self._key_for)
                yield header_size
                continue
            done = decoder.parse(buffer, offset)
            if done is None:
                break
            message, end, verified = done
            size, offset = end - offset, end
            yield message, verified, size
            if offset == len(buffer):  # the usual end of a read: no second look
                break
        if buffer is self._buffer:
            del self._buffer[:offset]
        elif offset < len(buffer):
            self._buffer += buffer[offset:]

    def clear(self) -> None:
        """Forget buffered bytes (the connection failed)."""
        self._buffer.clear()

    @property
    def buffered(self) -> int:
        """Bytes received and kept, not decoded yet (the start of a message, at most)."""
        return len(self._buffer)


#: The blocking decoder: yields how many bytes it needs next, is sent exactly that many.
Reader: TypeAlias = Generator[int, bytes, Message]


def read_message(header_size: int, key_for: KeyLookup) -> Reader:
    """Decode one message from exact-size chunks (for a reader that blocks on a stream): a
    :class:`MessageDecoder` asking for the bytes up to the end of its next field.

    This one-shot reader has no way to go on past a message, so a wrong signature is an error
    here (``DHCP_R_INVALIDKEY``), raised once the whole message is read; the client's
    :class:`~.protocol.ClientProtocol` uses :class:`MessageDecoder` and drops such a message
    instead.
    """
    decoder = MessageDecoder(header_size, key_for)
    buffer = bytearray()
    while True:
        buffer += yield decoder.needed - len(buffer)
        done = decoder.parse(buffer)
        if done is not None:
            message, _, verified = done
            if not verified:
                raise ProtocolError(DHCP_R_INVALIDKEY, "message signature is wrong")
            return message
