"""What the fake server does with ``statements``: the one place that decides whether dhcpd
4.4.3-P1 would take them (``common/parse.c`` parse_executable_statements, called by
``server/omapi.c`` dhcp_host_set_value and ``common/comapi.c`` dhcp_group_set_value).

The fake has no dhcpd grammar. It refuses what dhcpd's parser refuses in the project's test
bed (an ``if`` whose condition or block is never closed: ``DHCP_R_BADPARSE``) and takes the
rest, as dhcpd takes most junk (``}``, ``zzz;``, ``default-lease-time ;``). Statements that
make dhcpd 4.4.3-P1 crash (SIGSEGV) are answered ``DHCP_R_BADPARSE`` with a
:class:`DhcpdWouldCrash` warning: a test that sends them would have killed a real server.
Which statements those are is :func:`dhcpctl._guards.check_statements`'s to say (the typed
client's guard, which refuses them before sending).
"""

from __future__ import annotations

import re
import warnings

from dhcpctl._guards import check_statements
from dhcpctl._results import DHCP_R_BADPARSE, ISC_R_SUCCESS


class DhcpdWouldCrash(UserWarning):
    """The fake server answered with an error where dhcpd 4.4.3-P1 would have crashed."""


#: An ``if`` with no closing brace: parse_executable_statements fails (seen in the test bed).
_OPEN_IF = re.compile(rb"^\s*if\b[^{}]*(\{[^}]*)?$", re.DOTALL)


def would_crash(text: bytes, field: str) -> str | None:
    """Why dhcpd 4.4.3-P1 must not be sent ``text`` as ``field`` (the typed client's guard,
    :func:`dhcpctl._guards.check_statements`), or None."""
    try:
        check_statements(text.decode("utf-8", "surrogateescape"), field=field)
    except ValueError as error:
        return str(error)
    return None


def parse_statements(text: bytes, field: str) -> int:
    """The status dhcpd gives for ``text`` set as ``field`` (``"statements"`` of a host or
    group): ``ISC_R_SUCCESS`` or ``DHCP_R_BADPARSE``. Warns :class:`DhcpdWouldCrash` where
    dhcpd 4.4.3-P1 would have crashed instead of answering."""
    reason = would_crash(text, field)
    if reason is not None:
        warnings.warn(
            DhcpdWouldCrash(
                f"dhcpd 4.4.3-P1 would have crashed on (or been corrupted by) these {field}: "
                f"{reason}; the fake answered DHCP_R_BADPARSE"
            ),
            stacklevel=2,
        )
        return DHCP_R_BADPARSE
    if _OPEN_IF.match(text):
        return DHCP_R_BADPARSE
    return ISC_R_SUCCESS
