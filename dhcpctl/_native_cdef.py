"""The cffi declarations of ISC DHCP 4.4.3-P1's ``dhcpctl.h``, for both ways of loading it.

``CDEF`` declares every public function of ``dhcpctl.h`` one to one, plus the three omapi/ISC
functions C clients use, and ISC's list of the requests awaiting replies with the function that
takes one off it (:mod:`dhcpctl._native.closing`). It is exact (no ``...``), so it serves both
the compiled API-mode module ``dhcpctl._native_lib`` (``build_ffi.py``) and ABI mode without a
compiler (``ffi.cdef(CDEF); ffi.dlopen(<libdhcpctl.so.0>)``). What only API mode has
(``build_ffi.py``'s ``CDEF_API``): ``py_omapi_data_string_new(s, len)``,
``py_omapi_object_dereference(h)`` and ``py_dhcpctl_data_string_dereference(s)``, static C
helpers that pass omapi's ``MDL`` debugging arguments (``__FILE__, __LINE__``) themselves. In
ABI mode, call the raw functions and pass a C string and a line number as ``file, line``.

``LAYOUT_CDEF`` is the one struct layout read from Python (``dhcpctl._native.layout``), for a
cffi FFI of its own: ``dhcpctl_remote_object_t``, the preamble every object starts with (its
first fields), the head of ``omapi_object_type_t``, of a registered request
(``omapi_message_object_t``, from ``omapip/omapip_p.h``), a connection
(``omapi_connection_object_t``, ``omapip_p.h``: its socket and queued output, which the native
waits read) and ISC's array type, copied
from 4.4.3-P1's ``dhcpctl/dhcpctl.h`` and ``omapip/omapip.h``. ``build_ffi.py`` makes the build
fail where ISC's header disagrees, and the backend checks the loaded library at import. It also
declares the value list of a remote object's inner generic object (``omapi_generic_object_t``,
``omapi_value_t``, ``omapi_data_string_t``, ``omapi_typed_data_t``), which
:mod:`dhcpctl._native.received` reads for the typed client after checking the generic object
type's name and size as the library registered them.

``dhcpctl_set_callback`` is declared for completeness but never called: in 4.4.3-P1 it crashes
the next request on the handle (see :mod:`dhcpctl._native.replies`).

Standard library only and importable by file path: ``build_ffi.py`` loads it that way.
"""

from __future__ import annotations

CDEF = """
typedef unsigned int isc_result_t;                /* BIND 9.11 <isc/types.h> */
typedef ... omapi_object_t;
typedef ... omapi_object_type_t;
typedef ... omapi_value_t;
typedef struct {
    int refcnt;
    unsigned len;
    unsigned char value[1];   /* really len bytes: read them with ffi.buffer(s.value, s.len) */
} omapi_data_string_t;

typedef isc_result_t dhcpctl_status;
typedef omapi_object_t *dhcpctl_handle;
typedef omapi_data_string_t *dhcpctl_data_string;
typedef void (*dhcpctl_callback_fn)(dhcpctl_handle, dhcpctl_status, void *);

struct timeval { long tv_sec; long tv_usec; };

#define DHCPCTL_CREATE 1
#define DHCPCTL_UPDATE 2
#define DHCPCTL_EXCL 4

dhcpctl_status dhcpctl_initialize(void);
dhcpctl_status dhcpctl_connect(dhcpctl_handle *, const char *, int, dhcpctl_handle);
dhcpctl_status dhcpctl_timed_connect(dhcpctl_handle *, const char *, int, dhcpctl_handle,
                                     struct timeval *);
dhcpctl_status dhcpctl_wait_for_completion(dhcpctl_handle, dhcpctl_status *);
dhcpctl_status dhcpctl_timed_wait_for_completion(dhcpctl_handle, dhcpctl_status *,
                                                 struct timeval *);
dhcpctl_status dhcpctl_get_value(dhcpctl_data_string *, dhcpctl_handle, const char *);
dhcpctl_status dhcpctl_get_boolean(int *, dhcpctl_handle, const char *);
dhcpctl_status dhcpctl_set_value(dhcpctl_handle, dhcpctl_data_string, const char *);
dhcpctl_status dhcpctl_set_string_value(dhcpctl_handle, const char *, const char *);
dhcpctl_status dhcpctl_set_data_value(dhcpctl_handle, const char *, unsigned, const char *);
dhcpctl_status dhcpctl_set_null_value(dhcpctl_handle, const char *);
dhcpctl_status dhcpctl_set_boolean_value(dhcpctl_handle, int, const char *);
dhcpctl_status dhcpctl_set_int_value(dhcpctl_handle, int, const char *);
dhcpctl_status dhcpctl_object_update(dhcpctl_handle, dhcpctl_handle);
dhcpctl_status dhcpctl_object_refresh(dhcpctl_handle, dhcpctl_handle);
dhcpctl_status dhcpctl_object_remove(dhcpctl_handle, dhcpctl_handle);
dhcpctl_status dhcpctl_set_callback(dhcpctl_handle, void *, dhcpctl_callback_fn);
dhcpctl_status dhcpctl_new_authenticator(dhcpctl_handle *, const char *, const char *,
                                         const unsigned char *, unsigned);
dhcpctl_status dhcpctl_new_object(dhcpctl_handle *, dhcpctl_handle, const char *);
dhcpctl_status dhcpctl_open_object(dhcpctl_handle, dhcpctl_handle, int);
isc_result_t dhcpctl_data_string_dereference(dhcpctl_data_string *, const char *, int);
dhcpctl_status dhcpctl_disconnect(dhcpctl_handle *, int);

isc_result_t omapi_data_string_new(omapi_data_string_t **, unsigned, const char *, int);
isc_result_t omapi_object_dereference(omapi_object_t **, const char *, int);
isc_result_t omapi_message_unregister(omapi_object_t *);
isc_result_t omapi_value_reference(omapi_value_t **, omapi_value_t *, const char *, int);
isc_result_t omapi_value_dereference(omapi_value_t **, const char *, int);
const char *isc_result_totext(isc_result_t);

extern omapi_object_type_t *dhcpctl_remote_type;  /* set by dhcpctl_initialize (dhcpctl.c) */
extern const char isc_version[];                  /* BIND's libisc: "9.11.36" in DHCP 4.4.3-P1 */
extern omapi_object_t *omapi_registered_messages; /* omapip_p.h: requests awaiting replies */
extern omapi_object_type_t *omapi_type_connection; /* set by omapi_init (support.c) */
"""

LAYOUT_CDEF = """
typedef struct omapi_object_head {    /* OMAPI_OBJECT_PREAMBLE, the head of every object */
    void *type; int refcnt; unsigned handle;
    struct omapi_object_head *outer, *inner;
} omapi_object_head_t;

typedef struct {                      /* OMAPI_OBJECT_PREAMBLE, then dhcpctl.h's fields */
    void *type; int refcnt; unsigned handle; void *outer; void *inner;
    void *rtype; unsigned waitstatus; void *message; unsigned remote_handle;
} dhcpctl_remote_object_t;

typedef struct {                      /* omapip_p.h: omapi_message_object_t up to its protocol */
    void *type; int refcnt; unsigned handle; void *outer; void *inner;
    void *next, *prev, *object, *notify_object, *protocol_object;
} omapi_message_head_t;

typedef struct {                      /* omapip_p.h: omapi_connection_object_t */
    void *type; int refcnt; unsigned handle; void *outer; void *inner;
    int socket; int index; int state;
    unsigned char remote_addr[16], local_addr[16];      /* struct sockaddr_in */
    void *connect_list; int cptr; unsigned bytes_needed, in_bytes; void *inbufs;
    unsigned out_bytes; void *outbufs, *listener, *in_key, *in_context, *out_key, *out_context;
} omapi_connection_object_t;

typedef struct {                      /* omapip.h: an extensible array */
    void **data; void *ref, *deref; int count, max;
} omapi_array_t;

typedef struct {                      /* omapi_object_type_t up to its size */
    const char *name; void *next;
    void *set_value, *get_value, *destroy, *signal_handler, *stuff_values, *lookup, *create,
         *remove, *freer, *allocator, *sizer;
    size_t size;
} omapi_object_type_head_t;

typedef struct {                      /* omapip.h: a name */
    int refcnt; unsigned len; unsigned char value[1];
} omapi_data_string_t;

typedef struct {                      /* omapip.h: a value (omapi_datatype_t type) */
    int refcnt; int type;
    union {
        struct { unsigned len; unsigned char value[1]; } buffer;
        void *object;
        struct { void *ptr; void *reference; void *dereference; } ref;
        int integer;
    } u;
} omapi_typed_data_t;

typedef struct {                      /* omapip.h: a name and its value */
    int refcnt; omapi_data_string_t *name; omapi_typed_data_t *value;
} omapi_value_t;

typedef struct {                      /* omapip_p.h: a remote object's inner value list */
    void *type; int refcnt; unsigned handle; void *outer; void *inner;
    omapi_value_t **values; unsigned char *changed; int nvalues, va_max;
} omapi_generic_object_t;
"""
