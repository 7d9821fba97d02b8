"""Errors and typed objects (Lease, Host, ...) cross process boundaries (``pickle``:
``multiprocessing``, ``concurrent.futures.ProcessPoolExecutor``, task queues) and
``copy.deepcopy`` with all they carry, and carry no secret into the pickle."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

import dhcpctl
from dhcpctl import _errors, _model
from dhcpctl._model import SCHEMAS
from dhcpctl._results import ISC_R_NOTFOUND, ISC_R_TIMEDOUT
from dhcpctl.fallback.wire import ProtocolError
from dhcpctl.testing import OmapiServer

SECRET = b"the-right-secret-of-the-server"
WRONG = b"a-wrong-secret-of-the-client"

OMAPI_ERRORS = [
    cls
    for cls in vars(_errors).values()
    if isinstance(cls, type) and issubclass(cls, _errors.OmapiError)
]


def _attributes(error: BaseException) -> dict[str, object]:
    return {**vars(error), "args": error.args, "str": str(error), "type": type(error)}


def test_every_omapi_error_class_is_checked() -> None:
    assert len(OMAPI_ERRORS) == 12


@pytest.mark.parametrize("cls", OMAPI_ERRORS, ids=lambda cls: cls.__name__)
def test_an_omapi_error_round_trips_with_what_it_carries(cls: type[_errors.OmapiError]) -> None:
    error = cls(
        "hosts.get",
        ISC_R_NOTFOUND,
        "the client's reason",
        server_message="no object matches",
        request="host name='web-1'",
    )
    back = pickle.loads(pickle.dumps(error))
    assert _attributes(back) == _attributes(error)
    assert (back.server_message, back.request, back.reason) == (
        "no object matches",
        "host name='web-1'",
        "the client's reason",
    )
    assert copy.deepcopy(error).args == error.args


@pytest.mark.parametrize("detail", [None, "bad value"])
def test_a_dhcpctl_error_round_trips(detail: str | None) -> None:
    for cls in (dhcpctl.DhcpctlError, _errors.WrongEventLoop):
        error = cls("dhcpctl_connect", ISC_R_TIMEDOUT, detail)
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is cls
        assert _attributes(back) == _attributes(error)
        assert (back.function, back.status, back.detail) == (
            "dhcpctl_connect",
            ISC_R_TIMEDOUT,
            detail,
        )


def test_an_amended_error_round_trips() -> None:
    error = _errors.amended(
        _errors.typed_error(ISC_R_NOTFOUND, function="leases.get", request="lease ip=10.0.0.5"),
        "looked up again",
    )
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is _errors.NotFound
    assert _attributes(back) == _attributes(error)


def test_state_not_kept_round_trips_with_its_lease() -> None:
    lease = _model.Lease(state=dhcpctl.LeaseState.FREE, flags=4)
    error = _errors.StateNotKept("leases.update", 25, "asked active")
    error.lease, error.asked = lease, dhcpctl.LeaseState.ACTIVE
    back = pickle.loads(pickle.dumps(error))
    assert _attributes(back) == _attributes(error)
    assert (back.lease, back.asked) == (lease, dhcpctl.LeaseState.ACTIVE)


def test_a_protocol_error_round_trips() -> None:
    error = ProtocolError(ISC_R_TIMEDOUT, "a reply too long")
    back = pickle.loads(pickle.dumps(error))
    assert (type(back), back.status, back.detail, back.args) == (
        ProtocolError,
        ISC_R_TIMEDOUT,
        "a reply too long",
        error.args,
    )


def test_a_failed_keyed_connect_pickles_no_secret() -> None:
    with OmapiServer(key=dhcpctl.Key("omapi_key", "hmac-md5", SECRET)) as server:
        client = dhcpctl.Client(
            server.address, server.port, key=dhcpctl.Key("omapi_key", "hmac-md5", WRONG), timeout=5
        )
        with pytest.raises(dhcpctl.OmapiError) as raised:
            client.hosts.get(name="web-1")
        client.close()
    data = pickle.dumps(raised.value)
    back = pickle.loads(data)
    assert _attributes(back) == _attributes(raised.value)
    for secret in (SECRET, WRONG):
        assert secret not in data


def _objects() -> list[Any]:
    """One object of every typed class, from a reply as dhcpd sends it (``raw`` filled)."""
    made = []
    for object_type, schema in SCHEMAS.items():
        values = {
            attribute.isc_name: attribute.codec.encode(value, attribute.field)
            for attribute in schema.attributes
            if attribute.sent and (value := SAMPLES.get(attribute.field)) is not None
        }
        values["ddns-fwd-name"] = b"web-1.example.org"
        obj = _model.decode(schema, values, tuple(values.items()))
        assert obj.raw and any(value is not None for value in vars(obj).values()), object_type
        made.append(obj)
    return made


SAMPLES: dict[str, object] = {
    "ip_address": "10.0.0.5",
    "name": "web-1",
    "hardware_address": "02:00:00:00:00:05",
    "hardware_type": 1,
    "flags": 4,
    "lease_limit": 10,
    "leases_used": 2,
    "ends": datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
    "max_lease_time": datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
}


@pytest.mark.parametrize("obj", _objects(), ids=lambda obj: type(obj).__name__)
@pytest.mark.parametrize("how", [pickle.loads, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_a_typed_object_round_trips(obj: Any, how: Callable[[Any], Any]) -> None:
    """Equal, the same fields and ``raw``, and as immutable as the original."""
    back = how(pickle.dumps(obj)) if how is pickle.loads else how(obj)
    assert type(back) is type(obj) and back == obj and back is not obj
    assert vars(back) == {**vars(obj), "raw": back.raw} and dict(back.raw) == dict(obj.raw)
    assert repr(back) == repr(obj) and hash(back) == hash(obj)
    with pytest.raises(dataclasses.FrozenInstanceError):
        back.raw = {}
    with pytest.raises(TypeError):
        back.raw["ddns-fwd-name"] = b"x"


def test_every_typed_class_is_checked() -> None:
    assert {type(obj) for obj in _objects()} == {schema.cls for schema in SCHEMAS.values()}
