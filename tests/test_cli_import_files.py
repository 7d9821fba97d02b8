"""``host import``/``export`` files that are not UTF-8 (a CSV saved as UTF-16, as some
spreadsheet programs offer): one line naming the file, saying it is not UTF-8 and that it must
be saved as UTF-8; status 2, nothing done (on the fake server)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import clean_environment, run_dhcpctl

from dhcpctl.cli._exit import ExitCode
from dhcpctl.testing import OmapiServer

UTF16 = "name,mac\nh1,02:00:00:00:00:01\n".encode("utf-16")


@pytest.mark.parametrize("via", ["file", "stdin"])
@pytest.mark.parametrize("command", [["host", "import"], ["host", "export", "--names"]])
def test_a_file_that_is_not_utf8_is_named(command: list[str], via: str, tmp_path: Path) -> None:
    path = tmp_path / "hosts.csv"
    path.write_bytes(UTF16)
    named = str(path) if via == "file" else "-"
    with OmapiServer() as server:
        where = ["--server", f"{server.address}:{server.port}"]
        result = run_dhcpctl(
            [*command, named, *where],
            stdin=UTF16 if via == "stdin" else b"",
            env=clean_environment(),
        )
        assert server.hosts == []
    err = result.stderr.decode()
    assert result.returncode == ExitCode.USAGE, err
    shown = str(path) if via == "file" else "standard input"
    assert err == (
        f"dhcpctl: {shown}: not UTF-8 text (byte 0xff): save it as UTF-8 (a spreadsheet "
        "program's CSV UTF-8)\n"
    )
