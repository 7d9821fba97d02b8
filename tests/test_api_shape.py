"""Both backends present exactly the interface written down in dhcpctl/_api.py."""

from __future__ import annotations

import inspect
import pydoc
from types import ModuleType

import pytest
from conftest import backend_or_skip

import dhcpctl
import dhcpctl.aio
import dhcpctl.testing
from dhcpctl import _api, _results
from dhcpctl._api import Backend

RESULT_CODES = {
    name: value for name, value in vars(_results).items() if name.startswith(("ISC_R_", "DHCP_R_"))
}


def test_every_function_has_the_written_down_signature(backend: Backend) -> None:
    for name in _api.FUNCTION_NAMES:
        expected = inspect.signature(getattr(Backend, name))
        parameters = list(expected.parameters.values())[1:]  # drop self
        actual = inspect.signature(getattr(backend, name))
        assert [p.name for p in actual.parameters.values()] == [p.name for p in parameters], name
        assert [p.default for p in actual.parameters.values()] == [p.default for p in parameters], (
            name
        )


def test_constants_and_result_codes(backend: Backend) -> None:
    assert (backend.DHCPCTL_CREATE, backend.DHCPCTL_UPDATE, backend.DHCPCTL_EXCL) == (1, 2, 4)
    for name, value in RESULT_CODES.items():
        assert getattr(backend, name) == value, name


def test_package_exports_the_chosen_backend() -> None:
    chosen = dhcpctl.load_backend(dhcpctl.BACKEND)
    for name in _api.FUNCTION_NAMES:
        assert getattr(dhcpctl, name) is getattr(chosen, name), name
    assert set(_api.FUNCTION_NAMES) <= set(dhcpctl.__all__)
    assert set(RESULT_CODES) <= set(dhcpctl.__all__)


@pytest.mark.parametrize(("own", "other"), [("python", "native"), ("native", "python")])
def test_objects_of_the_other_backend_are_refused(own: str, other: str) -> None:
    mine, theirs = backend_or_skip(own), backend_or_skip(other)
    foreign_key = theirs.dhcpctl_new_authenticator("k", "hmac-md5", b"secret")
    with pytest.raises(TypeError, match="objects cannot be mixed"):
        mine.dhcpctl_connect("127.0.0.1", 7911, foreign_key)
    with pytest.raises(TypeError, match="objects cannot be mixed"):
        mine.dhcpctl_data_string_dereference(theirs.omapi_data_string_new(4))


def test_every_function_has_the_protocols_docstring(backend: Backend) -> None:
    """Written once on Backend, shown by help() whichever backend (or dhcpctl) is asked."""
    for name in _api.FUNCTION_NAMES:
        written = inspect.getdoc(getattr(Backend, name))
        assert written, name
        assert "ISC" in written or ".c``" in written, name  # the ISC source it follows
        assert inspect.getdoc(getattr(backend, name)) == written, name
        assert inspect.getdoc(getattr(dhcpctl, name)) == written, name
        shown = pydoc.render_doc(getattr(backend, name), renderer=pydoc.TextDoc())
        assert [line for line in written.splitlines() if line.strip() not in shown] == [], name


@pytest.mark.parametrize("module", [dhcpctl, dhcpctl.aio, dhcpctl.testing], ids=repr)
def test_dir_shows_the_public_names_only(module: ModuleType) -> None:
    """``dir()`` of a public package (what completion and ``help`` list) is its ``__all__``,
    its public subpackages and dunders: no ``annotations`` of ``from __future__``, no names
    imported for its own use (``os``, ``Final``)."""
    # (not an identifier: what pytest's assertion rewriting adds to a plugin, "@py_builtins")
    public = {name for name in dir(module) if name.isidentifier() and not name.startswith("_")}
    subpackages = {
        name
        for name in public
        if isinstance(getattr(module, name), ModuleType)
        and getattr(module, name).__name__ == f"{module.__name__}.{name}"
    }
    assert public - subpackages == set(module.__all__)
