"""``dhcpctl.aio``: the asyncio OMAPI client, many requests in flight on one connection.

:class:`Client` is the typed client (the collections of :class:`dhcpctl.Client`, awaited);
:class:`WrongEventLoop` (a :class:`dhcpctl.DhcpctlError` and RuntimeError) what it raises when
used from another event loop while its own is still open.
How it works: :mod:`dhcpctl.aio._connection` (the engine), :mod:`dhcpctl.aio._dhcpd_limits`
(what dhcpd 4.4.3-P1 survives, and the rules kept on keyed connections),
:mod:`dhcpctl.aio._session` (how typed operations run on it).
"""

from dhcpctl._errors import WrongEventLoop as WrongEventLoop

from ._client import Client as Client

__all__ = ["Client", "WrongEventLoop"]
