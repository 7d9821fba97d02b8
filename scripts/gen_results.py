#!/usr/bin/env python3
"""Generate dhcpctl/_results.py, the isc_result_t table of ISC DHCP 4.4.3-P1, from ISC's source.

Usage::

    python3 scripts/gen_results.py --isc-source DIR [--bind-source BINDDIR] [--output FILE]
                                   [--check]

DIR is an unpacked ISC DHCP source tree (dhcp-4.4.3-P1). The BIND sources are read straight
out of DIR/bind/bind.tar.gz (nothing is unpacked to disk), or from BINDDIR, an unpacked BIND
tree, when given. With ``--check`` nothing is written: the exit status is 1 if FILE differs
from what would be generated (for CI), 0 if it is up to date.

What libdhcpctl's isc_result_totext() returns is modelled on these sources:

* BIND lib/isc/include/isc/result.h and lib/isc/result.c: the ISC_R_* codes, their texts
  (registered first, in class ISC_RESULTCLASS_ISC), and the text for a code no registered
  table covers;
* BIND lib/isc/include/isc/resultclass.h: the ISC_RESULTCLASS_* numbers;
* DHCP includes/omapip/result.h and omapip/result.c: the DHCP_R_* codes and the table that
  dhcp_result_register() registers in class ISC_RESULTCLASS_DHCP (dhcpctl_initialize() calls
  it), with a NULL message catalogue, so the texts are the table's own;
* DHCP configure.ac and BIND's version file, only for the versions named in the header.

isc_msgcat_get() returns the built-in text: DHCP passes no catalogue, and BIND ships no
libisc.cat for catgets() to find.
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
    "result_h": "lib/isc/include/isc/result.h",
    "result_c": "lib/isc/result.c",
    "resultclass_h": "lib/isc/include/isc/resultclass.h",
    "version": "version",
}
DHCP_FILES = {
    "result_h": "includes/omapip/result.h",
    "result_c": "omapip/result.c",
    "configure_ac": "configure.ac",
}


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
class Tables:
    dhcp_version: str
    bind_version: str
    class_size: int
    class_isc: int
    class_dhcp: int
    isc_codes: list[Code]
    isc_aliases: list[tuple[str, str]]  # (alias, canonical name), e.g. ISC_R_SUSPEND
    dhcp_codes: list[Code]
    unknown_text: str


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
    for needed in ("ISC_RESULTCLASS_ISC", "ISC_RESULTCLASS_DHCP"):
        if needed not in classes:
            raise SourceError(f"{where_rc}: no {needed}")

    isc_codes, isc_aliases, unknown_text = parse_isc(bind, classes["ISC_RESULTCLASS_ISC"])
    dhcp_codes = parse_dhcp(dhcp, classes, class_size)

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
        class_isc=classes["ISC_RESULTCLASS_ISC"],
        class_dhcp=classes["ISC_RESULTCLASS_DHCP"],
        isc_codes=isc_codes,
        isc_aliases=isc_aliases,
        dhcp_codes=dhcp_codes,
        unknown_text=unknown_text,
    )


def parse_isc(bind: dict[str, str], base: int) -> tuple[list[Code], list[tuple[str, str]], str]:
    where_h = "BIND " + BIND_FILES["result_h"]
    where_c = "BIND " + BIND_FILES["result_c"]
    numbers: dict[str, int] = {}
    aliases: list[tuple[str, str]] = []
    nresults = None
    for name, raw in defines(bind["result_h"], "ISC_R_"):
        if name == "ISC_R_NRESULTS":
            nresults = int(raw)
        elif raw.isdigit():
            numbers[name] = base + int(raw)
        elif raw in numbers:
            aliases.append((name, raw))
        else:
            raise SourceError(f"{where_h}: cannot read #define {name} {raw}")
    if nresults is None:
        raise SourceError(f"{where_h}: no ISC_R_NRESULTS")

    texts = string_array(bind["result_c"], "description", where_c)
    ids = string_array(bind["result_c"], "identifier", where_c)
    by_number = {number: name for name, number in numbers.items()}
    expected = [by_number.get(base + index) for index in range(nresults)]
    if len(by_number) != len(numbers) or len(numbers) != nresults or ids != expected:
        raise SourceError(f"{where_c}: identifier[] does not match the ISC_R_* of {where_h}")
    if len(texts) != nresults:
        raise SourceError(f"{where_c}: description[] has {len(texts)} texts, not {nresults}")
    # The table must be registered at ISC_RESULTCLASS_ISC with all ISC_R_NRESULTS texts.
    one(
        r"register_table\(\s*&description_tables\s*,\s*ISC_RESULTCLASS_ISC\s*,\s*"
        r"ISC_R_NRESULTS\s*,\s*description\s*,",
        bind["result_c"],
        where_c,
        "the registration of description[]",
    )
    unknown_text = one(
        r"ISC_RESULT_UNAVAILABLESET\s*,\s*\d+\s*,\s*\"([^\"\\]*)\"",
        bind["result_c"],
        where_c,
        "the text for unknown codes",
    ).group(1)
    codes = [
        Code(name, base + index, text, str(index))
        for index, (name, text) in enumerate(zip(ids, texts, strict=True))
    ]
    return codes, aliases, unknown_text


def parse_dhcp(dhcp: dict[str, str], classes: dict[str, int], class_size: int) -> list[Code]:
    where_h = "DHCP " + DHCP_FILES["result_h"]
    where_c = "DHCP " + DHCP_FILES["result_c"]
    offsets: list[tuple[str, int]] = []
    nresults = None
    for name, raw in defines(dhcp["result_h"], "DHCP_R_"):
        if name == "DHCP_R_NRESULTS":
            nresults = int(raw)
            continue
        match = re.fullmatch(r"\(\s*ISC_RESULTCLASS_DHCP\s*\+\s*(\d+)\s*\)", raw)
        if match is None:
            raise SourceError(f"{where_h}: cannot read #define {name} {raw}")
        offsets.append((name, int(match.group(1))))
    if nresults is None:
        raise SourceError(f"{where_h}: no DHCP_R_NRESULTS")
    if [offset for _, offset in offsets] != list(range(nresults)):
        raise SourceError(f"{where_h}: DHCP_R_* are not ISC_RESULTCLASS_DHCP + 0..{nresults - 1}")
    if nresults > class_size:
        raise SourceError(f"{where_h}: DHCP_R_NRESULTS {nresults} exceeds the class size")

    # 4.4.3-P1 registers text[] in class ISC_RESULTCLASS_DHCP through BIND's own
    # isc_result_register(), with a NULL catalogue, and defines no isc_result_totext() of its
    # own (DHCP 4.1 and older did): refuse a source that does anything else.
    one(
        r"isc_result_register\(\s*ISC_RESULTCLASS_DHCP\s*,\s*DHCP_R_NRESULTS\s*,\s*text\s*,"
        r"\s*dhcp_msgcat\s*,",
        dhcp["result_c"],
        where_c,
        "the registration of text[]",
    )
    one(
        r"isc_msgcat_t\s*\*\s*dhcp_msgcat\s*=\s*NULL\s*;",
        dhcp["result_c"],
        where_c,
        "dhcp_msgcat = NULL",
    )
    if re.search(r"\bisc_result_totext\s*\(", strip_comments(dhcp["result_c"])):
        raise SourceError(f"{where_c}: defines its own isc_result_totext()")
    texts = string_array(dhcp["result_c"], "text", where_c)
    if len(texts) != nresults:
        raise SourceError(f"{where_c}: text[] has {len(texts)} texts, not {nresults}")
    base = classes["ISC_RESULTCLASS_DHCP"]
    return [
        Code(name, base + offset, text, f"ISC_RESULTCLASS_DHCP + {offset}")
        for (name, offset), text in zip(offsets, texts, strict=True)
    ]


# --------------------------------------------------------------------------- output

HEADER = '''\
# GENERATED FILE, DO NOT EDIT: written by scripts/gen_results.py from the sources of
# ISC DHCP {dhcp_version} and its bundled BIND {bind_version}. To regenerate, run
#     python3 scripts/gen_results.py --isc-source /path/to/dhcp-{dhcp_version}
# (add --check to only compare). The sources are at https://www.isc.org/dhcp/.
"""isc_result_t codes and texts: what libdhcpctl of ISC DHCP {dhcp_version} reports.

The ISC_R_* codes come from BIND's libisc, the DHCP_R_* codes from DHCP's omapip, which
registers their texts in class ISC_RESULTCLASS_DHCP when dhcpctl_initialize() runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

ISC_RESULTCLASS_SIZE: Final = {class_size}
ISC_RESULTCLASS_ISC: Final = {class_isc}
ISC_RESULTCLASS_DHCP: Final = {class_dhcp}

UNKNOWN_RESULT_TEXT: Final = {unknown_text}
"""What isc_result_totext() returns for a code that no registered table covers."""
'''

FOOTER = '''

def isc_result_totext(status: int) -> str:
    """The text libdhcpctl's isc_result_totext(status) returns after dhcpctl_initialize().

    Like the C argument, an isc_result_t (a C unsigned int), status is taken modulo 2**32.
    Codes of the ISC and DHCP classes have their texts; any other code gives
    UNKNOWN_RESULT_TEXT. (In C, dhcpctl_initialize() also registers BIND's DNS, DNS rcode and
    DST classes, whose texts this table does not hold.)
    """
    return RESULT_TEXTS.get(status & 0xFFFF_FFFF, UNKNOWN_RESULT_TEXT)
'''


def render(tables: Tables) -> str:
    lines = [
        HEADER.format(
            dhcp_version=tables.dhcp_version,
            bind_version=tables.bind_version,
            class_size=tables.class_size,
            class_isc=tables.class_isc,
            class_dhcp=tables.class_dhcp,
            unknown_text=py_str(tables.unknown_text),
        ),
        f"# ISC_R_*: BIND {BIND_FILES['result_h']}, class ISC_RESULTCLASS_ISC",
    ]
    lines += [f"{code.name}: Final = {code.number}" for code in tables.isc_codes]
    lines += [f"{alias}: Final = {name}" for alias, name in tables.isc_aliases]
    lines += ["", f"# DHCP_R_*: DHCP {DHCP_FILES['result_h']}"]
    lines += [f"{code.name}: Final = {code.number}  # {code.source}" for code in tables.dhcp_codes]
    codes = tables.isc_codes + tables.dhcp_codes
    lines += ["", "RESULT_TEXTS: Final[Mapping[int, str]] = MappingProxyType("]
    lines += ["    {"] + [f"        {c.name}: {py_str(c.text)}," for c in codes] + ["    }", ")"]
    lines += ['"""isc_result_totext() of every ISC_R_* and DHCP_R_* code."""', ""]
    lines += ["RESULT_NAMES: Final[Mapping[int, str]] = MappingProxyType("]
    lines += ["    {"] + [f"        {c.name}: {py_str(c.name)}," for c in codes] + ["    }", ")"]
    lines += [
        '"""The constant name of every code (of aliases, the one isc_result_toid() gives)."""'
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
