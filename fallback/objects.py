"""The handles: authenticators, connections and remote objects with their local value lists.

Values follow ISC's generic object (``omapip/generic.c``): setting a name replaces its value in
place and marks it changed; a request sends only the changed values; a null value is kept as
"delete this name" and reads as ``ISC_R_NOTFOUND``; the "updated" signal of a reply clears the
changed marks and drops the nulls. Values from the server are untyped bytes (a zero-length
value arrives as null).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dhcpctl._api import Callback, OneReference
from dhcpctl._diagnosis import Peer, no_value
from dhcpctl._errors import DhcpctlError
from dhcpctl._results import DHCP_R_INVALIDARG, ISC_R_NOTFOUND, ISC_R_SUCCESS

from .auth import Key
from .transport import Link
from .wire import Pair, Value

if TYPE_CHECKING:
    from .session import Dispatcher


class Handle(OneReference):
    """Base of every handle: ``dead`` once ``omapi_object_dereference`` dropped it (the API
    then refuses it)."""

    dead = False

    def dereference(self) -> None:
        self.dead = True


class Authenticator(Handle):
    """``dhcpctl_new_authenticator``'s handle: a key (its repr hides the secret)."""

    def __init__(self, key: Key) -> None:
        self.key = key

    def get(self, name: bytes) -> Value:
        """ "name", "algorithm" and "key" (the secret), as C's auth key object
        (``omapip/auth.c`` omapi_auth_key_get_value); KeyError for any other name."""
        fields = {
            b"name": self.key.name.encode(),
            b"algorithm": self.key.algorithm.encode(),
            b"key": self.key.secret,
        }
        return fields[name]

    def __repr__(self) -> str:
        return f"<dhcpctl authenticator {self.key!r}>"


class Generic(Handle):
    """A handle with a local name/value list (C's ``omapi_generic_object_t``)."""

    def __init__(self) -> None:
        #: The values in the order their names were first set (C's ``values`` array).
        self.values: dict[bytes, Value] = {}
        #: The names set since the last "updated" signal (C's ``changed`` flags).
        self.changed: set[bytes] = set()

    def set(self, name: bytes, value: Value) -> None:
        self.values[name] = value
        self.changed.add(name)

    def get(self, name: bytes) -> Value:
        """The value, or KeyError when absent or null (C: ``ISC_R_NOTFOUND``)."""
        value = self.values.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def changed_values(self) -> tuple[Pair, ...]:
        """What ``omapi_generic_stuff_values`` sends: the changed, named values."""
        changed = self.changed
        return tuple((n, v) for n, v in self.values.items() if n and n in changed)

    def clear_flags(self) -> None:
        """``omapi_generic_clear_flags``: forget changes, drop the nulls."""
        self.changed.clear()
        if None in self.values.values():
            self.values = {n: v for n, v in self.values.items() if v is not None}


class Connection(Generic):
    """``dhcpctl_connect``'s handle: a generic object over a :class:`Link`."""

    def __init__(self, link: Link, dispatcher: Dispatcher, peer: Peer) -> None:
        super().__init__()
        self.link = link
        self.dispatcher = dispatcher
        #: The server and key, as error texts name them.
        self.peer = peer

    def __repr__(self) -> str:
        state = "open" if self.link.alive and not self.dead else "closed"
        return f"<dhcpctl connection to {self.peer} ({state})>"


class RemoteObject(Generic):
    """``dhcpctl_new_object``'s handle (C's ``dhcpctl_remote_object_t``)."""

    def __init__(self, object_type: str) -> None:
        Generic.__init__(self)
        self.rtype = object_type
        self.remote_handle = 0
        self.waitstatus = ISC_R_SUCCESS
        #: The server's "message" text of its last status, if any.
        self.message = ""
        #: The object values of the last UPDATE reply, as they came (None: zero length).
        self.received: dict[bytes, Value] = {}
        self.callback: tuple[Callback, Any] | None = None
        #: The link of the latest request: where a wait reads; and its server.
        self.link: Link | None = None
        self.peer: Peer | None = None
        self.outstanding = 0
        self.unseen = 0

    def set(self, name: bytes, value: Value) -> None:
        if name == b"remote-handle":
            if isinstance(value, bytes) and len(value) == 4:
                value = int.from_bytes(value, "big")
            if not isinstance(value, int):
                raise DhcpctlError("dhcpctl_set_value", DHCP_R_INVALIDARG, "remote-handle")
            self.remote_handle = value & 0xFFFF_FFFF
            return
        Generic.set(self, name, value)

    def __repr__(self) -> str:
        return f"<dhcpctl {self.rtype} object, remote handle {self.remote_handle}>"


def not_found(function: str, name: str) -> DhcpctlError:
    return DhcpctlError(function, ISC_R_NOTFOUND, no_value(name))
