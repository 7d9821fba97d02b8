"""``dhcpctl host import`` of N hosts against ISC's omshell run once per host, same dhcpd.

    python benchmarks/cli_import.py [--count 5000] [--omshell-count N]

Starts a test-bed dhcpd (keyed, hmac-sha256 for dhcpctl; omshell's Debian build signs only
hmac-md5, so its server is keyed with hmac-md5), writes a CSV of ``--count`` hosts (name, MAC,
fixed address), and times, wall clock:

- ``python -m dhcpctl host import FILE`` (pipelined through dhcpctl.aio, each row a ``put``);
- the same import run again (every host exists: each put deletes and creates);
- omshell, one process per host (connect, new host, set name, hardware-address,
  hardware-type, ip-address, create), as shell scripts drive it today, for
  ``--omshell-count`` hosts (default: all), on a fresh server.

Prints a Markdown table of seconds and hosts per second. Needs root (the test bed).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testbed.omshell import find_omshell  # noqa: E402
from testbed.server import DhcpdServer, Endpoint, make_key  # noqa: E402


def host_rows(count: int) -> list[tuple[str, str, str]]:
    """``count`` distinct hosts: name, MAC, fixed address (198.18.0.0/15, never served)."""
    return [
        (
            f"bench-{index}",
            f"02:30:{index >> 16 & 0xFF:02x}:{index >> 8 & 0xFF:02x}:{index & 0xFF:02x}:01",
            f"198.19.{index >> 8 & 0xFF}.{index & 0xFF}",
        )
        for index in range(count)
    ]


def dhcpctl_import(endpoint: Endpoint, csv_file: Path) -> float:
    assert endpoint.key is not None
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("DHCPCTL_")},
        "DHCPCTL_SERVER": f"{endpoint.address}:{endpoint.port}",
        "DHCPCTL_KEY_NAME": endpoint.key.name,
        "DHCPCTL_KEY_ALGORITHM": endpoint.key.algorithm,
        "DHCPCTL_KEY_SECRET_ENV": "BENCH_SECRET",
        "BENCH_SECRET": endpoint.key.secret_base64,
    }
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dhcpctl", "host", "import", str(csv_file)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"dhcpctl host import failed ({result.returncode}): {result.stderr}")
    return seconds


def omshell_per_host(endpoint: Endpoint, rows: list[tuple[str, str, str]]) -> float:
    omshell = find_omshell()
    if omshell is None:
        raise SystemExit("omshell not found: apt-get install isc-dhcp-server")
    assert endpoint.key is not None
    preamble = (
        f"server {endpoint.address}\nport {endpoint.port}\n"
        f"key-algorithm {endpoint.key.algorithm}\n"
        f"key {endpoint.key.name} {endpoint.key.secret_base64}\nconnect\n"
    )
    started = time.perf_counter()
    for name, mac, ip in rows:
        script = (
            f'{preamble}new host\nset name = "{name}"\nset hardware-address = {mac}\n'
            f"set hardware-type = 1\nset ip-address = {ip}\ncreate\n"
        )
        result = subprocess.run(
            [omshell], input=script, capture_output=True, text=True, check=False, timeout=60
        )
        if "can't" in result.stdout or result.stderr:
            raise SystemExit(f"omshell failed for {name}: {result.stdout[-300:]}{result.stderr}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--omshell-count", type=int, default=None)
    args = parser.parse_args()
    rows = host_rows(args.count)
    figures: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="dhcpctl-bench-") as folder:
        csv_file = Path(folder) / "hosts.csv"
        csv_file.write_text(
            "name,mac,ip\n" + "".join(f"{n},{m},{i}\n" for n, m, i in rows), encoding="utf-8"
        )
        with DhcpdServer(make_key("hmac-sha256")) as server:
            figures.append(
                ("dhcpctl host import", len(rows), dhcpctl_import(server.endpoint, csv_file))
            )
            figures.append(
                (
                    "dhcpctl host import, again (all exist)",
                    len(rows),
                    dhcpctl_import(server.endpoint, csv_file),
                )
            )
    omshell_rows = rows[: args.omshell_count] if args.omshell_count else rows
    with DhcpdServer(make_key("hmac-md5")) as server:
        figures.append(
            (
                "omshell, one process per host",
                len(omshell_rows),
                omshell_per_host(server.endpoint, omshell_rows),
            )
        )
    print("| run | hosts | seconds | hosts/s |")
    print("| --- | ---: | ---: | ---: |")
    for label, count, seconds in figures:
        print(f"| {label} | {count} | {seconds:.1f} | {count / seconds:.0f} |")


if __name__ == "__main__":
    main()
