"""Coverage-guided fuzz targets (atheris, libFuzzer) over the entry points of the hypothesis suite.

Run one target in its own process (tests/fuzz/test_atheris.py does, for a bounded number of runs)::

    python -m tests.fuzz.atheris_targets TARGET CORPUS_DIR [libFuzzer flags, e.g. -runs=2000]

Rules:
- The seeds are written to CORPUS_DIR by this process, from tests/fuzz/samples.py: the sample
  issuer makes fresh keys per process, so only seeds made here verify against its documents.
- A target returns normally for a typed outcome (a BadgekeeperError; for the framing layer, which
  sits below it, a FramingError). Anything else escapes, and atheris reports it as a crash: the
  process exits non-zero and writes the input as a ``crash-*`` artifact.
- Our packages are instrumented at import (``agent``, ``native_host``) so coverage steers the
  mutations; third-party code is not, to keep start-up short.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import io
import json
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import atheris  # type: ignore[import-untyped]  # atheris ships no type information

with atheris.instrument_imports(include=["agent", "native_host"]):
    from agent.bakery import read_source, unbake
    from agent.errors import BadgekeeperError
    from agent.rpc.protocol import (
        ProtocolError,
        Reply,
        decode_json,
        encode,
        error_from_wire,
        error_message,
        parse_incoming,
        parse_request,
    )
    from agent.verify import Verdict, VerifyContext, verify_unbaked
    from native_host.framing import (
        FramingError,
        OversizedFrame,
        encode_frame,
        read_frame,
        skip_frame_body,
    )
    from tests.fuzz.samples import EARNER, fetcher, seeds

    # The verifier imports these on first use; importing them here gets them instrumented too.
    for _lazy in ("agent.verify.ob2.signed", "agent.verify.ob3", "agent.verify.ob3.canonical"):
        importlib.import_module(_lazy)

Target = Callable[[bytes], None]
FRAME_LIMIT = 4096
NOW = datetime.now(timezone.utc)  # the sample badges are issued at the real "now"
VERDICTS = ("valid", "invalid", "revoked", "expired", "error")
_LOOP = asyncio.new_event_loop()


def fuzz_bakery(data: bytes) -> None:
    """Unbake PNG or SVG bytes: a payload, None, or a BadgekeeperError."""
    for reader in (unbake, read_source):
        with contextlib.suppress(BadgekeeperError):
            reader(data)


def fuzz_intake(data: bytes) -> None:
    """A badge file (JSON, JWS, JWT, image) read and verified: a Verdict or a BadgekeeperError."""
    try:
        unbaked = read_source(data)
    except BadgekeeperError:
        return
    context = VerifyContext(fetcher=fetcher(), clock=lambda: NOW, emails=(EARNER,))

    async def verify() -> Verdict:
        return await asyncio.wait_for(verify_unbaked(unbaked, context, source="fuzz"), 20)

    try:
        verdict = _LOOP.run_until_complete(verify())
    except BadgekeeperError:
        return
    assert verdict.status in VERDICTS, verdict.status


def fuzz_framing(data: bytes) -> None:
    """A native-messaging byte stream, read through a pipe that hands out ``step`` bytes a time."""
    step = (data[0] % 8 + 1) if data else 1
    stream = io.BytesIO(data[1:])

    def read(size: int) -> bytes:
        return stream.read(min(size, step) if step < 8 else size)

    for _ in range(len(data) + 1):
        try:
            payload = read_frame(read, FRAME_LIMIT)
        except OversizedFrame as exc:
            assert exc.length > FRAME_LIMIT
            skip_frame_body(read, exc.length)
            continue
        except FramingError:
            break
        assert len(payload) <= FRAME_LIMIT
    else:
        raise AssertionError("more frames than bytes")
    body = data[:FRAME_LIMIT]
    assert read_frame(io.BytesIO(encode_frame(body)).read, FRAME_LIMIT) == body


def fuzz_rpc(data: bytes) -> None:
    """A JSON-RPC frame: parsed, or refused by a reply that encodes; wire errors convert back."""
    try:
        parse_request(data)
    except ProtocolError as exc:
        encode(error_message(exc.request_id, exc))
    except BadgekeeperError as exc:
        encode(error_message(None, exc))
    try:
        incoming = parse_incoming(data)
    except BadgekeeperError:
        pass
    else:
        if isinstance(incoming, Reply) and incoming.error is not None:
            encode(error_message(incoming.id, incoming.error))
    try:
        value = decode_json(data)
    except BadgekeeperError:
        return
    converted = error_from_wire(value)
    assert isinstance(converted, BadgekeeperError)
    json.dumps(error_message(1, converted))


def _rpc_seeds() -> list[bytes]:
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "badge.list", "params": {"limit": 50}},
        {"jsonrpc": "2.0", "method": "sync.run"},
        {"jsonrpc": "2.0", "id": "a", "result": {"badges": []}},
        {"jsonrpc": "2.0", "method": "badge.saved", "params": {"id": "x"}},
        {"jsonrpc": "2.0", "id": 2, "error": {"code": -32601, "message": "no such method"}},
        {"jsonrpc": "2.0", "id": 3, "error": {"code": 2001, "data": {"name": "FETCH_FAILED"}}},
    ]
    return [json.dumps(message).encode() for message in messages]


def seed_inputs(target: str) -> list[bytes]:
    """The starting corpus of ``target``, from the sample issuer's badges."""
    badges = seeds()
    if target == "bakery":
        return [badge.image for badge in badges.values()]
    if target == "intake":
        return [badge.payload.encode() for badge in badges.values()] + [
            badges["ob2-hosted-png"].image
        ]
    if target == "framing":
        frames = [encode_frame(message) for message in _rpc_seeds()]
        return [b"\x08" + frame for frame in frames] + [b"\x02" + b"".join(frames)]
    return _rpc_seeds()


TARGETS: dict[str, Target] = {
    "bakery": fuzz_bakery,
    "intake": fuzz_intake,
    "framing": fuzz_framing,
    "rpc": fuzz_rpc,
}


def main(argv: list[str]) -> None:
    """``TARGET CORPUS_DIR [libFuzzer flags]``: write the seeds, then fuzz as the flags bound it."""
    if len(argv) < 3 or argv[1] not in TARGETS:
        sys.exit(f"usage: python -m tests.fuzz.atheris_targets {{{','.join(TARGETS)}}} DIR [flags]")
    target, corpus = argv[1], Path(argv[2])
    corpus.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(seed_inputs(target)):
        (corpus / f"seed-{index}").write_bytes(seed)
    atheris.Setup([argv[0], *argv[3:], str(corpus)], TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
