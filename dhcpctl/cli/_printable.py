"""What the ``dhcpctl`` command prints of text a server sent: text its output's encoding can
write, and never a terminal's control character.

A server's text may hold any bytes: dhcpd keeps whatever a DHCP client sent as its
``client-hostname`` (option 12), and a hostile server may send a terminal's control sequences
(``ESC ] 0 ; ... BEL`` retitles a terminal, ``ESC [ 2 J`` clears it) or a message of megabytes.
:mod:`dhcpctl._values` decodes with ``surrogateescape``, so a byte that is not UTF-8 arrives
here as a lone surrogate (U+DC80 to U+DCFF), which no strict encoding writes.

Such a byte is shown as ``\\xNN``, its value in hex (``\\xff``), and so is, in a table, an error
line or a name in ``dhcpctl shell``'s object print-out, a control character: C0, DEL or C1
(``\\x1b``, ``\\x7f``, ``\\x9b``). JSON escapes control characters itself (``\\u001b``: its
strings keep the server's text exactly). A backslash the server sent is shown as it is. An error
line shows at most the first :data:`SERVER_TEXT_LENGTH` characters of the server's message.
"""

from __future__ import annotations

import re
from typing import Final

from dhcpctl._errors import OmapiError

#: The most characters of a server's message an error line shows (dhcpd's are under 80).
SERVER_TEXT_LENGTH: Final = 200

#: A byte that was not UTF-8 (``surrogateescape``), or any other lone surrogate.
_NOT_UTF8 = re.compile("[\ud800-\udfff]")
#: The same, and the control characters: C0, DEL, C1.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for the byte code - 0xDC00
        code -= 0xDC00
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def not_utf8_escaped(text: str) -> str:
    """``text`` with each byte that was not UTF-8 written ``\\xNN`` (see the module)."""
    return _NOT_UTF8.sub(_escape, text)


def printable(text: str) -> str:
    """``text`` with each byte that was not UTF-8 and each control character written ``\\xNN``
    (a line break too: the result is one line)."""
    return _UNPRINTABLE.sub(_escape, text)


def bounded(text: str, length: int = SERVER_TEXT_LENGTH) -> str:
    """``text`` whole up to ``length`` characters, else its first ``length`` and its size
    (``AAAA... (60000 characters)``), as :func:`dhcpctl._errors.shorten` says it."""
    if len(text) <= length:
        return text
    return f"{text[:length]}... ({len(text)} characters)"


def error_text(error: BaseException) -> str:
    """``str(error)`` for an error line, the server's message (an :class:`OmapiError`'s
    ``server_message``) cut to :data:`SERVER_TEXT_LENGTH` characters by :func:`bounded`."""
    if isinstance(error, OmapiError) and error.server_message:
        error = type(error)(
            error.function,
            error.status,
            error.reason,
            server_message=bounded(error.server_message),
            request=error.request,
        )
    return str(error)


def error_line(text: str) -> str:
    """``dhcpctl: TEXT`` on one line: runs of white space made one space, then
    :func:`printable`."""
    return "dhcpctl: " + printable(" ".join(text.split()))
