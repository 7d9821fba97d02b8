"""omshell's tokenizer: ISC's ``common/conflex.c`` as omshell runs it, one line at a time.

omshell (``dhcpctl/omshell.c``, ``main``) reads each line with ``fgets`` and parses it with
``new_parse(..., eolp=1)``: a newline is a token of its own (:data:`EOL`), other white space
separates tokens, ``#`` starts a comment that runs to the end of the line (and swallows the
newline). The token kinds are conflex's: ``"..."`` strings with ``\\t \\r \\n \\b``, octal and
``\\x`` escapes (:func:`read_string`), numbers and hex words (:func:`read_number`,
``read_num_or_name``), names, keywords (only omshell's commands are told apart: the other
dhcpd.conf keywords act as names everywhere omshell looks), and every other byte a token of its
own. conflex's quirks are kept because omshell's answers depend on them: a lone ``-`` is a
NUMBER (``read_number`` tests the byte after the terminator), and white space at the very end of
input without a newline reads as end of file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Final

STRING: Final = "STRING"
NUMBER: Final = "NUMBER"
NUMBER_OR_NAME: Final = "NUMBER_OR_NAME"
NAME: Final = "NAME"
END_OF_FILE: Final = "END_OF_FILE"
EOL: Final = "\n"
DOT: Final = "."
COLON: Final = ":"
EQUAL: Final = "="
#: omshell's commands (conflex's ``intern``, compared without regard to case).
COMMANDS: Final = frozenset(
    {
        "help",
        "port",
        "server",
        "key-algorithm",
        "key",
        "connect",
        "disconnect",
        "new",
        "close",
        "set",
        "unset",
        "create",
        "open",
        "update",
        "remove",
        "refresh",
    }
)
_SPACE: Final = frozenset(b" \t\n\v\f\r")
_DIGITS: Final = frozenset(b"0123456789")
_HEX: Final = frozenset(b"0123456789abcdefABCDEF")
_ALPHA: Final = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WORD: Final = _ALPHA | _DIGITS | frozenset(b"-_")
_ESCAPES: Final = {ord("t"): 9, ord("r"): 13, ord("n"): 10, ord("b"): 8}


@dataclass(frozen=True)
class Diagnostic:
    """A ``parse_warn``: its text, the line number, the line read so far and the caret line's
    blanks (``lexbuf``), as omshell prints them: ``<STDIN> line N: TEXT``, the line, blanks
    and ``^``."""

    text: str
    line_number: int
    line: bytes
    blanks: str
    #: How many bytes of the input were read when it was said.
    read: int = field(default=0, compare=False)

    def render(self, line: bytes | None = None) -> str:
        """The three lines on stderr; ``line`` in place of the line read (a key line with its
        secret hidden)."""
        shown = (self.line if line is None else line).decode("utf-8", "surrogateescape")
        return f"<STDIN> line {self.line_number}: {self.text}\n{shown}\n{self.blanks}^\n"


@dataclass(frozen=True)
class Token:
    """A token: its kind (a constant above, ``"keyword"`` or the byte itself) and its text."""

    kind: str
    text: bytes
    #: Where it starts in the line (its first byte's offset; -1 for the end of input).
    start: int = field(default=-1, compare=False)
    #: Where it ends (the offset of the byte after its last; -1 for the end of input).
    end: int = field(default=-1, compare=False)

    @property
    def word(self) -> str:
        """The text as omshell passes it to C (``const char *``)."""
        return self.text.decode("utf-8", "surrogateescape")

    def is_identifier(self) -> bool:
        """conflex's ``is_identifier``: names and keywords, not strings, numbers or EOF."""
        return self.kind in (NAME, NUMBER_OR_NAME, "keyword")

    def is_end(self) -> bool:
        """The end of the command: end of line or of input."""
        return self.kind in (EOL, END_OF_FILE)


class Lexer:
    """The tokens of one line (C's ``struct parse`` over omshell's line buffer).

    ``warnings`` collects conflex's ``parse_warn`` diagnostics (omshell prints them on stderr).
    """

    def __init__(self, line: bytes) -> None:
        self._data = line
        self._pos = 0
        self._peeked: Token | None = None
        self.warnings: list[Diagnostic] = []
        # conflex's bookkeeping: line1/line2 (``_lines``), which is cur_line (``_cur``; the
        # other is prev_line) and token_line, line and lpos, lexline/lexchar of the current
        # token and tline/tlpos of the peeked one, ugflag (a byte given back).
        self._lines = (bytearray(), bytearray())
        self._cur = self._token_line = 0
        self._line = self._lpos = 1
        self._lexline = self._lexchar = self._tline = self._tlpos = 0
        self._ugflag = False
        self._start = 0

    def warn(self, text: str) -> None:
        """``parse_warn``: keep ``text`` with the line read so far and the caret's place."""
        line = bytes(self._lines[self._token_line])
        blanks = ""
        limit = self._lexchar - 1 if self._lexchar > 0 else len(line)  # C: unsigned compare
        for c in line[:limit]:
            if len(blanks) < 255:
                blanks += " "
            if c == ord("\t"):
                while len(blanks) < 255 and len(blanks) & 7:
                    blanks += " "
        self.warnings.append(
            Diagnostic(
                text, self._lexline, line, blanks if self._lexchar < 81 else "", read=self._pos
            )
        )

    def _get(self) -> int:
        """``get_char``: the next byte (-1 at the end), recorded in the current line."""
        if self._pos >= len(self._data):
            c = -1
        else:
            c = self._data[self._pos]
            self._pos += 1
        if self._ugflag:
            self._ugflag = False
        elif c == ord("\n"):
            self._cur ^= 1
            self._line += 1
            self._lpos = 1
            self._lines[self._cur].clear()
        elif c != -1:
            if self._lpos <= 80:
                del self._lines[self._cur][self._lpos - 1 :]
                self._lines[self._cur].append(c)
            self._lpos += 1
        return c

    def _unget(self, c: int) -> None:
        if c != -1:
            self._pos -= 1
            self._ugflag = True

    def next(self) -> Token:
        """conflex's ``next_token``."""
        if self._peeked is not None:
            if self._lexline != self._tline:
                self._token_line = self._cur
            self._lexchar, self._lexline = self._tlpos, self._tline
            token, self._peeked = self._peeked, None
            return token
        token = self._raw()
        self._token_line = self._cur
        return token

    def peek(self) -> Token:
        """conflex's ``peek_token``."""
        if self._peeked is None:
            self._tlpos, self._tline = self._lexchar, self._lexline
            self._peeked = self._raw()
            if self._lexline != self._tline:
                self._token_line = self._cur ^ 1
            self._lexchar, self._tlpos = self._tlpos, self._lexchar
            self._lexline, self._tline = self._tline, self._lexline
        return self._peeked

    def skip_to_semi(self) -> None:
        """``skip_to_semi`` (``common/parse.c`` skip_to_rbrace with no brace open): read up to
        and including a ``;``, an unmatched ``}`` or the end of the line, braces balanced."""
        braces = 0
        while True:
            kind = self.peek().kind
            if kind == "}":
                braces = max(0, braces - 1)
                if braces == 0:
                    self.next()
                    return
            elif kind == "{":
                braces += 1
            elif (kind == ";" and braces == 0) or kind == EOL:
                self.next()
                return
            if self.next().kind == END_OF_FILE:
                return

    def _raw(self) -> Token:
        """``get_raw_token`` with white space skipped (``get_next_token``)."""
        token = self._scan()
        if token.kind == END_OF_FILE:
            return token
        return replace(token, start=self._start, end=self._pos)

    def _scan(self) -> Token:
        while True:
            line, position = self._line, self._lpos
            c = self._get()
            if c != ord("\n") and c in _SPACE:
                while c != ord("\n") and c in _SPACE:
                    c = self._get()
                if c == -1:
                    return Token(END_OF_FILE, b"")
                self._unget(c)
                continue
            if c == ord("#"):
                while c not in (-1, ord("\n")):
                    c = self._get()
                continue
            if c == -1:
                return Token(END_OF_FILE, b"")
            self._lexline, self._lexchar = line, position
            self._start = self._pos - 1
            if c == ord('"'):
                return self._string()
            if c in _DIGITS or c == ord("-"):
                return self._number(c)
            if c in _ALPHA:
                return self._name(c)
            return Token(chr(c), bytes((c,)))

    def _string(self) -> Token:
        """``read_string``."""
        out = bytearray()
        while True:
            c = self._get()
            if c == -1:
                self.warn("eof in string constant")
                break
            if c == ord('"'):
                break
            if c != ord("\\"):
                out.append(c)
                continue
            c = self._get()
            if c in _ESCAPES:
                out.append(_ESCAPES[c])
            elif c in b"0123":
                out.append(self._octal(c - ord("0")))
            elif c == ord("x"):
                out.append(self._hex())
            elif c == -1:
                self.warn("eof in string constant")
                break
            else:
                out.append(c)
        return Token(STRING, bytes(out))

    def _octal(self, value: int) -> int:
        for _ in range(2):
            c = self._get()
            if c not in b"01234567" or c == -1:
                self._unget(c)
                return value & 0xFF
            value = value * 8 + c - ord("0")
        return value & 0xFF

    def _hex(self) -> int:
        value = 0
        for _ in range(2):
            c = self._get()
            if c == -1 or c not in _HEX:
                self.warn(f"invalid hex digit: {c & 0xFFFFFFFF:x}")
                self._unget(c)
                return value & 0xFF
            value = value * 16 + int(chr(c), 16)
        return value

    def _number(self, first: int) -> Token:
        """``read_number``: NUMBER, promoted to NUMBER_OR_NAME (hex) or NAME, never demoted."""
        text = bytearray((first,))
        kind = NUMBER
        while True:
            c = self._get()
            if c == -1 or c >= 0x80:
                self._unget(c)
                break
            if kind == NUMBER and c in _DIGITS:
                pass
            elif c in _HEX and (kind != NAME or bytes(text) in (b"0x", b"0X")):
                kind = NUMBER_OR_NAME
            elif c in _WORD:
                kind = NAME
            else:
                self._unget(c)
                break
            text.append(c)
        return Token(kind, bytes(text))

    def _name(self, first: int) -> Token:
        """``read_num_or_name`` and ``intern``."""
        text = bytearray((first,))
        kind = NUMBER_OR_NAME if first in _HEX else NAME
        while True:
            c = self._get()
            if c == -1 or c not in _WORD:
                self._unget(c)
                break
            if c not in _HEX:
                kind = NAME
            text.append(c)
        if bytes(text).lower().decode() in COMMANDS:
            return Token("keyword", bytes(text))
        return Token(kind, bytes(text))
