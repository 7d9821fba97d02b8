"""What ISC dhcpd 4.4.3-P1 does with many requests queued on one OMAPI connection, and the
rules that keep a pipelining client inside what it survives.

Facts (measured with the test bed: ``testbed.DhcpdServer`` with ``testbed.dataset``, one TCP
connection per burst, requests made by ``fallback/protocol.py`` and written in one ``send``,
lease lookups by ``ip-address``; each fatal case repeated on fresh servers with the same
result):

1. Order: dhcpd reads a connection's messages in order and answers each one, in the order
   asked (``omapip/protocol.c`` omapi_protocol_signal_handler processes every complete message
   of its input buffer before it reads again; its replies go to one output buffer chain). Every
   burst measured came back complete and in order: unkeyed, 10,000 OPENs written at once
   (0.4 s); keyed with any of the six HMACs, windows up to 256 while the rules below held.
2. No limit without a key: nothing in dhcpd bounds the queue. It reads at most one 4,048-byte
   buffer (``OMAPI_BUF_SIZE``) ahead of what it has processed, so a deep queue waits in the
   kernel's socket buffers; its output buffer chain grows without bound while the client does
   not read.
3. A keyed dhcpd **aborts** (``dst_api.c:353: REQUIRE(... *dctxp == NULL) failed``; the whole
   server exits) when a signed message crosses a buffer boundary at the wrong place. The cause
   is in ``omapip/buffer.c``: ``omapi_connection_copyin`` and ``omapi_connection_copyout`` set
   ``SIG_MODE_INIT`` in a flags variable that survives their loop over buffer segments, so a
   signed copy that starts a signature context (the first one after the key is switched on)
   and spans two segments creates the context twice. Two places hit it:

   - *input* (``copyout``): the request's ``authlen`` field (bytes 4-7 of a message, the first
     signed bytes) straddles the end of dhcpd's 4,048-byte input ring. The ring is fresh
     whenever dhcpd has consumed everything it read; from then on byte ``n`` of the stream sits
     at ``n mod 4048``. Measured: 871 hmac-md5 lookups (79 bytes each) written at once are
     answered, 872 kill dhcpd (request 872 starts at offset 871 * 79 = 68,809, its authlen at
     68,813 .. 68,816 spans 68,816 = 17 * 4048). Predicted and seen likewise for the other
     algorithms (hmac-sha1, 83-byte requests: request 196).
   - *output* (``copyin``): a reply's ``authlen`` field, or its signature (copied in with the
     key still active, a fresh context), straddles a boundary of dhcpd's output chain of
     4,047-byte buffers. The chain starts fresh whenever dhcpd has written out everything; the
     replies to all requests it processed meanwhile (several reads' worth) pile up in it.
     Measured with hmac-sha1: 70 lookups of one lease (289-byte replies) written at once are
     answered, 71 kill dhcpd (reply 71's authlen at 70 * 289 + 4 = 20,234 .. 20,237 spans
     20,235 = 5 * 4047); cycling over the dataset's three leases (289, 289, 291 bytes), 13
     are answered and 14 kill it (reply 14's signature spans 4047). The same single-reply
     arithmetic is why a signed reply longer than 4,047 bytes can kill a keyed dhcpd even
     without pipelining (when its signature spans a multiple of 4,047).

   Earlier runs that saw 250 queued keyed lookups answered (hmac-md5, one lease) and others that
   died near 50 (hmac-sha1 with mixed leases died at 14) are both this arithmetic: whether it
   hits depends only on the sizes of the messages, not on their number.

Rules a client keeps on a keyed connection, which make both crossings impossible
(:class:`SignedQueueGuard`):

- *Replies owed fit in one output buffer*: the sizes of the replies to every request in flight
  (sent and not answered, cancelled ones included) add up to at most :data:`OUTPUT_BUFFER`
  (4,047) bytes, so whatever dhcpd piles up before it writes stays inside its first output
  buffer. A reply's size is not known before it comes: each request carries an upper bound
  (:func:`reply_bound`), at least a bound from the attributes ISC 4.4.3-P1 sends
  (``server/omapi.c`` ``dhcp_*_stuff_values``, assuming variable attributes of at most 255
  bytes) and the largest reply this client has seen to a request of its kind. A request
  whose bound alone exceeds the budget is sent only with nothing else in flight.

  Leases and hosts have no upper bound: a lease's reply carries every variable of its
  binding scope (``binding_scope_stuff_values``: ``set`` statements, the ``ddns-*`` names of
  DDNS), a host's every fixed address. Measured: 50 leases with ten 100-byte variables each
  (replies of about 1,150 bytes) looked up 4 times over in one hmac-sha256 burst under the
  old fixed bound of 960 bytes killed dhcpd, 3 runs of 3. So for these (:data:`UNBOUNDED`)
  the first request of the kind a client makes goes alone, and later ones are bounded by
  :data:`MARGIN` times the largest reply seen so far (never less than the prior bound). What
  remains: a reply more than twice the largest seen, and above the prior bound, while other
  requests are in flight, may still cross a boundary (with a chance of about the signed
  bytes' share of a reply, 2 to 7 %); ``max_in_flight=1`` rules that out. Such a reply is
  logged as a warning.
  As long as replies owed stay below the kernel's socket buffers (they do: 4 KB) dhcpd writes
  everything at once, so its chain is fresh for the next batch.
- *No authlen across the input ring's end*: the client counts the bytes it wrote since
  dhcpd's input ring was last known fresh (nothing in flight: every request answered means
  every byte consumed); a request whose ``authlen`` would straddle ``4048 * k`` waits until
  nothing is in flight (the ring is then fresh, the request starts at offset 0). A request
  longer than the ring (4,047 bytes) would make dhcpd chain input buffers, where the count
  no longer tells the boundaries: it is sent alone and nothing follows it until it is answered.

Unkeyed connections have neither hazard (nothing is signed): only ``max_in_flight`` bounds them.
"""

from __future__ import annotations

from typing import Final

#: dhcpd's input ring: ``OMAPI_BUF_SIZE`` (``includes/omapip/buffer.h``); byte ``n`` of the
#: stream since the ring was fresh sits at ``n % INPUT_RING``.
INPUT_RING: Final = 4048
#: What one fresh output buffer holds (``omapi_connection_copyin``: ``head - tail`` of a new
#: ring, one slot short of ``OMAPI_BUF_SIZE``).
OUTPUT_BUFFER: Final = 4047
#: Where the first signed bytes of a message (its ``authlen``) start, and how many they are.
AUTHLEN_OFFSET: Final = 4
AUTHLEN_SIZE: Final = 4

#: Upper bounds of a reply (bytes, with the longest signature, 64 bytes) by the object type of
#: an OPEN, from the attributes ``server/omapi.c`` sends for it with variable ones (names,
#: client identifiers, host names) of at most 255 bytes. A STATUS (what an UPDATE or DELETE,
#: and a failed OPEN, get back: ``result`` and a short ``message``) is within
#: :data:`STATUS_BOUND`.
REPLY_BOUNDS: Final = {
    "lease": 960,
    "host": 900,
    "group": 900,
    "class": 700,
    "subclass": 700,
    "failover-state": 900,
}
STATUS_BOUND: Final = 256
#: The bound of an OPEN of a type not in :data:`REPLY_BOUNDS`.
UNKNOWN_BOUND: Final = OUTPUT_BUFFER


#: Object types whose replies have no upper bound (module docstring).
UNBOUNDED: Final = frozenset({"lease", "host"})
#: How many times the largest reply seen so far a reply of an :data:`UNBOUNDED` type is taken
#: to be at most.
MARGIN: Final = 2
#: The bound of a request that must go alone (larger than :data:`OUTPUT_BUFFER`).
ALONE: Final = OUTPUT_BUFFER + 1


def reply_bound(object_type: str | None, largest: int | None = None) -> int:
    """The upper bound of the reply (bytes) to an OPEN of ``object_type``, or to an
    UPDATE/DELETE (``None``), when the largest reply seen so far to a request of the same
    kind was ``largest`` bytes (None: none seen yet; an :data:`UNBOUNDED` type then gets
    :data:`ALONE`)."""
    if object_type is None:
        return max(STATUS_BOUND, largest or 0)
    prior = REPLY_BOUNDS.get(object_type, UNKNOWN_BOUND)
    if object_type not in UNBOUNDED:
        return max(prior, largest or 0)
    return ALONE if largest is None else max(prior, MARGIN * largest)


class SignedQueueGuard:
    """Decides, on a keyed connection, whether a request may be written now (module docstring).

    The owner calls :meth:`admits` before writing a request of ``size`` bytes whose reply is at
    most ``bound`` bytes, :meth:`wrote` once it is written, :meth:`answered` with the ``bound``
    of each request whose reply came. A message that gets no reply (the STATUS a client owes
    for a badly signed message) counts through :meth:`wrote_unanswered`; dhcpd, which matches a
    client's STATUS to none of its own messages, drops the connection on it anyway
    (``omapip/message.c`` omapi_message_process: ``ISC_R_UNEXPECTED``). Not thread-safe (one
    event loop).
    """

    def __init__(self) -> None:
        #: Bytes written since dhcpd's input ring was last known fresh (0: it is fresh).
        self.ring_offset = 0
        #: The sum of the bounds of the replies owed (requests in flight).
        self.owed = 0
        self.in_flight = 0
        #: A request that must be alone (longer than the ring, or its reply than the budget).
        self._alone = False

    def admits(self, size: int, bound: int) -> bool:
        """Whether a request of ``size`` bytes with a reply of at most ``bound`` may go now."""
        if self.in_flight == 0:
            return True  # the ring is fresh: the request starts at offset 0
        if self._alone or _too_big(size, bound) or self.owed + bound > OUTPUT_BUFFER:
            return False
        return not _straddles(self.ring_offset)

    def wrote(self, size: int, bound: int) -> None:
        """A request of ``size`` bytes, with a reply of at most ``bound``, was written."""
        if self.in_flight == 0:
            self.ring_offset = 0
        self.ring_offset += size
        self.in_flight += 1
        self.owed += bound
        self._alone = _too_big(size, bound)

    def wrote_unanswered(self, size: int) -> None:
        """A message of ``size`` bytes that gets no reply was written."""
        self.ring_offset += size

    def answered(self, bound: int) -> None:
        """The reply to a request written with ``bound`` came."""
        self.in_flight -= 1
        self.owed -= bound
        if self.in_flight == 0:
            self._alone = False


def _too_big(size: int, bound: int) -> bool:
    return size > OUTPUT_BUFFER or bound > OUTPUT_BUFFER


def _straddles(offset: int) -> bool:
    """Whether the authlen of a message starting at ``offset`` spans the input ring's end."""
    start = (offset + AUTHLEN_OFFSET) % INPUT_RING
    return start + AUTHLEN_SIZE > INPUT_RING
