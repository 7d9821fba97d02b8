"""How the typed objects print: a readable two-column table, or JSON.

In both, values are strings a program can use: times in ISO 8601 UTC (``2036-01-01T00:00:00Z``),
MAC addresses in lower case with colons, states by ISC's names (``active``,
``communications-interrupted``), other bytes as colon-separated hex; ISC's "never" (a time of
None) and absent values are ``null`` in JSON and left out of the table. The ``raw`` mapping
(every attribute as the server sent it) is left out: the typed fields hold it all.

A table needs no library: an object is a list of attribute/value rows, so the standard
library's string formatting lays it out.
"""

from __future__ import annotations

import dataclasses
import enum
import io
import json
import select
from collections.abc import Mapping
from datetime import datetime, timezone
from ipaddress import IPv4Address
from typing import TextIO

JsonValue = str | int | list[str] | None


def plain(value: object) -> JsonValue:
    """A field's value as JSON takes it (see the module's docstring)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        return value.name.lower().replace("_", "-")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, IPv4Address):
        return str(value)
    if isinstance(value, bytes):
        return value.hex(":")
    if isinstance(value, tuple):
        return [str(plain(each)) for each in value]
    return str(value)


def fields(obj: object) -> dict[str, JsonValue]:
    """A typed object's fields (a :mod:`dhcpctl._model` dataclass), ``raw`` left out."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"not a typed OMAPI object: {obj!r}")
    return {
        field.name: plain(getattr(obj, field.name))
        for field in dataclasses.fields(obj)
        if field.name != "raw"
    }


def to_json(record: Mapping[str, JsonValue]) -> str:
    return json.dumps(record, ensure_ascii=False)


def table(record: Mapping[str, JsonValue]) -> str:
    """Attribute/value rows, the attribute names in ISC's spelling (``client-hostname``)."""
    rows = [
        (name.replace("_", "-"), ", ".join(value) if isinstance(value, list) else str(value))
        for name, value in record.items()
        if value is not None and value != []
    ]
    width = max((len(name) for name, _ in rows), default=0)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def show(obj: object, *, as_json: bool, out: TextIO) -> None:
    """Print a typed object as a table or as one JSON object."""
    record = fields(obj)
    print(to_json(record) if as_json else table(record), file=out)


def reader_gone(out: TextIO) -> bool:
    """Whether nobody reads ``out`` any more: a pipe whose read end is closed (``dhcpctl ... |
    head`` after ``head`` ended) polls as an error (POLLERR), a closed socket as a hang-up.
    False for a stream without a file descriptor, a file or a terminal."""
    try:
        descriptor = out.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    poll = select.poll()
    poll.register(descriptor, 0)  # POLLERR and POLLHUP are reported whatever is asked
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poll.poll(0))
