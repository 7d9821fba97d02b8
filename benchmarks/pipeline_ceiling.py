"""How many lease lookups a test-bed dhcpd answers on one connection when the client does
next to nothing: the ceiling of any one-connection pipelining client, beside ``run.py``'s
"dhcpd saturation" (C loops run at once) and ``dhcpctl.aio``.

    python benchmarks/pipeline_ceiling.py [--lookups N] [--rounds R] [--window W]

Against one unkeyed test-bed dhcpd (needs root), in alternating rounds (``run.py``'s
``round_rates``), each round ``N`` lookups of ``run.py``'s lease by each of:

- "pipelined, replies counted": the lookups' OPEN messages encoded by ``fallback/protocol.py``
  before the round is timed, written ``W`` at a time as replies make room (one ``send`` each
  time), the replies only counted (every reply to this lookup has the same size; the round
  fails unless the bytes received are exactly N replies): the server's side alone;
- "pipelined, replies decoded": the same, every reply decoded by the codec
  (``ClientProtocol.feed``) and checked to be an answer;
- ``dhcpctl.aio`` at window ``W`` (``run.py``'s row);
- "dhcpd saturation: 4 C loops summed" (``run.py``'s row, the figure its "lookups vs
  saturation" divides by).

Unkeyed because a keyed dhcpd aborts on some deep queues of signed messages
(``dhcpctl/aio/_dhcpd_limits.py``); there the window is bounded by the size of the replies owed.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the test bed is not installed

from run import (  # this script's neighbour
    LEASE,
    BenchmarkError,
    Client,
    aio_client,
    aio_name,
    c_parallel_client,
    compile_c_loop,
    machine,
    round_rates,
    saturation_name,
)

from dhcpctl.fallback.protocol import ClientProtocol, Intro, MessageReceived
from dhcpctl.fallback.wire import OP_OPEN, OP_UPDATE
from testbed import DhcpdServer, Endpoint

#: The most bytes taken from the socket at a time.
RECEIVE = 1 << 18


def received(sock: socket.socket) -> bytes:
    """What came on ``sock`` (at most :data:`RECEIVE` bytes, within its 30 s timeout);
    BenchmarkError when dhcpd closed the connection."""
    data = sock.recv(RECEIVE)
    if not data:
        raise BenchmarkError("pipelined: dhcpd closed the connection")
    return data


def pipelined_client(endpoint: Endpoint, window: int, *, decode: bool) -> Client:
    """A connection that writes pre-encoded lookups ``window`` at a time (see the module
    docstring); ``decode``: every reply decoded by the codec, else only counted."""
    sock = socket.create_connection((endpoint.address, endpoint.port), timeout=30.0)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    protocol = ClientProtocol(None)
    sock.sendall(protocol.initiate())
    while not any(isinstance(event, Intro) for event in protocol.feed(received(sock))):
        pass
    address = socket.inet_aton(LEASE.ip)

    def lookups(count: int) -> list[bytes]:
        message_values = ((b"type", b"lease"),)
        object_values = ((b"ip-address", address),)
        return [protocol.send(OP_OPEN, 0, message_values, object_values)[1] for _ in range(count)]

    sock.sendall(lookups(1)[0])  # the size of a reply, and the server warmed up
    reply_size = len(received(sock))

    def answers(data: bytes) -> int:
        events = protocol.feed(data)
        if not all(isinstance(e, MessageReceived) and e.message.op == OP_UPDATE for e in events):
            raise BenchmarkError(f"pipelined: not a lease in {events!r}")
        return len(events)

    def run(count: int) -> float:
        requests = lookups(count)
        sent = answered = taken = 0
        started = time.perf_counter()
        while answered < count:
            room = min(window - (sent - answered), count - sent)
            if room > 0:
                sock.sendall(b"".join(requests[sent : sent + room]))
                sent += room
            data = received(sock)
            if decode:
                answered += answers(data)
            else:
                taken += len(data)
                answered = taken // reply_size
        elapsed = time.perf_counter() - started
        if not decode and taken != count * reply_size:
            raise BenchmarkError(f"pipelined: {taken} bytes for {count} replies")
        return elapsed

    return Client(run, sock.close)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lookups", type=int, default=20_000, help="lookups a round")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (medians)")
    parser.add_argument("--window", type=int, default=64, help="requests in flight at most")
    args = parser.parse_args()
    for name in ("lookups", "rounds", "window"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    with tempfile.TemporaryDirectory(prefix="dhcpctl-bench-") as scratch:
        binary = compile_c_loop(Path(scratch))
        with DhcpdServer(None, with_dataset=True) as server:
            endpoint = server.endpoint
            saturation = saturation_name(4)
            clients = {
                "pipelined, replies counted": pipelined_client(endpoint, args.window, decode=False),
                "pipelined, replies decoded": pipelined_client(endpoint, args.window, decode=True),
                aio_name(args.window): aio_client(endpoint, "lookup", window=args.window),
                saturation: c_parallel_client(binary, endpoint, "lookup", loops=4),
            }
            figures = round_rates(clients, args.lookups, args.rounds, warmup=100)
            for client in clients.values():
                client.close()
    rounds = f"medians of {args.rounds} alternating rounds of {args.lookups:,}"
    print(f"Lookups/s on one unkeyed connection, window {args.window} ({rounds}):\n")
    print("| client | lookups/s (median) | rounds (min-max) | vs saturation |")
    print("|---|---:|---:|---:|")
    for name, figure in figures.items():
        ratio = figure.median / figures[saturation].median
        print(f"| {name} | {figure.median:,.0f} | {figure.spread()} | {ratio:.2f}x |")
    where = machine()
    print(f"\n{where['cpu']}, {where['cores']} cores, {where['python']}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
