"""Which backend ``import dhcpctl`` gives here, and why: :func:`backend_info`.

``python -m dhcpctl info`` prints :meth:`BackendInfo.lines`; this module holds the logic so that
any command line can call it.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass

from dhcpctl._busy_poll import LIMIT, SETTING, VARIABLE


@dataclass(frozen=True)
class BackendInfo:
    """What :func:`backend_info` found.

    ``backend``: ``"native"`` or ``"python"``, the backend ``import dhcpctl`` chose
    (``dhcpctl.BACKEND``). ``reason``: why (``dhcpctl.BACKEND_REASON``): the ``DHCPCTL_BACKEND``
    policy and, where ``auto`` fell back to pure Python, the exact reason. The rest describes the
    native backend whether or not it is the one in use: ``native_error`` is why it cannot be
    loaded (then every other field is None); else ``native_mode`` is ``"api"`` (the compiled
    ``dhcpctl._native_lib``) or ``"abi"`` (ISC's shared libraries loaded at run time),
    ``isc_library`` where ISC's library is, ``isc_version`` its version (e.g.
    ``"ISC DHCP 4.4.3-P1 (BIND 9.11.36)"``), ``hardened`` whether it carries the project's
    patches (``dhcpctl/isc_patches/``) and ``hardening`` the marker's text (None without it).
    ``busy_poll_us``: the longest a wait polls before it sleeps, in microseconds (0: never;
    ``DHCPCTL_BUSY_POLL``), on either backend; :mod:`dhcpctl._busy_poll` says where a wait
    does not poll (beside another thread, confined to one CPU). ``busy_poll_setting``: the
    value of ``DHCPCTL_BUSY_POLL`` that set it, as read at ``import dhcpctl`` (None: unset or
    blank, the default).
    """

    backend: str
    reason: str
    native_error: str | None
    native_mode: str | None
    isc_library: str | None
    isc_version: str | None
    hardened: bool | None
    hardening: str | None
    busy_poll_us: int
    busy_poll_setting: str | None = None

    def lines(self) -> list[str]:
        """The report, one ``name: value`` per line, as ``python -m dhcpctl info`` prints it."""
        polling = f"{self.busy_poll_us} us" if self.busy_poll_us else "never"
        setting = self.busy_poll_setting
        source = f"{VARIABLE}={setting}" if setting is not None else f"default: {VARIABLE} unset"
        busy_poll = f"busy poll: {polling} ({source})"
        lines = [f"backend: {self.backend}", f"reason: {self.reason}"]
        if self.native_error is not None:
            said = self.native_error in self.reason
            native = f"native: not available: {'see reason' if said else self.native_error}"
            return [*lines, native, busy_poll]
        marker = self.hardening or "no dhcpctl_omapi_hardening marker"
        return [
            *lines,
            f"native mode: {self.native_mode}",
            f"ISC library: {self.isc_library}",
            f"ISC version: {self.isc_version}",
            f"hardened: {'yes' if self.hardened else 'no'} ({marker})",
            busy_poll,
        ]


def backend_info() -> BackendInfo:
    """The backend in use and the native backend's state, as a :class:`BackendInfo`.

    Imports the native backend if ``import dhcpctl`` did not (its import error becomes
    ``native_error``; no warning is issued for an unhardened library: ``hardened`` says it).
    Raises nothing for a backend that cannot load.
    """
    import dhcpctl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            native = importlib.import_module("dhcpctl._native")
        except ImportError as error:
            return BackendInfo(
                dhcpctl.BACKEND,
                dhcpctl.BACKEND_REASON,
                str(error),
                *(None,) * 5,
                busy_poll_us=_busy_poll_us(),
                busy_poll_setting=SETTING,
            )
    return BackendInfo(
        backend=dhcpctl.BACKEND,
        reason=dhcpctl.BACKEND_REASON,
        native_error=None,
        native_mode=native.MODE,
        isc_library=native.LIBRARY,
        isc_version=native.VERSION,
        hardened=native.HARDENED,
        hardening=native.HARDENING,
        busy_poll_us=_busy_poll_us(),
        busy_poll_setting=SETTING,
    )


def _busy_poll_us() -> int:
    return round(LIMIT * 1e6)
