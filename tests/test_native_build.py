"""The native backend's build: where the ISC libraries are found, and the cffi module itself.

The locator tests use fake installations in ``tmp_path``. The build tests need the real libraries
(``python -m dhcpctl.build_isc --kind both``): they skip without them, and fail instead if
``DHCPCTL_REQUIRE_NATIVE=1``. The ``build`` tests (``-m build``) run ``pip install -v .`` for
real, with pip's build isolation, each into a fresh virtual environment, and run the seed's lease
query from there against the test bed's ``dhcpd``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import build_ffi
from build_ffi import load_by_path
from dhcpctl.fallback import wire
from testbed.dataset import LEASES
from testbed.server import Endpoint

if TYPE_CHECKING:
    from dhcpctl._isc_locate import IscInstallation, Kind, Purpose

ROOT = Path(__file__).resolve().parent.parent


_isc_locate = load_by_path("_isc_locate", ROOT / "dhcpctl/_isc_locate.py")
LIBRARIES: tuple[str, ...] = _isc_locate.LIBRARIES
STAMP: str = _isc_locate.STAMP
IscLibraryNotFound: type[LookupError] = _isc_locate.IscLibraryNotFound
locate: Callable[..., IscInstallation] = _isc_locate.locate
HEADERS = [f"include/{header}" for header in _isc_locate.HEADERS]
SHARED = ["lib/libdhcpctl.so.0", "lib/libomapi.so.0", *(f"lib/lib{n}.so" for n in LIBRARIES)]
STATIC = [f"lib/lib{name}.a" for name in LIBRARIES]
# What Debian's isc-dhcp-dev installs: PIE archives, and no BIND libraries.
DEBIAN = ["lib/libdhcpctl.a", "lib/libomapi.a", "lib/libdhcp.a", *HEADERS[:2]]


def make_prefix(prefix: Path, files: Iterable[str]) -> Path:
    for name in files:
        (prefix / name).parent.mkdir(parents=True, exist_ok=True)
        (prefix / name).touch()
    return prefix


def find(tmp_path: Path, purpose: Purpose = "build", **env: str) -> IscInstallation:
    """``locate()`` with ``tmp_path/usr`` as the only system prefix and an empty cache."""
    environ = {"DHCPCTL_ISC_CACHE": str(tmp_path / "cache"), **env}
    return locate(purpose, environ=environ, system_prefixes=[tmp_path / "usr"])


def test_default_cache_dir_follows_the_environment() -> None:
    tail = Path("dhcpctl-omapi/isc-dhcp-4.4.3-P1")
    assert _isc_locate.default_cache_dir({"DHCPCTL_ISC_CACHE": "/c"}) == Path("/c") / tail
    assert _isc_locate.default_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x") / tail
    assert _isc_locate.default_cache_dir({}) == Path.home() / ".cache" / tail


def test_system_shared_layout_is_found(tmp_path: Path) -> None:
    bind = ["lib64/libisc.so.1107.0.7", "lib64/libisc.so.1107"]
    make_prefix(
        tmp_path / "usr", [name.replace("lib/", "lib64/") for name in SHARED] + bind + HEADERS
    )
    found = find(tmp_path)
    lib64 = tmp_path / "usr/lib64"
    assert found.kind == "shared"
    assert found.include_dirs == (str(tmp_path / "usr/include"),)
    assert found.library_dirs == (str(lib64),)
    assert found.libraries == ("dhcpctl", "omapi", "irs", "dns", "isccfg", "isc")
    assert found.extra_objects == ()
    assert found.runtime_library_dirs == ()  # no rpath to a system directory
    assert found.dlopen_order == (
        lib64 / "libisc.so.1107",
        lib64 / "libomapi.so.0",
        lib64 / "libdhcpctl.so.0",
    )


def test_static_layout_is_found(tmp_path: Path) -> None:
    prefix = make_prefix(tmp_path / "static", STATIC + HEADERS)
    found = find(tmp_path, DHCPCTL_ISC_PREFIX=str(prefix))
    assert found.kind == "static"
    assert found.libraries == ()
    assert found.extra_objects == tuple(str(prefix / name) for name in STATIC)
    assert found.dlopen_order == ()


def test_debian_pie_archives_are_rejected(tmp_path: Path) -> None:
    make_prefix(tmp_path / "usr", DEBIAN)
    with pytest.raises(IscLibraryNotFound) as error:
        find(tmp_path)
    message = str(error.value)
    assert f"{tmp_path}/usr/lib/libisc.a" in message
    assert "`python -m dhcpctl.build_isc` (needs: apt-get install autoconf" in message
    assert "then `pip install --force-reinstall --no-deps --no-cache-dir" in message
    assert "PIE" in message


def test_build_cache_needs_the_stamp(tmp_path: Path) -> None:
    cache = _isc_locate.default_cache_dir({"DHCPCTL_ISC_CACHE": str(tmp_path / "cache")})
    prefix = make_prefix(cache / "shared", SHARED + HEADERS)
    with pytest.raises(IscLibraryNotFound, match=f"no complete build \\(no {STAMP}\\)"):
        find(tmp_path)
    (prefix / STAMP).touch()
    found = find(tmp_path)
    assert found.kind == "shared"
    assert found.runtime_library_dirs == (str(prefix / "lib"),)


def test_build_of_another_version_is_refused(tmp_path: Path) -> None:
    cache = _isc_locate.default_cache_dir({"DHCPCTL_ISC_CACHE": str(tmp_path / "cache")})
    prefix = make_prefix(cache / "shared", SHARED + HEADERS)
    (prefix / STAMP).write_text("isc-dhcp 4.4.2-P1 shared\n")
    with pytest.raises(
        IscLibraryNotFound, match=r"built from ISC DHCP '4\.4\.2-P1', needs 4\.4\.3-P1"
    ):
        find(tmp_path)
    (prefix / STAMP).write_text("isc-dhcp 4.4.3-P1 shared\n")
    assert find(tmp_path).prefix == prefix


def test_wrong_prefix_is_an_error_naming_what_is_missing(tmp_path: Path) -> None:
    make_prefix(tmp_path / "usr", STATIC + HEADERS)  # usable, but must not be a silent fallback
    prefix = make_prefix(tmp_path / "runtime-only", SHARED[:2])
    with pytest.raises(IscLibraryNotFound) as error:
        find(tmp_path, DHCPCTL_ISC_PREFIX=str(prefix))
    message = str(error.value)
    assert f"DHCPCTL_ISC_PREFIX={prefix}" in message
    for missing in ["lib/libdhcpctl.so", "lib/libisc.so", *HEADERS]:
        assert f"{prefix}/{missing}" in message
    assert f"static in {prefix}/lib: no libdhcpctl.a" in message
    assert f"Build them there with `python -m dhcpctl.build_isc --prefix {prefix}`" in message
    # Enough to dlopen, though: ABI mode needs neither headers nor development links.
    assert find(tmp_path, "dlopen", DHCPCTL_ISC_PREFIX=str(prefix)).kind == "shared"


def test_prefix_may_be_a_build_root(tmp_path: Path) -> None:
    make_prefix(tmp_path / "root/static", STATIC + HEADERS)
    make_prefix(tmp_path / "root/shared", SHARED + HEADERS)
    assert find(tmp_path, DHCPCTL_ISC_PREFIX=str(tmp_path / "root")).kind == "static"
    assert find(tmp_path, "dlopen", DHCPCTL_ISC_PREFIX=str(tmp_path / "root")).kind == "shared"


def test_kind_can_be_forced(tmp_path: Path) -> None:
    make_prefix(tmp_path / "usr", STATIC + SHARED + HEADERS)
    assert find(tmp_path).kind == "shared"  # a libtool install's archives are not PIC
    assert find(tmp_path, DHCPCTL_ISC_KIND="shared").kind == "shared"
    assert find(tmp_path, DHCPCTL_ISC_KIND="static").kind == "static"
    with pytest.raises(IscLibraryNotFound, match="expected 'shared' or 'static'"):
        find(tmp_path, DHCPCTL_ISC_KIND="dynamic")
    with pytest.raises(IscLibraryNotFound, match="ABI mode"):
        find(tmp_path, "dlopen", DHCPCTL_ISC_KIND="static")


def test_forced_kind_absent_is_not_found(tmp_path: Path) -> None:
    make_prefix(tmp_path / "usr", STATIC + HEADERS)
    with pytest.raises(IscLibraryNotFound, match=r"libraries \(shared\)"):
        find(tmp_path, DHCPCTL_ISC_KIND="shared")


def test_build_script_reads_the_dsc_checksums(tmp_path: Path) -> None:
    script = load_by_path("build_isc", ROOT / "dhcpctl/build_isc.py")
    dsc = tmp_path / "isc-dhcp_4.4.3-P1-2.dsc"
    dsc.write_text(
        "Checksums-Sha1:\n 1111 10 isc-dhcp_4.4.3-P1.orig.tar.gz\n"
        "Checksums-Sha256:\n aaaa 10 isc-dhcp_4.4.3-P1.orig.tar.gz\n bbbb 5 x.debian.tar.xz\n"
        "Files:\n cccc 10 isc-dhcp_4.4.3-P1.orig.tar.gz\n"
    )
    assert script.dsc_sha256(dsc) == {
        "isc-dhcp_4.4.3-P1.orig.tar.gz": "aaaa",
        "x.debian.tar.xz": "bbbb",
    }


def test_build_stamp_names_the_patch_set(tmp_path: Path) -> None:
    """A prefix built without the current hardening patches (an older builder wrote no patch
    line) or with another set is not built: the builder rebuilds it."""
    script = load_by_path("build_isc", ROOT / "dhcpctl/build_isc.py")
    patches, digest = script.patch_set()
    assert [path.name for path in patches] == sorted(
        path.name for path in (ROOT / "dhcpctl/isc_patches").glob("*.patch")
    )
    assert len(patches) >= 1 and len(digest) == 64
    prefix = tmp_path / "static"
    prefix.mkdir()
    assert not script.is_built(prefix, "static", digest, _isc_locate)
    (prefix / STAMP).write_text("isc-dhcp 4.4.3-P1 static\n")  # before the patches existed
    assert not script.is_built(prefix, "static", digest, _isc_locate)
    (prefix / STAMP).write_text(script.stamp_text("static", digest, _isc_locate))
    assert script.is_built(prefix, "static", digest, _isc_locate)
    assert not script.is_built(prefix, "static", "0" * 64, _isc_locate)
    assert not script.is_built(prefix, "shared", digest, _isc_locate)


APT_SOURCE_OUTPUT = """\
Reading package lists...
NOTICE: 'isc-dhcp' packaging is maintained in the 'Git' version control system at:
https://salsa.debian.org/debian/isc-dhcp.git
Please use:
git clone https://salsa.debian.org/debian/isc-dhcp.git
to retrieve the latest (possibly unreleased) updates to the package.
Need to get 10.2 MB of source archives.
Download complete and in download only mode
"""


def test_builder_drops_apt_source_git_notice() -> None:
    """The notice ``apt-get source`` printed (recorded verbatim) goes; every other line stays."""
    builder = load_by_path("build_isc", ROOT / "dhcpctl/build_isc.py")
    assert builder._GIT_NOTICE.sub("", APT_SOURCE_OUTPUT) == (
        "Reading package lists...\n"
        "Need to get 10.2 MB of source archives.\n"
        "Download complete and in download only mode\n"
    )


def test_builder_progress_and_failure_name_the_directory_and_log(tmp_path: Path) -> None:
    """While make runs: lines with the elapsed time and the directory the logs (ISC's and
    BIND's own) named last; when it fails: the log's tail and where the whole log is kept."""
    builder = load_by_path("build_isc", ROOT / "dhcpctl/build_isc.py")
    src = tmp_path / "dhcp-4.4.3-P1"
    (src / "bind").mkdir(parents=True)
    log = tmp_path / "build.log"
    go = tmp_path / "go"
    os.mkfifo(go)
    # A make that says where it is, then waits until the test has seen it in a progress line.
    script = (
        f"echo \"make[2]: Entering directory '{src}/omapip'\"; "
        f"echo 'making all in {src}/bind/bind-9.11.36/lib/dns/include/dst' >> bind/build.log; "
        f"read line < {go}; echo 'cc: error: boom'; exit 2"
    )
    lines: list[str] = []

    def report(line: str) -> None:
        lines.append(line)
        if "bind/bind-9.11.36/lib/dns" in line or len(lines) == 200:
            go.write_text("go\n")  # opens the fifo: make's `read` returns

    with pytest.raises(builder.BuildError) as failed:
        builder.run_make(["sh", "-c", script], src, log, every=0.1, report=report)
    assert re.fullmatch(r"      sh: 0 min 0\d s, in bind/bind-9\.11\.36/lib/dns", lines[-1]), lines
    message = str(failed.value)
    assert message.startswith("`sh -c ") and "failed (exit 2)" in message
    assert "    | cc: error: boom\n" in message
    assert f"the full build log is kept in {log} (BIND's part: {src}/bind/build.log)" in message
    assert "cc: error: boom" in log.read_text()


def test_patches_apply_and_use_the_codec_limits(tmp_path: Path) -> None:
    """The patch series applies in order to Debian's orig tree, and the limits it checks in C
    are fallback/wire.py's MAX_* numbers."""
    script = load_by_path("build_isc", ROOT / "dhcpctl/build_isc.py")
    orig = _isc_locate.default_cache_dir() / "src" / script.ORIG
    if not orig.exists():
        pytest.skip(f"needs {orig} (python3 dhcpctl/build_isc.py fetches it)")
    parts = [f"{script.TOPDIR}/{part}" for part in ("omapip", "dhcpctl", "includes")]
    subprocess.run(["tar", "-xzf", str(orig), "-C", str(tmp_path), *parts], check=True)
    src = tmp_path / script.TOPDIR
    patches, _ = script.patch_set()
    script.apply_patches(src, patches, tmp_path / "patch.log")
    header = (src / "includes/omapip/omapip_p.h").read_text()
    limits = {
        name: int(value) if value.isdigit() else 1 << int(value.removeprefix("(1 << ")[:-1])
        for name, value in re.findall(r"#define OMAPI_MAX_(\w+)\s+(\d+|\(1 << \d+\))", header)
    }
    assert limits == {
        "HEADER_SIZE": wire.MAX_HEADER_SIZE,
        "NAME_LEN": wire.MAX_NAME_LEN,
        "VALUE_LEN": wire.MAX_VALUE_LEN,
        "VALUES": wire.MAX_VALUES,
        "MESSAGE_LEN": wire.MAX_MESSAGE_LEN,
        "AUTHLEN": wire.MAX_SIGNATURE_LEN,
        "PENDING_OUTPUT": 1 << 20,  # documented in README.md and dhcpctl/_api.py
    }
    assert "dhcpctl_omapi_hardening" in (src / "dhcpctl/dhcpctl.h").read_text()


# The real libraries: built by dhcpctl/build_isc.py, or installed.


def installed(kind: Kind, purpose: Purpose = "build") -> IscInstallation:
    """The real ISC libraries of ``kind``; skips (fails with DHCPCTL_REQUIRE_NATIVE=1) if none."""
    try:
        return locate(purpose, environ={**os.environ, "DHCPCTL_ISC_KIND": kind})
    except IscLibraryNotFound as exc:
        if os.environ.get("DHCPCTL_REQUIRE_NATIVE") == "1":
            pytest.fail(f"DHCPCTL_REQUIRE_NATIVE=1: {exc}")
        pytest.skip(
            f"needs the {kind} ISC libraries (python -m dhcpctl.build_isc --kind {kind}): {exc}"
        )


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter: each native library gets its own process."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("kind", ["shared", "static"])
def test_api_mode_module_builds_and_runs(
    kind: Kind, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isc = installed(kind)
    monkeypatch.setenv("DHCPCTL_ISC_PREFIX", str(isc.prefix))
    monkeypatch.setenv("DHCPCTL_ISC_KIND", kind)
    module = Path(build_ffi.ffibuilder().compile(tmpdir=str(tmp_path)))
    # The real package would win over a namespace portion: make tmp_path's a regular one.
    (tmp_path / "dhcpctl/__init__.py").touch()
    needed = b"libdhcpctl.so.0" in module.read_bytes()
    assert needed == (kind == "shared")  # the static build is self-contained
    out = run_python(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        from dhcpctl._native_lib import ffi, lib
        assert lib.dhcpctl_initialize() == 0
        s = ffi.new("omapi_data_string_t **")
        assert lib.py_omapi_data_string_new(s, 3) == 0 and s[0].len == 3
        assert lib.py_dhcpctl_data_string_dereference(s) == 0 and s[0] == ffi.NULL
        print(ffi.string(lib.isc_result_totext(0)).decode())
    """)
    assert out == "success\n"


MOVED_LIBRARY_PROBE = """
import json, sys, dhcpctl
dhcpctl.__path__.insert(0, sys.argv[1])  # the test's dhcpctl._native_lib before the tree's
try:
    dhcpctl.load_backend("native")
except ImportError as error:
    print(json.dumps([str(error), error.__cause__ is None, error.__suppress_context__]))
else:
    print(json.dumps(["loaded", True, True]))
"""


def test_moved_shared_library_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An extension built against shared ISC libraries that are gone since: one sentence (no
    chained repeats) naming the module, where its libraries were, what the loader could not
    open, and the builder command that puts them back; which it does."""
    isc = installed("shared")
    root = tmp_path / "root"
    prefix = root / "shared"
    for part in ("lib", "include"):
        shutil.copytree(isc.prefix / part, prefix / part, symlinks=True)
    monkeypatch.setenv("DHCPCTL_ISC_PREFIX", str(prefix))
    monkeypatch.setenv("DHCPCTL_ISC_KIND", "shared")
    module = Path(build_ffi.ffibuilder().compile(tmpdir=str(tmp_path / "build")))
    shutil.move(prefix / "lib", tmp_path / "moved-lib")
    env = environment(DHCPCTL_BACKEND="python", DHCPCTL_ISC_CACHE=str(tmp_path / "empty"))
    env.pop("DHCPCTL_ISC_PREFIX", None)  # ABI mode finds nothing either
    probe = [sys.executable, "-c", MOVED_LIBRARY_PROBE, str(module.parent)]

    def load() -> list[object]:
        result = subprocess.run(probe, env=env, capture_output=True, text=True, check=True)
        return list(json.loads(result.stdout))

    message, no_cause, suppressed = load()
    assert isinstance(message, str)
    assert no_cause and suppressed
    assert "\n" not in message and "not built" not in message, message
    assert message == (
        f"the native dhcpctl backend is not available: dhcpctl._native_lib ({module}) was built "
        f"against the shared ISC libraries in {prefix}, which no longer load "
        "(libdhcpctl.so.0: cannot open shared object file: No such file or directory); run "
        f"`python -m dhcpctl.build_isc --kind shared --prefix {root}`"
    )
    shutil.move(tmp_path / "moved-lib", prefix / "lib")  # what the command restores
    assert load() == ["loaded", True, True]


def test_in_place_build(tmp_path: Path) -> None:
    """``python3 build_ffi.py`` as documented: the module lands in dhcpctl/ (the project's
    pyproject.toml beside it, which setuptools must not read as the helper build's)."""
    installed("static")
    for name in (
        "build_ffi.py",
        "pyproject.toml",
        "dhcpctl/_isc_locate.py",
        "dhcpctl/_native_cdef.py",
    ):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    env = {**os.environ, "DHCPCTL_ISC_KIND": "static"}
    result = subprocess.run(
        [sys.executable, "build_ffi.py"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    [module] = (tmp_path / "dhcpctl").glob("_native_lib*.so")
    assert f"built {module}" in result.stdout
    left = {p.name for p in (tmp_path / "dhcpctl").iterdir()} - {"__pycache__"}
    assert left == {"_isc_locate.py", "_native_cdef.py", module.name}  # no .c or .o


def test_abi_mode_dlopen_runs() -> None:
    isc = installed("shared", "dlopen")
    order = [str(path) for path in isc.dlopen_order]
    assert [path.rsplit("/", 1)[1] for path in order[-2:]] == ["libomapi.so.0", "libdhcpctl.so.0"]
    out = run_python(f"""
        import sys, cffi
        sys.path.insert(0, {str(ROOT)!r})
        from build_ffi import load_by_path
        cdef = load_by_path("_native_cdef", {str(ROOT / "dhcpctl/_native_cdef.py")!r})
        ffi = cffi.FFI()
        ffi.cdef(cdef.CDEF)
        # libdhcpctl.so.0 does not NEED its dependencies: load them all globally, dependencies
        # first, then look the symbols up in the global scope.
        handles = [ffi.dlopen(path, ffi.RTLD_NOW | ffi.RTLD_GLOBAL) for path in {order!r}]
        lib = ffi.dlopen(None)
        assert lib.dhcpctl_initialize() == 0
        s = ffi.new("omapi_data_string_t **")
        assert lib.omapi_data_string_new(s, 3, b"test", 1) == 0 and s[0].len == 3
        assert lib.dhcpctl_data_string_dereference(s, b"test", 2) == 0 and s[0] == ffi.NULL
        print(ffi.string(lib.isc_result_totext(0)).decode())
    """)
    assert out == "success\n"


# pip install, for real: a fresh virtual environment each, pip's normal build isolation (the
# build requirements come from PyPI or pip's cache), and a copy of the source tree without build
# products: pip builds in the tree (build/, *.egg-info), which editable installs and concurrent
# runs share, and the copy cannot pick up an extension built in place.

COPY_IGNORE = shutil.ignore_patterns(
    ".*", "build", "dist", "*.egg-info", "__pycache__", "_native_lib*"
)
# What the subprocesses inherit of this project's variables: where the ISC libraries are.
PASSED_ON = ("DHCPCTL_ISC_PREFIX", "DHCPCTL_ISC_CACHE")
ISC_SHARED_LIBRARY = re.compile(r"\blib(?:dhcpctl|omapi|irs|dns|isccfg|isc)\.so")
# Run in the virtual environment, in an empty directory: which dhcpctl ran, then the example.
RUN_EXAMPLE = """
import runpy, sys
import dhcpctl, dhcpctl._native
print(dhcpctl.__file__, dhcpctl.BACKEND, dhcpctl._native.MODE)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def environment(**env: str) -> dict[str, str]:
    """``os.environ`` without PYTHONPATH, LD_LIBRARY_PATH and DHCPCTL_* (but ``PASSED_ON``)."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if name in PASSED_ON
        or not (name.startswith("DHCPCTL_") or name in ("PYTHONPATH", "LD_LIBRARY_PATH"))
    }
    return {**kept, "PIP_DISABLE_PIP_VERSION_CHECK": "1", **env}


@dataclass(frozen=True)
class Venv:
    """A virtual environment with this package pip-installed from a copy of the source tree."""

    root: Path
    install: subprocess.CompletedProcess[str]  # pip's, output and errors together

    @property
    def python(self) -> Path:
        return self.root / "bin/python"

    def extensions(self) -> list[Path]:
        return sorted(self.root.glob("lib/python*/site-packages/dhcpctl/_native_lib*"))

    def run(self, code: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        """``python -c code args`` in an empty directory, so that the installed copy is imported."""
        cwd = self.root / "cwd"
        cwd.mkdir(exist_ok=True)
        return subprocess.run(
            [str(self.python), "-c", code, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def lease_query(self, endpoint: Endpoint, mode: str, env: dict[str, str]) -> None:
        """Run ``examples/lease_query.py`` on the native backend: the first lease's end."""
        assert endpoint.key is not None
        lease = LEASES[0]
        key = endpoint.key
        args = [endpoint.address, str(endpoint.port), lease.ip]
        args += [key.name, key.algorithm, key.secret_base64]
        env = {**env, "DHCPCTL_BACKEND": "native"}
        result = self.run(RUN_EXAMPLE, str(ROOT / "examples/lease_query.py"), *args, env=env)
        assert result.returncode == 0, result.stderr
        where, backend, used_mode, output = result.stdout.split(maxsplit=3)
        assert Path(where).is_relative_to(self.root), "the source tree's dhcpctl ran"
        assert (backend, used_mode) == ("native", mode)
        assert output == f"ending time is {time.ctime(lease.ends)}\n"


def pip(
    venv: Path, source: Path, env: dict[str, str], *options: str
) -> subprocess.CompletedProcess[str]:
    """``pip install -v OPTIONS .`` in ``source`` into the virtual environment ``venv``."""
    return subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "-v", *options, "."],
        cwd=source,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=180,
        check=False,
    )


def pip_install(where: Path, env: dict[str, str]) -> Venv:
    """``pip install -v .`` of a copy of the source tree (``where/src``) into a new virtual
    environment (``where/venv``)."""
    source = where / "src"
    shutil.copytree(ROOT, source, symlinks=True, ignore=COPY_IGNORE)
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return Venv(venv, pip(venv, source, env))


def no_libraries(tmp: Path) -> dict[str, str]:
    """An environment without ISC libraries: an empty cache, no prefix (and none on the system)."""
    env = environment(DHCPCTL_ISC_CACHE=str(tmp / "empty-cache"))
    env.pop("DHCPCTL_ISC_PREFIX", None)
    for purpose in ("build", "dlopen"):
        try:
            found = locate(purpose, environ=env)
        except IscLibraryNotFound:
            continue
        pytest.skip(f"the system has ISC libraries ({found.kind} in {found.prefix})")
    return env


@pytest.fixture(scope="module")
def no_isc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return no_libraries(tmp_path_factory.mktemp("no-isc"))


@pytest.fixture(scope="module")
def pure_venv(tmp_path_factory: pytest.TempPathFactory, no_isc: dict[str, str]) -> Venv:
    """The package installed where no ISC libraries are: pure Python, no compiled module."""
    return pip_install(tmp_path_factory.mktemp("pure"), no_isc)


@pytest.mark.build
def test_pip_install_without_libraries_is_pure_python(
    pure_venv: Venv, no_isc: dict[str, str]
) -> None:
    output = pure_venv.install.stdout
    assert pure_venv.install.returncode == 0, output
    warning = "dhcpctl-omapi: WARNING: native backend not built, pure Python only: no usable ISC"
    assert warning in output
    cache = _isc_locate.default_cache_dir(no_isc)
    assert f"{cache}/static: no such directory" in output
    assert pure_venv.extensions() == []
    probe = pure_venv.run("import dhcpctl; print(dhcpctl.__file__, dhcpctl.BACKEND)", env=no_isc)
    assert probe.returncode == 0, probe.stderr
    where, backend = probe.stdout.split()
    assert Path(where).is_relative_to(pure_venv.root), "the source tree's dhcpctl ran"
    assert backend == "python"
    native = pure_venv.run("import dhcpctl", env={**no_isc, "DHCPCTL_BACKEND": "native"})
    assert native.returncode != 0
    assert "ImportError: the native dhcpctl backend is not available" in native.stderr
    assert "dhcpctl._native_lib is not built" in native.stderr
    for hint in (
        "python -m dhcpctl.build_isc --kind shared",
        "apt-get install autoconf",
        "  - shared in /usr/lib: no libdhcpctl.so.0",
    ):
        assert hint in native.stderr


@pytest.mark.build
def test_pip_install_requiring_native_without_libraries_fails(
    tmp_path: Path, no_isc: dict[str, str]
) -> None:
    venv = pip_install(tmp_path, {**no_isc, "DHCPCTL_REQUIRE_NATIVE": "1"})
    output = venv.install.stdout
    assert venv.install.returncode != 0, output
    assert "DHCPCTL_REQUIRE_NATIVE=1: no usable ISC DHCP 4.4.3-P1 libraries" in output
    assert "python -m dhcpctl.build_isc" in output
    assert "apt-get install autoconf automake libtool" in output


@pytest.mark.build
def test_pip_install_with_an_empty_isc_prefix_fails(tmp_path: Path, no_isc: dict[str, str]) -> None:
    """DHCPCTL_ISC_PREFIX names where the libraries are: without them there, no silent pure
    Python install, but an error naming what is missing and the command that builds them."""
    prefix = tmp_path / "isc"
    prefix.mkdir()
    venv = pip_install(tmp_path, {**no_isc, "DHCPCTL_ISC_PREFIX": str(prefix)})
    output = venv.install.stdout
    assert venv.install.returncode != 0, output
    assert (
        f"dhcpctl-omapi: error: no usable ISC DHCP 4.4.3-P1 libraries (shared or static) in "
        f"DHCPCTL_ISC_PREFIX={prefix}." in output
    )
    assert f"  - shared in {prefix}/lib: no libdhcpctl.so.0" in output
    assert f"Build them there with `python -m dhcpctl.build_isc --prefix {prefix}`" in output


@pytest.mark.build
@pytest.mark.parametrize("kind", ["static", "shared"])
def test_pip_install_native_runs_the_lease_query(
    kind: Kind, tmp_path: Path, dhcpd_server: Endpoint
) -> None:
    isc = installed(kind)
    venv = pip_install(tmp_path, environment(DHCPCTL_ISC_KIND=kind, DHCPCTL_REQUIRE_NATIVE="1"))
    output = venv.install.stdout
    assert venv.install.returncode == 0, output
    assert f"building the native backend against the {kind} ISC libraries in {isc.prefix}" in output
    (extension,) = venv.extensions()
    ldd = subprocess.run(
        ["ldd", str(extension)], env=environment(), capture_output=True, text=True, check=True
    ).stdout
    if kind == "static":
        assert ISC_SHARED_LIBRARY.search(ldd) is None, ldd
    else:  # found through the extension's rpath: no LD_LIBRARY_PATH here
        assert f"libdhcpctl.so.0 => {isc.dlopen_order[-1]} (" in ldd, ldd
        assert "not found" not in ldd, ldd
    venv.lease_query(dhcpd_server, "api", environment())


@pytest.mark.build
def test_abi_mode_runs_the_lease_query_without_a_compiled_module(
    pure_venv: Venv, no_isc: dict[str, str], dhcpd_server: Endpoint
) -> None:
    isc = installed("shared", "dlopen")
    assert pure_venv.install.returncode == 0, pure_venv.install.stdout
    assert pure_venv.extensions() == []
    pure_venv.lease_query(dhcpd_server, "abi", {**no_isc, "DHCPCTL_ISC_PREFIX": str(isc.prefix)})
