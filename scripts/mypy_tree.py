#!/usr/bin/env python3
"""Lay out ``build/mypy/`` so that mypy finds ``dhcpctl.fallback`` in the source tree.

The pure-Python backend lives in the top-level folder ``fallback/`` and is installed as
``dhcpctl.fallback`` (``pyproject.toml``: ``package-dir``). Python finds it there through the
editable install's import hook, which mypy does not run; mypy reads ``build/mypy``
(``[tool.mypy] mypy_path``), where ``dhcpctl/fallback`` points at ``fallback/``: a namespace
portion beside the real ``dhcpctl`` package. Idempotent; ``scripts/bootstrap.sh`` and
``tox -e type`` run it.

    python3 scripts/mypy_tree.py
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = ROOT / "build" / "mypy" / "dhcpctl" / "fallback"


def main() -> None:
    LINK.parent.mkdir(parents=True, exist_ok=True)
    if not LINK.is_symlink():
        LINK.symlink_to(Path("..", "..", "..", "fallback"), target_is_directory=True)


if __name__ == "__main__":
    main()
