"""``host import``/``export`` files that are not UTF-8 (a CSV saved as UTF-16, as some
spreadsheet programs offer): one line naming the file, saying it is not UTF-8 and that it must
be saved as UTF-8; status 2, nothing done (on the fake server)."""

from __future__ import annotations

import subprocess
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


def import_csv(text: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[bytes], int]:
    """``dhcpctl host import`` of ``text`` against a fake server: the result, and how many
    hosts the server then holds."""
    path = tmp_path / "hosts.csv"
    path.write_text(text, encoding="utf-8")
    with OmapiServer() as server:
        where = ["--server", f"{server.address}:{server.port}"]
        result = run_dhcpctl(["host", "import", str(path), *where], env=clean_environment())
        return result, len(server.hosts)


@pytest.mark.parametrize(
    ("header", "column"),
    [("name,mac,mac", "'mac'"), ("name,mac,name", "'name'"), ("uid,name,ip,uid,ip", "'ip', 'uid'")],
)
def test_a_repeated_column_is_refused(header: str, column: str, tmp_path: Path) -> None:
    """A header naming a column twice (the last cell would win, or a host vanish): bad input,
    status 2, the column named, nothing sent, as for an unknown column."""
    result, hosts = import_csv(f"{header}\nh1,02:00:00:00:00:01,h2\n", tmp_path)
    err = result.stderr.decode()
    assert (result.returncode, hosts) == (ExitCode.USAGE, 0), err
    assert err.startswith(f"dhcpctl: repeated CSV column {column}: the file needs a header")
    assert err.count("\n") == 1


def test_a_row_over_several_lines_is_named_by_its_first(tmp_path: Path) -> None:
    """A row whose quoted cell holds newlines is reported at the line it starts on (blank lines
    before it counted, not named); a hardware type out of range says the range."""
    text = (
        'name,statements,hardware_type,mac\n\nh1,"a;\nb;",-1,\n'
        'h2,,1,02:00:00:00:00:02\n"h3\n",,256,\n'
    )
    result, hosts = import_csv(text, tmp_path)
    assert (result.returncode, hosts) == (ExitCode.SOME_ROWS_FAILED, 1), result.stderr
    range_error = "is not a hardware type (0 to 255: dhcpd keeps one byte)"
    assert result.stderr.decode().splitlines()[:2] == [
        f"line 3: h1: '-1' {range_error}",
        f"line 6: 'h3\\n': '256' {range_error}",
    ]
