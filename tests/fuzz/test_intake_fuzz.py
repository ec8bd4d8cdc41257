"""Fuzz the JSON / JWS / JWT intake: read_source + verify_unbaked end in a verdict or a typed error.

The fetcher is a DictFetcher serving the sample issuer's documents (no network), so mutated
payloads reach deep into the verifier: hosted lookups, signatures, keys, dates, recipients.
"""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import datetime, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.bakery import read_source
from agent.errors import BadgekeeperError
from agent.verify import Verdict, VerifyContext, verify_unbaked
from tests.fuzz.conftest import examples, ran
from tests.fuzz.samples import EARNER, fetcher, seeds

pytestmark = pytest.mark.timeout(90)

FUZZ = settings(
    max_examples=examples(300),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOW = datetime.now(timezone.utc)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(
        [
            "https://issuer.example/ob2/issuer",
            "http://127.0.0.1/",
            "file:///etc/passwd",
            "urn:uuid:0",
            "2026-13-45T99:00:00Z",
            "sha256$00",
            EARNER,
        ]
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def check(data: bytes, target: str) -> None:
    """Reading and verifying ``data`` ends in a Verdict or a BadgekeeperError, nothing else."""
    ran(target)
    try:
        unbaked = read_source(data)
    except BadgekeeperError:
        return

    async def run() -> Verdict:
        ctx = VerifyContext(fetcher=fetcher(), clock=lambda: NOW, emails=(EARNER,))
        return await asyncio.wait_for(verify_unbaked(unbaked, ctx, source="fuzz"), 20)

    try:
        verdict = asyncio.run(run())
    except BadgekeeperError:
        return
    assert verdict.status in ("valid", "invalid", "revoked", "expired", "error")


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, head: _replace(document[head], rest, value)}
    copy = list(document)
    copy[head] = _replace(copy[head], rest, value)
    return copy


def _mutated_json(seed: str, data: st.DataObject) -> bytes:
    document = json.loads(seeds()[seed].payload)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        path = data.draw(st.sampled_from(_paths(document)))
        document = _replace(document, path, data.draw(json_values))
    return json.dumps(document).encode("utf-8")


@FUZZ
@given(st.data())
def test_mutated_ob2_assertion_json(data: st.DataObject) -> None:
    """An OB 2.0 hosted assertion with members replaced by arbitrary JSON."""
    check(_mutated_json("ob2-hosted-png", data), "intake-ob2-json")


@FUZZ
@given(st.data())
def test_mutated_ob3_credential_json(data: st.DataObject) -> None:
    """An OB 3.0 Data Integrity credential with members replaced by arbitrary JSON."""
    check(_mutated_json("ob3-di", data), "intake-ob3-json")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _mutated_token(seed: str, data: st.DataObject) -> bytes:
    parts = seeds()[seed].payload.split(".")
    choice = data.draw(st.integers(min_value=0, max_value=2))
    if choice == 0:  # a segment replaced by the base64url of arbitrary JSON
        index = data.draw(st.integers(min_value=0, max_value=len(parts) - 1))
        parts[index] = _b64(json.dumps(data.draw(json_values)).encode())
    elif choice == 1:  # the header's members replaced
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        header[data.draw(st.sampled_from(["alg", "kid", "jku", "jwk", "typ", "crit", "x5u"]))] = (
            data.draw(json_values)
        )
        parts[0] = _b64(json.dumps(header).encode())
    else:  # characters edited anywhere
        text = ".".join(parts)
        at = data.draw(st.integers(min_value=0, max_value=len(text)))
        cut = data.draw(st.integers(min_value=0, max_value=8))
        text = text[:at] + data.draw(st.text(max_size=6)) + text[at + cut :]
        return text.encode("utf-8", "surrogatepass")
    return ".".join(parts).encode("utf-8")


@FUZZ
@given(st.data())
def test_mutated_ob2_jws(data: st.DataObject) -> None:
    """A signed OB 2.0 assertion (JWS) with segments, header members or characters changed."""
    check(_mutated_token("ob2-signed", data), "intake-ob2-jws")


@FUZZ
@given(st.data())
def test_mutated_ob3_jwt(data: st.DataObject) -> None:
    """An OB 3.0 VC-JWT with segments, header members or characters changed."""
    check(_mutated_token("ob3-jwt", data), "intake-ob3-jwt")


@FUZZ
@given(json_values)
def test_arbitrary_json_documents(document: Any) -> None:
    """Any JSON value saved as a badge file is verified or refused, typed."""
    check(json.dumps(document).encode("utf-8"), "intake-any-json")
