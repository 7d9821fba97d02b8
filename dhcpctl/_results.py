# GENERATED FILE, DO NOT EDIT: written by scripts/gen_results.py from the sources of
# ISC DHCP 4.4.3-P1 and its bundled BIND 9.11.36. To regenerate, run
#     python3 scripts/gen_results.py --isc-source /path/to/dhcp-4.4.3-P1
# (add --check to only compare). The sources are at https://www.isc.org/dhcp/.
"""isc_result_t codes and texts: what libdhcpctl of ISC DHCP 4.4.3-P1 reports.

The ISC_R_* codes come from BIND's libisc, the DHCP_R_* codes from DHCP's omapip, which
registers their texts in class ISC_RESULTCLASS_DHCP when dhcpctl_initialize() runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

ISC_RESULTCLASS_SIZE: Final = 65536
ISC_RESULTCLASS_ISC: Final = 0
ISC_RESULTCLASS_DHCP: Final = 393216

UNKNOWN_RESULT_TEXT: Final = "(result code text not available)"
"""What isc_result_totext() returns for a code that no registered table covers."""

# ISC_R_*: BIND lib/isc/include/isc/result.h, class ISC_RESULTCLASS_ISC
ISC_R_SUCCESS: Final = 0
ISC_R_NOMEMORY: Final = 1
ISC_R_TIMEDOUT: Final = 2
ISC_R_NOTHREADS: Final = 3
ISC_R_ADDRNOTAVAIL: Final = 4
ISC_R_ADDRINUSE: Final = 5
ISC_R_NOPERM: Final = 6
ISC_R_NOCONN: Final = 7
ISC_R_NETUNREACH: Final = 8
ISC_R_HOSTUNREACH: Final = 9
ISC_R_NETDOWN: Final = 10
ISC_R_HOSTDOWN: Final = 11
ISC_R_CONNREFUSED: Final = 12
ISC_R_NORESOURCES: Final = 13
ISC_R_EOF: Final = 14
ISC_R_BOUND: Final = 15
ISC_R_RELOAD: Final = 16
ISC_R_LOCKBUSY: Final = 17
ISC_R_EXISTS: Final = 18
ISC_R_NOSPACE: Final = 19
ISC_R_CANCELED: Final = 20
ISC_R_NOTBOUND: Final = 21
ISC_R_SHUTTINGDOWN: Final = 22
ISC_R_NOTFOUND: Final = 23
ISC_R_UNEXPECTEDEND: Final = 24
ISC_R_FAILURE: Final = 25
ISC_R_IOERROR: Final = 26
ISC_R_NOTIMPLEMENTED: Final = 27
ISC_R_UNBALANCED: Final = 28
ISC_R_NOMORE: Final = 29
ISC_R_INVALIDFILE: Final = 30
ISC_R_BADBASE64: Final = 31
ISC_R_UNEXPECTEDTOKEN: Final = 32
ISC_R_QUOTA: Final = 33
ISC_R_UNEXPECTED: Final = 34
ISC_R_ALREADYRUNNING: Final = 35
ISC_R_IGNORE: Final = 36
ISC_R_MASKNONCONTIG: Final = 37
ISC_R_FILENOTFOUND: Final = 38
ISC_R_FILEEXISTS: Final = 39
ISC_R_NOTCONNECTED: Final = 40
ISC_R_RANGE: Final = 41
ISC_R_NOENTROPY: Final = 42
ISC_R_MULTICAST: Final = 43
ISC_R_NOTFILE: Final = 44
ISC_R_NOTDIRECTORY: Final = 45
ISC_R_QUEUEFULL: Final = 46
ISC_R_FAMILYMISMATCH: Final = 47
ISC_R_FAMILYNOSUPPORT: Final = 48
ISC_R_BADHEX: Final = 49
ISC_R_TOOMANYOPENFILES: Final = 50
ISC_R_NOTBLOCKING: Final = 51
ISC_R_UNBALANCEDQUOTES: Final = 52
ISC_R_INPROGRESS: Final = 53
ISC_R_CONNECTIONRESET: Final = 54
ISC_R_SOFTQUOTA: Final = 55
ISC_R_BADNUMBER: Final = 56
ISC_R_DISABLED: Final = 57
ISC_R_MAXSIZE: Final = 58
ISC_R_BADADDRESSFORM: Final = 59
ISC_R_BADBASE32: Final = 60
ISC_R_UNSET: Final = 61
ISC_R_MULTIPLE: Final = 62
ISC_R_WOULDBLOCK: Final = 63
ISC_R_COMPLETE: Final = 64
ISC_R_CRYPTOFAILURE: Final = 65
ISC_R_DISCQUOTA: Final = 66
ISC_R_DISCFULL: Final = 67
ISC_R_DEFAULT: Final = 68
ISC_R_IPV4PREFIX: Final = 69
ISC_R_SUSPEND: Final = ISC_R_RELOAD

# DHCP_R_*: DHCP includes/omapip/result.h
DHCP_R_HOSTUNKNOWN: Final = 393216  # ISC_RESULTCLASS_DHCP + 0
DHCP_R_VERSIONMISMATCH: Final = 393217  # ISC_RESULTCLASS_DHCP + 1
DHCP_R_PROTOCOLERROR: Final = 393218  # ISC_RESULTCLASS_DHCP + 2
DHCP_R_INVALIDARG: Final = 393219  # ISC_RESULTCLASS_DHCP + 3
DHCP_R_NOTYET: Final = 393220  # ISC_RESULTCLASS_DHCP + 4
DHCP_R_UNCHANGED: Final = 393221  # ISC_RESULTCLASS_DHCP + 5
DHCP_R_MULTIPLE: Final = 393222  # ISC_RESULTCLASS_DHCP + 6
DHCP_R_KEYCONFLICT: Final = 393223  # ISC_RESULTCLASS_DHCP + 7
DHCP_R_BADPARSE: Final = 393224  # ISC_RESULTCLASS_DHCP + 8
DHCP_R_NOKEYS: Final = 393225  # ISC_RESULTCLASS_DHCP + 9
DHCP_R_KEY_UNKNOWN: Final = 393226  # ISC_RESULTCLASS_DHCP + 10
DHCP_R_INVALIDKEY: Final = 393227  # ISC_RESULTCLASS_DHCP + 11
DHCP_R_INCOMPLETE: Final = 393228  # ISC_RESULTCLASS_DHCP + 12
DHCP_R_FORMERR: Final = 393229  # ISC_RESULTCLASS_DHCP + 13
DHCP_R_SERVFAIL: Final = 393230  # ISC_RESULTCLASS_DHCP + 14
DHCP_R_NXDOMAIN: Final = 393231  # ISC_RESULTCLASS_DHCP + 15
DHCP_R_NOTIMPL: Final = 393232  # ISC_RESULTCLASS_DHCP + 16
DHCP_R_REFUSED: Final = 393233  # ISC_RESULTCLASS_DHCP + 17
DHCP_R_YXDOMAIN: Final = 393234  # ISC_RESULTCLASS_DHCP + 18
DHCP_R_YXRRSET: Final = 393235  # ISC_RESULTCLASS_DHCP + 19
DHCP_R_NXRRSET: Final = 393236  # ISC_RESULTCLASS_DHCP + 20
DHCP_R_NOTAUTH: Final = 393237  # ISC_RESULTCLASS_DHCP + 21
DHCP_R_NOTZONE: Final = 393238  # ISC_RESULTCLASS_DHCP + 22
DHCP_R_BADSIG: Final = 393239  # ISC_RESULTCLASS_DHCP + 23
DHCP_R_BADKEY: Final = 393240  # ISC_RESULTCLASS_DHCP + 24
DHCP_R_BADTIME: Final = 393241  # ISC_RESULTCLASS_DHCP + 25
DHCP_R_NOROOTZONE: Final = 393242  # ISC_RESULTCLASS_DHCP + 26
DHCP_R_DESTADDRREQ: Final = 393243  # ISC_RESULTCLASS_DHCP + 27
DHCP_R_CROSSZONE: Final = 393244  # ISC_RESULTCLASS_DHCP + 28
DHCP_R_NO_TSIG: Final = 393245  # ISC_RESULTCLASS_DHCP + 29
DHCP_R_NOT_EQUAL: Final = 393246  # ISC_RESULTCLASS_DHCP + 30
DHCP_R_CONNRESET: Final = 393247  # ISC_RESULTCLASS_DHCP + 31
DHCP_R_UNKNOWNATTRIBUTE: Final = 393248  # ISC_RESULTCLASS_DHCP + 32

RESULT_TEXTS: Final[Mapping[int, str]] = MappingProxyType(
    {
        ISC_R_SUCCESS: "success",
        ISC_R_NOMEMORY: "out of memory",
        ISC_R_TIMEDOUT: "timed out",
        ISC_R_NOTHREADS: "no available threads",
        ISC_R_ADDRNOTAVAIL: "address not available",
        ISC_R_ADDRINUSE: "address in use",
        ISC_R_NOPERM: "permission denied",
        ISC_R_NOCONN: "no pending connections",
        ISC_R_NETUNREACH: "network unreachable",
        ISC_R_HOSTUNREACH: "host unreachable",
        ISC_R_NETDOWN: "network down",
        ISC_R_HOSTDOWN: "host down",
        ISC_R_CONNREFUSED: "connection refused",
        ISC_R_NORESOURCES: "not enough free resources",
        ISC_R_EOF: "end of file",
        ISC_R_BOUND: "socket already bound",
        ISC_R_RELOAD: "reload",
        ISC_R_LOCKBUSY: "lock busy",
        ISC_R_EXISTS: "already exists",
        ISC_R_NOSPACE: "ran out of space",
        ISC_R_CANCELED: "operation canceled",
        ISC_R_NOTBOUND: "socket is not bound",
        ISC_R_SHUTTINGDOWN: "shutting down",
        ISC_R_NOTFOUND: "not found",
        ISC_R_UNEXPECTEDEND: "unexpected end of input",
        ISC_R_FAILURE: "failure",
        ISC_R_IOERROR: "I/O error",
        ISC_R_NOTIMPLEMENTED: "not implemented",
        ISC_R_UNBALANCED: "unbalanced parentheses",
        ISC_R_NOMORE: "no more",
        ISC_R_INVALIDFILE: "invalid file",
        ISC_R_BADBASE64: "bad base64 encoding",
        ISC_R_UNEXPECTEDTOKEN: "unexpected token",
        ISC_R_QUOTA: "quota reached",
        ISC_R_UNEXPECTED: "unexpected error",
        ISC_R_ALREADYRUNNING: "already running",
        ISC_R_IGNORE: "ignore",
        ISC_R_MASKNONCONTIG: "address mask not contiguous",
        ISC_R_FILENOTFOUND: "file not found",
        ISC_R_FILEEXISTS: "file already exists",
        ISC_R_NOTCONNECTED: "socket is not connected",
        ISC_R_RANGE: "out of range",
        ISC_R_NOENTROPY: "out of entropy",
        ISC_R_MULTICAST: "invalid use of multicast address",
        ISC_R_NOTFILE: "not a file",
        ISC_R_NOTDIRECTORY: "not a directory",
        ISC_R_QUEUEFULL: "queue is full",
        ISC_R_FAMILYMISMATCH: "address family mismatch",
        ISC_R_FAMILYNOSUPPORT: "address family not supported",
        ISC_R_BADHEX: "bad hex encoding",
        ISC_R_TOOMANYOPENFILES: "too many open files",
        ISC_R_NOTBLOCKING: "not blocking",
        ISC_R_UNBALANCEDQUOTES: "unbalanced quotes",
        ISC_R_INPROGRESS: "operation in progress",
        ISC_R_CONNECTIONRESET: "connection reset",
        ISC_R_SOFTQUOTA: "soft quota reached",
        ISC_R_BADNUMBER: "not a valid number",
        ISC_R_DISABLED: "disabled",
        ISC_R_MAXSIZE: "max size",
        ISC_R_BADADDRESSFORM: "invalid address format",
        ISC_R_BADBASE32: "bad base32 encoding",
        ISC_R_UNSET: "unset",
        ISC_R_MULTIPLE: "multiple",
        ISC_R_WOULDBLOCK: "would block",
        ISC_R_COMPLETE: "complete",
        ISC_R_CRYPTOFAILURE: "crypto failure",
        ISC_R_DISCQUOTA: "disc quota",
        ISC_R_DISCFULL: "disc full",
        ISC_R_DEFAULT: "default",
        ISC_R_IPV4PREFIX: "IPv4 prefix",
        DHCP_R_HOSTUNKNOWN: "host unknown",
        DHCP_R_VERSIONMISMATCH: "protocol version mismatch",
        DHCP_R_PROTOCOLERROR: "protocol error",
        DHCP_R_INVALIDARG: "invalid argument",
        DHCP_R_NOTYET: "data not yet available",
        DHCP_R_UNCHANGED: "object unchanged",
        DHCP_R_MULTIPLE: "more than one object matches key",
        DHCP_R_KEYCONFLICT: "key conflict",
        DHCP_R_BADPARSE: "parse error(s) occurred",
        DHCP_R_NOKEYS: "no key specified",
        DHCP_R_KEY_UNKNOWN: "zone TSIG key not known",
        DHCP_R_INVALIDKEY: "invalid TSIG key",
        DHCP_R_INCOMPLETE: "operation in progress",
        DHCP_R_FORMERR: "DNS format error",
        DHCP_R_SERVFAIL: "DNS server failed",
        DHCP_R_NXDOMAIN: "no such domain",
        DHCP_R_NOTIMPL: "not implemented",
        DHCP_R_REFUSED: "refused",
        DHCP_R_YXDOMAIN: "domain already exists",
        DHCP_R_YXRRSET: "RRset already exists",
        DHCP_R_NXRRSET: "no such RRset",
        DHCP_R_NOTAUTH: "not authorized",
        DHCP_R_NOTZONE: "not a zone",
        DHCP_R_BADSIG: "bad DNS signature",
        DHCP_R_BADKEY: "bad DNS key",
        DHCP_R_BADTIME: "clock skew too great",
        DHCP_R_NOROOTZONE: "no root zone",
        DHCP_R_DESTADDRREQ: "destination address required",
        DHCP_R_CROSSZONE: "cross-zone update",
        DHCP_R_NO_TSIG: "no TSIG signature",
        DHCP_R_NOT_EQUAL: "not equal",
        DHCP_R_CONNRESET: "connection reset by peer",
        DHCP_R_UNKNOWNATTRIBUTE: "unknown attribute",
    }
)
"""isc_result_totext() of every ISC_R_* and DHCP_R_* code."""

RESULT_NAMES: Final[Mapping[int, str]] = MappingProxyType(
    {
        ISC_R_SUCCESS: "ISC_R_SUCCESS",
        ISC_R_NOMEMORY: "ISC_R_NOMEMORY",
        ISC_R_TIMEDOUT: "ISC_R_TIMEDOUT",
        ISC_R_NOTHREADS: "ISC_R_NOTHREADS",
        ISC_R_ADDRNOTAVAIL: "ISC_R_ADDRNOTAVAIL",
        ISC_R_ADDRINUSE: "ISC_R_ADDRINUSE",
        ISC_R_NOPERM: "ISC_R_NOPERM",
        ISC_R_NOCONN: "ISC_R_NOCONN",
        ISC_R_NETUNREACH: "ISC_R_NETUNREACH",
        ISC_R_HOSTUNREACH: "ISC_R_HOSTUNREACH",
        ISC_R_NETDOWN: "ISC_R_NETDOWN",
        ISC_R_HOSTDOWN: "ISC_R_HOSTDOWN",
        ISC_R_CONNREFUSED: "ISC_R_CONNREFUSED",
        ISC_R_NORESOURCES: "ISC_R_NORESOURCES",
        ISC_R_EOF: "ISC_R_EOF",
        ISC_R_BOUND: "ISC_R_BOUND",
        ISC_R_RELOAD: "ISC_R_RELOAD",
        ISC_R_LOCKBUSY: "ISC_R_LOCKBUSY",
        ISC_R_EXISTS: "ISC_R_EXISTS",
        ISC_R_NOSPACE: "ISC_R_NOSPACE",
        ISC_R_CANCELED: "ISC_R_CANCELED",
        ISC_R_NOTBOUND: "ISC_R_NOTBOUND",
        ISC_R_SHUTTINGDOWN: "ISC_R_SHUTTINGDOWN",
        ISC_R_NOTFOUND: "ISC_R_NOTFOUND",
        ISC_R_UNEXPECTEDEND: "ISC_R_UNEXPECTEDEND",
        ISC_R_FAILURE: "ISC_R_FAILURE",
        ISC_R_IOERROR: "ISC_R_IOERROR",
        ISC_R_NOTIMPLEMENTED: "ISC_R_NOTIMPLEMENTED",
        ISC_R_UNBALANCED: "ISC_R_UNBALANCED",
        ISC_R_NOMORE: "ISC_R_NOMORE",
        ISC_R_INVALIDFILE: "ISC_R_INVALIDFILE",
        ISC_R_BADBASE64: "ISC_R_BADBASE64",
        ISC_R_UNEXPECTEDTOKEN: "ISC_R_UNEXPECTEDTOKEN",
        ISC_R_QUOTA: "ISC_R_QUOTA",
        ISC_R_UNEXPECTED: "ISC_R_UNEXPECTED",
        ISC_R_ALREADYRUNNING: "ISC_R_ALREADYRUNNING",
        ISC_R_IGNORE: "ISC_R_IGNORE",
        ISC_R_MASKNONCONTIG: "ISC_R_MASKNONCONTIG",
        ISC_R_FILENOTFOUND: "ISC_R_FILENOTFOUND",
        ISC_R_FILEEXISTS: "ISC_R_FILEEXISTS",
        ISC_R_NOTCONNECTED: "ISC_R_NOTCONNECTED",
        ISC_R_RANGE: "ISC_R_RANGE",
        ISC_R_NOENTROPY: "ISC_R_NOENTROPY",
        ISC_R_MULTICAST: "ISC_R_MULTICAST",
        ISC_R_NOTFILE: "ISC_R_NOTFILE",
        ISC_R_NOTDIRECTORY: "ISC_R_NOTDIRECTORY",
        ISC_R_QUEUEFULL: "ISC_R_QUEUEFULL",
        ISC_R_FAMILYMISMATCH: "ISC_R_FAMILYMISMATCH",
        ISC_R_FAMILYNOSUPPORT: "ISC_R_FAMILYNOSUPPORT",
        ISC_R_BADHEX: "ISC_R_BADHEX",
        ISC_R_TOOMANYOPENFILES: "ISC_R_TOOMANYOPENFILES",
        ISC_R_NOTBLOCKING: "ISC_R_NOTBLOCKING",
        ISC_R_UNBALANCEDQUOTES: "ISC_R_UNBALANCEDQUOTES",
        ISC_R_INPROGRESS: "ISC_R_INPROGRESS",
        ISC_R_CONNECTIONRESET: "ISC_R_CONNECTIONRESET",
        ISC_R_SOFTQUOTA: "ISC_R_SOFTQUOTA",
        ISC_R_BADNUMBER: "ISC_R_BADNUMBER",
        ISC_R_DISABLED: "ISC_R_DISABLED",
        ISC_R_MAXSIZE: "ISC_R_MAXSIZE",
        ISC_R_BADADDRESSFORM: "ISC_R_BADADDRESSFORM",
        ISC_R_BADBASE32: "ISC_R_BADBASE32",
        ISC_R_UNSET: "ISC_R_UNSET",
        ISC_R_MULTIPLE: "ISC_R_MULTIPLE",
        ISC_R_WOULDBLOCK: "ISC_R_WOULDBLOCK",
        ISC_R_COMPLETE: "ISC_R_COMPLETE",
        ISC_R_CRYPTOFAILURE: "ISC_R_CRYPTOFAILURE",
        ISC_R_DISCQUOTA: "ISC_R_DISCQUOTA",
        ISC_R_DISCFULL: "ISC_R_DISCFULL",
        ISC_R_DEFAULT: "ISC_R_DEFAULT",
        ISC_R_IPV4PREFIX: "ISC_R_IPV4PREFIX",
        DHCP_R_HOSTUNKNOWN: "DHCP_R_HOSTUNKNOWN",
        DHCP_R_VERSIONMISMATCH: "DHCP_R_VERSIONMISMATCH",
        DHCP_R_PROTOCOLERROR: "DHCP_R_PROTOCOLERROR",
        DHCP_R_INVALIDARG: "DHCP_R_INVALIDARG",
        DHCP_R_NOTYET: "DHCP_R_NOTYET",
        DHCP_R_UNCHANGED: "DHCP_R_UNCHANGED",
        DHCP_R_MULTIPLE: "DHCP_R_MULTIPLE",
        DHCP_R_KEYCONFLICT: "DHCP_R_KEYCONFLICT",
        DHCP_R_BADPARSE: "DHCP_R_BADPARSE",
        DHCP_R_NOKEYS: "DHCP_R_NOKEYS",
        DHCP_R_KEY_UNKNOWN: "DHCP_R_KEY_UNKNOWN",
        DHCP_R_INVALIDKEY: "DHCP_R_INVALIDKEY",
        DHCP_R_INCOMPLETE: "DHCP_R_INCOMPLETE",
        DHCP_R_FORMERR: "DHCP_R_FORMERR",
        DHCP_R_SERVFAIL: "DHCP_R_SERVFAIL",
        DHCP_R_NXDOMAIN: "DHCP_R_NXDOMAIN",
        DHCP_R_NOTIMPL: "DHCP_R_NOTIMPL",
        DHCP_R_REFUSED: "DHCP_R_REFUSED",
        DHCP_R_YXDOMAIN: "DHCP_R_YXDOMAIN",
        DHCP_R_YXRRSET: "DHCP_R_YXRRSET",
        DHCP_R_NXRRSET: "DHCP_R_NXRRSET",
        DHCP_R_NOTAUTH: "DHCP_R_NOTAUTH",
        DHCP_R_NOTZONE: "DHCP_R_NOTZONE",
        DHCP_R_BADSIG: "DHCP_R_BADSIG",
        DHCP_R_BADKEY: "DHCP_R_BADKEY",
        DHCP_R_BADTIME: "DHCP_R_BADTIME",
        DHCP_R_NOROOTZONE: "DHCP_R_NOROOTZONE",
        DHCP_R_DESTADDRREQ: "DHCP_R_DESTADDRREQ",
        DHCP_R_CROSSZONE: "DHCP_R_CROSSZONE",
        DHCP_R_NO_TSIG: "DHCP_R_NO_TSIG",
        DHCP_R_NOT_EQUAL: "DHCP_R_NOT_EQUAL",
        DHCP_R_CONNRESET: "DHCP_R_CONNRESET",
        DHCP_R_UNKNOWNATTRIBUTE: "DHCP_R_UNKNOWNATTRIBUTE",
    }
)
"""The constant name of every code (of aliases, the one isc_result_toid() gives)."""


def isc_result_totext(status: int) -> str:
    """The text libdhcpctl's isc_result_totext(status) returns after dhcpctl_initialize().

    Like the C argument, an isc_result_t (a C unsigned int), status is taken modulo 2**32.
    Codes of the ISC and DHCP classes have their texts; any other code gives
    UNKNOWN_RESULT_TEXT. (In C, dhcpctl_initialize() also registers BIND's DNS, DNS rcode and
    DST classes, whose texts this table does not hold.)
    """
    return RESULT_TEXTS.get(status & 0xFFFF_FFFF, UNKNOWN_RESULT_TEXT)
