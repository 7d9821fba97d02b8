"""Checked by mypy (strict), never run: the types the collections give in each mode.

``Collection[Sync]`` methods return their results, ``Collection[Async]`` methods awaitables of
them (the asyncio client supplies an async executor); argument names and types are the
methods' own. A type that changed fails ``mypy``.
"""

from __future__ import annotations

from collections.abc import Awaitable

from typing_extensions import assert_type

from dhcpctl import Class, Client, FailoverState, Group, Host, Lease, LeaseState, Subclass
from dhcpctl._collections import (
    Async,
    Classes,
    Failover,
    Groups,
    Hosts,
    Leases,
    Subclasses,
    Sync,
)


def sync_types(omapi: Client) -> None:
    assert_type(omapi.leases.get(ip="198.18.254.150"), Lease)
    assert_type(omapi.leases.update(ip="1.2.3.4", state=LeaseState.FREE), Lease)
    assert_type(omapi.hosts.create("h", mac="02:00:00:00:00:01"), Host)
    assert_type(omapi.hosts.get(name="h"), Host)
    assert_type(omapi.hosts.put("h", mac=b"\2\0\0\0\0\1"), Host)
    assert_type(omapi.hosts.delete(name="h"), None)
    assert_type(omapi.groups.get("g"), Group)
    assert_type(omapi.classes.create("c"), Class)
    assert_type(omapi.subclasses.get("c", b"x"), Subclass)
    assert_type(omapi.failover.get("pair"), FailoverState)


def async_types(
    leases: Leases[Async],
    hosts: Hosts[Async],
    groups: Groups[Async],
    classes: Classes[Async],
    subclasses: Subclasses[Async],
    failover: Failover[Async],
) -> None:
    assert_type(leases.get(mac="02:00:00:00:00:01"), Awaitable[Lease])
    assert_type(hosts.get(name="h"), Awaitable[Host])
    assert_type(hosts.delete(name="h"), Awaitable[None])
    assert_type(groups.create("g", statements="default-lease-time 600;"), Awaitable[Group])
    assert_type(classes.get("c"), Awaitable[Class])
    assert_type(subclasses.delete("c", b"x"), Awaitable[None])
    assert_type(failover.get("pair"), Awaitable[FailoverState])


def sync_collections(hosts: Hosts[Sync]) -> None:
    assert_type(hosts.update("h", ip="198.18.1.2"), Host)
