"""docker/dhcpd_launch.py: the dhcpd.conf it writes, and its refusals (no dhcpd needed)."""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from build_ffi import load_by_path

LAUNCHER = Path(__file__).resolve().parent.parent / "docker" / "dhcpd_launch.py"
NETWORK = ipaddress.IPv4Network("198.18.7.0/24")
KEYED = {
    "OMAPI_KEY_NAME": "omapi_key",
    "OMAPI_KEY_ALGORITHM": "HMAC-SHA256",
    "OMAPI_KEY_SECRET": "c2VjcmV0LXNlY3JldA==",
}


@pytest.fixture(scope="module")
def launch() -> ModuleType:
    return load_by_path("dhcpd_launch", LAUNCHER)


def test_keyed_config(launch: ModuleType) -> None:
    conf = launch.render_config(KEYED, NETWORK)
    assert "omapi-port 7911;" in conf
    assert 'key "omapi_key" {\n  algorithm hmac-sha256;\n  secret "c2VjcmV0LXNlY3JldA==";' in conf
    assert 'omapi-key "omapi_key";' in conf
    assert "subnet 198.18.7.0 netmask 255.255.255.0 {\n  range 198.18.7.100 198.18.7.200;" in conf


def test_masked_config_hides_the_secret(launch: ModuleType) -> None:
    conf = launch.render_config(KEYED, NETWORK, mask_secret=True)
    assert "c2VjcmV0" not in conf
    assert 'secret "********";' in conf


def test_no_key_means_no_omapi_key(launch: ModuleType) -> None:
    conf = launch.render_config({"OMAPI_PORT": "7912"}, NETWORK)
    assert "omapi-port 7912;" in conf
    assert "key" not in conf


def test_extra_configuration_and_range(launch: ModuleType, tmp_path: Path) -> None:
    extra = tmp_path / "extra.conf"
    extra.write_text("host h { hardware ethernet 00:00:5e:00:53:01; }\n")
    env = {"DHCPD_CONF_EXTRA": str(extra), "DHCPD_RANGE": "198.18.7.10 198.18.7.20"}
    conf = launch.render_config(env, NETWORK)
    assert "host h { hardware ethernet 00:00:5e:00:53:01; }" in conf
    assert "range 198.18.7.10 198.18.7.20;" in conf


@pytest.mark.parametrize(
    ("network", "expected"),
    [
        ("198.18.7.0/24", ("198.18.7.100", "198.18.7.200")),
        ("172.17.0.0/16", ("172.17.0.100", "172.17.0.200")),
        ("198.18.7.0/28", ("198.18.7.8", "198.18.7.14")),
    ],
)
def test_default_range(launch: ModuleType, network: str, expected: tuple[str, str]) -> None:
    assert launch.default_range(ipaddress.IPv4Network(network)) == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({**KEYED, "OMAPI_KEY_ALGORITHM": "hmac-sha3"}, "not one of"),
        ({**KEYED, "OMAPI_KEY_SECRET": ""}, "OMAPI_KEY_SECRET is empty"),
        ({**KEYED, "OMAPI_KEY_SECRET": "not base64!"}, "not valid base64"),
        ({"OMAPI_PORT": "70000"}, "not a TCP port"),
        ({"DHCPD_RANGE": "198.18.7.10"}, "not two IPv4 addresses"),
        ({"DHCPD_RANGE": "198.18.8.10 198.18.8.20"}, "not an ascending range"),
        ({"DHCPD_RANGE": "198.18.7.20 198.18.7.10"}, "not an ascending range"),
    ],
)
def test_refusals(launch: ModuleType, env: dict[str, str], message: str) -> None:
    with pytest.raises(launch.LaunchError, match=message) as raised:
        launch.render_config(env, NETWORK)
    assert "c2VjcmV0" not in str(raised.value)


def test_leases_seed_only_an_empty_state(launch: ModuleType, tmp_path: Path) -> None:
    """The initial leases start a new state directory; a persisted one keeps what dhcpd wrote
    (hosts created over OMAPI survive a restart of the container)."""
    initial = tmp_path / "initial.leases"
    initial.write_text("lease 198.18.7.150 { }\n")
    leases = tmp_path / "state" / "dhcpd.leases"
    leases.parent.mkdir()
    launch.seed_leases(leases, str(initial))
    assert leases.read_text() == "lease 198.18.7.150 { }\n"
    leases.write_text("host created-over-omapi { dynamic; hardware ethernet 00:00:5e:00:53:01; }\n")
    launch.seed_leases(leases, str(initial))
    assert "created-over-omapi" in leases.read_text()
    fresh = tmp_path / "fresh" / "dhcpd.leases"
    fresh.parent.mkdir()
    launch.seed_leases(fresh, None)
    assert fresh.read_text() == ""


def test_unknown_interface(launch: ModuleType) -> None:
    with pytest.raises(launch.LaunchError, match="no IPv4 address"):
        launch.interface_network("nosuchif0")


# The image's Python: docker/Dockerfile installs Debian packages, and the launcher may import only
# the modules they ship. tests/data/debian_python_modules.json lists them per package (made by
# scripts/debian_python_modules.py from the packages' file lists, as its "made_by" says); the
# launcher is imported in a child interpreter that refuses every other module.

DOCKERFILE = LAUNCHER.parent / "Dockerfile"
DEBIAN_MODULES = LAUNCHER.parent.parent / "tests" / "data" / "debian_python_modules.json"
# In sys.modules without a file of their own: the script, importlib's frozen bootstrap under its
# internal names, and os.path (posixpath under a second name).
INTERNAL = ("__main__", "_frozen_importlib", "_frozen_importlib_external", "os.path")
IMPORT_PROBE = """
import sys
allowed = set(sys.argv[1].split())


class OnlyTheImage:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name not in allowed:
            raise ModuleNotFoundError(f"No module named {name!r} in the image", name=name)
        return None


sys.meta_path.insert(0, OnlyTheImage)
sys.path.insert(0, sys.argv[2])
failure = "-"
try:
    import dhcpd_launch
except ImportError as error:
    failure = str(error)
print(" ".join(sorted(set(sys.modules) - allowed)) or "-")
print(failure)
"""


def image_packages() -> list[str]:
    """The packages the Dockerfile's ``apt-get install`` names."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    found = re.search(r"apt-get install[^&]*--no-install-recommends\s+([^&]+)&&", text)
    assert found is not None, "docker/Dockerfile: no `apt-get install ... &&` line"
    return found.group(1).split()


def python_modules(packages: list[str]) -> set[str]:
    """The modules ``packages`` and their Python dependencies provide, and the interpreter's
    builtins. Fails for a Python package the data file does not know: regenerate it."""
    data = json.loads(DEBIAN_MODULES.read_text())
    known = data["packages"]
    todo = [name for name in packages if name.startswith(("python3", "libpython3"))]
    assert todo, f"no Python package in {packages}"
    unknown = [name for name in todo if name not in known]
    assert not unknown, f"{unknown}: not in {DEBIAN_MODULES}; run {data['made_by'].split(':')[0]}"
    modules = set(data["builtin_modules"])
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            modules |= set(known[name]["modules"])
            todo += known[name]["depends"]
    return modules


def import_with_only(modules: set[str]) -> tuple[list[str], str]:
    """Import the launcher where only ``modules`` exist: the modules outside them it ended up
    with (startup's included), and its ImportError ("-" if none)."""
    allowed = " ".join(sorted({*modules, *INTERNAL, "dhcpd_launch"}))
    probe = [sys.executable, "-I", "-S", "-c", IMPORT_PROBE, allowed, str(LAUNCHER.parent)]
    result = subprocess.run(probe, capture_output=True, text=True, check=True)
    outside, failure = result.stdout.splitlines()
    return ([] if outside == "-" else outside.split()), failure


def test_launcher_imports_only_what_the_image_ships() -> None:
    packages = image_packages()
    assert "isc-dhcp-server" in packages
    assert import_with_only(python_modules(packages)) == ([], "-")


def test_the_import_check_refuses_python3_minimal_alone() -> None:
    """What the image once installed: python3-minimal has no shutil. The check must see it."""
    outside, failure = import_with_only(python_modules(["python3-minimal"]))
    assert failure == "No module named 'shutil' in the image"
    assert outside == []


def test_compose_needs_no_test_data_and_persists_the_state() -> None:
    """compose.yaml runs the image alone, its state in a named volume at the launcher's state
    directory; the test data set comes only with compose.testdata.yaml."""
    compose = (LAUNCHER.parent / "compose.yaml").read_text()
    settings = "\n".join(line for line in compose.splitlines() if not line.lstrip().startswith("#"))
    assert "testdata" not in settings and "DHCPD_LEASES" not in settings
    state = re.search(r"DHCPD_STATE_DIR=(\S+)", DOCKERFILE.read_text())
    assert state is not None
    assert f'- "dhcpd-state:{state.group(1)}"' in settings
    assert re.search(r"^volumes:\n  dhcpd-state:", settings, re.MULTILINE)
    overlay = (LAUNCHER.parent / "compose.testdata.yaml").read_text()
    assert 'DHCPD_LEASES: "/testdata/dataset.leases"' in overlay
