"""The README's asyncio section: its example runs as written against a real dhcpd."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from test_client_readme import EXAMPLE_ADDRESS, EXAMPLE_KEY_FILE, README

from testbed.pytest_plugin import ServerFactory
from testbed.server import make_key


def test_the_example_runs_against_dhcpd(dhcpd_factory: ServerFactory, tmp_path: Path) -> None:
    """The section's ``python`` block against a dataset server; what it prints is checked
    against its ``# prints ...`` comments."""
    key = make_key("hmac-sha384")
    server = dhcpd_factory.start(key)
    key_file = tmp_path / "omapi.key"
    key_file.write_text(
        f'key "{key.name}" {{ algorithm {key.algorithm}; secret "{key.secret_base64}"; }};\n'
    )
    text = README.read_text(encoding="utf-8")
    start = text.index("## asyncio: `dhcpctl.aio`")
    section = text[start : text.index("\n## ", start + 1)]
    (block,) = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    code = block.replace(EXAMPLE_ADDRESS, server.address).replace(EXAMPLE_KEY_FILE, str(key_file))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    assert printed.getvalue().splitlines() == re.findall(r"# prints (.*)", block)
