#!/usr/bin/env python3
"""Build ISC DHCP 4.4.3-P1's client libraries from Debian's source package, for dhcpctl's cffi.

    python3 scripts/build_isc_libs.py [--kind shared|static|both] [--prefix DIR]

Debian ships no usable libdhcpctl: its static archives are PIE, not PIC, and BIND's libraries
they need are missing. This builds them, without installing anything system-wide:

- "shared": ``./configure --enable-libtool --prefix=PREFIX/shared && make && make install``:
  ``libdhcpctl.so.0``, ``libomapi.so.0``, BIND's ``libisc/libdns/libirs/libisccfg``, headers
  (libtool's static archives, not PIC, are removed). What cffi's ABI mode (``dlopen``) needs;
  about 4 minutes on 2 cores (it builds dhcpd, dhclient and dhcrelay too).
- "static": ``./configure CFLAGS="-O2 -fPIC" && make``, then the six position-independent
  archives and the headers are copied into ``PREFIX/static/{lib,include}``. A cffi extension
  linked with them is self-contained; about 2 minutes on 2 cores.

The project's hardening patches, ``scripts/isc_patches/NNNN-*.patch`` (unified diffs against
the unpacked ``dhcp-4.4.3-P1/`` tree, each with a header saying what it fixes), are applied in
name order with ``patch -p1`` right after unpacking. The stamp records the patch set's digest: a
prefix built with another set (or none, as by an older version of this script) is rebuilt.

The source comes from ``apt-get source --download-only isc-dhcp`` (a bookworm ``deb-src`` entry
is added if apt has none), checked against the sha256 sums of its ``.dsc``, and is kept in the
cache. The cache, default prefix and temporary build directories are all in
``${DHCPCTL_ISC_CACHE:-${XDG_CACHE_HOME:-~/.cache}}/dhcpctl-omapi/isc-dhcp-4.4.3-P1/``, which
``dhcpctl/_isc_locate.py`` searches. Idempotent: a prefix whose stamp file (written last) names
the current patch set is left alone; a failed build leaves its directory, with its build.log,
for inspection.
Needs: apt-get install autoconf automake libtool build-essential dpkg-dev
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
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
INSTALL_HINT = "apt-get install autoconf automake libtool build-essential dpkg-dev patch"
PATCH_DIR = ROOT / "scripts" / "isc_patches"
JOBS = "-j2"


def load_locate() -> ModuleType:
    """``dhcpctl/_isc_locate.py`` by file path: the package itself need not be importable."""
    sys.path.insert(0, str(ROOT))
    from build_ffi import load_by_path

    return load_by_path("_isc_locate", ROOT / "dhcpctl/_isc_locate.py")


class BuildError(Exception):
    pass


def run(cmd: list[str], cwd: Path, log: Path | None = None) -> None:
    """Run ``cmd``; its output goes to ``log`` if given."""
    print(f"    $ {' '.join(cmd)}", flush=True)
    if log is None:
        result = subprocess.run(cmd, cwd=cwd, check=False)
    else:
        with log.open("a") as out:
            result = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        tail = log.read_text().splitlines()[-25:] if log else []
        lines = "".join(f"    | {line}\n" for line in tail)
        raise BuildError(f"`{' '.join(cmd)}` failed (exit {result.returncode})\n{lines}")


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


def fetch_source(srcdir: Path) -> Path:
    """Debian's orig tarball, downloaded once into ``srcdir`` and checked against the .dsc."""
    srcdir.mkdir(parents=True, exist_ok=True)
    if not (srcdir / ORIG).exists() or not list(srcdir.glob(DSC_GLOB)):
        print(f"==> fetching the isc-dhcp source package into {srcdir}")
        fetch = ["apt-get", "source", "--download-only", "isc-dhcp"]
        try:
            run(fetch, srcdir)
        except BuildError:
            print(f"==> apt has no isc-dhcp source: adding {DEB_SRC}")
            try:
                DEB_SRC.write_text(DEB_SRC_ENTRY)
            except OSError as exc:
                raise BuildError(
                    f"cannot write {DEB_SRC} ({exc}): add a bookworm deb-src entry as root"
                ) from exc
            run(["apt-get", "update"], srcdir)
            run(fetch, srcdir)
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


def build(kind: str, orig: Path, dest: Path, cache: Path, locate: ModuleType) -> None:
    """Build one kind, patched, into ``dest``, in a temporary directory under ``cache``."""
    (cache / "tmp").mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"build-{kind}-", dir=cache / "tmp"))
    log = work / "build.log"
    print(f"==> building {kind} into {dest} (in {work}, log: {log})", flush=True)
    started = time.monotonic()
    shutil.rmtree(dest, ignore_errors=True)  # an incomplete earlier attempt
    run(["tar", "-xzf", str(orig)], work)
    src = work / TOPDIR
    patches, digest = patch_set()
    apply_patches(src, patches, log)
    if kind == "shared":
        run(["./configure", "--enable-libtool", f"--prefix={dest}"], src, log)
        run(["make", JOBS], src, log)
        run(["make", "install"], src, log)
        # libtool also installed static archives, not position-independent: drop them, so that
        # nothing links them into an extension by mistake.
        for archive in (dest / "lib").glob("*.a"):
            archive.unlink()
    else:
        run(["./configure", "CFLAGS=-O2 -fPIC"], src, log)
        run(["make", JOBS], src, log)
        install_static(src, dest)
    found = locate.check_prefix(dest, kind, "build")
    if isinstance(found, str):
        raise BuildError(f"the build did not produce a usable {kind} installation: {found}")
    (dest / locate.STAMP).write_text(stamp_text(kind, digest, locate))
    shutil.rmtree(work)
    minutes, seconds = divmod(round(time.monotonic() - started), 60)
    print(f"==> {kind}: done in {minutes} min {seconds} s", flush=True)


def main() -> int:
    locate = load_locate()
    cache = locate.default_cache_dir()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=["shared", "static", "both"], default="both")
    parser.add_argument(
        "--prefix",
        type=Path,
        default=cache,
        help=f"install into PREFIX/shared and PREFIX/static (default: {cache})",
    )
    args = parser.parse_args()
    kinds = ["shared", "static"] if args.kind == "both" else [args.kind]
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
            build(kind, orig, prefix / kind, cache, locate)
    except BuildError as exc:
        print(
            f"error: {exc}\nIf a tool or header was missing: {INSTALL_HINT}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
