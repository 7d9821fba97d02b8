"""Build ISC DHCP 4.4.3-P1's client libraries from Debian's source package, for dhcpctl's cffi.

    python -m dhcpctl.build_isc [--kind static|shared|both] [--prefix DIR]

Debian ships no usable libdhcpctl: its static archives are PIE, not PIC, and BIND's libraries
they need are missing. This builds them, without installing anything system-wide:

- "static" (the default): ``./configure CFLAGS="-O2 -fPIC" && make``, then the six
  position-independent archives and the headers are copied into ``PREFIX/static/{lib,include}``.
  What ``pip install`` compiles the API-mode extension against: self-contained, it needs nothing
  at run time.
- "shared": ``./configure --enable-libtool --prefix=PREFIX/shared && make && make install``:
  ``libdhcpctl.so.0``, ``libomapi.so.0``, BIND's ``libisc/libdns/libirs/libisccfg``, headers
  (libtool's static archives, not PIC, are removed). What cffi's ABI mode (``dlopen``, no
  compiler) needs; it takes longer (it builds dhcpd, dhclient and dhcrelay too).

Then reinstall the package (``pip install --force-reinstall --no-deps dhcpctl-omapi``, or
``pip install .`` in a clone): ``pip`` finds the libraries in the default prefix.

The project's hardening patches, ``dhcpctl/isc_patches/NNNN-*.patch`` (unified diffs against
the unpacked ``dhcp-4.4.3-P1/`` tree, each with a header saying what it fixes; shipped in the
package), are applied in name order with ``patch -p1`` right after unpacking. The stamp records
the patch set's digest: a prefix built with another set (or none) is rebuilt.

The source comes from ``apt-get source --download-only isc-dhcp`` (a bookworm ``deb-src`` entry
is added if apt has none), checked against the sha256 sums of its ``.dsc``, and is kept in the
cache. The cache and default prefix are
``${DHCPCTL_ISC_CACHE:-${XDG_CACHE_HOME:-~/.cache}}/dhcpctl-omapi/isc-dhcp-4.4.3-P1/``, which
``dhcpctl/_isc_locate.py`` searches; builds run in ``PREFIX/tmp/build-KIND-*``. While ``make``
runs, a line every :data:`PROGRESS_EVERY` seconds gives the elapsed time and the ISC directory
being built. Idempotent: a prefix whose stamp file (written last) names the current patch set is
left alone. A failed build keeps its directory, with ``build.log`` (and BIND's own
``bind/build.log``), and the error names it.

Standard library only, and loadable by file path (``scripts/bootstrap.sh`` and ``tox.ini`` run
``python3 dhcpctl/build_isc.py`` before the package is installed): ``python -m dhcpctl.build_isc``
works whatever ``DHCPCTL_BACKEND`` says (see ``dhcpctl._backend``).
Needs: apt-get install autoconf automake libtool build-essential dpkg-dev patch
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ORIG = "isc-dhcp_4.4.3-P1.orig.tar.gz"
DSC_GLOB = "isc-dhcp_4.4.3-P1-*.dsc"
TOPDIR = "dhcp-4.4.3-P1"
DEB_SRC = Path("/etc/apt/sources.list.d/dhcpctl-deb-src.sources")
DEB_SRC_ENTRY = """\
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
TOOLS = {
    "make": "make",
    "cc": "build-essential",
    "autoreconf": "autoconf",
    "aclocal": "automake",
    "libtoolize": "libtool",
    "apt-get": "apt",
    "patch": "patch",
}
PATCH_DIR = HERE / "isc_patches"
KINDS = ("static", "shared")
#: Seconds between two progress lines while ``make`` runs.
PROGRESS_EVERY = 5.0
#: Where ``make`` says it is: GNU make's "Entering directory", automake's and BIND's "Making all
#: in" / "making all in".
_DIRECTORY = re.compile(rb"Entering directory '([^'\n]+)'|[Mm]aking \w+ in (\S+)")
#: A header directory's tail (``lib/dns/include/dst``: ``lib/dns`` builds).
_INCLUDE_DIR = re.compile(r"/include(?:/.*)?$")
#: The notice ``apt-get source`` prints for a package kept in Git (a newcomer reads it as an
#: error): from its first line to its last.
_GIT_NOTICE = re.compile(r"^NOTICE: '.*?^to retrieve the latest [^\n]*\n", re.MULTILINE | re.DOTALL)


def load_locate() -> ModuleType:
    """``dhcpctl/_isc_locate.py`` by file path: the package itself need not be importable."""
    spec = importlib.util.spec_from_file_location("_isc_locate", HERE / "_isc_locate.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {HERE / '_isc_locate.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["_isc_locate"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class BuildError(Exception):
    pass


def minutes(seconds: float) -> str:
    """``"1 min 05 s"``."""
    whole_minutes, rest = divmod(round(seconds), 60)
    return f"{whole_minutes} min {rest:02d} s"


def _failed(cmd: Sequence[str], code: int, log: Path | None, extra: str = "") -> BuildError:
    tail = log.read_text(errors="replace").splitlines()[-25:] if log else []
    lines = "".join(f"    | {line}\n" for line in tail)
    where = f"the full build log is kept in {log}{extra}\n" if log else ""
    return BuildError(f"`{' '.join(cmd)}` failed (exit {code})\n{lines}{where}")


def run(cmd: list[str], cwd: Path, log: Path | None = None) -> None:
    """Run ``cmd``; its output goes to ``log`` if given. Raises BuildError if it fails."""
    print(f"    $ {' '.join(cmd)}", flush=True)
    if log is None:
        result = subprocess.run(cmd, cwd=cwd, check=False)
    else:
        with log.open("a") as out:
            result = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        raise _failed(cmd, result.returncode, log)


class MakeProgress:
    """Where a running ``make`` is: the last directory the build logs name (ISC's ``build.log``
    and BIND's own ``bind/*.log``, which ISC's ``bind/Makefile`` writes apart)."""

    def __init__(self, src: Path, logs: Sequence[Path]) -> None:
        self.src = src
        self.logs = logs
        self.read: dict[Path, int] = {}
        self.directory = "."

    def current(self) -> str:
        """The directory, relative to the source tree, named last in what the logs gained."""
        newest = None
        for log in self.logs:
            try:
                size = log.stat().st_size
            except OSError:
                continue
            if size == self.read.get(log, 0):
                continue
            with log.open("rb") as stream:
                stream.seek(self.read.get(log, 0))
                matches = _DIRECTORY.findall(stream.read(size - self.read.get(log, 0)))
            self.read[log] = size
            if matches:
                entering, making = matches[-1]
                newest = (entering or making).decode(errors="replace")
        if newest is not None:
            path = Path(newest)
            relative = str(path.relative_to(self.src)) if path.is_relative_to(self.src) else newest
            # Headers are installed in an instant; the compiler then works in the parent, which
            # names no directory of its own: report that.
            self.directory = _INCLUDE_DIR.sub("", relative)
        return self.directory


def _print(line: str) -> None:
    print(line, flush=True)


def run_make(
    cmd: list[str],
    src: Path,
    log: Path,
    every: float = PROGRESS_EVERY,
    report: Callable[[str], None] = _print,
) -> None:
    """Run ``make`` in ``src`` (output to ``log``), reporting every ``every`` seconds how long it
    has run and in which directory. Raises BuildError naming the logs if it fails."""
    print(f"    $ {' '.join(cmd)}", flush=True)
    bind_logs = [src / "bind" / name for name in ("configure.log", "build.log", "install.log")]
    progress = MakeProgress(src, [log, *bind_logs])
    started = time.monotonic()
    with log.open("a") as out:
        process = subprocess.Popen(cmd, cwd=src, stdout=out, stderr=subprocess.STDOUT)
    while True:
        try:
            code = process.wait(timeout=every)
        except subprocess.TimeoutExpired:
            elapsed = minutes(time.monotonic() - started)
            report(f"      {cmd[0]}: {elapsed}, in {progress.current()}")
            continue
        break
    if code != 0:
        raise _failed(cmd, code, log, f" (BIND's part: {src / 'bind' / 'build.log'})")


def dsc_sha256(dsc: Path) -> dict[str, str]:
    """The ``Checksums-Sha256`` field of a ``.dsc``: file name -> sha256."""
    sums: dict[str, str] = {}
    in_field = False
    for line in dsc.read_text().splitlines():
        if line.startswith("Checksums-Sha256:"):
            in_field = True
        elif in_field and line.startswith(" "):
            digest, _size, name = line.split()
            sums[name] = digest
        else:
            in_field = False
    return sums


def apt_get(args: list[str], cwd: Path) -> None:
    """``apt-get ARGS`` without the noise a newcomer reads as an error: as root, apt's warning
    that the download runs unsandboxed (it cannot drop to ``_apt`` in a root-owned directory;
    the option says so beforehand), and ``apt-get source``'s notice that the packaging is kept
    in Git. Everything else, errors included, is printed. Raises BuildError if it fails."""
    cmd = ["apt-get", *(["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []), *args]
    print(f"    $ {' '.join(cmd)}", flush=True)
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    sys.stdout.write(_GIT_NOTICE.sub("", result.stdout))
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise _failed(cmd, result.returncode, None)


def fetch_source(srcdir: Path) -> Path:
    """Debian's orig tarball, downloaded once into ``srcdir`` and checked against the .dsc."""
    srcdir.mkdir(parents=True, exist_ok=True)
    if not (srcdir / ORIG).exists() or not list(srcdir.glob(DSC_GLOB)):
        print(f"==> fetching the isc-dhcp source package into {srcdir}")
        fetch = ["source", "--download-only", "isc-dhcp"]
        try:
            apt_get(fetch, srcdir)
        except BuildError:
            print(f"==> apt has no isc-dhcp source: adding {DEB_SRC}")
            try:
                DEB_SRC.write_text(DEB_SRC_ENTRY)
            except OSError as exc:
                raise BuildError(
                    f"cannot write {DEB_SRC} ({exc}): add a bookworm deb-src entry as root"
                ) from exc
            apt_get(["update", "-qq"], srcdir)
            apt_get(fetch, srcdir)
    dsc = sorted(srcdir.glob(DSC_GLOB))[-1]
    sums = dsc_sha256(dsc)
    if ORIG not in sums:
        raise BuildError(f"{dsc.name} does not list {ORIG}")
    for name, digest in sums.items():
        actual = hashlib.sha256((srcdir / name).read_bytes()).hexdigest()
        if actual != digest:
            raise BuildError(f"sha256 of {srcdir / name} does not match {dsc.name}: delete it")
    print(f"==> source: {srcdir / ORIG} (sha256 matches {dsc.name})")
    return srcdir / ORIG


def unpack_source(orig: Path) -> Path:
    """The orig tarball unpacked once beside it: the tree ``scripts/gen_results.py`` reads."""
    tree = orig.parent / TOPDIR
    if not (tree / "bind" / "bind.tar.gz").exists():
        shutil.rmtree(tree, ignore_errors=True)
        run(["tar", "-xzf", str(orig)], orig.parent)
    print(f"==> source tree: {tree}")
    return tree


def patch_set() -> tuple[list[Path], str]:
    """The hardening patches in the order they apply, and their digest (names and contents)."""
    patches = sorted(PATCH_DIR.glob("*.patch"))
    digest = hashlib.sha256()
    for path in patches:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return patches, digest.hexdigest()


def stamp_text(kind: str, digest: str, locate: ModuleType) -> str:
    """What the stamp of a prefix built with the patch set ``digest`` says."""
    return f"isc-dhcp {locate.ISC_DHCP_VERSION} {kind}\npatches {digest}\n"


def is_built(dest: Path, kind: str, digest: str, locate: ModuleType) -> bool:
    """Whether ``dest`` holds a complete build of ``kind`` with this patch set."""
    stamp: Path = dest / locate.STAMP
    return stamp.exists() and stamp.read_text() == stamp_text(kind, digest, locate)


def apply_patches(src: Path, patches: list[Path], log: Path) -> None:
    """Apply the hardening patches to the unpacked tree ``src``; any failure stops the build."""
    for patch in patches:
        run(["patch", "-p1", "--forward", "--batch", "-i", str(patch)], src, log)


def install_static(src: Path, dest: Path) -> None:
    """Copy the six archives and the headers of a ``-fPIC`` build tree into ``dest``."""
    (dest / "lib").mkdir(parents=True)
    archives = ["dhcpctl/libdhcpctl.a", "omapip/libomapi.a"]
    archives += [f"bind/lib/lib{name}.a" for name in ("irs", "dns", "isccfg", "isc")]
    for archive in archives:
        shutil.copy2(src / archive, dest / "lib")
    include = dest / "include"
    shutil.copytree(src / "bind/include", include)
    shutil.copytree(src / "includes/omapip", include / "omapip")
    (include / "dhcpctl").mkdir()
    shutil.copy2(src / "dhcpctl/dhcpctl.h", include / "dhcpctl")


def build(kind: str, orig: Path, dest: Path, locate: ModuleType) -> None:
    """Build one kind, patched, into ``dest``, in a temporary directory beside it."""
    (dest.parent / "tmp").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"build-{kind}-", dir=dest.parent / "tmp"))
    log = work / "build.log"
    print(f"==> building {kind} into {dest} (in {work}, log: {log})", flush=True)
    started = time.monotonic()
    shutil.rmtree(dest, ignore_errors=True)  # an incomplete earlier attempt
    run(["tar", "-xzf", str(orig)], work)
    src = work / TOPDIR
    patches, digest = patch_set()
    apply_patches(src, patches, log)
    make = ["make", f"-j{os.cpu_count() or 1}"]
    if kind == "shared":
        run(["./configure", "--enable-libtool", f"--prefix={dest}"], src, log)
        run_make(make, src, log)
        run_make(["make", "install"], src, log)
        # libtool also installed static archives, not position-independent: drop them, so that
        # nothing links them into an extension by mistake.
        for archive in (dest / "lib").glob("*.a"):
            archive.unlink()
    else:
        run(["./configure", "CFLAGS=-O2 -fPIC"], src, log)
        run_make(make, src, log)
        install_static(src, dest)
    found = locate.check_prefix(dest, kind, "build")
    if isinstance(found, str):
        raise BuildError(f"the build did not produce a usable {kind} installation: {found}")
    (dest / locate.STAMP).write_text(stamp_text(kind, digest, locate))
    shutil.rmtree(work)
    print(f"==> {kind}: done in {minutes(time.monotonic() - started)}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; exit status 0, or 1 with ``error: ...`` on stderr."""
    locate = load_locate()
    cache = locate.default_cache_dir()
    parser = argparse.ArgumentParser(
        prog="python -m dhcpctl.build_isc", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument(
        "--kind",
        choices=[*KINDS, "both"],
        default="static",
        help="static (default): for pip install's compiled extension (API mode); shared: for "
        "ABI mode (no compiler); both",
    )
    parser.add_argument(
        "--prefix",
        type=Path,
        default=cache,
        help=f"install into PREFIX/static and PREFIX/shared (default: {cache})",
    )
    args = parser.parse_args(argv)
    kinds = list(KINDS) if args.kind == "both" else [args.kind]
    prefix = args.prefix.resolve()
    _patches, digest = patch_set()
    todo = [kind for kind in kinds if not is_built(prefix / kind, kind, digest, locate)]
    for kind in sorted(set(kinds) - set(todo)):
        print(
            f"==> {kind}: already built in {prefix / kind} (patch set {digest[:12]}), nothing to do"
        )
    for kind in todo:
        if (prefix / kind / locate.STAMP).exists():
            print(f"==> {kind}: {prefix / kind} was built with another patch set: rebuilding")
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    try:
        if missing:
            packages = sorted({TOOLS[tool] for tool in missing})
            raise BuildError(f"missing tools {', '.join(missing)} (packages {' '.join(packages)})")
        orig = fetch_source(cache / "src")
        unpack_source(orig)
        for kind in todo:
            build(kind, orig, prefix / kind, locate)
    except BuildError as exc:
        hint = f"If a tool or header was missing: {locate.BUILD_TOOLS}"
        print(f"error: {str(exc).rstrip()}\n{hint}", file=sys.stderr)
        return 1
    if todo:
        print(f"==> now reinstall dhcpctl-omapi so that it uses them: {locate.REINSTALL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
