"""Which ``host import`` rows must run one after another: those whose puts touch one host.

A row's ``hosts.put`` (``dhcpctl/_collections.py`` Hosts.put, ``dhcpctl/_operations.py``
put) deletes every host its name, its MAC (of its hardware type) or its uid finds, then makes
one that holds all of them. So the hosts a row touches are hosts the server held before the
import that one of the row's keys finds, and hosts earlier rows made that share a key with it.
:func:`row_groups` links two rows (union-find) when they share a key, or when a key of each
finds the same host the server holds (a pass of read-only lookups, ``hosts.get``, before any
put); linking is transitive, so ``a`` (MAC M1), then ``b`` (M1), then ``a`` (M3) are one
group. Each group runs in row order and the groups at the same time (:func:`.bulk.pipeline`
with the group as the key), which ends as the rows put one after another would.

The lookups see the server as it is before the puts: a host another client makes or changes
in between, holding the keys of two rows of different groups, can make those two rows race (one
then fails, reported on its line, as a put fails when another client deletes its host under
it). A lookup that fails otherwise than NotFound (a reply the client refuses) leaves the
groups unknown: then every row is in one group, the whole file in row order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

from dhcpctl._errors import NotFound
from dhcpctl._model import Host
from dhcpctl.cli.bulk import FATAL, WINDOW, Item, host_keys

#: The keyword arguments of one ``hosts.get``, as a hashable tuple.
Lookup = tuple[tuple[str, Any], ...]
#: ``hosts.get``, as the aio client's.
GetHost = Callable[..., Awaitable[Host]]


def lookups(item: Item) -> list[Lookup]:
    """The lookups a row's put makes before it deletes: by name, by uid, by MAC with the row's
    hardware type (None: the client's default, 1, as the put's)."""
    arguments = item.arguments
    found: list[Lookup] = [(("name", arguments["name"]),)]
    if "uid" in arguments:
        found.append((("uid", arguments["uid"]),))
    if "mac" in arguments:
        found.append((("mac", arguments["mac"]), ("hardware_type", arguments.get("hardware_type"))))
    return found


async def existing_hosts(
    items: Sequence[Item], get: GetHost, window: int = WINDOW
) -> dict[Lookup, Hashable | None] | None:
    """Each distinct lookup of the rows (:func:`lookups`) and the host the server holds for it
    (its values, as a hashable), None where it holds none; ``window`` lookups at a time.
    None when a lookup failed otherwise than NotFound (the hosts are then unknown). The
    connection's own failures (:data:`.bulk.FATAL`) are raised."""
    wanted = list(dict.fromkeys(lookup for item in runnable(items) for lookup in lookups(item)))
    limit = asyncio.Semaphore(window)

    async def find(lookup: Lookup) -> Hashable | None:
        async with limit:
            try:
                host = await get(**dict(lookup))
            except NotFound:
                return None
        return (host.name, host.hardware_address, host.hardware_type, host.dhcp_client_identifier)

    results = await asyncio.gather(*(find(lookup) for lookup in wanted), return_exceptions=True)
    for result in results:
        if isinstance(result, FATAL):
            raise result
    if any(isinstance(result, BaseException) for result in results):
        return None
    return dict(zip(wanted, results, strict=True))


def row_groups(
    items: Sequence[Item], found: dict[Lookup, Hashable | None] | None
) -> dict[int, Hashable]:
    """Each runnable row's group (by line): rows linked by a key they share or an existing
    host (``found``, from :func:`existing_hosts`) their keys find, transitively; one group for
    all when ``found`` is None."""
    if found is None:
        return {item.line: 0 for item in runnable(items)}
    parent: dict[Hashable, Hashable] = {}

    def root(node: Hashable) -> Hashable:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for item in runnable(items):
        row = ("row", item.line)
        hosts = [("host", found[lookup]) for lookup in lookups(item) if found[lookup] is not None]
        for key in [*host_keys(item), *hosts]:
            parent[root(key)] = root(row)
    return {item.line: root(("row", item.line)) for item in runnable(items)}


#: What a row's put cannot carry over from the host it replaces: dhcpd never sends a host's
#: group nor its statements (``server/omapi.c`` dhcp_host_stuff_values).
UNSENT = ("group", "statements")


def replaced_unsent(
    items: Sequence[Item], found: dict[Lookup, Hashable | None] | None
) -> list[Item]:
    """The rows that replace a host the server held before the import (one of their lookups
    found it, :func:`existing_hosts`) without giving both its group and statements: whatever
    the replaced host had there is gone, and no client can know what it was. Empty when the
    hosts are unknown (``found`` None)."""
    if found is None:
        return []
    return [
        item
        for item in runnable(items)
        if any(name not in item.arguments for name in UNSENT)
        and any(found.get(lookup) is not None for lookup in lookups(item))
    ]


def runnable(items: Sequence[Item]) -> list[Item]:
    """The rows that run (a malformed row is reported, never put)."""
    return [item for item in items if item.error is None]
