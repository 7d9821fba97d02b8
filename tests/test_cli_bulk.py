"""``dhcpctl host import``/``export`` against a real dhcpd: 5,000 hosts with bad rows, a re-run,
``--stop-on-error``, and the progress bar (on a pseudo-terminal only)."""

from __future__ import annotations

import asyncio
import fcntl
import io
import json
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path

from cli_helpers import endpoint_environment, run_dhcpctl

from dhcpctl.cli._exit import ExitCode
from dhcpctl.cli.bulk import InOrder, Item, pipeline
from testbed.pytest_plugin import ServerFactory
from testbed.server import Endpoint, make_key

#: Line number (the header is line 1) -> a bad row and what the report must say.
BAD_ROWS = {
    101: ("bad-mac,zz:zz,", "is not a MAC address"),
    2002: (",02:20:ff:ff:00:01,", "no name"),
    3003: ("bad-ip,02:20:fe:fe:00:01,300.1.1.1", "is not an IPv4 address"),
    4004: ("extra-field,02:20:fd:fd:00:01,198.18.254.5,surplus", "more fields than the header"),
}


def host_csv(count: int, bad: dict[int, tuple[str, str]]) -> tuple[str, list[str]]:
    """A CSV of ``count`` rows (``bad`` rows in place of good ones) and the good names."""
    lines, good = ["name,mac,ip"], []
    for index in range(count):
        line = index + 2
        if line in bad:
            lines.append(bad[line][0])
            continue
        name = f"bulk-{index}"
        lines.append(f"{name},02:20:{index >> 8 & 0xFF:02x}:{index & 0xFF:02x}:00:01,")
        good.append(name)
    return "\n".join(lines) + "\n", good


def import_hosts(
    endpoint: Endpoint, path: Path, *options: str
) -> subprocess.CompletedProcess[bytes]:
    return run_dhcpctl(["host", "import", str(path), *options], env=endpoint_environment(endpoint))


def export_hosts(endpoint: Endpoint, names: list[str]) -> subprocess.CompletedProcess[bytes]:
    return run_dhcpctl(
        ["host", "export", "--names", "-"],
        "".join(f"{name}\n" for name in names).encode(),
        env=endpoint_environment(endpoint),
    )


def failed_lines(stderr: bytes) -> dict[int, str]:
    return {
        int(line.split(":", 1)[0].removeprefix("line ")): line
        for line in stderr.decode().splitlines()
        if line.startswith("line ")
    }


def test_import_5000_hosts_with_bad_rows_and_run_again(
    dhcpd_factory: ServerFactory, tmp_path: Path
) -> None:
    endpoint = dhcpd_factory.start(make_key("hmac-sha256"), with_dataset=False).endpoint
    text, good = host_csv(5000, BAD_ROWS)
    path = tmp_path / "hosts.csv"
    path.write_text(text)
    for run in ("first", "again"):
        result = import_hosts(endpoint, path)
        assert result.returncode == ExitCode.SOME_ROWS_FAILED, (run, result.stderr[-2000:])
        failures = failed_lines(result.stderr)
        assert sorted(failures) == sorted(BAD_ROWS), run
        for line, (_, says) in BAD_ROWS.items():
            assert says in failures[line], (run, failures[line])
        assert b"host import: 4996 of 5000 done, 4 failed" in result.stderr, run
        # The right rows exist, each once, with their own MAC; the bad ones do not.
        exported = export_hosts(endpoint, [*good, "bad-mac", "bad-ip", "extra-field"])
        assert exported.returncode == ExitCode.SOME_ROWS_FAILED
        hosts = [json.loads(line) for line in exported.stdout.splitlines()]
        assert [host["name"] for host in hosts] == good, run
        index = good.index("bulk-4999")
        assert hosts[index]["hardware_address"] == "02:20:13:87:00:01"
        assert len(failed_lines(exported.stderr)) == 3


def test_stop_on_error_stops_at_the_first_bad_row(
    dhcpd_factory: ServerFactory, tmp_path: Path
) -> None:
    endpoint = dhcpd_factory.start(None, with_dataset=False).endpoint
    text, good = host_csv(600, {302: ("bad,nonsense,", "is not a MAC address")})
    path = tmp_path / "hosts.csv"
    path.write_text(text)
    result = import_hosts(endpoint, path, "--stop-on-error")
    assert result.returncode == ExitCode.SOME_ROWS_FAILED
    assert list(failed_lines(result.stderr)) == [302]
    assert b"not done" in result.stderr
    exported = export_hosts(endpoint, [good[-1]])
    assert exported.returncode == ExitCode.SOME_ROWS_FAILED  # the last row was never sent


def test_export_as_csv_imports_again(dhcpd_server: Endpoint, tmp_path: Path) -> None:
    exported = export_hosts(dhcpd_server, ["static-one", "static-two"])
    assert exported.returncode == ExitCode.OK
    as_csv = run_dhcpctl(
        ["host", "export", "--names", "-", "--format", "csv"],
        b"static-one\nstatic-two\n",
        env=endpoint_environment(dhcpd_server),
    )
    assert as_csv.stdout.decode().splitlines() == [
        "name,mac,ip,uid,hardware_type",
        "static-one,00:11:22:33:44:01,198.18.254.11,,1",
        "static-two,00:11:22:33:44:02,198.18.254.12,,1",
    ]


def test_import_warns_of_the_group_and_statements_it_replaces(
    dhcpd_factory: ServerFactory, tmp_path: Path
) -> None:
    """Exported as CSV and imported again, a host loses its group and statements (dhcpd never
    sends them, each row is a put: delete + create): the import says so on stderr, naming the
    rows that replaced a host the server held without giving both; a row that gives both,
    and a new host, are not named. The exit status stays 0: every row was done."""
    endpoint = dhcpd_factory.start(make_key("hmac-md5"), with_dataset=False).endpoint
    env = endpoint_environment(endpoint)
    for name, number, extra in (
        ("rt-1", 1, ["--statements", 'option host-name "rt-1";']),
        ("rt-2", 2, ["--group", "gold"]),
        ("rt-3", 3, []),
    ):
        if name == "rt-2":
            added = run_dhcpctl(
                ["group", "add", "gold", "--statements", "default-lease-time 600;"], env=env
            )
            assert added.returncode == ExitCode.OK, added.stderr
        made = run_dhcpctl(
            ["host", "add", name, "--mac", f"02:00:00:00:40:0{number}", *extra], env=env
        )
        assert made.returncode == ExitCode.OK, made.stderr
    exported = run_dhcpctl(
        ["host", "export", "--names", "-", "--format", "csv"], b"rt-1\nrt-2\nrt-3\n", env=env
    )
    lines = exported.stdout.decode().splitlines()
    path = tmp_path / "backup.csv"
    path.write_text(
        "name,mac,group,statements\n"
        + "".join(f"{line.split(',')[0]},{line.split(',')[1]},,\n" for line in lines[1:3])
        + "rt-3,02:00:00:00:40:03,gold,default-lease-time 600;\n"
        + "rt-4,02:00:00:00:40:04,,\n"
    )
    result = import_hosts(endpoint, path)
    assert result.returncode == ExitCode.OK, result.stderr
    said = result.stderr.decode().splitlines()
    assert said[0].startswith("host import: 4 of 4 done")
    assert said[1].startswith(
        "dhcpctl: warning: 2 rows replaced a host the server held without giving both its "
        "group and statements (line 2: rt-1, line 3: rt-2): "
    ), said
    assert len(said) == 2


def _stderr_of_import(endpoint: Endpoint, path: Path, *, terminal: bool) -> bytes:
    """The import's stderr, written to a pseudo-terminal or to a pipe."""
    command = [sys.executable, "-m", "dhcpctl", "host", "import", str(path)]
    env = endpoint_environment(endpoint)
    if not terminal:
        return subprocess.run(command, env=env, capture_output=True, timeout=120).stderr
    controller, terminal_end = os.openpty()
    # A terminal window of 100 columns and 30 rows, as a terminal emulator sets it.
    fcntl.ioctl(terminal_end, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    with subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=terminal_end, stdin=subprocess.DEVNULL
    ) as process:
        os.close(terminal_end)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=120)
    os.close(controller)
    return b"".join(chunks)


def test_progress_bar_on_a_terminal_only(dhcpd_factory: ServerFactory, tmp_path: Path) -> None:
    endpoint = dhcpd_factory.start(None, with_dataset=False).endpoint
    text, _ = host_csv(400, {})
    path = tmp_path / "hosts.csv"
    path.write_text(text)
    on_terminal = _stderr_of_import(endpoint, path, terminal=True)
    assert b"/400" in on_terminal and b"host" in on_terminal and b"\r" in on_terminal
    in_pipe = _stderr_of_import(endpoint, path, terminal=False)
    lines = in_pipe.decode().splitlines()  # a bar's \r would split lines too
    assert lines[0].startswith("host import: 400 of 400 done in ")
    # The same rows again: each replaced a host the first import made, without group and
    # statements columns: the one warning line.
    assert len(lines) == 2 and lines[1].startswith("dhcpctl: warning: 400 rows replaced ")


def test_import_errors_in_line_order_and_alike(dhcpd_server: Endpoint, tmp_path: Path) -> None:
    """A row the client refuses (its MAC, when called) and a malformed row (no name, found
    while reading) are reported in line order, in the same form (no ``ValueError:``); nothing
    is sent for either."""
    path = tmp_path / "hosts.csv"
    path.write_text("name,mac\nbad-mac,zz:zz\nbad-uid,02:20:00:00:00:01,x\n,02:20:00:00:00:02\n")
    result = import_hosts(dhcpd_server, path)
    assert result.returncode == ExitCode.SOME_ROWS_FAILED
    lines = result.stderr.decode().splitlines()
    assert [line.split(":", 1)[0] for line in lines[:3]] == ["line 2", "line 3", "line 4"]
    assert lines[0].startswith("line 2: bad-mac: ") and "is not a MAC address" in lines[0]
    assert lines[1] == "line 3: bad-uid: more fields than the header names"
    assert lines[2] == "line 4: : no name"
    assert "Error" not in result.stderr.decode()


def test_import_of_an_empty_file_says_no_rows(dhcpd_server: Endpoint, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    result = import_hosts(dhcpd_server, path)
    assert result.returncode == ExitCode.USAGE
    err = result.stderr.decode()
    assert err.startswith("dhcpctl: the CSV file is empty: no rows") and "none" not in err


def test_in_order() -> None:
    order: InOrder[str] = InOrder([2, 3, 5, 9])
    assert order.put(3, "c") == []
    assert order.put(2, "b") == ["b", "c"]
    assert order.put(9, "i") == []
    assert order.rest() == ["i"]  # 5 never finished


def test_rows_of_one_host_run_in_row_order(dhcpd_server: Endpoint, tmp_path: Path) -> None:
    """Rows that name the same host (its name, or a MAC or uid another row names) are each a
    ``hosts.put`` after the one before: the last row's values win, on the first run and on a
    re-run, and no row fails for racing another."""
    path = tmp_path / "hosts.csv"
    rows = [
        "name,mac,ip,uid",
        "dup-order,02:21:00:00:00:01,198.18.254.201,",
        "dup-order,02:21:00:00:00:02,198.18.254.202,",
        "dup-other,02:21:00:00:00:09,,",
        "dup-order,02:21:00:00:00:03,198.18.254.203,",
        "dup-uid-a,,,c0ffee01",
        "dup-uid-a,,,c0ffee02",
    ]
    path.write_text("\n".join(rows) + "\n")
    for _ in range(2):
        result = import_hosts(dhcpd_server, path)
        assert result.returncode == ExitCode.OK, result.stderr.decode()
        exported = export_hosts(dhcpd_server, ["dup-order", "dup-uid-a"])
        hosts = [json.loads(line) for line in exported.stdout.splitlines()]
        assert hosts[0]["hardware_address"] == "02:21:00:00:00:03"
        assert hosts[0]["ip_addresses"] == ["198.18.254.203"]
        assert hosts[1]["dhcp_client_identifier"] == "c0:ff:ee:02"


def test_pipeline_orders_rows_that_share_a_key() -> None:
    """``pipeline(keys=...)``: a row starts after every earlier row that shares a key with it
    has finished; rows sharing none run at the same time."""
    items = [Item(line, f"row-{line}", {"key": key}) for line, key in enumerate("aabab", 2)]
    events: list[tuple[str, int]] = []

    async def call(item: Item) -> None:
        events.append(("start", item.line))
        for _ in range(3):  # give the other tasks their turns
            await asyncio.sleep(0)
        events.append(("end", item.line))

    summary = asyncio.run(
        pipeline(
            items,
            call,
            lambda item, result: None,
            stop_on_error=False,
            unit="row",
            err=io.StringIO(),
            keys=lambda item: [item.arguments["key"]],
        )
    )
    assert summary.done == 5
    for earlier, later in [(2, 3), (3, 5), (4, 6)]:
        assert events.index(("end", earlier)) < events.index(("start", later))
    assert events.index(("start", 4)) < events.index(("end", 2))  # b runs beside a


def test_a_csv_saved_with_a_byte_order_mark_imports(dhcpd_server: Endpoint, tmp_path: Path) -> None:
    """A CSV saved with a UTF-8 byte order mark (as spreadsheet programs save it) imports, from
    a file and from stdin."""
    text = "\ufeffname,mac\nbom-file,02:22:00:00:00:01\n"
    path = tmp_path / "hosts.csv"
    path.write_text(text, encoding="utf-8")
    assert import_hosts(dhcpd_server, path).returncode == ExitCode.OK
    piped = run_dhcpctl(
        ["host", "import", "-"],
        text.replace("bom-file", "bom-stdin").replace(":01", ":02").encode(),
        env=endpoint_environment(dhcpd_server),
    )
    assert piped.returncode == ExitCode.OK, piped.stderr.decode()
    exported = export_hosts(dhcpd_server, ["bom-file", "bom-stdin"])
    assert [json.loads(line)["name"] for line in exported.stdout.splitlines()] == [
        "bom-file",
        "bom-stdin",
    ]


def test_invisible_characters_are_shown_escaped(dhcpd_server: Endpoint, tmp_path: Path) -> None:
    """An unknown column or a row's name with an invisible character (a zero-width space, an
    escape) is shown escaped in the message, never raw."""
    path = tmp_path / "hosts.csv"
    path.write_text("name,ma\u200bc\n", encoding="utf-8")
    header = import_hosts(dhcpd_server, path)
    assert header.returncode == ExitCode.USAGE
    assert "unknown CSV column 'ma\\u200bc'" in header.stderr.decode()
    path.write_text("name,mac\nbad\x1b[2Jname,zz\n", encoding="utf-8")
    row = import_hosts(dhcpd_server, path)
    assert row.returncode == ExitCode.SOME_ROWS_FAILED
    assert row.stderr.decode().startswith("line 2: 'bad\\x1b[2Jname': ")
    assert b"\x1b" not in header.stderr + row.stderr and "\u200b" not in header.stderr.decode()
