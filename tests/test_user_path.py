"""A new user's path from ``pip install`` to the native backend, end to end (issue 10).

In a fresh virtual environment, where no ISC library is reachable (the locator points at an
empty cache, and the system has none): ``pip install`` warns and gives pure Python, ``python -m
dhcpctl info`` explains why, the shipped builder ``python -m dhcpctl.build_isc`` builds the
static kind into that cache (a cold build: minutes), a reinstall compiles the native backend
against it, and ``info`` confirms: native, API mode, hardened. Marked ``build``; it skips without
the build tools, or fails instead with ``DHCPCTL_REQUIRE_NATIVE=1`` (CI).

Debian's source package is copied from the default cache when it is there (what ``apt-get
source`` would download, checked against its ``.dsc`` by the builder all the same); else the
builder downloads it. The transcript (every command and what it printed) is printed: ``pytest
-s`` shows it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_native_build import Venv, _isc_locate, environment, no_libraries, pip, pip_install

from testbed.pytest_plugin import missing

BUILDER_TOOLS = ("make", "cc", "autoreconf", "aclocal", "libtoolize", "patch", "apt-get")


class Transcript:
    """The commands of the path and their output, printed at the end of the test."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def run(
        self, venv: Venv, args: list[str], env: dict[str, str], cwd: Path, timeout: float
    ) -> str:
        started = time.monotonic()
        result = subprocess.run(
            [str(venv.python), *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        elapsed = time.monotonic() - started
        self.parts.append(f"$ python {' '.join(args)}   # {elapsed:.0f} s\n{result.stdout}")
        assert result.returncode == 0, result.stdout
        return result.stdout

    def note(self, title: str, text: str) -> None:
        self.parts.append(f"--- {title}\n{text}")


def ours(pip_output: str) -> list[str]:
    """What setup.py said in ``pip install -v``'s output (indented by pip, said once per build
    step), in order, once each."""
    lines = [line.strip() for line in pip_output.splitlines()]
    return list(dict.fromkeys(line for line in lines if line.startswith("dhcpctl-omapi:")))


@pytest.fixture
def transcript() -> Iterator[Transcript]:
    """The path's transcript, printed whether the test passes or fails."""
    log = Transcript()
    try:
        yield log
    finally:
        print("\n".join(log.parts))


@pytest.mark.build
def test_fresh_venv_to_native(tmp_path: Path, transcript: Transcript) -> None:
    absent = [tool for tool in BUILDER_TOOLS if shutil.which(tool) is None]
    if absent:
        missing(f"the builder needs {', '.join(absent)}", "DHCPCTL_REQUIRE_NATIVE")
    env = no_libraries(tmp_path)  # an empty DHCPCTL_ISC_CACHE, no DHCPCTL_ISC_PREFIX
    cache = _isc_locate.default_cache_dir(env)
    log = transcript

    venv = pip_install(tmp_path, env)
    install = venv.install.stdout
    assert venv.install.returncode == 0, install
    warning = re.search(r"dhcpctl-omapi: WARNING.*?\n\s*={72}\n.*?\n\s*={72}\n", install, re.DOTALL)
    assert warning is not None, install
    log.note("pip install -v . (no ISC library reachable): the warning", warning.group())
    assert "dhcpctl-omapi: WARNING: native backend not built, pure Python only" in install
    assert "Build them with `python -m dhcpctl.build_isc` (needs: apt-get install" in install
    assert venv.extensions() == []

    cwd = venv.root / "cwd"
    cwd.mkdir()
    info = log.run(venv, ["-m", "dhcpctl", "info"], env, cwd, 60)
    assert info.startswith(
        "backend: python\nreason: auto: the native dhcpctl backend is not available: "
        "dhcpctl._native_lib is not built (pip install found no ISC libraries"
    ), info
    assert "native: not available: see reason" in info
    assert "run `python -m dhcpctl.build_isc`, then `pip install --force-reinstall" in info

    seed = _isc_locate.default_cache_dir(environment()) / "src"
    (cache / "src").mkdir(parents=True)
    for name in ("*.orig.tar.gz", "*.orig.tar.gz.asc", "*.dsc", "*.debian.tar.xz"):
        for path in seed.glob(name):
            shutil.copy2(path, cache / "src")
    built = log.run(venv, ["-m", "dhcpctl.build_isc"], env, cwd, 1800)
    assert f"==> building static into {cache}/static" in built
    assert "      make: " in built  # progress while make runs
    assert "==> static: done in" in built
    assert not (cache / "shared").exists()  # only the kind needed
    assert "==> now reinstall dhcpctl-omapi so that it uses them: pip install" in built

    reinstall = pip(venv.root, tmp_path / "src", env, "--force-reinstall", "--no-deps")
    assert reinstall.returncode == 0, reinstall.stdout
    lines = ours(reinstall.stdout)
    log.note(
        "pip install -v --force-reinstall --no-deps .: dhcpctl-omapi's lines", "\n".join(lines)
    )
    assert lines == [
        f"dhcpctl-omapi: building the native backend against the static ISC libraries in "
        f"{cache}/static"
    ]
    assert len(venv.extensions()) == 1

    info = log.run(venv, ["-m", "dhcpctl", "info"], env, cwd, 60)
    assert info.splitlines()[:4] == [
        "backend: native",
        "reason: auto: the native backend, its ISC library is hardened",
        "native mode: api",
        f"ISC library: compiled into dhcpctl._native_lib (static libraries in {cache}/static)",
    ]
    assert (
        "ISC version: ISC DHCP 4.4.3-P1 (BIND 9.11.36)\nhardened: yes (dhcpctl-omapi-hardening/"
        in info
    )
