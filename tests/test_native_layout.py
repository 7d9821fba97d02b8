"""The native backend refuses an ISC library of another version or struct layout.

:mod:`dhcpctl._native.layout` checks the loaded library at import; ``build_ffi.py`` refuses to
compile against a ``dhcpctl.h`` of another layout. Each check is shown to pass on the real
library and to fail, with a message naming what was found and what is needed, when what it
expects is changed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from cffi import FFI  # type: ignore[import-untyped,unused-ignore]
from child_python import run_python
from conftest import backend_or_skip, require_api_mode

from build_ffi import GENERIC_CHECK, LAYOUT_CHECK, SOURCE
from dhcpctl._isc_locate import locate
from dhcpctl._native_cdef import LAYOUT_CDEF
from testbed.pytest_plugin import missing

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.native

#: The layout with one more int before waitstatus: what a changed dhcpctl.h would be.
SHIFTED_CDEF = LAYOUT_CDEF.replace(
    "void *rtype; unsigned waitstatus;", "void *rtype; void *added; unsigned waitstatus;"
)


def test_shifted_layout_moves_waitstatus() -> None:
    """The stand-in for a changed header really is another layout."""
    real, shifted = FFI(), FFI()
    real.cdef(LAYOUT_CDEF)
    shifted.cdef(SHIFTED_CDEF)
    field = ("dhcpctl_remote_object_t", "waitstatus")
    assert shifted.offsetof(*field) != real.offsetof(*field)


def run_child(mode: str, code: str) -> str:
    """``code`` in a fresh interpreter whose native backend runs in ``mode``; its stdout."""
    if mode == "api":
        require_api_mode()
    prelude = f"""
        import cffi, pytest
        import dhcpctl._native as n
        from dhcpctl._native import layout
        assert n.MODE == {mode!r}, n.MODE
        layout.verify()  # the real library passes (it did at import, too)
        def refused():
            with pytest.raises(layout.LayoutMismatch) as info:
                layout.verify()
            assert isinstance(info.value, ImportError)
            return str(info.value)
        def refused_under(cdef):  # the checks with another LAYOUT_CDEF
            other = cffi.FFI()
            other.cdef(cdef)
            layout.LAYOUT = other
            return refused()
    """
    run = run_python(
        ["-c", textwrap.dedent(prelude) + textwrap.dedent(code)], DHCPCTL_NATIVE_MODE=mode
    )
    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    return run.stdout


@pytest.mark.parametrize("mode", ["api", "abi"])
def test_other_bind_version_is_refused(mode: str) -> None:
    run_child(
        mode,
        """
        layout.BIND_VERSION = "9.11.99"
        message = refused()
        assert "built on BIND 9.11.36 (libisc's isc_version)" in message, message
        assert "needs ISC DHCP 4.4.3-P1's (BIND 9.11.99" in message, message
        """,
    )


@pytest.mark.parametrize("mode", ["api", "abi"])
def test_other_layout_is_refused(mode: str) -> None:
    """API mode: the offset the compiler took from ISC's header disagrees; both modes: the
    size the library registered for its remote objects does."""
    out = run_child(
        mode,
        f"""
        message = refused_under({SHIFTED_CDEF!r})
        print(message)
        assert "waitstatus at offset 48)" in message, message
        layout.MODE = "abi"  # the check of the library itself, which ABI mode relies on
        message = refused()
        assert "remote object type is b'dhcpctl-remote', of 64 bytes" in message, message
        """,
    )
    if mode == "api":
        assert "its dhcpctl.h puts waitstatus at offset 40 of a 64-byte" in out


#: A connection object of 8 bytes more than ISC's: what another omapip_p.h would be.
GROWN_CONNECTION_CDEF = LAYOUT_CDEF.replace(
    "*out_key, *out_context;\n} omapi_connection_object_t;",
    "*out_key, *out_context, *added;\n} omapi_connection_object_t;",
)


@pytest.mark.parametrize("mode", ["api", "abi"])
def test_other_connection_layout_is_refused(mode: str) -> None:
    """The waits read a connection's socket and queued output: the size the library
    registered for its connection objects must be the declared one."""
    assert GROWN_CONNECTION_CDEF != LAYOUT_CDEF
    run_child(
        mode,
        f"""
        message = refused_under({GROWN_CONNECTION_CDEF!r})
        assert "connection object type is b'connection', of 168 bytes" in message, message
        """,
    )


def test_api_mode_layout_comes_from_the_header() -> None:
    """What the compiler read in ISC's dhcpctl.h is what :mod:`dhcpctl._native.layout` says
    (read from the compiled module, whichever mode this process runs in)."""
    backend_or_skip("native")
    require_api_mode()
    from dhcpctl._native.layout import LAYOUT
    from dhcpctl._native_lib import lib  # type: ignore[import-not-found,unused-ignore]

    field = ("dhcpctl_remote_object_t", "waitstatus")
    assert lib.py_remote_waitstatus_offset == LAYOUT.offsetof(*field)
    assert lib.py_remote_object_size == LAYOUT.sizeof("dhcpctl_remote_object_t")


def compile_probe(source: str, tmp_path: Path) -> None:
    """Compile ``source`` (C, against ISC's real headers) as a cffi module; raises cffi's
    CompileError (the compiler's message on stderr) when it does not compile."""
    try:
        isc = locate()
    except LookupError as error:
        missing(str(error), "DHCPCTL_REQUIRE_NATIVE")
    builder = FFI()
    builder.cdef("int py_probe(void);")
    builder.set_source(
        "_probe", source + "int py_probe(void) { return 1; }", include_dirs=list(isc.include_dirs)
    )
    builder.compile(tmpdir=str(tmp_path))


@pytest.mark.parametrize(("offset", "compiles"), [(40, True), (48, False)])
def test_build_refuses_another_layout(
    offset: int, compiles: bool, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """``build_ffi.py``'s compile-time check, against ISC's real header."""
    check = LAYOUT_CHECK.format(offset=offset, size=64, version="4.4.3-P1")
    source = SOURCE.split("static isc_result_t")[0] + check
    if compiles:
        compile_probe(source, tmp_path)
        return
    with pytest.raises(Exception, match="CompileError"):
        compile_probe(source, tmp_path)
    assert "this dhcpctl.h is not the one of ISC DHCP 4.4.3-P1" in capfd.readouterr().err


@pytest.mark.parametrize(
    ("generic_extra", "connection_extra", "refusal"),
    [(0, 0, None), (8, 0, "py_generic_object_t is not"), (0, 8, "py_connection_object_t is not")],
)
def test_build_refuses_another_generic_or_connection_object(
    generic_extra: int,
    connection_extra: int,
    refusal: str | None,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """``build_ffi.py``'s copies of ISC's generic object (``py_generic_object_t``, read by the
    typed client's ``py_received``) and connection object (``py_connection_object_t``, read by
    ``py_wait_step``) must have the sizes ``_native_cdef`` declares: checked when the module
    is compiled."""
    layout = FFI()
    layout.cdef(LAYOUT_CDEF)
    check = GENERIC_CHECK.format(
        size=layout.sizeof("omapi_generic_object_t") + generic_extra,
        connection=layout.sizeof("omapi_connection_object_t") + connection_extra,
    )
    source = '#define PY_ISC_LOCATION ""\n' + SOURCE + check
    if refusal is None:
        compile_probe(source, tmp_path)
        return
    with pytest.raises(Exception, match="CompileError"):
        compile_probe(source, tmp_path)
    assert refusal in capfd.readouterr().err
