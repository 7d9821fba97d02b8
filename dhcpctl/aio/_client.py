"""``dhcpctl.aio.Client``: the typed client of :class:`dhcpctl.Client` under asyncio, its
requests pipelined on one connection.

The collections are :mod:`dhcpctl._collections`' own, in the :class:`~dhcpctl._collections.Async`
mode, run by a :class:`~._session.Session`: every method of ``omapi.leases``, ``omapi.hosts``...
is the sync client's, awaited. Many calls may be in flight at once (``asyncio.gather``); they
share the connection, at most ``max_in_flight`` requests sent and not answered (and on a keyed
connection fewer where dhcpd needs it: :mod:`._dhcpd_limits`).

One client belongs to one event loop: use it from the loop it was first used in.
"""

from __future__ import annotations

from types import TracebackType

from dhcpctl import _operations as ops
from dhcpctl._collections import (
    Async,
    Classes,
    Failover,
    Groups,
    Hosts,
    Leases,
    Subclasses,
)
from dhcpctl._key import Key
from dhcpctl.fallback.auth import Key as WireKey

from ._session import Session

#: dhcpd's OMAPI port (``omapi-port`` in dhcpd.conf; ISC's examples use 7911).
OMAPI_PORT = 7911


class Client:
    """An OMAPI client on ``address``:``port`` (str, int), asyncio.

    ``key``: a :class:`dhcpctl.Key`, or None for a server without one. ``timeout``: seconds
    each call may take at most (queueing and connecting included), None for no limit; a call
    that takes longer raises :class:`dhcpctl.Timeout`. ``max_in_flight``: requests sent and not
    yet answered, at most (int >= 1; callers beyond it wait their turn). ``reconnect``: after
    :class:`dhcpctl.ConnectionLost`, the next call opens a new connection (a read that failed
    in flight is sent again once, a write never).

    Raises ValueError for an argument out of range, before anything is sent. Use it as
    ``async with dhcpctl.aio.Client(...) as omapi:`` (connects on entry, closes on exit), or
    call :meth:`close` yourself (the first call connects).
    """

    def __init__(
        self,
        address: str,
        port: int = OMAPI_PORT,
        *,
        key: Key | None = None,
        timeout: float | None = 5.0,
        max_in_flight: int = 64,
        reconnect: bool = True,
    ) -> None:
        if not isinstance(address, str) or not address:
            raise ValueError(f"address {address!r} must be a host name or an IPv4 address")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise ValueError(f"port {port!r} must be an int from 1 to 65535")
        if key is not None and not isinstance(key, Key):
            raise ValueError(f"key must be a dhcpctl.Key or None, not {type(key).__name__}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout {timeout!r} must be a positive number of seconds or None")
        if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int):
            raise ValueError(f"max_in_flight {max_in_flight!r} must be an int >= 1")
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight {max_in_flight!r} must be an int >= 1")
        wire_key = None if key is None else WireKey(key.name, key.algorithm, key.secret)
        self.session = Session(
            address,
            port,
            wire_key,
            timeout=timeout,
            max_in_flight=max_in_flight,
            reconnect=reconnect,
        )
        self.leases = Leases[Async](self.session)
        self.hosts = Hosts[Async](self.session)
        self.groups = Groups[Async](self.session)
        self.classes = Classes[Async](self.session)
        self.subclasses = Subclasses[Async](self.session)
        self.failover = Failover[Async](self.session)

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
        """Connect now (else the first call does). Raises ConnectionLost, Timeout."""
        await self.session.connect()

    async def close(self) -> None:
        """Close the connection; calls still waiting end with ConnectionLost. Idempotent."""
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
        return f"dhcpctl.aio.Client({session.address!r}, {session.port})"
