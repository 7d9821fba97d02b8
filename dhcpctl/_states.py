"""ISC's state enumerations as Python ``IntEnum``: a lease's binding state, a failover state.

The numbers are those on the wire (a 4-byte integer attribute); the names are ISC's.
"""

from __future__ import annotations

import enum


class LeaseState(enum.IntEnum):
    """A lease's ``state`` (dhcpd.leases: ``binding state``), ``includes/dhcpd.h`` ``FTS_*``."""

    FREE = 1
    ACTIVE = 2
    EXPIRED = 3
    RELEASED = 4
    ABANDONED = 5
    RESET = 6
    BACKUP = 7


class FailoverStateName(enum.IntEnum):
    """A failover peer's ``local-state``/``partner-state``, ``includes/failover.h``
    ``enum failover_state``."""

    UNKNOWN_STATE = 0
    STARTUP = 1
    NORMAL = 2
    COMMUNICATIONS_INTERRUPTED = 3
    PARTNER_DOWN = 4
    POTENTIAL_CONFLICT = 5
    RECOVER = 6
    PAUSED = 7
    SHUT_DOWN = 8
    RECOVER_DONE = 9
    RESOLUTION_INTERRUPTED = 10
    CONFLICT_DONE = 11
    RECOVER_WAIT = 254


class FailoverHierarchy(enum.IntEnum):
    """A failover peer's ``hierarchy``: which one this server is (``includes/failover.h``
    ``i_am``)."""

    PRIMARY = 0
    SECONDARY = 1
