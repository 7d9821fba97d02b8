"""The README's "Python API" section: its examples run against a real dhcpd (both backends),
and its attribute table is the one the attribute tables of dhcpctl._model give."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

import dhcpctl
from dhcpctl._model import SCHEMAS, Access
from testbed.pytest_plugin import ServerFactory
from testbed.server import make_key

README = Path(__file__).resolve().parent.parent / "README.md"
#: The address and key file the README's examples name, replaced by the test server's.
EXAMPLE_ADDRESS = "198.18.1.2"
EXAMPLE_KEY_FILE = "/etc/dhcp/omapi.key"

WRITES = {
    Access.WRITE: "yes",
    Access.CREATE: "at creation",
    Access.REFUSED: "no: dhcpd refuses",
    Access.IGNORED: "no: dhcpd ignores it",
}


def render_attribute_tables() -> str:
    """Every object type's attributes as Markdown tables, from the attribute tables."""
    lines: list[str] = []
    for schema in SCHEMAS.values():
        lines += [
            f"`{schema.object_type}` → `dhcpctl.{schema.cls.__name__}`:",
            "",
            "| field | ISC name | Python type | writable |",
            "| --- | --- | --- | --- |",
        ]
        for attribute in schema.attributes:
            keyword = f" (`{attribute.keyword}=`)" if attribute.keyword else ""
            kind = f"`{attribute.codec.python_type.replace(' | ', ' or ')}`"
            if not attribute.sent:
                kind += " (write only)"
            lines.append(
                f"| `{attribute.field}`{keyword} | `{attribute.isc_name}` | {kind} "
                f"| {WRITES[attribute.access]} |"
            )
        for name, member in vars(schema.cls).items():
            if isinstance(member, property):
                kind = member.fget.__annotations__["return"].replace(" | ", " or ")
                lines.append(f"| `{name}` (property) | | `{kind}` | no: {member.__doc__} |")
        lines.append("")
    return "\n".join(lines)


def python_api_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Python API\n")
    return text[start : text.index("\n## ", start + 1)]


def test_the_attribute_table_is_the_model_s() -> None:
    assert render_attribute_tables() in python_api_section()


def test_the_examples_run_against_dhcpd(
    dhcpd_factory: ServerFactory, backend_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each ``python`` block of the section, in order, in one namespace, against a dataset
    server: what they print is checked beside them (``# prints ...`` comments)."""
    key = make_key("hmac-sha256")
    server = dhcpd_factory.start(key)
    key_file = tmp_path / "omapi.key"
    key_file.write_text(
        f'key "{key.name}" {{\n  algorithm {key.algorithm};\n  secret "{key.secret_base64}";\n}};\n'
    )
    monkeypatch.setattr(dhcpctl, "BACKEND", backend_name)  # what backend=None gives
    blocks = re.findall(r"```python\n(.*?)```", python_api_section(), re.DOTALL)
    assert len(blocks) >= 3
    namespace: dict[str, object] = {}
    for block in blocks:
        code = block.replace(EXAMPLE_ADDRESS, server.address).replace(
            EXAMPLE_KEY_FILE, str(key_file)
        )
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "README.md", "exec"), namespace)
        expected = re.findall(r"# prints (.*)", block)
        assert printed.getvalue().splitlines() == expected
