"""What ``dhcpctl shell`` shows of a line that may hold a key's secret: no byte of the secret.

omshell (ISC DHCP 4.4.3-P1 ``dhcpctl/omshell.c``) echoes its input in ``parse_warn``'s
diagnostics, secret included; ``dhcpctl shell`` echoes a line in ``--json``'s ``command`` too.
The rule here does not depend on how the line's ``key`` fails, and where a word may be either a
key's name or its secret, it is taken for the secret:

- a line whose tokens (conflex's, ``common/conflex.c``, and those of its comment, read as if the
  ``#`` were a blank) include the word ``key`` in any case (or a quoted string that is that
  word: ``set "key" = SECRET``) is shown up to that word, the rest as :data:`SECRET_HIDDEN`; a
  diagnostic said past that point keeps no quote of the input (:func:`hidden_quote`). Only a
  ``key NAME SECRET`` command shows its name too: ``key`` the line's first token, NAME (words
  and dots as typed, ``key a.b. SECRET``) followed by a blank and more. So ``set key SECRET``,
  ``set key = SECRET``, ``\\ufeffkey k SECRET`` (a byte order mark, a NUL before ``key``: no
  command), ``key SECRET`` (no name), ``key k=SECRET``, ``key QUJD+EVG`` (no blank after the
  would-be name) show nothing after ``key``;
- when such a line ends inside a quoted string opened after its ``key``, the lines that follow,
  up to and including the one that closes the string (the first ``"`` not escaped by ``\\``),
  are the secret's: none of them is shown or run (:class:`Mask`'s ``continues``);
- when nothing but a name follows the ``key`` of such a line (``key NAME``, ``set key``), the
  secret may be on the lines after it: those that follow, up to one that starts with one of
  omshell's commands (a blank line excepted), are shown as :data:`SECRET_HIDDEN` (they run as
  in omshell: :func:`follow`).
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
    ``key`` word), whether the secret runs on over the next lines (``continues``) and whether
    the next lines may hold it (``awaits``: no secret followed the ``key``)."""

    start: int | None = None
    continues: bool = False
    awaits: bool = False


def mask(line: bytes) -> Mask:
    """The line's :class:`Mask` (see the module for the rule)."""
    tokens, unterminated = _tokens(line)
    for index, token in enumerate(tokens):
        if _is_key(token):
            after = tokens[index + 1 :]
            named = _name_length(after)
            rest = [each for each in after[named:] if each.kind != lx.EOL]
            command = index == 0 and token.kind == "keyword"
            shows_name = command and named > 0 and rest and _apart(line, after[named - 1], rest[0])
            start = after[named - 1].end if shows_name else token.end
            return Mask(start, unterminated, awaits=not rest)
    comment = line.find(b"#", tokens[-1].end if tokens else 0)  # after its last token
    if comment < 0:
        return Mask()
    inner = mask(line[comment + 1 :])
    return Mask(None if inner.start is None else comment + 1 + inner.start, awaits=inner.awaits)


def follow(line: bytes, previous: Mask) -> Mask:
    """The :class:`Mask` of ``line`` read after a line whose mask is ``previous``: the whole
    line hidden where ``previous`` awaits its secret and ``line`` does not start with one of
    omshell's commands (followed by a blank or the end of the line); else :func:`mask`'s."""
    if not previous.awaits or _starts_with_command(line):
        return mask(line)
    if not line.strip():
        return Mask(awaits=True)  # a blank line: nothing to hide, the secret may follow
    _, unterminated = _tokens(line)
    return Mask(0, unterminated, awaits=True)


def _tokens(line: bytes) -> tuple[list[lx.Token], bool]:
    """The line's tokens (conflex's, up to the end of input), and whether it ends inside a
    quoted string."""
    lexer = lx.Lexer(line)
    tokens: list[lx.Token] = []
    while (token := lexer.next()).kind != lx.END_OF_FILE:
        tokens.append(token)
    unterminated = bool(tokens) and tokens[-1].kind == lx.STRING
    eof = any(warning.text == "eof in string constant" for warning in lexer.warnings)
    return tokens, unterminated and eof


def _is_key(token: lx.Token) -> bool:
    """Whether ``token`` is the word ``key``, in any case, bare or quoted."""
    bare = token.kind == "keyword" and token.text.lower() == b"key"
    return bare or (token.kind == lx.STRING and token.text.strip().lower() == b"key")


def _name_length(tokens: list[lx.Token]) -> int:
    """How many of ``tokens`` make a name (``parse_host_name``'s words and dots), read as long
    as they follow one another with no blank between them."""
    for position, token in enumerate(tokens):
        if position == 0:
            named = token.is_identifier() or token.kind == lx.NUMBER
        else:
            before = tokens[position - 1]
            named = token.start == before.end and (
                token.is_identifier() or token.kind in _NAME_PARTS
            )
        if not named:
            return position
    return len(tokens)


def _apart(line: bytes, first: lx.Token, second: lx.Token) -> bool:
    """Whether blanks, and only blanks, part ``first`` from ``second`` in ``line``."""
    return line[first.end : second.start].isspace()


def _starts_with_command(line: bytes) -> bool:
    """Whether the line's first token is one of omshell's commands, as a word of its own."""
    tokens, _ = _tokens(line)
    if not tokens or tokens[0].kind != "keyword":
        return False
    return len(tokens) == 1 or tokens[1].start > tokens[0].end or tokens[1].kind == lx.EOL


def shown(line: bytes, start: int | None, *, always: bool = False) -> bytes:
    """``line`` up to ``start`` and :data:`SECRET_HIDDEN` (when something but blanks follows
    ``start``, or ``always``); the whole line when ``start`` is None."""
    if start is None or (not always and not line[start:].strip()):
        return line
    before = line[:start].rstrip()
    return before + b" " + SECRET_HIDDEN.encode() if before else SECRET_HIDDEN.encode()


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
