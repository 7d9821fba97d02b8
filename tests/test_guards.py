"""Unit tests of dhcpctl._guards: the checks the typed Client makes before sending.

What dhcpd itself does with each refused class is shown in test_guards_dhcpd.py.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dhcpctl._guards import (
    FIRST_ABORTING_MESSAGE,
    MAX_MESSAGE_BYTES,
    MAX_TOKEN_BYTES,
    Token,
    check_name,
    check_object_size,
    check_reply_size,
    check_statements,
    message_bytes,
    quote,
    tokenize,
)

VALID_STATEMENTS = [
    'option host-name "web-1";',
    "default-lease-time 600;",
    'ddns-hostname "x";',
    'option host-name "web-1"; default-lease-time 600; max-lease-time 7200;',
    "option domain-name-servers 1.2.3.4, 5.6.7.8;",
    "option routers 198.18.1.1;",
    'supersede domain-name "example.com";',
    'option domain-search "a.example", "b.example";',
    "option dhcp.routers 1.2.3.4;",
    "OPTION vendor-encapsulated-options 01:04:c0:a8:01:01;",
    "option static-routes 10.0.0.0 10.0.0.1;",
    "allow booting; deny unknown-clients; ignore client-updates;",
    "default-lease-time 600; # a comment { ; \n",
    "\tdefault-lease-time\n600\n;",
    'option host-name "#not a comment;}{";',
    'filename "pxelinux.0"; next-server 198.18.1.2;',
]

#: (statements, words the error must contain): one example of every refused class.
REFUSED_STATEMENTS = [
    ("option routers ;;; nonsense {", "SIGSEGV"),
    ("option routers;;", "SIGSEGV"),
    ("supersede routers;", "SIGSEGV"),
    ("option dhcp.routers;", "SIGSEGV"),
    ("default-lease-time;;", "SIGSEGV"),
    ("if exists host-name { option routers;; }", "a brace"),
    (" " * 1500 + "default-lease-time 600;", "exits"),
    ("default-lease-time 600;" + "\n" * 1600, "exits"),
    ("option routers 1.2.3.4; {", "a brace"),
    ("option routers 1.2.3.4 {", "a brace"),
    ("option routers 1.2.3.4; } default-lease-time 600;", "a brace"),
    ("if exists routers { option routers 1.2.3.4; }", "a brace"),
    ("on commit { default-lease-time 600; }", "a brace"),
    ("default-lease-time 600; option routers 1.2.3.4", "no ';'"),
    ('option host-name "abc', "unterminated string"),
    ("default-lease-time 600;; max-lease-time 600;", "empty statement"),
    (";", "empty statement"),
    ("break;", "not an option statement"),
    ("return 1;", "not an option statement"),
    ("set seen = 1;", "not an option statement"),
    ("db-time-format local;", "not an option statement"),
    ("Default-Lease-Time 600;", "not an option statement"),
    ("ddns-hostname;", "SIGSEGV"),
    ('option host-name = concat("web-", "1");', "'=' in a value"),
    ("option routers 1.2.3.4,;", "',' in a value"),
    ("option routers 1.2.3.4,,5.6.7.8;", "empty value"),
    ("allow;", "takes one of"),
    ("deny x;", "takes one of"),
    ("option agent.circuit-id 1;", "'agent' space are not checked"),
    ("local-address6 fe80;", "not checked"),
    ("option 1.2.3.4;", "needs an option name"),
    ('prepend ip-forwarding "x";', "true, false, on, off or ignore"),
    ("default dhcp-lease-time 1 2;", "more than the option takes"),
    ("option host-name web 1;", "more than the option takes"),
    ("option subnet-mask 255.255.255.0, 1.2.3.4;", "more than the option takes"),
    ("option routers 1.2.3;", "not an IPv4 address"),
    ("option routers 1.2.3.256;", "not an IPv4 address"),
    ("supersede dhcp.routers -1.0;", "not an IPv4 address"),
    ("option default-ip-ttl 256;", "does not fit 8 bits"),
    ("option interface-mtu 010;", "not a number"),
    ("option time-offset -2147483649;", "does not fit 32 bits"),
    ("default-lease-time forever;", "not a number"),
    ("option domain-search example.com;", "quoted domain names"),
    ('option domain-search "' + "a" * 64 + '.com";', "not a domain name"),
    ("option vendor-class-identifier 1:100;", "hex octets"),
    ("ddns-update-style fancy;", "one of the option's names"),
    ("option host-name 123;", "not a string"),
    ('option host-name "a\\"b";', "backslash"),
    ('option host-name "a\\\\b";', "backslash"),
    ('ddns-hostname "a\\x22; }";', "backslash"),
    ("default-lease-time 600;\0max-lease-time 600;", "NUL"),
    ('option host-name "caf\xe9";', "printable ASCII"),
    ("default-lease-time 600;\x7f", "printable ASCII"),
    ('option host-name "' + "a" * 1500 + '";', "1500-byte token"),
    ("option " + "x" * 1500 + " 1;", "1500-byte token"),
    ("", "no statement"),
    ("  # only a comment", "no statement"),
]


@pytest.mark.parametrize("text", VALID_STATEMENTS)
def test_valid_statements_pass(text: str) -> None:
    check_statements(text)


@pytest.mark.parametrize(("text", "why"), REFUSED_STATEMENTS)
def test_refused_statements_say_field_and_why(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=r"^host statements: ") as caught:
        check_statements(text, field="host statements")
    assert why in str(caught.value)
    assert "dhcpd 4.4.3-P1" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('set foo = "bar";', "'set foo = \"bar\"'"),
        ("default-lease-time 600;  fixed-address 198.18.1.5 ;", "'fixed-address 198.18.1.5'"),
        ("option  host-name   web 1;", "'option  host-name   web 1'"),
    ],
)
def test_a_refused_statement_is_quoted_as_written(text: str, shown: str) -> None:
    """The error quotes the statement as the caller wrote it, not re-tokenized
    ('fixed-address 198 . 18 . 1 . 5')."""
    with pytest.raises(ValueError, match=f"^statements: {re.escape(shown)}"):
        check_statements(text)


def test_tokenizer_reads_as_conflex() -> None:
    """Words take letters, digits, '-' and '_'; punctuation is one token each; strings lose
    their quotes; comments vanish."""
    assert tokenize('option dhcp.host-name "a b";#x\n-5 0x1f a_b _c') == [
        Token("word", "option"),
        Token("word", "dhcp"),
        Token("punct", "."),
        Token("word", "host-name"),
        Token("string", "a b"),
        Token("punct", ";"),
        Token("word", "-5"),
        Token("word", "0x1f"),
        Token("word", "a_b"),
        Token("punct", "_"),
        Token("word", "c"),
    ]


def test_longest_token_and_whitespace_pass() -> None:
    check_statements('option host-name "' + "a" * MAX_TOKEN_BYTES + '";')
    check_statements(" " * 1499 + "default-lease-time 600;")


# A printable ASCII character that is neither a quote nor a backslash.
SAFE_CHARACTERS = st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='"\\')
SAFE_TEXT = st.text(SAFE_CHARACTERS, max_size=200)


@given(SAFE_TEXT)
def test_quote_parses_back_as_one_string(value: str) -> None:
    """Whatever the value, its quoted form is one string token holding exactly the value: no
    ';', brace or quote escapes into the statement around it."""
    literal = quote(value, field="ddns-hostname")
    assert tokenize(literal) == [Token("string", value)]
    statement = f"ddns-hostname {literal}; default-lease-time 600;"
    check_statements(statement)
    assert tokenize(statement)[1] == Token("string", value)


@given(st.text(max_size=50).filter(lambda v: any(c in '"\\' or not " " <= c <= "~" for c in v)))
def test_quote_refuses_what_dhcpd_writes_back_wrongly(value: str) -> None:
    with pytest.raises(ValueError, match=r"^ddns-hostname: .*unescaped"):
        quote(value, field="ddns-hostname")


def test_quote_refuses_long_values() -> None:
    assert quote("a" * MAX_TOKEN_BYTES, field="f") == '"' + "a" * MAX_TOKEN_BYTES + '"'
    with pytest.raises(ValueError, match="cuts strings at 1499"):
        quote("a" * (MAX_TOKEN_BYTES + 1), field="f")


OPTION_NAMES = st.sampled_from(["host-name", "routers", "domain-name", "dhcp.routers"])


def statements(strings: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid statements: options and parameters of several formats with fitting values
    (quoted ``strings`` for text), lists where the format repeats."""

    def listed(atom: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.lists(atom, min_size=1, max_size=3).map(", ".join)

    addresses = st.ip_addresses(v=4).map(str)
    text = strings.map(lambda v: quote(v, field="value"))
    domains = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){0,3}", fullmatch=True)
    octets = st.binary(min_size=1, max_size=8).map(lambda v: v.hex(":"))
    values = {
        "routers": listed(addresses),
        "domain-name-servers": listed(addresses),
        "subnet-mask": addresses,
        "host-name": text,
        "domain-name": text,
        "domain-search": listed(domains.map(lambda v: quote(v, field="domain"))),
        "vendor-class-identifier": st.one_of(octets, text),
        "ip-forwarding": st.sampled_from(["true", "false", "on", "off"]),
        "default-ip-ttl": st.integers(0, 255).map(str),
        "interface-mtu": st.integers(0, 65535).map(str),
        "time-offset": st.integers(-(2**31), 2**31 - 1).map(str),
        "dhcp-parameter-request-list": listed(st.integers(0, 255).map(str)),
        "static-routes": listed(st.builds("{} {}".format, addresses, addresses)),
    }
    parameters = {
        "default-lease-time": st.one_of(st.integers(0, 2**32 - 1).map(str), st.just("infinite")),
        "max-lease-time": st.integers(0, 2**32 - 1).map(hex),
        "ddns-hostname": text,
        "next-server": st.one_of(addresses, domains),
        "ddns-update-style": st.sampled_from(["none", "ad-hoc", "interim", "standard"]),
        "ping-check": st.sampled_from(["true", "false"]),
    }
    option = st.sampled_from(sorted(values)).flatmap(
        lambda name: st.builds(
            "{} {} {};".format,
            st.sampled_from(["option", "supersede", "default", "append", "prepend"]),
            st.just(name),
            values[name],
        )
    )
    parameter = st.sampled_from(sorted(parameters)).flatmap(
        lambda name: parameters[name].map(lambda value: f"{name} {value};")
    )
    return st.lists(st.one_of(option, parameter), min_size=1, max_size=5).map(" ".join)


#: Statements whose strings hold no ';', '{' or '}', so that these are all structure.
PLAIN_STATEMENTS = statements(st.text(SAFE_CHARACTERS.filter(lambda c: c not in ";{}")))


@given(statements(SAFE_TEXT), st.sampled_from([" ", "\n", "\t", "  \n\t"]))
def test_generated_valid_statements_pass(text: str, space: str) -> None:
    check_statements(text.replace(" ", space))


@given(PLAIN_STATEMENTS, st.data(), st.sampled_from("{}"))
def test_an_added_brace_is_refused(text: str, data: st.DataObject, brace: str) -> None:
    """A brace before or after any ';' is refused (dhcpd stops at an unbalanced one)."""
    index = data.draw(st.sampled_from([i for i, char in enumerate(text) if char == ";"]))
    cut = index + data.draw(st.integers(0, 1))
    with pytest.raises(ValueError, match=r"^statements: .*a brace"):
        check_statements(text[:cut] + brace + text[cut:])


@given(PLAIN_STATEMENTS)
def test_a_missing_last_semicolon_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="the last statement has no ';'"):
        check_statements(text[:-1])


@given(PLAIN_STATEMENTS, st.data())
def test_an_added_empty_statement_is_refused(text: str, data: st.DataObject) -> None:
    index = data.draw(st.sampled_from([i for i, char in enumerate(text) if char == ";"]))
    with pytest.raises(ValueError, match="empty statement"):
        check_statements(text[: index + 1] + " ;" + text[index + 1 :])


@pytest.mark.parametrize("name", ["web-1", "a.b.c", "1abc", "123", "deleted", "x" * 1499, "a_b"])
def test_host_names_that_survive(name: str) -> None:
    check_name("host", name)


LOST_HOST_NAMES = ["web 1", "caf\xe9", 'a"b', "a\\b", "x" * 1500, "a\0b", "_a", "a;b", "a{b"]


@pytest.mark.parametrize("name", [*LOST_HOST_NAMES, "a:b", "a#b", "", "a..b", ".a", "-a"])
def test_host_names_lost_at_restart_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"^host name .*unquoted"):
        check_name("host", name)


@pytest.mark.parametrize("name", ["gold", "1abc", "a-b_c", "x" * 1499])
def test_group_names_that_survive(name: str) -> None:
    check_name("group", name)


@pytest.mark.parametrize("name", ["a.b", "a b", "123", "x" * 1500, "caf\xe9", "", "_a"])
def test_group_names_lost_at_restart_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"^group name .*one word"):
        check_name("group", name)


@pytest.mark.parametrize("name", ["c1", "a b", "a.b", "x" * 1499, "a;b{c}"])
def test_class_names_that_survive(name: str) -> None:
    check_name("class", name)


@pytest.mark.parametrize("name", ['a"b', "a\\b", "caf\xe9", "x" * 1500, "a\nb", ""])
def test_class_names_lost_at_restart_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match=r"class name"):
        check_name("class", name)


def test_other_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="'subclass'"):
        check_name("subclass", "x")


def test_object_sizes() -> None:
    host = (("name", b"web-1"), ("hardware-address", bytes(6)), ("hardware-type", bytes(4)))
    check_object_size("host", host)
    assert message_bytes(host) == 28 + (6 + 4 + 5) + (6 + 16 + 6) + (6 + 13 + 4)
    padding = MAX_MESSAGE_BYTES - message_bytes(host) - 6 - len("statements")
    check_object_size("host", (*host, ("statements", b"#" * padding)))
    with pytest.raises(ValueError, match=r"^host: 3473 bytes of values \(the largest: stat"):
        check_object_size("host", (*host, ("statements", b"#" * (padding + 1))))


def test_the_measured_abort_is_refused() -> None:
    """The hmac-md5 abort of test_guards_dhcpd: a host named with 3,950 bytes, whose reply
    has 4,039 bytes before its signature."""
    host = (("name", b"n" * 3950), ("hardware-address", bytes(6)), ("hardware-type", bytes(4)))
    assert message_bytes(host) == 4039
    assert FIRST_ABORTING_MESSAGE == 3984
    with pytest.raises(ValueError, match=r"with or without a key, .* aborts \(SIGABRT\)"):
        check_object_size("host", host)


def test_reply_sizes_count_the_object_as_looked_up_with_the_changes_in_place() -> None:
    """An update's reply carries what the host has (here a 700-byte name) and the new
    addresses; ``statements`` are not sent back, and replaced values count once."""
    current = {"name": b"n" * 700, "hardware-address": bytes(6), "hardware-type": bytes(4)}
    room = MAX_MESSAGE_BYTES - message_bytes(tuple(current.items())) - 6 - len("ip-address")
    fits = (("ip-address", bytes(room)), ("statements", b"#" * 3000))
    check_reply_size("host", current, fits)
    check_reply_size("host", {**current, "ip-address": bytes(room)}, fits)
    with pytest.raises(ValueError, match=r"^host: 3473 bytes in the reply this update would"):
        check_reply_size("host", current, (("ip-address", bytes(room + 1)),))
