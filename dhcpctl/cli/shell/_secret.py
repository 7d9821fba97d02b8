"""What ``dhcpctl shell`` shows of a line that may hold a key's secret: no byte of the secret.

omshell (ISC DHCP 4.4.3-P1 ``dhcpctl/omshell.c``) echoes its input in ``parse_warn``'s
diagnostics, secret included; ``dhcpctl shell`` echoes a line in ``--json``'s ``command`` too.
The rule here does not depend on where the line's ``key`` statement starts or how it fails:

- a line whose tokens (conflex's, ``common/conflex.c``, and those of its comment, read as if the
  ``#`` were a blank) include the word ``key`` in any case is shown up to ``key NAME`` (NAME:
  the name's words and dots as typed, up to the first blank; none when no name follows), the
  rest as :data:`SECRET_HIDDEN`; a diagnostic said past that point keeps no quote of the input
  (:func:`hidden_quote`). ``\\ufeffkey k SECRET`` (a byte order mark, or a NUL, a no-break space
  before ``key``), ``key a.b. SECRET`` (conflex reads ``a.b.SECRET`` as the name),
  ``set key = "SECRET"`` are all shown up to their ``key NAME``;
- when such a line ends inside a quoted string opened after its ``key``, the lines that follow,
  up to and including the one that closes the string (the first ``"`` not escaped by ``\\``),
  are the secret's: none of them is shown or run (:class:`Mask`'s ``continues``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from . import _lexer as lx

#: What a secret is shown as wherever a line is echoed: never the secret itself.
SECRET_HIDDEN: Final = "<secret hidden>"
#: The diagnostics whose text after ``": "`` quotes the input (conflex's, omshell's parsers').
_QUOTING: Final = frozenset({"unknown token", "invalid hex digit", "dotted octet > 255"})
#: The diagnostics that quote nothing of the input.
_QUOTE_FREE: Final = frozenset({"eof in string constant"})
#: What a dotted name (``parse_host_name``) is made of besides identifiers.
_NAME_PARTS: Final = frozenset({lx.NUMBER, lx.DOT})
#: A quoted string's end: the first ``"`` not escaped (conflex's ``read_string``).
_STRING_END: Final = re.compile(rb'(?:[^"\\]|\\.)*"', re.DOTALL)


@dataclass(frozen=True)
class Mask:
    """Where a line's secret would start (``start``, an offset in bytes; None: the line has no
    ``key`` word) and whether the secret runs on over the next lines (``continues``)."""

    start: int | None = None
    continues: bool = False


def mask(line: bytes) -> Mask:
    """The line's :class:`Mask` (see the module for the rule)."""
    lexer = lx.Lexer(line)
    tokens: list[lx.Token] = []
    while (token := lexer.next()).kind != lx.END_OF_FILE:
        tokens.append(token)
    for index, token in enumerate(tokens):
        if token.kind == "keyword" and token.text.lower() == b"key":
            unterminated = tokens[-1].kind == lx.STRING and any(
                warning.text == "eof in string constant" for warning in lexer.warnings
            )
            return Mask(_name_end(tokens[index + 1 :], token.end), unterminated)
    comment = line.find(b"#", tokens[-1].end if tokens else 0)  # after its last token
    if comment < 0:
        return Mask()
    inner = mask(line[comment + 1 :])
    return Mask(None if inner.start is None else comment + 1 + inner.start)


def _name_end(tokens: list[lx.Token], end: int) -> int:
    """Where ``key NAME`` ends: the name's words and dots that follow one another, no blank
    between them (``parse_host_name`` reads on over blanks; this stops there)."""
    for position, token in enumerate(tokens):
        if position == 0:
            named = token.is_identifier() or token.kind == lx.NUMBER
        else:
            named = token.start == end and (token.is_identifier() or token.kind in _NAME_PARTS)
        if not named:
            break
        end = token.end
    return end


def shown(line: bytes, start: int | None, *, always: bool = False) -> bytes:
    """``line`` up to ``start`` and :data:`SECRET_HIDDEN` (when something but blanks follows
    ``start``, or ``always``); the whole line when ``start`` is None."""
    if start is None or (not always and not line[start:].strip()):
        return line
    return line[:start].rstrip() + b" " + SECRET_HIDDEN.encode()


def closes_string(line: bytes) -> bool:
    """Whether a line the secret's string runs on over closes it (an unescaped ``"``)."""
    return _STRING_END.match(line) is not None


def hidden_quote(text: str) -> str:
    """A diagnostic's text said past a secret's start: what it quotes of the input hidden
    (``unknown token: <secret hidden>``; the whole text when its quote is not told apart)."""
    if SECRET_HIDDEN in text or text in _QUOTE_FREE:
        return text
    prefix = text.split(": ", 1)[0]
    return f"{prefix}: {SECRET_HIDDEN}" if prefix in _QUOTING else SECRET_HIDDEN
