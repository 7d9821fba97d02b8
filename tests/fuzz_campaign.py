"""Fuzzing the clients with hostile servers: inputs, the fake that plays them, the properties.

An input (:class:`FuzzInput`) is one server's whole behaviour on one connection: the intro it
sends, with a key the answer to the authenticator OPEN, then its answers to the client's
requests, each stage a list of messages (:class:`Template`: a real dhcpd reply from
``tests/data/omapi_replies.json`` re-addressed to the live client, or a generated one; signed,
unsigned, missigned or stripped) followed by byte-level mutations (flips, interesting 32-bit
values, cuts, insertions, deletions, repetitions); then it closes, or (rarely) stalls. Inputs
come from a seeded :class:`random.Random`, so ``(seed, index)`` reproduces any of them.

The client runs in a child process (:class:`hostile_client.ClientProcess`, many inputs per
child, its address space capped); :class:`Campaign` plays the inputs one by one, restarts the
child after a crash, an abort, an exit or a hang and pins it on the input, and checks for
every input: the child lives, every call returned within its timeout + ``TIMEOUT_SLACK``, only
:class:`~dhcpctl.DhcpctlError` came out, the peak resident size grew by less than
:data:`RSS_GROWTH_KIB`, and on keyed connections nothing was accepted that the key did not
sign: a wait that returned a status had an intact, correctly signed reply of an answering op
for its request, and every ``canary`` value an object took came from such a reply.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fake_omapi import AUTHID, KEY, FakeServer, recv_exactly, recv_message
from hostile_client import (
    ADDRESS_SPACE_MIB,
    RSS_GROWTH_KIB,
    ClientDied,
    ClientProcess,
    Job,
    Result,
)

from dhcpctl.fallback.transport import TIMEOUT_SLACK
from dhcpctl.fallback.wire import (
    OP_DELETE,
    OP_NOTIFY,
    OP_OPEN,
    OP_REFRESH,
    OP_STATUS,
    OP_UPDATE,
    Message,
    Pair,
    ProtocolError,
    encode_intro,
    encode_message,
)

CORPUS = Path(__file__).resolve().parent / "data" / "omapi_replies.json"
#: The timeout of the client's calls in a fuzz job (seconds): most inputs end sooner, the
#: server closing after its last stage.
CALL_TIMEOUT = 0.3
#: How long one input may take before the child counts as hung (seconds).
JOB_LIMIT = 15.0

INTERESTING_U32 = (0, 1, 3, 4, 5, 24, 64, 65, 256, 1024, 65536, 65537, 1 << 20, 0x7FFFFFFF,
                   0xFFFFFFF0, 0xFFFFFFFF)  # fmt: skip
NAMES = (b"result", b"message", b"remote-handle", b"state", b"canary", b"op", b"rid",
         b"authenticator", b"type", b"name", b"ip-address")  # fmt: skip
OPS = (OP_OPEN, OP_REFRESH, OP_UPDATE, OP_NOTIFY, OP_STATUS, OP_DELETE, 0, 7, 99)


def load_corpus() -> list[Message]:
    """The recorded dhcpd replies (without ids, authid or signature)."""

    def pairs(stored: list[list[str | None]]) -> tuple[Pair, ...]:
        return tuple((bytes.fromhex(n or ""), bytes.fromhex(v) if v else None) for n, v in stored)

    return [
        Message(
            r["op"], r["handle"], 0, 0, 0, pairs(r["message_values"]), pairs(r["object_values"])
        )
        for r in json.loads(CORPUS.read_text())
    ]


@dataclass(frozen=True)
class Template:
    """A message to address at run time: ``rid`` is a request index (the client's n-th
    request; -1 the authenticator OPEN) or ``None`` with ``literal_rid``; ``sign`` is "key",
    "none", "wrong" (a corrupted signature) or "strip" (signed with authlen 0, no signature);
    ``authid`` is ``None`` for ours."""

    message: Message
    rid: int | None
    literal_rid: int = 0
    sign: str = "key"
    authid: int | None = None


@dataclass(frozen=True)
class Mutation:
    """A byte-level change of a stage: ``kind`` at ``at`` (a fraction of the stage's length)."""

    kind: str
    at: float
    value: int = 0
    data: bytes = b""


@dataclass(frozen=True)
class Stage:
    templates: tuple[Template, ...]
    mutations: tuple[Mutation, ...] = ()
    repeat: int = 1


@dataclass(frozen=True)
class FuzzInput:
    keyed: bool
    #: Mutations of the server's intro (usually none).
    intro: tuple[Mutation, ...]
    auth: Stage
    replies: Stage
    objects: int = 1
    stall: bool = False

    def describe(self) -> str:
        return repr(self)[:2000]


@dataclass
class Record:
    """What the fake saw and sent for one input: the oracle's facts."""

    request_ids: list[int] = field(default_factory=list)
    #: Per request index: the canaries of the intact, correctly signed answers to it.
    genuine: dict[int, set[str]] = field(default_factory=dict)


def _render(stage: Stage, ids: dict[int, int], keyed: bool, record: Record) -> bytes:
    """The stage's bytes for the live client's ``ids``; records the genuine answers: those
    signed by the key for a request, of an answering op, whose bytes are still whole in the
    mutated stage (a shift leaves them genuine; any change breaks the signature, or the
    authid that names the key)."""
    out = bytearray()
    signed_answers: list[tuple[int, bytes, Message]] = []
    for template in stage.templates:
        base = template.message
        rid = ids.get(template.rid, 0) if template.rid is not None else template.literal_rid
        authid = template.authid
        if authid is None:
            authid = AUTHID if keyed and template.sign != "none" else 0
        message = Message(
            base.op, base.handle, base.id, rid, authid, base.message_values, base.object_values
        )
        signed = template.sign != "none" and authid != 0
        data = bytearray(encode_message(message, KEY if signed else None))
        if signed and template.sign == "wrong":
            data[-1] ^= 0x5A
        elif signed and template.sign == "strip":
            data = data[: -KEY.signature_size]
            data[4:8] = bytes(4)
        if (
            keyed
            and template.sign == "key"
            and authid == AUTHID
            and template.rid is not None
            and template.rid >= 0
            and message.op in (OP_UPDATE, OP_STATUS)
        ):
            signed_answers.append((template.rid, bytes(data), message))
        out += data
    _mutate(out, stage.mutations)
    for index, whole, message in signed_answers:
        if whole in out:
            value = dict(message.object_values).get(b"canary")
            canary = value.hex() if isinstance(value, bytes) else ""
            record.genuine.setdefault(index, set()).add(canary)
    return bytes(out) * stage.repeat


def _mutate(out: bytearray, mutations: tuple[Mutation, ...]) -> None:
    """Apply ``mutations`` to ``out`` in place (a flip always changes its byte)."""
    for mutation in mutations:
        if not out:
            break
        at = min(int(mutation.at * len(out)), len(out) - 1)
        if mutation.kind == "flip":
            out[at] ^= mutation.value or 1
        elif mutation.kind == "u32":
            at = max(min(at, len(out) - 4), 0)
            out[at : at + 4] = struct.pack("!I", mutation.value)[: len(out) - at]
        elif mutation.kind == "cut":
            del out[at:]
        elif mutation.kind == "insert":
            out[at:at] = mutation.data
        else:
            del out[at : at + mutation.value]


def serve(fuzz: FuzzInput, record: Record, sock: socket.socket) -> None:
    """Play ``fuzz`` on one accepted connection, filling ``record``."""
    try:
        ids: dict[int, int] = {}
        intro = bytearray(encode_intro())
        _mutate(intro, fuzz.intro)
        sock.sendall(intro)
        recv_exactly(sock, 8)
        if fuzz.keyed:
            ids[-1] = recv_message(sock).id
            sock.sendall(_render(fuzz.auth, ids, fuzz.keyed, record))
        for index in range(fuzz.objects):
            ids[index] = recv_message(sock).id
            record.request_ids.append(ids[index])
        sock.sendall(_render(fuzz.replies, ids, fuzz.keyed, record))
        if not fuzz.stall:
            sock.shutdown(socket.SHUT_WR)
        sock.settimeout(JOB_LIMIT)
        while sock.recv(65536):  # until the client goes (its answers are read and dropped)
            pass
    except (EOFError, OSError, ProtocolError):
        return


class Generator:
    """Makes the inputs of one campaign from ``seed``; half keyed, half mutated replies of
    the recorded corpus, the rest generated messages."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.corpus = load_corpus()

    def input(self, index: int) -> FuzzInput:
        rng = random.Random(self.seed * 1_000_003 + index)
        keyed = rng.random() < 0.5
        objects = 2 if rng.random() < 0.2 else 1
        intro = self._mutations(rng, 0.05)
        auth_answer = Message(OP_UPDATE, AUTHID, 1, 0, 0, (), self.corpus[0].object_values)
        auth = Stage((Template(auth_answer, -1, sign="none", authid=0),), self._mutations(rng, 0.1))
        templates = tuple(self._template(rng, objects) for _ in range(rng.choice((1, 1, 2, 3))))
        repeat = rng.choice((1,) * 20 + (2, 50, 300))
        replies = Stage(templates, self._mutations(rng, 0.7), repeat)
        return FuzzInput(keyed, intro, auth, replies, objects, stall=rng.random() < 0.01)

    def _template(self, rng: random.Random, objects: int) -> Template:
        if rng.random() < 0.5:
            base = rng.choice(self.corpus[1:])
            canary = rng.randbytes(4)
            values = (*base.object_values, (b"canary", canary)) if base.op == OP_UPDATE else ()
            message = Message(
                base.op, base.handle, rng.getrandbits(32), 0, 0, base.message_values, values
            )
        else:
            message = Message(
                rng.choice(OPS),
                rng.choice((0, 1, 9, rng.getrandbits(32))),
                rng.getrandbits(32),
                0,
                0,
                self._pairs(rng),
                (*self._pairs(rng), (b"canary", rng.randbytes(4))),
            )
        rid = rng.choice((0, 0, 0, 1, None, -1)) if objects > 1 else rng.choice((0, 0, 0, None, -1))
        sign = rng.choice(("key",) * 6 + ("none", "wrong", "strip"))
        authid = rng.choice((None,) * 12 + (0, AUTHID + 1))
        return Template(message, rid, rng.choice((0, 1, rng.getrandbits(32))), sign, authid)

    def _pairs(self, rng: random.Random) -> tuple[Pair, ...]:
        pairs: list[Pair] = []
        for _ in range(rng.choice((0, 1, 2, 3, 5))):
            name = rng.choice(NAMES) if rng.random() < 0.8 else rng.randbytes(rng.randint(1, 12))
            length = rng.choice((0, 1, 3, 4, 4, 5, 16, 300))
            pairs.append((name, rng.randbytes(length) if length else None))
        return tuple(pairs)

    def _mutations(self, rng: random.Random, chance: float) -> tuple[Mutation, ...]:
        mutations: list[Mutation] = []
        while rng.random() < chance and len(mutations) < 6:
            kind = rng.choice(("flip", "flip", "u32", "u32", "cut", "insert", "delete"))
            mutations.append(
                Mutation(
                    kind,
                    rng.random(),
                    rng.choice(INTERESTING_U32) if kind == "u32" else rng.randint(1, 255),
                    rng.randbytes(rng.choice((1, 4, 24, 200))),
                )
            )
        return tuple(mutations)


@dataclass
class Finding:
    index: int
    kind: str  # crash, hang, time, exception, memory, accepted
    detail: str
    fuzz: FuzzInput


@dataclass
class Outcome:
    """A campaign's figures for one backend."""

    backend: str
    inputs: int = 0
    #: Inputs on a keyed connection; inputs whose client got as far as sending its requests
    #: (so that the server's replies met a waiting client); waits that returned a status.
    keyed: int = 0
    requested: int = 0
    completed: int = 0
    findings: list[Finding] = field(default_factory=list)
    peak_rss_kib: int = 0

    def count(self, kind: str) -> int:
        return sum(1 for finding in self.findings if finding.kind == kind)


def check(fuzz: FuzzInput, record: Record, result: Result) -> list[tuple[str, str]]:
    """The properties of one input's result (see the module docstring): (kind, detail)s."""
    problems: list[tuple[str, str]] = []
    calls = [result["connect"], *result["requests"], *result["waits"]]
    calls += [result["disconnect"]] if "disconnect" in result else []
    for call in calls:
        if "exception" in call:
            problems.append(("exception", call["exception"]))
        if call["elapsed"] > CALL_TIMEOUT + TIMEOUT_SLACK:
            problems.append(("time", f"a call took {call['elapsed']:.2f} s"))
    if result["rss_growth_kib"] >= RSS_GROWTH_KIB:
        problems.append(("memory", f"peak RSS grew {result['rss_growth_kib']} KiB"))
    if fuzz.keyed:
        for index, wait in enumerate(result["waits"]):
            genuine = record.genuine.get(index, set())
            if "ok" in wait and not genuine:
                problems.append(("accepted", f"wait {index} completed with no signed answer"))
            canary = result["values"][index].get("canary")
            if canary is not None and canary not in genuine:
                problems.append(("accepted", f"object {index} took an unsigned canary"))
    return problems


class Campaign:
    """Plays inputs against one backend's child client, restarting it after a death."""

    def __init__(self, backend: str, generator: Generator) -> None:
        self.backend = backend
        self.generator = generator
        self.outcome = Outcome(backend)
        self._current: tuple[FuzzInput, Record] | None = None
        self._lock = threading.Lock()
        self._server = FakeServer(self._serve)
        self._client: ClientProcess | None = None

    def _serve(self, sock: socket.socket) -> None:
        with self._lock:
            current = self._current
        if current is not None:
            serve(current[0], current[1], sock)

    def run(self, indices: Iterator[int] | range, max_findings: int = 20) -> Outcome:
        try:
            for index in indices:
                self.play(index)
                if len(self.outcome.findings) >= max_findings:
                    break
        finally:
            self.close()
        return self.outcome

    def play(self, index: int) -> None:
        fuzz = self.generator.input(index)
        record = Record()
        with self._lock:
            self._current = (fuzz, record)
        if self._client is None:
            self._client = ClientProcess(self.backend, ADDRESS_SPACE_MIB)
        job: Job = {
            "port": self._server.port,
            "keyed": fuzz.keyed,
            "timeout": CALL_TIMEOUT,
            "objects": fuzz.objects,
            "names": ["canary"],
        }
        self.outcome.inputs += 1
        try:
            result = self._client.run(job, JOB_LIMIT)
            self.outcome.peak_rss_kib = max(self.outcome.peak_rss_kib, self._client.peak_rss_kib)
        except ClientDied as died:
            self._client = None
            kind = "hang" if died.how.startswith("hung") else "crash"
            detail = f"the client {died.how}; its stderr ends:\n{died.stderr[-1200:]}"
            self.outcome.findings.append(Finding(index, kind, detail, fuzz))
            return
        self.outcome.keyed += fuzz.keyed
        self.outcome.requested += bool(record.request_ids)
        self.outcome.completed += sum("ok" in wait for wait in result["waits"])
        for kind, detail in check(fuzz, record, result):
            self.outcome.findings.append(Finding(index, kind, detail, fuzz))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        self._server.close()


def summary(outcome: Outcome) -> str:
    kinds = ("crash", "hang", "time", "exception", "memory", "accepted")
    counts = ", ".join(f"{kind} {outcome.count(kind)}" for kind in kinds)
    return (
        f"{outcome.backend}: {outcome.inputs} inputs ({outcome.keyed} keyed, "
        f"{outcome.requested} reached the requests, {outcome.completed} waits completed); "
        f"findings: {counts}; child peak RSS {outcome.peak_rss_kib} KiB"
    )


def report(outcome: Outcome, seed: int, limit: int = 5) -> str:
    lines = [summary(outcome)]
    for finding in outcome.findings[:limit]:
        lines.append(f"  input {finding.index} (seed {seed}): {finding.kind}: {finding.detail}")
        lines.append(f"    {finding.fuzz.describe()[:600]}")
    return "\n".join(lines)
