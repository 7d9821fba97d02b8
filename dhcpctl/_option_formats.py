"""The values dhcpd 4.4.3-P1 accepts for its known options, checked as its parser reads them.

A statement whose value does not fit its option's format is no harmless error: dhcpd's
``parse_option_statement`` fails *without* flagging the parse as lost, so the OMAPI handler
(``server/omapi.c`` dhcp_host_set_value) answers success and keeps only the statements before
it; this one and every later one are dropped silently (measured: ``prepend ip-forwarding
"x";``, ``default dhcp-lease-time 1 2;``, ``option host-name web 1;``). This module reads a
value's tokens as ``common/parse.c`` parse_option_data and parse_option_token do, against the
format of the option in ISC's tables, so :mod:`dhcpctl._guards` can refuse such values.

Format codes (``common/tables.c``): ``I`` IPv4 address or host name, ``L``/``l``, ``S``/``s``,
``B``/``b`` 32/16/8-bit numbers, ``T`` a lease time (a number or ``infinite``), ``f`` a flag,
``t`` text, ``d`` a domain name, ``D`` a list of domain names (``Dc`` compressed), ``X`` hex
octets or a string, ``E`` encapsulated (read as ``X``), ``N`` an enumeration, ``U`` and ``k``
an identifier or name, ``Z`` no value, ``o`` makes the code before it optional, ``A`` repeats
the record after a comma and ``a`` the code before it. Options with another code (``6``, an
IPv6 address) are refused unchecked; options unknown to these tables are left to dhcpd, which
answers an unknown option ``DHCP_R_BADPARSE``, harmlessly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, NamedTuple

from dhcpctl._errors import shorten


class Token(NamedTuple):
    """One token as ``common/conflex.c`` reads it: ``kind`` is ``"word"`` (NAME, NUMBER,
    NUMBER_OR_NAME), ``"string"`` (``text`` without the quotes) or ``"punct"`` (one character).
    """

    kind: str
    text: str


COMMA: Final = Token("punct", ",")
_DOT: Final = Token("punct", ".")
_COLON: Final = Token("punct", ":")

#: The format of each option in ``common/tables.c dhcp_options``, grouped by format.
_DHCP_OPTIONS: Final = {
    "IA": (
        "routers time-servers ien116-name-servers domain-name-servers log-servers "
        "cookie-servers lpr-servers impress-servers resource-location-servers nis-servers "
        "ntp-servers netbios-name-servers netbios-dd-server font-servers x-display-manager "
        "nisplus-servers mobile-ip-home-agent smtp-server pop-server nntp-server www-server "
        "finger-server irc-server streettalk-server streettalk-directory-assistance-server "
        "nds-servers ipv4-address-andsf"
    ),
    "t": (
        "host-name merit-dump domain-name root-path extensions-path nis-domain netbios-scope "
        "dhcp-message nwip-domain nisplus-domain tftp-server-name bootfile-name user-class "
        "nds-tree-name nds-context uap-servers pcode tcode netinfo-server-tag default-url "
        "v4-captive-portal loader-configfile loader-pathprefix"
    ),
    "X": (
        "vendor-class-identifier dhcp-client-identifier geoconf-civic pxe-undefined-1 "
        "pxe-undefined-2 pxe-undefined-3 pxe-undefined-4 pxe-undefined-5 pxe-undefined-6 "
        "pxe-undefined-7 pxe-undefined-8"
    ),
    "L": (
        "path-mtu-aging-timeout arp-cache-timeout tcp-keepalive-interval dhcp-lease-time "
        "dhcp-renewal-time dhcp-rebinding-time client-last-transaction-time v6-only-preferred "
        "loader-reboottime"
    ),
    "f": (
        "ip-forwarding non-local-source-routing all-subnets-local perform-mask-discovery "
        "mask-supplier router-discovery trailer-encapsulation ieee802-3-encapsulation "
        "tcp-keepalive-garbage"
    ),
    "I": (
        "subnet-mask swap-server broadcast-address router-solicitation-address "
        "dhcp-requested-address dhcp-server-identifier subnet-selection"
    ),
    "B": (
        "default-ip-ttl default-tcp-ttl netbios-node-type dhcp-option-overload "
        "dhcp-message-type auto-config"
    ),
    "Ia": "bcms-controller-address associated-ip netinfo-server-address tftp-server-address",
    "S": "boot-size max-dgram-reassembly interface-mtu dhcp-max-message-size",
    "Dc": "domain-search sip-ua-cs-domains",
    "IIA": "policy-filter static-routes",
    "Sa": "pxe-system-type name-service-search",
    "BA": "dhcp-parameter-request-list",
    "BB6Ia": "option-6rd",
    "BBB": "pxe-interface-id",
    "BBBB": "pxelinux-magic",
    "BBS": "v4-portparams",
    "BIID": "rdnss-selection",
    "BX": "pxe-client-id",
    "D": "bcms-controller-names",
    "E.": "vendor-encapsulated-options",
    "Eagent.": "relay-agent-information",
    "Efqdn.": "fqdn",
    "Enwip.": "nwip-suboptions",
    "Evendor-class.": "vivco",
    "Evendor.": "vivso",
    "SA": "path-mtu-plateau-table",
    "fIa": "slp-directory-agent",
    "fto": "slp-service-scope",
    "l": "time-offset",
}

#: The format of each option in ``server/stables.c server_options``, grouped by format.
_SERVER_OPTIONS: Final = {
    "f": (
        "boot-unknown-clients dynamic-bootp allow-bootp allow-booting one-lease-per-client "
        "get-lease-hostnames use-host-decl-names use-lease-addr-for-default-route "
        "authoritative always-reply-rfc1048 always-broadcast duplicates declines ddns-updates "
        "stash-agent-options client-updates update-optimization ping-check "
        "update-static-leases do-forward-updates infinite-is-reserved "
        "update-conflict-detection leasequery do-reverse-updates fqdn-reply ldap-referrals "
        "dont-use-fsync ignore-client-uids echo-client-id server-id-check "
        "dhcpv6-set-tee-times use-eui-64 persist-eui-64-leases check-secs-byte-order "
        "ddns-dual-stack-mixed-mode ddns-guard-id-must-match ddns-other-guard-is-dynamic "
        "release-on-roam bind-local-address6"
    ),
    "t": (
        "filename server-name ddns-domainname ddns-hostname ddns-rev-domainname "
        "lease-file-name pid-file-name dhcpv6-lease-file-name dhcpv6-pid-file-name "
        "ldap-server ldap-username ldap-password ldap-base-dn ldap-debug-file "
        "ldap-dhcp-server-cn ldap-tls-ca-file ldap-tls-ca-dir ldap-tls-cert ldap-tls-key "
        "ldap-tls-ciphers ldap-tls-randfile ldap-gssapi-keytab ldap-gssapi-principal"
    ),
    "T": (
        "default-lease-time max-lease-time min-lease-time dynamic-bootp-lease-cutoff ddns-ttl "
        "ping-timeout preferred-lifetime abandon-lease-time ping-cltt-secs ping-timeout-ms"
    ),
    "L": (
        "dynamic-bootp-lease-length limit-addrs-per-ia limit-prefs-per-ia max-ack-delay "
        "ldap-port ldap-init-retry"
    ),
    "B": (
        "min-secs adaptive-lease-time-threshold dhcp-cache-threshold log-threshold-low "
        "log-threshold-high"
    ),
    "I": "next-server limited-broadcast-address local-address ddns-local-address4",
    "S": "omapi-port local-port remote-port delayed-ack",
    "6": "ddns-local-address6 local-address6",
    "Nddns-styles.": "ddns-update-style",
    "Nldap-methods.": "ldap-method",
    "Nldap-ssl-usage.": "ldap-ssl",
    "Nldap-tls-crlcheck.": "ldap-tls-crlcheck",
    "Nldap-tls-reqcert.": "ldap-tls-reqcert",
    "Nprefix_length_modes.": "prefix-length-mode",
    "Nsyslog-facilities.": "log-facility",
    "U": "vendor-option-space",
    "X": "site-option-space",
    "k": "omapi-key",
}

#: Enumerations the server options use (``server/stables.c``).
_ENUMERATIONS: Final = {
    "ddns-styles": frozenset({"none", "ad-hoc", "interim", "standard"}),
    "syslog-facilities": frozenset(
        {"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron"}
        | {"authpriv", "ftp"}
        | {f"local{number}" for number in range(8)}
    ),
    "ldap-methods": frozenset({"static", "dynamic"}),
    "ldap-ssl-usage": frozenset({"off", "on", "ldaps", "start_tls"}),
    "ldap-tls-reqcert": frozenset({"never", "hard", "demand", "allow", "try"}),
    "ldap-tls-crlcheck": frozenset({"none", "peer", "all"}),
    "prefix_length_modes": frozenset({"ignore", "prefer", "exact", "minimum", "maximum"}),
}


def _by_name(table: dict[str, str]) -> dict[str, str]:
    return {name: code for code, names in table.items() for name in names.split()}


#: Option formats by universe (the option space ``option NAME`` and ``SPACE.NAME`` name).
FORMATS: Final = {"dhcp": _by_name(_DHCP_OPTIONS), "server": _by_name(_SERVER_OPTIONS)}

_NUMBER: Final = re.compile(r"-?(0x[0-9a-fA-F]+|[1-9][0-9]*|0)")
_DECIMAL: Final = re.compile(r"[0-9]+")
_SIGNED: Final = re.compile(r"-?[0-9]+")  # conflex's NUMBER
_HEX_OCTET: Final = re.compile(r"[0-9a-fA-F]{1,2}")
_FLAGS: Final = frozenset({"true", "false", "on", "off", "ignore"})
_WIDTHS: Final = {"L": 32, "l": 32, "T": 32, "S": 16, "s": 16, "B": 8, "b": 8}
_DESCRIPTIONS: Final = {
    "I": "an IPv4 address or host name",
    "T": "a number of seconds or 'infinite'",
    "f": "true, false, on, off or ignore",
    "t": "a string",
    "d": "a domain name",
    "D": "quoted domain names separated by commas",
    "X": "hex octets separated by ':' or a string",
    "N": "one of the option's names",
    "U": "a name",
    "k": "a key name",
    "Z": "no value",
}


class BadValue(Exception):
    """The value does not fit the format; the message says what was expected."""


def check_value(code: str, tokens: Sequence[Token]) -> None:
    """Read ``tokens`` as dhcpd reads a value of format ``code`` (``common/parse.c``
    parse_option_data), to the last token.

    Raises:
        BadValue: where dhcpd's reading would fail or stop before the end.
    """
    at, position, first = 0, 0, True
    while True:
        if not first and code[position] == "a":
            position -= 1
        elif first or code[position] == "A":
            position = 0
        first = False
        while position < len(code) and code[position] not in "Aa":
            if code[position] == "o":
                position += 1
                continue
            optional = code[position + 1 : position + 2] == "o"
            if optional and at == len(tokens):
                position += 1
                continue
            if code[position] not in "ILlTSsBbftdDXENUkZ":
                raise BadValue(f"values of format {code[position]!r} (IPv6) are not checked here")
            at, position = _element(code, position, tokens, at)
            position += 1
        if position < len(code) and at < len(tokens) and tokens[at] == COMMA:
            at += 1
            continue
        break
    if at != len(tokens):
        raise BadValue(f"more than the option takes, from {shorten(tokens[at].text)} on")


def _element(code: str, position: int, tokens: Sequence[Token], at: int) -> tuple[int, int]:
    """Read one element of format ``code[position]`` from ``tokens[at]``: the positions after
    it in ``tokens`` and in ``code``."""
    letter = code[position]
    if letter == "E":
        position = code.index(".", position)
        letter = "X"
    token = tokens[at] if at < len(tokens) else None
    if token is None:
        raise BadValue(f"a value is missing: {_describe(letter)}")
    if letter in _WIDTHS:
        if letter == "T" and token == Token("word", "infinite"):
            return at + 1, position
        _number(token, _WIDTHS[letter])
        return at + 1, position
    if letter == "f":
        if token.kind != "word" or token.text.lower() not in _FLAGS:
            raise BadValue(f"{shorten(token.text)} is not {_describe('f')}")
        return at + 1, position
    if letter in "tU":
        if (token.kind == "string" and letter == "t") or _identifier(token):
            return at + 1, position
        raise BadValue(f"{shorten(token.text)} is not {_describe(letter)}")
    if letter == "N":
        dot = code.index(".", position)
        if token.kind != "word" or token.text not in _ENUMERATIONS[code[position + 1 : dot]]:
            raise BadValue(f"{shorten(token.text)} is not {_describe('N')}")
        return at + 1, dot
    if letter == "X":
        return _hex_or_string(tokens, at), position
    if letter == "D":
        if code[position + 1 : position + 2] == "c":
            position += 1
        return _domain_list(tokens, at), position
    if letter == "I":
        return _address_or_name(tokens, at), position
    if letter in "dk":
        if letter == "k" and token.kind == "string":
            return at + 1, position
        return _domain_name(tokens, at), position
    raise BadValue(f"{shorten(token.text)}: the option takes {_describe('Z')}")


def _describe(letter: str) -> str:
    width = _WIDTHS.get(letter)
    return f"a {width}-bit number" if width and letter != "T" else _DESCRIPTIONS[letter]


def _identifier(token: Token) -> bool:
    """conflex's is_identifier: a word that is not a NUMBER (all digits)."""
    return token.kind == "word" and _SIGNED.fullmatch(token.text) is None


def _number(token: Token, width: int) -> int:
    """A number as ``convert_num`` reads it, decimal or 0x-hex, within ``width`` bits (it
    only warns, and keeps a wrong value, on bad digits or overflow)."""
    if token.kind != "word" or _NUMBER.fullmatch(token.text) is None:
        raise BadValue(f"{shorten(token.text)} is not a number (decimal or 0x-hex)")
    negative = token.text.startswith("-")
    value = int(token.text.lstrip("-"), 0)
    if value > (1 << (width - 1) if negative else (1 << width) - 1):
        raise BadValue(f"{token.text} does not fit {width} bits")
    return value


def _hex_or_string(tokens: Sequence[Token], at: int) -> int:
    """``parse_cshl`` (hex octets separated by ':') or one string."""
    if tokens[at].kind == "string":
        return at + 1
    while True:
        token = tokens[at] if at < len(tokens) else None
        if token is None or token.kind != "word" or not _HEX_OCTET.fullmatch(token.text):
            raise BadValue(f"expected {_describe('X')}")
        at += 1
        if at == len(tokens) or tokens[at] != _COLON:
            return at
        at += 1


def _dotted(tokens: Sequence[Token], at: int) -> tuple[list[str], int]:
    """``parse_host_name``: words separated by dots."""
    labels: list[str] = []
    while at < len(tokens) and tokens[at].kind == "word":
        labels.append(tokens[at].text)
        at += 1
        if at == len(tokens) or tokens[at] != _DOT:
            break
        at += 1
    return labels, at


def _valid_domain(labels: Sequence[str]) -> bool:
    """What ``MRns_name_pton`` takes: labels of 1..63 bytes, 255 bytes in all."""
    return (
        bool(labels)
        and all(0 < len(label) <= 63 for label in labels)
        and (sum(len(label) + 1 for label in labels) < 255)
    )


def _domain_name(tokens: Sequence[Token], at: int) -> int:
    labels, after = _dotted(tokens, at)
    if not _valid_domain(labels):
        raise BadValue(f"expected {_describe('d')}")
    return after


def _domain_list(tokens: Sequence[Token], at: int) -> int:
    """``parse_domain_list``: strings separated by commas, each a domain name."""
    while True:
        token = tokens[at] if at < len(tokens) else None
        if token is None or token.kind != "string":
            raise BadValue(f"expected {_describe('D')}")
        if not _valid_domain(token.text.rstrip(".").split(".")):
            raise BadValue(f"{shorten(token.text)} is not a domain name")
        at += 1
        if at == len(tokens) or tokens[at] != COMMA:
            return at
        at += 1


def _address_or_name(tokens: Sequence[Token], at: int) -> int:
    """``parse_ip_addr_or_hostname``: a dotted quad, or a host name to look up."""
    labels, after = _dotted(tokens, at)
    if not labels:
        raise BadValue(f"expected {_describe('I')}")
    quad = len(labels) == 4 and all(
        _DECIMAL.fullmatch(label) and int(label) < 256 for label in labels
    )
    numbers = [_SIGNED.fullmatch(label) is not None for label in labels[:2]]
    if numbers == [True, True] and not quad:  # read as an address, not a name
        raise BadValue(f"{shorten('.'.join(labels))} is not an IPv4 address")
    return after
