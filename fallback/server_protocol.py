"""The server side of an OMAPI connection as a sans-I/O state machine, beside
:mod:`.protocol`'s client side and sharing its framing, limits (:mod:`.wire`) and signing
(:mod:`.auth`).

Life of a connection as dhcpd lives it (``omapip/protocol.c`` omapi_protocol_signal_handler,
``omapip/message.c`` omapi_message_process)::

    initiate() -> intro bytes (the server speaks first)   feed(client intro) -> [Intro]
    feed(OPEN type "authenticator" name, algorithm) -> [Answer(UPDATE, handle = authid)] for a
        known key (unsigned: the OPEN had no authenticator); an unknown key, or a server without
        keys, -> [Answer(STATUS ISC_R_NOTFOUND "no object matches specification")]
    feed(request) -> [Request(message)]: the caller answers with :meth:`ServerProtocol.update`
        or :meth:`ServerProtocol.status`, signed with the request's authenticator
    feed(request with a wrong signature) -> [Answer(unsigned STATUS DHCP_R_INVALIDKEY)]: the
        message is read whole and not processed; ISC's client then drops the connection
        (its reply's authid differs), which is the "connection reset" users see
    feed(unsigned request on a keyed server) -> [Answer(STATUS DHCP_R_NOKEYS "No authenticator
        on message")]
    feed(bad bytes) -> [..., Closed(status, detail)]: dhcpd disconnects (omapi_disconnect)

``keys`` are the keys the server knows (dhcpd 4.4.3-P1 takes one, ``omapi-key``); with keys,
every request but an authenticator's OPEN must be signed (``omapi_protocol_authenticated``:
the listener is not ``insecure``). A key's OPEN is found by name, and by algorithm compared
ignoring case (``omapip/auth.c`` omapi_auth_key_lookup). ``handle_of(key)`` gives the handle of
an opened authenticator: in dhcpd the one handle table numbers every object
(``omapip/handle.c`` omapi_object_handle), so the caller's object store supplies it.

The codec raises only :class:`~.wire.ProtocolError`, and only when fed again after
:class:`Closed`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dhcpctl._results import (
    DHCP_R_INVALIDKEY,
    DHCP_R_NOKEYS,
    DHCP_R_PROTOCOLERROR,
    ISC_R_NOTFOUND,
    ISC_R_SUCCESS,
)

from .auth import Key
from .protocol import Intro
from .wire import (
    OP_OPEN,
    OP_STATUS,
    OP_UPDATE,
    Message,
    Pair,
    ProtocolError,
    StreamDecoder,
    encode_intro,
    encode_message,
)


class State(enum.Enum):
    """Where the connection is."""

    INTRO_WAIT = "intro-wait"
    READY = "ready"
    CLOSED = "closed"


@dataclass(frozen=True)
class Request:
    """A verified request (signed with an authenticator this connection opened, or unsigned
    on a server without keys) for the caller to process and answer."""

    message: Message


@dataclass(frozen=True)
class Answer:
    """Bytes the protocol answered by itself (an authenticator's OPEN, a request it refused):
    the caller sends them, in order with the other answers."""

    data: bytes
    status: int


@dataclass(frozen=True)
class Closed:
    """The client broke the protocol: dhcpd disconnects. ``status`` says why."""

    status: int
    detail: str


Event = Intro | Request | Answer | Closed

#: The handle of an object (dhcpd's one handle table): an opened authenticator's key here.
HandleSource = Callable[[object], int]


class ServerProtocol:
    """One server connection's protocol state. Not thread-safe: the caller serializes."""

    def __init__(self, keys: Sequence[Key], handle_of: HandleSource) -> None:
        self.keys = tuple(keys)
        self._handle_of = handle_of
        self.state = State.INTRO_WAIT
        #: The authenticators this connection opened: handle (authid) -> key.
        self.authenticators: dict[int, Key] = {}
        self._stream = StreamDecoder(self._key_for)
        self._next_xid = 1

    def initiate(self) -> bytes:
        """The introduction dhcpd sends as soon as it accepts (``omapi_protocol_send_intro``)."""
        return encode_intro()

    def update(self, request: Message, handle: int, values: Sequence[Pair]) -> bytes:
        """An UPDATE answering ``request`` (``omapi_protocol_send_update``): the object's
        ``handle`` in the header (no message values) and its values, signed with the
        request's authenticator."""
        return self._build(request, OP_UPDATE, handle, (), values)

    def status(
        self, request: Message, result: int, text: str | None = None, *, signed: bool = True
    ) -> bytes:
        """A STATUS answering ``request`` (``omapi_protocol_send_status``): ``result`` and,
        with ``text``, ``message``; signed with the request's authenticator unless
        ``signed`` is False (protocol.c answers a message it could not verify unsigned)."""
        values: tuple[Pair, ...] = ((b"result", result),)
        if text is not None:
            values += ((b"message", text.encode()),)
        if not signed:
            request = Message(request.op, request.handle, request.id, request.rid)
        return self._build(request, OP_STATUS, 0, values, ())

    def _build(
        self,
        request: Message,
        op: int,
        handle: int,
        message_values: Sequence[Pair],
        object_values: Sequence[Pair],
    ) -> bytes:
        xid = self._next_xid
        self._next_xid = xid % 0xFFFF_FFFF + 1
        key = self.authenticators.get(request.authid)
        message = Message(
            op,
            handle,
            xid,
            request.id,
            request.authid if key is not None else 0,
            tuple(message_values),
            tuple(object_values),
        )
        return encode_message(message, key)

    def _unsigned_status(self, request: Message, result: int, text: str | None) -> Answer:
        return Answer(self.status(request, result, text, signed=False), result)

    def feed(self, data: bytes) -> list[Event]:
        """Take bytes from the client; return every event they complete, the last one a
        :class:`Closed` if they broke the protocol. Raises :class:`ProtocolError` only when
        called again after :class:`Closed`."""
        if self.state is State.CLOSED:
            raise ProtocolError(DHCP_R_PROTOCOLERROR, "connection is closed")
        events: list[Event] = []
        try:
            for frame in self._stream.feed(data):
                if isinstance(frame, int):
                    self.state = State.READY
                    events.append(Intro(frame))
                else:
                    message, verified, _ = frame
                    events.append(self._classify(message, verified))
        except ProtocolError as error:
            self.state = State.CLOSED
            self._stream.clear()
            events.append(Closed(error.status, error.detail))
        return events

    def _key_for(self, authid: int) -> Key | None:
        """The key a message with ``authid`` must be signed with. An authid this connection
        never gave out is looked up in vain (protocol.c omapi_protocol_lookup_auth): the
        message is read, then answered as unverifiable."""
        if authid == 0:
            return None
        key = self.authenticators.get(authid)
        if key is None:
            return _NO_SUCH_KEY
        return key

    def _classify(self, message: Message, verified: bool) -> Event:
        if message.authid and message.authid not in self.authenticators:
            return self._unsigned_status(message, ISC_R_NOTFOUND, None)
        if not verified:
            return self._unsigned_status(message, DHCP_R_INVALIDKEY, None)
        is_auth_open = message.op == OP_OPEN and message.message_value(b"type") == (
            b"authenticator"
        )
        if is_auth_open and not message.rid:
            return self._open_authenticator(message)
        if self.keys and not message.authid and not message.rid:
            return self._unsigned_status(message, DHCP_R_NOKEYS, "No authenticator on message")
        return Request(message)

    def _open_authenticator(self, message: Message) -> Answer:
        """message.c OMAPI_OP_OPEN of type "authenticator": omapi_auth_key_lookup, then
        omapi_protocol_send_update of the key's name and algorithm (never its secret)."""
        values = dict(message.object_values)
        name, algorithm = values.get(b"name"), values.get(b"algorithm")
        for key in self.keys:
            if (
                name == key.name.encode()
                and isinstance(algorithm, bytes)
                and algorithm.lower() == key.algorithm.lower().encode()
            ):
                handle = self._handle_of(key)
                self.authenticators[handle] = key
                stuffed = ((b"name", key.name.encode()), (b"algorithm", key.algorithm.encode()))
                return Answer(self.update(message, handle, stuffed), ISC_R_SUCCESS)
        return self._unsigned_status(message, ISC_R_NOTFOUND, "no object matches specification")


#: Stands for an authid the connection never gave out: any signature fails against it.
_NO_SUCH_KEY = Key("", "hmac-md5", b"")
