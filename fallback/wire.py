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

Every length and count from the peer is checked against the ``MAX_*`` limits *before* any
buffer of that size is allocated or waited for; a violation is a :class:`DhcpctlError` with
``DHCP_R_PROTOCOLERROR``.
"""

from __future__ import annotations

import hmac
import struct
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

from dhcpctl._errors import DhcpctlError
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

_U16 = struct.Struct("!H")
_U32 = struct.Struct("!I")
_INTRO = struct.Struct("!II")
_HEADER = struct.Struct("!IIIIII")

#: A value to encode: bytes, a 32-bit integer (sent as 4 big-endian bytes), or None (null).
Value: TypeAlias = "bytes | int | None"
#: One name/value pair. Decoded values are always bytes or None: the wire has no types.
Pair: TypeAlias = "tuple[bytes, Value]"


@dataclass(frozen=True)
class Message:
    """One OMAPI message. ``signature`` is what was received (empty when sending)."""

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


def _fail(detail: str) -> DhcpctlError:
    return DhcpctlError("omapi_protocol", DHCP_R_PROTOCOLERROR, detail)


def encode_intro() -> bytes:
    """The 8-byte introduction each side sends first: protocol version and header size."""
    return _INTRO.pack(OMAPI_PROTOCOL_VERSION, HEADER_SIZE)


def decode_intro(data: bytes) -> int:
    """Check the peer's introduction; return its header size."""
    version, header_size = _INTRO.unpack(data)
    if version != OMAPI_PROTOCOL_VERSION:
        raise DhcpctlError(
            "omapi_protocol", DHCP_R_VERSIONMISMATCH, f"peer speaks OMAPI version {version}"
        )
    if not HEADER_SIZE <= header_size <= MAX_HEADER_SIZE:
        raise _fail(f"peer announced a header size of {header_size}")
    return int(header_size)


def encode_value(value: Value) -> bytes:
    """Length-prefixed value (``omapi_connection_write_typed_data``)."""
    if value is None:
        return _U32.pack(0)
    if isinstance(value, int):
        if not -(1 << 31) <= value < (1 << 32):
            raise DhcpctlError("omapi_protocol", DHCP_R_INVALIDARG, "integer outside 32 bits")
        return _U32.pack(4) + _U32.pack(value & 0xFFFF_FFFF)
    return _U32.pack(len(value)) + value


def encode_pairs(pairs: Sequence[Pair]) -> bytes:
    """A name/value list with its zero-length-name terminator."""
    out = bytearray()
    for name, value in pairs:
        if not 0 < len(name) <= 0xFFFF:
            raise DhcpctlError("omapi_protocol", DHCP_R_INVALIDARG, "name length out of range")
        out += _U16.pack(len(name)) + name + encode_value(value)
    out += _U16.pack(0)
    return bytes(out)


def encode_message(message: Message, key: Key | None = None) -> bytes:
    """Serialize ``message``; with ``key``, set authlen and append the HMAC signature."""
    authlen = key.signature_size if key else 0
    body = (
        _HEADER.pack(message.authid, authlen, message.op, message.handle, message.id, message.rid)
        + encode_pairs(message.message_values)
        + encode_pairs(message.object_values)
    )
    if key is None:
        return body
    mac = key.mac()
    mac.update(body[4:])
    return body + mac.digest()


#: Gives the key that must have signed a message with the given authid (None: unsigned).
KeyLookup: TypeAlias = Callable[[int], "Key | None"]

#: The decoder coroutine: yields how many bytes it needs next, is sent exactly that many.
Reader: TypeAlias = Generator[int, bytes, Message]


def read_message(header_size: int, key_for: KeyLookup) -> Reader:
    """Decode one message from exact-size chunks, verifying its signature.

    ``key_for(authid)`` gives the key that must have signed a message with that authid (None
    for an unsigned message); it raises if the authid is not acceptable.
    """
    raw = yield header_size
    authid, authlen, op, handle, xid, rid = _HEADER.unpack(raw[:HEADER_SIZE])
    if authlen > MAX_SIGNATURE_LEN:
        raise _fail(f"signature length {authlen} exceeds {MAX_SIGNATURE_LEN}")
    key = key_for(authid)
    mac = key.mac() if key else None
    if mac:
        mac.update(raw[4:HEADER_SIZE])
    total = header_size + authlen

    def need(count: int) -> Generator[int, bytes, bytes]:
        nonlocal total
        total += count
        if total > MAX_MESSAGE_LEN:
            raise _fail(f"message longer than {MAX_MESSAGE_LEN} bytes")
        chunk = yield count
        if mac:
            mac.update(chunk)
        return chunk

    lists: list[tuple[Pair, ...]] = []
    for _ in range(2):
        pairs: list[Pair] = []
        while True:
            (nlen,) = _U16.unpack((yield from need(2)))
            if nlen == 0:
                break
            if nlen > MAX_NAME_LEN:
                raise _fail(f"name length {nlen} exceeds {MAX_NAME_LEN}")
            if len(pairs) == MAX_VALUES:
                raise _fail(f"more than {MAX_VALUES} values in one list")
            name = yield from need(nlen)
            (vlen,) = _U32.unpack((yield from need(4)))
            if vlen > MAX_VALUE_LEN:
                raise _fail(f"value length {vlen} exceeds {MAX_VALUE_LEN}")
            pairs.append((name, (yield from need(vlen)) if vlen else None))
        lists.append(tuple(pairs))
    signature = (yield authlen) if authlen else b""
    if mac and not hmac.compare_digest(mac.digest(), signature):
        raise DhcpctlError("omapi_protocol", DHCP_R_INVALIDKEY, "message signature is wrong")
    return Message(op, handle, xid, rid, authid, lists[0], lists[1], signature)
