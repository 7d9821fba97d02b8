#!/usr/bin/env python3
"""Generate dhcpctl/_results.py, the isc_result_t table of ISC DHCP 4.4.3-P1, from ISC's source.

Usage::

    python3 scripts/gen_results.py --isc-source DIR [--bind-source BINDDIR] [--output FILE]
                                   [--check]

DIR is an unpacked ISC DHCP source tree (dhcp-4.4.3-P1). The BIND sources are read straight
out of DIR/bind/bind.tar.gz (nothing is unpacked to disk), or from BINDDIR, an unpacked BIND
tree, when given. With ``--check`` nothing is written: the exit status is 1 if FILE differs
from what would be generated (for CI), 0 if it is up to date.

What libdhcpctl's isc_result_totext() returns is modelled on these sources. BIND's
lib/isc/result.c keeps a list of (class, count, texts) tables: register_table() appends to it,
and isc_result_totext() answers from the first table whose class + 0 .. count - 1 holds the
code, else with a fixed text. dhcpctl_initialize() -> dhcp_context_create() registers, in
this order:

1. class ISC_RESULTCLASS_ISC, the ISC_R_* texts (BIND lib/isc/include/isc/result.h,
   lib/isc/result.c), on the first use of the list, by dhcp_result_register() below;
2. class ISC_RESULTCLASS_DHCP, the DHCP_R_* texts (DHCP includes/omapip/result.h,
   omapip/result.c): dhcp_result_register();
3. class ISC_RESULTCLASS_DNS, the DNS_R_* texts, then class ISC_RESULTCLASS_DNSRCODE, the
   rcode texts (BIND lib/dns/include/dns/result.h, lib/dns/result.c): dns_lib_init(), which
   dhcp_context_create() calls because DHCP's includes/site.h defines NSUPDATE;
4. class ISC_RESULTCLASS_DST, the DST_R_* texts (BIND lib/dns/include/dst/result.h,
   lib/dns/dst_result.c): dst_lib_init(), which dns_lib_init() calls.

The classes (BIND lib/isc/include/isc/resultclass.h) are distinct, so the first matching
table is the only one and the order does not change any text. Some registered codes have a
text but no constant: the header comments them out (DNS) or leaves a gap (DST). DHCP's
configure.ac and BIND's version file give the versions named in the header.

isc_msgcat_get() returns the built-in texts: DHCP passes no message catalogue, and BIND ships
no libisc.cat, libdns.cat or libdst.cat for catgets() to find.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "dhcpctl" / "_results.py"

BIND_FILES = {
    "isc_result_h": "lib/isc/include/isc/result.h",
    "isc_result_c": "lib/isc/result.c",
    "resultclass_h": "lib/isc/include/isc/resultclass.h",
    "dns_result_h": "lib/dns/include/dns/result.h",
    "dns_result_c": "lib/dns/result.c",
    "dns_lib_c": "lib/dns/lib.c",
    "dst_result_h": "lib/dns/include/dst/result.h",
    "dst_result_c": "lib/dns/dst_result.c",
    "dst_api_c": "lib/dns/dst_api.c",
    "version": "version",
}
DHCP_FILES = {
    "result_h": "includes/omapip/result.h",
    "result_c": "omapip/result.c",
    "isclib_c": "omapip/isclib.c",
    "site_h": "includes/site.h",
    "configure_ac": "configure.ac",
}
# isc_result_toid() names that BIND misspells (lib/dns/result.c rcode_ids[]), and their constants.
ID_TYPOS = {"RNS_R_RCODE12": "DNS_R_RCODE12"}


class SourceError(Exception):
    """The ISC sources do not look the way this generator expects."""


@dataclass(frozen=True)
class Code:
    """One isc_result_t constant: its name, number and isc_result_totext() text."""

    name: str
    number: int
    text: str
    source: str  # how the header spells the number, for the generated comment


@dataclass(frozen=True)
class Table:
    """One registered table: the texts of class_name + 0 .. len(texts) - 1."""

    title: str  # for the generated comment: which constants, from which header
    class_name: str
    base: int
    texts: list[str]
    codes: list[Code]  # the header's constants, by number
    aliases: list[tuple[str, str]]  # (alias, canonical name), e.g. ISC_R_SUSPEND
    ids: list[str] | None  # isc_result_toid() of each code, if the source has such a table


@dataclass(frozen=True)
class Tables:
    dhcp_version: str
    bind_version: str
    class_size: int
    classes: dict[str, int]  # ISC_RESULTCLASS_* of the registered tables
    registered: list[Table]  # in registration order
    unknown_text: str


@dataclass(frozen=True)
class Header:
    """The ``#define``s of one result.h."""

    where: str
    codes: dict[str, tuple[str, int]]  # name -> (ISC_RESULTCLASS_*, offset)
    spelled: dict[str, str]  # name -> how the header spells the number
    aliases: list[tuple[str, str]]
    counts: dict[str, int]  # e.g. DNS_R_NRESULTS -> 127


# --------------------------------------------------------------------------- reading


def read_bind_tarball(tarball: Path) -> dict[str, str]:
    """The BIND files, read from the tarball's single top-level directory."""
    wanted = {path: key for key, path in BIND_FILES.items()}
    found: dict[str, str] = {}
    with tarfile.open(tarball, "r:*") as tar:
        for member in tar:
            top, _, rest = member.name.removeprefix("./").partition("/")
            if rest not in wanted or not member.isfile() or not top:
                continue
            key = wanted[rest]
            if key in found:
                raise SourceError(f"{tarball}: more than one {rest}")
            stream = tar.extractfile(member)
            if stream is None:
                raise SourceError(f"{tarball}: cannot read {member.name}")
            found[key] = stream.read().decode("utf-8")
    missing = sorted(BIND_FILES[key] for key in BIND_FILES.keys() - found.keys())
    if missing:
        raise SourceError(f"{tarball}: missing {', '.join(missing)}")
    return found


def read_tree(root: Path, files: dict[str, str]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for key, rel in files.items():
        path = root / rel
        if not path.is_file():
            raise SourceError(f"{path}: not found")
        texts[key] = path.read_text(encoding="utf-8")
    return texts


# --------------------------------------------------------------------------- C parsing


def strip_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", " ", source, flags=re.DOTALL)
    return re.sub(r"//[^\n]*", " ", source)


def defines(source: str, prefix: str) -> list[tuple[str, str]]:
    """(name, value) of every object-like ``#define`` whose name starts with prefix."""
    pattern = rf"^[ \t]*#[ \t]*define[ \t]+({prefix}\w*)[ \t]+([^\n]+?)[ \t]*$"
    return re.findall(pattern, strip_comments(source), flags=re.MULTILINE)


def string_array(source: str, name: str, where: str) -> list[str]:
    """The string literals of ``static const char *name[...] = { ... };``."""
    match = re.search(
        rf"static\s+const\s+char\s*\*\s*{name}\s*\[[^]]*\]\s*=\s*\{{(.*?)\}};",
        strip_comments(source),
        flags=re.DOTALL,
    )
    if match is None:
        raise SourceError(f"{where}: no array {name}[]")
    body = match.group(1)
    items = [item.strip() for item in body.split(",")]
    if items and not items[-1]:
        items.pop()  # trailing comma
    strings: list[str] = []
    for item in items:
        literals = re.fullmatch(r'(?:"[^"\\\n]*"\s*)+', item)
        if literals is None:
            raise SourceError(f"{where}: {name}[]: cannot read {item!r}")
        strings.append("".join(re.findall(r'"([^"]*)"', item)))
    return strings


def one(pattern: str, source: str, where: str, what: str) -> re.Match[str]:
    match = re.search(pattern, strip_comments(source), flags=re.DOTALL)
    if match is None:
        raise SourceError(f"{where}: cannot find {what}")
    return match


def header(source: str, prefix: str, where: str) -> Header:
    """The prefix* ``#define``s: codes (class + offset, or libisc's bare numbers), aliases
    and the counts (*_NRESULTS); anything else is an error."""
    codes: dict[str, tuple[str, int]] = {}
    spelled: dict[str, str] = {}
    aliases: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    for name, raw in defines(source, prefix):
        offset = re.fullmatch(r"\(\s*(ISC_RESULTCLASS_\w+)\s*\+\s*(\d+)\s*\)", raw)
        if re.fullmatch(r"\w+_R_N\w*RESULTS", name) and raw.isdigit():
            counts[name] = int(raw)
        elif raw.isdigit():  # libisc numbers its own codes bare, in class ISC_RESULTCLASS_ISC
            codes[name] = ("ISC_RESULTCLASS_ISC", int(raw))
            spelled[name] = raw
        elif offset is not None:
            codes[name] = (offset.group(1), int(offset.group(2)))
            spelled[name] = f"{offset.group(1)} + {offset.group(2)}"
        elif raw in codes:
            aliases.append((name, raw))
        else:
            raise SourceError(f"{where}: cannot read #define {name} {raw}")
    return Header(where, codes, spelled, aliases, counts)


def registered_table(
    title: str,
    defs: Header,
    class_name: str,
    count: str,
    base: int,
    class_size: int,
    texts: list[str],
    ids: list[str] | None,
    where_c: str,
) -> Table:
    """The table of class_name: its count, the texts and ids of where_c, the constants of defs.

    Checks that the count fits the class, that there are count texts (and ids), that the
    constants are distinct numbers below the count and that ids names each by its number."""
    nresults = defs.counts.get(count)
    if nresults is None:
        raise SourceError(f"{defs.where}: no {count}")
    if nresults > class_size:
        raise SourceError(f"{defs.where}: {count} {nresults} exceeds the class size")
    for what, strings in (("texts", texts), ("ids", ids)):
        if strings is not None and len(strings) != nresults:
            raise SourceError(f"{where_c}: {len(strings)} {what} for {count} = {nresults}")
    offsets = {name: offset for name, (cls, offset) in defs.codes.items() if cls == class_name}
    by_offset = {offset: name for name, offset in offsets.items()}
    if len(by_offset) != len(offsets) or not all(o < nresults for o in by_offset):
        raise SourceError(f"{defs.where}: the {class_name} codes are not distinct and < {count}")
    if ids is not None and any(
        ID_TYPOS.get(ids[offset], ids[offset]) != name for offset, name in by_offset.items()
    ):
        raise SourceError(f"{where_c}: the ids do not name the {class_name} codes of {defs.where}")
    codes = [
        Code(name, base + offset, texts[offset], defs.spelled[name])
        for offset, name in sorted(by_offset.items())
    ]
    aliases = [(alias, name) for alias, name in defs.aliases if name in offsets]
    return Table(title, class_name, base, texts, codes, aliases, ids)


def registration(c_name: str, class_name: str, count: str, array: str) -> str:
    """A pattern for ``c_name(class_name, count, array, ...)``."""
    return rf"{c_name}\(\s*{class_name}\s*,\s*{count}\s*,\s*{array}\s*,"


# --------------------------------------------------------------------------- model


def parse(bind: dict[str, str], dhcp: dict[str, str]) -> Tables:
    where_rc = "BIND " + BIND_FILES["resultclass_h"]
    shift = int(
        one(
            r"ISC_RESULTCLASS_FROMNUM\(num\)\s*\(\(num\)\s*<<\s*(\d+)\)",
            bind["resultclass_h"],
            where_rc,
            "ISC_RESULTCLASS_FROMNUM",
        ).group(1)
    )
    classes = {
        name: int(value.group(1)) << shift
        for name, raw in defines(bind["resultclass_h"], "ISC_RESULTCLASS_")
        if (value := re.fullmatch(r"ISC_RESULTCLASS_FROMNUM\((\d+)\)", raw)) is not None
    }
    class_size = int(
        dict(defines(bind["resultclass_h"], "ISC_RESULTCLASS_SIZE"))["ISC_RESULTCLASS_SIZE"]
    )
    if class_size != 1 << shift:
        raise SourceError(f"{where_rc}: ISC_RESULTCLASS_SIZE is not 1 << {shift}")

    check_registration_calls(bind, dhcp)
    registered, unknown_text = parse_tables(bind, dhcp, classes, class_size)
    names = [table.class_name for table in registered]
    if len(set(names)) != len(names):
        raise SourceError(f"two tables registered in one class: {names}")

    dhcp_version = one(
        r"AC_INIT\(\[DHCP\],\s*\[([^]]+)\]", dhcp["configure_ac"], "DHCP configure.ac", "AC_INIT"
    ).group(1)
    version = dict(re.findall(r"^(\w+)=([^\n]*)$", bind["version"], flags=re.MULTILINE))
    try:
        bind_version = ".".join(version[key] for key in ("MAJORVER", "MINORVER", "PATCHVER"))
    except KeyError as missing:
        raise SourceError(f"BIND version: no {missing}") from None
    bind_version += "".join(version.get(k, "") for k in ("RELEASETYPE", "RELEASEVER", "EXTENSIONS"))

    return Tables(
        dhcp_version=dhcp_version,
        bind_version=bind_version,
        class_size=class_size,
        classes={name: classes[name] for name in sorted(names, key=classes.__getitem__)},
        registered=registered,
        unknown_text=unknown_text,
    )


def check_registration_calls(bind: dict[str, str], dhcp: dict[str, str]) -> None:
    """dhcp_context_create() registers DHCP's table, then has dns_lib_init() register BIND's
    DNS, DNS rcode and DST tables; refuse a source that does anything else."""
    where_site = "DHCP " + DHCP_FILES["site_h"]
    one(r"(?m)^[ \t]*#[ \t]*define[ \t]+NSUPDATE\b", dhcp["site_h"], where_site, "#define NSUPDATE")
    one(
        r"\bdhcp_context_create\s*\([^)]*\)\s*\{.*?\bdhcp_result_register\s*\(\s*\).*?"
        r"#\s*if\s+defined\s*\(\s*NSUPDATE\s*\)\s*result\s*=\s*dns_lib_init\s*\(\s*\)",
        dhcp["isclib_c"],
        "DHCP " + DHCP_FILES["isclib_c"],
        "dhcp_context_create() calling dhcp_result_register(), then dns_lib_init()",
    )
    one(
        r"\binitialize\s*\(\s*void\s*\)\s*\{[^}]*\bdns_result_register\s*\(\s*\).*?"
        r"\bdst_lib_init\s*\(",
        bind["dns_lib_c"],
        "BIND " + BIND_FILES["dns_lib_c"],
        "initialize() calling dns_result_register(), then dst_lib_init()",
    )
    one(
        r"\bdst_lib_init2\s*\([^)]*\)\s*\{.*?\bdst_result_register\s*\(\s*\)",
        bind["dst_api_c"],
        "BIND " + BIND_FILES["dst_api_c"],
        "dst_lib_init2() calling dst_result_register()",
    )


def parse_tables(
    bind: dict[str, str], dhcp: dict[str, str], classes: dict[str, int], class_size: int
) -> tuple[list[Table], str]:
    """The registered tables, in registration order, and the text for an unknown code."""
    isc_h = header(bind["isc_result_h"], "ISC_R_", "BIND " + BIND_FILES["isc_result_h"])
    dhcp_h = header(dhcp["result_h"], "DHCP_R_", "DHCP " + DHCP_FILES["result_h"])
    dns_h = header(bind["dns_result_h"], "DNS_R_", "BIND " + BIND_FILES["dns_result_h"])
    dst_h = header(bind["dst_result_h"], "DST_R_", "BIND " + BIND_FILES["dst_result_h"])
    isc_c, where_isc = bind["isc_result_c"], "BIND " + BIND_FILES["isc_result_c"]
    dhcp_c, where_dhcp = dhcp["result_c"], "DHCP " + DHCP_FILES["result_c"]
    dns_c, where_dns = bind["dns_result_c"], "BIND " + BIND_FILES["dns_result_c"]
    dst_c, where_dst = bind["dst_result_c"], "BIND " + BIND_FILES["dst_result_c"]

    # libisc registers its own table first (initialize_action(), on the list's first use)
    # with register_table(), which appends; isc_result_totext() takes the first match.
    one(
        registration(
            "register_table",
            r"&description_tables\s*,\s*ISC_RESULTCLASS_ISC",
            "ISC_R_NRESULTS",
            "description",
        ),
        isc_c,
        where_isc,
        "the registration of description[]",
    )
    one(r"ISC_LIST_APPEND\(\s*\*tables\s*,", isc_c, where_isc, "register_table() appending")
    one(
        r"for\s*\(\s*table\s*=\s*ISC_LIST_HEAD\(\s*\*tables\s*\).*?"
        r"result\s*>=\s*table->base\s*&&\s*result\s*<=\s*table->last.*?break;",
        isc_c,
        where_isc,
        "isc_result_tomany_helper() taking the first matching table",
    )
    unknown_text = one(
        r"ISC_RESULT_UNAVAILABLESET\s*,\s*\d+\s*,\s*\"([^\"\\]*)\"",
        isc_c,
        where_isc,
        "the text for unknown codes",
    ).group(1)

    # DHCP 4.4.3-P1 registers text[] through BIND's own isc_result_register(), with a NULL
    # catalogue, and defines no isc_result_totext() of its own (DHCP 4.1 and older did).
    one(
        registration("isc_result_register", "ISC_RESULTCLASS_DHCP", "DHCP_R_NRESULTS", "text")
        + r"\s*dhcp_msgcat\s*,",
        dhcp_c,
        where_dhcp,
        "the registration of text[]",
    )
    one(r"isc_msgcat_t\s*\*\s*dhcp_msgcat\s*=\s*NULL\s*;", dhcp_c, where_dhcp, "dhcp_msgcat = NULL")
    if re.search(r"\bisc_result_totext\s*\(", strip_comments(dhcp_c)):
        raise SourceError(f"{where_dhcp}: defines its own isc_result_totext()")

    one(
        registration("isc_result_register", "ISC_RESULTCLASS_DNS", "DNS_R_NRESULTS", "text")
        + ".*?"
        + registration(
            "isc_result_register", "ISC_RESULTCLASS_DNSRCODE", "DNS_R_NRCODERESULTS", "rcode_text"
        ),
        dns_c,
        where_dns,
        "the registration of text[], then rcode_text[]",
    )
    one(
        registration("isc_result_register", "ISC_RESULTCLASS_DST", "DST_R_NRESULTS", "text"),
        dst_c,
        where_dst,
        "the registration of text[]",
    )

    def table(
        title: str,
        defs: Header,
        class_name: str,
        count: str,
        arrays: tuple[str, str, str | None],  # C file, texts[], ids[]
        where_c: str,
    ) -> Table:
        if class_name not in classes:
            raise SourceError(f"BIND {BIND_FILES['resultclass_h']}: no {class_name}")
        source, texts, ids = arrays
        return registered_table(
            title,
            defs,
            class_name,
            count,
            classes[class_name],
            class_size,
            string_array(source, texts, where_c),
            None if ids is None else string_array(source, ids, where_c),
            where_c,
        )

    registered = [
        table(
            "ISC_R_*: " + isc_h.where,
            isc_h,
            "ISC_RESULTCLASS_ISC",
            "ISC_R_NRESULTS",
            (isc_c, "description", "identifier"),
            where_isc,
        ),
        table(
            "DHCP_R_*: " + dhcp_h.where,
            dhcp_h,
            "ISC_RESULTCLASS_DHCP",
            "DHCP_R_NRESULTS",
            (dhcp_c, "text", None),
            where_dhcp,
        ),
        table(
            "DNS_R_*: " + dns_h.where,
            dns_h,
            "ISC_RESULTCLASS_DNS",
            "DNS_R_NRESULTS",
            (dns_c, "text", "ids"),
            where_dns,
        ),
        table(
            "DNS_R_* rcodes: " + dns_h.where,
            dns_h,
            "ISC_RESULTCLASS_DNSRCODE",
            "DNS_R_NRCODERESULTS",
            (dns_c, "rcode_text", "rcode_ids"),
            where_dns,
        ),
        table(
            "DST_R_*: " + dst_h.where,
            dst_h,
            "ISC_RESULTCLASS_DST",
            "DST_R_NRESULTS",
            (dst_c, "text", "ids"),
            where_dst,
        ),
    ]
    # Every code the headers #define is in a registered table (aliases follow their code).
    used = {code.name for table in registered for code in table.codes}
    for defs in (isc_h, dhcp_h, dns_h, dst_h):
        unused = sorted(defs.codes.keys() - used)
        if unused:
            raise SourceError(f"{defs.where}: {', '.join(unused)} in no registered table")
    return registered, unknown_text


# --------------------------------------------------------------------------- output

HEADER = '''\
# GENERATED FILE, DO NOT EDIT: written by scripts/gen_results.py from the sources of
# ISC DHCP {dhcp_version} and its bundled BIND {bind_version}. To regenerate, run
#     python3 scripts/gen_results.py --isc-source /path/to/dhcp-{dhcp_version}
# (add --check to only compare). The sources are at https://www.isc.org/dhcp/.
"""isc_result_t codes and texts: what libdhcpctl of ISC DHCP {dhcp_version} reports.

The ISC_R_* codes come from BIND's libisc, the DHCP_R_* codes from DHCP's omapip, the DNS_R_*
codes (and rcodes) and DST_R_* codes from BIND's libdns: dhcpctl_initialize() registers the
texts of all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

'''

UNKNOWN = '''
UNKNOWN_RESULT_TEXT: Final = {unknown_text}
"""What isc_result_totext() returns for a code that no registered table covers."""
'''

FOOTER = '''

def isc_result_totext(status: int) -> str:
    """The text libdhcpctl's isc_result_totext(status) returns after dhcpctl_initialize().

    Like the C argument, an isc_result_t (a C unsigned int), status is taken modulo 2**32.
    Codes of the ISC, DHCP, DNS, DNS rcode and DST classes have their texts; any other code
    gives UNKNOWN_RESULT_TEXT.
    """
    return RESULT_TEXTS.get(status & 0xFFFF_FFFF, UNKNOWN_RESULT_TEXT)
'''


def render(tables: Tables) -> str:
    lines = [
        HEADER.format(dhcp_version=tables.dhcp_version, bind_version=tables.bind_version)
        + f"ISC_RESULTCLASS_SIZE: Final = {tables.class_size}"
    ]
    lines += [f"{name}: Final = {number}" for name, number in tables.classes.items()]
    lines += [UNKNOWN.format(unknown_text=py_str(tables.unknown_text)).rstrip("\n")]
    for table in tables.registered:
        lines += ["", f"# {table.title}, class {table.class_name}"]
        lines += [
            f"{code.name}: Final = {code.number}"
            + ("" if code.source == str(code.number) else f"  # {code.source}")
            for code in table.codes
        ]
        lines += [f"{alias}: Final = {name}" for alias, name in table.aliases]
    lines += ["", "RESULT_TEXTS: Final[Mapping[int, str]] = MappingProxyType(", "    {"]
    for table in tables.registered:
        named = {code.number - table.base: code.name for code in table.codes}
        for offset, text in enumerate(table.texts):
            if offset in named:
                lines.append(f"        {named[offset]}: {py_str(text)},")
            else:
                why = "no constant" if table.ids is None else f"{table.ids[offset]}, no constant"
                lines.append(f"        {table.class_name} + {offset}: {py_str(text)},  # {why}")
    lines += ["    }", ")"]
    lines += ['"""isc_result_totext() of every code of a registered table."""', ""]
    lines += ["RESULT_NAMES: Final[Mapping[int, str]] = MappingProxyType("]
    codes = [code for table in tables.registered for code in table.codes]
    lines += ["    {"] + [f"        {c.name}: {py_str(c.name)}," for c in codes] + ["    }", ")"]
    lines += [
        '"""The name of every code the headers #define (not of the aliases: one name a code)."""'
    ]
    return "\n".join(lines) + "\n" + FOOTER


def py_str(text: str) -> str:
    """A double-quoted Python literal, as ruff format would write it."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        literal = '"' + literal[1:-1].replace("\\'", "'") + '"'
    return literal


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--isc-source", type=Path, required=True, help="unpacked ISC DHCP 4.4.3-P1 source tree"
    )
    parser.add_argument(
        "--bind-source",
        type=Path,
        help="unpacked BIND tree (default: read ISC_SOURCE/bind/bind.tar.gz)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"module to write or check (default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the output is not up to date"
    )
    args = parser.parse_args(argv)

    try:
        if args.bind_source is not None:
            bind = read_tree(args.bind_source, BIND_FILES)
        else:
            bind = read_bind_tarball(args.isc_source / "bind" / "bind.tar.gz")
        text = render(parse(bind, read_tree(args.isc_source, DHCP_FILES)))
    except (SourceError, OSError, tarfile.TarError) as error:
        print(f"gen_results: {error}", file=sys.stderr)
        return 2

    output: Path = args.output
    if args.check:
        current = output.read_text(encoding="utf-8") if output.is_file() else ""
        if current == text:
            return 0
        sys.stderr.writelines(
            difflib.unified_diff(
                current.splitlines(keepends=True),
                text.splitlines(keepends=True),
                str(output),
                "generated",
            )
        )
        print(f"gen_results: {output} is out of date; rerun without --check", file=sys.stderr)
        return 1
    output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
