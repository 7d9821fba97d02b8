"""The detail texts of both backends' errors, written once: above all those of a failed connect
or a lost connection (where, what the server said, why).

Both backends raise C's statuses (see :mod:`dhcpctl._api`); the detail of their
:class:`~dhcpctl.DhcpctlError` for a connection that could not be made or was lost is written
here, once, so that the same failure reads alike through either: the server's address, what the
server said where the backend can read it, and the likely cause. ISC's library keeps none of
the server's words in these cases (``omapip/protocol.c`` omapi_protocol_signal_handler passes
the refused authenticator's status on without its text; a reply without the connection's
signature is dropped by ``omapip/message.c`` omapi_message_process before it is read; a failed
TCP connect's errno is the return value of ``omapip/connection.c`` omapi_connection_connect,
which ``omapip/dispatch.c`` omapi_one_dispatch discards), so the native backend gives the
likely cause without them. A key is named by its name and algorithm, never its secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

from dhcpctl._key import ALGORITHMS
from dhcpctl._results import (
    DHCP_R_HOSTUNKNOWN,
    ISC_R_CONNREFUSED,
    ISC_R_HOSTUNREACH,
    ISC_R_NETUNREACH,
    ISC_R_NOMORE,
    ISC_R_NOTFOUND,
    ISC_R_TIMEDOUT,
)

#: What ``dhcpctl_new_authenticator`` appends to an algorithm without a dot (``dhcpctl/remote.c``).
_SUFFIX: Final = ".SIG-ALG.REG.INT."

#: The algorithm names, as sent, that ISC signs with (``omapip/isclib.c`` isclib_make_dst_key).
_SIGNED_WITH: Final = frozenset(f"{name}{_SUFFIX}".lower() for name in ALGORITHMS)

#: A connect that failed before OMAPI's introduction: the TCP connect, or the server closed it.
_UNREACHED: Final = frozenset(
    (ISC_R_NOMORE, ISC_R_CONNREFUSED, ISC_R_NETUNREACH, ISC_R_HOSTUNREACH, ISC_R_TIMEDOUT)
)

#: Why a connect ended with ``ISC_R_NOMORE`` in ISC's library, which does not say which (a peer
#: whose introduction is not OMAPI's is disconnected there unread: ``omapip/protocol.c``
#: omapi_protocol_signal_handler's ``DHCP_R_VERSIONMISMATCH`` does not reach the caller).
UNSAID_CONNECT: Final = (
    "refused, unreachable, closed by the server before OMAPI's introduction, or the peer does "
    "not speak OMAPI (ISC's library does not say which)"
)

#: The most bytes of a peer's introduction :func:`not_omapi` shows (OMAPI's is 8 bytes).
INTRO_SHOWN: Final = 8

#: Why a timed wait or connect ended with ``ISC_R_TIMEDOUT``.
NO_ANSWER: Final = "no answer in time"
#: The same for a timed wait, whose request stays in flight.
STILL_QUEUED: Final = f"{NO_ANSWER}; the request stays queued"


class KeyName(NamedTuple):
    """An authenticator as error texts name it: key name and algorithm (as sent), never the
    secret."""

    name: str
    algorithm: str


def key_name(name: str, algorithm: str) -> KeyName:
    """The :class:`KeyName` of ``dhcpctl_new_authenticator(name, algorithm, ...)``: the
    algorithm as C sends it (a name without a dot gets the suffix, ``dhcpctl/remote.c``)."""
    return KeyName(name, algorithm if "." in algorithm else algorithm + _SUFFIX)


@dataclass(frozen=True)
class Peer:
    """The server of a connection: ``address`` and ``port`` as given to the connect, and the
    key of its authenticator (None without one)."""

    address: str
    port: int
    key: KeyName | None = None

    def __str__(self) -> str:
        return f"{self.address}:{self.port}"


def connect_failed(peer: Peer, status: int, said: str | None = None) -> str:
    """The detail of a connect to ``peer`` that failed with ``status``.

    ``said`` is what the backend knows beyond the status (the socket's error, the server's
    text), None when it knows nothing more (ISC's library). A connect that never reached OMAPI
    asks whether dhcpd listens there; an authenticator refused with ``ISC_R_NOTFOUND`` (what
    ``omapip/auth.c`` omapi_auth_key_lookup answers for an unknown name or algorithm) names
    the key and which part of it is most likely wrong.
    """
    if status == DHCP_R_HOSTUNKNOWN:
        return f"cannot resolve {peer.address!r}"
    if status in _UNREACHED:
        reason = said or (NO_ANSWER if status == ISC_R_TIMEDOUT else UNSAID_CONNECT)
        return (
            f"cannot connect to {peer}: {reason}; "
            f"is dhcpd running there, with omapi-port {peer.port}?"
        )
    if peer.key is not None and status == ISC_R_NOTFOUND:
        said = said or "the server refused the authenticator (ISC's library does not keep its text)"
        return f"{peer}: {said}; likely cause: {_unknown_key(peer.key)}"
    return f"{peer}: {said}" if said else f"connecting to {peer}"


def not_omapi(intro: bytes) -> str:
    """The detail of a peer's introduction that is not OMAPI's (its protocol version is not
    100: ``omapip/protocol.c`` omapi_protocol_signal_handler answers
    ``DHCP_R_VERSIONMISMATCH``): the peer does not speak OMAPI, and its first bytes, at most
    :data:`INTRO_SHOWN`, as a Python bytes literal shows them (``'HTTP/1.1'``, every byte that
    is not printable ASCII as ``\\xNN``), so that a web server or SSH on the port is seen as
    such rather than as an OMAPI version number."""
    shown = repr(bytes(intro[:INTRO_SHOWN]))[1:]
    return f"the peer does not speak OMAPI: its introduction is not OMAPI's (it sent {shown})"


def _unknown_key(key: KeyName) -> str:
    if key.algorithm.lower() not in _SIGNED_WITH:
        return (
            f"the algorithm {key.algorithm!r} is none ISC DHCP signs with (one of "
            f"{', '.join(ALGORITHMS)}, bare or with the whole suffix {_SUFFIX!r})"
        )
    return (
        f"the server has no key named {key.name!r} with algorithm {key.algorithm!r}: most "
        "likely a wrong key name (else dhcpd.conf's key has another algorithm)"
    )


def lost(peer: Peer, detail: str) -> str:
    """The detail of a request or wait on the connection to ``peer`` that failed: ``detail``
    says how the backend saw it end."""
    return f"{peer}: {detail}"


#: What the python backend says of an unsigned message on a keyed connection (dhcpd's answer to
#: a wrong signature is one): the typed clients take it as a wrong secret.
UNSIGNED_ANSWER: Final = "server sent an unsigned message on an authenticated connection"


def wrong_secret(key: KeyName) -> str:
    """The likely cause of a keyed connection dropped at its first reply: dhcpd knew the key's
    name and algorithm (the connect worked) but not its signature, and answers that with an
    unsigned STATUS ``DHCP_R_INVALIDKEY`` (``omapip/protocol.c``), on which the client drops
    the connection."""
    return (
        f"likely cause: a wrong secret for key {key.name!r} (the server knows its name and "
        'algorithm but could not verify the signature: it answers "invalid TSIG key" unsigned, '
        "and the client drops the connection)"
    )


#: An authenticator has no values to set (``omapip/support.c`` omapi_set_value: no method).
AUTHENTICATOR_TAKES_NO_VALUES: Final = "an authenticator takes no values"


def no_value(name: str) -> str:
    """``ISC_R_NOTFOUND`` from a get: the object has no value ``name``."""
    return f"no value named {name!r}"


def not_boolean(name: str) -> str:
    """``ISC_R_UNEXPECTED`` from ``dhcpctl_get_boolean`` (``dhcpctl/dhcpctl.c``): the value is
    not 4 bytes long."""
    return f"{name!r} is not a 4-byte integer"
