"""``dhcpctl host import`` ends as the same rows run one after another as ``hosts.put`` do,
whatever the server holds (on the fake server, both backends): rows that touch one host (by
their own keys, through a host an earlier row makes, or through a host the server already
holds) run in row order; the rest run at the same time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cli_helpers import clean_environment, run_dhcpctl

from dhcpctl import Client, ConnectionLost, Host, NotFound
from dhcpctl.cli._exit import ExitCode
from dhcpctl.cli.bulk import Item
from dhcpctl.cli.import_order import existing_hosts, lookups, row_groups
from dhcpctl.testing import FakeHost, OmapiServer

#: Groups of rows; enough of them that rows run at the same time across groups.
GROUPS = 40


def mac(index: int, kind: int = 0) -> str:
    return f"02:00:00:{kind:02x}:{index >> 8:02x}:{index & 255:02x}"


def uid(index: int) -> bytes:
    return bytes([1, 2, 3, index >> 8, index & 255])


def held_hosts() -> list[FakeHost]:
    """``x<i>`` holds a MAC and a uid; ``y<i>`` a name that rows reach only through it."""
    return [FakeHost(f"x{index}", mac=mac(index), uid=uid(index)) for index in range(GROUPS)] + [
        FakeHost(f"y{index}", mac=mac(index, 3)) for index in range(GROUPS)
    ]


def rows() -> list[dict[str, str]]:
    """Rows that share no key with each other but touch one existing host (``p``/``q``: x's
    MAC and x's uid), and chains through a host an earlier row makes (``a``, ``b``, ``a``)
    or through an existing host's name (``c`` takes y's MAC, ``y`` then names y again)."""
    made: list[dict[str, str]] = []
    for index in range(GROUPS):
        made.append({"name": f"p{index}", "mac": mac(index)})
        made.append({"name": f"q{index}", "uid": uid(index).hex()})
    for index in range(GROUPS):
        made.append({"name": f"a{index}", "mac": mac(index, 1)})
        made.append({"name": f"b{index}", "mac": mac(index, 1)})
        made.append({"name": f"a{index}", "mac": mac(index, 2)})
    for index in range(GROUPS):
        made.append({"name": f"c{index}", "mac": mac(index, 3)})
        made.append({"name": f"y{index}", "mac": mac(index, 4)})
    return made


def state(server: OmapiServer) -> dict[str, tuple[str | None, bytes | None]]:
    return {
        host.name: (None if host.mac is None else str(host.mac), host.uid) for host in server.hosts
    }


def one_after_another(backend_name: str) -> dict[str, tuple[str | None, bytes | None]]:
    """The end state of the rows put one after another, on a server holding the same hosts."""
    with (
        OmapiServer(hosts=held_hosts()) as server,
        Client(server.address, server.port, backend=backend_name) as omapi,
    ):
        for row in rows():
            hex_uid = row.get("uid")
            given = None if hex_uid is None else bytes.fromhex(hex_uid)
            omapi.hosts.put(row["name"], mac=row.get("mac"), uid=given)
        return state(server)


def test_import_ends_as_the_rows_put_one_after_another(backend_name: str, tmp_path: Path) -> None:
    """The import (on dhcpctl.aio, whatever --backend says) leaves what ``backend_name``'s
    hosts.put row after row leaves."""
    expected = one_after_another(backend_name)
    path = tmp_path / "hosts.csv"
    lines = ["name,mac,uid"] + [
        f"{r['name']},{r.get('mac', '')},{r.get('uid', '')}" for r in rows()
    ]
    path.write_text("\n".join(lines) + "\n")
    with OmapiServer(hosts=held_hosts()) as server:
        result = run_dhcpctl(
            [
                "--server",
                f"{server.address}:{server.port}",
                "host",
                "import",
                str(path),
            ],
            env=clean_environment(),
        )
        assert result.returncode == ExitCode.OK, result.stderr.decode()
        assert state(server) == expected
    assert len(expected) == 6 * GROUPS  # p, q, a, b, c, y: every x replaced by p


def test_a_lookup_that_fails_otherwise_puts_every_row_in_one_group() -> None:
    """A lookup refused otherwise than NotFound leaves the hosts unknown: the whole file runs
    in row order; a lost connection ends the import (raised)."""
    items = [Item(2, "a", {"name": "a", "mac": b"\x02" * 6}), Item(3, "b", {"name": "b"})]

    async def refused(**keys: object) -> Host:
        if "mac" in keys:
            raise ValueError("a reply the client refuses")
        raise NotFound("hosts.get", 0, "no such host")

    found = asyncio.run(existing_hosts(items, refused))
    assert found is None
    groups = row_groups(items, found)
    assert groups[2] == groups[3]
    assert row_groups(items, {lookup: None for item in items for lookup in lookups(item)}) == {
        2: ("row", 2),
        3: ("row", 3),
    }

    async def lost(**keys: object) -> Host:
        raise ConnectionLost("hosts.get", 0, "the server closed the connection")

    with pytest.raises(ConnectionLost):
        asyncio.run(existing_hosts(items, lost))
