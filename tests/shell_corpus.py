"""The ``dhcpctl shell`` corpus (tests/data/shell_corpus/): scripts, their servers, their runs.

Each script's first line says which server it runs against (``# server: default`` is the
session's keyed dhcpd; ``sha256``, ``nokey`` and ``failover`` are started for the corpus); its
placeholders (``@SERVER@``, ``@PORT@``, ``@KEYNAME@``, ``@SECRET@``, ``@SECRETSPACED@``) are
filled in from that server. Scripts leave the server as they found it (what they create they
remove), so omshell and ``dhcpctl shell`` see the same server one after the other.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from testbed.omshell import find_omshell
from testbed.server import Endpoint

CORPUS = Path(__file__).parent / "data" / "shell_corpus"
SCRIPTS = sorted(CORPUS.glob("*.omshell"))


def server_kind(script: Path) -> str:
    """The server a script wants (its first line, ``# server: KIND``)."""
    first = script.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# server: "
    assert first.startswith(prefix), f"{script.name}: the first line must be '{prefix}KIND'"
    return first[len(prefix) :]


def render(script: Path, endpoint: Endpoint) -> bytes:
    """The script with the server's address, port and key filled in."""
    text = script.read_text(encoding="utf-8")
    secret = endpoint.key.secret_base64 if endpoint.key else ""
    middle = len(secret) // 2
    for placeholder, value in (
        ("@SERVER@", endpoint.address),
        ("@PORT@", str(endpoint.port)),
        ("@KEYNAME@", endpoint.key.name if endpoint.key else "none"),
        ("@SECRETSPACED@", f"{secret[:middle]} {secret[middle:]}"),
        ("@SECRET@", secret),
    ):
        text = text.replace(placeholder, value)
    return text.encode("utf-8")


def run_omshell_script(script: bytes) -> subprocess.CompletedProcess[bytes]:
    omshell = find_omshell()
    assert omshell is not None
    return subprocess.run([omshell], input=script, capture_output=True, timeout=60, check=False)
