"""The decoder's memory stays bounded by what it was fed, whatever lengths a peer claims.

A hostile server controls every length field of a message. The decoder must refuse lengths past
the limits of ``dhcpctl.fallback.wire`` before allocating anything for them, and otherwise hold
no more than the bytes it has actually received: measured here with tracemalloc.
"""

from __future__ import annotations

import struct
import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dhcpctl.fallback.auth import Key
from dhcpctl.fallback.protocol import ClientProtocol, State
from dhcpctl.fallback.wire import MAX_MESSAGE_LEN

SERVER_INTRO = struct.pack("!II", 100, 24)
#: What the decoder may hold beyond the bytes fed: its own objects and one chunk's copy.
OVERHEAD = 64 * 1024

lengths = st.one_of(
    st.integers(0, 64),
    st.integers(MAX_MESSAGE_LEN - 2, MAX_MESSAGE_LEN + 2),
    st.integers(2**31 - 2, 2**32 - 1),
)


def peak_while_feeding(protocol: ClientProtocol, chunks: list[bytes]) -> int:
    """Peak traced bytes allocated while ``chunks`` are fed (a failure stops the feeding)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        for chunk in chunks:
            protocol.feed(chunk)
            if protocol.state is State.ERROR:
                break
        return tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    authlen=st.sampled_from([0, 16, 64, 65, 2**32 - 1]),
    name_length=st.integers(0, 0xFFFF),
    value_length=lengths,
    tail=st.binary(max_size=2048),
    chunk=st.integers(1, 4096),
)
def test_claimed_lengths_never_allocate_beyond_what_was_fed(
    authlen: int, name_length: int, value_length: int, tail: bytes, chunk: int
) -> None:
    header = struct.pack("!IIIIII", 0, authlen, 3, 0, 1, 1)
    data = header + struct.pack("!H", name_length) + b"n" * min(name_length, 16)
    data += struct.pack("!I", value_length) + tail
    protocol = ClientProtocol(Key("k", "hmac-md5", b"s"))
    protocol.feed(SERVER_INTRO)
    chunks = [data[at : at + chunk] for at in range(0, len(data), chunk)]
    assert peak_while_feeding(protocol, chunks) < 2 * len(data) + OVERHEAD


def test_a_slow_maximal_value_costs_only_the_bytes_received() -> None:
    """A value claiming the largest legal length, dripped in: memory follows the drip."""
    protocol = ClientProtocol()
    protocol.feed(SERVER_INTRO)
    header = struct.pack("!IIIIII", 0, 0, 3, 0, 1, 1) + struct.pack("!H", 1) + b"n"
    received = 32 * 1024
    drip = [header + struct.pack("!I", 65536)] + [b"x" * 1024] * (received // 1024)
    assert peak_while_feeding(protocol, drip) < 2 * received + OVERHEAD
