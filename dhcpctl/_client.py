"""``dhcpctl.Client``: a typed OMAPI client on either backend.

::

    from dhcpctl import Client, Key, NotFound

    with Client("198.18.1.2", 7911, key=Key.from_file("/etc/dhcp/omapi.key")) as omapi:
        lease = omapi.leases.get(ip="198.18.254.150")
        omapi.hosts.create("web-1", mac="02:00:00:00:00:01", ip="198.18.1.60")

The collections (:mod:`dhcpctl._collections`) give typed objects (:mod:`dhcpctl._model`);
values are checked and encoded before anything is sent (ValueError naming field and value);
dhcpd's refusals raise the typed errors of :mod:`dhcpctl._errors`. How calls use the
connection, time, threads and logging: :mod:`dhcpctl._sync`.
"""

from __future__ import annotations

from types import TracebackType

from dhcpctl import _operations as ops
from dhcpctl._arguments import address_flaw
from dhcpctl._collections import Collections, Sync
from dhcpctl._errors import shorten
from dhcpctl._key import Key
from dhcpctl._sync import SyncExecutor


def check_arguments(address: object, port: object, key: object, timeout: object) -> None:
    """Raise ValueError for an ``address``, ``port``, ``key`` or ``timeout`` no typed client
    (this one, ``dhcpctl.aio.Client``) can use, naming it."""
    if not isinstance(address, str) or not address:
        raise ValueError(f"address: {shorten(address)} is not a host name or address")
    flaw = address_flaw(address)
    if flaw is not None:
        raise ValueError(f"address: {flaw}")
    if ":" in address:
        raise ValueError(
            f"address: {shorten(address)} is not an IPv4 address or host name: OMAPI in ISC DHCP "
            "4.4.3-P1 is IPv4 only (omapip/connection.c omapi_connect: inet_aton, AF_INET)"
        )
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"port: {shorten(port)} is not a TCP port (1 to 65535)")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0
    ):
        raise ValueError(f"timeout: {shorten(timeout)} is not a positive number of seconds or None")
    if key is not None and not isinstance(key, Key):
        raise ValueError(f"key: {shorten(key)} is not a dhcpctl.Key")


def client_repr(kind: str, address: str, port: int, key: str | None, engine: str) -> str:
    """The ``repr`` of a typed client (``dhcpctl.Client``, ``dhcpctl.aio.Client``): where it
    connects, the name of its key (never the secret) and what runs it."""
    named = "no key" if key is None else f"key {shorten(key)}"
    return f"<{kind} {address}:{port}, {named}, {engine}>"


#: dhcpd's usual OMAPI port (``omapi-port 7911;`` in dhcpd.conf, as in ISC's examples).
DEFAULT_PORT = 7911


class Client(Collections[Sync]):
    """An OMAPI client of dhcpd: ``Client(address, port=7911, *, key=None, timeout=5.0,
    backend=None, reconnect=True)``.

    ``address`` is the server's IPv4 address or host name, ``port`` its OMAPI port, ``key`` a
    :class:`~dhcpctl.Key` (None for a server without one), ``timeout`` the seconds each call
    may take in all (None: no limit), ``backend`` ``"native"``, ``"python"`` or None for the
    one ``import dhcpctl`` chose (:data:`dhcpctl.BACKEND`), ``reconnect`` whether a lost
    connection is replaced by the next call (else it stays lost until :meth:`close`; see
    :mod:`dhcpctl._sync`).

    Nothing is sent until the first call, or :meth:`connect` (``with Client(...)`` connects on
    entry and closes on exit). Raises ValueError for a bad address (IPv6, whitespace or a NUL:
    :func:`check_arguments`), port, timeout or backend name.
    A client may be shared by threads: its calls run one at a time (one lock per client).

    Attributes (the collections; ``help(omapi.hosts.put)`` and the like say what each method
    takes, returns and raises):
        leases: ``get(*, ip=, mac=, uid=, hardware_type=)``, ``update(...)`` -> Lease
        hosts: ``create``, ``get``, ``update``, ``put`` -> Host; ``delete``
        groups: ``create(name, *, statements)``, ``get(name)`` -> Group; ``delete(name)``
        classes: ``create(name, *, group=None)``, ``get(name)`` -> Class; ``delete(name)``
        subclasses: ``create(class_name, data, *, group=None)``, ``get``, ``delete``
        failover: ``get(name)`` -> FailoverState, a failover peer's state
    """

    def __init__(
        self,
        address: str,
        port: int = DEFAULT_PORT,
        *,
        key: Key | None = None,
        timeout: float | None = 5.0,
        backend: str | None = None,
        reconnect: bool = True,
    ) -> None:
        check_arguments(address, port, key, timeout)
        if backend is None:
            import dhcpctl

            backend = dhcpctl.BACKEND
        if backend not in ("native", "python"):
            raise ValueError(f"backend: {shorten(backend)} is not 'native', 'python' or None")
        self._executor = SyncExecutor(
            address, port, key, None if timeout is None else float(timeout), backend, reconnect
        )
        self._attach(self._executor)

    @property
    def backend(self) -> str:
        """The backend this client runs on: ``"native"`` or ``"python"``."""
        return self._executor.backend

    def connect(self) -> None:
        """Open the connection now (calls open it when needed). Raises AuthenticationFailed,
        Timeout or ConnectionLost."""
        self._executor.connect()

    def close(self) -> None:
        """Close the connection; a later call opens a new one."""
        self._executor.close()

    def shutdown(self) -> None:
        """Shut dhcpd down through its ``control`` object (``state`` 2, server_shutdown;
        server/dhcpd.c dhcp_set_control_state) and close the connection.

        dhcpd answers only once its OMAPI clients have closed their connections, so this waits
        at most :data:`dhcpctl._operations.SHUTDOWN_WAIT` seconds for the answer, then closes
        its own; dhcpd exits after the other clients have closed theirs (or it dropped them,
        after about 8 s). Raises the errors of a lookup (the control object) if the request
        could not be made.
        """
        try:
            self._executor.run(
                ops.shutdown(), read=False, function="shutdown", timeout=ops.SHUTDOWN_WAIT
            )
        finally:
            self.close()

    def __enter__(self) -> Client:
        self.connect()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        executor = self._executor
        key = None if executor.key is None else executor.key.name
        return client_repr(
            "dhcpctl.Client", executor.address, executor.port, key, f"{executor.backend} backend"
        )
