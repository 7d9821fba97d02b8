"""``dhcpctl.aio``: the asyncio OMAPI client, many requests in flight on one connection.

See :mod:`dhcpctl.aio._connection` (the engine), :mod:`dhcpctl.aio._dhcpd_limits` (what dhcpd
survives, and the rules kept on keyed connections) and :mod:`dhcpctl.aio._session` (how typed
operations run on it).
"""

from __future__ import annotations
