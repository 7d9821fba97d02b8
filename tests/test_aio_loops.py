"""``dhcpctl.aio`` on an event loop other than asyncio's own: uvloop (a common choice of
asyncio services), whose transports are no subclasses of ``asyncio.Transport``. Against
:class:`dhcpctl.testing.OmapiServer`, keyed, with requests pipelined."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

import dhcpctl.aio
from dhcpctl import Key, NotFound
from dhcpctl.testing import FakeLease, OmapiServer

uvloop = pytest.importorskip("uvloop")  # a test dependency ([test] extra) where it installs

KEY = Key("omapi_key", "hmac-sha256", b"sixteen byte key")
LEASES = [
    FakeLease(
        ip=f"198.18.1.{n}",
        mac=f"00:11:22:33:44:{n:02x}",
        ends=datetime(2033, 5, 18, 3, 33, n, tzinfo=timezone.utc),
    )
    for n in range(10, 40)
]


def test_pipelined_calls_on_uvloop() -> None:
    async def main(port: int) -> None:
        async with dhcpctl.aio.Client(
            "127.0.0.1", port, key=KEY, timeout=10.0, max_in_flight=8
        ) as omapi:
            leases = await asyncio.gather(*(omapi.leases.get(ip=str(lease.ip)) for lease in LEASES))
            assert [lease.ends for lease in leases] == [lease.ends for lease in LEASES]
            host = await omapi.hosts.create("web-1", mac="02:00:00:00:00:01", ip="198.18.1.60")
            assert (await omapi.hosts.get(name="web-1")).hardware_address == host.hardware_address
            await omapi.hosts.delete(name="web-1")
            with pytest.raises(NotFound):
                await omapi.hosts.get(name="web-1")

    with OmapiServer(key=KEY, leases=LEASES) as server:
        loop = uvloop.new_event_loop()
        try:
            loop.run_until_complete(asyncio.wait_for(main(server.port), 30))
        finally:
            loop.close()
