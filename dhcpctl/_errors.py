"""The exceptions: :class:`DhcpctlError` (the C-named layer, both backends) and the typed errors
of :class:`dhcpctl.Client` (:class:`OmapiError` and its subclasses, chosen by
:func:`typed_error`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from dhcpctl import _results as _r
from dhcpctl._results import isc_result_totext

if TYPE_CHECKING:
    from dhcpctl._model import Lease
    from dhcpctl._states import LeaseState

#: The most characters of a value's ``repr`` an error text shows (:func:`shorten`).
SHOWN_LENGTH: Final = 64


def shorten(value: object) -> str:
    """``repr(value)`` for an error text: whole up to :data:`SHOWN_LENGTH` characters, else
    its first :data:`SHOWN_LENGTH` and its size (``'aaaa...'... (70000 characters)``: of a
    ``str``; bytes of bytes, items of a list or tuple, else characters of the ``repr``), so
    that a huge input does not make a huge message."""
    text = repr(value)
    if len(text) <= SHOWN_LENGTH:
        return text
    if isinstance(value, str):
        size = f"{len(value)} characters"
    elif isinstance(value, bytes | bytearray | memoryview):
        size = f"{len(value)} bytes"
    elif isinstance(value, list | tuple):
        size = f"{len(value)} items"
    else:
        size = f"{len(text)} characters"
    return f"{text[:SHOWN_LENGTH]}... ({size})"


class DhcpctlError(Exception):
    """A dhcpctl*() call failed locally: what the C function would have returned as non-zero.

    ``status`` is the ``isc_result_t`` number, ``text`` is ``isc_result_totext(status)``, and
    ``function`` names the API function that failed. Server-side statuses are not raised: the
    wait functions return them, exactly as C does.

    Every error of this module round-trips through :mod:`pickle` (``multiprocessing``,
    ``concurrent.futures.ProcessPoolExecutor``) and :func:`copy.deepcopy` with its attributes;
    none carries a secret.
    """

    def __init__(self, function: str, status: int, detail: str | None = None) -> None:
        self.function = function
        self.status = status
        self.text = isc_result_totext(status)
        self.detail = detail
        message = f"{function}: {self.text} (isc_result_t {status})"
        if detail:
            message += f": {detail}"
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduce calls the class with ``args`` (the message alone).
        return type(self), (self.function, self.status, self.detail), self.__dict__


class OmapiError(DhcpctlError):
    """A :class:`dhcpctl.Client` operation failed: the base of the typed errors below.

    Besides ``status``/``text``/``function`` (``function`` names the operation, such as
    ``"hosts.get"``) it carries ``server_message``, the text the server sent with its status
    (None where it sent none or the backend cannot read it), and ``request``, what was asked
    (object type and lookup keys, never a secret), and ``reason``, the client's own
    explanation (``detail``) without those two.
    """

    def __init__(
        self,
        function: str,
        status: int,
        detail: str | None = None,
        *,
        server_message: str | None = None,
        request: str | None = None,
    ) -> None:
        self.server_message = server_message
        self.request = request
        self.reason = detail
        parts = [part for part in (request, detail) if part]
        if server_message:
            parts.append(f"the server said: {server_message}")
        super().__init__(function, status, "; ".join(parts) or None)

    def __reduce__(self) -> tuple[Any, ...]:
        made = (self.function, self.status, self.reason, self.server_message, self.request)
        return _restore, (type(self), *made), self.__dict__


def _restore(
    cls: type[OmapiError],
    function: str,
    status: int,
    reason: str | None,
    server_message: str | None,
    request: str | None,
) -> OmapiError:
    """The ``cls`` error made of these (its keyword arguments are not positional)."""
    return cls(function, status, reason, server_message=server_message, request=request)


def amended(error: OmapiError, note: str) -> OmapiError:
    """An error of ``error``'s class and content with ``note`` added to its reason."""
    reason = "; ".join(part for part in (error.reason, note) if part)
    return _restore(
        type(error), error.function, error.status, reason, error.server_message, error.request
    )


class NotFound(OmapiError):
    """No object matches the lookup keys (``ISC_R_NOTFOUND``)."""


class DeletedEarlier(NotFound):
    """An update :mod:`dhcpctl.aio` did not send (``status`` ``ISC_R_NOTFOUND``): an earlier
    request of the same client deleted its object, or may have (its connection ended before the
    answer). Sent, dhcpd 4.4.3-P1 could take it, enter the deleted host again (``server/mdb.c``
    enter_host) and, at the second such update, hang at the next lookup of its MAC
    (``dhcpctl/aio/_connection.py`` says when)."""


class AlreadyExists(OmapiError):
    """A create met an existing object (``ISC_R_EXISTS``)."""


class KeyConflict(OmapiError):
    """The lookup keys name different objects (``DHCP_R_KEYCONFLICT``)."""


class MultipleMatches(OmapiError):
    """The lookup keys match more than one object (``DHCP_R_MULTIPLE``)."""


class PermissionDenied(OmapiError):
    """The server refused to change a read-only attribute (``ISC_R_NOPERM``)."""


class InvalidValue(OmapiError):
    """The server refused a value (``DHCP_R_INVALIDARG`` and kin)."""


class AuthenticationFailed(OmapiError):
    """The server did not accept the key: wrong name, algorithm or secret, or none given."""


class Timeout(OmapiError, TimeoutError):
    """The server did not answer within the timeout (``ISC_R_TIMEDOUT``)."""


class ConnectionLost(OmapiError, ConnectionError):
    """The connection could not be made or ended before the answer came."""


class StateNotKept(OmapiError):
    """dhcpd took the lease state asked for but holds the lease in another
    (``ISC_R_FAILURE``): a lease whose ``ends`` is past moves on to its next state at once,
    so it cannot stay active (``server/mdb.c`` supersede_lease runs pool_timer). ``lease`` is
    the lease as dhcpd then sends it (the other changes made), ``asked`` the state asked for."""

    lease: Lease | None = None
    asked: LeaseState | None = None


class WrongEventLoop(DhcpctlError, RuntimeError):
    """A ``dhcpctl.aio.Client`` was used from an event loop other than the one it is bound to
    while that one is still open: a client belongs to one event loop at a time (its
    connection's transport and futures are that loop's). ``status`` is ``ISC_R_UNEXPECTED``;
    nothing was sent. Once that loop is closed (``asyncio.run`` returned), the client may be
    used from another: it opens a new connection there."""


def typed_error(
    status: int,
    *,
    function: str,
    request: str | None = None,
    server_message: str | None = None,
    detail: str | None = None,
) -> OmapiError:
    """The typed error of a failed :class:`dhcpctl.Client` request: ``status`` (an
    ``isc_result_t``) picks the class, the rest is carried (see :class:`OmapiError`).

    Shared by the sync and the asyncio client. A status with no class of its own gives
    :class:`OmapiError` itself.
    """
    for statuses, cls in _TYPED:
        if status in statuses:
            return cls(function, status, detail, server_message=server_message, request=request)
    return OmapiError(function, status, detail, server_message=server_message, request=request)


def connect_error_class(status: int) -> type[OmapiError]:
    """The class of the typed error of a connect (``dhcpctl_connect``,
    ``dhcpctl_timed_connect``) that failed with ``status``: :class:`Timeout` for
    ``ISC_R_TIMEDOUT``; :class:`AuthenticationFailed` for ``ISC_R_NOTFOUND``, the server's
    refusal of the authenticator (``omapip/auth.c`` omapi_auth_key_lookup: no key of that name
    and algorithm, or no key at all); :class:`ConnectionLost` for any other.

    Shared by :class:`dhcpctl.Client` (``dhcpctl._sync``) and ``dhcpctl shell``'s exit status.
    """
    if status == _r.ISC_R_TIMEDOUT:
        return Timeout
    if status == _r.ISC_R_NOTFOUND:
        return AuthenticationFailed
    return ConnectionLost


_TYPED: tuple[tuple[frozenset[int], type[OmapiError]], ...] = (
    (frozenset({_r.ISC_R_NOTFOUND}), NotFound),
    (frozenset({_r.ISC_R_EXISTS}), AlreadyExists),
    (frozenset({_r.DHCP_R_KEYCONFLICT}), KeyConflict),
    (frozenset({_r.DHCP_R_MULTIPLE}), MultipleMatches),
    (frozenset({_r.ISC_R_NOPERM}), PermissionDenied),
    (
        frozenset(
            {_r.DHCP_R_INVALIDARG, _r.DHCP_R_BADPARSE, _r.DHCP_R_UNKNOWNATTRIBUTE, _r.DHCP_R_NOKEYS}
        ),
        InvalidValue,
    ),
    (
        frozenset(
            {
                _r.DHCP_R_INVALIDKEY,
                _r.DHCP_R_KEY_UNKNOWN,
                _r.DNS_R_TSIGVERIFYFAILURE,
                _r.DST_R_UNSUPPORTEDALG,
            }
        ),
        AuthenticationFailed,
    ),
    (frozenset({_r.ISC_R_TIMEDOUT}), Timeout),
    (
        frozenset(
            {
                _r.ISC_R_CONNREFUSED,
                _r.ISC_R_CONNECTIONRESET,
                _r.DHCP_R_CONNRESET,
                _r.ISC_R_EOF,
                _r.ISC_R_NOTCONNECTED,
                _r.ISC_R_SHUTTINGDOWN,
                _r.ISC_R_HOSTUNREACH,
                _r.ISC_R_NETUNREACH,
                _r.ISC_R_HOSTDOWN,
                _r.ISC_R_UNEXPECTEDEND,
                _r.ISC_R_ADDRNOTAVAIL,
            }
        ),
        ConnectionLost,
    ),
)
