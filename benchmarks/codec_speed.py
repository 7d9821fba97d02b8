"""The pure-Python codec's cost per message, without a server: microseconds per call.

    python benchmarks/codec_speed.py [--number N] [--repeat R]

Measured with :mod:`timeit` (the best of R repeats of N calls, the usual way to time a small
statement on a busy machine), on the messages of one lease lookup signed with hmac-md5 (the
key ``benchmarks/run.py`` and ``lookup_costs.py`` give the server):

- encode request: the lookup's OPEN (``type``, ``ip-address``), signed;
- decode reply: dhcpd's UPDATE answering it (15 object values, as dhcpd 4.4.3-P1 sends for a
  lease), signed, fed whole to a :class:`~dhcpctl.fallback.protocol.ClientProtocol`;
- decode reply, 2 reads: the same reply cut in two reads (the resumable path);
- lookup request + reply: ``ClientProtocol.send`` then ``feed`` of the reply, as one lookup does.
"""

from __future__ import annotations

import argparse
import sys
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dhcpctl.fallback.auth import Key
from dhcpctl.fallback.protocol import ClientProtocol, MessageReceived, State
from dhcpctl.fallback.wire import OP_OPEN, OP_UPDATE, Message, encode_intro, encode_message

KEY = Key("omapi_key", "hmac-md5", b"0123456789abcdef")
AUTHID = 42
#: The object values of dhcpd's answer to a lease lookup (names and sizes as dhcpd sends them).
LEASE_VALUES = (
    (b"state", (2).to_bytes(4, "big")),
    (b"ip-address", bytes((198, 18, 254, 150))),
    (b"dhcp-client-identifier", bytes(7)),
    (b"client-hostname", b"alpha"),
    (b"subnet", (7).to_bytes(4, "big")),
    (b"pool", (8).to_bytes(4, "big")),
    (b"hardware-address", bytes.fromhex("525400123456")),
    (b"hardware-type", (1).to_bytes(4, "big")),
    (b"ends", (2082758400).to_bytes(4, "big")),
    (b"tstp", (0).to_bytes(4, "big")),
    (b"tsfp", (0).to_bytes(4, "big")),
    (b"atsfp", (0).to_bytes(4, "big")),
    (b"cltt", (1767225600).to_bytes(4, "big")),
    (b"flags", b"\0"),
    (b"remote-handle", (9).to_bytes(4, "big")),
)
LOOKUP = ((b"type", b"lease"),), ((b"ip-address", bytes((198, 18, 254, 150))),)


def ready_protocol() -> ClientProtocol:
    """A client protocol past its intro and authenticator, as on a connected link."""
    proto = ClientProtocol(KEY)
    proto.feed(encode_intro())
    xid = decode_one(proto.open_authenticator())
    accept = Message(OP_UPDATE, AUTHID, 1, xid, 0, (), ((b"name", b"omapi_key"),))
    proto.feed(encode_message(accept))
    assert proto.state is State.READY
    return proto


def decode_one(data: bytes) -> int:
    """The id of the (unsigned) message ``data``, read by a server-side protocol's decoder."""
    proto = ClientProtocol()
    [_, event] = proto.feed(encode_intro() + data)
    assert isinstance(event, MessageReceived)
    return event.message.id


def reply_to(rid: int) -> bytes:
    return encode_message(Message(OP_UPDATE, 9, 77, rid, AUTHID, (), LEASE_VALUES), KEY)


def cases() -> dict[str, Callable[[], object]]:
    proto = ready_protocol()
    xid, _ = proto.send(OP_OPEN, 0, *LOOKUP)
    reply = reply_to(xid)
    half = len(reply) // 2

    def check(events: Sequence[object]) -> None:
        assert len(events) == 1 and isinstance(events[0], MessageReceived), events

    check(proto.feed(reply))
    check(proto.feed(reply[:half]) + proto.feed(reply[half:]))

    def lookup() -> None:
        proto.send(OP_OPEN, 0, *LOOKUP)
        proto.feed(reply)

    return {
        "encode request": lambda: proto.send(OP_OPEN, 0, *LOOKUP),
        "decode reply": lambda: proto.feed(reply),
        "decode reply, 2 reads": lambda: (proto.feed(reply[:half]), proto.feed(reply[half:])),
        "lookup request + reply": lookup,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--number", type=int, default=20000, help="calls per repeat")
    parser.add_argument("--repeat", type=int, default=5, help="repeats (the best is shown)")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}; microseconds per call, best of {args.repeat}:")
    print()
    print("| call | us |")
    print("|---|---:|")
    for name, call in cases().items():
        best = min(timeit.repeat(call, number=args.number, repeat=args.repeat))
        print(f"| {name} | {best / args.number * 1e6:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
