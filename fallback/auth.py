"""OMAPI message signing keys: ISC's key algorithms mapped onto the stdlib's HMAC.

ISC DHCP signs through BIND's DST library (``omapip/isclib.c``: ``isclib_make_dst_key``), whose
HMAC keys give a signature of the full digest length. ``hmac.new`` computes the same MAC,
including hashing secrets longer than the block size, so no DST code is needed here.

Like C, a key takes any algorithm name (``dhcpctl/remote.c`` dhcpctl_new_authenticator only
appends the suffix to a name without a dot): the server decides whether it knows the key
(``omapip/auth.c`` omapi_auth_key_lookup compares name and algorithm, case-insensitively, and
answers ``ISC_R_NOTFOUND`` otherwise). Only signing needs a digest: ``isclib_make_dst_key``
knows exactly the six names of :data:`DIGESTS` (``strcasecmp`` with the suffix).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final, Protocol

#: What ``dhcpctl_new_authenticator`` appends to an algorithm name that has no dot.
ALGORITHM_SUFFIX: Final = ".SIG-ALG.REG.INT."

#: ISC's algorithm names (``DHCP_HMAC_*_NAME`` of ``includes/omapip/isclib.h``, lower case) and
#: the hashlib digest each one uses.
DIGESTS: Final = {
    f"{name}{ALGORITHM_SUFFIX.lower()}": digest
    for name, digest in (
        ("hmac-md5", "md5"),
        ("hmac-sha1", "sha1"),
        ("hmac-sha224", "sha224"),
        ("hmac-sha256", "sha256"),
        ("hmac-sha384", "sha384"),
        ("hmac-sha512", "sha512"),
    )
}


class Mac(Protocol):
    """What signing needs of a keyed HMAC (:class:`hmac.HMAC` and the OpenSSL object inside it
    both have it)."""

    def copy(self) -> Mac: ...

    def update(self, data: bytes | bytearray | memoryview, /) -> None: ...

    def digest(self) -> bytes: ...


def keyed_mac(secret: bytes, digest: str) -> Mac:
    """``hmac.new(secret, digestmod=digest)``, for copying once per signature: the OpenSSL
    object the stdlib's :class:`hmac.HMAC` wraps when it has one (CPython's ``_hmac``; the same
    MAC, without the wrapper's three Python methods per signature: 12,500 instead of 16,500
    instructions per signature of a lease reply), else the :class:`hmac.HMAC` itself."""
    mac = hmac.new(secret, digestmod=digest)
    inner: Mac | None = getattr(mac, "_hmac", None)
    return mac if inner is None else inner


def wire_algorithm(algorithm: str) -> str:
    """The algorithm string C sends to the server: a bare name gets the ``.SIG-ALG...`` suffix."""
    return algorithm if "." in algorithm else algorithm + ALGORITHM_SUFFIX


class Key:
    """A named shared secret and its HMAC algorithm. The secret never shows in ``repr``.

    ``digest`` is None for an algorithm ISC cannot sign with; :meth:`sign` and
    ``signature_size`` are then never used, because the connect fails first (the server does
    not know the key) or the first request does (see :mod:`.api`).
    """

    __slots__ = ("_keyed", "_secret", "algorithm", "digest", "name", "signature_size")

    def __init__(self, name: str, algorithm: str, secret: bytes) -> None:
        self.name = name
        #: The algorithm exactly as sent on the wire (see :func:`wire_algorithm`).
        self.algorithm = wire_algorithm(algorithm)
        #: The hashlib name of the digest, or None for an algorithm ISC does not sign with.
        self.digest = DIGESTS.get(self.algorithm.lower())
        self._secret = bytes(secret)
        #: Bytes of a signature (0 when the algorithm is unknown).
        self.signature_size: int = hashlib.new(self.digest).digest_size if self.digest else 0
        #: The HMAC keyed once, copied for each signature: a third cheaper than keying anew.
        self._keyed = keyed_mac(self._secret, self.digest) if self.digest else None

    @property
    def secret(self) -> bytes:
        """The shared secret (what ``dhcpctl_get_value(authenticator, "key")`` gives, as C)."""
        return self._secret

    def sign(self, data: bytes | bytearray | memoryview) -> bytes:
        """The HMAC of ``data`` (the signed span of a message), in one go."""
        if self._keyed is None:
            raise ValueError(f"no digest for key algorithm {self.algorithm!r}")
        mac = self._keyed.copy()
        mac.update(data)
        return mac.digest()

    def __repr__(self) -> str:
        return f"Key(name={self.name!r}, algorithm={self.algorithm!r}, secret=<hidden>)"
