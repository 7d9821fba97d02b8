"""The client side of an OMAPI connection as a sans-I/O state machine (in the style of h11).

Bytes go in through :meth:`ClientProtocol.feed`, which returns events; the methods that make
messages return the bytes to send. No sockets, no clocks: the caller moves the bytes.

Life of a connection (``omapip/protocol.c``)::

    initiate() -> intro bytes          feed(peer intro) -> [Intro]
    with a key: open_authenticator() -> bytes (an unsigned OPEN of type "authenticator"
        carrying the key's name and algorithm, never its secret)
    feed(reply) -> [AuthenticatorAccepted(authid)] or [AuthenticatorRefused(status, text)]
    send(...) -> (xid, bytes), signed once an authenticator is accepted
    feed(...) -> [MessageReceived(message), ...]
    feed(...) -> [BadSignature(message_id)]; send_status(message_id, DHCP_R_INVALIDKEY) -> bytes

Once the authenticator is accepted, every incoming message must carry its authid and a valid
signature. A message with our authid but a wrong signature is never delivered: as in
``omapi_protocol_signal_handler`` (``verify_result = DHCP_R_INVALIDKEY``), it is read whole
and dropped, :meth:`ClientProtocol.feed` reports it as :class:`BadSignature` (no error), and
the protocol stays ready for the next message. ISC's client then answers the peer with a
STATUS of ``DHCP_R_INVALIDKEY`` whose rid is the dropped message's id, signed like any of its
messages: :meth:`ClientProtocol.send_status` makes those bytes, the caller sends them. Whoever
waits for a reply keeps waiting (for a later good reply, a timeout or the peer's close).

dhcpd answers a request it could not verify (wrong secret) with an *unsigned* status; ISC's
client drops such a reply and the connection (``omapi_message_process``: the authid of a
response must match the request's), so this codec does too, with ``DHCP_R_CONNRESET``. Any
error (:class:`DhcpctlError` from :meth:`ClientProtocol.feed`) leaves the protocol in the
``ERROR`` state for good.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass

from dhcpctl._errors import DhcpctlError
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_INVALIDARG,
    DHCP_R_KEY_UNKNOWN,
    DHCP_R_PROTOCOLERROR,
    ISC_R_SUCCESS,
    ISC_R_UNEXPECTED,
    isc_result_totext,
)

from .auth import Key
from .wire import (
    INTRO_SIZE,
    OP_OPEN,
    OP_STATUS,
    OP_UPDATE,
    Buffer,
    Message,
    MessageDecoder,
    Pair,
    decode_intro,
    encode_intro,
    encode_message,
)


class State(enum.Enum):
    """Where the connection is; see the module docstring."""

    INTRO_WAIT = "intro-wait"
    INTRO_DONE = "intro-done"
    AUTH_WAIT = "auth-wait"
    READY = "ready"
    ERROR = "error"


@dataclass(frozen=True)
class Intro:
    """The peer's introduction arrived and is acceptable."""

    header_size: int


@dataclass(frozen=True)
class AuthenticatorAccepted:
    """The server opened our authenticator: its handle is the authid of signed messages."""

    authid: int


@dataclass(frozen=True)
class AuthenticatorRefused:
    """The server answered the authenticator OPEN with a failure status."""

    status: int
    text: str


@dataclass(frozen=True)
class MessageReceived:
    """A complete, verified message."""

    message: Message


@dataclass(frozen=True)
class BadSignature:
    """A message signed with our authid but a wrong signature was read and dropped.

    ``message_id`` is its id: the rid of the STATUS that answers it
    (:meth:`ClientProtocol.send_status` with ``DHCP_R_INVALIDKEY``, as ``protocol.c`` does).
    """

    message_id: int


Event = Intro | AuthenticatorAccepted | AuthenticatorRefused | MessageReceived | BadSignature


def status_of(message: Message) -> int:
    """The ``result`` of a STATUS message as ``omapi_message_process`` reads it."""
    result = message.message_value(b"result")
    if isinstance(result, bytes) and len(result) == 4:
        return int.from_bytes(result, "big")
    return ISC_R_UNEXPECTED


def text_of(message: Message) -> str:
    """The ``message`` string of a STATUS message, or ``""``."""
    text = message.message_value(b"message")
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else ""


class ClientProtocol:
    """One client connection's protocol state. Not thread-safe: the caller serializes."""

    def __init__(self, key: Key | None = None) -> None:
        self.key = key
        self.state = State.INTRO_WAIT
        self.authid = 0
        #: Bytes received but not decoded yet: the start of a message, at most.
        self._buffer = bytearray()
        self._decoder: MessageDecoder | None = None
        self._auth_xid = 0
        # ISC starts from random(); 0 is avoided because rid 0 means "not a reply".
        self._next_xid = random.randrange(1, 1 << 31)

    def initiate(self) -> bytes:
        """The introduction to send as soon as the socket is connected."""
        return encode_intro()

    def open_authenticator(self) -> bytes:
        """The OPEN of our key (``omapi_protocol_send_open``), after the intro."""
        if self.key is None or self.state is not State.INTRO_DONE:
            raise DhcpctlError("omapi_protocol", DHCP_R_INVALIDARG, "no authenticator to open")
        name = self.key.name.encode()
        self._auth_xid, data = self._build(
            OP_OPEN,
            message_values=((b"type", b"authenticator"),),
            object_values=((b"name", name), (b"algorithm", self.key.algorithm.encode())),
            sign=False,
        )
        self.state = State.AUTH_WAIT
        return data

    def send(
        self,
        op: int,
        handle: int = 0,
        message_values: Sequence[Pair] = (),
        object_values: Sequence[Pair] = (),
    ) -> tuple[int, bytes]:
        """A request: returns its transaction id (the ``rid`` of the reply) and its bytes."""
        if self.state is not (State.READY if self.key else State.INTRO_DONE):
            raise DhcpctlError(
                "omapi_protocol", DHCP_R_INVALIDARG, f"cannot send in state {self.state.value}"
            )
        return self._build(op, handle, message_values, object_values, sign=self.key is not None)

    def send_status(self, rid: int, result: int) -> bytes:
        """A STATUS telling the peer ``result`` about its message ``rid``
        (``omapi_protocol_send_status`` with no text): op STATUS, handle 0, a fresh id, the
        one message value ``result``, no object values; signed once an authenticator is
        accepted (``omapi_protocol_send_message`` signs with the default authenticator)."""
        if self.state not in (State.INTRO_DONE, State.AUTH_WAIT, State.READY):
            raise DhcpctlError(
                "omapi_protocol", DHCP_R_INVALIDARG, f"cannot send in state {self.state.value}"
            )
        _, data = self._build(
            OP_STATUS, 0, ((b"result", result),), rid=rid, sign=self.state is State.READY
        )
        return data

    def _build(
        self,
        op: int,
        handle: int = 0,
        message_values: Sequence[Pair] = (),
        object_values: Sequence[Pair] = (),
        *,
        rid: int = 0,
        sign: bool,
    ) -> tuple[int, bytes]:
        xid = self._next_xid
        self._next_xid = self._next_xid % 0xFFFF_FFFF + 1
        message = Message(
            op,
            handle,
            xid,
            rid,
            self.authid if sign else 0,
            tuple(message_values),
            tuple(object_values),
        )
        return xid, encode_message(message, self.key if sign else None)

    def feed(self, data: bytes) -> list[Event]:
        """Take bytes from the peer; return every event they complete (maybe none).

        Whole messages are decoded straight from ``data``; only an incomplete tail is kept,
        and the buffer is compacted once per call.
        """
        if self.state is State.ERROR:
            raise DhcpctlError("omapi_protocol", DHCP_R_PROTOCOLERROR, "connection is unusable")
        buffer: Buffer = data
        if self._buffer:
            self._buffer += data
            buffer = self._buffer
        events: list[Event] = []
        offset = 0
        try:
            while self.state is not State.ERROR:
                decoder = self._decoder
                if decoder is None:
                    if len(buffer) - offset < INTRO_SIZE:
                        break
                    header_size = decode_intro(buffer[offset : offset + INTRO_SIZE])
                    offset += INTRO_SIZE
                    self._decoder = MessageDecoder(header_size, self._key_for)
                    self.state = State.INTRO_DONE
                    events.append(Intro(header_size))
                    continue
                done = decoder.parse(buffer, offset)
                if done is None:
                    break
                message, offset, verified = done
                events.append(self._classify(message) if verified else BadSignature(message.id))
        except DhcpctlError:
            self.state = State.ERROR
            self._buffer.clear()
            raise
        if buffer is self._buffer:
            del self._buffer[:offset]
        elif offset < len(buffer):
            self._buffer += buffer[offset:]
        return events

    def _key_for(self, authid: int) -> Key | None:
        if authid == 0:
            return None
        if self.state is State.READY and authid == self.authid:
            return self.key
        raise DhcpctlError(
            "omapi_protocol", DHCP_R_KEY_UNKNOWN, f"message signed with unknown authid {authid}"
        )

    def _classify(self, message: Message) -> Event:
        if self.state is State.AUTH_WAIT and message.rid == self._auth_xid:
            if message.op == OP_UPDATE:
                self.authid = message.handle
                self.state = State.READY
                return AuthenticatorAccepted(message.handle)
            status = status_of(message) if message.op == OP_STATUS else ISC_R_UNEXPECTED
            if status == ISC_R_SUCCESS:
                status = ISC_R_UNEXPECTED
            self.state = State.ERROR
            return AuthenticatorRefused(status, text_of(message))
        if self.key is not None and message.authid == 0:
            said = ""
            if message.op == OP_STATUS:
                said = f" (it says: {isc_result_totext(status_of(message))})"
            raise DhcpctlError(
                "omapi_protocol",
                DHCP_R_CONNRESET,
                "server sent an unsigned message on an authenticated connection" + said,
            )
        return MessageReceived(message)
