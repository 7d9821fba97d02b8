"""ISC DHCP's OMAPI client API, ``dhcpctl*()``, for Python.

The typed client first: :class:`Client` (``omapi.leases``, ``omapi.hosts``, ``omapi.groups``,
``omapi.classes``, ``omapi.subclasses``, ``omapi.failover``, ``omapi.shutdown()``) with
:class:`Key`, the object classes (:class:`Lease`, :class:`Host`, :class:`Group`,
:class:`Class`, :class:`Subclass`, :class:`FailoverState`), :class:`LeaseState` and the typed
errors (:class:`OmapiError` and its subclasses); it runs on either backend.

The C names, one to one (see :mod:`dhcpctl._api` for how C signatures map to Python), from the
backend chosen once at import by ``DHCPCTL_BACKEND`` (``auto``, ``native`` or ``python``).
:data:`BACKEND` names it and :data:`BACKEND_REASON` says why it was chosen (``auto`` never
picks a native library without the hardening patches; forcing one warns with
:class:`UnhardenedLibraryWarning`); :func:`load_backend` gives either backend explicitly.
:func:`backend_info` (a :class:`BackendInfo`) adds the native backend's mode, ISC library,
version and hardening, or why it cannot load; ``python -m dhcpctl info`` prints it.
"""

from __future__ import annotations

import os
from types import ModuleType

from dhcpctl import _results
from dhcpctl._api import (
    DHCPCTL_CREATE,
    DHCPCTL_EXCL,
    DHCPCTL_UPDATE,
    FUNCTION_NAMES,
    Backend,
    DataString,
)
from dhcpctl._backend import (
    POLICY_VARIABLE,
    UnhardenedLibraryWarning,
    choose_backend,
    load_backend,
    running_a_command,
)
from dhcpctl._errors import (
    AlreadyExists,
    AuthenticationFailed,
    ConnectionLost,
    DeletedEarlier,
    DhcpctlError,
    InvalidValue,
    KeyConflict,
    MultipleMatches,
    NotFound,
    OmapiError,
    PermissionDenied,
    StateNotKept,
    Timeout,
)
from dhcpctl._info import BackendInfo, backend_info
from dhcpctl._key import Key
from dhcpctl._model import Class, FailoverState, Group, Host, Lease, Subclass
from dhcpctl._results import *  # noqa: F403  (every ISC_R_* and DHCP_R_* result code)

__version__ = "0.1.0"

_implementation: Backend
BACKEND, _implementation, BACKEND_REASON = choose_backend(
    os.environ.get(POLICY_VARIABLE, "auto"), command=running_a_command()
)

dhcpctl_initialize = _implementation.dhcpctl_initialize
dhcpctl_connect = _implementation.dhcpctl_connect
dhcpctl_timed_connect = _implementation.dhcpctl_timed_connect
dhcpctl_disconnect = _implementation.dhcpctl_disconnect
dhcpctl_wait_for_completion = _implementation.dhcpctl_wait_for_completion
dhcpctl_timed_wait_for_completion = _implementation.dhcpctl_timed_wait_for_completion
dhcpctl_get_value = _implementation.dhcpctl_get_value
dhcpctl_get_boolean = _implementation.dhcpctl_get_boolean
dhcpctl_set_value = _implementation.dhcpctl_set_value
dhcpctl_set_string_value = _implementation.dhcpctl_set_string_value
dhcpctl_set_data_value = _implementation.dhcpctl_set_data_value
dhcpctl_set_null_value = _implementation.dhcpctl_set_null_value
dhcpctl_set_boolean_value = _implementation.dhcpctl_set_boolean_value
dhcpctl_set_int_value = _implementation.dhcpctl_set_int_value
dhcpctl_object_update = _implementation.dhcpctl_object_update
dhcpctl_object_refresh = _implementation.dhcpctl_object_refresh
dhcpctl_object_remove = _implementation.dhcpctl_object_remove
dhcpctl_set_callback = _implementation.dhcpctl_set_callback
dhcpctl_new_authenticator = _implementation.dhcpctl_new_authenticator
dhcpctl_new_object = _implementation.dhcpctl_new_object
dhcpctl_open_object = _implementation.dhcpctl_open_object
dhcpctl_data_string_dereference = _implementation.dhcpctl_data_string_dereference
omapi_data_string_new = _implementation.omapi_data_string_new
omapi_object_dereference = _implementation.omapi_object_dereference
isc_result_totext = _implementation.isc_result_totext

from dhcpctl._client import Client  # noqa: E402  (it reads BACKEND, set above)
from dhcpctl._states import FailoverHierarchy, FailoverStateName, LeaseState  # noqa: E402

__all__ = [
    "AlreadyExists",
    "AuthenticationFailed",
    "Class",
    "Client",
    "ConnectionLost",
    "DeletedEarlier",
    "FailoverHierarchy",
    "FailoverState",
    "FailoverStateName",
    "Group",
    "Host",
    "InvalidValue",
    "Key",
    "KeyConflict",
    "Lease",
    "LeaseState",
    "MultipleMatches",
    "NotFound",
    "OmapiError",
    "PermissionDenied",
    "StateNotKept",
    "Subclass",
    "Timeout",
    "BACKEND",
    "BACKEND_REASON",
    "DHCPCTL_CREATE",
    "DHCPCTL_EXCL",
    "DHCPCTL_UPDATE",
    "Backend",
    "BackendInfo",
    "DataString",
    "DhcpctlError",
    "UnhardenedLibraryWarning",
    "backend_info",
    "load_backend",
    *FUNCTION_NAMES,
]
__all__ += [
    name for name in vars(_results) if name.startswith(("ISC_R_", "DHCP_R_", "DNS_R_", "DST_R_"))
]


def __dir__() -> list[str]:
    """What ``dir(dhcpctl)`` lists (PEP 562): :data:`__all__`, the public subpackages imported
    so far (``dhcpctl.aio``, ``dhcpctl.testing`` ...) and the module's dunders, not the names
    this module imports for its own use."""
    namespace = globals()
    subpackages = [
        name
        for name, value in namespace.items()
        if isinstance(value, ModuleType)
        and not name.startswith("_")
        and value.__name__ == f"{__name__}.{name}"
    ]
    dunders = [name for name in namespace if name.startswith("__") and name.endswith("__")]
    return sorted({*__all__, *subpackages, *dunders})
