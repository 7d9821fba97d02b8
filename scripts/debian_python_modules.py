#!/usr/bin/env python3
"""Which standard-library modules Debian's Python packages provide, for the docker image's test.

    python3 scripts/debian_python_modules.py [PACKAGE ...]   # default: python3 python3-minimal

Writes ``tests/data/debian_python_modules.json`` for ``tests/test_dhcpd_launch.py``: the image
installs Debian packages, and ``docker/dhcpd_launch.py`` may import only what they ship. For each
package and its Python dependencies (``Depends``/``Pre-Depends`` on ``python3*``/``libpython3*``,
followed recursively), ``apt-get download`` fetches the ``.deb`` into a temporary directory and
``dpkg-deb --contents`` lists its files; a module is a ``A/B.py`` (``A.B``), a package's
``A/__init__.py`` (``A``) or an extension ``lib-dynload/A.cpython-*.so`` under
``/usr/lib/python3.X/``. The modules compiled into the interpreter (``sys.builtin_module_names`` of
Debian's own ``python3.X``, which differs from other builds) are read by running that binary,
unpacked from the ``.deb`` with its standard library. Needs apt (bookworm sources) and network;
writes the JSON, with the packages' versions and how it was made.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "tests" / "data" / "debian_python_modules.json"
PYTHON_PACKAGE = re.compile(r"^(?:lib)?python3[\w.+-]*$")
MODULE_FILE = re.compile(
    r"^\./usr/lib/python3\.\d+/(?:lib-dynload/(?P<ext>\w+)\.cpython-[^/]+\.so"
    r"|(?P<py>(?:\w+/)*\w+)\.py)$"
)


def run(cmd: list[str], cwd: Path | None = None) -> str:
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout


def download(package: str, into: Path) -> Path:
    """The package's ``.deb``, fetched with ``apt-get download`` (apt's sandbox user cannot
    write a root-owned temporary directory: the option says so, and apt stays quiet)."""
    run(["apt-get", "-o", "APT::Sandbox::User=root", "download", package], cwd=into)
    [deb] = into.glob(f"{package}_*.deb")
    return deb


def python_dependencies(deb: Path) -> list[str]:
    """The Python packages ``deb`` depends on (alternatives: each of them)."""
    fields = [run(["dpkg-deb", "--field", str(deb), field]) for field in ("Pre-Depends", "Depends")]
    names = re.findall(r"(?:^|[,|])\s*([a-z0-9][\w.+-]*)", ",".join(fields))
    return sorted({name for name in names if PYTHON_PACKAGE.match(name)})


def modules(deb: Path) -> list[str]:
    """The modules ``deb`` installs under ``/usr/lib/python3.X/``, by dotted name
    (``a/b/__init__.py`` is ``a.b``)."""
    found = set()
    for line in run(["dpkg-deb", "--contents", str(deb)]).splitlines():
        match = MODULE_FILE.match(line.split()[-1])
        if match:
            name = (match["ext"] or match["py"]).replace("/", ".")
            found.add(name.removesuffix(".__init__"))
    return sorted(found)


def builtin_modules(debs: list[Path], into: Path) -> list[str]:
    """``sys.builtin_module_names`` of Debian's interpreter, unpacked with its stdlib."""
    root = into / "root"
    for deb in debs:
        run(["dpkg-deb", "--extract", str(deb), str(root)])
    [python] = sorted((root / "usr/bin").glob("python3.[0-9]*"))
    code = "import sys; print(' '.join(sys.builtin_module_names))"
    out = subprocess.run(
        [str(python), "-S", "-c", code],
        env={"PYTHONHOME": str(root / "usr")},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return sorted(out.split())


def main(roots: list[str]) -> int:
    packages: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="debian-python-") as tmp:
        work = Path(tmp)
        debs = []
        todo = list(roots)
        while todo:
            package = todo.pop()
            if package in packages:
                continue
            deb = download(package, work)
            debs.append(deb)
            depends = python_dependencies(deb)
            packages[package] = {
                "version": run(["dpkg-deb", "--field", str(deb), "Version"]).strip(),
                "depends": depends,
                "modules": modules(deb),
            }
            todo += depends
        builtins = builtin_modules(debs, work)
    data = {
        "made_by": (
            f"python3 scripts/debian_python_modules.py {' '.join(roots)}: apt-get download, "
            "dpkg-deb --contents (modules under /usr/lib/python3.X, by dotted name), and "
            "sys.builtin_module_names of the unpacked interpreter; Debian bookworm, "
            f"{run(['dpkg', '--print-architecture']).strip()}"
        ),
        "builtin_modules": builtins,
        "packages": dict(sorted(packages.items())),
    }
    OUTPUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUTPUT}: {', '.join(sorted(packages))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["python3", "python3-minimal"]))
