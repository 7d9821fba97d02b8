"""``dhcpctl.aio.Client``: the typed client of :class:`dhcpctl.Client` under asyncio, its
requests pipelined on one connection.

The collections are :mod:`dhcpctl._collections`' own, in the :class:`~dhcpctl._collections.Async`
mode, run by a :class:`~._session.Session`: every method of ``omapi.leases``, ``omapi.hosts``...
is the sync client's, awaited. Many calls may be in flight at once (``asyncio.gather``); they
share the connection, at most ``max_in_flight`` requests sent and not answered (and on a keyed
connection fewer where dhcpd needs it: :mod:`._dhcpd_limits`).

One client belongs to one event loop at a time: the loop of its first call (after
:meth:`Client.close`, of its next one). From another loop while that one is still open, a call
raises :class:`~dhcpctl.aio.WrongEventLoop` and sends nothing; once that loop is closed (an
``asyncio.run`` that returned), the next call from any loop drops the old connection, without
touching the closed loop, and opens a new one, as after a lost connection (a request of the
old loop is never sent again). :meth:`Client.close` may be called from any loop.
"""

from __future__ import annotations

from types import TracebackType

from dhcpctl import _operations as ops
from dhcpctl._client import DEFAULT_PORT, check_arguments, client_repr
from dhcpctl._collections import Async, Collections
from dhcpctl._errors import shorten
from dhcpctl._key import Key
from dhcpctl.fallback.auth import Key as WireKey

from ._session import Session


class Client(Collections[Async]):
    """An OMAPI client on ``address``:``port`` (str, int), asyncio.

    ``key``: a :class:`dhcpctl.Key`, or None for a server without one. ``timeout``: seconds
    each call may take at most (queueing and connecting included), None for no limit; a call
    that takes longer raises :class:`dhcpctl.Timeout`. ``max_in_flight``: requests sent and not
    yet answered, at most (int >= 1; callers beyond it wait their turn). ``reconnect``: after
    :class:`dhcpctl.ConnectionLost`, the next call opens a new connection (a read that failed
    in flight is sent again once, a write never).

    Raises ValueError for an argument out of range, before anything is sent. Use it as
    ``async with dhcpctl.aio.Client(...) as omapi:`` (connects on entry, closes on exit), or
    call :meth:`close` yourself (the first call connects). A closed client may be used again,
    as :class:`dhcpctl.Client`: the next call, or ``async with`` again, opens a new connection.
    Errors are the public classes of :mod:`dhcpctl` (ConnectionLost, Timeout,
    AuthenticationFailed, NotFound...), and :class:`~dhcpctl.aio.WrongEventLoop` for a call
    from another event loop while the client's own is still open (see the module docstring).

    Attributes: ``leases``, ``hosts``, ``groups``, ``classes``, ``subclasses``, ``failover``,
    the collections of :class:`dhcpctl.Client` (see its help), each method awaited: ``await
    omapi.leases.get(ip=...)`` gives a Lease.
    """

    def __init__(
        self,
        address: str,
        port: int = DEFAULT_PORT,
        *,
        key: Key | None = None,
        timeout: float | None = 5.0,
        max_in_flight: int = 64,
        reconnect: bool = True,
    ) -> None:
        check_arguments(address, port, key, timeout)
        if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int):
            raise ValueError(f"max_in_flight: {shorten(max_in_flight)} is not an int >= 1")
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight: {shorten(max_in_flight)} is not an int >= 1")
        wire_key = None if key is None else WireKey(key.name, key.algorithm, key.secret)
        self.session = Session(
            address,
            port,
            wire_key,
            timeout=timeout,
            max_in_flight=max_in_flight,
            reconnect=reconnect,
        )
        self._attach(self.session)

    async def shutdown(self) -> None:
        """Shut dhcpd down through its ``control`` object and close the connection, as
        :meth:`dhcpctl.Client.shutdown` does (:func:`dhcpctl._operations.shutdown`: dhcpd
        answers only once its clients have closed their connections, so the answer is awaited
        at most :data:`~dhcpctl._operations.SHUTDOWN_WAIT` seconds). Raises the errors of a
        lookup (the control object) if the request could not be made."""
        try:
            await self.session.run(
                ops.shutdown(), read=False, function="shutdown", timeout=ops.SHUTDOWN_WAIT
            )
        finally:
            await self.close()

    async def connect(self) -> None:
        """Connect now (else the first call does); after :meth:`close`, reconnect. Raises
        ConnectionLost (refused, unreachable, unresolved: the text names the address),
        Timeout, AuthenticationFailed."""
        await self.session.connect()

    async def close(self) -> None:
        """Close the connection; calls still waiting end with ConnectionLost. Idempotent; a
        later call (or :meth:`connect`, ``async with``) opens a new connection, in any event
        loop. Called from another loop than the client's it does not raise: the connection of
        a closed loop is dropped, one of a loop still open is closed there when it next runs."""
        await self.session.close()

    async def __aenter__(self) -> Client:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        session = self.session
        key = None if session.key is None else session.key.name
        return client_repr(
            "dhcpctl.aio.Client", session.address, session.port, key, "asyncio, python codec"
        )
