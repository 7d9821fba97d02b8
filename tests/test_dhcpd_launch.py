"""docker/dhcpd_launch.py: the dhcpd.conf it writes, and its refusals (no dhcpd needed)."""

from __future__ import annotations

import ipaddress
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


def test_unknown_interface(launch: ModuleType) -> None:
    with pytest.raises(launch.LaunchError, match="no IPv4 address"):
        launch.interface_network("nosuchif0")
