"""The README's C API examples, run as they are written there against a test-bed dhcpd through
each backend, with ISC's omshell as the witness of what they changed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from scenario_helpers import Omshell

import dhcpctl
from dhcpctl._diagnosis import UNSAID_CONNECT, Peer, connect_failed
from testbed import dataset
from testbed.pytest_plugin import ServerFactory
from testbed.server import make_key

README = Path(__file__).resolve().parent.parent / "README.md"
FIND_HOST = ["new host", 'set name = "printer-3"', "open"]


def c_api_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## The C API, one to one\n")
    return text[start : text.index("\n## ", start + 1)]


def python_blocks() -> list[str]:
    """The section's ```python blocks: connect, lease by MAC, host create, host remove."""
    blocks = re.findall(r"^```python\n(.*?)^```$", c_api_section(), re.MULTILINE | re.DOTALL)
    assert len(blocks) == 4, blocks
    return blocks


def run_blocks(backend_name: str, prelude: str, *blocks: str) -> str:
    """Run the blocks in one fresh interpreter with the backend chosen; its output."""
    env = {**os.environ, "DHCPCTL_BACKEND": backend_name}
    result = subprocess.run(
        [sys.executable, "-c", "\n".join((prelude, *blocks))],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return result.stdout


def test_examples_run_as_written(
    backend_name: str, dhcpd_factory: ServerFactory, omshell: Omshell
) -> None:
    server = dhcpd_factory.start(make_key("hmac-sha256"))
    key = server.endpoint.key
    assert key is not None
    prelude = (
        "import base64\n"
        f"address, port = {server.address!r}, {server.port}\n"
        f"key_name, algorithm = {key.name!r}, {key.algorithm!r}\n"
        f"secret = base64.b64decode({key.secret_base64!r})\n"
    )
    connect, by_mac, create, remove = python_blocks()
    lease = dataset.LEASES[0]
    assert lease.mac == "52:54:00:12:34:56"
    output = run_blocks(backend_name, prelude, connect, by_mac, create)
    assert output == (
        f"lease {lease.ip} ends {lease.ends} ({time.ctime(lease.ends)})\ncreate: success\n"
    )
    assert omshell(server.endpoint, FIND_HOST).last.values["ip-address"] == bytes(
        [198, 18, 254, 40]
    )
    assert run_blocks(backend_name, prelude, connect, remove) == "remove: success\n"
    assert omshell(server.endpoint, FIND_HOST).last.messages == ["can't open object: not found"]


def test_quoted_error_is_what_the_backends_say() -> None:
    section = " ".join(c_api_section().split())
    detail = connect_failed(Peer("127.0.0.1", 7911), dhcpctl.ISC_R_NOMORE, "Connection refused")
    error = dhcpctl.DhcpctlError("dhcpctl_connect", dhcpctl.ISC_R_NOMORE, detail)
    assert f"dhcpctl.DhcpctlError: {error}" in section
    assert f'"{UNSAID_CONNECT}"' in section
