"""OMAPI message signing keys: ISC's key algorithms mapped onto the stdlib's HMAC.

ISC DHCP signs through BIND's DST library (``omapip/isclib.c``: ``isclib_make_dst_key``), whose
HMAC keys give a signature of the full digest length. ``hmac.new`` computes the same MAC,
including hashing secrets longer than the block size, so no DST code is needed here.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from dhcpctl._errors import DhcpctlError
from dhcpctl._results import DHCP_R_INVALIDARG

#: What ``dhcpctl_new_authenticator`` appends to an algorithm name that has no dot.
ALGORITHM_SUFFIX: Final = ".SIG-ALG.REG.INT."

#: ISC's algorithm names (without the suffix, lower case) and the hashlib digest they use.
DIGESTS: Final = {
    "hmac-md5": "md5",
    "hmac-sha1": "sha1",
    "hmac-sha224": "sha224",
    "hmac-sha256": "sha256",
    "hmac-sha384": "sha384",
    "hmac-sha512": "sha512",
}


def wire_algorithm(algorithm: str) -> str:
    """The algorithm string C sends to the server: a bare name gets the ``.SIG-ALG...`` suffix."""
    return algorithm if "." in algorithm else algorithm + ALGORITHM_SUFFIX


class Key:
    """A named shared secret and its HMAC algorithm. The secret never shows in ``repr``."""

    __slots__ = ("_digest", "_secret", "algorithm", "name", "signature_size")

    def __init__(self, name: str, algorithm: str, secret: bytes) -> None:
        self.name = name
        #: The algorithm exactly as sent on the wire (see :func:`wire_algorithm`).
        self.algorithm = wire_algorithm(algorithm)
        base = self.algorithm.lower()
        if base.endswith(ALGORITHM_SUFFIX.lower()):
            base = base[: -len(ALGORITHM_SUFFIX)]
        digest = DIGESTS.get(base)
        if digest is None:
            raise DhcpctlError(
                "dhcpctl_new_authenticator",
                DHCP_R_INVALIDARG,
                f"unsupported key algorithm {algorithm!r} (supported: {', '.join(DIGESTS)})",
            )
        self._digest = digest
        self._secret = bytes(secret)
        self.signature_size: int = hashlib.new(digest).digest_size

    def sign(self, data: bytes | bytearray | memoryview) -> bytes:
        """The HMAC of ``data`` (the signed span of a message), in one go."""
        return hmac.digest(self._secret, data, self._digest)

    def __repr__(self) -> str:
        return f"Key(name={self.name!r}, algorithm={self.algorithm!r}, secret=<hidden>)"
