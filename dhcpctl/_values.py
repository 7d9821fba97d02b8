"""Wire encoders and decoders of the typed layer: Python values to OMAPI's value bytes and back.

An OMAPI value is a byte string; dhcpd gives it meaning per attribute (``server/omapi.c``,
``server/failover.c``, ``common/comapi.c``). Each :class:`Codec` here is one such meaning:

- :data:`MAC`: ``str`` ``"aa:bb:cc:dd:ee:ff"`` (lower case); 1 to 20 octets
  (``HARDWARE_ADDR_LEN``: an InfiniBand port's 20, hardware type 32).
- :data:`IPV4`: :class:`ipaddress.IPv4Address`; 4 bytes, network order. :data:`IPV4_LIST`: a
  tuple of them, 4 bytes each (a host's ``fixed-address`` list).
- :data:`TIME`: a tz-aware UTC ``datetime``, or None for ISC's "never" (``MAX_TIME``,
  ``0x7FFFFFFF``, 2038-01-19 03:14:07 UTC: ``includes/dhcpd.h``; ``common/print.c`` print_time
  writes it as ``never``); 4-byte big-endian seconds since the epoch. A time at or after
  ``MAX_TIME`` cannot be written (dhcpd would keep it as "never"); a fraction of a second is
  dropped (OMAPI carries whole seconds). :data:`TIME_OR_UNSET`: the same, and a 0 (a time ISC
  never set: ``server/db.c`` write_lease leaves it out of the leases file) is None too.
- :data:`UINT32`, :data:`INT32`, :data:`UINT8`: ``int``; 4-byte big-endian unsigned, 4-byte
  two's complement, 1 byte (a lease's ``flags``). :data:`HARDWARE_TYPE`: ``int`` 0 to 255 in 4
  bytes. :data:`HANDLE`: ``int``, the server's handle
  of a related object (a lease's ``host``), 4 bytes.
- :data:`LEASE_STATE`, :data:`FAILOVER_STATE`, :data:`HIERARCHY`: :class:`LeaseState`,
  :class:`FailoverStateName`, :class:`FailoverHierarchy`; 4-byte big-endian. Encoders also take
  the member's name (``"active"``, ``"ACTIVE"``) or its number.
- :data:`STRING`: ``str``; UTF-8 without NUL (bytes that are not UTF-8 come back as surrogate
  escapes, so a name round-trips exactly).
- :data:`BYTES`: ``bytes`` as they are (a client identifier, a subclass's data).

Encoders take the value and the field's name and raise ``ValueError`` naming both when the value
cannot be encoded; they accept the usual spellings (a MAC as ``aa:bb:..``, ``AA-BB-..``,
``aabb.ccdd.eeff``, bare hex or bytes; an address as ``str`` or ``IPv4Address``; a
time as a tz-aware ``datetime`` or None). Decoders take the bytes the server sent and raise
``ValueError`` when they do not have the form ISC sends (the typed object then keeps the field
None; the bytes stay in ``raw``).
"""

from __future__ import annotations

import enum
import ipaddress
import math
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Final, Generic, TypeVar

from dhcpctl._errors import shorten
from dhcpctl._states import FailoverHierarchy, FailoverStateName, LeaseState

T = TypeVar("T")

#: ISC's ``MAX_TIME`` (``includes/dhcpd.h``) as it goes on the wire (``(u_int32_t)lease->ends``,
#: server/omapi.c dhcp_lease_stuff_values): "never" (``ends never;`` in a leases file).
NEVER: Final = 0x7FFF_FFFF
#: ``HARDWARE_ADDR_LEN`` (``includes/dhcpd.h``, 4.4.3-P1): the longest hardware address ISC
#: keeps (``hbuf``'s 21 bytes less the type byte), an InfiniBand port's 20 octets.
HARDWARE_ADDR_LEN: Final = 20


@dataclass(frozen=True)
class Codec(Generic[T]):
    """One attribute meaning: ``encode(value, field) -> bytes``, ``decode(bytes) -> T``.

    ``python_type`` names the Python type for documentation (the README's attribute table).
    """

    name: str
    python_type: str
    encode: Callable[[Any, str], bytes]
    decode: Callable[[bytes], T]


def refuse(field: str, value: object, why: str) -> ValueError:
    """The ``ValueError`` of an input that cannot be encoded: names the field and the value."""
    return ValueError(f"{field}: {shorten(value)} {why}")


# -- MAC addresses ------------------------------------------------------------------------------

_SEPARATED: Final = re.compile(r"[0-9a-fA-F]{1,2}(?:([:-])[0-9a-fA-F]{1,2})*")
_DOTTED: Final = re.compile(r"[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4})+")
_BARE: Final = re.compile(r"(?:[0-9a-fA-F]{2})+")


def encode_mac(value: object, field: str = "hardware-address") -> bytes:
    """A hardware address: ``bytes`` as is, or text as ``aa:bb:..`` (1 or 2 hex digits per
    octet, ``:`` or ``-``), ``aabb.ccdd.eeff`` or bare hex; 1 to 20 octets (``HARDWARE_ADDR_LEN``,
    server/omapi.c dhcp_host_set_value). Raises ValueError otherwise."""
    if isinstance(value, bytes | bytearray | memoryview):
        octets = bytes(value)
    elif isinstance(value, str):
        text = value.strip()
        if _SEPARATED.fullmatch(text) and (":" in text or "-" in text):
            separator = ":" if ":" in text else "-"
            if ":" in text and "-" in text:
                raise refuse(field, value, "mixes ':' and '-' separators")
            octets = bytes(int(part, 16) for part in text.split(separator))
        elif _DOTTED.fullmatch(text) or _BARE.fullmatch(text):
            octets = bytes.fromhex(text.replace(".", ""))
        else:
            raise refuse(
                field, value, "is not a MAC address (aa:bb:cc:dd:ee:ff, aabb.ccdd.eeff, hex)"
            )
    else:
        raise refuse(field, value, "is not a MAC address (str or bytes)")
    if not 1 <= len(octets) <= HARDWARE_ADDR_LEN:
        raise refuse(field, value, f"has {len(octets)} octets; ISC keeps 1 to {HARDWARE_ADDR_LEN}")
    return octets


def decode_mac(data: bytes) -> str:
    """``aa:bb:cc:..`` in lower case; ValueError for an empty or over-long address."""
    if not 1 <= len(data) <= HARDWARE_ADDR_LEN:
        raise ValueError(f"a hardware address of {len(data)} octets")
    return data.hex(":")


# -- IPv4 ---------------------------------------------------------------------------------------


def encode_ipv4(value: object, field: str = "ip-address") -> bytes:
    """An IPv4 address from ``str`` or :class:`ipaddress.IPv4Address` (the forms the typed
    client documents); packed bytes are refused (``ipaddress.IPv4Address(data)`` reads them)."""
    # Text first: the usual form, and no ``bytes | bytearray`` union made on its way.
    if isinstance(value, str):
        text = value.strip()
        try:
            # The C parser, kept only when it reads the one canonical dotted quad (the form
            # ipaddress accepts: no leading zeros, no shorthand), 20 times cheaper; anything
            # else is ipaddress's to take or refuse.
            packed = socket.inet_pton(socket.AF_INET, text)
            if socket.inet_ntop(socket.AF_INET, packed) == text:
                return packed
        except (OSError, ValueError):  # ValueError: a NUL, or a lone surrogate (no UTF-8)
            pass
        try:
            return ipaddress.IPv4Address(text).packed
        except ValueError:
            raise refuse(field, value, "is not an IPv4 address") from None
    if isinstance(value, ipaddress.IPv4Address):
        return value.packed
    if isinstance(value, bytes | bytearray | memoryview):
        raise refuse(
            field,
            value,
            "is not an IPv4 address (str or IPv4Address); for packed bytes give "
            "ipaddress.IPv4Address(data)",
        )
    raise refuse(field, value, "is not an IPv4 address (str or IPv4Address)")


def decode_ipv4(data: bytes) -> ipaddress.IPv4Address:
    if len(data) != 4:
        raise ValueError(f"an IPv4 address of {len(data)} bytes")
    return ipaddress.IPv4Address(data)


def encode_ipv4_list(value: object, field: str = "ip-address") -> bytes:
    """One address (as :func:`encode_ipv4`) or a non-empty list/tuple of them."""
    if isinstance(value, list | tuple):
        if not value:
            raise refuse(field, value, "is empty")
        return b"".join(encode_ipv4(each, field) for each in value)
    return encode_ipv4(value, field)


def decode_ipv4_list(data: bytes) -> tuple[ipaddress.IPv4Address, ...]:
    if not data or len(data) % 4:
        raise ValueError(f"an IPv4 address list of {len(data)} bytes")
    return tuple(ipaddress.IPv4Address(data[at : at + 4]) for at in range(0, len(data), 4))


# -- integers and enumerations ------------------------------------------------------------------


def _unsigned(value: object, field: str, size: int) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse(field, value, "is not an integer")
    if not 0 <= value < 1 << (8 * size):
        raise refuse(field, value, f"does not fit {size} unsigned byte(s)")
    return int(value).to_bytes(size, "big")


def encode_uint32(value: object, field: str) -> bytes:
    return _unsigned(value, field, 4)


def decode_uint32(data: bytes) -> int:
    if len(data) != 4:
        raise ValueError(f"a 4-byte integer of {len(data)} bytes")
    return int.from_bytes(data, "big")


def encode_hardware_type(value: object, field: str) -> bytes:
    """A hardware type, 0 to 255 (1: Ethernet), in 4 bytes: dhcpd keeps one byte
    (``server/omapi.c``: dhcp_host_set_value stores ``hbuf[0] = type``, cutting a larger one;
    dhcp_lease_lookup and dhcp_host_lookup refuse one with more than its last byte set)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse(field, value, "is not an integer")
    if not 0 <= value <= 255:
        raise refuse(field, value, "is not a hardware type (0 to 255: dhcpd keeps one byte)")
    return int(value).to_bytes(4, "big")


def encode_int32(value: object, field: str) -> bytes:
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse(field, value, "is not an integer")
    if not -(1 << 31) <= value < 1 << 31:
        raise refuse(field, value, "does not fit 4 signed bytes")
    return int(value).to_bytes(4, "big", signed=True)


def decode_int32(data: bytes) -> int:
    """A 4-byte two's complement integer (a failover peer's clock ``skew``, seconds)."""
    return decode_uint32(data) - (1 << 32 if data[0] & 0x80 else 0)


def encode_uint8(value: object, field: str) -> bytes:
    return _unsigned(value, field, 1)


def decode_uint8(data: bytes) -> int:
    if len(data) != 1:
        raise ValueError(f"a 1-byte integer of {len(data)} bytes")
    return data[0]


E = TypeVar("E", bound=enum.IntEnum)


def _enum_codec(kind: type[E], name: str) -> Codec[E]:
    def encode(value: object, field: str) -> bytes:
        if isinstance(value, str):
            member = kind.__members__.get(value.strip().upper().replace("-", "_"))
            if member is None:
                names = ", ".join(kind.__members__)
                raise refuse(field, value, f"is not a {kind.__name__} ({names})")
            value = member
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                value = kind(value)
            except ValueError:
                raise refuse(field, value, f"is not a {kind.__name__}") from None
        else:
            raise refuse(field, value, f"is not a {kind.__name__}")
        return encode_uint32(int(value), field)

    # The members by number, looked up directly: calling the enum class costs 5k instructions
    # (EnumMeta.__call__), the dictionary under 1k.
    members: dict[int, E] = {int(member): member for member in kind}

    def decode(data: bytes) -> E:
        number = decode_uint32(data)
        member = members.get(number)
        if member is None:
            raise ValueError(f"{number} is not a {kind.__name__}")
        return member

    return Codec(name, kind.__name__, encode, decode)


# -- times --------------------------------------------------------------------------------------


def encode_time(value: object, field: str) -> bytes:
    """A tz-aware ``datetime`` as 4-byte seconds since the epoch (a fraction of a second
    dropped), None as ISC's "never" (:data:`NEVER`). Raises ValueError for a naive datetime,
    one before 1970, or one at or after ISC's ``MAX_TIME`` (2038-01-19 03:14:07 UTC), which
    dhcpd would keep as "never" (``common/print.c`` print_time, ``server/db.c`` write_lease)."""
    if value is None:
        return NEVER.to_bytes(4, "big")
    if not isinstance(value, datetime):
        raise refuse(field, value, "is not a datetime (or None for never)")
    shown = value.isoformat()  # its repr is too long to read once shortened
    if value.tzinfo is None or value.utcoffset() is None:
        raise refuse(field, shown, "is a naive datetime; give a timezone (UTC)")
    seconds = math.floor(value.timestamp())
    if seconds < 0:
        raise refuse(field, shown, "is before 1970, outside OMAPI's seconds since the epoch")
    if seconds >= NEVER:
        raise refuse(
            field,
            shown,
            "is at or after 2038-01-19 03:14:07 UTC, ISC's MAX_TIME, which dhcpd 4.4.3-P1 "
            "keeps as 'never' (give None for never)",
        )
    return seconds.to_bytes(4, "big")


def decode_time(data: bytes) -> datetime | None:
    """Seconds since the epoch as a UTC datetime; :data:`NEVER` as None."""
    seconds = decode_uint32(data)
    return None if seconds == NEVER else datetime.fromtimestamp(seconds, timezone.utc)


def decode_time_or_unset(data: bytes) -> datetime | None:
    """As :func:`decode_time`, and 0 (a time ISC never set) as None too."""
    seconds = decode_uint32(data)
    return None if seconds in _UNSET else datetime.fromtimestamp(seconds, timezone.utc)


#: The seconds :func:`decode_time_or_unset` gives as None.
_UNSET: Final = frozenset((0, NEVER))


# -- text and bytes -----------------------------------------------------------------------------


def encode_string(value: object, field: str) -> bytes:
    """A ``str`` as UTF-8 (surrogate escapes give back the bytes they came from); no NUL."""
    if not isinstance(value, str):
        raise refuse(field, value, "is not a str")
    if "\0" in value:
        raise refuse(field, value, "contains a NUL character")
    return value.encode("utf-8", "surrogateescape")


def decode_string(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def encode_bytes(value: object, field: str) -> bytes:
    """``bytes`` (or a ``bytearray``/``memoryview``) as they are; not empty."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise refuse(field, value, "is not bytes")
    if not len(value):
        raise refuse(field, value, "is empty")
    return bytes(value)


def decode_bytes(data: bytes) -> bytes:
    return bytes(data)


MAC: Final = Codec("mac", "str", encode_mac, decode_mac)
IPV4: Final = Codec("ipv4", "IPv4Address", encode_ipv4, decode_ipv4)
IPV4_LIST: Final = Codec("ipv4-list", "tuple[IPv4Address, ...]", encode_ipv4_list, decode_ipv4_list)
TIME: Final = Codec("time", "datetime | None", encode_time, decode_time)
TIME_OR_UNSET: Final = Codec("time-or-unset", "datetime | None", encode_time, decode_time_or_unset)
UINT32: Final = Codec("uint32", "int", encode_uint32, decode_uint32)
INT32: Final = Codec("int32", "int", encode_int32, decode_int32)
UINT8: Final = Codec("uint8", "int", encode_uint8, decode_uint8)
HARDWARE_TYPE: Final = Codec("hardware-type", "int", encode_hardware_type, decode_uint32)
HANDLE: Final = Codec("handle", "int", encode_uint32, decode_uint32)
STRING: Final = Codec("string", "str", encode_string, decode_string)
BYTES: Final = Codec("bytes", "bytes", encode_bytes, decode_bytes)
LEASE_STATE: Final = _enum_codec(LeaseState, "lease-state")
FAILOVER_STATE: Final = _enum_codec(FailoverStateName, "failover-state")
HIERARCHY: Final = _enum_codec(FailoverHierarchy, "hierarchy")
