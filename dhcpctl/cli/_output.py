"""How the typed objects print: a readable two-column table, or JSON.

In both, values are strings a program can use: times in ISO 8601 UTC (``2036-01-01T00:00:00Z``),
MAC addresses in lower case with colons, states by ISC's names (``active``,
``communications-interrupted``), other bytes as colon-separated hex; ISC's "never" (a time
field the typed model holds as None and whose ``raw`` bytes are ``MAX_TIME``, 0x7FFFFFFF) is
``never`` in the table and the string ``"never"`` in JSON (:data:`NEVER_SHOWN`); absent values
(and a time ISC never set, 0) are ``null`` in JSON and left out of the table. The ``raw``
mapping (every attribute as the server sent it) is otherwise left out: the typed fields hold
it all.

Text the server sent is shown as :mod:`._printable` says: a byte that was not UTF-8 as
``\\xNN`` (``\\xff``) in the table and in JSON strings alike, a control character as ``\\xNN``
in the table (``\\x1b``) and as JSON's escape in JSON (``\\u001b``), a format character (a
right-to-left override) as ``\\uXXXX`` in the table (``\\u202e``) and as it is in JSON. JSON is
written in ASCII (``\\u00e9``, ``\\u202e``, DEL as ``\\u007f``), so any output encoding and any
terminal takes it; a table's character that the output's encoding lacks is written as Python's
``backslashreplace`` does (``\\xe9``, ``\\u20ac``).

A table needs no library: an object is a list of attribute/value rows, so the standard
library's string formatting lays it out.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import io
import json
import select
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from ipaddress import IPv4Address
from typing import BinaryIO, TextIO

from dhcpctl import _values
from dhcpctl._model import SCHEMAS
from dhcpctl.cli._printable import not_utf8_escaped, printable

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


#: How a time field holding ISC's "never" shows, in the table and in JSON (as ``--ends`` takes it).
NEVER_SHOWN = "never"
_MAX_TIME = _values.NEVER.to_bytes(4, "big")
_TIMES = (_values.TIME, _values.TIME_OR_UNSET)


def fields(obj: object) -> dict[str, JsonValue]:
    """A typed object's fields (a :mod:`dhcpctl._model` dataclass), ``raw`` left out; a time
    field that is None where the server sent ISC's ``MAX_TIME`` is :data:`NEVER_SHOWN`."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"not a typed OMAPI object: {obj!r}")
    record = {
        field.name: plain(getattr(obj, field.name))
        for field in dataclasses.fields(obj)
        if field.name != "raw"
    }
    for name in _nevers(obj):
        if record[name] is None:
            record[name] = NEVER_SHOWN
    return record


def _nevers(obj: object) -> list[str]:
    """The time fields of ``obj`` whose ``raw`` bytes are ISC's ``MAX_TIME`` ("never")."""
    raw = getattr(obj, "raw", {})
    return [
        attribute.field
        for schema in SCHEMAS.values()
        if type(obj) is schema.cls
        for attribute in schema.attributes
        if attribute.codec in _TIMES and raw.get(attribute.isc_name) == _MAX_TIME
    ]


def _escaped(value: JsonValue) -> JsonValue:
    if isinstance(value, str):
        return not_utf8_escaped(value)
    if isinstance(value, list):
        return [not_utf8_escaped(each) for each in value]
    return value


def to_json(record: Mapping[str, JsonValue]) -> str:
    """One JSON object, in ASCII (see the module): :func:`json.dumps`'s ``ensure_ascii``, its
    default, escapes every character outside printable ASCII, DEL included (``\\u007f``)."""
    return json.dumps({name: _escaped(value) for name, value in record.items()})


def _cell(value: JsonValue) -> str:
    return printable(", ".join(value) if isinstance(value, list) else str(value))


def table(record: Mapping[str, JsonValue]) -> str:
    """Attribute/value rows, the attribute names in ISC's spelling (``client-hostname``)."""
    rows = [
        (name.replace("_", "-"), _cell(value))
        for name, value in record.items()
        if value is not None and value != []
    ]
    width = max((len(name) for name, _ in rows), default=0)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def writable(text: str, out: TextIO) -> str:
    """``text`` as ``out``'s encoding can write it: a character it lacks as Python's
    ``backslashreplace`` writes it (``\\xe9``)."""
    encoding = out.encoding
    if not encoding:  # an in-memory stream takes any text
        return text
    return text.encode(encoding, "backslashreplace").decode(encoding)


class OutputError(Exception):
    """The command's output could not be written (``> /dev/full``): the command's own failure,
    neither bad usage nor the server's."""


def show(obj: object, *, as_json: bool, out: TextIO) -> None:
    """Print a typed object (or a record already made of JSON values: what a delete or
    ``server shutdown`` did) as a table or as one JSON object, and flush ``out``.

    Raises :class:`OutputError` when ``out`` fails (BrokenPipeError, the reader gone, is
    raised as it is)."""
    record = obj if isinstance(obj, Mapping) else fields(obj)
    write((to_json(record) if as_json else table(record)) + "\n", out)


def write(text: str, out: TextIO) -> None:
    """Write ``text`` on ``out`` (:func:`writable`) and flush it, inside :func:`writing`: a
    failure is :class:`OutputError` (BrokenPipeError as it is), never a traceback."""
    with writing():
        out.write(writable(text, out))
        out.flush()


def standard_output() -> TextIO:
    """``sys.stdout``; :class:`OutputError` when the command was started without one
    (``>&-``: Python's ``sys.stdout`` is None), as a failed write is."""
    if sys.stdout is None:
        raise OutputError("cannot write the output: standard output is closed")
    return sys.stdout


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """Around writes to the command's output: an OSError or ValueError (``> /dev/full``, a
    closed stream, a UnicodeEncodeError) raised as :class:`OutputError`; BrokenPipeError (the
    reader may be gone: :func:`reader_gone`) as it is."""
    try:
        yield
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as error:
        raise OutputError(f"cannot write the output: {error}") from error


class BinaryOutput:
    """A binary stream of the command's output (``sys.stdout.buffer``) whose every write and
    flush is inside :func:`writing`: a failure is :class:`OutputError` (``dhcpctl shell``)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def write(self, data: bytes) -> None:
        """Write ``data`` (buffered). Raises :class:`OutputError`, BrokenPipeError."""
        with writing():
            self._stream.write(data)

    def flush(self) -> None:
        """Write what is buffered. Raises :class:`OutputError`, BrokenPipeError."""
        with writing():
            self._stream.flush()


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
