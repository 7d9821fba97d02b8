"""The client side of an OMAPI connection as a sans-I/O state machine (in the style of h11).

Bytes go in through :meth:`ClientProtocol.feed`, which returns events; the methods that make
messages return the bytes to send. No sockets, no clocks: the caller moves the bytes.

Life of a connection (``omapip/protocol.c``)::

    initiate() -> intro bytes          feed(peer intro) -> [Intro]
    with a key: open_authenticator() -> bytes (an unsigned OPEN of type "authenticator"
        carrying the key's name and algorithm, never its secret)
    feed(reply) -> [AuthenticatorAccepted(authid)] (an UPDATE with a nonzero handle), or
        [ConnectionFailed(status, detail)] (a STATUS, an UPDATE with handle 0, another op)
    send(...) -> (xid, bytes), signed once an authenticator is accepted
    feed(...) -> [MessageReceived(message, size), ...]
    feed(...) -> [BadSignature(message_id)]; send_status(message_id, DHCP_R_INVALIDKEY) -> bytes
    feed(bad bytes) -> [...every message before them, ConnectionFailed(status, detail)]

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
response must match the request's), so this codec does too, with ``DHCP_R_CONNRESET``; a
message signed with any other authid fails it with ``DHCP_R_KEY_UNKNOWN``.

Errors: whatever the peer sends, :meth:`ClientProtocol.feed` returns the events of every
message before the fault and then one :class:`ConnectionFailed`, and leaves the protocol in the
``ERROR`` state for good (a later :meth:`~ClientProtocol.feed` raises :class:`ProtocolError`).
Nothing of a message before the fault is lost. The codec raises only
:class:`~.wire.ProtocolError`, never the public ``DhcpctlError``.

Which reply may answer which request (:func:`reply_fault`) is for the caller, who knows the
requests: an OPEN or REFRESH is answered by an UPDATE or a STATUS, an UPDATE or DELETE by a
STATUS or an UPDATE, an UPDATE reply carries object values.

Transaction ids come from a generator of each connection's own, seeded from the system's
entropy (:mod:`secrets`), never from the global :mod:`random` state.
"""

from __future__ import annotations

import enum
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from dhcpctl._diagnosis import UNSIGNED_ANSWER, key_name, wrong_secret
from dhcpctl._results import (
    DHCP_R_CONNRESET,
    DHCP_R_INVALIDARG,
    DHCP_R_INVALIDKEY,
    DHCP_R_KEY_UNKNOWN,
    DHCP_R_PROTOCOLERROR,
    ISC_R_NOMEMORY,
    ISC_R_SUCCESS,
    ISC_R_UNEXPECTED,
    isc_result_totext,
)

from .auth import Key
from .wire import (
    OP_DELETE,
    OP_OPEN,
    OP_REFRESH,
    OP_STATUS,
    OP_UPDATE,
    Message,
    Pair,
    ProtocolError,
    StreamDecoder,
    encode,
    encode_intro,
)


class State(enum.Enum):
    """Where the connection is; see the module docstring."""

    INTRO_WAIT = "intro-wait"
    INTRO_DONE = "intro-done"
    AUTH_WAIT = "auth-wait"
    READY = "ready"
    ERROR = "error"


# The states the per-message checks compare with, as module names: reading a member off an
# Enum class costs about 900 instructions in CPython 3.11, a module name about 100 (five such
# checks per request and reply: 4,000 instructions per lease lookup).
_INTRO_DONE: Final = State.INTRO_DONE
_AUTH_WAIT: Final = State.AUTH_WAIT
_READY: Final = State.READY
_ERROR: Final = State.ERROR


@dataclass(frozen=True)
class Intro:
    """The peer's introduction arrived and is acceptable."""

    header_size: int


@dataclass(frozen=True)
class AuthenticatorAccepted:
    """The server opened our authenticator: its handle is the authid of signed messages."""

    authid: int


@dataclass(frozen=True)
class ConnectionFailed:
    """The connection is unusable from here on: what the peer sent broke the protocol, or it
    refused our authenticator. ``status`` says why (an ISC result code)."""

    status: int
    detail: str


@dataclass(frozen=True)
class MessageReceived:
    """A complete, verified message, and the bytes it took on the wire (header to signature;
    for a client that bounds what it is owed, as ``dhcpctl.aio`` does)."""

    message: Message
    size: int


@dataclass(frozen=True)
class BadSignature:
    """A message signed with our authid but a wrong signature was read and dropped.

    ``message_id`` is its id: the rid of the STATUS that answers it
    (:meth:`ClientProtocol.send_status` with ``DHCP_R_INVALIDKEY``, as ``protocol.c`` does).
    """

    message_id: int


@dataclass(frozen=True)
class Unauthenticated:
    """An unsigned message without a rid (not a reply) came on an authenticated connection: it
    was dropped. ISC's client answers it with a STATUS of ``DHCP_R_NOKEYS``, "No authenticator
    on message" (``omapi_message_process``), whose rid is ``message_id``."""

    message_id: int


Event = (
    Intro
    | AuthenticatorAccepted
    | ConnectionFailed
    | MessageReceived
    | BadSignature
    | Unauthenticated
)

#: The ops that may answer each request op (``omapi_message_process`` and the dhcpctl signal
#: handlers act on an UPDATE or a STATUS only).
_ANSWERS = {
    OP_OPEN: frozenset((OP_UPDATE, OP_STATUS)),
    OP_REFRESH: frozenset((OP_UPDATE, OP_STATUS)),
    OP_UPDATE: frozenset((OP_STATUS, OP_UPDATE)),
    OP_DELETE: frozenset((OP_STATUS, OP_UPDATE)),
}


def reply_fault(request_op: int | None, message: Message) -> str | None:
    """Why ``message``, a reply (a nonzero rid), breaks the protocol, or None if it may
    complete the request of op ``request_op`` in flight under its rid (None: no request in
    flight has that id: never sent, or answered already). The faults, for which ISC's client
    drops the connection (``omapi_message_process`` returns an error, ``protocol.c``
    disconnects; ``dhcpctl/isc_patches/0005-reply-matching.patch``) and the caller fails it
    with ``DHCP_R_PROTOCOLERROR``: a rid of no request in flight; an op that cannot answer the
    request (:data:`_ANSWERS`: only an UPDATE or a STATUS); an UPDATE without object values
    (nothing to apply)."""
    if request_op is None:
        return f"a reply to no request in flight (rid {message.rid})"
    if message.op not in _ANSWERS.get(request_op, ()):
        return f"a message of op {message.op} cannot answer a request"
    if message.op == OP_UPDATE and not message.object_values:
        return "an UPDATE reply without object values"
    return None


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
        self._stream = StreamDecoder(self._key_for)
        self._auth_xid = 0
        # ISC starts from random(); 0 is avoided because rid 0 means "not a reply". The
        # generator is this connection's own, seeded from the system's entropy.
        self._next_xid = random.Random(secrets.randbits(128)).randrange(1, 1 << 31)

    def initiate(self) -> bytes:
        """The introduction to send as soon as the socket is connected."""
        return encode_intro()

    def open_authenticator(self) -> bytes:
        """The OPEN of our key (``omapi_protocol_send_open``), after the intro."""
        if self.key is None or self.state is not State.INTRO_DONE:
            raise ProtocolError(DHCP_R_INVALIDARG, "no authenticator to open")
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
        if self.state is not (_READY if self.key else _INTRO_DONE):
            raise ProtocolError(DHCP_R_INVALIDARG, f"cannot send in state {self.state.value}")
        return self._build(op, handle, message_values, object_values, sign=self.key is not None)

    def send_status(self, rid: int, result: int, text: str | None = None) -> bytes:
        """A STATUS telling the peer ``result`` about its message ``rid``
        (``omapi_protocol_send_status``): op STATUS, handle 0, a fresh id, the message values
        ``result`` and, with ``text``, ``message``; no object values; signed once an
        authenticator is accepted (``omapi_protocol_send_message`` signs with the default
        authenticator)."""
        if self.state not in (State.INTRO_DONE, State.AUTH_WAIT, State.READY):
            raise ProtocolError(DHCP_R_INVALIDARG, f"cannot send in state {self.state.value}")
        values: tuple[Pair, ...] = ((b"result", result),)
        if text is not None:
            values += ((b"message", text.encode()),)
        _, data = self._build(OP_STATUS, 0, values, rid=rid, sign=self.state is State.READY)
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
        self._next_xid = xid % 0xFFFF_FFFF + 1
        authid, key = (self.authid, self.key) if sign else (0, None)
        return xid, encode(op, handle, xid, rid, authid, message_values, object_values, key)

    def feed(self, data: bytes) -> list[Event]:
        """Take bytes from the peer; return every event they complete (maybe none), the last
        one a :class:`ConnectionFailed` if they broke the protocol.

        Whole messages are decoded straight from ``data`` (:class:`~.wire.StreamDecoder`).
        Raises :class:`ProtocolError` only when called again after a failure.
        """
        if self.state is _ERROR:
            raise ProtocolError(DHCP_R_PROTOCOLERROR, "connection is unusable")
        events: list[Event] = []
        try:
            for frame in self._stream.feed(data):
                if isinstance(frame, int):
                    self.state = State.INTRO_DONE
                    events.append(Intro(frame))
                    continue
                message, verified, size = frame
                events.append(
                    self._classify(message, size) if verified else BadSignature(message.id)
                )
        except ProtocolError as error:
            self.state = State.ERROR
            self._stream.clear()
            events.append(ConnectionFailed(error.status, error.detail))
        return events

    @property
    def buffered(self) -> int:
        """Bytes received but not decoded yet (the start of a message, at most)."""
        return self._stream.buffered

    def _key_for(self, authid: int) -> Key | None:
        if authid == 0:
            return None
        if self.state is _READY and authid == self.authid:
            if self.key is not None and self.key.digest is None:
                # ISC cannot make a key of that algorithm to verify with
                # (``omapip/connection.c`` make_dst_key): it drops the connection.
                raise ProtocolError(
                    ISC_R_NOMEMORY, f"cannot verify a signature with {self.key.algorithm!r}"
                )
            return self.key
        raise ProtocolError(DHCP_R_KEY_UNKNOWN, f"message signed with unknown authid {authid}")

    def _classify(self, message: Message, size: int) -> Event:
        if self.state is _AUTH_WAIT and message.rid == self._auth_xid:
            return self._authenticator_answer(message)
        if self.key is not None and message.authid == 0:
            if not message.rid:  # not a reply: dropped and answered, as ISC's client does
                return Unauthenticated(message.id)
            said = ""
            if message.op == OP_STATUS:
                said = f" (it says: {isc_result_totext(status_of(message))})"
                if status_of(message) == DHCP_R_INVALIDKEY:
                    said += "; " + wrong_secret(key_name(self.key.name, self.key.algorithm))
            raise ProtocolError(
                DHCP_R_CONNRESET,
                UNSIGNED_ANSWER + said,
            )
        return MessageReceived(message, size)

    def _authenticator_answer(self, message: Message) -> AuthenticatorAccepted:
        """Only an UPDATE with a nonzero handle accepts our authenticator: its handle is the
        authid of every later message. A STATUS refuses it (its result, ``ISC_R_UNEXPECTED``
        for a "success"); anything else is no answer ISC's server gives (unlike
        ``omapi_message_process`` in 4.4.3-P1, a handle of 0 is not taken as a silent
        downgrade to unsigned traffic)."""
        if message.op == OP_UPDATE and message.handle != 0:
            self.authid = message.handle
            self.state = State.READY
            return AuthenticatorAccepted(message.handle)
        if message.op == OP_STATUS:
            status = status_of(message)
            text = text_of(message)
            raise ProtocolError(
                ISC_R_UNEXPECTED if status == ISC_R_SUCCESS else status,
                f"the server refused the authenticator: {text}"
                if text
                else "the server refused the authenticator",
            )
        raise ProtocolError(
            DHCP_R_PROTOCOLERROR,
            f"authenticator answered by op {message.op} with handle {message.handle}",
        )
