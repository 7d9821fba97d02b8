"""``DataString`` on both backends: C's memcpy idiom, and views that outlive the string."""

from __future__ import annotations

import copy
import pickle

import pytest

from dhcpctl import DhcpctlError
from dhcpctl._api import Backend
from dhcpctl._results import DHCP_R_INVALIDARG


def test_value_is_a_writable_view_of_exactly_len_bytes(backend: Backend) -> None:
    data = backend.omapi_data_string_new(4)
    assert data.len == 4
    assert bytes(data) == bytes(4)
    data.value[:] = b"\xc6\x12\xfe\x96"
    assert bytes(data) == b"\xc6\x12\xfe\x96"
    with pytest.raises((ValueError, TypeError)):
        data.value[:] = b"too long"


def test_a_view_kept_after_the_dereference_stays_safe(backend: Backend) -> None:
    data = backend.omapi_data_string_new(4)
    view = data.value
    view[:] = b"abcd"
    backend.dhcpctl_data_string_dereference(data)
    # The view must not read freed memory: it still holds what was written.
    assert bytes(view) == b"abcd"
    with pytest.raises(DhcpctlError) as info:
        bytes(data)
    assert info.value.status == DHCP_R_INVALIDARG
    with pytest.raises(DhcpctlError):
        backend.dhcpctl_data_string_dereference(data)


def test_a_value_read_back_is_a_data_string_like_any_other(backend: Backend) -> None:
    """What ``dhcpctl_get_value`` returns reads, writes and releases as one made by
    ``omapi_data_string_new`` does (the native backend keeps only a copy of its bytes)."""
    key = backend.dhcpctl_new_authenticator("omapi_key", "hmac-md5", b"secret")
    name = backend.dhcpctl_get_value(key, "name")
    assert (name.len, bytes(name)) == (9, b"omapi_key")
    name.value[:5] = b"OMAPI"
    assert bytes(name) == b"OMAPI_key"
    view = name.value
    backend.dhcpctl_data_string_dereference(name)
    assert bytes(view) == b"OMAPI_key"
    for use in (bytes, lambda data: data.len, backend.dhcpctl_data_string_dereference):
        with pytest.raises(DhcpctlError) as info:
            use(name)
        assert info.value.status == DHCP_R_INVALIDARG


def test_copies_are_the_object_itself_deep_copies_and_pickles_refused(backend: Backend) -> None:
    """A data string or handle is one reference to its object, as in C: ``copy.copy`` gives
    it itself (a second native owner of the C data string, released, left the first one
    pointing at freed memory: the process died with SIGSEGV on its next use), and a deep
    copy or pickle is refused with a ``TypeError`` that names the object, never a secret."""
    data = backend.omapi_data_string_new(4)
    key = backend.dhcpctl_new_authenticator("omapi_key", "hmac-md5", b"do-not-show")
    secret = backend.dhcpctl_get_value(key, "key")
    for reference in (data, key, secret):
        assert copy.copy(reference) is reference
        for refused in (copy.deepcopy, pickle.dumps):
            with pytest.raises(TypeError, match="one reference to its object") as info:
                refused([reference])
            assert "do-not-show" not in str(info.value)
    backend.dhcpctl_data_string_dereference(copy.copy(data))
    with pytest.raises(DhcpctlError) as released:
        bytes(data)
    assert released.value.status == DHCP_R_INVALIDARG
