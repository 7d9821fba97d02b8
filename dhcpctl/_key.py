"""``dhcpctl.Key``: an OMAPI key as dhcpd.conf writes it: a name, an HMAC algorithm, a secret.

dhcpd.conf and ``tsig-keygen`` write a key as a block (``common/parse.c`` parse_key)::

    key "omapi_key" {
        algorithm hmac-sha256;
        secret "c2VjcmV0LXNlY3JldA==";
    };

The secret is base64 there and raw bytes here. The algorithm is one of the six ISC signs with
(``includes/omapip/isclib.h``: ``DHCP_HMAC_*_NAME``; ``omapip/isclib.c`` isclib_make_dst_key),
written in any case, with or without ISC's ``.SIG-ALG.REG.INT.`` suffix; :attr:`Key.algorithm`
keeps the short lower-case name (``"hmac-sha256"``). The secret never shows in ``repr``, ``str``
or an exception's text.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from dhcpctl._errors import shorten

#: The algorithms ISC DHCP 4.4.3-P1 signs with, as :attr:`Key.algorithm` spells them.
ALGORITHMS: Final = (
    "hmac-md5",
    "hmac-sha1",
    "hmac-sha224",
    "hmac-sha256",
    "hmac-sha384",
    "hmac-sha512",
)
_SUFFIX: Final = ".sig-alg.reg.int."

# One `key NAME { ... };` block of dhcpd.conf's grammar (parse_key): the name quoted or bare,
# statements `algorithm NAME;` and `secret "BASE64";` (or unquoted) in any order.
_BLOCK: Final = re.compile(r'\bkey\s+("[^"]*"|[^\s{]+)\s*\{(.*?)\}\s*;?', re.DOTALL)
# Where a block starts (to tell an unterminated one from a file without any).
_OPENING: Final = re.compile(r'\bkey\s+("[^"]*"|[^\s{]+)\s*\{')
_STATEMENT: Final = re.compile(r'\s*(algorithm|secret)\s+("[^"]*"|[^\s;]+)\s*;', re.DOTALL)
# A statement's start, its ';' found or not (to tell a missing ';' from a missing statement).
_STARTED: Final = re.compile(r'\b(algorithm|secret)\s+(?:"[^"]*"|[^\s;}]+)')
# A quoted string (kept as it is: a base64 secret may hold "//") or a comment (dropped).
_STRING_OR_COMMENT: Final = re.compile(r'("(?:[^"\\]|\\.)*")|(?:#|//)[^\n]*|/\*.*?\*/', re.DOTALL)


def _strip_comments(text: str) -> str:
    """``text`` without its ``#``, ``//`` and ``/* */`` comments, outside quoted strings only
    (a comment's line breaks are kept, so line numbers stay those of the file)."""
    return _STRING_OR_COMMENT.sub(lambda found: found[1] or " " + "\n" * found[0].count("\n"), text)


def _read_text(path: str | Path) -> str:
    """The text of ``path``; ValueError if it is not UTF-8 text."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path}: not a text file (not UTF-8 at byte {error.start}): a key file holds "
            'key "NAME" { algorithm ALG; secret "BASE64"; }; blocks'
        ) from None


def _blocks(path: str | Path, text: str) -> dict[str, tuple[str, int]]:
    """The key blocks of ``text`` by name: each its body and where that starts in ``text``.
    ValueError for a name twice, a block that is never closed (naming its line) and a file
    without any block."""
    blocks: dict[str, tuple[str, int]] = {}
    end = 0
    for opening in _OPENING.finditer(text):
        if opening.start() < end:
            continue  # inside the block before
        found = _BLOCK.match(text, opening.start())
        if found is None:
            line = text.count("\n", 0, opening.start()) + 1
            raise ValueError(
                f"{path}: the key block {_unquote(opening[1])!r} at line {line} is unterminated "
                "(no closing '}')"
            )
        name = _unquote(found[1])
        if name in blocks:
            raise ValueError(f"{path}: key {name!r} is defined more than once")
        blocks[name] = found[2], found.start(2)
        end = found.end()
    if not blocks:
        raise ValueError(
            f'{path}: no key block found (key "NAME" {{ algorithm ALG; secret "BASE64"; }};)'
        )
    return blocks


def _unquote(token: str) -> str:
    return token[1:-1] if token.startswith('"') else token


def _algorithm(algorithm: str) -> str:
    short = algorithm.lower().removesuffix(_SUFFIX).removesuffix(_SUFFIX[:-1])
    if short not in ALGORITHMS:
        raise ValueError(
            f"key algorithm {shorten(algorithm)} is not one ISC DHCP signs with; use one of: "
            + ", ".join(ALGORITHMS)
        )
    return short


@dataclass(frozen=True)
class Key:
    """An OMAPI key: ``name`` (str), ``algorithm`` (one of :data:`ALGORITHMS`), ``secret`` (bytes).

    Raises ValueError for an empty name, a name or algorithm ISC cannot carry, or a secret
    that is empty or not bytes (``bytes``, ``bytearray``, ``memoryview``), before anything is
    sent. The algorithm is normalized to its short lower-case name.
    """

    name: str
    algorithm: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not self.name or "\0" in self.name:
            raise ValueError(
                f"key name {shorten(self.name)} must be a non-empty string without NUL"
            )
        object.__setattr__(self, "algorithm", _algorithm(self.algorithm))
        if not isinstance(self.secret, bytes | bytearray | memoryview):
            raise ValueError(
                f"key {shorten(self.name)}: the secret must be bytes (the raw secret), not "
                f"{type(self.secret).__name__}; for a base64 text use Key.from_base64"
            )
        secret = bytes(self.secret)
        if not secret:
            raise ValueError(f"key {shorten(self.name)}: the secret is empty")
        object.__setattr__(self, "secret", secret)

    @classmethod
    def from_base64(cls, name: str, algorithm: str, secret: str | bytes) -> Key:
        """A key whose secret is written in base64, as in dhcpd.conf's ``secret "...";``.

        Raises ValueError if ``secret`` is not valid base64 (the text names the key, not the
        secret).
        """
        try:
            raw = base64.b64decode(secret, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"key {shorten(name)}: the secret is not valid base64") from None
        return cls(name, algorithm, raw)

    @classmethod
    def from_file(cls, path: str | Path, name: str | None = None) -> Key:
        """The key named ``name`` (or the only key) of a dhcpd.conf-style file.

        ``path`` holds one or more ``key "NAME" { algorithm ALG; secret "BASE64"; };`` blocks
        (dhcpd.conf, an include file, ``tsig-keygen`` output); ``#``, ``//`` and ``/* */``
        comments are ignored outside quoted strings. Raises OSError if the file cannot be read,
        ValueError if it is not UTF-8 text, has no key block, a block that is never closed (the
        text names its line), no such key, several keys and no ``name``, a key name twice, or
        a block without an algorithm or a secret, or with one not ended by ``;`` (the text
        names its line, never the secret).
        """
        text = _strip_comments(_read_text(path))
        blocks = _blocks(path, text)
        if name is None:
            if len(blocks) != 1:
                names = ", ".join(repr(each) for each in blocks)
                raise ValueError(f"{path}: name the key to use; the file has keys: {names}")
            (name,) = blocks
        if name not in blocks:
            raise ValueError(
                f"{path}: no key {shorten(name)} (it has: {', '.join(map(repr, blocks))})"
            )
        body, start = blocks[name]
        statements = {found[1]: _unquote(found[2]) for found in _STATEMENT.finditer(body)}
        for started in _STARTED.finditer(body):
            if started[1] not in statements:
                line = text.count("\n", 0, start + started.start()) + 1
                raise ValueError(
                    f"{path}: key {name!r}: missing ';' after the {started[1]} at line {line}"
                )
        missing = [each for each in ("algorithm", "secret") if each not in statements]
        if missing:
            raise ValueError(f"{path}: key {name!r} has no {' and no '.join(missing)}")
        return cls.from_base64(name, statements["algorithm"], statements["secret"])
