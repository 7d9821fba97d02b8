"""One OMAPI exchange, described without I/O: what both typed clients execute.

Every typed operation (``omapi.hosts.get(...)``, ``omapi.leases.update(...)``) is written once,
as a generator that yields :data:`Request` values and receives a :class:`Reply` for each, and
finally returns its result (an :data:`Operation`). The sync :class:`dhcpctl.Client` executes a
request through the C-named API of either backend (``dhcpctl_new_object``, ``dhcpctl_set_value``,
``dhcpctl_open_object``, ``dhcpctl_object_update``, ``dhcpctl_object_remove``, the timed waits);
``dhcpctl.aio.Client`` executes it as one OMAPI message through the sans-I/O codec
(``fallback/protocol.py``), many in flight. So each operation's logic exists once.

A request maps onto OMAPI's messages (``omapip/protocol.c``, ``omapip/message.c``):

- :class:`Open`: an OPEN of ``object_type`` carrying ``values`` (the lookup keys; for a create,
  every attribute to set) and the flags ``create``, ``exclusive``, ``update`` (``DHCPCTL_CREATE``,
  ``DHCPCTL_EXCL``, ``DHCPCTL_UPDATE``);
- :class:`Update`: an UPDATE of the object a previous reply's ``target`` names, with ``values``;
- :class:`Remove`: a DELETE of that object.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from types import MappingProxyType
from typing import NamedTuple, TypeVar

Values = tuple[tuple[str, bytes], ...]
"""Attribute name (ISC's, such as ``"hardware-address"``) and its wire bytes, in order."""

# The requests and the reply are named tuples, immutable as frozen dataclasses would be and
# made per request: a frozen dataclass's __init__ costs 9.5k instructions for an Open and 8.3k
# for a Reply here (object.__setattr__ per field), a named tuple's 3.7k.


class Open(NamedTuple):
    """Look up an object by ``values`` (or create it, with ``create``); an OMAPI OPEN."""

    object_type: str
    values: Values
    create: bool = False
    exclusive: bool = False
    update: bool = False


class Update(NamedTuple):
    """Change the attributes ``values`` of the object ``target`` names; an OMAPI UPDATE."""

    target: object
    values: Values


class Remove(NamedTuple):
    """Delete the object ``target`` names; an OMAPI DELETE."""

    target: object


Request = Open | Update | Remove


class Reply(NamedTuple):
    """The server's answer to one request.

    ``status`` is ``ISC_R_SUCCESS`` (0) or the server's status; ``message`` the text the server
    sent with a status, where the executor can read it; ``values`` every attribute of the object
    as the server sent it (empty after a failure or a Remove); ``target`` an opaque reference to
    the object for a later :class:`Update` or :class:`Remove` (the executor's own: a dhcpctl
    handle for the sync client, the server's object handle for the asyncio one).
    """

    status: int
    message: str | None = None
    values: Mapping[str, bytes] = MappingProxyType({})
    target: object = None


T = TypeVar("T")
Operation = Generator[Request, Reply, T]
"""A typed operation: yields requests, receives their replies, returns its result."""
