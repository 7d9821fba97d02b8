"""What the ``dhcpctl`` command prints of text a server sent: text its output's encoding can
write, and never a terminal's control character.

A server's text may hold any bytes: dhcpd keeps whatever a DHCP client sent as its
``client-hostname`` (option 12), and a hostile server may send a terminal's control sequences
(``ESC ] 0 ; ... BEL`` retitles a terminal, ``ESC [ 2 J`` clears it) or a message of megabytes.
:mod:`dhcpctl._values` decodes with ``surrogateescape``, so a byte that is not UTF-8 arrives
here as a lone surrogate (U+DC80 to U+DCFF), which no strict encoding writes.

Such a byte is shown as ``\\xNN``, its value in hex (``\\xff``), and so is, in a table, an error
line, an import/export line or a name in ``dhcpctl shell``'s object print-out, a control
character: C0, DEL or C1 (``\\x1b``, ``\\x7f``, ``\\x9b``). There, a character that changes how
the text around it shows is written ``\\uXXXX`` (``\\U000XXXXX`` above U+FFFF): Unicode's format
characters (category Cf: the bidirectional controls U+202A to U+202E, U+2066 to U+2069, U+200E,
U+200F, U+061C; the zero-width U+200B to U+200D, U+2060, U+FEFF; the soft hyphen U+00AD; the
tags U+E0001, U+E0020 to U+E007F...) and the line and paragraph separators U+2028, U+2029 (Zl,
Zp). Why: a right-to-left override shows the text after it reversed (``evil\\u202egnp.exe``
shows as ``evilexe.png``), a zero-width character hides a difference, a separator breaks a line:
the "Trojan Source" attack (CVE-2021-42574) on what a terminal shows. The set is Cf as Unicode
15.0 to 18.0 define it (an older Python's :mod:`unicodedata` knows a few of them as unassigned;
the tests check the set against the running Python's), written out in one compiled regex, so
that no character's category is looked up at run time.

JSON escapes control characters itself (``\\u001b``) and is written in ASCII, format
characters included (``\\u202e``): its strings keep the server's text exactly. A backslash the
server sent is shown as it is. An error line shows at most the first
:data:`SERVER_TEXT_LENGTH` characters of the server's message.
"""

from __future__ import annotations

import re
from typing import Final

from dhcpctl._errors import OmapiError

#: The most characters of a server's message an error line shows (dhcpd's are under 80).
SERVER_TEXT_LENGTH: Final = 200

#: A byte that was not UTF-8 (``surrogateescape``), or any other lone surrogate.
_NOT_UTF8 = re.compile("[\ud800-\udfff]")
#: Unicode 15.0 to 18.0's format characters (Cf) and the line and paragraph separators (Zl, Zp).
_FORMAT: Final = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f"
)
#: The same as :data:`_NOT_UTF8`, the control characters (C0, DEL, C1) and :data:`_FORMAT`.
_UNPRINTABLE = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{_FORMAT}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    if code < 0xA0:  # a control character
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def not_utf8_escaped(text: str) -> str:
    """``text`` with each byte that was not UTF-8 written ``\\xNN`` (see the module)."""
    return _NOT_UTF8.sub(_escape, text)


def printable(text: str) -> str:
    """``text`` with each byte that was not UTF-8 and each control character written ``\\xNN``
    (a line break too: the result is one line), each format character and line or paragraph
    separator ``\\uXXXX`` (see the module)."""
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
