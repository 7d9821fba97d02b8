"""What :class:`dhcpctl.Client` refuses before sending: statements, names and sizes dhcpd
4.4.3-P1 would crash on, corrupt or not persist.

PLACEHOLDER with only the obvious checks (NUL bytes, empty text): the statements/name guard
research is another helper's part; the lead replaces this module with theirs at merge. The
signatures are the interface :mod:`dhcpctl._operations` calls.
"""

from __future__ import annotations

from dhcpctl._exchange import Values


def check_statements(text: str, *, field: str = "statements") -> None:
    """Raise ValueError if dhcpd must not be sent ``text`` as statements."""
    if not text.strip():
        raise ValueError(f"{field}: {text!r} is empty")
    if "\0" in text:
        raise ValueError(f"{field}: {text!r} contains a NUL character")


def check_name(kind: str, name: str) -> None:
    """Raise ValueError if dhcpd would not persist or survive a ``kind`` object named ``name``
    (``kind``: "host", "group" or "class")."""
    if not name or "\0" in name:
        raise ValueError(f"{kind} name {name!r} must be non-empty and without NUL")


def check_object_size(object_type: str, values: Values) -> None:
    """Raise ValueError if an object of ``values`` is too large for dhcpd's signed replies."""


def quote(value: str, *, field: str) -> str:
    """``value`` as a dhcpd.conf string literal that cannot break out of its quotes."""
    if "\0" in value:
        raise ValueError(f"{field}: {value!r} contains a NUL character")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
