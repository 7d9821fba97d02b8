"""What the last reply to a remote object carried: the typed client's extension of the
pure-Python backend (:class:`dhcpctl.Client`), the same functions as
:mod:`dhcpctl._native.received`.

ISC's C API cannot list an object's values nor give a STATUS reply's text; this backend keeps
both on the handle (:class:`.objects.RemoteObject` ``received`` and ``message``). A value the
server sent with zero length is absent, as in ISC's library (it arrives as "no value" and the
reply's "updated" signal drops it).
"""

from __future__ import annotations

from .objects import Connection, RemoteObject

Listed = tuple[bytes, "int | None", "bytes | int", int]
"""One value of :func:`listing`: name, ISC datatype, content, identity."""


def mark(handle: RemoteObject) -> list[int]:
    """Before a request on ``handle``: forget the previous reply's values."""
    handle.received = {}
    return []


def received(handle: RemoteObject, before: list[int]) -> dict[str, bytes]:
    """After the reply: the values it carried, by name, as bytes (names that are not UTF-8
    come back with surrogate escapes)."""
    return {
        name.decode("utf-8", "surrogateescape"): value
        for name, value in handle.received.items()
        if isinstance(value, bytes) and value
    }


def fileno(connection: Connection) -> int:
    """The socket of ``connection``, or -1 once its link has ended."""
    return connection.link.fileno


def message(handle: RemoteObject) -> str | None:
    """The text of the last STATUS reply to ``handle``, or None if it carried none."""
    return handle.message or None


def _listed(name: bytes, value: bytes | int | None) -> Listed:
    if value is None:
        return (name, None, b"", id(value))
    return (name, 0 if isinstance(value, int) else 2, value, id(value))


def listing(handle: RemoteObject) -> list[Listed]:
    """Every value of ``handle`` in the order first set, as ``(name, datatype, content,
    identity)``, as :func:`dhcpctl._native.received.listing` gives them: ``datatype`` 0 for an
    int, 2 for bytes (this backend keeps no string type), None for a null value (content
    b""); ``identity`` the Python object's id, which changes whenever the value is replaced."""
    return [_listed(name, value) for name, value in handle.values.items()]
