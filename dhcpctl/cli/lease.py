"""``dhcpctl lease get|release|set``: one lease, by address, MAC or client identifier."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from dhcpctl._collections import UNCHANGED
from dhcpctl._states import LeaseState
from dhcpctl._values import NEVER
from dhcpctl.cli import _command

if TYPE_CHECKING:
    from dhcpctl import Client


def register(commands: _command.Commands) -> None:
    leases = _command.group(commands, "lease", "dhcpd's leases")
    get = _command.add(leases, "get", "look a lease up", _get, check=_command.check_mac_lookup)
    keys = get.add_mutually_exclusive_group(required=True)
    keys.add_argument("--ip", help="its IPv4 address")
    keys.add_argument(
        "--mac", help="its hardware address (aa:bb:cc:dd:ee:ff, AA-BB-.., aabb.ccdd.eeff)"
    )
    keys.add_argument("--uid", type=_command.hex_bytes, help="its client identifier, hex")
    _command.add_hardware_type(get, _command.LOOKUP_TYPE_HELP)
    release = _command.add(leases, "release", "release a lease (state released)", _release)
    release.add_argument("--ip", required=True, help="its IPv4 address")
    change = _command.add(leases, "set", "change a lease's end time or state", _set)
    change.add_argument("--ip", required=True, help="its IPv4 address")
    change.add_argument(
        "--ends",
        type=_command.option_type(parse_when),
        default=UNCHANGED,
        help="ISO 8601 time (UTC if no zone is given), now, or never (any case)",
    )
    change.add_argument(
        "--state",
        type=_command.option_type(parse_state),
        help=f"a binding state (any case): {STATES}",
    )


#: The binding states by ISC's names, as --state takes them.
STATES = ", ".join(state.name.lower().replace("_", "-") for state in LeaseState)
#: The latest end time dhcpd keeps as a time (ISC's MAX_TIME, 2038-01-19T03:14:07Z, is never).
_LAST = datetime.fromtimestamp(NEVER - 1, timezone.utc)


def parse_when(text: str) -> datetime | None:
    """``now``, ``never`` (None: ISC's "never"), in any case, or an ISO 8601 time from 1970 up
    to 2038-01-19T03:14:06Z (ISC's MAX_TIME, one second later, is "never"); one without a zone
    is UTC. ValueError otherwise, in command-line words."""
    word = text.strip().lower()
    if word == "never":
        return None
    if word == "now":
        return datetime.now(timezone.utc).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: give an ISO 8601 time such as 2030-01-01T00:00:00Z "
            "(UTC if no zone is given), now, or never"
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    if not 0 <= moment.timestamp() < NEVER:
        raise ValueError(
            f"{text!r} is outside the times dhcpd keeps: give one from 1970-01-01T00:00:00Z to "
            f"{_LAST:%Y-%m-%dT%H:%M:%SZ}, or never for a lease that does not end"
        )
    return moment


def parse_state(text: str) -> LeaseState:
    """A binding state by ISC's name (``released``, ``backup``), in any case. ValueError
    otherwise, naming the states."""
    try:
        return LeaseState[text.strip().upper().replace("-", "_")]
    except KeyError:
        raise ValueError(f"{text!r} is not a lease state; one of: {STATES}") from None


def _get(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.leases.get(
        ip=args.ip, mac=args.mac, uid=args.uid, hardware_type=args.hardware_type
    )


def _release(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.leases.update(ip=args.ip, state=LeaseState.RELEASED)


def _set(args: argparse.Namespace, omapi: Client) -> object:
    if args.ends is UNCHANGED and args.state is None:
        raise ValueError("lease set: give --ends, --state or both")
    return omapi.leases.update(ip=args.ip, ends=args.ends, state=args.state)
