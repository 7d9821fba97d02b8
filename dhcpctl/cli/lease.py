"""``dhcpctl lease get|release|set``: one lease, by address, MAC or client identifier."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from dhcpctl._collections import UNCHANGED
from dhcpctl._states import LeaseState
from dhcpctl.cli import _command

if TYPE_CHECKING:
    from dhcpctl import Client


def register(commands: _command.Commands) -> None:
    leases = _command.group(commands, "lease", "dhcpd's leases")
    get = _command.add(leases, "get", "look a lease up", _get)
    keys = get.add_mutually_exclusive_group(required=True)
    keys.add_argument("--ip", help="its IPv4 address")
    keys.add_argument(
        "--mac", help="its hardware address (aa:bb:cc:dd:ee:ff, AA-BB-.., aabb.ccdd.eeff)"
    )
    keys.add_argument("--uid", type=_command.parse_hex, help="its client identifier, in hex")
    release = _command.add(leases, "release", "release a lease (state released)", _release)
    release.add_argument("--ip", required=True, help="its IPv4 address")
    change = _command.add(leases, "set", "change a lease's end time or state", _set)
    change.add_argument("--ip", required=True, help="its IPv4 address")
    change.add_argument(
        "--ends",
        type=parse_when,
        default=UNCHANGED,
        help="ISO 8601 time (UTC if no zone is given), 'now', or 'never'",
    )
    change.add_argument(
        "--state",
        type=parse_state,
        help="a binding state: " + ", ".join(state.name.lower() for state in LeaseState),
    )


def parse_when(text: str) -> datetime | None:
    """``now``, ``never`` (None: ISC's "never") or an ISO 8601 time; one without a zone is
    UTC. ValueError otherwise."""
    if text == "never":
        return None
    if text == "now":
        return datetime.now(timezone.utc).replace(microsecond=0)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_state(text: str) -> LeaseState:
    """A binding state by ISC's name (``released``), in any case. ValueError otherwise."""
    try:
        return LeaseState[text.upper()]
    except KeyError:
        raise ValueError(text) from None


def _get(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.leases.get(ip=args.ip, mac=args.mac, uid=args.uid)


def _release(args: argparse.Namespace, omapi: Client) -> object:
    return omapi.leases.update(ip=args.ip, state=LeaseState.RELEASED)


def _set(args: argparse.Namespace, omapi: Client) -> object:
    if args.ends is UNCHANGED and args.state is None:
        raise ValueError("lease set: give --ends, --state or both")
    return omapi.leases.update(ip=args.ip, ends=args.ends, state=args.state)
