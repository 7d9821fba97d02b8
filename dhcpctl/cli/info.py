"""``dhcpctl info [--json] [--backend B]`` and ``dhcpctl --version``: which backend the command's
``--backend`` (else ``DHCPCTL_BACKEND``) selects here, and why.

The report is :func:`dhcpctl.backend_info`'s (:mod:`dhcpctl._info`) with the backend and reason
of the command's own choice (:func:`chosen`: ``dhcpctl --backend python info`` reports python
even where ``import dhcpctl`` would give native): ``name: value`` lines, or with ``--json`` one
JSON object of :class:`dhcpctl._info.BackendInfo`'s fields; exit status 0 (1 when the output
cannot be written, :func:`dhcpctl.cli._output.write`; 141 when its reader has gone).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import warnings
from collections.abc import Mapping

from dhcpctl._backend import POLICY_VARIABLE, Choice, choose_backend, policy_of
from dhcpctl._info import backend_info
from dhcpctl.cli._command import Commands
from dhcpctl.cli._connection import add_backend_option
from dhcpctl.cli._output import standard_output, to_json, write


def register(commands: Commands) -> None:
    parser = commands.add_parser("info", help="the backend in use, its ISC library, and why")
    parser.add_argument(
        "--json", action="store_true", help="one JSON object (BackendInfo's fields)"
    )
    add_backend_option(parser)


def chosen(policy: str | None, environ: Mapping[str, str] = os.environ) -> Choice:
    """The backend a command runs on for the policy ``policy`` (its ``--backend``, whose
    default is ``DHCPCTL_BACKEND``): :func:`dhcpctl._backend.choose_backend` as for a command
    (a forced ``native`` that cannot load gives pure Python, the reason says why). The reason
    names ``--backend`` where the option, not the variable, chose. Raises nothing; no warning
    is issued (an unhardened library's risk is in the reason)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        choice = choose_backend(policy, command=True)
    if policy_of(policy) == policy_of(environ.get(POLICY_VARIABLE)):
        return choice
    return choice._replace(reason=choice.reason.replace(f"{POLICY_VARIABLE}=", "--backend ", 1))


def run(args: argparse.Namespace) -> int:
    choice = chosen(args.backend)
    found = dataclasses.replace(backend_info(), backend=choice.name, reason=choice.reason)
    text = to_json(dataclasses.asdict(found)) if args.json else "\n".join(found.lines())
    write(text + "\n", standard_output())
    return 0
