"""Opening a connection and applying the server's replies to the objects that asked.

Reply handling follows ``omapi_message_process`` and the dhcpctl signal handlers:

- an UPDATE answering an open or refresh copies the server's object values into the local
  object, records its handle (``remote-handle``), clears the changed marks (the "updated"
  signal, ``support.c:556`` and ``remote.c:301-306``: callback with ``ISC_R_SUCCESS``), then
  signals the success status (``message.c:695-699``, ``remote.c:307-314``: the callback
  fires a second time); an UPDATE without object values cannot be applied: it breaks the
  protocol and fails the connection (``DHCP_R_PROTOCOLERROR``), as ISC's library patched by
  ``dhcpctl/isc_patches/0005-reply-matching.patch`` drops it (unpatched, C signals
  ``DHCP_R_INVALIDARG`` and leaves the request registered for a second reply);
- a STATUS sets the object's ``waitstatus`` (``ISC_R_UNEXPECTED`` if it has no integer
  ``result``) and its ``message`` text, and fires the callback once (``message.c:711-736``);
- a reply completes only the request whose id it carries as rid, and only with an op that
  may answer it (:func:`~.protocol.reply_fault`: UPDATE or STATUS); a message with a rid that
  names no request in flight on this connection (never sent on it, or already answered; a
  request whose wait timed out stays in flight) or with another op breaks the
  protocol and fails the connection with ``DHCP_R_PROTOCOLERROR``, as ISC's client drops it
  (``omapi_message_process`` returns an error, ``protocol.c`` disconnects); replies read
  before it are delivered. A message without a rid (the server's own request or
  notification) answers nothing and is ignored (ISC's client would process it as a request);
- a ``remote-handle`` in a reply is 4 bytes (the codec fails the connection otherwise);
- a message with a wrong signature reaches no object: the protocol drops it and the link
  answers the server with a STATUS of ``DHCP_R_INVALIDKEY`` (``protocol.c``), so a wait for
  it goes on until a good reply, its timeout or the server's close.

Each reply counts as one completion for the wait functions.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from dhcpctl._callback import run_callback
from dhcpctl._diagnosis import Peer, connect_failed, key_name
from dhcpctl._errors import DhcpctlError
from dhcpctl._results import (
    DHCP_R_HOSTUNKNOWN,
    DHCP_R_PROTOCOLERROR,
    ISC_R_NOMORE,
    ISC_R_SUCCESS,
    ISC_R_TIMEDOUT,
)

from .auth import Key
from .objects import Connection, RemoteObject
from .protocol import (
    ClientProtocol,
    Event,
    MessageReceived,
    State,
    reply_fault,
    status_of,
    text_of,
)
from .transport import Link
from .wire import OP_STATUS, Message, ProtocolError

Thunk = Callable[[], None]


class Dispatcher:
    """The event handler of one link: the requests in flight and where their replies go.

    Raises :class:`~.wire.ProtocolError` for a reply that cannot be taken (the link then
    fails the connection).
    """

    def __init__(self) -> None:
        #: The requests in flight: their xid, and the object and op of each.
        self.pending: dict[int, tuple[RemoteObject, int]] = {}

    def register(self, xid: int, obj: RemoteObject, op: int) -> None:
        self.pending[xid] = (obj, op)
        obj.outstanding += 1

    def __call__(self, event: Event) -> list[Thunk]:
        if not isinstance(event, MessageReceived):
            return []
        message = event.message
        if not message.rid:
            return []
        request = self.pending.get(message.rid)
        fault = reply_fault(None if request is None else request[1], message)
        if fault is not None:
            raise ProtocolError(DHCP_R_PROTOCOLERROR, fault)
        assert request is not None
        del self.pending[message.rid]
        obj = request[0]
        obj.outstanding -= 1
        obj.unseen += 1
        return _apply(obj, message)


def _fire(obj: RemoteObject, status: int) -> list[Thunk]:
    if obj.callback is None:
        return []
    function, data = obj.callback
    return [lambda: run_callback(function, obj, status, data)]


def _apply(obj: RemoteObject, message: Message) -> list[Thunk]:
    if message.op == OP_STATUS:
        obj.waitstatus = status_of(message)
        obj.message = text_of(message)
        return _fire(obj, obj.waitstatus)
    values = dict(message.object_values)
    remote_handle = values.pop(b"remote-handle", None)
    obj.received = values  # kept as it came: obj.values takes a copy of its items
    if isinstance(remote_handle, bytes):  # 4 bytes: the codec refuses any other length
        obj.remote_handle = int.from_bytes(remote_handle, "big")
    obj.values.update(values)
    if message.handle:
        obj.remote_handle = message.handle
    obj.clear_flags()
    obj.waitstatus = ISC_R_SUCCESS
    return _fire(obj, ISC_R_SUCCESS) * 2


def _resolve(function: str, address: str, port: int) -> tuple[str, int]:
    try:
        infos = socket.getaddrinfo(address, port, socket.AF_INET, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DhcpctlError(function, DHCP_R_HOSTUNKNOWN, f"cannot resolve {address!r}") from exc
    host, resolved_port = infos[0][4][:2]
    return str(host), int(resolved_port)


def open_connection(
    function: str,
    address: str,
    port: int,
    key: Key | None,
    timeout: float | None,
) -> Connection:
    """Connect, exchange intros and open the authenticator, all before ``timeout``.

    Returns only once the server's intro is valid and, with ``key``, the authenticator OPEN
    was answered by an UPDATE with a nonzero handle; anything else raises
    :class:`DhcpctlError` (the status of :class:`~.protocol.ConnectionFailed`, or
    ``ISC_R_TIMEDOUT``, ``DHCP_R_CONNRESET``).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    target = _resolve(function, address, port)
    peer = Peer(address, port, None if key is None else key_name(key.name, key.algorithm))
    try:
        if deadline is not None and deadline <= time.monotonic():
            raise TimeoutError
        sock = socket.create_connection(
            target, None if deadline is None else max(deadline - time.monotonic(), 0.001)
        )
    except TimeoutError as exc:
        raise DhcpctlError(function, ISC_R_TIMEDOUT, connect_failed(peer, ISC_R_TIMEDOUT)) from exc
    except OSError as exc:
        # ISC's client notices the failed connect after it has dropped the socket, and its
        # dispatcher then reports that no I/O is left: ISC_R_NOMORE ("no more").
        reason = exc.strerror or str(exc)
        raise DhcpctlError(
            function, ISC_R_NOMORE, connect_failed(peer, ISC_R_NOMORE, reason)
        ) from exc
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    protocol = ClientProtocol(key)
    dispatcher = Dispatcher()
    link = Link(sock, protocol, dispatcher)
    connection = Connection(link, dispatcher, peer)
    try:
        link.write(protocol.initiate())
        link.wait(lambda: protocol.state is State.INTRO_DONE, deadline, reply=False)
        if key is not None:
            link.write(protocol.open_authenticator())
            link.wait(lambda: protocol.state is State.READY, deadline, reply=False)
    except ProtocolError as exc:  # a LinkError, or open_authenticator's
        link.close()
        # A timeout here is the connect's: the link's words are about a request.
        said = None if exc.status == ISC_R_TIMEDOUT else exc.detail
        raise DhcpctlError(function, exc.status, connect_failed(peer, exc.status, said)) from None
    except BaseException:  # Ctrl-C in the wait, or a bug: the socket is not left open
        link.close()
        raise
    return connection
