"""The pieces of ``dhcpctl shell`` that copy ISC's C without a server: conflex's tokens,
``atoi``, ``convert_num``, ``parse_base64`` and ``print_hex_or_string``; and what a line
shows of a key's secret."""

from __future__ import annotations

import pytest

from dhcpctl.cli.shell import _lexer as lx
from dhcpctl.cli.shell import _secret
from dhcpctl.cli.shell._interpreter import c_atoi, convert_hex_byte, decode_base64
from dhcpctl.cli.shell._objects import ShownValue, hex_or_string


def kinds(line: bytes) -> list[tuple[str, bytes]]:
    lexer, found = lx.Lexer(line), []
    while (token := lexer.next()).kind != lx.END_OF_FILE:
        found.append((token.kind, token.text))
    return found


def test_tokens_as_conflex_reads_them() -> None:
    assert kinds(b'set name = "x\\ty" # comment\n') == [
        ("keyword", b"set"),
        (lx.NAME, b"name"),
        ("=", b"="),
        (lx.STRING, b"x\ty"),
    ]  # the comment swallows the newline
    assert kinds(b"10.0.0.1\n") == [
        (lx.NUMBER, b"10"), (".", b"."), (lx.NUMBER, b"0"), (".", b"."),
        (lx.NUMBER, b"0"), (".", b"."), (lx.NUMBER, b"1"), ("\n", b"\n"),
    ]  # fmt: skip
    assert kinds(b"ab 12ab 0x1f 1x Connect -") == [
        (lx.NUMBER_OR_NAME, b"ab"),
        (lx.NUMBER_OR_NAME, b"12ab"),
        (lx.NUMBER_OR_NAME, b"0x1f"),
        (lx.NAME, b"1x"),
        ("keyword", b"Connect"),
        (lx.NUMBER, b"-"),  # conflex's lone minus is a NUMBER (it tests the wrong byte)
    ]
    assert kinds(b'"\\101\\x42"') == [(lx.STRING, b"AB")]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (b"42", 42),
        (b"-7", -7),
        (b"-", 0),
        (b"2147483648", -(2**31)),
        (b"99999999999", 1215752191),
        (b"9" * 20, -1),
    ],
)
def test_atoi_as_glibc(text: bytes, value: int) -> None:
    assert c_atoi(text) == value


def test_convert_num_one_byte() -> None:
    warnings: list[str] = []
    assert convert_hex_byte(b"ab", warnings) == 0xAB and not warnings
    assert convert_hex_byte(b"abc", warnings) == 0xBC  # truncated, with a warning
    assert warnings == ["abc exceeds max (255) for precision."]
    assert convert_hex_byte(b"0x1f", []) == 0  # 'x' is no hex digit: conflex stops there


def test_base64_as_parse_base64() -> None:
    assert decode_base64(b"c2VjcmV0", []) == b"secret"
    assert decode_base64(b"c2VjcmV0LQ==", []) == b"secret-"
    warnings: list[str] = []
    assert decode_base64(b"ab=cd", warnings) is None
    assert warnings == ["stuff after base64 '=' terminator: <secret hidden>."]
    assert decode_base64(b"\n", []) is None


def test_values_printed_as_omshell_prints_them() -> None:
    assert hex_or_string(b"alpha") == b'"alpha"'
    assert hex_or_string(b"\x00\x01") == b"00:01"
    assert hex_or_string(b"a" * 1100) == b'"' + b"a" * 1022 + b'"'
    assert hex_or_string(b"\x00" * 342) == b""  # 3 * len > 1025: omshell prints nothing
    assert ShownValue("int", -5).omshell_text() == b"-5"
    assert ShownValue("string", b"a\x00b").omshell_text() == b'"a"'
    assert ShownValue("string", b"\x01").omshell_text() == b'"\x01"'
    assert ShownValue("object", 0).omshell_text() == b"<obj>"


@pytest.mark.parametrize("secret", [b"c2VjcmV0|", b"c2VjcmV0X", b"c2Vj\x7f"])
def test_base64_warnings_quote_no_part_of_the_secret(secret: bytes) -> None:
    """omshell's warnings for a bad secret quote a character of it, or the bits left over:
    the shell says the same with the part hidden."""
    warnings: list[str] = []
    decode_base64(secret, warnings)
    assert len(warnings) == 1 and warnings[0].endswith(" <secret hidden>."), warnings


@pytest.mark.parametrize(
    ("line", "shown", "continues"),
    [
        (b"key k c2VjcmV0\n", b"key k <secret hidden>", False),
        (b"\xef\xbb\xbfKEY k c2VjcmV0\r\n", b"\xef\xbb\xbfKEY <secret hidden>", False),
        (b"key a.b. c2VjcmV0\n", b"key a.b. <secret hidden>", False),
        (b'key k "c2Vj\n', b"key k <secret hidden>", True),
        (b'set name = "x" # key k c2VjcmV0\n', b'set name = "x" # key k <secret hidden>', False),
        (b'set key = "c2VjcmV0"\n', b"set key <secret hidden>", False),
        (b"set key QUJD/EVG+SElK==\n", b"set key <secret hidden>", False),
        (b'SET "Key" = QUJD\n', b'SET "Key" <secret hidden>', False),
        (b"key QUJD+EVG\n", b"key <secret hidden>", False),
        (b"key k=QUJD\n", b"key <secret hidden>", False),
        (b"key a.b.QUJD\n", b"key <secret hidden>", False),
        (b"key\tk\v\fQUJD\n", b"key\tk <secret hidden>", False),
        (b'key "k" QUJD\n', b"key <secret hidden>", False),
        (b'set name = "key k c2VjcmV0" # "\n', b'set name = "key k c2VjcmV0" # "\n', False),
    ],
)
def test_secret_mask(line: bytes, shown: bytes, continues: bool) -> None:
    """A line is shown up to ``key NAME`` wherever the word ``key`` stands (not inside a
    string); a quoted string left open after it runs on over the next lines."""
    mask = _secret.mask(line)
    assert _secret.shown(line, mask.start) == shown
    assert mask.continues is continues


@pytest.mark.parametrize(
    ("key_line", "awaits"),
    [(b"key k\n", True), (b"set key\n", True), (b"KEY\n", True), (b"key k QUJD\n", False)],
)
def test_lines_after_a_key_line_without_secret(key_line: bytes, awaits: bool) -> None:
    """After a ``key`` line without a secret, the lines up to one that starts with a command
    are hidden whole (the secret may be there); a blank line keeps the wait."""
    first = _secret.mask(key_line)
    assert first.awaits is awaits
    blank = _secret.follow(b"  \n", first)
    assert blank.start is None and blank.awaits is awaits
    hidden = _secret.follow(b"QUJD/EVG==\n", blank)
    assert (hidden.start == 0) is awaits
    after_command = _secret.follow(b"new/QUJD\n", hidden)
    assert (after_command.start == 0) is awaits  # ``new/``: no command word
    assert _secret.follow(b"port 7\n", after_command) == _secret.Mask()
    assert _secret.shown(b"QUJD/EVG==", 0, always=True) == b"<secret hidden>"


def test_a_secret_string_closes_at_an_unescaped_quote() -> None:
    assert _secret.closes_string(b'def"\n')
    assert not _secret.closes_string(b'de\\"f\n')
    assert _secret.closes_string(b'de\\\\"f\n')
    assert _secret.hidden_quote("unknown token: abc") == "unknown token: <secret hidden>"
    assert _secret.hidden_quote("abcd exceeds max (255) for precision.") == "<secret hidden>"
    assert _secret.hidden_quote("eof in string constant") == "eof in string constant"
