"""A fresh interpreter for one test: the tests whose client may crash, abort or exit run it
there, so that the crash fails the test and not the run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The longest a child may take (seconds) before its test fails instead of hanging.
CHILD_TIMEOUT = 60


def run_python(arguments: list[str], **environ: str) -> subprocess.CompletedProcess[str]:
    """``python -X faulthandler arguments`` in the source tree, with ``environ`` added to this
    process's environment (and the tree on PYTHONPATH); its output captured as text."""
    return subprocess.run(
        [sys.executable, "-X", "faulthandler", *arguments],
        env={**os.environ, "PYTHONPATH": str(ROOT), **environ},
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
        cwd=ROOT,
    )
