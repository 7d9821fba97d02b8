"""``dhcpctl.Key``: the secret's type, and key files (comments, several keys, a key twice)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from dhcpctl import Key

SECRET = b"\x85\xf7\xa5>U}K\xe6\xf9Y_\xf7\x19\x8e\xaa\xeb\x1f\xff\xc8G$i\xeb|\xd1\xb7sJ\xd9mK\xcc"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "omapi.key"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_base64_secret_holding_double_slashes_is_read_whole(tmp_path: Path) -> None:
    """``//`` inside a quoted secret is base64, not a comment."""
    text = base64.b64encode(SECRET).decode()
    assert "//" in text
    path = write(
        tmp_path, f'key "omapi_key" {{\n\talgorithm hmac-sha256;\n\tsecret "{text}";\n}};\n'
    )
    assert Key.from_file(path).secret == SECRET


def test_comments_outside_strings_are_ignored(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '# a "quote in a comment\n'
        'key "a" { algorithm hmac-md5; secret "YWFhYQ=="; };  // trailing comment\n'
        '/* block\n key "ghost" { algorithm hmac-md5; secret "Z2hvc3Q="; }; */\n'
        'key b {\n   secret "YmJiYg=="; # comment\n   algorithm HMAC-SHA512;\n};\n',
    )
    assert Key.from_file(path, name="a") == Key("a", "hmac-md5", b"aaaa")
    assert Key.from_file(path, name="b") == Key("b", "hmac-sha512", b"bbbb")
    with pytest.raises(ValueError, match=r"no key 'ghost' \(it has: 'a', 'b'\)"):
        Key.from_file(path, name="ghost")


def test_a_key_name_twice_in_one_file_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'key "dup" { algorithm hmac-md5; secret "YWFhYQ=="; };\n'
        'key dup { algorithm hmac-sha1; secret "YmJiYg=="; };\n',
    )
    with pytest.raises(ValueError, match="key 'dup' is defined more than once"):
        Key.from_file(path, name="dup")


@pytest.mark.parametrize("secret", [5, "c2VjcmV0", 3.0, None, [1, 2]])
def test_a_secret_that_is_not_bytes_is_refused_naming_the_key(secret: object) -> None:
    with pytest.raises(ValueError, match=r"^key 'k': the secret must be bytes .*from_base64"):
        Key("k", "hmac-sha256", secret)  # type: ignore[arg-type]


def test_bytes_like_secrets_are_kept_as_bytes_and_never_shown() -> None:
    for secret in (b"topsecret", bytearray(b"topsecret"), memoryview(b"topsecret")):
        key = Key("k", "hmac-md5", secret)  # type: ignore[arg-type]
        assert key.secret == b"topsecret" and type(key.secret) is bytes
        assert "topsecret" not in repr(key) + str(key)


@pytest.mark.parametrize(
    "text",
    ["", "myhost\n", "# only a comment\n", 'omapi-key omapi_key;\nsecret "YWFhYQ==";\n'],
    ids=["empty", "hostname", "comment", "no-block"],
)
@pytest.mark.parametrize("name", [None, "b"])
def test_a_file_without_a_key_block_says_so(tmp_path: Path, text: str, name: str | None) -> None:
    path = write(tmp_path, text)
    with pytest.raises(
        ValueError, match=r"omapi\.key: no key block found \(key \"NAME\""
    ) as raised:
        Key.from_file(path, name=name)
    assert "has keys" not in str(raised.value) and "it has" not in str(raised.value)


def test_an_unterminated_key_block_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '/* first\n   lines */\nkey "a" { algorithm hmac-md5; secret "YWFhYQ=="; };\n'
        'key "b" {\n  algorithm hmac-md5;\n  secret "YmJiYg==";\n',
    )
    with pytest.raises(ValueError, match=r"the key block 'b' at line 4 is unterminated"):
        Key.from_file(path, name="a")


def test_a_binary_file_is_not_a_text_file(tmp_path: Path) -> None:
    path = tmp_path / "omapi.key"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\xff\xfe" + bytes(range(256)))
    with pytest.raises(
        ValueError, match=r"omapi\.key: not a text file \(not UTF-8 at byte 8\)"
    ) as raised:
        Key.from_file(path)
    assert not isinstance(raised.value, UnicodeDecodeError)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            '  algorithm hmac-md5;\n  secret "{secret}" }};',
            "missing ';' after the secret at line 4",
        ),
        (
            "  algorithm hmac-md5\n  secret {secret};\n}};",
            "missing ';' after the algorithm at line 3",
        ),
    ],
    ids=["secret", "algorithm"],
)
def test_a_statement_without_its_semicolon_is_named(tmp_path: Path, body: str, said: str) -> None:
    """dhcpd.conf's parse_key needs ``;`` after each statement: the error says which statement
    lacks it and on which line (not that the key has no secret), never showing the secret."""
    secret = base64.b64encode(SECRET).decode()
    path = write(tmp_path, '# omapi\nkey "omapi_key" {\n' + body.format(secret=secret) + "\n")
    with pytest.raises(ValueError) as raised:
        Key.from_file(path)
    assert str(raised.value) == f"{path}: key 'omapi_key': {said}"
    assert secret[:8] not in str(raised.value)
