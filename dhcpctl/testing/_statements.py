"""What the fake server does with ``statements``: the one place that decides what dhcpd 4.4.3-P1
answers for them (``common/parse.c`` parse_executable_statements, called by ``server/omapi.c``
dhcp_host_set_value and ``common/comapi.c`` dhcp_group_set_value).

The fake has no dhcpd grammar. It answers as dhcpd does in the test bed where that is known:

- an ``if`` whose condition or block is never closed: ``DHCP_R_BADPARSE``;
- statements that make dhcpd 4.4.3-P1 die, as measured for the typed client's guard
  (:mod:`dhcpctl._guards`): a value-less option statement followed by an empty statement
  (``option routers;;``, ``default-lease-time;;``: SIGSEGV) and 1,500 or more whitespace
  characters in a row (``log_fatal``). dhcpd answers nothing there; the fake answers
  ``DHCP_R_BADPARSE`` and warns :class:`DhcpdWouldCrash`;
- everything else: success, as dhcpd takes most junk (``}``, ``zzz;``) and answers success
  where it silently drops the rest of the text (what :func:`dhcpctl._guards.check_statements`
  refuses in the typed client).
"""

from __future__ import annotations

import re
import warnings

from dhcpctl._results import DHCP_R_BADPARSE, ISC_R_SUCCESS


class DhcpdWouldCrash(UserWarning):
    """The fake server answered with an error where dhcpd 4.4.3-P1 would have crashed."""


#: An ``if`` with no closing brace: parse_executable_statements fails (seen in the test bed).
_OPEN_IF = re.compile(rb"^\s*if\b[^{}]*(\{[^}]*)?$", re.DOTALL)
#: A statement that is only an option name (an option verb and a name, or one word other than
#: ``break`` and ``parse-vendor-option``), then an empty statement: parse_option_statement
#: keeps a statement without an option cache, which dhcpd dereferences.
_VALUELESS_THEN_EMPTY = re.compile(
    rb"(?:^|[;{}])\s*(?:(?:option|supersede|default|append|prepend|send)\s+[\w.-]+"
    rb"|(?!break\b|parse-vendor-option\b)[\w-]+)\s*;\s*;"
)
#: conflex.c read_whitespace: log_fatal when its 1,500-byte buffer fills.
_LONG_WHITESPACE = re.compile(rb"[ \t\n\r\v\f]{1500,}")


def crash_reason(text: bytes) -> str | None:
    """Why dhcpd 4.4.3-P1 would die on ``text`` as statements, or None."""
    if _VALUELESS_THEN_EMPTY.search(text):
        return "a value-less option statement followed by an empty statement (SIGSEGV)"
    if _LONG_WHITESPACE.search(text):
        return "1,500 or more whitespace characters in a row (log_fatal 'whitespace too long')"
    return None


def parse_statements(text: bytes, field: str) -> int:
    """The status dhcpd gives for ``text`` set as ``field`` (``"statements"`` of a host or
    group): ``ISC_R_SUCCESS`` or ``DHCP_R_BADPARSE``. Warns :class:`DhcpdWouldCrash` where
    dhcpd 4.4.3-P1 would have crashed instead of answering."""
    reason = crash_reason(text)
    if reason is not None:
        warnings.warn(
            DhcpdWouldCrash(
                f"dhcpd 4.4.3-P1 would have crashed on these {field}: {reason}; "
                "the fake answered DHCP_R_BADPARSE"
            ),
            stacklevel=2,
        )
        return DHCP_R_BADPARSE
    if _OPEN_IF.match(text):
        return DHCP_R_BADPARSE
    return ISC_R_SUCCESS
