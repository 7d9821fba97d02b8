"""What help() shows of the typed clients: their collections, what each method returns and
the errors it raises (trial D, finding 15)."""

from __future__ import annotations

import inspect
import pydoc
from collections.abc import Iterator
from typing import Any

import pytest

import dhcpctl
import dhcpctl.aio
from dhcpctl._collections import Collections, OperationMethod

COLLECTIONS = ["leases", "hosts", "groups", "classes", "subclasses", "failover"]


def clients() -> list[Collections[Any]]:
    """One client of each kind; nothing is sent until a call."""
    return [dhcpctl.Client("127.0.0.1", backend="python"), dhcpctl.aio.Client("127.0.0.1")]


def methods(client: Collections[Any]) -> Iterator[tuple[str, Any]]:
    for name in COLLECTIONS:
        collection = getattr(client, name)
        for attribute, value in inspect.getmembers(type(collection)):
            if isinstance(value, OperationMethod):
                yield f"{name}.{attribute}", getattr(collection, attribute)


@pytest.mark.parametrize("kind", [dhcpctl.Client, dhcpctl.aio.Client])
def test_help_of_a_client_lists_its_collections(kind: type) -> None:
    shown = pydoc.plain(pydoc.render_doc(kind))
    attributes = shown.split("Attributes", 1)[1].split("Method resolution order", 1)[0]
    assert all(name in attributes for name in COLLECTIONS), attributes


@pytest.mark.parametrize("client", clients(), ids=["sync", "aio"])
def test_each_method_shows_what_it_returns_and_raises(client: Collections[Any]) -> None:
    shown = dict(methods(client))
    assert len(shown) == 17, sorted(shown)
    for name, method in shown.items():
        returns = inspect.signature(method).return_annotation
        assert "Operation" not in str(returns) and "NamedT" not in str(returns), (name, returns)
        doc = inspect.getdoc(method) or ""
        assert all(error in doc for error in ("ValueError", "Timeout", "ConnectionLost")), name
    returned = {name: inspect.signature(shown[name]).return_annotation for name in shown}
    assert returned["leases.get"] == returned["leases.update"] == "Lease"
    assert returned["groups.get"] == returned["classes.get"] == "Group | Class"
    assert returned["hosts.delete"] == "None"
    assert returned["failover.get"] == "FailoverState"
    for name in ("hosts.create", "hosts.update", "hosts.put", "groups.create"):
        assert "'set foo = \"bar\";'" in (inspect.getdoc(shown[name]) or ""), name


def test_a_group_without_statements_is_refused_as_the_docs_say() -> None:
    """``statements`` is a required keyword: TypeError without it, ValueError for None."""
    client = dhcpctl.Client("127.0.0.1", backend="python")
    with pytest.raises(TypeError, match="statements"):
        client.groups.create("g")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="needs statements="):
        client.groups.create("g", statements=None)  # type: ignore[arg-type]
    assert "TypeError" in (inspect.getdoc(client.groups.create) or "")
