"""dhcpctl._results: the generated isc_result_t table, against ISC's source and spot checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import backend_or_skip
from hypothesis import given
from hypothesis import strategies as st

from dhcpctl import _results, load_backend
from dhcpctl._isc_locate import default_cache_dir
from dhcpctl._results import (
    DHCP_R_INVALIDARG,
    DHCP_R_INVALIDKEY,
    DHCP_R_KEY_UNKNOWN,
    DHCP_R_UNKNOWNATTRIBUTE,
    DNS_R_BADVERS,
    DNS_R_NOERROR,
    DNS_R_NSEC3RESALT,
    DNS_R_NXDOMAIN,
    DNS_R_RCODE12,
    DNS_R_TSIGVERIFYFAILURE,
    DST_R_CRYPTOFAILURE,
    DST_R_EXTERNALKEY,
    DST_R_OPENSSLFAILURE,
    DST_R_UNSUPPORTEDALG,
    ISC_R_EXISTS,
    ISC_R_IPV4PREFIX,
    ISC_R_NOTFOUND,
    ISC_R_RELOAD,
    ISC_R_SUCCESS,
    ISC_R_SUSPEND,
    ISC_R_TIMEDOUT,
    ISC_RESULTCLASS_DHCP,
    ISC_RESULTCLASS_DNS,
    ISC_RESULTCLASS_DNSRCODE,
    ISC_RESULTCLASS_DST,
    ISC_RESULTCLASS_SIZE,
    RESULT_NAMES,
    RESULT_TEXTS,
    UNKNOWN_RESULT_TEXT,
    isc_result_totext,
)
from testbed.pytest_plugin import missing

REPO = Path(__file__).resolve().parent.parent
GENERATOR = REPO / "scripts" / "gen_results.py"


def isc_source() -> Path:
    """The unpacked ISC DHCP 4.4.3-P1 source: DHCPCTL_ISC_SOURCE, else dhcpctl/build_isc.py's."""
    source = os.environ.get("DHCPCTL_ISC_SOURCE")
    if source:
        return Path(source)
    cached = default_cache_dir() / "src" / "dhcp-4.4.3-P1"
    if (cached / "bind" / "bind.tar.gz").exists():
        return cached
    reason = (
        f"no ISC DHCP 4.4.3-P1 source tree in {cached}: run `python3 dhcpctl/build_isc.py` "
        "(it fetches Debian's source package), or set DHCPCTL_ISC_SOURCE to an unpacked tree"
    )
    missing(reason, "DHCPCTL_REQUIRE_NATIVE")


def test_generated_module_matches_isc_source() -> None:
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--isc-source", str(isc_source()), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_known_codes() -> None:
    assert ISC_R_SUCCESS == 0
    assert isc_result_totext(ISC_R_SUCCESS) == "success"
    assert (ISC_R_TIMEDOUT, isc_result_totext(ISC_R_TIMEDOUT)) == (2, "timed out")
    assert (ISC_R_NOTFOUND, isc_result_totext(ISC_R_NOTFOUND)) == (23, "not found")
    assert (ISC_R_EXISTS, isc_result_totext(ISC_R_EXISTS)) == (18, "already exists")
    assert ISC_RESULTCLASS_DHCP == 6 << 16
    assert (DHCP_R_INVALIDARG, isc_result_totext(DHCP_R_INVALIDARG)) == (
        393219,
        "invalid argument",
    )
    assert (DHCP_R_KEY_UNKNOWN, isc_result_totext(DHCP_R_KEY_UNKNOWN)) == (
        393226,
        "zone TSIG key not known",
    )
    assert (DHCP_R_INVALIDKEY, isc_result_totext(DHCP_R_INVALIDKEY)) == (
        393227,
        "invalid TSIG key",
    )


def test_bind_dns_and_dst_codes() -> None:
    assert (ISC_RESULTCLASS_DNS, ISC_RESULTCLASS_DST, ISC_RESULTCLASS_DNSRCODE) == (
        1 << 16,
        2 << 16,
        3 << 16,
    )
    assert (DST_R_UNSUPPORTEDALG, isc_result_totext(DST_R_UNSUPPORTEDALG)) == (
        2 << 16,
        "algorithm is unsupported",
    )
    assert isc_result_totext(DST_R_EXTERNALKEY) == "illegal operation for an external key"
    assert (DNS_R_TSIGVERIFYFAILURE, isc_result_totext(DNS_R_TSIGVERIFYFAILURE)) == (
        (1 << 16) + 38,
        "tsig verify failure",
    )
    assert isc_result_totext(DNS_R_NSEC3RESALT) == "NSEC3 resalt"
    assert (DNS_R_NXDOMAIN, isc_result_totext(DNS_R_NXDOMAIN)) == ((3 << 16) + 3, "NXDOMAIN")
    assert isc_result_totext(DNS_R_RCODE12) == "<rcode 12>"
    assert isc_result_totext(DNS_R_BADVERS) == "BADVERS"


def test_registered_codes_without_a_constant() -> None:
    # Commented out in dns/result.h (deprecated), or gaps in dst/result.h: texts, no names.
    assert isc_result_totext(ISC_RESULTCLASS_DNS + 2) == "bad bitstring"
    assert isc_result_totext(ISC_RESULTCLASS_DST + 6) == "external key"
    assert isc_result_totext(ISC_RESULTCLASS_DST + 9) == "UNUSED9"
    unnamed = RESULT_TEXTS.keys() - RESULT_NAMES.keys()
    assert unnamed == {ISC_RESULTCLASS_DNS + n for n in (2, 3)} | {
        ISC_RESULTCLASS_DST + n for n in (6, 9, 10, 12, 13)
    }


def test_alias_takes_the_identifier_of_its_number() -> None:
    assert ISC_R_SUSPEND == ISC_R_RELOAD
    assert RESULT_NAMES[ISC_R_SUSPEND] == "ISC_R_RELOAD"
    assert DST_R_OPENSSLFAILURE == DST_R_CRYPTOFAILURE
    assert RESULT_NAMES[DST_R_OPENSSLFAILURE] == "DST_R_CRYPTOFAILURE"


@pytest.mark.parametrize(
    "status",
    [
        ISC_R_IPV4PREFIX + 1,  # ISC_R_NRESULTS: just past the ISC table
        DHCP_R_UNKNOWNATTRIBUTE + 1,  # DHCP_R_NRESULTS: just past the DHCP table
        DNS_R_NSEC3RESALT + 1,  # DNS_R_NRESULTS: just past the DNS table
        DNS_R_BADVERS + 1,  # DNS_R_NRCODERESULTS: just past the DNS rcode table
        DST_R_EXTERNALKEY + 1,  # DST_R_NRESULTS: just past the DST table
        ISC_RESULTCLASS_DHCP - 1,  # the last code of class ISC_RESULTCLASS_ISCCC
        (7 << 16) + 0,  # class ISC_RESULTCLASS_PK11: BIND's PKCS#11 texts are not registered
        2**32 - 1,
    ],
)
def test_unknown_code_text(status: int) -> None:
    assert UNKNOWN_RESULT_TEXT == "(result code text not available)"
    assert status not in RESULT_TEXTS
    assert isc_result_totext(status) == "(result code text not available)"


def test_status_is_taken_as_a_c_unsigned_int() -> None:
    assert isc_result_totext(2**32 + ISC_R_TIMEDOUT) == "timed out"
    assert isc_result_totext(-1) == isc_result_totext(2**32 - 1)


def test_names_and_numbers_are_a_bijection() -> None:
    assert RESULT_NAMES.keys() <= RESULT_TEXTS.keys()
    assert len(set(RESULT_NAMES.values())) == len(RESULT_NAMES)
    for number, name in RESULT_NAMES.items():
        assert getattr(_results, name) == number
    constants = {
        name: value
        for name, value in vars(_results).items()
        if name.startswith(("ISC_R_", "DHCP_R_", "DNS_R_", "DST_R_"))
    }
    assert set(constants.values()) == set(RESULT_NAMES)
    # Every constant is named in RESULT_NAMES, except aliases of an already named number.
    aliases = {name for name in constants if name not in RESULT_NAMES.values()}
    assert aliases == {"ISC_R_SUSPEND", "DST_R_OPENSSLFAILURE"}


def test_codes_lie_in_their_classes() -> None:
    dhcp = {number for number, name in RESULT_NAMES.items() if name.startswith("DHCP_R_")}
    isc = {number for number, name in RESULT_NAMES.items() if name.startswith("ISC_R_")}
    dhcp_class = range(ISC_RESULTCLASS_DHCP, ISC_RESULTCLASS_DHCP + ISC_RESULTCLASS_SIZE)
    assert all(number in dhcp_class for number in dhcp)
    assert isc == set(range(len(isc)))
    assert all(RESULT_TEXTS[number] for number in RESULT_TEXTS)


def test_registered_tables_per_class() -> None:
    """Each registered class's texts run from offset 0 without a gap (how many is
    ``gen_results.py --check``'s business: it compares the whole table with ISC's source)."""
    per_class: dict[int, set[int]] = {}
    for number in RESULT_TEXTS:
        per_class.setdefault(number >> 16, set()).add(number & 0xFFFF)
    assert set(per_class) == {0, 1, 2, 3, 6}
    assert all(texts == set(range(len(texts))) for texts in per_class.values())
    assert {name[: name.index("_R_")] for name in RESULT_NAMES.values()} == {
        "ISC",
        "DHCP",
        "DNS",
        "DST",
    }
    assert DNS_R_NOERROR == ISC_RESULTCLASS_DNSRCODE


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_python_backend_uses_the_generated_table(status: int) -> None:
    """The pure-Python backend's text is the table's (a wrapper of its own, carrying the
    Backend's docstring): the comparisons with C below cover it."""
    assert load_backend("python").isc_result_totext(status) == isc_result_totext(status)


@pytest.mark.native
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_totext_agrees_with_c_for_any_code(status: int) -> None:
    native = backend_or_skip("native")
    assert native.isc_result_totext(status) == isc_result_totext(status)


@pytest.mark.native
def test_totext_agrees_with_c_for_every_code() -> None:
    """Every code of classes 0 (ISC) .. 7 (PK11), and the largest: C's isc_result_totext()
    (with the texts dhcpctl_initialize() registered) gives dhcpctl._results' text."""
    native = backend_or_skip("native")
    statuses = [*range(8 << 16), 0xFFFF_FFFF]
    differ = {
        status: (text, isc_result_totext(status))
        for status in statuses
        if (text := native.isc_result_totext(status)) != isc_result_totext(status)
    }
    assert differ == {}
    assert native.isc_result_totext(DST_R_UNSUPPORTEDALG) == "algorithm is unsupported"
    assert native.isc_result_totext(DNS_R_TSIGVERIFYFAILURE) == "tsig verify failure"
    assert native.isc_result_totext(0xFFFF_FFFF) == "(result code text not available)"
