"""ISC's own OMAPI client, ``omshell``, as the oracle the tests compare against.

:func:`run_omshell` feeds a script to ``omshell`` and returns, for every command, what it
printed and the state of its current object afterwards. omshell prints values it received from
the server as text in double quotes when every byte is printable, else as colon-separated hex;
both are returned as ``bytes``. Values it holds as integers (only ones set locally with
``set name = 5``) print in decimal and are returned as ``int``; ambiguous single-byte hex such as
``12`` is taken as hex, because that is what a server's reply looks like.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

from testbed.server import Endpoint

_HEX = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2})*")
_PROMPT = "> "

OmshellValue = bytes | int | None


class OmshellError(RuntimeError):
    """omshell is missing, hung, or printed something this parser does not understand."""


@dataclass
class OmshellStep:
    """One command: its output lines (messages) and the object omshell then held."""

    command: str
    messages: list[str] = field(default_factory=list)
    object_type: str | None = None
    values: dict[str, OmshellValue] = field(default_factory=dict)


def parse_value(text: str) -> OmshellValue:
    if text == "<null>":
        return None
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].encode("latin-1")
    if _HEX.fullmatch(text):
        return bytes.fromhex(text.replace(":", ""))
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise OmshellError(f"cannot parse omshell value {text!r}")


def _parse_chunk(command: str, chunk: str) -> OmshellStep:
    step = OmshellStep(command)
    in_object = False
    for line in chunk.splitlines():
        if line.startswith("obj: "):
            in_object = True
            step.object_type = line[len("obj: ") :]
            step.values.clear()
        elif in_object and " = " in line:
            name, _, value = line.partition(" = ")
            step.values[name] = parse_value(value)
        elif line.strip():
            step.messages.append(line)
    return step


@dataclass
class OmshellRun:
    """A whole omshell session: a step per command, and what it wrote on stderr."""

    steps: list[OmshellStep]
    stderr: str

    @property
    def last(self) -> OmshellStep:
        return self.steps[-1]


def connect_script(endpoint: Endpoint) -> list[str]:
    """The commands that connect omshell to ``endpoint`` with its key."""
    script = [f"server {endpoint.address}", f"port {endpoint.port}"]
    if endpoint.key is not None:
        script += [
            f"key-algorithm {endpoint.key.algorithm}",
            f"key {endpoint.key.name} {endpoint.key.secret_base64}",
        ]
    return [*script, "connect"]


def find_omshell() -> str | None:
    """The path of ``omshell`` (Debian puts it in /usr/bin), or None."""
    return shutil.which("omshell", path="/usr/bin:/usr/local/bin:/usr/sbin")


def run_omshell(
    endpoint: Endpoint, commands: Sequence[str], *, timeout: float = 20.0
) -> OmshellRun:
    """Connect omshell to ``endpoint``, run ``commands``, return one step per command.

    The connection commands are not among the returned steps; a failed connect shows on
    ``stderr`` (omshell prints ``dhcpctl_connect: ...`` there).
    """
    omshell = find_omshell()
    if omshell is None:
        raise OmshellError("omshell not found: apt-get install isc-dhcp-server")
    preamble = connect_script(endpoint)
    script = [*preamble, *commands]
    if any("\n" in line for line in script):
        raise ValueError("omshell commands are single lines")
    try:
        result = subprocess.run(
            [omshell],
            input="".join(f"{line}\n" for line in script),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OmshellError(f"omshell did not finish within {timeout} s") from None
    # omshell prints "> " before reading each line: chunk k+1 is the answer to command k.
    chunks = result.stdout.split(_PROMPT)[1:]
    answers = chunks[len(preamble) : len(script)]
    if len(answers) != len(commands):
        raise OmshellError(
            f"omshell answered {len(answers)} of {len(commands)} commands "
            f"(exit status {result.returncode}): {result.stderr.strip()}"
        )
    steps = [_parse_chunk(command, chunk) for command, chunk in zip(commands, answers, strict=True)]
    return OmshellRun(steps, result.stderr)
