"""What the typed :class:`dhcpctl.Client` refuses before sending: values dhcpd 4.4.3-P1 crashes
or hangs on, silently drops or garbles, or cannot persist. The C-named layer sends them as C does.

Every class below was measured against the test bed's ISC dhcpd 4.4.3-P1 (Debian's package): an
object created over OMAPI through the C-named API with the value, dhcpd watched for its exit,
its leases file read, dhcpd started again on that file (``DhcpdServer.restart``) and the object
looked up again. ``tests/test_guards_dhcpd.py`` shows one case of each class on a throwaway
server; ``tests/guard_campaign.py`` sends random statements the guard accepts and checks that
none crashes dhcpd, loses a statement or leaves an unreadable leases file (CI: a bounded run;
``scripts/fuzz_guards.py``: 60,000 texts per seed, about 5,000 accepted, no finding).

``statements`` (hosts and groups: ``server/omapi.c`` dhcp_host_set_value and ``common/comapi.c``
dhcp_group_set_value run ``common/parse.c`` parse_executable_statements over the text, read by
``common/conflex.c``). :func:`check_statements` reads the text with a tokenizer modelled on
``conflex.c`` and accepts only simple statements, each value checked against its option's format
in ISC's tables (:mod:`dhcpctl._option_formats`):

- *Crash (SIGSEGV)*: a value-less option followed by an empty statement: ``option routers;;``,
  ``supersede routers;;``, ``default-lease-time;;``, the issue's ``option routers ;;; nonsense
  {``, also inside an ``if`` block. ``parse_option_statement`` takes the first ``;`` as the
  (missing) value and the second as the end, and keeps a statement without an option cache,
  which dhcpd then dereferences. Refused: a statement without a value; an empty statement.
- *Exit*: 1,500 whitespace characters in a row (``read_whitespace`` calls ``log_fatal``).
- *Dropped with success*: where parsing fails without flagging the parse as lost, the handler
  answers success and keeps only the statements before: an unbalanced ``{`` or ``}``, a missing
  ``;``, an empty statement, an unterminated string, a NUL or byte 0xFF (read as the end:
  ``get_char`` reads a signed ``char``) or another non-ASCII byte, a token of 1,500 bytes or
  more, an empty value between separators, ``allow``/``deny``/``ignore`` with an unknown word,
  and a value that does not fit its option (``prepend ip-forwarding "yes";``, ``option
  host-name web 1;``, ``option routers 1.2.3;``). Refused, all of them; options of spaces other
  than ``dhcp`` and ``server`` and IPv6 values too, as their values are not checked here.
- *Garbled*: a number too large for its option is kept modulo its width (``option default-ip-ttl
  256;`` becomes 0: ``convert_num`` only warns); a leading 0 reads as octal. Refused.
- *Leases file corruption*: dhcpd writes a printable string back between quotes *unescaped*
  (``common/print.c`` token_indent_data_string): at the next start a backslash changes the value
  (``"a\\\\b"`` comes back as ``a``, backspace), and a quote (``"a\\"; }"``) ends the
  string early: "Corrupt lease file - possible data loss!", the rest is read as statements and
  the next host in the file is lost. Refused: any backslash in a string (:func:`quote` makes
  literals for user values, refusing ``"``, ``\\`` and what is not printable ASCII).
- *Everything else*: blocks (``if``, ``on``, ``switch``), expressions (``=``, calls) and the other
  statements (``set``, ``eval``, ``return``, ``log``, ``define``, ``db-time-format``...) are
  refused: random texts of them that the first, structural version of this guard accepted
  crashed dhcpd 22 times in 2,000 (SIGSEGV, or exits), some only after statements sent earlier
  had changed global state (``db-time-format``, ``define``), and several were written back in a
  form dhcpd cannot read (``return 1;`` is written ``return;``: "expecting data expression").
- Left to dhcpd, which answers ``DHCP_R_BADPARSE`` harmlessly: an option name it does not know.

Names (written by ``server/db.c`` write_host, write_group, read back by ``server/confpars.c``
parse_host_declaration, parse_group_declaration, parse_class_declaration). :func:`check_name`:

- host: written unquoted (``host NAME {``), read back as dot-separated words. A name with a
  space, ``;``, ``{``, ``:``, ``#``, a leading ``_``... is answered success and lost at the next
  start ("expecting left brace"); non-ASCII, ``"`` and ``\\`` are answered ``ISC_R_IOERROR``
  (``db_printable``) but kept in memory until then; a NUL cuts the name; a word of 1,500 bytes
  or more is cut. Accepted: dot-separated words of ``A-Z a-z 0-9 - _`` starting with a letter or
  digit, each at most 1,499 bytes.
- group: written unquoted and read back as *one* word: a dot or space loses it at the next
  start, an all-digit name too (a NUMBER); non-ASCII is answered success and never written.
  Accepted: one such word, not all digits.
- class: written between quotes, unescaped: a ``"`` loses it. Accepted: printable ASCII without
  ``"`` and ``\\``, at most 1,499 bytes.

Sizes (:func:`check_object_size`, ``omapip/buffer.c``): dhcpd keeps a connection's output in
4,047-byte buffers, and omapi_connection_copyin keeps ``SIG_MODE_INIT`` for the second chunk of
a write (the bug this project's ISC patch 0002 fixes in the client library). A signed message
whose signature crosses a buffer's end makes dhcpd open a second signing context and abort
(SIGABRT, ``REQUIRE(*dctxp == NULL)``): measured with host names of growing length, a reply
aborts when its bytes before the signature, counted by :func:`message_bytes`, fall within the
signature's length short of a multiple of 4,047 (hmac-md5: 4,032..4,046 and 8,079..8,093;
hmac-sha256: 4,016..4,046; hmac-sha512: 3,984..4,046); the output starts afresh for each reply
(a sweep of two replies on one connection found no other window), so smaller replies never
abort. Reading has the same bug: a signed request of one size near 4 KB (statements of 3,873
bytes in a host of hmac-md5; again about 4 KB further) leaves dhcpd waiting for bytes that never
come, answering no client any more. Values over 65,536 bytes are also kept by dhcpd while both
backends drop the reply. Refused: value sets whose message exceeds :data:`MAX_MESSAGE_BYTES`,
the first aborting size (3,984) less a margin of 512 bytes for what a reply carries beyond the
values sent; and updates whose reply, the object as looked up with the new values in place,
would exceed it (:func:`check_reply_size`: a host of a 700-byte name given 795 fixed addresses
aborted an hmac-sha512 dhcpd although neither request was large).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

from dhcpctl._errors import shorten
from dhcpctl._exchange import Values
from dhcpctl._option_formats import FORMATS, BadValue, Token, check_value

__all__ = [
    "FIRST_ABORTING_MESSAGE",
    "MAX_MESSAGE_BYTES",
    "MAX_TOKEN_BYTES",
    "OMAPI_BUFFER_BYTES",
    "Token",
    "check_name",
    "check_object_size",
    "check_reply_size",
    "check_statements",
    "message_bytes",
    "quote",
    "tokenize",
]

#: Longest word or string dhcpd's lexer keeps whole: ``char tokbuf[1500]`` (``includes/dhcpd.h``).
MAX_TOKEN_BYTES: Final = 1499
#: Longest run of whitespace before ``read_whitespace`` calls ``log_fatal``.
_MAX_WHITESPACE: Final = 1499
#: The bytes one of dhcpd's OMAPI buffers holds (``OMAPI_BUF_SIZE`` 4,048 in
#: ``includes/omapip/buffer.h``, one byte of the ring kept free).
OMAPI_BUFFER_BYTES: Final = 4047
#: The longest signature of an OMAPI key (hmac-sha512).
_LONGEST_SIGNATURE: Final = 64
#: The smallest signed message (header to last value, without its signature) a keyed dhcpd
#: 4.4.3-P1 was seen to abort on: its hmac-sha512 signature then crosses a buffer's end.
FIRST_ABORTING_MESSAGE: Final = OMAPI_BUFFER_BYTES - (_LONGEST_SIGNATURE - 1)
#: Room for what dhcpd's reply carries beyond the values sent: the attributes an object already
#: has (a lookup or an update answers with all of them), the request's message values.
_MARGIN: Final = 512
#: The most bytes :func:`message_bytes` may count for one object's values.
MAX_MESSAGE_BYTES: Final = FIRST_ABORTING_MESSAGE - _MARGIN
#: An OMAPI message's own bytes: the header (authid, authlen, op, handle, id, rid) and the
#: two ends of its value lists (``omapip/protocol.c`` omapi_protocol_send_message).
_MESSAGE_FRAME: Final = 28

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
    return [token for token, _ in _tokens(text, field)]


def _tokens(text: str, field: str) -> Iterator[tuple[Token, int]]:
    """The tokens of ``text``, each with the offset of its first character."""
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
            yield Token("string", _within_token_limit(value, field, position)), position
            position = close + 1
        elif char in _WORD and char != "_":
            start = position
            while position < end and text[position] in _WORD:
                position += 1
            yield Token("word", _within_token_limit(text[start:position], field, start)), start
        else:
            yield Token("punct", char), position
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
    ``01:02:03``), and must fit the format of its option in ISC's tables
    (:mod:`dhcpctl._option_formats`); options of other spaces than ``dhcp`` and ``server`` are
    refused, an option name dhcpd does not know is left to it (``DHCP_R_BADPARSE``,
    harmless). The classes refused and how they were measured: this module's docstring.
    Follows ``common/parse.c`` parse_executable_statement and ``common/conflex.c``.

    Raises:
        ValueError: naming ``field`` and saying why dhcpd cannot take ``text``.
    """
    tokens = list(_tokens(text, field))
    if not tokens:
        raise ValueError(f"{field}: no statement (dhcpd 4.4.3-P1 answers invalid argument)")
    statement: list[Token] = []
    start = 0  # where the statement's first token starts in text
    for token, offset in tokens:
        if token == _SEMICOLON:
            _check_statement(statement, text[start:offset].strip(), field)
            statement = []
        else:
            if not statement:
                start = offset
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


def _check_statement(tokens: list[Token], shown: str, field: str) -> None:
    """Check the tokens of one statement (its ``;`` excluded); ``shown`` is its text as the
    caller wrote it, quoted by the errors."""
    if not tokens:
        raise ValueError(
            f"{field}: empty statement (a ';' alone): {_TRUNCATES}; after a value-less "
            f"option, {_CRASH}"
        )
    _refuse_braces(tokens, field)
    verb = tokens[0].text.lower() if tokens[0].kind == "word" else ""
    if verb in _OPTION_VERBS:
        name_length = 3 if tokens[2:3] == [Token("punct", ".")] else 1
        name, values = tokens[1 : 1 + name_length], tokens[1 + name_length :]
        if [token.kind for token in name] not in (["word"], ["word", "punct", "word"]) or not all(
            token.text[0].isalpha() for token in name[::2]
        ):
            raise ValueError(
                f"{field}: {shorten(shown)}: {verb} needs an option name (a word starting with a "
                "letter, or SPACE.NAME) before its value; dhcpd 4.4.3-P1 refuses or drops it"
            )
    elif tokens[0].text in SERVER_PARAMETERS:
        name, values = [Token("word", "server"), Token("punct", "."), tokens[0]], tokens[1:]
    elif verb in _ALLOW_DENY:
        if len(tokens) != 2 or tokens[1].text.lower() not in _ALLOW_DENY_WORDS:
            raise ValueError(
                f"{field}: {shorten(shown)}: {verb} takes one of "
                f"{', '.join(sorted(_ALLOW_DENY_WORDS))} (server/confpars.c parse_allow_deny); "
                f"{_TRUNCATES}"
            )
        return
    else:
        raise ValueError(
            f"{field}: {shorten(shown)} is not an option statement: {_UNSAFE}; accepted are "
            "'option NAME VALUE;' (or supersede, default, append, prepend), 'allow/deny/"
            "ignore WORD;' and dhcpd's parameters such as 'default-lease-time 600;'"
        )
    if not values:
        raise ValueError(f"{field}: {shorten(shown)} has no value: {_CRASH}")
    for index, token in enumerate(values):
        if token.kind == "word" and token.text.lower() in _OPTION_VERBS | _ALLOW_DENY:
            raise ValueError(
                f"{field}: {shorten(shown)}: {shorten(token.text)} in a value, a ';' missing "
                f"before it? {_TRUNCATES}"
            )
        joins = token.kind == "punct"
        if joins and (token.text not in _VALUE_JOINS or index in (0, len(values) - 1)):
            raise ValueError(
                f"{field}: {shorten(shown)}: {shorten(token.text)} in a value; values are words, "
                f"numbers and strings joined by '.', ':' or ',' (expressions: {_UNSAFE})"
            )
        if joins and values[index - 1].kind == "punct":
            raise ValueError(
                f"{field}: {shorten(shown)}: an empty value between two separators: {_TRUNCATES}"
            )
    space, option = ("dhcp", name[0].text) if len(name) == 1 else (name[0].text, name[2].text)
    if space not in FORMATS:
        raise ValueError(
            f"{field}: {shorten(shown)}: options of the {space!r} space are not checked here, and "
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
            f"{field}: {shorten(shown)}: {error} (format {code!r} of {space}.{option}): dhcpd "
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
                f"{field}: {shorten(value)} holds {char!r}: dhcpd 4.4.3-P1 writes strings to its "
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
                f"host name {shorten(name)}: dhcpd 4.4.3-P1 writes host names unquoted to its "
                "leases file and reads them back as dot-separated words of letters, digits, "
                "'-' and '_' (starting with a letter or digit, at most 1,499 bytes each); any "
                "other name is lost at its next start"
            )
    elif kind == "group":
        if not _is_word(name) or name.isdigit():
            raise ValueError(
                f"group name {shorten(name)}: dhcpd 4.4.3-P1 writes group names unquoted to its "
                "leases file and reads them back as one word of letters, digits, '-' and '_' "
                "(starting with a letter or digit, not all digits, at most 1,499 bytes); any "
                "other name is lost at its next start"
            )
    elif kind == "class":
        try:
            quote(name, field=f"class name {shorten(name)}")
        except ValueError as error:
            raise ValueError(f"{error} (dhcpd writes class names as strings)") from None
        if not name:
            raise ValueError("class name '': dhcpd 4.4.3-P1 needs a name to find the class")
    else:
        raise ValueError(f"kind {shorten(kind)}: names are checked for 'host', 'group' and 'class'")


def message_bytes(values: Values) -> int:
    """The bytes of an OMAPI message carrying ``values``, without its signature: the frame,
    and per value a 2-byte name length, the name, a 4-byte value length and the value."""
    return _MESSAGE_FRAME + sum(6 + len(name.encode()) + len(value) for name, value in values)


def check_object_size(object_type: str, values: Values) -> None:
    """Refuse ``values`` for an ``object_type`` object whose request or reply could wedge or
    abort a keyed dhcpd 4.4.3-P1: their :func:`message_bytes` may be at most
    :data:`MAX_MESSAGE_BYTES` (3,472). Measured (this module's docstring): a signed reply whose
    signature crosses the end of one of dhcpd's 4,047-byte output buffers aborts it (SIGABRT),
    the first such reply having 3,984 bytes (hmac-sha512); a signed request of about 4 KB and
    more can leave it waiting for bytes that never come, answering no client any more. Every
    value sent counts, ``statements`` too (dhcpd does not echo them, but the request carries
    them). The bound holds on connections without a key too: an object too large for a keyed
    connection could not be read or changed over one. Follows ``omapip/buffer.c``
    omapi_connection_copyin and copyout.

    Raises:
        ValueError: naming ``object_type`` and its largest attribute, with the bytes counted
            and the bound.
    """
    _check_size(object_type, values, "of values")


def check_reply_size(object_type: str, current: Mapping[str, bytes], changes: Values) -> None:
    """Refuse an update of ``changes`` to an ``object_type`` object that dhcpd sent as
    ``current`` (its lookup's values) when the object dhcpd then sends back could abort a keyed
    dhcpd 4.4.3-P1 (:func:`check_object_size`'s bound): a lookup or an update answers with every
    attribute the object has, so a long host name plus a longer address list can cross the
    output buffer although neither request does. Counts ``current`` with ``changes`` in place,
    without ``statements`` (server/omapi.c dhcp_host_stuff_values never sends them).

    Raises:
        ValueError: naming ``object_type`` and its largest attribute, with the bytes counted
            and the bound.
    """
    reply = dict(current)
    reply.update((name, data) for name, data in changes if name != "statements")
    _check_size(object_type, tuple(reply.items()), "in the reply this update would bring")


def _check_size(object_type: str, values: Values, counted: str) -> None:
    size = message_bytes(values)
    if size > MAX_MESSAGE_BYTES:
        largest = max(values, key=lambda pair: len(pair[1]))[0]
        raise ValueError(
            f"{object_type}: {size} bytes {counted} (the largest: {largest}); at most "
            f"{MAX_MESSAGE_BYTES}, with or without a key, so that an object stays usable on "
            f"every connection: a keyed dhcpd 4.4.3-P1 aborts (SIGABRT) on a signed reply "
            f"whose signature crosses the end of its {OMAPI_BUFFER_BYTES}-byte output buffer, "
            f"possible from {FIRST_ABORTING_MESSAGE} bytes on, and can hang on a request of "
            "about 4 KB"
        )
