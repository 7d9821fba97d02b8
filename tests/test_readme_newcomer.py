"""What a newcomer copies from the README works (trial D, finding 18): the command line's
examples of groups, classes and subclasses, run as written against a test-bed dhcpd holding the
README's own data set (testbed/dataset.py), on both backends, each exit 0 (``group add gold``
and ``subclass add by-mac 1:52:54:00:12:34:58`` named objects the data set has: exit 4); the
base64 secret of its ``Key.from_base64`` example is valid base64."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from cli_helpers import endpoint_environment, run_dhcpctl

from dhcpctl import Key
from testbed.pytest_plugin import ServerFactory

README = Path(__file__).resolve().parent.parent / "README.md"
OBJECTS = ("group", "class", "subclass")


def object_commands() -> list[list[str]]:
    """The ``dhcpctl group|class|subclass ...`` commands of the command line section's first
    ``sh`` block, in their order (lines split at `` ; ``), without the word ``dhcpctl``."""
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Command line: `dhcpctl`\n")
    block = re.search(r"^```sh\n(.*?)^```$", text[start:], re.MULTILINE | re.DOTALL)
    assert block is not None
    commands = [
        words[1:]
        for line in block.group(1).splitlines()
        for part in line.split(" ; ")
        if (words := shlex.split(part, comments=True))[:1] == ["dhcpctl"] and words[1] in OBJECTS
    ]
    assert {words[:2][0] for words in commands} == set(OBJECTS), commands
    return commands


def test_the_object_examples_run_as_written(
    dhcpd_factory: ServerFactory, backend_name: str
) -> None:
    server = dhcpd_factory.start()  # the data set, no key: the example's key file is not here
    env = endpoint_environment(server.endpoint, DHCPCTL_BACKEND=backend_name)
    for words in object_commands():
        result = run_dhcpctl(words, env=env)
        assert result.returncode == 0, (words, result.stderr.decode())


def test_the_base64_secret_example_is_valid() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    secret = re.search(r'Key\.from_base64\(name, algorithm, "([^"]*)"\)', text)
    assert secret is not None
    assert Key.from_base64("omapi_key", "hmac-sha256", secret.group(1)).secret
