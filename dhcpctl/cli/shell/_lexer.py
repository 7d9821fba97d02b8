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

from dataclasses import dataclass
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
class Token:
    """A token: its kind (a constant above, ``"keyword"`` or the byte itself) and its text."""

    kind: str
    text: bytes

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

    ``warnings`` collects conflex's ``parse_warn`` texts (omshell prints them on stderr).
    """

    def __init__(self, line: bytes) -> None:
        self._data = line
        self._pos = 0
        self._peeked: Token | None = None
        self.warnings: list[str] = []

    def _get(self) -> int:
        if self._pos >= len(self._data):
            return -1
        c = self._data[self._pos]
        self._pos += 1
        return c

    def _unget(self, c: int) -> None:
        if c != -1:
            self._pos -= 1

    def next(self) -> Token:
        """conflex's ``next_token``."""
        if self._peeked is not None:
            token, self._peeked = self._peeked, None
            return token
        return self._raw()

    def peek(self) -> Token:
        """conflex's ``peek_token``."""
        if self._peeked is None:
            self._peeked = self._raw()
        return self._peeked

    def _raw(self) -> Token:
        """``get_raw_token`` with white space skipped (``get_next_token``)."""
        while True:
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
            if c == ord('"'):
                return self._string()
            if c in _DIGITS or c == ord("-"):
                return self._number(c)
            if c in _ALPHA:
                return self._name(c)
            if c == -1:
                return Token(END_OF_FILE, b"")
            return Token(chr(c), bytes((c,)))

    def _string(self) -> Token:
        """``read_string``."""
        out = bytearray()
        while True:
            c = self._get()
            if c == -1:
                self.warnings.append("eof in string constant")
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
                self.warnings.append("eof in string constant")
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
                self.warnings.append(f"invalid hex digit: {c & 0xFFFFFFFF:x}")
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
