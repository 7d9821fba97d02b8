"""Calling the functions of ``dhcpctl_set_callback``: shared by both backends."""

from __future__ import annotations

import logging
from typing import Any

from dhcpctl._api import Callback

logger = logging.getLogger("dhcpctl")


def run_callback(callback: Callback, handle: Any, status: int, data: Any) -> None:
    """Call ``callback(handle, status, data)`` as C's callback object does.

    C callbacks cannot raise. An exception from a Python one is logged (logger ``"dhcpctl"``,
    with its traceback) and otherwise dropped, as an event loop does with its callbacks: the
    call that read the reply, maybe a wait in another thread on another object, returns as if
    the callback had returned, the connection stays usable and the other callbacks still run.
    """
    try:
        callback(handle, status, data)
    except Exception:
        logger.exception("dhcpctl callback %r raised (status %d)", callback, status)
