"""What the typed :class:`dhcpctl.Client` refuses before sending: values dhcpd 4.4.3-P1 crashes
on, silently truncates, or cannot persist. The C-named layer sends such values as C does.

Every class below was measured against the test bed's ISC dhcpd 4.4.3-P1 (Debian's package): a
host (or group, class) created over OMAPI through the C-named API with the value, dhcpd watched
for its exit, its leases file read, dhcpd stopped and started again on that leases file, the
object looked up again (``tests/test_guards_dhcpd.py`` repeats one case of each class).

``statements`` (host and group; ``server/omapi.c`` dhcp_host_set_value, ``common/comapi.c``
dhcp_group_set_value: ``parse_executable_statements`` of ``common/parse.c`` over the text, read
by the lexer of ``common/conflex.c``). Refused by :func:`check_statements`, checked by a small
tokenizer modelled on ``conflex.c`` and a structural parse:

- *A value-less option followed by an empty statement* (``option routers;;``, ``supersede
  routers;;``, ``default-lease-time;;``, the issue's ``option routers ;;; nonsense {``, also
  inside an ``if`` block): dhcpd dies with SIGSEGV at once. ``parse_option_statement`` eats the
  first ``;`` as the (missing) value and the second as the end, and keeps a statement without
  an option cache, which dhcpd then dereferences. Without the second ``;`` the statement is
  dropped and success answered. Refused: a statement that is only an option name (``option``,
  ``supersede``, ``default``, ``append``, ``prepend`` or ``send`` and a name, or any one word
  other than ``break`` and ``parse-vendor-option``).
- *1,500 or more whitespace characters in a row*: dhcpd exits (status 1; ``read_whitespace``
  calls ``log_fatal`` when its 1,500-byte token buffer fills).
- *Truncation with success*: the parser stops at the first token that starts no statement and
  answers success with what it read, dropping the rest silently: an unbalanced ``{`` or ``}``,
  a last statement without ``;``, an unterminated string, an empty statement (``;``), a NUL or
  a byte 0xFF (read as end of input: ``get_char`` reads a signed ``char``), other non-ASCII
  bytes; a string or word of 1,500 bytes or more is cut or dropped ("larger than internal
  buffer"). Refused: unbalanced braces, a missing ``;``, empty statements, unterminated
  strings, characters other than printable ASCII and whitespace, tokens of 1,500 or more bytes.
- *Leases file corruption*: dhcpd writes a printable string constant back to its leases file
  between quotes *without escaping* (``common/print.c`` token_indent_data_string). A string
  holding ``"`` (written ``\\"``) ends early on the next start: the rest of the leases file is
  parsed as statements ("Corrupt lease file - possible data loss!"), which lets a value inject
  statements; one holding a backslash changes value (``"a\\\\b"`` comes back as ``a``, BS,
  ...). Refused: any backslash inside a string (no escape is needed for a value
  :func:`quote` accepts).
- Answered harmlessly, so left to dhcpd: unknown option names, wrong value types, a bad
  expression after ``=`` (``DHCP_R_BADPARSE``); the empty text (``DHCP_R_INVALIDARG``) is
  refused anyway, as there is nothing to set.

Names (``server/db.c`` write_host, write_group; ``server/confpars.c`` parse_host_declaration,
parse_group_declaration, parse_class_declaration read them back). Refused by :func:`check_name`:

- host: written unquoted (``host NAME {``) and read back by ``parse_host_name`` as words joined
  by dots. A name with a space, ``;``, ``{``, ``:``, ``#``, a leading ``_`` and the like is
  accepted and kept in memory, but on the next start "expecting left brace" loses it (``#``
  also corrupts what follows). Non-ASCII, ``"`` and ``\\`` are answered ``ISC_R_IOERROR``
  (``db_printable``) yet the host stays in memory only. A NUL cuts the name. A word of 1,500
  bytes or more is cut on reading. Accepted: dot-separated words of ``A-Z a-z 0-9 - _``
  starting with a letter or digit, each at most 1,499 bytes.
- group: written unquoted (``group NAME {``), read back as *one* token: dots and spaces lose it
  at the next start, an all-digit name too (a NUMBER, not a name); non-ASCII answers success
  but is never written (lost silently). Accepted: one such word, not all digits.
- class: written quoted (``class "NAME"``) without escaping: ``"`` breaks the leases file;
  spaces and dots survive. Accepted: printable ASCII without ``"`` and ``\\``, at most 1,499
  bytes.

Sizes (:func:`check_object_size`): no value size makes dhcpd abort by itself. Measured with keyed
test-bed servers, a host's reply with a 65,536-byte ``dhcp-client-identifier`` or two 60,000-byte
values (120 KB signed) is answered fine. What aborts a keyed dhcpd 4.4.3-P1 (SIGABRT,
``REQUIRE(*dctxp == NULL)`` in ``dst_api.c``) is a signed message whose *signature* straddles the
end of one of its 4,048-byte output buffers (``omapip/buffer.c`` omapi_connection_copyin keeps
``SIG_MODE_INIT`` for the second chunk; the bug this project's ISC patch 0002 fixes on the client
side): for a fresh connection's first reply, host names of 3,943..3,957 bytes abort an hmac-md5
dhcpd (16-byte signature: 15 positions) and 3,924..3,954 an hmac-sha256 one (31 positions); the
buffer position accumulates over a connection's replies, so this depends on every earlier reply
and no size bound on one object avoids it (reported as a limitation, not refused here). What a
size bound does prevent: both backends drop a reply holding a value over 65,536 bytes
(``fallback/wire.py`` MAX_VALUE_LEN, ISC patch 0006), so an object with such a value would be
created while the caller gets an error; and dhcpd's lexer limits above. Refused: any value over
:data:`MAX_VALUE_BYTES`, more than :data:`MAX_VALUES` values, or more than
:data:`MAX_OBJECT_BYTES` in all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from dhcpctl._exchange import Values
from dhcpctl._option_formats import FORMATS, BadValue, Token, check_value

__all__ = [
    "MAX_OBJECT_BYTES",
    "MAX_TOKEN_BYTES",
    "MAX_VALUES",
    "MAX_VALUE_BYTES",
    "Token",
    "check_name",
    "check_object_size",
    "check_statements",
    "quote",
    "tokenize",
]

#: Longest word or string dhcpd's lexer keeps whole: ``char tokbuf[1500]`` (``includes/dhcpd.h``).
MAX_TOKEN_BYTES: Final = 1499
#: Longest run of whitespace before ``read_whitespace`` calls ``log_fatal``.
_MAX_WHITESPACE: Final = 1499
#: Longest value either backend accepts in a reply (``fallback/wire.py`` MAX_VALUE_LEN).
MAX_VALUE_BYTES: Final = 65536
#: Most values either backend accepts in one list of a reply (``fallback/wire.py`` MAX_VALUES).
MAX_VALUES: Final = 1024
#: Most bytes of names and values in one object: half of a reply's 1 MiB limit
#: (``fallback/wire.py`` MAX_MESSAGE_LEN), a margin for what dhcpd adds to its reply.
MAX_OBJECT_BYTES: Final = 1 << 19

_WHITESPACE: Final = frozenset(" \t\n\r\v\f")
_WORD: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_OPTION_VERBS: Final = frozenset({"option", "supersede", "default", "append", "prepend"})
_ALLOW_DENY: Final = frozenset({"allow", "deny", "ignore"})
#: What ``allow``/``deny``/``ignore`` take (``server/confpars.c`` parse_allow_deny).
_ALLOW_DENY_WORDS: Final = frozenset(
    {"bootp", "booting", "dynamic-bootp", "unknown-clients", "duplicates", "declines"}
    | {"client-updates", "leasequery"}
)
_VALUE_JOINS: Final = frozenset(".:,")
_CRASH: Final = (
    "dhcpd 4.4.3-P1 drops a value-less option and answers success, or crashes (SIGSEGV) "
    "when an empty statement ';' follows it"
)
_TRUNCATES: Final = "dhcpd 4.4.3-P1 stops there and answers success, dropping the rest"
_UNSAFE: Final = (
    "blocks, expressions and other statements crashed dhcpd 4.4.3-P1 or were written to its "
    "leases file in a form it cannot read back"
)

#: The parameters of dhcpd's server option table (``server/stables.c`` server_options): a
#: statement starting with one of them sets it (``common/parse.c``, the default case).
SERVER_PARAMETERS: Final = frozenset(FORMATS["server"])
_SEMICOLON: Final = Token("punct", ";")


def tokenize(text: str, *, field: str = "statements") -> list[Token]:
    """``text`` split as dhcpd's lexer does (``common/conflex.c`` get_raw_token), comments
    dropped.

    Raises ValueError naming ``field`` for what that lexer mishandles: characters other than
    printable ASCII and whitespace, 1,500 or more whitespace characters in a row, an
    unterminated string, a backslash in a string, a word or string over 1,499 bytes.
    """
    return list(_tokens(text, field))


def _tokens(text: str, field: str) -> Iterator[Token]:
    for index, char in enumerate(text):
        if char not in _WHITESPACE and not " " <= char <= "~":
            raise ValueError(
                f"{field}: character {char!r} at offset {index}: dhcpd 4.4.3-P1 reads a NUL or "
                "byte 0xFF as the end of the text, other bytes outside printable ASCII "
                "end the statement; it answers success and drops the rest"
            )
    position, end = 0, len(text)
    while position < end:
        char = text[position]
        if char in _WHITESPACE:
            start = position
            while position < end and text[position] in _WHITESPACE:
                position += 1
            if position - start > _MAX_WHITESPACE:
                raise ValueError(
                    f"{field}: {position - start} whitespace characters in a row at offset "
                    f"{start}: dhcpd 4.4.3-P1 exits (log_fatal 'whitespace too long') on more "
                    f"than {_MAX_WHITESPACE}"
                )
        elif char == "#":
            newline = text.find("\n", position)
            position = end if newline < 0 else newline + 1
        elif char == '"':
            close = text.find('"', position + 1)
            if close < 0:
                raise ValueError(f"{field}: unterminated string at offset {position}: {_TRUNCATES}")
            value = text[position + 1 : close]
            if "\\" in value:
                raise ValueError(
                    f"{field}: backslash in the string at offset {position}: dhcpd 4.4.3-P1 "
                    "writes strings to its leases file unescaped, so a quote or backslash "
                    "corrupts the file or changes the value at its next start"
                )
            yield Token("string", _within_token_limit(value, field, position))
            position = close + 1
        elif char in _WORD and char != "_":
            start = position
            while position < end and text[position] in _WORD:
                position += 1
            yield Token("word", _within_token_limit(text[start:position], field, start))
        else:
            yield Token("punct", char)
            position += 1


def _within_token_limit(token: str, field: str, offset: int) -> str:
    if len(token) > MAX_TOKEN_BYTES:
        raise ValueError(
            f"{field}: a {len(token)}-byte token at offset {offset}: dhcpd 4.4.3-P1 keeps "
            f"{MAX_TOKEN_BYTES} bytes of a token (conflex.c tokbuf) and cuts or drops the rest"
        )
    return token


def check_statements(text: str, *, field: str = "statements") -> None:
    """Refuse ``text`` (a host's or group's ``statements``) unless it is a sequence of the simple
    statements dhcpd 4.4.3-P1 was measured to take safely: it would otherwise crash, exit,
    truncate it silently, or write it to its leases file in a form it cannot read back.

    Accepted, each ending in ``;``: ``option NAME VALUE...`` (also ``supersede``, ``default``,
    ``append``, ``prepend``; ``NAME`` may be ``SPACE.NAME``), ``PARAMETER VALUE...`` for a
    parameter of dhcpd's server option table (``default-lease-time 600;``, ``ddns-hostname
    "web-1";``), and ``allow``/``deny``/``ignore WORD``. A value is words, numbers and strings,
    joined by ``.``, ``:`` or ``,`` or written side by side (``1.2.3.4, 5.6.7.8``,
    ``01:02:03``). Unknown option names and values of the wrong type are left to dhcpd, which
    answers ``DHCP_R_BADPARSE`` harmlessly. The classes refused and how they were measured:
    this module's docstring. Follows ``common/parse.c`` parse_executable_statement and
    ``common/conflex.c``.

    Raises:
        ValueError: naming ``field`` and saying why dhcpd cannot take ``text``.
    """
    tokens = tokenize(text, field=field)
    if not tokens:
        raise ValueError(f"{field}: no statement (dhcpd 4.4.3-P1 answers invalid argument)")
    statement: list[Token] = []
    for token in tokens:
        if token == _SEMICOLON:
            _check_statement(statement, field)
            statement = []
        else:
            statement.append(token)
    if statement:
        _refuse_braces(statement, field)
        raise ValueError(f"{field}: the last statement has no ';': {_TRUNCATES}")


def _refuse_braces(tokens: list[Token], field: str) -> None:
    if any(token.kind == "punct" and token.text in "{}" for token in tokens):
        raise ValueError(
            f"{field}: a brace; dhcpd 4.4.3-P1 stops at an unbalanced one and answers success, "
            f"dropping the rest, and {_UNSAFE}"
        )


def _check_statement(tokens: list[Token], field: str) -> None:
    """Check the tokens of one statement (its ``;`` excluded)."""
    if not tokens:
        raise ValueError(
            f"{field}: empty statement (a ';' alone): {_TRUNCATES}; after a value-less "
            f"option, {_CRASH}"
        )
    _refuse_braces(tokens, field)
    shown = " ".join(token.text for token in tokens)
    verb = tokens[0].text.lower() if tokens[0].kind == "word" else ""
    if verb in _OPTION_VERBS:
        name_length = 3 if tokens[2:3] == [Token("punct", ".")] else 1
        name, values = tokens[1 : 1 + name_length], tokens[1 + name_length :]
        if [token.kind for token in name] not in (["word"], ["word", "punct", "word"]) or not all(
            token.text[0].isalpha() for token in name[::2]
        ):
            raise ValueError(
                f"{field}: {shown!r}: {verb} needs an option name (a word starting with a "
                "letter, or SPACE.NAME) before its value; dhcpd 4.4.3-P1 refuses or drops it"
            )
    elif tokens[0].text in SERVER_PARAMETERS:
        name, values = [Token("word", "server"), Token("punct", "."), tokens[0]], tokens[1:]
    elif verb in _ALLOW_DENY:
        if len(tokens) != 2 or tokens[1].text.lower() not in _ALLOW_DENY_WORDS:
            raise ValueError(
                f"{field}: {shown!r}: {verb} takes one of {', '.join(sorted(_ALLOW_DENY_WORDS))}"
                f" (server/confpars.c parse_allow_deny); {_TRUNCATES}"
            )
        return
    else:
        raise ValueError(
            f"{field}: {shown!r} is not an option statement: {_UNSAFE}; accepted are "
            "'option NAME VALUE;' (or supersede, default, append, prepend), 'allow/deny/"
            "ignore WORD;' and dhcpd's parameters such as 'default-lease-time 600;'"
        )
    if not values:
        raise ValueError(f"{field}: {shown!r} has no value: {_CRASH}")
    for index, token in enumerate(values):
        if token.kind == "word" and token.text.lower() in _OPTION_VERBS | _ALLOW_DENY:
            raise ValueError(
                f"{field}: {shown!r}: {token.text!r} in a value, a ';' missing before it? "
                f"{_TRUNCATES}"
            )
        joins = token.kind == "punct"
        if joins and (token.text not in _VALUE_JOINS or index in (0, len(values) - 1)):
            raise ValueError(
                f"{field}: {shown!r}: {token.text!r} in a value; values are words, numbers and "
                f"strings joined by '.', ':' or ',' (expressions: {_UNSAFE})"
            )
        if joins and values[index - 1].kind == "punct":
            raise ValueError(
                f"{field}: {shown!r}: an empty value between two separators: {_TRUNCATES}"
            )
    space, option = ("dhcp", name[0].text) if len(name) == 1 else (name[0].text, name[2].text)
    if space not in FORMATS:
        raise ValueError(
            f"{field}: {shown!r}: options of the {space!r} space are not checked here, and "
            "dhcpd 4.4.3-P1 answers success and drops a statement whose value does not fit "
            "(and every later one); the dhcp and server spaces are"
        )
    code = FORMATS[space].get(option)
    if code is None:
        return  # unknown here: dhcpd answers an unknown option DHCP_R_BADPARSE, harmlessly
    try:
        check_value(code, values)
    except BadValue as error:
        raise ValueError(
            f"{field}: {shown!r}: {error} (format {code!r} of {space}.{option}): dhcpd "
            "4.4.3-P1 answers success and drops this statement and every later one"
        ) from None


def quote(value: str, *, field: str) -> str:
    """``value`` as a dhcpd.conf string literal (``ddns-hostname "..."``) that cannot end early.

    dhcpd 4.4.3-P1 writes strings back to its leases file between quotes without escaping
    (``common/print.c`` token_indent_data_string), so no escaping can make ``"`` or ``\\``
    survive a restart: they are refused, as is anything outside printable ASCII and a value
    over 1,499 bytes (``common/conflex.c`` read_string's buffer).

    Raises:
        ValueError: naming ``field`` and the value, saying why.
    """
    for char in value:
        if char in '"\\' or not " " <= char <= "~":
            raise ValueError(
                f"{field}: {value!r} holds {char!r}: dhcpd 4.4.3-P1 writes strings to its "
                "leases file unescaped; only printable ASCII without '\"' and '\\' survives"
            )
    if len(value) > MAX_TOKEN_BYTES:
        raise ValueError(
            f"{field}: {len(value)} bytes: dhcpd 4.4.3-P1 cuts strings at {MAX_TOKEN_BYTES}"
        )
    return f'"{value}"'


def _is_word(text: str) -> bool:
    """One conflex word that starts with a letter or digit and fits the lexer's buffer."""
    return (
        0 < len(text) <= MAX_TOKEN_BYTES
        and text[0] not in "-_"
        and all(char in _WORD for char in text)
    )


def check_name(kind: str, name: str) -> None:
    """Refuse a ``name`` for a new ``kind`` object (``"host"``, ``"group"`` or ``"class"``)
    that dhcpd 4.4.3-P1 accepts but loses at its next start, or refuses only after keeping it
    in memory. Follows ``server/db.c`` write_host, write_group and ``server/confpars.c``
    parse_host_declaration, parse_group_declaration; the measurements: this module's docstring.

    Raises:
        ValueError: naming the kind and name, saying why; also for another ``kind``.
    """
    if kind == "host":
        if not all(_is_word(label) for label in name.split(".")):
            raise ValueError(
                f"host name {name!r}: dhcpd 4.4.3-P1 writes host names unquoted to its leases "
                "file and reads them back as dot-separated words of letters, digits, '-' and "
                "'_' (starting with a letter or digit, at most 1,499 bytes each); any other "
                "name is lost at its next start"
            )
    elif kind == "group":
        if not _is_word(name) or name.isdigit():
            raise ValueError(
                f"group name {name!r}: dhcpd 4.4.3-P1 writes group names unquoted to its "
                "leases file and reads them back as one word of letters, digits, '-' and '_' "
                "(starting with a letter or digit, not all digits, at most 1,499 bytes); any "
                "other name is lost at its next start"
            )
    elif kind == "class":
        try:
            quote(name, field=f"class name {name!r}")
        except ValueError as error:
            raise ValueError(f"{error} (dhcpd writes class names as strings)") from None
        if not name:
            raise ValueError("class name '': dhcpd 4.4.3-P1 needs a name to find the class")
    else:
        raise ValueError(f"kind {kind!r}: names are checked for 'host', 'group' and 'class'")


def check_object_size(object_type: str, values: Values) -> None:
    """Refuse ``values`` for an ``object_type`` object whose reply neither backend would read.

    Every value dhcpd echoes in its reply must fit :data:`MAX_VALUE_BYTES`, their number
    :data:`MAX_VALUES` and their total :data:`MAX_OBJECT_BYTES`; else dhcpd creates or changes
    the object and the reply is dropped (``fallback/wire.py``, ISC patch 0006). No size bound
    avoids the keyed-dhcpd abort on a signature across an output buffer (this module's
    docstring).

    Raises:
        ValueError: naming ``object_type`` and the attribute, with the size and the bound.
    """
    if len(values) > MAX_VALUES:
        raise ValueError(f"{object_type}: {len(values)} values; replies carry at most {MAX_VALUES}")
    total = 0
    for name, value in values:
        if len(value) > MAX_VALUE_BYTES:
            raise ValueError(
                f"{object_type} {name}: {len(value)} bytes; a reply value may have at most "
                f"{MAX_VALUE_BYTES}: dhcpd would keep it and the reply be dropped"
            )
        total += len(name) + len(value)
    if total > MAX_OBJECT_BYTES:
        raise ValueError(
            f"{object_type}: {total} bytes of values; at most {MAX_OBJECT_BYTES} "
            "(half a reply's 1 MiB limit)"
        )
