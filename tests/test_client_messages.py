"""Error texts of the typed layer cut long inputs (``dhcpctl._errors.shorten``): a huge value
shows as its first 64 characters of ``repr`` and its size, never whole; nothing is sent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import dhcpctl.aio
from dhcpctl import Client, Key
from dhcpctl._errors import SHOWN_LENGTH, shorten

#: Calls that each refuse one huge input, before anything is sent (port 9: nothing listens).
REFUSED: dict[str, Callable[[Client], object]] = {
    "mac": lambda omapi: omapi.leases.get(mac="ab" * 100_000),
    "host name": lambda omapi: omapi.hosts.create("a" * 70_000, mac="02:00:00:00:00:01"),
    "ip": lambda omapi: omapi.leases.get(ip="x" * 70_000),
    "group name": lambda omapi: omapi.hosts.create(
        "web", mac="02:00:00:00:00:01", group="g" * 70_000
    ),
    "attribute": lambda omapi: omapi.leases.update(ip="10.0.0.1", **{"q" * 70_000: 1}),  # type: ignore[arg-type]
    "state": lambda omapi: omapi.leases.update(ip="10.0.0.1", state="s" * 70_000),
    "nul": lambda omapi: omapi.hosts.create("w\0" + "x" * 70_000, mac="02:00:00:00:00:01"),
    "ip list": lambda omapi: omapi.hosts.create(
        "web", mac="02:00:00:00:00:01", ip=["10.0.0.1", "y" * 70_000]
    ),
    "option value": lambda omapi: omapi.hosts.create(
        "web", mac="02:00:00:00:00:01", statements="option host-name " + "h" * 1_400 + "!;"
    ),
}


@pytest.mark.parametrize("call", REFUSED.values(), ids=REFUSED.keys())
def test_a_huge_input_is_cut_in_the_error(
    call: Callable[[Client], object], backend_name: str
) -> None:
    omapi = Client("127.0.0.1", 9, backend=backend_name)
    with pytest.raises(ValueError) as raised:
        call(omapi)
    text = str(raised.value)
    assert len(text) < 1_000, text[:200]
    assert "... (" in text


def test_huge_client_and_key_arguments_are_cut(tmp_path: Path) -> None:
    long = "k" * 70_000
    for make in (
        lambda: Client("::" + long[2:]),
        lambda: Client("127.0.0.1", long),  # type: ignore[arg-type]
        lambda: dhcpctl.aio.Client("127.0.0.1", max_in_flight=long),  # type: ignore[arg-type]
        lambda: Key(long + "\0", "hmac-md5", b"s"),
        lambda: Key("k", long, b"s"),
        lambda: Key.from_base64(long, "hmac-md5", "!!"),
    ):
        with pytest.raises(ValueError, match=r"\.\.\. \(70,?0\d\d characters\)") as raised:
            make()
        assert len(str(raised.value)) < 1_000


def test_shorten_keeps_short_values_whole_and_says_the_size_of_long_ones() -> None:
    assert shorten("web-1") == "'web-1'"
    assert shorten("a" * (SHOWN_LENGTH - 2)) == repr("a" * (SHOWN_LENGTH - 2))
    assert shorten("a" * 100) == repr("a" * 100)[:SHOWN_LENGTH] + "... (100 characters)"
    assert shorten(b"\0" * 100).endswith("... (100 bytes)")
    assert shorten(["1.2.3.4"] * 100).endswith("... (100 items)")
    assert len(shorten(10**200)) == SHOWN_LENGTH + len("... (201 characters)")
