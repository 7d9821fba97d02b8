"""cffi out-of-line API-mode builder of ``dhcpctl._native_lib``: the real libdhcpctl for Python.

``setup.py`` uses it as ``cffi_modules=["build_ffi.py:ffibuilder"]`` (cffi calls
:func:`ffibuilder`) when the ISC libraries are found; ``python3 build_ffi.py`` builds the module
in place, into ``dhcpctl/``. Where the libraries are, static or shared, is
``dhcpctl/_isc_locate.py``'s business; the declarations shared with ABI mode are in
``dhcpctl/_native_cdef.py``. Both are loaded by file path (:func:`load_by_path`, also used by
``setup.py`` and the tests): the package need not be importable.

The build refuses (a compile error that says so) a ``dhcpctl.h`` whose
``dhcpctl_remote_object_t`` is not laid out as ``_native_cdef.LAYOUT_CDEF`` says, the layout
``dhcpctl._native.layout`` relies on.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cffi import FFI  # type: ignore[import-untyped,unused-ignore]

HERE = Path(__file__).resolve().parent


def load_by_path(name: str, path: Path) -> ModuleType:
    """The module in file ``path``, imported under ``name`` without importing its package.

    Registered in ``sys.modules`` (dataclasses look their module up there). Raises what
    importing it raises (OSError for a missing file).
    """
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as a module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# API mode only (see _native_cdef's docstring): no MDL file/line arguments; the calls of the hot
# path (dhcpctl._native.calls: each checks its handles' cells and connection first; a wait's
# step marks its own remote object, a get_value copies the value out) and the test of a
# dropped connection (dhcpctl._native.preamble), each one C call; the layout of
# the one struct read from Python as this header has it; the hardening marker, NULL when the
# library lacks it (a weak reference: linking never fails on it); and where the ISC library this
# module was built with came from; libc's srandom (dhcpctl._native.message_ids).
CDEF_API = """
isc_result_t py_initialize(void);
isc_result_t py_connect_start(dhcpctl_handle *, const char *, unsigned, dhcpctl_handle);
isc_result_t py_omapi_data_string_new(omapi_data_string_t **, unsigned);
isc_result_t py_omapi_object_dereference(omapi_object_t **);
isc_result_t py_dhcpctl_data_string_dereference(dhcpctl_data_string *);
#define PY_DEREFERENCED ...
#define PY_CLOSED ...
#define PY_DROPPED ...
isc_result_t py_new_object(dhcpctl_handle *, dhcpctl_handle *, const char *);
isc_result_t py_set_value(dhcpctl_handle *, dhcpctl_data_string, const char *);
isc_result_t py_set_string_value(dhcpctl_handle *, const char *, const char *);
isc_result_t py_set_data_value(dhcpctl_handle *, const char *, unsigned, const char *);
isc_result_t py_set_null_value(dhcpctl_handle *, const char *);
isc_result_t py_set_boolean_value(dhcpctl_handle *, int, const char *);
isc_result_t py_set_int_value(dhcpctl_handle *, int, const char *);
isc_result_t py_open_object(dhcpctl_handle *, dhcpctl_handle *, int);
isc_result_t py_object_update(dhcpctl_handle *, dhcpctl_handle *, int);
isc_result_t py_object_refresh(dhcpctl_handle *, dhcpctl_handle *, int);
isc_result_t py_object_remove(dhcpctl_handle *, dhcpctl_handle *, int);
isc_result_t py_wait_step(dhcpctl_handle *, dhcpctl_handle *, dhcpctl_status *, int *);
isc_result_t py_release(dhcpctl_handle *);
int py_dropped(dhcpctl_handle);
int py_slots(dhcpctl_handle, uintptr_t *, size_t);
size_t py_received(dhcpctl_handle, const uintptr_t *, size_t, unsigned char *, size_t);
isc_result_t py_get_value(dhcpctl_handle *, const char *, unsigned char *, size_t,
                          dhcpctl_data_string *, size_t *);
static const size_t py_remote_waitstatus_offset;
static const size_t py_remote_object_size;
const char *py_dhcpctl_omapi_hardening(void);
void *py_connections(void);
const char *py_isc_location(void);
void srandom(unsigned int);
"""

SOURCE = """
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <signal.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <isc/result.h>
#include <isc/version.h>
#include <dhcpctl/dhcpctl.h>

/* omapip/omapip_p.h (a header ISC does not install everywhere): the requests awaiting their
   replies, read by dhcpctl._native.closing through _native_cdef's omapi_message_head_t. */
extern omapi_object_t *omapi_registered_messages;
/* omapip/connection.c, built with TRACING (ISC's default): every connection made, each held by
   a reference that nothing takes back (omapi_connection_register); NULL without TRACING. */
extern void *omapi_connections __attribute__((weak));
static void *py_connections(void)
{ return &omapi_connections ? omapi_connections : NULL; }

/* dhcpctl._native.calls: the C calls of the hot path, each on the cells (dhcpctl_handle *) of
   its handles, which it checks first: PY_DEREFERENCED for one that holds NULL (released),
   PY_CLOSED for a wait's connection that does, PY_DROPPED for a connection C has dropped. */
#define PY_DEREFERENCED 0xFFFFFF01u
#define PY_CLOSED 0xFFFFFF02u
#define PY_DROPPED 0xFFFFFF03u

/* dhcpctl._native.calls.initialize: dhcpctl_initialize, keeping the process's signal
   handling. ISC's start-up (omapip/isclib.c dhcp_context_create, after isc_app_ctxstart) sets
   SIGINT and SIGTERM to their default action: Ctrl-C would kill a Python process instead of
   raising KeyboardInterrupt, and a program's own handlers would be gone. Every disposition
   but SIGPIPE's (ignored, as ISC sets it so that a write to a closed connection fails with
   EPIPE; Python ignores it too) is put back, and the signal mask, which blocks every signal
   meanwhile (one that comes then is delivered to the handler put back). */
static isc_result_t py_initialize(void)
{
	static struct sigaction saved[NSIG];
	static int kept[NSIG];
	sigset_t all, mask;
	isc_result_t status;
	int sig;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &mask);
	for (sig = 1; sig < NSIG; sig++)
		kept[sig] = sig != SIGKILL && sig != SIGSTOP && sig != SIGPIPE
			&& sigaction(sig, NULL, &saved[sig]) == 0;
	status = dhcpctl_initialize();
	for (sig = 1; sig < NSIG; sig++)
		if (kept[sig])
			sigaction(sig, &saved[sig], NULL);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	return status;
}

static isc_result_t py_omapi_data_string_new(omapi_data_string_t **s, unsigned len)
{ return omapi_data_string_new(s, len, MDL); }
static isc_result_t py_omapi_object_dereference(omapi_object_t **h)
{ return omapi_object_dereference(h, MDL); }
static isc_result_t py_dhcpctl_data_string_dereference(dhcpctl_data_string *s)
{ return dhcpctl_data_string_dereference(s, MDL); }

/* dhcpctl._native.api.dhcpctl_get_value: the value copied into buf and freed at once when it
   fits in cap bytes, else left in *value for the caller; its length in *len (0: none). A
   value a Python exception left in *value is freed first: dhcpctl_get_value into a full cell
   fails, and drops the object's stored value as it does. */
static isc_result_t py_get_value(dhcpctl_handle *h, const char *name, unsigned char *buf,
                                 size_t cap, dhcpctl_data_string *value, size_t *len)
{
	isc_result_t status;
	*len = 0;
	if (!*h)
		return PY_DEREFERENCED;
	if (*value)
		dhcpctl_data_string_dereference(value, MDL);
	status = dhcpctl_get_value(value, *h, name);
	*len = *value ? (*value)->len : 0;
	if (*value && *len <= cap) {
		memcpy(buf, (*value)->value, *len);
		dhcpctl_data_string_dereference(value, MDL);
	}
	return status;
}

/* dhcpctl._native.preamble.dropped, read through this header's OMAPI_OBJECT_PREAMBLE: whether
   omapi_disconnect has cut the connection of a dhcpctl_connect handle. */
static int py_dropped(dhcpctl_handle h)
{
	return !h->outer || !h->outer->outer;
}

/* dhcpctl._native.api's connect: the start of dhcpctl_timed_connect (dhcpctl/dhcpctl.c), whose
   wait the caller makes in slices. DHCP_R_INCOMPLETE: wait on *h for the connect to end. */
static isc_result_t py_connect_start(dhcpctl_handle *h, const char *server, unsigned port,
                                     dhcpctl_handle authinfo)
{
	isc_result_t status = omapi_generic_new(h, MDL);
	if (status != ISC_R_SUCCESS)
		return status;
	return omapi_protocol_connect(*h, server, port, authinfo);
}

static isc_result_t py_new_object(dhcpctl_handle *h, dhcpctl_handle *conn, const char *type)
{
	isc_result_t status;
	if (!*conn)
		return PY_DEREFERENCED;
	status = dhcpctl_new_object(h, *conn, type);
	if (status != ISC_R_SUCCESS && *h)
		omapi_object_dereference(h, MDL);
	return status;
}

static isc_result_t py_set_value(dhcpctl_handle *h, dhcpctl_data_string value, const char *name)
{ return *h ? dhcpctl_set_value(*h, value, name) : PY_DEREFERENCED; }
static isc_result_t py_set_string_value(dhcpctl_handle *h, const char *value, const char *name)
{ return *h ? dhcpctl_set_string_value(*h, value, name) : PY_DEREFERENCED; }
static isc_result_t py_set_data_value(dhcpctl_handle *h, const char *data, unsigned len,
                                      const char *name)
{ return *h ? dhcpctl_set_data_value(*h, data, len, name) : PY_DEREFERENCED; }
static isc_result_t py_set_null_value(dhcpctl_handle *h, const char *name)
{ return *h ? dhcpctl_set_null_value(*h, name) : PY_DEREFERENCED; }
static isc_result_t py_set_boolean_value(dhcpctl_handle *h, int value, const char *name)
{ return *h ? dhcpctl_set_boolean_value(*h, value, name) : PY_DEREFERENCED; }
static isc_result_t py_set_int_value(dhcpctl_handle *h, int value, const char *name)
{ return *h ? dhcpctl_set_int_value(*h, value, name) : PY_DEREFERENCED; }

/* The checks of a request (the connection first), as omapi_protocol_send_message makes the
   last one; ISC_R_SUCCESS when it may go. The requests take the same arguments, the
   connection first; only the open has flags (the others ignore them). */
static isc_result_t py_sendable(dhcpctl_handle *conn, dhcpctl_handle *h)
{
	if (!*conn || !*h)
		return PY_DEREFERENCED;
	return py_dropped(*conn) ? PY_DROPPED : ISC_R_SUCCESS;
}

static isc_result_t py_open_object(dhcpctl_handle *conn, dhcpctl_handle *h, int flags)
{
	isc_result_t status = py_sendable(conn, h);
	return status != ISC_R_SUCCESS ? status : dhcpctl_open_object(*h, *conn, flags);
}

static isc_result_t py_object_update(dhcpctl_handle *conn, dhcpctl_handle *h, int flags)
{
	isc_result_t status = py_sendable(conn, h);
	(void)flags;
	return status != ISC_R_SUCCESS ? status : dhcpctl_object_update(*conn, *h);
}

static isc_result_t py_object_refresh(dhcpctl_handle *conn, dhcpctl_handle *h, int flags)
{
	isc_result_t status = py_sendable(conn, h);
	(void)flags;
	return status != ISC_R_SUCCESS ? status : dhcpctl_object_refresh(*conn, *h);
}

static isc_result_t py_object_remove(dhcpctl_handle *conn, dhcpctl_handle *h, int flags)
{
	isc_result_t status = py_sendable(conn, h);
	(void)flags;
	return status != ISC_R_SUCCESS ? status : dhcpctl_object_remove(*conn, *h);
}

/* ISC's connection object (omapip/omapip_p.h, a header ISC does not install everywhere), from
   the public preamble and types; layout.py checks the size the library registered for it. */
typedef struct {
	OMAPI_OBJECT_PREAMBLE;
	int socket;
	int32_t index;
	int state;
	struct sockaddr_in remote_addr, local_addr;
	void *connect_list;
	int cptr;
	u_int32_t bytes_needed, in_bytes;
	void *inbufs;
	u_int32_t out_bytes;
	void *outbufs, *listener, *in_key, *in_context, *out_key, *out_context;
} py_connection_object_t;

/* dhcpctl._native.api's waits: one step of a wait on the remote object *h, sent on *conn, whose
   reply it has not seen (its waitstatus first set to replies.NO_REPLY, see
   dhcpctl._native.replies). It never blocks: it does what ISC's dispatcher
   (omapip/dispatch.c omapi_one_dispatch) does for this one connection once select() finds its
   socket ready, on the non-blocking socket: write the queued output, read what has come
   (omapip/buffer.c omapi_connection_writer, omapi_connection_reader, which processes every
   message read). ISC_R_SUCCESS with the server's status in *s when the reply came;
   ISC_R_TIMEDOUT when not yet: then ready[0] is the socket to wait on for input, ready[1] 1
   when ISC has output queued (wait for output too), else 0. PY_DROPPED when the connection
   ended (a read or a write that failed drops it, as the end of input does; a write that the
   full socket cut short does not). */
static isc_result_t py_wait_step(dhcpctl_handle *h, dhcpctl_handle *conn, dhcpctl_status *s,
                                 int *ready)
{
	dhcpctl_remote_object_t *r;
	omapi_object_t *c = NULL;
	py_connection_object_t *io;
	isc_result_t wrote, got = ISC_R_SUCCESS, status = ISC_R_TIMEDOUT;
	if (!*h)
		return PY_DEREFERENCED;
	if (!*conn)
		return PY_CLOSED;
	if (py_dropped(*conn))
		return PY_DROPPED;
	r = (dhcpctl_remote_object_t *)*h;
	r->waitstatus = 0xFFFFFFFFu;
	/* Held through the step, as the dispatcher holds it: a reply may drop the connection. */
	omapi_object_reference(&c, (*conn)->outer->outer, MDL);
	wrote = omapi_connection_writer(c);
	if (wrote == ISC_R_INPROGRESS)  /* the socket takes no more now: the rest waits */
		wrote = ISC_R_SUCCESS;
	if (omapi_connection_readfd(c) >= 0)
		got = omapi_connection_reader(c);
	if (r->waitstatus != 0xFFFFFFFFu) {
		*s = r->waitstatus;
		status = ISC_R_SUCCESS;
	} else if (py_dropped(*conn) || wrote != ISC_R_SUCCESS || got != ISC_R_SUCCESS) {
		if (!py_dropped(*conn))
			omapi_disconnect(c, 1);
		status = PY_DROPPED;
	} else {
		io = (py_connection_object_t *)c;
		ready[0] = io->socket;
		ready[1] = io->out_bytes != 0;
	}
	omapi_object_dereference(&c, MDL);
	return status;
}

/* dhcpctl._native.calls.release: omapi_object_dereference, the STATUS message a remote object
   keeps dropped first. ISC keeps it (dhcpctl/remote.c dhcpctl_remote_signal_handler: a
   reference to the omapi_value_t omapip/message.c passes, in a field typed omapi_typed_data_t
   *) and dhcpctl_remote_destroy never drops it: 80 bytes per STATUS reply, for good. The
   object's Python owner is its only reader (dhcpctl._native.received.message). */
static isc_result_t py_release(dhcpctl_handle *h)
{
	dhcpctl_remote_object_t *r;
	if (!*h)
		return PY_DEREFERENCED;
	r = (dhcpctl_remote_object_t *)*h;
	if ((*h)->type == dhcpctl_remote_type && r->message)
		omapi_value_dereference((omapi_value_t **)&r->message, MDL);
	return omapi_object_dereference(h, MDL);
}

/* dhcpctl._native.received, API mode. ISC's generic object (omapip/omapip_p.h, a header
   ISC does not install everywhere), from the public preamble and types; received.py checks
   the inner object's registered type name and size before either function reads it. */
typedef struct {
	OMAPI_OBJECT_PREAMBLE;
	omapi_value_t **values;
	u_int8_t *changed;
	int nvalues, va_max;
} py_generic_object_t;

/* received.mark: the address in each slot of the remote object h's value list, the first cap
   of them into out; returns how many slots there are. */
static int py_slots(dhcpctl_handle h, uintptr_t *out, size_t cap)
{
	py_generic_object_t *g = (py_generic_object_t *)h->inner;
	for (int i = 0; i < g->nvalues && (size_t)i < cap; i++)
		out[i] = (uintptr_t)g->values[i];
	return g->nvalues < 0 ? 0 : g->nvalues;
}

/* received.received: the values in the slots of h's value list whose address is not the one
   in before (what py_slots gave before the request), in slot order, packed into out: a u32
   name length, the name, a u32 value length, the value (an int as 4 big-endian bytes); a slot
   without a name or value, or holding an object reference, is left out. Returns the bytes
   they take: out holds them all only when that is at most cap. */
static size_t py_received(dhcpctl_handle h, const uintptr_t *before, size_t nbefore,
                          unsigned char *out, size_t cap)
{
	py_generic_object_t *g = (py_generic_object_t *)h->inner;
	size_t used = 0;
	for (int i = 0; i < g->nvalues; i++) {
		omapi_value_t *v = g->values[i];
		if (!v || ((size_t)i < nbefore && before[i] == (uintptr_t)v) || !v->name || !v->value)
			continue;
		omapi_typed_data_t *t = v->value;
		unsigned char word[4];
		const unsigned char *data = word;
		size_t len = 4;
		if (t->type == omapi_datatype_int) {
			u_int32_t n = (u_int32_t)t->u.integer;
			word[0] = n >> 24; word[1] = n >> 16; word[2] = n >> 8; word[3] = n;
		} else if (t->type == omapi_datatype_string || t->type == omapi_datatype_data) {
			data = t->u.buffer.value;
			len = t->u.buffer.len;
		} else {
			continue;
		}
		size_t need = 8 + v->name->len + len;
		if (used + need <= cap) {
			unsigned char *p = out + used;
			size_t nlen = v->name->len;
			p[0] = nlen >> 24; p[1] = nlen >> 16; p[2] = nlen >> 8; p[3] = nlen;
			memcpy(p + 4, v->name->value, nlen);
			p += 4 + nlen;
			p[0] = len >> 24; p[1] = len >> 16; p[2] = len >> 8; p[3] = len;
			memcpy(p + 4, data, len);
		}
		used += need;
	}
	return used;
}

static const size_t py_remote_waitstatus_offset = offsetof(dhcpctl_remote_object_t, waitstatus);
static const size_t py_remote_object_size = sizeof(dhcpctl_remote_object_t);

extern const char *dhcpctl_omapi_hardening(void) __attribute__((weak));
static const char *py_dhcpctl_omapi_hardening(void)
{ return dhcpctl_omapi_hardening ? dhcpctl_omapi_hardening() : NULL; }
static const char *py_isc_location(void)
{ return PY_ISC_LOCATION; }
"""

LAYOUT_CHECK = """
_Static_assert(offsetof(dhcpctl_remote_object_t, waitstatus) == {offset}
               && sizeof(dhcpctl_remote_object_t) == {size},
               "this dhcpctl.h is not the one of ISC DHCP {version}: dhcpctl._native needs "
               "dhcpctl_remote_object_t.waitstatus at offset {offset} of {size} bytes");
"""

#: After SOURCE: its copies of ISC's generic and connection objects have the sizes
#: dhcpctl._native_cdef declares.
GENERIC_CHECK = """
_Static_assert(sizeof(py_generic_object_t) == {size},
               "py_generic_object_t is not dhcpctl._native_cdef's omapi_generic_object_t");
_Static_assert(sizeof(py_connection_object_t) == {connection},
               "py_connection_object_t is not dhcpctl._native_cdef's omapi_connection_object_t");
"""


def ffibuilder() -> FFI:
    """The FFI of ``dhcpctl._native_lib`` against the ISC libraries ``_isc_locate`` finds.

    Raises ``IscLibraryNotFound`` (a LookupError) when there are none.
    """
    from cffi import FFI

    isc_locate = load_by_path("_isc_locate", HERE / "dhcpctl" / "_isc_locate.py")
    native_cdef = load_by_path("_native_cdef", HERE / "dhcpctl" / "_native_cdef.py")
    layout = FFI()
    layout.cdef(native_cdef.LAYOUT_CDEF)
    check = LAYOUT_CHECK.format(
        offset=layout.offsetof("dhcpctl_remote_object_t", "waitstatus"),
        size=layout.sizeof("dhcpctl_remote_object_t"),
        version=isc_locate.ISC_DHCP_VERSION,
    )
    check += GENERIC_CHECK.format(
        size=layout.sizeof("omapi_generic_object_t"),
        connection=layout.sizeof("omapi_connection_object_t"),
    )
    isc = isc_locate.locate()
    # A C string literal: json's escapes of a str are valid in C.
    location = json.dumps(f"{isc.kind} libraries in {isc.prefix}")
    builder = FFI()
    builder.cdef(native_cdef.CDEF + CDEF_API)
    builder.set_source(
        "dhcpctl._native_lib",
        f"#define PY_ISC_LOCATION {location}\n{SOURCE}{check}",
        include_dirs=list(isc.include_dirs),
        library_dirs=list(isc.library_dirs),
        libraries=list(isc.libraries),
        extra_objects=list(isc.extra_objects),
        runtime_library_dirs=list(isc.runtime_library_dirs),
    )
    return builder


def build_in_place() -> Path:
    """Compile ``dhcpctl._native_lib`` into ``dhcpctl/`` (as an editable install does).

    The compiler runs in a temporary directory: in the source tree, setuptools would read this
    project's ``pyproject.toml`` as the configuration of cffi's helper build.
    """
    with tempfile.TemporaryDirectory(prefix="dhcpctl-build-") as tmp:
        built = Path(ffibuilder().compile(tmpdir=tmp, verbose=True))
        target = HERE / "dhcpctl" / built.name
        # Replaced, not overwritten: a process that has the old one loaded keeps it intact.
        incoming = target.with_name(f".{built.name}.new")
        shutil.copyfile(built, incoming)
        os.replace(incoming, target)
    return target


if __name__ == "__main__":
    print(f"built {build_in_place()}")
