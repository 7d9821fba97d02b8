"""The one exception type both backends raise for a local (client-side) failure."""

from __future__ import annotations

from dhcpctl._results import isc_result_totext


class DhcpctlError(Exception):
    """A dhcpctl*() call failed locally: what the C function would have returned as non-zero.

    ``status`` is the ``isc_result_t`` number, ``text`` is ``isc_result_totext(status)``, and
    ``function`` names the API function that failed. Server-side statuses are not raised: the
    wait functions return them, exactly as C does.
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
