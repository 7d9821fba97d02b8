"""Every typed operation, written once as a generator of :mod:`dhcpctl._exchange` requests.

An executor (the sync :class:`dhcpctl.Client`'s, ``dhcpctl.aio.Client``'s) sends each request
and sends its :class:`~dhcpctl._exchange.Reply` back into the generator; a reply whose status
is not success is thrown into the generator instead, as the typed error :func:`reply_error`
makes, and so are a Timeout or ConnectionLost of the request, so an operation can catch
:class:`NotFound` where it expects it. Values are checked and encoded inside the generator,
so a bad value raises ValueError before the first request is sent.

The operations follow dhcpd's object handlers (``server/omapi.c``, ``common/comapi.c``,
``server/failover.c``) and ``omapip/protocol.c``: a lookup is an OPEN with the keys; a create
an OPEN with ``create`` and ``exclusive`` and every attribute (dhcpd's lookup takes the keys
from them and its set_value the rest); an update is a lookup followed by an UPDATE of only the
changed attributes (an OPEN with ``update`` would also set the lookup keys, which dhcpd refuses
for a lease's ``ip-address``); a delete a lookup followed by a DELETE.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Generic, TypeVar

from dhcpctl import _guards
from dhcpctl._errors import (
    AlreadyExists,
    AuthenticationFailed,
    ConnectionLost,
    DeletedEarlier,
    KeyConflict,
    NotFound,
    OmapiError,
    PermissionDenied,
    Timeout,
    amended,
    shorten,
    typed_error,
)
from dhcpctl._exchange import Open, Operation, Remove, Reply, Request, Update, Values
from dhcpctl._model import SCHEMAS, Access, ObjectT, Schema, decode, encode
from dhcpctl._results import (
    DHCP_R_MULTIPLE,
    DHCP_R_NOKEYS,
    DHCP_R_PROTOCOLERROR,
    ISC_R_SUCCESS,
)
from dhcpctl._values import decode_string, encode_uint32

#: The control object's ``state`` that shuts dhcpd down (``includes/omapip/omapip.h``
#: ``server_shutdown``; server/dhcpd.c dhcp_set_control_state).
SERVER_SHUTDOWN: Final = 2

#: Why a lookup or create answered "success" without the object breaks the protocol: dhcpd
#: answers an OPEN with an UPDATE carrying the object's values, or with a STATUS of its error
#: (omapip/message.c omapi_message_process_internal, OMAPI_OP_OPEN; every object type dhcpd
#: serves sends values: server/omapi.c, common/comapi.c, the ``*_stuff_values``).
NO_OBJECT: Final = "the server answered an OPEN with success but no object"

#: Seconds a shutdown waits for dhcpd's answer, which dhcpd only sends once the clients have
#: closed their connections (so it never comes first): enough to deliver the request.
SHUTDOWN_WAIT: Final = 1.0

Fields = Iterable[tuple[str, object]]
T = TypeVar("T")


def no_object(request: Request | None, reply: Reply) -> bool:
    """Whether ``reply`` answers ``request`` with success but no object: an
    :class:`~dhcpctl._exchange.Open` answered without object values (:data:`NO_OBJECT`), which
    breaks the protocol (an executor drops the connection it came on)."""
    return reply.status == ISC_R_SUCCESS and not reply.values and isinstance(request, Open)


def lookup_keys(schema: Schema[ObjectT], keys: Fields) -> Values:
    """The wire lookup keys of ``keys`` (``(keyword, value)``, None values left out).

    Raises ValueError if none is given or one cannot be encoded.
    """
    given = [(name, value) for name, value in keys if value is not None]
    if not given:
        names = ", ".join(f"{name}=" for name, _ in keys)
        raise ValueError(f"a {schema.object_type} lookup needs one of {names}")
    return encode(schema, given, write=False)


def check_values(schema: Schema[ObjectT], values: Values) -> None:
    """The guards of :mod:`dhcpctl._guards` on the names, statements and size of a write."""
    for isc_name, data in values:
        if isc_name == "statements":
            _guards.check_statements(decode_string(data))
        elif isc_name == "name" and schema.object_type in ("host", "group", "class"):
            _guards.check_name(schema.object_type, decode_string(data))
        elif isc_name == "group":
            _guards.check_name("group", decode_string(data))
    _guards.check_object_size(schema.object_type, values)


def get(schema: Schema[ObjectT], keys: Values) -> Operation[ObjectT]:
    """The object ``keys`` name (OPEN without flags)."""
    reply = yield Open(schema.object_type, keys)
    return decode(schema, reply.values, keys)


def create(schema: Schema[ObjectT], values: Values) -> Operation[ObjectT]:
    """A new object of ``values`` (OPEN with DHCPCTL_CREATE|DHCPCTL_EXCL): AlreadyExists if
    dhcpd finds one by the keys among them."""
    check_values(schema, values)
    return (yield from _create(schema, values))


def _create(schema: Schema[ObjectT], values: Values) -> Operation[ObjectT]:
    try:
        reply = yield Open(schema.object_type, values, create=True, exclusive=True)
    except NotFound as error:
        raise missing_group(error, values) from None
    except KeyConflict as error:
        hint = CREATE_CONFLICT_HINTS.get(schema.object_type)
        if hint is None:
            raise
        raise amended(error, hint) from None
    return decode(schema, reply.values, values)


#: What a create's KeyConflict ("object lookup failed") means, by object type: dhcpd looked
#: the new object up by its keys and found an existing one by some of them and another one, or
#: none, by the others (server/omapi.c dhcp_host_lookup: uid, then hardware address, then name).
CREATE_CONFLICT_HINTS: Final = {
    "host": "a host with this hardware address or client identifier (or this name) already "
    "exists: dhcpd found it by some of the new host's keys and not by the others "
    "(hosts.put replaces it)",
}


def missing_group(error: NotFound, values: Values) -> NotFound:
    """``error`` saying which group dhcpd did not find when ``values`` name one (dhcpd answers
    ISC_R_NOTFOUND for a write of an unknown ``group``: server/omapi.c dhcp_host_set_value);
    ``error`` itself otherwise, and for an update the client did not send
    (:class:`~dhcpctl.DeletedEarlier`)."""
    group = dict(values).get("group")
    if group is None or isinstance(error, DeletedEarlier):
        return error
    return NotFound(
        error.function,
        error.status,
        f"dhcpd has no group {shorten(decode_string(group))} (groups.create makes one)",
        server_message=error.server_message,
        request=error.request,
    )


def update(
    schema: Schema[ObjectT], keys: Values, changes: Values, then: Values = ()
) -> Operation[ObjectT]:
    """Change ``changes`` of the object ``keys`` name, and ``then`` in a second UPDATE after
    them, of the object looked up again (dhcpd may have replaced it); the object as dhcpd then
    sends it (dhcpd answers an UPDATE with a bare STATUS, so it is looked up again by the same
    keys).

    Raises ValueError, after the lookup and before the UPDATE, when the object as looked up
    with ``changes`` in place would make a reply that could abort a keyed dhcpd
    (:func:`dhcpctl._guards.check_reply_size`).

    A PermissionDenied from dhcpd names the attributes it refuses to change.
    """
    if not changes and not then:
        raise ValueError(f"a {schema.object_type} update needs at least one attribute to change")
    check_values(schema, (*changes, *then))
    found = yield Open(schema.object_type, keys)
    _guards.check_reply_size(schema.object_type, found.values, (*changes, *then))
    try:
        if changes:
            yield Update(found.target, changes)
        if changes and then:
            found = yield Open(schema.object_type, keys)
        if then:
            yield Update(found.target, then)
    except PermissionDenied as error:
        refused = [
            attribute.field
            for name, _ in changes
            if (attribute := schema.by_isc_name(name)) and attribute.access is Access.REFUSED
        ]
        raise PermissionDenied(
            error.function,
            error.status,
            f"dhcpd does not let {', '.join(refused) or 'these attributes'} of a "
            f"{schema.object_type} change (read-only)",
            server_message=error.server_message,
            request=error.request,
        ) from None
    except NotFound as error:
        raise missing_group(error, changes) from None
    return (yield from get(schema, keys))


def delete(schema: Schema[ObjectT], keys: Values) -> Operation[None]:
    """Delete the object ``keys`` name (a lookup, then DELETE)."""
    found = yield Open(schema.object_type, keys)
    yield Remove(found.target)


def put(schema: Schema[ObjectT], values: Values, replace: Iterable[Values]) -> Operation[ObjectT]:
    """Create the object of ``values`` after deleting every existing one each of ``replace``
    (lookup keys) names: dhcpd cannot rename a host nor change its address in place.

    OMAPI has no transaction, so this cannot be atomic: between the deletes and the create
    another client may act. What it guarantees instead:

    - everything that can be checked without deleting is checked first: the values (ValueError),
      and the ``group`` they name (NotFound, nothing deleted);
    - each object deleted is first read (its attributes as dhcpd sends them);
    - if dhcpd refuses the create after the deletes, each deleted object is created again from
      what was read (an OPEN with create and exclusive), and the error raised is dhcpd's
      refusal saying so; an attribute dhcpd does not send (a host's ``statements`` and
      ``group``, server/omapi.c dhcp_host_stuff_values) cannot be restored, and the error says
      that too. If creating one again fails as well, the error says that it is gone and gives
      the values it had;
    - if the connection is lost or times out before the create is sent (the answer of a
      lookup or of a delete lost: Timeout, ConnectionLost), the create is not sent and each
      object deleted, or whose delete's answer was lost, is created again in the same way (on
      a new connection; with ``reconnect=False`` or no time left that fails, and the error
      says it is gone and gives its values; one whose delete was not carried out is found
      still there). The error raised is the Timeout or ConnectionLost saying so;
    - if the create's answer is lost (Timeout, ConnectionLost), nothing is restored (the
      create may have been made): the error names the objects that were deleted, with their
      values.
    """
    check_values(schema, values)
    group = dict(values).get("group")
    if group is not None:
        try:
            yield Open("group", (("name", group),))
        except NotFound as error:
            raise missing_group(error, values) from None
    deleted: list[Values] = []
    # The object whose DELETE is in flight: deleted or not, if its answer is lost.
    deleting: Values | None = None
    sent = False
    try:
        for keys in replace:
            found = yield from find(schema, keys)
            if found is not None:
                deleting = restorable(schema, found.values)
                yield Remove(found.target)
                deleted.append(deleting)
                deleting = None
        sent = True
        return (yield from _create(schema, values))
    except (Timeout, ConnectionLost) as error:
        if sent and deleted:
            gone = "; ".join(_shown(schema, old) for old in deleted)
            raise amended(
                error,
                f"it had deleted, and did not restore (the create may have been made): {gone}",
            ) from None
        if deleting is not None:
            deleted.append(deleting)
        if not deleted:
            raise
        notes = yield from _restore_all(schema, deleted, last_unsure=deleting is not None)
        raise amended(error, f"the create was not sent; {notes}") from None
    except OmapiError as error:
        if not deleted:
            raise
        raise amended(error, (yield from _restore_all(schema, deleted))) from None


def _restore_all(
    schema: Schema[ObjectT], deleted: list[Values], *, last_unsure: bool = False
) -> Operation[str]:
    """Create each of ``deleted`` again (``last_unsure``: the last may not have been deleted,
    its delete's answer was lost); what happened, for the error's text."""
    notes = []
    for number, old in enumerate(deleted, 1):
        unsure = last_unsure and number == len(deleted)
        notes.append((yield from _restore(schema, old, unsure=unsure)))
    return "; ".join(notes)


def restorable(schema: Schema[ObjectT], values: Mapping[str, bytes]) -> Values:
    """The attributes of an object as dhcpd sent them that a create can set again."""
    return tuple(
        (attribute.isc_name, values[attribute.isc_name])
        for attribute in schema.attributes
        if attribute.access in (Access.CREATE, Access.WRITE) and attribute.isc_name in values
    )


def _unsent(schema: Schema[ObjectT]) -> str:
    """The attributes dhcpd takes in a create but never sends: what a restore loses."""
    return " and ".join(
        attribute.isc_name
        for attribute in schema.attributes
        if attribute.access in (Access.CREATE, Access.WRITE) and not attribute.sent
    )


def _restore(schema: Schema[ObjectT], old: Values, *, unsure: bool = False) -> Operation[str]:
    """Create a deleted object again from ``old``; what happened, for the error's text.
    ``unsure``: its delete's answer was lost, so an AlreadyExists means it was not deleted."""
    what = _shown(schema, old)
    try:
        yield Open(schema.object_type, old, create=True, exclusive=True)
    except OmapiError as error:
        if unsure and isinstance(error, AlreadyExists):
            return (
                f"the old {schema.object_type} whose delete's answer was lost is still there "
                f"(creating it again: {error.text}): {what}"
            )
        gone = "may be GONE" if isinstance(error, Timeout | ConnectionLost) else "is GONE"
        return (
            f"the old {schema.object_type} it had deleted {gone}: creating it again failed "
            f"({error}); its values were: {what}"
        )
    unsent = _unsent(schema)
    lost = f" (dhcpd does not send {unsent}: any it had are not restored)" if unsent else ""
    return f"the old {schema.object_type} it had deleted was created again: {what}{lost}"


def _shown(schema: Schema[ObjectT], values: Values) -> str:
    """An object's values as :func:`describe` shows them: ``host (name='web-1', ...)``."""
    return describe(Open(schema.object_type, values)).removeprefix("open ")


def find(schema: Schema[ObjectT], keys: Values) -> Operation[Reply | None]:
    """The reply of the object ``keys`` name, or None if dhcpd has none."""
    try:
        reply = yield Open(schema.object_type, keys)
    except NotFound:
        return None
    return reply


def shutdown() -> Operation[None]:
    """Shut dhcpd down: its ``control`` object's ``state`` set to ``server_shutdown``
    (common/comapi.c dhcp_control_set_value, server/dhcpd.c dhcp_set_control_state). Run it
    with a short time limit (:data:`SHUTDOWN_WAIT`): its answer never comes in time."""
    found = yield Open("control", ())
    # dhcpd does not answer while OMAPI connections are open: it waits for its clients to
    # close them, then drops them (dhcp_io_shutdown_countdown, about 4 to 8 s). So the answer
    # is not awaited beyond the call's time; the executor then closes the connection.
    with contextlib.suppress(ConnectionLost, Timeout):
        yield Update(found.target, (("state", encode_uint32(SERVER_SHUTDOWN, "state")),))


class Driver(Generic[T]):
    """Runs an operation's generator for an executor, the part that does no I/O (shared by
    the sync and the asyncio executor): :meth:`start`, then :meth:`answer` with each reply or
    :meth:`fail` with the executor's error (ConnectionLost, Timeout...), each returning whether
    a request is waiting (:attr:`request`, described by :attr:`what`) or the operation is done
    (:attr:`result`). A reply whose status is not success is thrown in as :func:`reply_error`
    makes it; a success without object values answering an :class:`~dhcpctl._exchange.Open`
    breaks the protocol (:data:`NO_OBJECT`) and is thrown in as ConnectionLost
    (``DHCP_R_PROTOCOLERROR``): a lookup that found nothing is no object. The executor is to
    drop the connection such a reply came on, as for any reply that breaks the protocol
    (the asyncio one fails it before the reply reaches the driver). The generator is closed
    when it ends, raises, or :meth:`close` is called.
    """

    # One per call: without an instance dictionary it is one allocation (GC-tracked) less.
    __slots__ = ("_function", "_keyed", "_operation", "context", "request", "result")

    def __init__(self, operation: Operation[T], *, function: str, keyed: bool) -> None:
        self._operation = operation
        self._function = function
        self._keyed = keyed
        #: The request to execute next, and the last Open (what an Update or Remove follows).
        self.request: Request | None = None
        self.context: Open | None = None
        self.result: T | None = None

    @property
    def what(self) -> str:
        """The waiting request, for errors and logs (with the lookup an Update follows)."""
        assert self.request is not None
        return describe_in(self.request, self.context)

    def start(self) -> bool:
        return self._step(self._operation.send, None)

    def answer(self, reply: Reply) -> bool:
        if reply.status == ISC_R_SUCCESS:
            if no_object(self.request, reply):
                lost = ConnectionLost(
                    self._function, DHCP_R_PROTOCOLERROR, NO_OBJECT, request=self.what
                )
                return self.fail(lost)
            return self._step(self._operation.send, reply)
        context = self.context
        error = reply_error(
            reply.status,
            reply.message,
            context.object_type if context else "",
            function=self._function,
            request=self.what,
            keyed=self._keyed,
            asked=context.values if context else (),
        )
        return self.fail(error)

    def fail(self, error: BaseException) -> bool:
        return self._step(self._operation.throw, error)

    def close(self) -> None:
        self._operation.close()

    def _step(self, step: Callable[[Any], Request], argument: Any) -> bool:
        # The generator's method and its argument rather than a lambda made per step.
        try:
            request = step(argument)
        except StopIteration as stop:
            self.result = stop.value
            self.request = None
            return False
        except BaseException:
            self._operation.close()
            raise
        if isinstance(request, Open):
            self.context = request
        self.request = request
        return True


def describe_in(request: Request, context: Open | None) -> str:
    """What a request asks, with the lookup an Update or Remove follows."""
    if isinstance(request, Open) or context is None:
        return describe(request)
    return f"{describe(request)} of {describe(context)}"


def describe(request: Request) -> str:
    """What ``request`` asks, for logs and error messages: the object type and the names and
    values of its attributes, decoded as the type's table says (``ip-address=198.18.1.2``),
    cut at 40 characters; statements by their size only. No secret ever is a value here."""
    if isinstance(request, Open):
        verb = "create" if request.create else "open"
        shown = ", ".join(
            f"{name}={_show(request.object_type, name, data)}" for name, data in request.values
        )
        return f"{verb} {request.object_type} ({shown})"
    if isinstance(request, Update):
        return "update " + ", ".join(name for name, _ in request.values)
    return "delete"


def _show(object_type: str, name: str, data: bytes) -> str:
    schema = SCHEMAS.get(object_type)
    attribute = schema.by_isc_name(name) if schema is not None else None
    if name == "statements":
        return f"<{len(data)} bytes>"
    try:
        if attribute is None:
            raise ValueError(name)
        value = attribute.codec.decode(data)
        if isinstance(value, tuple):
            text = ",".join(map(str, value))
        else:
            text = repr(value) if isinstance(value, str | bytes) else str(value)
    except ValueError:
        text = data.hex(":")
    return text if len(text) <= 40 else text[:37] + "..."


#: What to add to a lookup that matched several objects (DHCP_R_MULTIPLE: dhcp_lease_lookup
#: for a hardware address or client identifier that several leases have), by object type.
MULTIPLE_HINTS: Final = {
    "lease": "several leases have this hardware address or client identifier",
}


def multiple_hint(object_type: str, asked: Values) -> str:
    """What to say about a DHCP_R_MULTIPLE to a lookup of ``object_type`` by ``asked``: for a
    lease, to ask by ip= alone where ip= was given (dhcp_lease_lookup refuses a shared MAC or
    client identifier even beside an ``ip-address``), by ip= otherwise."""
    hint = MULTIPLE_HINTS.get(object_type)
    if hint is None:
        return "add a key"
    if any(name == "ip-address" for name, _ in asked):
        return (
            f"{hint}, which dhcpd refuses as a key even beside ip= (server/omapi.c "
            "dhcp_lease_lookup): ask by ip= alone"
        )
    return f"{hint}: ask by ip= to choose one"


def reply_error(
    status: int,
    server_message: str | None,
    object_type: str,
    *,
    function: str,
    request: str,
    keyed: bool,
    asked: Values = (),
) -> OmapiError:
    """The typed error of a reply with ``status`` to a request on ``object_type`` (described
    by ``request``, its lookup keys ``asked``): :func:`dhcpctl._errors.typed_error`, plus which
    key to use for MultipleMatches (:func:`multiple_hint`) and AuthenticationFailed for dhcpd's
    "No authenticator on message" (``DHCP_R_NOKEYS`` to a client without a key)."""
    if status == DHCP_R_NOKEYS and not keyed and "authenticator" in (server_message or ""):
        return AuthenticationFailed(
            function,
            status,
            "the server requires a key and none was given",
            server_message=server_message,
            request=request,
        )
    detail = multiple_hint(object_type, asked) if status == DHCP_R_MULTIPLE else None
    return typed_error(
        status, function=function, request=request, server_message=server_message, detail=detail
    )
