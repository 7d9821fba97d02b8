"""The examples public docstrings show run as written (trial D, finding 16: help(dhcpctl.testing)
used names it never imported).

An example is the literal block (reST ``::``) of a docstring: the indented lines that follow
it, up to the next line that is not indented.
"""

from __future__ import annotations

import textwrap
from types import ModuleType

import pytest

import dhcpctl.testing
from dhcpctl.testing import FakeLease


def literal_block(doc: str) -> str:
    """The first literal block of ``doc``, dedented."""
    lines = doc.split("::\n", 1)[1].splitlines()
    block: list[str] = []
    for line in lines:
        if line.strip() and not line.startswith(" "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block)).strip("\n")


@pytest.mark.parametrize("module", [dhcpctl.testing], ids=lambda module: module.__name__)
def test_a_module_example_runs_as_written(module: ModuleType) -> None:
    code = literal_block(module.__doc__ or "")
    assert "OmapiServer(" in code  # the block found is the example
    namespace: dict[str, object] = {}
    exec(compile(code, f"<example of {module.__name__}>", "exec"), namespace)
    assert "server" in namespace  # it ran to its end


def test_fake_lease_docstring_names_what_a_client_may_change() -> None:
    """The fake changes a lease's flags too (testing/_store.py), as README says."""
    assert "``state``, ``ends`` and ``flags``" in (FakeLease.__doc__ or "")
