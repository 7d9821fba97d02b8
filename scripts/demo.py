"""The README's main job: the seed's lease query, ported to Python, against a real dhcpd.

Starts a test-bed dhcpd (hmac-md5 key, the test data set), runs ``examples/lease_query.py``
for a preloaded lease through each available backend, and prints what ISC's own ``omshell``
reports for the same lease beside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test bed is not installed; it lives in the repository

from testbed import DhcpdServer, dataset, make_key, run_omshell  # noqa: E402

LEASE = dataset.LEASES[0]


def main() -> int:
    with DhcpdServer(make_key("hmac-md5"), with_dataset=True) as server:
        key = server.key
        assert key is not None
        print(
            f"dhcpd 4.4.3-P1 runs in namespace {server.namespace.name}, OMAPI on "
            f"{server.address}:{server.port}, key {key.name} ({key.algorithm})"
        )
        oracle = run_omshell(server.endpoint, ["new lease", f"set ip-address = {LEASE.ip}", "open"])
        ends = oracle.last.values.get("ends")
        if not isinstance(ends, bytes):
            print(f"omshell could not read the lease: {oracle.last.messages} {oracle.stderr}")
            return 1
        expected = f"ending time is {time.ctime(int.from_bytes(ends, 'big'))}"
        print(
            f"omshell says the lease of {LEASE.ip} ends {int.from_bytes(ends, 'big')}: {expected}"
        )
        command = [
            sys.executable,
            str(ROOT / "examples" / "lease_query.py"),
            server.address,
            str(server.port),
            LEASE.ip,
            key.name,
            key.algorithm,
            key.secret_base64,
        ]
        status = 0
        for backend in ("python", "native"):
            env = {**os.environ, "DHCPCTL_BACKEND": backend}
            run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            answer = run.stdout.strip() or run.stderr.strip()
            agrees = run.returncode == 0 and answer == expected
            print(
                f"examples/lease_query.py, {backend} backend: {answer}"
                f"  [{'agrees with omshell' if agrees else 'DISAGREES'}]"
            )
            status |= not agrees
        return status


if __name__ == "__main__":
    sys.exit(main())
