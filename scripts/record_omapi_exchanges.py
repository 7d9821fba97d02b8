"""Record what a real ISC dhcpd answers to a few OMAPI requests, as the seed corpus of the
hostile-server fuzzing (``tests/data/omapi_replies.json``).

Starts a test-bed dhcpd (root; ``testbed/``) with the test data set and an hmac-md5 key, talks
to it through the pure-Python codec over a plain socket (keyed), and writes every server
message it gets back: the authenticator answer and the replies to an open of a known lease, of
an unknown lease, a host create, update, refresh and remove, and a failed update. Each message
is stored decoded (op, handle, message and object values in hex), without id, rid, authid or
signature: the fuzzer re-addresses and re-signs them for its own client. Run it again only to
refresh the corpus: ``python scripts/record_omapi_exchanges.py [OUTPUT]``.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from fake_omapi import recv_exactly, recv_message  # noqa: E402  (after the path is set)

from dhcpctl.fallback.auth import Key  # noqa: E402
from dhcpctl.fallback.wire import (  # noqa: E402
    OP_DELETE,
    OP_OPEN,
    OP_REFRESH,
    OP_UPDATE,
    Message,
    Pair,
    encode_intro,
    encode_message,
)
from testbed import dataset  # noqa: E402
from testbed.server import DhcpdServer, make_key  # noqa: E402

OUTPUT = ROOT / "tests" / "data" / "omapi_replies.json"


def _pairs(pairs: tuple[Pair, ...]) -> list[list[str | None]]:
    return [[n.hex(), v.hex() if isinstance(v, bytes) else None] for n, v in pairs]


def _stored(name: str, message: Message) -> dict[str, object]:
    return {
        "name": name,
        "op": message.op,
        "handle": message.handle,
        "message_values": _pairs(message.message_values),
        "object_values": _pairs(message.object_values),
    }


def record(output: Path) -> None:
    omapi_key = make_key("hmac-md5")
    key = Key(omapi_key.name, omapi_key.algorithm, omapi_key.secret)
    lease_ip = socket.inet_aton(dataset.LEASES[0].ip)
    host = ((b"name", b"fuzz-seed"), (b"hardware-address", bytes(6)), (b"hardware-type", 1))
    replies: list[dict[str, object]] = []
    with DhcpdServer(omapi_key, with_dataset=True) as server:
        sock = socket.create_connection((server.address, server.port), 10)
        sock.sendall(encode_intro())
        recv_exactly(sock, 8)
        auth_open = Message(
            OP_OPEN,
            0,
            1,
            message_values=((b"type", b"authenticator"),),
            object_values=((b"name", key.name.encode()), (b"algorithm", key.algorithm.encode())),
        )
        sock.sendall(encode_message(auth_open))
        answer = recv_message(sock, key)
        replies.append(_stored("authenticator", answer))
        authid = answer.handle

        def ask(
            name: str, op: int, handle: int, mvalues: tuple[Pair, ...], ovalues: tuple[Pair, ...]
        ) -> Message:
            request = Message(op, handle, 2 + len(replies), 0, authid, mvalues, ovalues)
            sock.sendall(encode_message(request, key))
            reply = recv_message(sock, key)
            replies.append(_stored(name, reply))
            return reply

        ask("open-lease", OP_OPEN, 0, ((b"type", b"lease"),), ((b"ip-address", lease_ip),))
        ask("open-missing", OP_OPEN, 0, ((b"type", b"lease"),), ((b"ip-address", bytes(4)),))
        created = ask("create-host", OP_OPEN, 0, ((b"type", b"host"), (b"create", 1)), host)
        ask("update-host", OP_UPDATE, created.handle, (), ((b"name", b"fuzz-seed-2"),))
        ask("refresh-host", OP_REFRESH, created.handle, (), ())
        ask("remove-host", OP_DELETE, created.handle, (), ())
        ask("update-removed", OP_UPDATE, created.handle, (), ((b"name", b"gone"),))
        sock.close()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("[\n" + ",\n".join(json.dumps(reply) for reply in replies) + "\n]\n")
    print(f"{output}: {len(replies)} replies")


if __name__ == "__main__":
    record(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT)
